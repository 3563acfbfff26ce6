"""
Fixtures shared by the whole suite.

Every test runs with no ``TMDB_*`` variable from the outside world and a
cache directory of its own. Tests that use the stand-in server get the
`server` fixture, and afterwards every log record emitted during the test
(all loggers at DEBUG) is scanned for the secrets that went over the wire.
"""

from __future__ import annotations

import logging
import os

from collections.abc import Iterator

import pytest

from tmdb_auth.testing import TMDbServer

from .leaks import collect_secrets, find_leaks


@pytest.fixture(autouse=True)
def _clean_environ(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for name in list(os.environ):
        if name.startswith("TMDB_"):
            monkeypatch.delenv(name)
    cache = tmp_path_factory.mktemp("cache") / "tmdb-auth"
    monkeypatch.setenv("TMDB_AUTH_CACHE_DIR", str(cache))


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


@pytest.fixture
def debug_log() -> Iterator[_Capture]:
    """Every logger at DEBUG, every record kept as formatted text."""
    handler = _Capture()
    root = logging.getLogger()
    names = ["", "tmdb_auth", "httpx", "httpcore", "urllib3", "requests"]
    levels = {n: logging.getLogger(n).level for n in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def server(
    tmdb_server: TMDbServer, debug_log: _Capture
) -> Iterator[TMDbServer]:
    """
    The stand-in TMDb, with the log scanned for secrets after the test.

    The secrets are the server's key, read token and password, and every
    session id and request token that went over the wire.
    """
    yield tmdb_server
    secrets = collect_secrets(tmdb_server)
    leaks = find_leaks(debug_log.texts, secrets)
    assert [] == leaks, "a secret appeared in a log record"


@pytest.fixture
def env(server: TMDbServer, monkeypatch: pytest.MonkeyPatch) -> TMDbServer:
    """The server's key and URL in the environment, as a user would set."""
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    return server
