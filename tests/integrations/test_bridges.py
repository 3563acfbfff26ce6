"""
The bridges of docs/web-applications.md: a tmdb-auth session handed to
tmdbsimple, tmdbv3api and tmdbapis, each run against the stand-in.

Each library hard-codes TMDb's URL in its own way; the tests point it at
the stand-in (tmdbsimple: each object's ``base_uri``; tmdbv3api: each
object's ``_base``; tmdbapis: the module's ``base_url``), then run the
page's example as it is.
"""

from __future__ import annotations

import logging
import os

from collections.abc import Iterator
from typing import Any

import pytest

from tmdb_auth.testing import TMDbServer

from .webapp import DOCS, TMDB, example


RATING = "/3/movie/550/rating"


@pytest.fixture
def environ(server: TMDbServer) -> Iterator[None]:
    """The server in the environment; whatever the libraries write there
    (tmdbv3api keeps its key and session id in it) is put back after."""
    saved = dict(os.environ)
    os.environ.update(server.env)
    yield
    os.environ.clear()
    os.environ.update(saved)


def run(marker: str, server: TMDbServer) -> dict[str, Any]:
    source = example(marker).replace(TMDB, server.url)
    namespace: dict[str, Any] = {"tmdb_server": server}
    exec(compile(source, str(DOCS), "exec"), namespace)  # noqa: S102
    return namespace


def user_calls(server: TMDbServer, path: str) -> list[str]:
    return [
        r.query.get("session_id", "")
        for r in server.requests
        if r.path == path and "guest_session_id" not in r.query
    ]


def test_tmdbsimple(
    server: TMDbServer, environ: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tmdbsimple's objects take the session id tmdb-auth made."""
    tmdb = pytest.importorskip("tmdbsimple")
    init = tmdb.base.TMDB.__init__

    def pointed(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.base_uri = self.base_uri.replace(TMDB, server.url)

    monkeypatch.setattr(tmdb.base.TMDB, "__init__", pointed)
    monkeypatch.setattr(tmdb, "API_KEY", tmdb.API_KEY)

    ns = run("<!-- bridge: tmdbsimple -->", server)

    made = ns["auth"].session()
    assert [made.id] == user_calls(server, "/3/account")
    assert [made.id] == user_calls(server, RATING)
    assert {"guest": 1, "user": 1} == server.sessions_created


def test_tmdbv3api(
    server: TMDbServer, environ: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tmdbv3api takes the session id through its TMDb object."""
    pytest.importorskip("tmdbv3api")
    import tmdbv3api.tmdb

    init = tmdbv3api.tmdb.TMDb.__init__

    def pointed(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self._base = self._base.replace(TMDB, server.url)
        self.cache = False  # its cache is process-wide: not across tests

    monkeypatch.setattr(tmdbv3api.tmdb.TMDb, "__init__", pointed)

    ns = run("<!-- bridge: tmdbv3api -->", server)

    made = ns["auth"].session()
    assert [made.id] == user_calls(server, "/3/account")
    assert [made.id] == user_calls(server, RATING)


def test_tmdbapis(
    server: TMDbServer, environ: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tmdbapis' API3 takes the session id at construction."""
    pytest.importorskip("tmdbapis")
    import tmdbapis.api3

    monkeypatch.setattr(tmdbapis.api3, "base_url", server.url + "/3")
    logger = logging.getLogger("tmdbapis")
    monkeypatch.setattr(logger, "level", logger.level)  # the page sets it

    ns = run("<!-- bridge: tmdbapis -->", server)

    made = ns["auth"].session()
    assert [made.id] == user_calls(server, "/3/account")
    assert [made.id] == user_calls(server, RATING)
