"""
anyio under trio, at the integration level: cancellation.

Other tests run every behaviour on trio (tests/clients.py) and stampedes of
trio tasks (tests/test_concurrency.py). What trio users do besides is cancel:
a task cancelled while it makes the session must release the anyio lock and
the cache's cross-process lock, so that the next call is not held up.
"""

from __future__ import annotations

import time

import anyio
import httpx
import pytest

from tmdb_auth.httpx import TMDbAuth
from tmdb_auth.testing import TMDbServer


pytest.importorskip("trio")


@pytest.mark.parametrize("backend", ["trio", "asyncio"])
def test_cancelled_creation_releases_locks(
    server: TMDbServer, backend: str
) -> None:
    """
    A first call cancelled during session creation; the next call makes the
    session at once (not after the 30 s lock expiry).
    """
    auth = TMDbAuth(server.api_key, api_url=server.url, session="guest")
    url = server.url + "/3/movie/550/rating"

    async def main() -> tuple[bool, httpx.Response, float]:
        async with httpx.AsyncClient(auth=auth, timeout=10) as client:
            server.session_delay = 1.0
            with anyio.move_on_after(0.2) as scope:
                await client.post(url, json={"value": 8})
            server.session_delay = 0.0
            t0 = time.monotonic()
            r = await client.post(url, json={"value": 8})
            return scope.cancelled_caught, r, time.monotonic() - t0

    cancelled, r, elapsed = anyio.run(main, backend=backend)

    assert cancelled
    assert 201 == r.status_code
    assert elapsed < 5
