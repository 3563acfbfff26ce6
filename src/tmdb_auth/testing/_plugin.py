"""
The pytest plugin of tmdb-auth: the ``tmdb_server`` fixture.

Registered through the ``pytest11`` entry point, so it loads in every pytest
run where tmdb-auth is installed; it therefore imports nothing heavy until
a test asks for the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest


if TYPE_CHECKING:
    from ._server import TMDbServer


__all__ = ["tmdb_server"]


@pytest.fixture
def tmdb_server() -> Iterator[TMDbServer]:
    """
    A started stand-in TMDb server, stopped after the test.

    .. versionadded:: 0.1.0
    """
    from ._server import TMDbServer  # noqa: PLC0415 - lazy: cheap start-up

    with TMDbServer() as server:
        yield server
