"""
Proxies from the environment (``trust_env``): user calls and session calls
both go through the proxy.

The stand-in answers absolute-form requests (``GET http://host/path``), so it
serves as the proxy itself: the API origin is a loopback port where nothing
listens, and every call reaches the stand-in only if it went through the
proxy. (With TMDb's https origin, a proxy sees a CONNECT tunnel to the host
and none of the credentials.)
"""

from __future__ import annotations

import anyio
import httpx
import pytest
import requests

import tmdb_auth.httpx
import tmdb_auth.requests

from tmdb_auth.testing import TMDbServer


NOWHERE = "http://localhost:9"  # the discard port: nothing answers there


@pytest.fixture
def proxy(server: TMDbServer, monkeypatch: pytest.MonkeyPatch) -> TMDbServer:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("http_proxy", server.url)
    return server


class TestTrustEnvProxies:
    def test_requests(self, proxy: TMDbServer) -> None:
        """requests.Session (trust_env) and our own session calls."""
        s = requests.Session()
        s.auth = tmdb_auth.requests.TMDbAuth(
            proxy.api_key, api_url=NOWHERE, session="guest", cache=None
        )

        r = s.post(NOWHERE + "/3/movie/550/rating", json={"value": 8})

        assert 201 == r.status_code
        assert [
            "/3/authentication/guest_session/new",
            "/3/movie/550/rating",
        ] == [rec.path for rec in proxy.requests]

    def test_requests_trust_env_off(self, proxy: TMDbServer) -> None:
        """
        Without trust_env, the user's call ignores the proxy; pass the same
        session as http= so that the plugin's calls do too.
        """
        s = requests.Session()
        s.trust_env = False
        s.auth = tmdb_auth.requests.TMDbAuth(
            proxy.api_key, api_url=NOWHERE, session="guest", cache=None, http=s
        )

        with pytest.raises(tmdb_auth.TMDbConnectionError):
            s.post(NOWHERE + "/3/movie/550/rating", json={"value": 8})

        assert 0 == proxy.count()

    def test_httpx_sync(self, proxy: TMDbServer) -> None:
        """httpx.Client (trust_env): session calls use the client's proxy."""
        auth = tmdb_auth.httpx.TMDbAuth(
            proxy.api_key, api_url=NOWHERE, session="guest", cache=None
        )
        with httpx.Client(auth=auth, timeout=10) as client:
            r = client.post(NOWHERE + "/3/movie/550/rating", json={"value": 8})

        assert 201 == r.status_code
        assert {"guest": 1, "user": 0} == proxy.sessions_created

    @pytest.mark.parametrize("backend", ["asyncio", "trio"])
    def test_httpx_async(self, proxy: TMDbServer, backend: str) -> None:
        """httpx.AsyncClient, on asyncio and on trio."""
        auth = tmdb_auth.httpx.TMDbAuth(
            proxy.api_key, api_url=NOWHERE, session="guest", cache=None
        )

        async def main() -> httpx.Response:
            async with httpx.AsyncClient(auth=auth, timeout=10) as client:
                return await client.post(
                    NOWHERE + "/3/movie/550/rating", json={"value": 8}
                )

        r = anyio.run(main, backend=backend)

        assert 201 == r.status_code
        assert {"guest": 1, "user": 0} == proxy.sessions_created
