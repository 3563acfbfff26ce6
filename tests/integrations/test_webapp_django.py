"""
The Django app of docs/web-applications.md, driven by Django's test client.

Two end users link their TMDb accounts through the stand-in's real
approval page; each one's calls carry only their own session.
"""

from __future__ import annotations

import sys
import types

from collections.abc import Iterator
from typing import Any

import pytest

from tmdb_auth.testing import TMDbServer

from .webapp import (
    TMDB,
    Browser,
    Page,
    check_callback_refusals,
    check_two_users,
    example,
)


pytest.importorskip("django")

import django

from django.test import Client, override_settings


MODULE = "movies_django"


class DjangoBrowser(Browser):
    def __init__(self) -> None:
        self.client = Client()

    def _page(self, response: Any) -> Page:
        return Page(
            response.status_code,
            response.headers.get("Location", ""),
            response.content.decode(),
        )

    def get(self, url: str) -> Page:
        return self._page(self.client.get(url))

    def post(self, url: str) -> Page:
        return self._page(self.client.post(url))

    def cookies(self) -> Any:
        return {k: v.value for k, v in self.client.cookies.items()}

    def restore(self, cookies: Any) -> None:
        self.client.cookies.clear()
        for name, value in cookies.items():
            self.client.cookies[name] = value


@pytest.fixture
def app(
    server: TMDbServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    """
    The docs' one-file project as module ``movies_django``. Django's
    settings are configured once per process (by whichever runs the page
    first, this or tests/test_docs.py): the URLs are this module's.
    """
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    module = types.ModuleType(MODULE)
    source = example("<!-- webapp: django -->").replace(TMDB, server.url)
    monkeypatch.setitem(sys.modules, MODULE, module)
    exec(compile(source, MODULE, "exec"), module.__dict__)  # noqa: S102
    django.setup()
    with override_settings(ROOT_URLCONF=MODULE, ALLOWED_HOSTS=["testserver"]):
        yield module.__dict__


def test_two_users(server: TMDbServer, app: dict[str, Any]) -> None:
    """ann and bob link, call, are revoked and log out, each on their own."""
    check_two_users(server, DjangoBrowser, app["tmdb_sessions"])


def test_callback_refusals(server: TMDbServer, app: dict[str, Any]) -> None:
    """Login CSRF, a denial and replayed callbacks link nobody."""
    check_callback_refusals(server, DjangoBrowser, app["tmdb_sessions"])
