"""
Fixtures for the tests of the stand-in TMDb server, ``tmdb_auth.testing``.

Docstrings that cite "§N" refer to ``reference/tmdb-api.md``; "§10.N" is
item N of its emulator checklist.

The `server` fixture here deliberately overrides the one in
tests/conftest.py: these tests get the bare stand-in server.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import requests

from tmdb_auth.testing import TMDbServer

from .helpers import TLS


@pytest.fixture
def server(tmdb_server: TMDbServer) -> TMDbServer:
    return tmdb_server


@pytest.fixture(scope="module")
def web() -> Iterator[httpx.Client]:
    """
    A plain httpx client for one-off calls to any server.
    """
    with httpx.Client(verify=TLS) as c:
        yield c


@pytest.fixture
def client(server: TMDbServer) -> Iterator[httpx.Client]:
    """
    An httpx client that sends the default API key.
    """
    with httpx.Client(
        verify=TLS, base_url=server.url, params={"api_key": server.api_key}
    ) as c:
        yield c


@pytest.fixture
def raw(server: TMDbServer) -> Iterator[httpx.Client]:
    """
    An httpx client that sends no credential by itself.
    """
    with httpx.Client(verify=TLS, base_url=server.url) as c:
        yield c


@pytest.fixture
def http(server: TMDbServer) -> Iterator[requests.Session]:
    """
    A requests session that sends the default API key.
    """
    with requests.Session() as s:
        s.params = {"api_key": server.api_key}
        yield s
