"""
Who is calling: the application credential, user and guest sessions, and
the v3 ``/3/authentication`` endpoints that make them.

Strictly private.  `authenticate` runs first on every API call (401/7, or
401/10 for a suspended key); `actor` and `account_user` are the session
check of the routes that act for somebody (401/3).
"""

from __future__ import annotations

import hmac
import secrets

from tmdb_auth.testing._codes import status_response
from tmdb_auth.testing._wire import Response, json_response

from ._core import Call, Routes, fail, jwt_decode, text, timestamp
from ._state import Actor, Session, State, Token, User


__all__ = [
    "TOKEN_TTL",
    "account_user",
    "actor",
    "authenticate",
    "bearer_of",
    "live_session",
    "routes",
]

TOKEN_TTL = 3600.0  # v3 request tokens: 60 minutes if unused

routes = Routes()


# --- credentials -------------------------------------------------------


def bearer_of(state: State, token: str) -> tuple[str, str] | None:  # noqa: PLR0911
    """
    ``(api_key, "read" | "access")`` for a valid Bearer *token*, else
    ``None``.
    """
    payload = jwt_decode(state.secret, token)
    if payload is None:
        return None
    aud = payload.get("aud")
    scopes = payload.get("scopes")
    if not isinstance(aud, str) or aud not in state.keys:
        return None
    if not isinstance(scopes, list):
        return None
    if payload.get("version") == 1 and "api_read" in scopes:
        if state.read_tokens.get(aud) != token:
            return None
        return aud, "read"
    if payload.get("version") == 2 and "api_write" in scopes:
        access = state.access.get(str(payload.get("jti")))
        if access is None or access.api_key != aud:
            return None
        return aud, "access"
    return None


def authenticate(state: State, call: Call) -> None:
    """
    The application credential check: 401/7, or 401/10 when suspended.

    An empty ``api_key`` is ignored (golang-tmdb sends ``api_key=`` next
    to its Bearer header); any credential that is present and invalid
    fails the call, whatever else is present.
    """
    keys: list[str] = []
    auth = call.req.headers.get("authorization")
    if auth is not None:
        scheme, _, token = auth.strip().partition(" ")
        if scheme.lower() == "bearer":
            found = bearer_of(state, token.strip())
            if found is None:
                raise fail(7)
            keys.append(found[0])
            call.bearer = found[1]
    api_key = call.req.query.get("api_key")
    if api_key:
        if api_key not in state.keys:
            raise fail(7)
        keys.insert(0, api_key)
    if not keys:
        raise fail(7)
    # v4: "For GET based calls on v4, you can still use your v3 api_key".
    v4_write = call.req.path.startswith("/4/") and call.req.method != "GET"
    if v4_write and call.bearer is None:
        raise fail(7)
    if any(state.keys[k].suspended for k in keys):
        raise fail(10)
    call.api_key = keys[0]


# --- sessions ----------------------------------------------------------


def live_session(state: State, session_id: str, kind: str) -> Session:
    """
    The live session *session_id* of *kind*, or the error TMDb gives.
    """
    s = state.sessions.get(session_id)
    if s is None or s.kind != kind:
        raise fail(3)
    found = state.session_state(s)
    if found == "deleted":
        del state.sessions[session_id]
        raise fail(3)
    if found == "expired":
        status, code = state.settings.expired_guest_session
        raise fail(code, status)
    return s


def actor(state: State, call: Call, *, guest: bool) -> Actor:
    """
    Who the call acts for: its user session, or (if *guest*) its guest
    session; 401/3 without one.
    """
    query = call.req.query
    session_id = query.get("session_id")
    if session_id:
        return Actor("user", live_session(state, session_id, "user").owner)
    guest_id = query.get("guest_session_id")
    if guest and guest_id:
        s = live_session(state, guest_id, "guest")
        s.used = True
        return Actor("guest", s.id)
    owner = state.keys[call.api_key].owner
    if (
        state.settings.bearer_acts_as_owner
        and call.bearer == "read"
        and session_id is None
        and owner in state.users
    ):
        return Actor("user", owner)
    raise fail(3)


def account_user(state: State, call: Call) -> User:
    """
    The user of the call's session, checked against ``{account_id}``.
    """
    user = state.users[actor(state, call, guest=False).name]
    wanted = call.params.get("account_id")
    if wanted is not None and int(wanted) != user.id:
        if any(u.id == int(wanted) for u in state.users.values()):
            raise fail(3)
        raise fail(34)
    return user


# --- /3/authentication -------------------------------------------------


@routes("/3/authentication", "GET")
def validate_key(state: State, _call: Call) -> Response:
    """
    Validate the key: the documented body, or the live ``{"success":true}``.
    """
    if state.settings.auth_body == "minimal":
        return json_response(200, {"success": True})
    return status_response(1)


@routes("/3/authentication/guest_session/new", "GET")
def new_guest(state: State, _call: Call) -> Response:
    """
    A guest session, expiring 24 hours later.
    """
    s = state.new_session("guest")
    return json_response(
        200,
        {
            "success": True,
            "guest_session_id": s.id,
            "expires_at": timestamp(s.expires),
        },
    )


@routes("/3/authentication/token/new", "GET")
def new_token(state: State, call: Call) -> Response:
    """
    A request token, with the approval page in ``Authentication-Callback``.
    """
    now = state.now()
    value = state.mint(secrets.token_hex(20))
    t = Token(value, call.api_key, now, now + TOKEN_TTL)
    state.tokens[t.value] = t
    base = state.settings.callback_base or state.base_url
    return json_response(
        200,
        {
            "success": True,
            "expires_at": timestamp(t.expires),
            "request_token": t.value,
        },
        [("Authentication-Callback", f"{base}/authenticate/{t.value}")],
    )


def _v3_token(state: State, call: Call, value: object) -> Token | None:
    t = state.tokens.get(value) if isinstance(value, str) else None
    if t is None or t.version != 3 or t.api_key != call.api_key:
        return None
    return t if state.token_live(t) else None


@routes("/3/authentication/token/validate_with_login", "GET", "POST")
def validate_with_login(state: State, call: Call) -> Response:
    """
    Approve a request token with a login: 26, then 33, then 30/31/32.
    """
    username = text(call.field("username"))
    password = text(call.field("password"))
    if not username or not password:
        raise fail(26)
    t = _v3_token(state, call, call.field("request_token"))
    if t is None or t.state == "denied":
        raise fail(33)
    user = state.users.get(username)
    if user is None or not hmac.compare_digest(
        user.password.encode(), password.encode()
    ):
        raise fail(30)
    if user.disabled:
        raise fail(31)
    if not user.verified:
        raise fail(32)
    t.state = "approved"
    t.username = user.username
    return json_response(
        200,
        {
            "success": True,
            "expires_at": timestamp(t.expires),
            "request_token": t.value,
        },
    )


@routes("/3/authentication/session/new", "GET", "POST")
def new_user_session(state: State, call: Call) -> Response:
    """
    Exchange an approved request token for a user session (else 401/17).
    """
    t = _v3_token(state, call, call.field("request_token"))
    if t is None or t.state != "approved" or t.username is None:
        raise fail(17)
    t.state = "consumed"
    s = state.new_session("user", t.username)
    return json_response(200, {"success": True, "session_id": s.id})


@routes("/3/authentication/session", "DELETE")
def delete_session(state: State, call: Call) -> Response:
    """
    Log out: delete a user session (unknown: 404/37 by default).
    """
    session_id = text(call.field("session_id", query=True))
    s = state.sessions.get(session_id) if session_id else None
    if s is None or s.kind != "user":
        status, code = state.settings.delete_unknown_session
        raise fail(code, status)
    del state.sessions[s.id]
    return json_response(200, {"success": True})
