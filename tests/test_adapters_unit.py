"""
The adapters without a network: requests' AuthBase called on a bare
PreparedRequest, and httpx's auth flow stepped by hand (as httpx's own
tests do). The integration tests in test_auth.py run the same over sockets.
"""

from __future__ import annotations

import json

import httpx
import pytest
import requests

import tmdb_auth.httpx

from tmdb_auth._routes import Need
from tmdb_auth._values import Session
from tmdb_auth.httpx import TMDbAuth as HttpxAuth
from tmdb_auth.requests import TMDbAuth as RequestsAuth
from tmdb_auth.testing import TMDbServer


KEY = "0123456789abcdef0123456789abcdef"
GID = "9" * 32
TOKEN = (
    "eyJhbGciOiJIUzI1NiJ9."
    "eyJhdWQiOiIwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZiJ9.c2ln"
)
API = "https://api.themoviedb.org"


def prepared(url: str, method: str = "GET") -> requests.PreparedRequest:
    return requests.Request(method, url).prepare()


def with_guest(auth: object) -> None:
    """Put a live guest session in memory, as a first call would."""
    auth._sessions.active[Need.GUEST_OK] = Session("guest", GID)  # type: ignore[attr-defined]


class TestRequestsCall:
    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            (f"{API}/3/movie/550", f"{API}/3/movie/550?api_key={KEY}"),
            (
                f"{API}/3/movie/550?language=fr",
                f"{API}/3/movie/550?language=fr&api_key={KEY}",
            ),
            (f"{API}/3/movie/550#top", f"{API}/3/movie/550?api_key={KEY}"),
            (
                "https://API.THEMOVIEDB.ORG:443/3/movie/550",
                f"https://api.themoviedb.org:443/3/movie/550?api_key={KEY}",
            ),
            (
                "https://api.tmdb.org/3/movie/550",
                f"https://api.tmdb.org/3/movie/550?api_key={KEY}",
            ),
        ],
    )
    def test_key_attached(self, url: str, expected: str) -> None:
        """The key goes on TMDb URLs, whatever their spelling."""
        r = RequestsAuth(KEY, cache=None)(prepared(url))

        assert expected == r.url

    @pytest.mark.parametrize(
        "url",
        [
            "https://example.com/3/movie/550",
            "http://api.themoviedb.org/3/movie/550",
            "https://api.themoviedb.org:8443/3/movie/550",
            "https://api.themoviedb.org.evil.com/3/movie/550",
            "https://evil.com/api.themoviedb.org/3/movie/550",
        ],
    )
    def test_other_urls_untouched(self, url: str) -> None:
        """Other hosts, schemes and ports get nothing."""
        r = RequestsAuth(KEY, cache=None)(prepared(url))

        assert prepared(url).url == r.url
        assert "Authorization" not in r.headers

    def test_bearer(self) -> None:
        """A read token is a header; the URL is left alone."""
        r = RequestsAuth(TOKEN, cache=None)(prepared(f"{API}/3/movie/550"))

        assert f"{API}/3/movie/550" == r.url
        assert f"Bearer {TOKEN}" == r.headers["Authorization"]

    def test_session_route_with_cached_session(self) -> None:
        """A cached session is attached with a recovery hook; no I/O."""
        auth = RequestsAuth(KEY, cache=None)
        with_guest(auth)

        r = auth(prepared(f"{API}/3/movie/550/rating", "POST"))

        assert (
            f"{API}/3/movie/550/rating?api_key={KEY}&guest_session_id={GID}"
            == r.url
        )
        assert [auth._hook] == r.hooks["response"]


class TestHttpxFlow:
    def test_read_route(self) -> None:
        """One yield, with the key in the query; nothing else."""
        request = httpx.Request("GET", f"{API}/3/movie/550?language=fr")
        flow = HttpxAuth(KEY, cache=None).sync_auth_flow(request)

        sent = next(flow)

        assert f"{API}/3/movie/550?language=fr&api_key={KEY}" == str(sent.url)
        with pytest.raises(StopIteration):
            flow.send(httpx.Response(200))

    def test_other_host(self) -> None:
        """Another host passes untouched."""
        request = httpx.Request("GET", "https://example.com/3/account")
        flow = HttpxAuth(TOKEN, cache=None).sync_auth_flow(request)

        sent = next(flow)

        assert "https://example.com/3/account" == str(sent.url)
        assert "authorization" not in sent.headers

    def test_bearer(self) -> None:
        """A read token is a header."""
        request = httpx.Request("GET", f"{API}/3/movie/550")
        sent = next(HttpxAuth(TOKEN, cache=None).sync_auth_flow(request))

        assert f"Bearer {TOKEN}" == sent.headers["authorization"]
        assert f"{API}/3/movie/550" == str(sent.url)

    def test_session_made_through_the_flow(self) -> None:
        """The session call is yielded first, with the user's timeout."""
        request = httpx.Request(
            "POST",
            f"{API}/3/movie/550/rating",
            json={"value": 8},
            extensions={
                "timeout": {
                    "connect": 1.5,
                    "read": 2.5,
                    "write": 3.5,
                    "pool": 4.5,
                }
            },
        )
        flow = HttpxAuth(KEY, session="guest", cache=None).sync_auth_flow(
            request
        )

        made = next(flow)
        body = json.dumps(
            {
                "success": True,
                "guest_session_id": GID,
                "expires_at": "2030-01-01 00:00:00 UTC",
            }
        )
        sent = flow.send(
            httpx.Response(200, content=body.encode(), request=made)
        )

        assert (
            f"{API}/3/authentication/guest_session/new?api_key={KEY}"
            == str(made.url)
        )
        assert request.extensions["timeout"] == made.extensions["timeout"]
        assert (
            f"{API}/3/movie/550/rating?api_key={KEY}&guest_session_id={GID}"
            == str(sent.url)
        )
        with pytest.raises(StopIteration):
            flow.send(httpx.Response(201))

    def test_failed_creation_raises_in_the_flow(self) -> None:
        """A refused session call raises from the flow, typed."""
        from tmdb_auth import InvalidCredentials

        request = httpx.Request("POST", f"{API}/3/movie/550/rating")
        flow = HttpxAuth(KEY, session="guest", cache=None).sync_auth_flow(
            request
        )
        made = next(flow)
        body = b'{"status_code":7,"status_message":"Invalid API key","success":false}'

        with pytest.raises(InvalidCredentials):
            flow.send(httpx.Response(401, content=body, request=made))

    def test_users_stream_is_not_read(self) -> None:
        """A streamed response on a read route is handed back unread."""
        request = httpx.Request("GET", f"{API}/3/movie/550")
        flow = HttpxAuth(KEY, cache=None).sync_auth_flow(request)
        next(flow)
        response = httpx.Response(
            200, stream=httpx.ByteStream(b"{}"), request=request
        )

        with pytest.raises(StopIteration):
            flow.send(response)

        assert not response.is_stream_consumed


class TestHttpxWithoutItsInternals:
    """
    The httpx adapter reads httpx's parsed URL and fills a response's body
    where httpx keeps them as it does today; on an httpx that does not, it
    takes the public API. Both paths, against the stand-in.
    """

    @pytest.mark.parametrize(
        "fast", [True, False], ids=["internals", "public"]
    )
    def test_both_paths(
        self, server: TMDbServer, monkeypatch: pytest.MonkeyPatch, fast: bool
    ) -> None:
        monkeypatch.setattr(tmdb_auth.httpx, "_FAST_URLS", fast)
        monkeypatch.setattr(tmdb_auth.httpx, "_FILLABLE", fast)
        auth = tmdb_auth.httpx.TMDbAuth(
            server.api_key,
            api_url=server.url,
            username=server.username,
            password=server.password,
            cache=None,
        )
        with httpx.Client(auth=auth, timeout=10) as client:
            read = client.get(server.url + "/3/movie/550?language=en")
            account = client.get(server.url + "/3/account")

        assert (200, 200) == (read.status_code, account.status_code)
        assert server.username == account.json()["username"]
        sent = server.requests[-1]
        assert server.api_key == sent.query["api_key"]
        assert "session_id" in sent.query
        assert "en" == server.requests[0].query["language"]
