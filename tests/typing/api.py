"""
The public API as users write it: type-checked by mypy, never executed.
"""

from __future__ import annotations

import httpx
import requests

import tmdb_auth
import tmdb_auth.httpx
import tmdb_auth.requests

from tmdb_auth import Session, TMDbAuthError, approve_in_browser
from tmdb_auth.exceptions import RateLimited
from tmdb_auth.testing import RecordedRequest, TMDbServer


def sync_usage(server: TMDbServer) -> None:
    s = requests.Session()
    s.auth = tmdb_auth.requests.TMDbAuth(
        server.api_key, api_url=server.url, session="guest", cache=None
    )
    r: requests.Response = s.post(
        server.url + "/3/movie/550/rating", json={"value": 8.5}
    )
    assert r.status_code == 201
    auth = tmdb_auth.requests.TMDbAuth(
        username="ann",
        password=lambda: "secret",
        approve=approve_in_browser,
        http=s,
        timeout=5.0,
    )
    deleted: bool = auth.logout()
    assert deleted in (True, False)


def httpx_usage(server: TMDbServer) -> None:
    auth = tmdb_auth.httpx.TMDbAuth(
        server.read_token, api_url=server.url, session="user"
    )
    with httpx.Client(auth=auth) as client:
        client.get(server.url + "/3/account")
        gone: bool = auth.logout(client)
        assert gone in (True, False)


async def async_usage(server: TMDbServer) -> None:
    auth = tmdb_auth.httpx.TMDbAuth(session_id="a" * 40, cache=None)
    async with httpx.AsyncClient(auth=auth) as client:
        await client.get(server.url + "/3/account")
        gone: bool = await auth.alogout(client)
        assert gone in (True, False)


def errors() -> None:
    try:
        tmdb_auth.requests.TMDbAuth()
    except RateLimited as exc:
        wait: float | None = exc.retry_after
        assert wait is None or wait >= 0
    except TMDbAuthError as exc:
        code: int | None = exc.status_code
        http: int | None = exc.http_status
        message: str | None = exc.status_message
        assert (code, http, message) is not None


def values(session: Session, request: RecordedRequest) -> None:
    kind: str = session.kind
    expires: float | None = session.expires_at
    alive: bool = session.alive()
    path: str = request.path
    assert (kind, expires, alive, path) is not None
    version: str = tmdb_auth.__version__
    assert version
