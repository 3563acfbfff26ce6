"""
The FastAPI app of docs/web-applications.md, driven by Starlette's test
client (the async adapter, the a-prefixed calls, one httpx.AsyncClient).

Two end users link their TMDb accounts through the stand-in's real
approval page; each one's calls carry only their own session.
"""

from __future__ import annotations

import warnings

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tmdb_auth.testing import TMDbServer

from .webapp import (
    Browser,
    Page,
    check_callback_refusals,
    check_two_users,
    load,
)


pytest.importorskip("fastapi")
pytest.importorskip("itsdangerous")

# Starlette 1.10 wants its test client on the httpx2 fork; the application
# itself uses httpx, and the test client works on it too.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


class StarletteBrowser(Browser):
    """
    One browser's cookies on the one running app: each TestClient runs the
    app (and its lifespan, with its AsyncClient) in an event loop of its
    own, so the browsers share one client and keep their cookies apart.
    """

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.jar = httpx.Cookies()

    def _send(self, method: str, url: str) -> Page:
        self.client.cookies = httpx.Cookies(self.jar)
        response = self.client.request(method, url)
        self.jar = httpx.Cookies(self.client.cookies)
        return Page(
            response.status_code,
            response.headers.get("location", ""),
            response.text,
        )

    def get(self, url: str) -> Page:
        return self._send("GET", url)

    def post(self, url: str) -> Page:
        return self._send("POST", url)

    def cookies(self) -> Any:
        return httpx.Cookies(self.jar)

    def restore(self, cookies: Any) -> None:
        self.jar = httpx.Cookies(cookies)


@pytest.fixture
def app(
    server: TMDbServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[dict[str, Any], TestClient]]:
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    namespace = load("<!-- webapp: fastapi -->", server, "movies_fastapi")
    with TestClient(namespace["app"], follow_redirects=False) as client:
        yield namespace, client


def test_two_users(
    server: TMDbServer, app: tuple[dict[str, Any], list[TestClient]]
) -> None:
    """ann and bob link, call, are revoked and log out, each on their own."""
    namespace, client = app
    check_two_users(
        server,
        lambda: StarletteBrowser(client),
        namespace["tmdb_sessions"],
    )


def test_callback_refusals(
    server: TMDbServer, app: tuple[dict[str, Any], list[TestClient]]
) -> None:
    """Login CSRF, a denial and replayed callbacks link nobody."""
    namespace, client = app
    check_callback_refusals(
        server,
        lambda: StarletteBrowser(client),
        namespace["tmdb_sessions"],
    )
