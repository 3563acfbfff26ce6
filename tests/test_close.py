"""
What the auth opens, it closes; what it was given, it leaves open.

``close()`` and the context managers of both adapters: the store the auth
opened itself, the requests adapter's private ``requests.Session`` of its
own calls; never a ``diskcache.Cache`` or an ``http=`` session passed in.
"""

from __future__ import annotations

from pathlib import Path

import diskcache
import httpx
import pytest
import requests

from tmdb_auth.httpx import TMDbAuth as HttpxAuth
from tmdb_auth.requests import TMDbAuth as RequestsAuth
from tmdb_auth.testing import TMDbServer


RATING = "/3/movie/550/rating"


def _rate(auth: RequestsAuth, server: TMDbServer) -> int:
    with requests.Session() as s:
        return s.post(
            server.url + RATING, json={"value": 8}, auth=auth, timeout=10
        ).status_code


def test_requests_closes_its_own_session(server: TMDbServer) -> None:
    """The private requests.Session of the own calls is closed, once made."""
    with RequestsAuth(
        server.api_key, api_url=server.url, session="guest"
    ) as auth:
        assert 201 == _rate(auth, server)
        private = auth._http
        assert isinstance(private, requests.Session)

    assert auth._http is None
    assert not private.adapters["http://"].poolmanager.pools


def test_requests_leaves_http_open(server: TMDbServer) -> None:
    """http= is the caller's: still usable after close()."""
    with requests.Session() as mine:
        auth = RequestsAuth(
            server.api_key, api_url=server.url, session="guest", http=mine
        )
        assert 201 == _rate(auth, server)
        auth.close()

        assert auth._http is mine
        answer = mine.get(
            server.url + "/3/configuration", params={"api_key": server.api_key}
        )
        assert 200 == answer.status_code


@pytest.mark.parametrize("adapter", [RequestsAuth, HttpxAuth])
def test_a_passed_cache_stays_open(
    server: TMDbServer, tmp_path: Path, adapter: type
) -> None:
    """A diskcache.Cache passed in is never closed by the auth."""
    with diskcache.Cache(str(tmp_path), disk=diskcache.JSONDisk) as cache:
        auth = adapter(
            server.api_key, api_url=server.url, session="guest", cache=cache
        )
        with httpx.Client(auth=auth if adapter is HttpxAuth else None) as c:
            if adapter is HttpxAuth:
                c.post(server.url + RATING, json={"value": 8})
            else:
                _rate(auth, server)
        auth.close()

        cache.set("still", "open")
        assert "open" == cache.get("still")
        assert 1 == server.sessions_created["guest"]


@pytest.mark.parametrize("adapter", [RequestsAuth, HttpxAuth])
def test_closed_auth_reopens_what_it_needs(
    server: TMDbServer, adapter: type
) -> None:
    """close() twice is fine, and a closed auth still works: it reopens."""
    auth = adapter(server.api_key, api_url=server.url, session="guest")
    auth.close()
    auth.close()

    if adapter is HttpxAuth:
        with httpx.Client(auth=auth) as c:
            status = c.post(server.url + RATING, json={"value": 8}).status_code
    else:
        status = _rate(auth, server)
    auth.close()

    assert 201 == status
