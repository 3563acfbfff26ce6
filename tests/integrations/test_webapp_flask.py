"""
The Flask app of docs/web-applications.md, driven by Flask's test client.

Two end users link their TMDb accounts through the stand-in's real
approval page; each one's calls carry only their own session.
"""

from __future__ import annotations

from typing import Any

import pytest

from tmdb_auth.testing import TMDbServer

from .webapp import (
    Browser,
    Page,
    check_callback_refusals,
    check_two_users,
    load,
)


pytest.importorskip("flask")


class FlaskBrowser(Browser):
    def __init__(self, app: Any) -> None:
        self.client = app.test_client()

    def _page(self, response: Any) -> Page:
        return Page(
            response.status_code,
            response.headers.get("Location", ""),
            response.get_data(as_text=True),
        )

    def get(self, url: str) -> Page:
        return self._page(self.client.get(url))

    def post(self, url: str) -> Page:
        return self._page(self.client.post(url))

    def cookies(self) -> Any:
        cookie = self.client.get_cookie("session")
        return None if cookie is None else cookie.value

    def restore(self, cookies: Any) -> None:
        self.client.set_cookie("session", cookies)


@pytest.fixture
def app(server: TMDbServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    return load("<!-- webapp: flask -->", server, "movies_flask")


def test_two_users(server: TMDbServer, app: dict[str, Any]) -> None:
    """ann and bob link, call, are revoked and log out, each on their own."""
    check_two_users(
        server, lambda: FlaskBrowser(app["app"]), app["tmdb_sessions"]
    )


def test_callback_refusals(server: TMDbServer, app: dict[str, Any]) -> None:
    """Login CSRF, a denial and replayed callbacks link nobody."""
    check_callback_refusals(
        server, lambda: FlaskBrowser(app["app"]), app["tmdb_sessions"]
    )
