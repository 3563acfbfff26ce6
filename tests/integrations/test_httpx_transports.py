"""
httpx with other transports: hishel's cache, and HTTPTransport retries.

The httpx adapter yields its session calls through the client, so they go
through the same transport as the user's calls. They ask any cache on the
way not to replay them (``Cache-Control: no-cache, no-store``, and hishel's
per-request ``caching`` extension set to RFC 9111 mode, which honours
no-cache): a replayed ``token/new`` or ``guest_session/new`` would make the
next login fail, and a revoked guest session impossible to replace. hishel
still *stores* them (it ignores a request's no-store): documented in
docs/security.md.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tmdb_auth.httpx import TMDbAuth
from tmdb_auth.testing import TMDbServer


hishel = pytest.importorskip("hishel")
hishel_httpx = pytest.importorskip("hishel.httpx")


def cache_client(tmp_path: Path, *, rfc: bool = False) -> httpx.Client:
    storage = hishel.SqliteStorage(database_path=str(tmp_path / "h.db"))
    transport = hishel_httpx.CacheTransport(
        httpx.HTTPTransport(), storage=storage, rfc=rfc
    )
    return httpx.Client(transport=transport, timeout=10)


def user_auth(server: TMDbServer) -> TMDbAuth:
    return TMDbAuth(
        server.api_key,
        api_url=server.url,
        username=server.username,
        password=server.password,
        cache=None,
    )


class TestHishel:
    @pytest.mark.parametrize("rfc", [False, True])
    def test_user_calls_are_cached(
        self, server: TMDbServer, tmp_path: Path, rfc: bool
    ) -> None:
        """The user's GETs are cached as hishel decides; one session."""
        with cache_client(tmp_path, rfc=rfc) as client:
            auth = user_auth(server)
            client.get(server.url + "/3/account", auth=auth)
            r = client.get(server.url + "/3/account", auth=auth)

        assert "ann" == r.json()["username"]
        assert {"guest": 0, "user": 1} == server.sessions_created
        if not rfc:
            assert r.extensions["caching"]["from_cache"]

    @pytest.mark.parametrize("rfc", [False, True])
    def test_login_again_after_logout(
        self, server: TMDbServer, tmp_path: Path, rfc: bool
    ) -> None:
        """
        A second login gets a fresh request token, not hishel's copy of the
        first (which TMDb consumed): both logins succeed.
        """
        with cache_client(tmp_path, rfc=rfc) as client:
            first = user_auth(server)
            client.get(server.url + "/3/account", auth=first)
            assert first.logout(client)
            second = user_auth(server)
            r = client.get(server.url + "/3/account", auth=second)

        assert 200 == r.status_code
        assert {"guest": 0, "user": 2} == server.sessions_created
        assert 2 == server.count("/3/authentication/token/new")

    def test_expired_guest_session_is_replaced(
        self, server: TMDbServer, tmp_path: Path
    ) -> None:
        """A new guest session comes from TMDb, not from hishel's storage."""
        with cache_client(tmp_path) as client:
            for _ in range(2):
                auth = TMDbAuth(
                    server.api_key,
                    api_url=server.url,
                    session="guest",
                    cache=None,
                )
                r = client.post(
                    server.url + "/3/movie/550/rating",
                    json={"value": 8},
                    auth=auth,
                )
                assert 201 == r.status_code
                server.expire_guest_sessions()

        assert {"guest": 2, "user": 0} == server.sessions_created

    def test_what_the_storage_holds(
        self, server: TMDbServer, tmp_path: Path
    ) -> None:
        """
        hishel's storage holds, in clear, the URLs of the GETs it saw (with
        api_key) and the bodies of the session calls (a guest session id),
        which it is asked never to replay. Documented in docs/security.md.
        """
        with cache_client(tmp_path) as client:
            auth = TMDbAuth(
                server.api_key, api_url=server.url, session="guest", cache=None
            )
            client.post(
                server.url + "/3/movie/550/rating",
                json={"value": 8},
                auth=auth,
            )
            client.get(server.url + "/3/movie/550", auth=auth)
        (gid,) = {
            r.query["guest_session_id"]
            for r in server.requests
            if "guest_session_id" in r.query
        }
        raw = (tmp_path / "h.db").read_bytes()

        assert gid.encode() in raw  # guest_session/new's body
        assert server.api_key.encode() in raw  # every stored URL


class TestRetries:
    @pytest.mark.parametrize("flavour", ["sync", "async"])
    def test_connect_retries_cover_session_calls(
        self, server: TMDbServer, flavour: str
    ) -> None:
        """
        HTTPTransport(retries=…) retries connection failures of the user's
        calls and of the session calls alike; TMDb's answers are not retried.
        """
        import anyio

        auth = TMDbAuth(
            server.api_key, api_url=server.url, session="guest", cache=None
        )
        url = server.url + "/3/movie/550/rating"
        if flavour == "sync":
            with httpx.Client(
                transport=httpx.HTTPTransport(retries=2), timeout=10
            ) as client:
                r = client.post(url, json={"value": 8}, auth=auth)
        else:

            async def main() -> httpx.Response:
                async with httpx.AsyncClient(
                    transport=httpx.AsyncHTTPTransport(retries=2), timeout=10
                ) as client:
                    return await client.post(url, json={"value": 8}, auth=auth)

            r = anyio.run(main)

        assert 201 == r.status_code
        assert {"guest": 1, "user": 0} == server.sessions_created

    def test_server_errors_are_not_retried(self, server: TMDbServer) -> None:
        """A 503 to session creation raises at once: one call, no retry."""
        import tmdb_auth

        server.fail_next("/3/authentication/guest_session/new", status=503)
        auth = TMDbAuth(
            server.api_key, api_url=server.url, session="guest", cache=None
        )
        with (
            httpx.Client(
                transport=httpx.HTTPTransport(retries=3), timeout=10
            ) as client,
            pytest.raises(tmdb_auth.TMDbServerError),
        ):
            client.post(
                server.url + "/3/movie/550/rating",
                json={"value": 8},
                auth=auth,
            )

        assert 1 == server.count("/3/authentication/guest_session/new")
