"""
TMDb's v4 user authentication as flows, without I/O (DESIGN §11).

Strictly private; the v3 flows and the helpers they share are in
`._protocol`. A v4 login is a request token (``POST /4/auth/request_token``
with the read token), the person's approval on TMDb's ``/auth/access`` page,
and the access token (``POST /4/auth/access_token``); ``session/convert/4``
turns that access token into a v3 user session of the same account.

As in `._protocol`, no frame here holds a secret as a plain string.
"""

from __future__ import annotations

import time

from urllib.parse import urlencode

from ._errors import body_of
from ._protocol import AUTH, _Answer, _checked, _id, _send, account
from ._secret import Secret
from ._shapes import hex_id, jwt
from ._steps import Call, Flow
from ._values import AccessToken, RequestToken, Session
from .exceptions import TMDbServerError


__all__ = [
    "TMDB_WEB",
    "V4_TOKEN_TTL",
    "session_convert",
    "v4_access_token_delete",
    "v4_access_token_new",
    "v4_request_token_new",
    "web_base",
]

#: Where the person approves a v4 request token, on TMDb's own API origin.
TMDB_WEB = "https://www.themoviedb.org"
#: TMDb's API hosts, whose approval pages are on `TMDB_WEB`.
TMDB_API_HOSTS = ("api.themoviedb.org", "api.tmdb.org")
#: TMDb documents v4 request tokens as valid 15 minutes.
V4_TOKEN_TTL = 900.0


def web_base(origin_url: str, host: str) -> str:
    """
    The base of the approval page for an API origin.

    TMDb's API hosts approve on ``www.themoviedb.org``; any other origin (the
    stand-in, a proxy in tests) serves its approval pages itself, as v3's
    ``Authentication-Callback`` header says for ``token/new``.
    """
    return TMDB_WEB if host in TMDB_API_HOSTS else origin_url


def _jwt(answer: _Answer, name: str, what: str, kind: str) -> Secret:
    """The JWT *name* of *answer*, if it has a JWT's shape."""
    value = answer.get(name)
    if not isinstance(value, str) or not jwt(value):
        raise TMDbServerError(
            f"TMDb's answer to {what} has no valid {name!r}; try again later."
        )
    return Secret(value, kind)


def v4_request_token_new(
    redirect_to: str | None, web: str
) -> Flow[RequestToken]:
    """
    ``POST /4/auth/request_token``: a v4 request token and its approval URL.

    *web* is the base of the approval page (`web_base`). The call carries the
    application credential, which must be the read token (the adapters
    check that before the flow starts).
    """
    what = "creating a v4 request token"
    body = None if redirect_to is None else {"redirect_to": redirect_to}
    reply = yield from _send(
        Call("POST", "/4/auth/request_token", json=body), what
    )
    answer = _checked(reply, what)
    token = _jwt(answer, "request_token", what, "request_token")
    return RequestToken(
        token.reveal(),
        time.time() + V4_TOKEN_TTL,
        f"{web}/auth/access?{urlencode({'request_token': token.reveal()})}",
        version=4,
    )


def v4_access_token_new(token: RequestToken) -> Flow[AccessToken]:
    """``POST /4/auth/access_token``: the access token of an approved token."""
    what = "creating a v4 access token"
    secret = Secret(token.request_token, "request_token")
    reply = yield from _send(
        Call("POST", "/4/auth/access_token", json={"request_token": secret}),
        what,
        secret,
    )
    answer = _checked(reply, what, secret)
    access = _jwt(answer, "access_token", what, "access_token")
    account = answer.get("account_id")
    return AccessToken(
        access.reveal(),
        account if hex_id(account, 24) else None,
        time.time(),
    )


def v4_access_token_delete(
    access: AccessToken, *, own_bearer: bool = False
) -> Flow[bool]:
    """
    ``DELETE /4/auth/access_token``: log the access token out.

    The Bearer is the read token; with a v3 API key (*own_bearer*), the
    access token itself, which TMDb accepts too. Returns True when TMDb
    deleted it, False when TMDb no longer knew it (401/35; or, when it is
    its own Bearer, the refusal of an unknown Bearer, 401/7 or 401/3).
    """
    what = "deleting the v4 access token"
    secret = Secret(access.access_token, "access_token")
    reply = yield from _send(
        Call(
            "DELETE",
            "/4/auth/access_token",
            json={"access_token": secret},
            bearer=secret if own_bearer else None,
        ),
        what,
        secret,
    )
    body = body_of(reply)
    code = body.get("status_code") if isinstance(body, dict) else None
    gone = (35, 3, 7) if own_bearer else (35,)
    if reply.status in (401, 404) and code in gone:
        return False
    _checked(reply, what, secret)
    return True


def session_convert(access: AccessToken) -> Flow[Session]:
    """
    ``POST /3/authentication/session/convert/4``, then ``GET /3/account``.

    The v3 user session of the access token's account: its username from
    the account, its ``account_id`` the v4 account object id.
    """
    what = "converting the v4 access token to a v3 session"
    secret = Secret(access.access_token, "access_token")
    reply = yield from _send(
        Call(
            "POST",
            f"{AUTH}/session/convert/4",
            json={"access_token": secret},
        ),
        what,
        secret,
    )
    answer = _checked(reply, what, secret)
    made = Session(
        "user", _id(answer, "session_id", what).reveal(), None, time.time()
    )
    looked = yield from account(made)
    return Session(
        "user",
        made.id,
        looked.username,
        made.created_at,
        account_id=access.account_id,
    )
