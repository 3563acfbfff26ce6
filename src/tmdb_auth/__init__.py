"""
Authentication for The Movie Database (TMDb) API, as an auth plugin.

Pick the adapter of your HTTP library::

    from tmdb_auth.requests import TMDbAuth  # requests
    from tmdb_auth.httpx import TMDbAuth  # httpx, sync and async

This package re-exports the errors, the `Session` value type and
`approve_in_browser`. Importing it imports neither requests nor httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .exceptions import (
    ApprovalDenied,
    ApprovalTimeout,
    ConfigurationError,
    InvalidCredentials,
    LoginFailed,
    RateLimited,
    SessionDenied,
    SessionRequired,
    TMDbAuthError,
    TMDbConnectionError,
    TMDbServerError,
)


if TYPE_CHECKING:
    from ._browser import approve_in_browser
    from ._protocol import Session


__all__ = [
    "ApprovalDenied",
    "ApprovalTimeout",
    "ConfigurationError",
    "InvalidCredentials",
    "LoginFailed",
    "RateLimited",
    "Session",
    "SessionDenied",
    "SessionRequired",
    "TMDbAuthError",
    "TMDbConnectionError",
    "TMDbServerError",
    "approve_in_browser",
]


def __getattr__(name: str) -> Any:
    # Imported on first use: each costs start-up time that most programs,
    # which only need an adapter, should not pay.
    if name == "Session":
        from ._protocol import Session  # noqa: PLC0415

        return Session
    if name == "approve_in_browser":
        from ._browser import approve_in_browser  # noqa: PLC0415

        return approve_in_browser
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415

        return version("tmdb-auth")
    raise AttributeError(f"module 'tmdb_auth' has no attribute {name!r}")
