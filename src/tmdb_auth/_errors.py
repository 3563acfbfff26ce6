"""
What TMDb's answers mean: typed errors, and whether a session is gone.

Strictly private. One home for reading TMDb's ``status_code``: the flows
build their errors here, and both adapters ask `session_gone` whether a 401
on a session route means TMDb revoked the session.
"""

from __future__ import annotations

import json
import re

from typing import Any

from ._secret import Secret, reveal
from ._steps import Reply
from .exceptions import (
    InvalidCredentials,
    LoginFailed,
    RateLimited,
    SessionDenied,
    SessionRequired,
    TMDbAuthError,
    TMDbServerError,
)


__all__ = [
    "GONE",
    "access_gone",
    "body_of",
    "clean",
    "error_for",
    "retry_after",
    "session_gone",
    "tmdb_code",
]

#: The status codes of a 401 that mean the session itself is gone: 3
#: (invalid or revoked session) and 17 (session denied).
GONE = frozenset({3, 17})
#: The status code of a 401 to a ``/4/`` call that means the user's access
#: token it carried is gone (revoked or logged out): 7, what TMDb answers an
#: unknown Bearer. TMDb's 3 on v4 also answers a token used on another
#: account's resources, so it is the user's response, not a revocation.
ACCESS_GONE = 7


_SECRETS = (
    r"[0-9a-fA-F]{24,}|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*"
)


def clean(text: str, *secrets: Secret | str) -> str:
    """
    Remove anything shaped like a TMDb secret, and the given secrets.

    Messages we raise quote TMDb's ``status_message``; a misbehaving server
    could echo what it was sent, so it is scrubbed before it is quoted.
    """
    for secret in secrets:
        if secret:
            text = text.replace(reveal(secret), "***")
    return re.sub(_SECRETS, "***", text)[:300]  # re caches the pattern


def body_of(reply: Reply) -> Any:
    """The JSON of *reply*, or None if it is not JSON."""
    try:
        return json.loads(reply.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: a body nested deeper than the recursion limit.
        return None


def retry_after(reply: Reply) -> float | None:
    value = reply.headers.get("retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


_CODES: dict[int, tuple[type[TMDbAuthError], str]] = {
    7: (
        InvalidCredentials,
        "check TMDB_API_KEY / api_key=: use the v3 API key or the API Read "
        "Access Token from https://www.themoviedb.org/settings/api",
    ),
    10: (InvalidCredentials, "the API key is suspended; contact TMDb"),
    26: (LoginFailed, "pass both username= and password="),
    30: (LoginFailed, "check the username and password"),
    31: (LoginFailed, "the TMDb account is disabled; contact TMDb"),
    32: (
        LoginFailed,
        "verify the account's email address on themoviedb.org first",
    ),
    17: (
        SessionDenied,
        "the request token was not approved, expired or was already used; "
        "start the login again",
    ),
    33: (
        SessionDenied,
        "the request token expired or is invalid; start the login again",
    ),
    41: (SessionDenied, "approve the request token first"),
    14: (InvalidCredentials, "check the API key or read access token"),
    35: (InvalidCredentials, "check the API key or read access token"),
    16: (SessionDenied, "TMDb denied this device; start the login again"),
    36: (
        SessionDenied,
        "the token has no write permission; approve a session first",
    ),
    3: (
        SessionRequired,
        "the session is not valid; run 'tmdb-auth login' or pass "
        "username= and password=",
    ),
}


def error_for(
    reply: Reply, what: str, *secrets: Secret | str
) -> TMDbAuthError:
    """
    The typed error for a failed reply to one of our own calls.

    *what* names the call (``"creating a guest session"``). TMDb's
    ``status_code`` picks the class; an ``errors`` list, a 5xx, a 429 or an
    unreadable body have their own.
    """
    body = body_of(reply)
    code = message = None
    if isinstance(body, dict):
        raw_code = body.get("status_code")
        code = raw_code if isinstance(raw_code, int) else None
        raw_message = body.get("status_message")
        if isinstance(raw_message, str):
            message = clean(raw_message, *secrets)
        errors = body.get("errors")
        if message is None and isinstance(errors, list):
            message = clean("; ".join(map(str, errors)), *secrets)
    said = f"status {code}: {message}" if code is not None else message
    detail = f"HTTP {reply.status}" + (f", {said}" if said else "")
    if reply.status == 429 or code == 25:
        retry = retry_after(reply)
        wait = f"; retry in {retry:g} s" if retry is not None else ""
        return RateLimited(
            f"TMDb is rate limiting {what} ({detail}){wait}.",
            retry_after=retry,
            status_code=code,
            status_message=message,
            http_status=reply.status,
        )
    if code in _CODES:
        cls, todo = _CODES[code]
        text = f"TMDb refused {what} ({detail}): {todo}."
    elif isinstance(body, dict) and 400 <= reply.status < 500:
        cls, text = TMDbAuthError, f"TMDb refused {what} ({detail})."
    elif isinstance(body, dict):
        cls, text = (
            TMDbServerError,
            f"TMDb failed {what} ({detail}); try again later.",
        )
    else:
        cls = TMDbServerError
        text = (
            f"TMDb answered {what} with HTTP {reply.status} and a body that "
            "is not JSON; try again later."
        )
    return cls(
        text,
        status_code=code,
        status_message=message,
        http_status=reply.status,
    )


def tmdb_code(body: bytes) -> object:
    """TMDb's ``status_code`` in a response body, if it has one."""
    try:
        found = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: a body nested deeper than the recursion limit.
        return None
    return found.get("status_code") if isinstance(found, dict) else None


def session_gone(status: int, body: bytes) -> bool:
    """Whether a response says the session it carried is gone (401, 3/17)."""
    if status != 401:
        return False
    code = tmdb_code(body)
    return isinstance(code, int) and code in GONE


def access_gone(status: int, body: bytes) -> bool:
    """Whether a ``/4/`` response says the access token is gone (401, 7)."""
    return status == 401 and tmdb_code(body) == ACCESS_GONE
