"""
TMDb's authentication endpoints as flows, without I/O.

Strictly private. Each flow is a generator of steps (see `._steps`); the
adapters drive them with their own HTTP library, so each TMDb call is
written, and tested, once: the lazy path and the explicit calls of both
adapters share these.

No frame here holds a secret as a plain string: tokens and passwords are
`Secret`s, answers are `_Answer`s, values are masked dataclasses.
"""

from __future__ import annotations

import contextlib
import time

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from ._errors import body_of, error_for, retry_after
from ._secret import Secret
from ._shapes import hex_id
from ._steps import Approve, Call, Flow, Pause, Reply
from ._values import RequestToken, Session
from .exceptions import LoginFailed, TMDbAuthError, TMDbServerError


__all__ = [
    "MAX_RETRY_AFTER",
    "account",
    "approval",
    "guest_session_new",
    "login",
    "session_delete",
    "session_new",
    "token_new",
    "token_validate_with_login",
    "validate_key",
]

#: A 429 whose Retry-After is at most this many seconds is waited out once.
MAX_RETRY_AFTER = 5.0
AUTHENTICATE_URL = "https://www.themoviedb.org/authenticate/"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
#: However early TMDb's clock says a guest session expires, it is kept this
#: long: a client clock far ahead of TMDb's must not make a session a call.
MIN_GUEST_LIFETIME = 60.0

AUTH = "/3/authentication"
#: The shapes of what TMDb issues (reference §3): anything else, such as a
#: 100,000-character id, is refused rather than sent on every later URL.
#: Each is that many hex digits.
SHAPES = {"guest_session_id": 32, "session_id": 40, "request_token": 40}


class _Answer:
    """
    The JSON object of a successful reply, behind a masked repr.

    Not a dict: error reporters serialise dicts item by item, and this one
    may hold a session id or a request token.
    """

    __slots__ = ("_body",)

    def __init__(self, body: Mapping[str, Any]) -> None:
        self._body = body

    def get(self, name: str) -> Any:
        return self._body.get(name)

    def __repr__(self) -> str:
        return f"_Answer({sorted(self._body)!r})"


def _checked(reply: Reply, what: str, *secrets: Secret) -> _Answer:
    """The JSON object of a successful reply, else the typed error."""
    body = body_of(reply)
    if (
        200 <= reply.status < 300
        and isinstance(body, dict)
        and body.get("success", True) is not False
    ):
        return _Answer(body)
    raise error_for(reply, what, *secrets)


def _id(answer: _Answer, name: str, what: str) -> Secret:
    """The identifier *name* of *answer*, if it has TMDb's shape."""
    value = answer.get(name)
    if not isinstance(value, str) or not hex_id(value, SHAPES[name]):
        raise TMDbServerError(
            f"TMDb's answer to {what} has no valid {name!r}; try again later."
        )
    return Secret(value)


def _skew(reply: Reply) -> float:
    """How far this machine's clock is ahead of TMDb's (its Date header)."""
    try:
        served = parsedate_to_datetime(reply.headers.get("date", ""))
    except (TypeError, ValueError, IndexError):
        return 0.0
    if served.tzinfo is None:
        return 0.0
    return time.time() - served.timestamp()


def _expiry(answer: _Answer, reply: Reply) -> float | None:
    """``expires_at`` on this machine's clock, or None if unreadable."""
    value = answer.get("expires_at")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.strptime(value, TIME_FORMAT)  # noqa: DTZ007
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC).timestamp() + _skew(reply)


def _send(call: Call, what: str, *secrets: Secret) -> Flow[Reply]:
    """Send *call*, waiting out one short 429; anything else is returned."""
    reply = yield call
    assert reply is not None  # noqa: S101 -- the drivers' contract
    if reply.status == 429:
        retry = retry_after(reply)
        if retry is None or retry > MAX_RETRY_AFTER:
            raise error_for(reply, what, *secrets)
        yield Pause(retry)
        reply = yield call
        assert reply is not None  # noqa: S101
    return reply


def _token(token: RequestToken | str) -> RequestToken:
    return token if isinstance(token, RequestToken) else RequestToken(token)


# -- the calls ----------------------------------------------------------


def validate_key() -> Flow[None]:
    """``GET /3/authentication``: is the credential valid?"""
    what = "the API key"
    _checked((yield from _send(Call("GET", AUTH), what)), what)


def guest_session_new() -> Flow[Session]:
    """``GET /3/authentication/guest_session/new``."""
    what = "creating a guest session"
    reply = yield from _send(Call("GET", f"{AUTH}/guest_session/new"), what)
    answer = _checked(reply, what)
    now = time.time()
    # TMDb says a day; without a readable expiry, assume the documented
    # shortest lifetime (an hour) rather than forever.
    expires = _expiry(answer, reply) or now + 3600
    return Session(
        "guest",
        _id(answer, "guest_session_id", what).reveal(),
        created_at=now,
        expires_at=max(expires, now + MIN_GUEST_LIFETIME),
    )


def token_new(redirect_to: str | None = None) -> Flow[RequestToken]:
    """
    ``GET token/new``: a request token and the URL that approves it.

    The URL is TMDb's ``Authentication-Callback`` header (else the
    documented ``/authenticate/<token>``), with *redirect_to* added.
    """
    what = "creating a request token"
    reply = yield from _send(Call("GET", f"{AUTH}/token/new"), what)
    answer = _checked(reply, what)
    token = _id(answer, "request_token", what)
    url = reply.headers.get("authentication-callback") or ""
    if not url.startswith(("https://", "http://")) or (
        token.reveal() not in url
    ):
        url = AUTHENTICATE_URL + token.reveal()
    if redirect_to is not None:
        sep = "&" if "?" in url else "?"
        url = f"{url}{sep}{urlencode({'redirect_to': redirect_to})}"
    return RequestToken(token.reveal(), _expiry(answer, reply), url)


def token_validate_with_login(
    token: RequestToken | str, username: str, password: Secret
) -> Flow[RequestToken]:
    """
    ``POST token/validate_with_login``: approve *token* with a login.

    The password travels in the POST body, never in a URL.
    """
    token = _token(token)
    secret = Secret(token.request_token)
    what = f"the login of {username!r}"
    reply = yield from _send(
        Call(
            "POST",
            f"{AUTH}/token/validate_with_login",
            json={
                "username": username,
                "password": password,
                "request_token": secret,
            },
        ),
        what,
        password,
        secret,
    )
    answer = _checked(reply, what, password, secret)
    return RequestToken(
        token.request_token,
        _expiry(answer, reply) or token.expires_at,
        token.approval_url,
    )


def session_new(
    token: RequestToken | str,
    *,
    username: str | None = None,
    look_up: bool = True,
    secrets: tuple[Secret, ...] = (),
) -> Flow[Session]:
    """
    ``POST session/new`` with an approved token, then ``GET /3/account``.

    With *look_up* false and a known *username* (a login), the account is
    not read. *secrets*: what else TMDb knows by now (the password of a
    login), scrubbed from an error that quotes TMDb's answer.
    """
    secret = Secret(_token(token).request_token)
    what = "creating a session"
    reply = yield from _send(
        Call("POST", f"{AUTH}/session/new", json={"request_token": secret}),
        what,
        secret,
        *secrets,
    )
    answer = _checked(reply, what, secret, *secrets)
    session = Session(
        "user",
        _id(answer, "session_id", what).reveal(),
        username,
        time.time(),
    )
    if look_up or username is None:
        return (yield from account(session))
    return session


def account(session: Session) -> Flow[Session]:
    """
    ``GET /3/account``: *session* with its username and account id.

    An unreadable answer leaves them as they were: the session exists at
    TMDb either way, and losing it would leave it dangling.
    """
    reply = yield Call("GET", "/3/account", {"session_id": Secret(session.id)})
    body = (
        body_of(reply) if reply is not None and reply.status == 200 else None
    )
    name = body.get("username") if isinstance(body, dict) else None
    number = body.get("id") if isinstance(body, dict) else None
    return Session(
        "user",
        session.id,
        name if isinstance(name, str) and name else session.username,
        session.created_at,
        account_id=number
        if isinstance(number, int) and not isinstance(number, bool)
        else session.account_id,
    )


def session_delete(session: Session) -> Flow[bool]:
    """
    ``DELETE /3/authentication/session``.

    Returns True when TMDb deleted it, False when TMDb no longer knew it
    (already deleted or revoked) or it is a guest session, which TMDb has
    no way to delete; raises for any other failure.
    """
    what = "deleting the session"
    if session.kind == "guest":
        return False
    secret = Secret(session.id)
    reply = yield from _send(
        Call("DELETE", f"{AUTH}/session", json={"session_id": secret}),
        what,
        secret,
    )
    body = body_of(reply)
    code = body.get("status_code") if isinstance(body, dict) else None
    if reply.status in (401, 404) and code in (3, 17, 34, 37):
        return False
    _checked(reply, what, secret)
    return True


# -- the sequences ------------------------------------------------------


def login(username: str, password: Secret) -> Flow[Session]:
    """Log in: ``token/new`` → ``token/validate_with_login`` → ``session/new``."""
    token = yield from token_new()
    token = yield from token_validate_with_login(token, username, password)
    return (
        yield from session_new(
            token, username=username, look_up=False, secrets=(password,)
        )
    )


def approval(
    approve: Callable[[str], object], username: str | None = None
) -> Flow[Session]:
    """
    Browser approval: ``token/new`` → the person approves → ``session/new``.

    *approve* gets the approval URL and returns once the person approved.
    With *username*, the approving account must be that user: another one
    is `LoginFailed`, naming both, and its new session is deleted at TMDb.
    """
    token = yield from token_new()
    yield Approve(approve, Secret(token.approval_url))
    session = yield from session_new(token)
    yield from check_user(session, username)
    return session


def check_user(session: Session, username: str | None) -> Flow[None]:
    """
    Raise `LoginFailed` unless *session* belongs to *username*.

    The refused session is deleted at TMDb first: nobody asked for it.
    """
    if username is None or session.username == username:
        return
    found = session.username
    with contextlib.suppress(TMDbAuthError):  # deleted or not, it is refused
        yield from session_delete(session)
    seen = "an account whose username TMDb did not say"
    if found is not None:
        seen = f"the TMDb user {found!r}"
    raise LoginFailed(
        f"The approval came back as {seen}, not {username!r}; approve while "
        f"signed in to TMDb as {username!r}."
    )
