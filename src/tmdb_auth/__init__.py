"""
Authentication for The Movie Database (TMDb) API, as an auth plugin.

Pick the adapter of your HTTP library::

    from tmdb_auth.requests import TMDbAuth  # requests
    from tmdb_auth.httpx import TMDbAuth  # httpx, sync and async

This package re-exports the errors, the value types (`Session`,
`RequestToken`, `AccessToken`), `approve_in_browser`, and `scrub` /
`sentry_before_send` for error reporters. Importing it imports neither
requests nor httpx.
"""

from __future__ import annotations

from .exceptions import (
    ApprovalDenied,
    ApprovalTimeout,
    ConfigurationError,
    InvalidCredentials,
    LoginFailed,
    RateLimited,
    RedirectRefused,
    SessionDenied,
    SessionRequired,
    SessionRevoked,
    TMDbAuthError,
    TMDbConnectionError,
    TMDbServerError,
)


# typing itself is not imported: start-up time (the type checkers treat
# TYPE_CHECKING as true).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._browser import approve_in_browser
    from ._secret import scrub, sentry_before_send
    from ._stores.base import SessionRecord, SessionStore
    from ._values import AccessToken, RequestToken, Session


__all__ = [
    "AccessToken",
    "ApprovalDenied",
    "ApprovalTimeout",
    "ConfigurationError",
    "InvalidCredentials",
    "LoginFailed",
    "RateLimited",
    "RedirectRefused",
    "RequestToken",
    "Session",
    "SessionDenied",
    "SessionRecord",
    "SessionRequired",
    "SessionRevoked",
    "SessionStore",
    "TMDbAuthError",
    "TMDbConnectionError",
    "TMDbServerError",
    "approve_in_browser",
    "scrub",
    "sentry_before_send",
]

_VALUES = frozenset({"AccessToken", "RequestToken", "Session"})


def __getattr__(name: str) -> Any:
    # Imported on first use: each costs start-up time that most programs,
    # which only need an adapter, should not pay.
    if name in _VALUES:
        from . import _values  # noqa: PLC0415

        return getattr(_values, name)
    if name in ("SessionRecord", "SessionStore"):
        from ._stores import base  # noqa: PLC0415

        return getattr(base, name)
    if name in ("scrub", "sentry_before_send"):
        from . import _secret  # noqa: PLC0415

        return getattr(_secret, name)
    if name == "approve_in_browser":
        from ._browser import approve_in_browser  # noqa: PLC0415

        return approve_in_browser
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415

        return version("tmdb-auth")
    raise AttributeError(f"module 'tmdb_auth' has no attribute {name!r}")
