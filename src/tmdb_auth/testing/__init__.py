"""
A stand-in TMDb API server for tests, and a pytest plugin that runs it.

The server speaks TMDb's v3 authentication flows (guest sessions, request
tokens approved by login or on an approval web page, user sessions,
logout), the endpoints that need a session (account, account states,
ratings, lists), a few read endpoints, and v4 ``/4/auth``.  It runs on a
loopback port in a background thread and uses only the standard library.
Its test controls also answer over HTTP, under ``/_tmdb/``.

Example::

    import requests

    from tmdb_auth.testing import TMDbServer

    with TMDbServer() as server:
        params = {"api_key": server.api_key}
        token = requests.get(
            server.url + "/3/authentication/token/new", params=params
        ).json()["request_token"]
        server.approve(token)
        session = requests.post(
            server.url + "/3/authentication/session/new",
            params=params,
            json={"request_token": token},
        ).json()["session_id"]
        assert server.session_is_valid(session)

With the plugin installed, tests can ask for the ``tmdb_server`` fixture
instead: a started :class:`TMDbServer`, stopped after the test.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import importlib

from typing import TYPE_CHECKING


if TYPE_CHECKING:
    from ._app import User
    from ._person import click
    from ._server import Snapshot, TMDbServer
    from ._traffic import Fault
    from ._wire import RecordedRequest


__all__ = [
    "Fault",
    "RecordedRequest",
    "Snapshot",
    "TMDbServer",
    "User",
    "click",
]

# The names load on first use, so that the pytest plugin (which imports this
# package) costs nothing until a test asks for the server.
_HOMES = {
    "Fault": "._traffic",
    "RecordedRequest": "._wire",
    "Snapshot": "._server",
    "TMDbServer": "._server",
    "User": "._app",
    "click": "._person",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
