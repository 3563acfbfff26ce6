"""
The errors raised by tmdb-auth.

Every error is a `TMDbAuthError`, so one ``except`` catches them all::

    TMDbAuthError
    ├── ConfigurationError (also a ValueError)
    ├── InvalidCredentials
    ├── LoginFailed
    ├── SessionRequired
    │   └── SessionRevoked
    ├── SessionDenied
    ├── ApprovalDenied
    ├── ApprovalTimeout
    ├── RateLimited
    ├── TMDbServerError
    ├── TMDbConnectionError
    └── RedirectRefused

No message, ``args`` or ``repr`` of these errors contains a secret (API key,
read access token, session id, request token or password), and none of them
chains an HTTP library's exception, whose message may carry a URL with the
``api_key`` query parameter.

.. versionadded:: 0.1.0
"""

from __future__ import annotations


# typing costs a tenth of the command line's start-up; the names are only
# needed by the type checkers, which treat TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar


__all__ = [
    "ApprovalDenied",
    "ApprovalTimeout",
    "ConfigurationError",
    "InvalidCredentials",
    "LoginFailed",
    "RateLimited",
    "RedirectRefused",
    "SessionDenied",
    "SessionRequired",
    "SessionRevoked",
    "TMDbAuthError",
    "TMDbConnectionError",
    "TMDbServerError",
]


class TMDbAuthError(Exception):
    """
    The base of every error raised by tmdb-auth.

    Args:
        message: What went wrong and what to do next.
        status_code: TMDb's ``status_code`` from the response body, if any.
        status_message: TMDb's ``status_message``, if any.
        http_status: The HTTP status of the response, if any.

    Attributes:
        exit_code: The exit status the ``tmdb-auth`` command uses for it.
    """

    exit_code: ClassVar[int] = 1

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        status_message: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.status_message = status_message
        self.http_status = http_status

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        extra = "".join(
            f", {name}={value!r}"
            for name, value in (
                ("status_code", self.status_code),
                ("http_status", self.http_status),
            )
            if value is not None
        )
        return f"{type(self).__name__}({self.message!r}{extra})"


class ConfigurationError(TMDbAuthError, ValueError):
    """
    A parameter or environment variable is missing or malformed.

    Raised at construction time (or when a CLI argument is parsed), naming the
    parameter or variable and what to do about it.
    """

    exit_code: ClassVar[int] = 2


class InvalidCredentials(TMDbAuthError):
    """TMDb refused the API key or read access token (status 7 or 10)."""


class LoginFailed(TMDbAuthError):
    """
    TMDb refused the username and password (status 26, 30, 31 or 32).

    The message says which: wrong login, disabled account or unverified
    email.
    """


class SessionRequired(TMDbAuthError):
    """
    The call needs a user session and none can be had without the user.

    The message says how to get one: ``tmdb-auth login``, or pass
    ``username=`` and ``password=`` (or ``approve=``).
    """


class SessionRevoked(SessionRequired):
    """
    TMDb revoked the session of the identity this auth was given.

    Raised from the call instead of sending it as anybody else: an auth
    given ``session_id=``, ``username=`` or ``access_token=`` (or one that
    has acted as a cached user) only replaces a revoked session by a new
    session of the same user, and this is raised when it cannot. A web
    application catches it to ask that user to link their account again.

    .. versionadded:: 0.2.0
    """


class SessionDenied(TMDbAuthError):
    """
    TMDb refused to create a session (status 17, 33 or 41).

    The request token was not approved, expired, or was already used.
    """


class ApprovalDenied(TMDbAuthError):
    """The user denied the request token on TMDb's approval page."""


class ApprovalTimeout(TMDbAuthError):
    """The user did not approve the request token before the deadline."""


class RateLimited(TMDbAuthError):
    """
    TMDb answered 429 (status 25) to one of the plugin's own calls.

    Attributes:
        retry_after: Seconds TMDb asked to wait, when it said.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int | None = None,
        status_message: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(
            message,
            status_code=status_code,
            status_message=status_message,
            http_status=http_status,
        )
        self.retry_after = retry_after


class TMDbServerError(TMDbAuthError):
    """TMDb answered with a server error or with a body we cannot read."""


class TMDbConnectionError(TMDbAuthError):
    """
    A session call of the plugin's own could not reach TMDb.

    The underlying HTTP library's exception is not chained: its message
    carries the request URL, which may hold the API key. Its type name is in
    the message.
    """


class RedirectRefused(TMDbAuthError):
    """
    TMDb answered one of the plugin's own calls with a redirect.

    The plugin's own calls (session creation, login, approval exchange,
    logout, conversion) never follow a redirect, whatever the client's
    ``follow_redirects`` or ``allow_redirects`` says: their bodies hold
    passwords, request tokens and session ids. Check ``api_url=`` and any
    proxy between this program and TMDb.

    .. versionadded:: 0.2.0
    """
