"""
TMDb's authentication endpoints, without I/O.

Strictly private. Each flow is a generator in the style of
``httpx.Auth.auth_flow``: it yields *steps* (`Call` to send over HTTP,
`Pause` to wait, `Approve` to hand the approval URL to the user) and receives
a `Reply` for each `Call`. The adapters drive the flows with their own HTTP
library, so the logic here is written, and tested, once.
"""

from __future__ import annotations

import json
import re
import time

from collections.abc import Callable, Generator, Mapping
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, TypeVar, Union
from urllib.parse import urlencode

from ._config import Credential
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
    "Approve",
    "Call",
    "Flow",
    "Pause",
    "Reply",
    "Session",
    "Step",
    "account_username",
    "approval_session",
    "error_for",
    "guest_session",
    "login_session",
    "logout",
    "run",
    "scrub",
    "validate_key",
]

T = TypeVar("T")

#: A 429 whose Retry-After is at most this many seconds is waited out once.
MAX_RETRY_AFTER = 5.0
AUTHENTICATE_URL = "https://www.themoviedb.org/authenticate/"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"


class Call(NamedTuple):
    """An HTTP request for the driver to send to the API origin."""

    method: str
    path: str
    params: Mapping[str, str] = MappingProxyType({})
    json: Mapping[str, str] | None = None

    def __repr__(self) -> str:
        return f"Call({self.method!r}, {self.path!r})"

    def target(
        self, origin: str, credential: Credential
    ) -> tuple[str, dict[str, str]]:
        """The full URL and the headers, the credential attached."""
        params = dict(self.params)
        # An HTTP cache on the way (requests-cache, hishel, a proxy) must
        # not replay a session or request token (no-cache), nor keep one
        # (no-store, which hishel ignores). No space: requests-cache 1.3
        # rewrites "a, b" into an invalid header value.
        headers = {
            "Accept": "application/json",
            "Cache-Control": "no-cache,no-store",
        }
        if credential.kind == "api_key":
            params["api_key"] = credential.value
        else:
            headers["Authorization"] = f"Bearer {credential.value}"
        query = urlencode(params)
        return f"{origin}{self.path}{'?' if query else ''}{query}", headers


class Reply(NamedTuple):
    """What came back: status, headers (lower-case names) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def __repr__(self) -> str:
        return f"Reply({self.status}, {len(self.body)} bytes)"


class Pause(NamedTuple):
    """Wait this many seconds, then resume the flow with None."""

    seconds: float


class Approve(NamedTuple):
    """Hand *url* to the approve callable, then resume the flow with None."""

    approve: Callable[[str], object]
    url: str

    def __repr__(self) -> str:
        return "Approve(…)"


Step = Union[Call, Pause, Approve]
Flow = Generator[Step, Union[Reply, None], T]


class Session(NamedTuple):
    """
    A TMDb session: a user's ``session_id`` or a ``guest_session_id``.

    Attributes:
        kind: ``"user"`` or ``"guest"``.
        id: The session id. A secret: it is masked in the repr.
        username: The TMDb user, when known.
        created_at: When it was made (seconds since the epoch).
        expires_at: When a guest session expires; None for user sessions.

    .. versionadded:: 0.1.0
    """

    kind: Literal["user", "guest"]
    id: str
    username: str | None = None
    created_at: float = 0.0
    expires_at: float | None = None

    @property
    def param(self) -> str:
        """The query parameter the session travels in."""
        return "session_id" if self.kind == "user" else "guest_session_id"

    def alive(self, now: float | None = None) -> bool:
        """Whether the session has not reached its expiry yet."""
        if self.expires_at is None:
            return True
        return (time.time() if now is None else now) < self.expires_at

    def __repr__(self) -> str:
        return (
            f"Session(kind={self.kind!r}, id='…{self.id[-4:]}', "
            f"username={self.username!r})"
        )


# -- error mapping ------------------------------------------------------

_SECRETS = (
    r"[0-9a-fA-F]{24,}|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*"
)


def scrub(text: str, *secrets: str) -> str:
    """
    Remove anything shaped like a TMDb secret, and the given secrets.

    Messages we raise quote TMDb's ``status_message``; a misbehaving server
    could echo what it was sent, so it is scrubbed before it is quoted.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return re.sub(_SECRETS, "***", text)[:300]  # re caches the pattern


def _body(reply: Reply) -> Any:
    try:
        return json.loads(reply.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: a body nested deeper than the recursion limit.
        return None


def _retry_after(reply: Reply) -> float | None:
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


def error_for(reply: Reply, what: str, *secrets: str) -> TMDbAuthError:
    """
    The typed error for a failed reply to one of our own calls.

    *what* names the call (``"creating a guest session"``). TMDb's
    ``status_code`` picks the class; an ``errors`` list, a 5xx, a 429 or an
    unreadable body have their own.
    """
    body = _body(reply)
    code = message = None
    if isinstance(body, dict):
        raw_code = body.get("status_code")
        code = raw_code if isinstance(raw_code, int) else None
        raw_message = body.get("status_message")
        if isinstance(raw_message, str):
            message = scrub(raw_message, *secrets)
        errors = body.get("errors")
        if message is None and isinstance(errors, list):
            message = scrub("; ".join(map(str, errors)), *secrets)
    said = f"status {code}: {message}" if code is not None else message
    detail = f"HTTP {reply.status}" + (f", {said}" if said else "")
    if reply.status == 429 or code == 25:
        retry = _retry_after(reply)
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


def _checked(reply: Reply, what: str, *secrets: str) -> dict[str, Any]:
    """The JSON object of a successful reply, else the typed error."""
    body = _body(reply)
    if (
        200 <= reply.status < 300
        and isinstance(body, dict)
        and body.get("success", True) is not False
    ):
        return body
    raise error_for(reply, what, *secrets)


def _field(body: Mapping[str, Any], name: str, what: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not re.fullmatch(r"[0-9A-Za-z]+", value):
        raise TMDbServerError(
            f"TMDb's answer to {what} has no valid {name!r}; try again later."
        )
    return value


def _parse_time(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    from datetime import datetime, timezone  # noqa: PLC0415 -- start-up time

    try:
        moment = datetime.strptime(value, TIME_FORMAT)  # noqa: DTZ007
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc).timestamp()


def _send(call: Call, what: str, *secrets: str) -> Flow[Reply]:
    """Send *call*, waiting out one short 429; anything else is returned."""
    reply = yield call
    assert reply is not None  # noqa: S101 -- the drivers' contract
    if reply.status == 429:
        retry = _retry_after(reply)
        if retry is None or retry > MAX_RETRY_AFTER:
            raise error_for(reply, what, *secrets)
        yield Pause(retry)
        reply = yield call
        assert reply is not None  # noqa: S101
    return reply


# -- the flows ----------------------------------------------------------


def validate_key() -> Flow[None]:
    """``GET /3/authentication``: is the credential valid?"""
    what = "the API key"
    reply = yield from _send(Call("GET", "/3/authentication"), what)
    _checked(reply, what)


def guest_session() -> Flow[Session]:
    """``GET /3/authentication/guest_session/new``."""
    what = "creating a guest session"
    reply = yield from _send(
        Call("GET", "/3/authentication/guest_session/new"), what
    )
    body = _checked(reply, what)
    expires = _parse_time(body.get("expires_at"))
    now = time.time()
    return Session(
        kind="guest",
        id=_field(body, "guest_session_id", what),
        created_at=now,
        # TMDb says a day; without a readable expiry, assume the documented
        # shortest lifetime (an hour) rather than forever.
        expires_at=expires if expires is not None else now + 3600,
    )


def _request_token() -> Flow[tuple[str, str]]:
    """``GET token/new``: the token and its approval URL."""
    what = "creating a request token"
    reply = yield from _send(Call("GET", "/3/authentication/token/new"), what)
    body = _checked(reply, what)
    token = _field(body, "request_token", what)
    url = reply.headers.get("authentication-callback") or ""
    if not url.startswith(("https://", "http://")) or token not in url:
        url = AUTHENTICATE_URL + token
    return token, url


def _session_from(
    token: str, username: str | None, *secrets: str
) -> Flow[Session]:
    """
    ``POST session/new`` with an approved token.

    *secrets*: what else TMDb knows by now (the password of a login), to be
    scrubbed from an error that quotes TMDb's answer.
    """
    what = "creating a session"
    reply = yield from _send(
        Call(
            "POST",
            "/3/authentication/session/new",
            json={"request_token": token},
        ),
        what,
        token,
        *secrets,
    )
    body = _checked(reply, what, token, *secrets)
    return Session(
        kind="user",
        id=_field(body, "session_id", what),
        username=username,
        created_at=time.time(),
    )


def login_session(username: str, password: str) -> Flow[Session]:
    """
    Log in: ``token/new`` → ``token/validate_with_login`` → ``session/new``.

    The password travels in the POST body, never in a URL.
    """
    token, _ = yield from _request_token()
    what = f"the login of {username!r}"
    reply = yield from _send(
        Call(
            "POST",
            "/3/authentication/token/validate_with_login",
            json={
                "username": username,
                "password": password,
                "request_token": token,
            },
        ),
        what,
        password,
        token,
    )
    _checked(reply, what, password, token)
    return (yield from _session_from(token, username, password))


def approval_session(approve: Callable[[str], object]) -> Flow[Session]:
    """
    Browser approval: ``token/new`` → the user approves → ``session/new``.

    *approve* gets the approval URL and returns once the user approved.
    """
    token, url = yield from _request_token()
    yield Approve(approve, url)
    return (yield from _session_from(token, None))


def account_username(session: Session) -> Flow[str | None]:
    """``GET /3/account``: the username of a user session, if TMDb says."""
    reply = yield Call("GET", "/3/account", {"session_id": session.id})
    body = _body(reply) if reply is not None else None
    name = body.get("username") if isinstance(body, dict) else None
    return name if isinstance(name, str) and name else None


def logout(session: Session) -> Flow[bool]:
    """
    ``DELETE /3/authentication/session``.

    Returns True when TMDb deleted it, False when TMDb no longer knew it
    (already deleted or revoked); raises for any other failure.
    """
    what = "deleting the session"
    if session.kind == "guest":
        return False  # TMDb has no way to delete a guest session
    reply = yield from _send(
        Call(
            "DELETE",
            "/3/authentication/session",
            json={"session_id": session.id},
        ),
        what,
        session.id,
    )
    body = _body(reply)
    code = body.get("status_code") if isinstance(body, dict) else None
    if reply.status in (401, 404) and code in (3, 17, 34, 37):
        return False
    _checked(reply, what, session.id)
    return True


def run(flow: Flow[T], send: Callable[[Call], Reply]) -> T:
    """
    Drive *flow* to its end, synchronously.

    *send* performs one `Call`; a `Pause` sleeps; an `Approve` calls the
    approve callable in this thread. The flow is closed however this ends,
    so its ``finally`` blocks (lock releases) always run.
    """
    try:
        step = next(flow)
        while True:
            if isinstance(step, Call):
                step = flow.send(send(step))
            elif isinstance(step, Pause):
                time.sleep(step.seconds)
                step = flow.send(None)
            else:
                step.approve(step.url)
                step = flow.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    finally:
        flow.close()
