"""
The pytest plugin of tmdb-auth: the ``tmdb_server`` fixtures.

Registered through the ``pytest11`` entry point, so it loads in every pytest
run where tmdb-auth is installed; it therefore imports nothing heavy until
a test asks for a fixture, and its one autouse fixture does nothing unless
a shared server (``tmdb_server_module``, ``tmdb_server_session``) is in
use.
"""

from __future__ import annotations

import os

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest


if TYPE_CHECKING:
    from ._server import TMDbServer


__all__ = ["tmdb_server", "tmdb_server_module", "tmdb_server_session"]

#: The shared servers in use, widest scope first.
_SHARED: list[TMDbServer] = []


def _point_at(
    patch: pytest.MonkeyPatch,
    server: TMDbServer,
    cache: Path,
    *,
    clean: bool = True,
) -> None:
    """
    Point tmdb-auth (and anything reading ``TMDB_*``) at *server*.

    With *clean*, every ``TMDB_*`` variable of the outside world goes
    first: a user's real key, session, login or Redis store must not reach
    a test.
    """
    for name in list(os.environ) if clean else []:
        if name.startswith("TMDB_"):
            patch.delenv(name)
    patch.setenv("TMDB_API_URL", server.url)
    patch.setenv("TMDB_API_KEY", server.api_key)
    patch.setenv("TMDB_AUTH_CACHE_DIR", str(cache))


def _new_server() -> TMDbServer:
    from ._server import TMDbServer  # noqa: PLC0415 - lazy: cheap start-up

    return TMDbServer()


@pytest.fixture
def tmdb_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TMDbServer]:
    """
    A started stand-in TMDb server of the test's own, stopped after it.

    For the test, the environment points at it: ``TMDB_API_URL`` and
    ``TMDB_API_KEY`` are the server's, ``TMDB_AUTH_CACHE_DIR`` is a new
    temporary directory, and every other ``TMDB_*`` variable is removed (a
    real key, session, login or store URL of the user's).  Code that reads
    its configuration from the environment, such as ``TMDbAuth()``, talks
    to the stand-in and never touches the real store or API.

    .. versionadded:: 0.1.0
    .. versionchanged:: 0.2.0
       The environment points at the server.
    """
    with _new_server() as server:
        _point_at(monkeypatch, server, tmp_path_factory.mktemp("tmdb-cache"))
        yield server


def _shared(factory: pytest.TempPathFactory) -> Iterator[TMDbServer]:
    with _new_server() as server, pytest.MonkeyPatch.context() as patch:
        _point_at(patch, server, factory.mktemp("tmdb-cache"))
        _SHARED.append(server)
        try:
            yield server
        finally:
            _SHARED.remove(server)


@pytest.fixture(scope="module")
def tmdb_server_module(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TMDbServer]:
    """
    One stand-in TMDb server for the whole module, reset between tests.

    Use it where a module-scoped fixture of yours needs the server (a
    function-scoped ``tmdb_server`` would be a ``ScopeMismatch``).  Each
    test starts from the state the server had when the test began: what
    wider-scoped fixtures set up (users, movies, sessions) stays, what a
    test did (tokens, sessions, ratings, faults, rate limit, clock) is
    undone after it, and the log and counters start empty.  The
    environment points at it as for ``tmdb_server``, with a new
    ``TMDB_AUTH_CACHE_DIR`` for each test.

    .. versionadded:: 0.2.0
    """
    yield from _shared(tmp_path_factory)


@pytest.fixture(scope="session")
def tmdb_server_session(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TMDbServer]:
    """
    One stand-in TMDb server for the whole test run, reset between tests.

    As ``tmdb_server_module``, for session-scoped fixtures: a large suite
    starts one server.

    .. versionadded:: 0.2.0
    """
    yield from _shared(tmp_path_factory)


@pytest.fixture(autouse=True)
def _tmdb_server_reset(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """
    Around each test, while shared servers are in use: clear their log,
    undo what the test did, and give the test a cache of its own.
    """
    if not _SHARED:
        yield
        return
    snapshots = [(server, server.snapshot()) for server in _SHARED]
    for server, _ in snapshots:
        server.reset()
    with pytest.MonkeyPatch.context() as patch:
        # Higher-scoped fixtures are set up before this one, so the
        # servers they started are all listed; the narrowest scope wins.
        cache = tmp_path_factory.mktemp("tmdb-cache")
        _point_at(patch, _SHARED[-1], cache, clean=False)
        try:
            yield
        finally:
            for server, snapshot in snapshots:
                server.reset(to=snapshot)
