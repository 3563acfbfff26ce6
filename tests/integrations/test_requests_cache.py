"""
requests-cache's ``CachedSession`` with our auth: what its cache holds.

The findings, documented in docs/security.md: the API key (``api_key``,
``Authorization``) is left out of the keys and redacted from the stored
responses by requests-cache's defaults; ``session_id`` is part of the key
(so one user's cached answer is never served for another session) and is
stored, in clear, in the cached request URL. The plugin's own session calls
send ``Cache-Control: no-store``, so a ``CachedSession`` given as ``http=``
never stores nor replays a session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tmdb_auth.requests import TMDbAuth
from tmdb_auth.testing import TMDbServer


requests_cache = pytest.importorskip("requests_cache")


def cached_session(path: Path, **options: object) -> object:
    return requests_cache.CachedSession(
        str(path / "http"), backend="sqlite", **options
    )


def stored_bytes(path: Path) -> bytes:
    return (path / "http.sqlite").read_bytes()


@pytest.fixture
def user_auth(server: TMDbServer) -> TMDbAuth:
    return TMDbAuth(
        server.api_key,
        api_url=server.url,
        username=server.username,
        password=server.password,
        cache=None,
    )


@pytest.fixture
def session_ids(server: TMDbServer) -> Iterator[list[str]]:
    ids: list[str] = []
    yield ids
    ids.extend(
        r.query[name]
        for r in server.requests
        for name in ("session_id", "guest_session_id")
        if name in r.query
    )


class TestCachedSession:
    def test_account_is_cached_per_session(
        self, server: TMDbServer, user_auth: TMDbAuth, tmp_path: Path
    ) -> None:
        """
        The second GET /3/account is served from the cache, with our
        session made once.
        """
        s = cached_session(tmp_path)
        s.auth = user_auth  # type: ignore[attr-defined]

        first = s.get(server.url + "/3/account")  # type: ignore[attr-defined]
        second = s.get(server.url + "/3/account")  # type: ignore[attr-defined]

        assert (False, True) == (first.from_cache, second.from_cache)
        assert "ann" == second.json()["username"]
        assert 1 == server.count("/3/account")
        assert {"guest": 0, "user": 1} == server.sessions_created

    def test_key_redacted_session_id_stored(
        self, server: TMDbServer, user_auth: TMDbAuth, tmp_path: Path
    ) -> None:
        """
        On disk: the API key never; the session id in clear, in the cached
        request URL (not in the key, which is a hash).
        """
        s = cached_session(tmp_path)
        s.auth = user_auth  # type: ignore[attr-defined]
        s.get(server.url + "/3/account")  # type: ignore[attr-defined]
        s.get(server.url + "/3/movie/550")  # type: ignore[attr-defined]
        (sid,) = {
            r.query["session_id"]
            for r in server.requests
            if "session_id" in r.query
        }
        raw = stored_bytes(tmp_path)
        keys = list(s.cache.responses.keys())  # type: ignore[attr-defined]
        urls = [
            r.url
            for r in s.cache.responses.values()  # type: ignore[attr-defined]
        ]

        assert server.api_key.encode() not in raw
        assert all(sid not in k and server.api_key not in k for k in keys)
        assert sid.encode() in raw
        assert any(f"session_id={sid}" in u for u in urls)
        assert all("api_key=REDACTED" in u for u in urls)

    def test_bearer_is_not_stored(
        self, server: TMDbServer, tmp_path: Path
    ) -> None:
        """With the read access token, the Authorization header is redacted."""
        s = cached_session(tmp_path)
        s.auth = TMDbAuth(  # type: ignore[attr-defined]
            server.read_token, api_url=server.url, cache=None
        )
        r = s.get(server.url + "/3/movie/550")  # type: ignore[attr-defined]

        assert 200 == r.status_code
        assert server.read_token.encode() not in stored_bytes(tmp_path)

    def test_ignoring_session_ids_redacts_them(
        self, server: TMDbServer, user_auth: TMDbAuth, tmp_path: Path
    ) -> None:
        """
        ignored_parameters with session_id keeps it off the disk, at the cost
        of sharing cached answers between sessions (single-user programs).
        """
        s = cached_session(
            tmp_path,
            ignored_parameters=[
                *requests_cache.DEFAULT_IGNORED_PARAMS,
                "session_id",
                "guest_session_id",
            ],
        )
        s.auth = user_auth  # type: ignore[attr-defined]
        s.get(server.url + "/3/account")  # type: ignore[attr-defined]
        (sid,) = {
            r.query["session_id"]
            for r in server.requests
            if "session_id" in r.query
        }

        assert sid.encode() not in stored_bytes(tmp_path)

    def test_session_routes_not_cached(
        self, server: TMDbServer, user_auth: TMDbAuth, tmp_path: Path
    ) -> None:
        """urls_expire_after with DO_NOT_CACHE keeps session routes out."""
        s = cached_session(
            tmp_path,
            urls_expire_after={
                "*/3/account": requests_cache.DO_NOT_CACHE,
                "*/account_states": requests_cache.DO_NOT_CACHE,
                "*": requests_cache.NEVER_EXPIRE,
            },
        )
        s.auth = user_auth  # type: ignore[attr-defined]
        s.get(server.url + "/3/account")  # type: ignore[attr-defined]
        s.get(server.url + "/3/account")  # type: ignore[attr-defined]
        (sid,) = {
            r.query["session_id"]
            for r in server.requests
            if "session_id" in r.query
        }

        assert 2 == server.count("/3/account")
        assert sid.encode() not in stored_bytes(tmp_path)

    def test_our_calls_through_a_cached_session_are_not_cached(
        self, server: TMDbServer, tmp_path: Path
    ) -> None:
        """
        http=CachedSession: each new auth makes its own guest session (no
        replayed guest_session/new), and no session lands in the cache.
        """
        http = cached_session(tmp_path)
        for _ in range(2):
            auth = TMDbAuth(
                server.api_key,
                api_url=server.url,
                session="guest",
                cache=None,
                http=http,  # type: ignore[arg-type]
            )
            r = http.post(  # type: ignore[attr-defined]
                server.url + "/3/movie/550/rating",
                json={"value": 8},
                auth=auth,
            )
            assert 201 == r.status_code
        gids = {
            r.query["guest_session_id"]
            for r in server.requests
            if "guest_session_id" in r.query
        }

        assert {"guest": 2, "user": 0} == server.sessions_created
        assert 2 == len(gids)
        assert not any(g.encode() in stored_bytes(tmp_path) for g in gids)

    def test_revoked_session_recovers(
        self, server: TMDbServer, user_auth: TMDbAuth, tmp_path: Path
    ) -> None:
        """
        A 401 is not cached; the recovery hook resends through the cached
        session's adapter.
        """
        s = cached_session(tmp_path)
        s.auth = user_auth  # type: ignore[attr-defined]
        s.post(  # type: ignore[attr-defined]
            server.url + "/3/movie/550/rating", json={"value": 6}
        )
        server.revoke_all_sessions()

        r = s.post(  # type: ignore[attr-defined]
            server.url + "/3/movie/550/rating", json={"value": 7}
        )

        assert 201 == r.status_code
        assert [401] == [h.status_code for h in r.history]
