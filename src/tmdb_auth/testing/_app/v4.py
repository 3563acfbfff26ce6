"""
TMDb's v4 API: ``/4/auth`` (request token, access token, logout) and the
conversion of a v4 access token to a v3 session.

Strictly private.  v4 calls that write need a Bearer (the read token, or a
user access token); `~._app.auth.authenticate` enforces that for every
``/4/`` path.  The approval page of a v4 token lives with the other web
pages, in ``web.py``.  New v4 endpoints (account, lists) register here::

    @routes("/4/account/{account_object_id}/lists", "GET")
    def account_lists(state: State, call: Call) -> Response: ...
"""

from __future__ import annotations

import secrets

from tmdb_auth.testing._codes import status_response
from tmdb_auth.testing._wire import Response, json_response

from ._core import Call, Routes, fail, jwt_decode, jwt_encode, text
from ._state import AccessToken, State, Token
from .auth import bearer_of


__all__ = ["V4_TOKEN_TTL", "routes"]

V4_TOKEN_TTL = 900.0  # v4 request tokens: 15 minutes

routes = Routes()


def _access_jti(state: State, token: str, code: int) -> str:
    """
    The ``jti`` of a valid user access token, else TMDb's error *code*.
    """
    found = bearer_of(state, token)
    if found is None or found[1] != "access":
        raise fail(code)
    return str((jwt_decode(state.secret, token) or {}).get("jti"))


@routes("/4/auth/request_token", "POST")
def request_token(state: State, call: Call) -> Response:
    """
    A v4 request token: a JWT valid for 15 minutes.
    """
    redirect_to = text(call.field("redirect_to"))
    now = state.now()
    payload = {
        "aud": call.api_key,
        "nbf": round(now, 6),
        "jti": secrets.token_hex(12),
        "scopes": ["pending_request_token"],
        "version": 2,
        "exp": int(now) + int(V4_TOKEN_TTL),
        "redirect_to": redirect_to,
    }
    value = state.mint(jwt_encode(state.secret, payload))
    state.tokens[value] = Token(
        value,
        call.api_key,
        now,
        now + V4_TOKEN_TTL,
        version=4,
        redirect_to=redirect_to,
    )
    return json_response(
        200,
        {
            "request_token": value,
            "status_code": 1,
            "status_message": "Success.",
            "success": True,
        },
    )


@routes("/4/auth/access_token", "POST")
def access_token(state: State, call: Call) -> Response:
    """
    Exchange an approved v4 request token: 401/33 if invalid, 422/41 if
    not approved.
    """
    value = call.field("request_token")
    t = state.tokens.get(value) if isinstance(value, str) else None
    if (
        t is None
        or t.version != 4
        or t.api_key != call.api_key
        or not state.token_live(t)
    ):
        raise fail(33)
    if t.state != "approved" or t.username is None:
        raise fail(41)
    t.state = "consumed"
    payload = jwt_decode(state.secret, t.value) or {}
    jti = str(payload.get("jti"))
    account_id = state.object_id("user:" + t.username)
    access = {
        "aud": call.api_key,
        "nbf": round(state.now(), 6),
        "jti": jti,
        "sub": account_id,
        "scopes": ["api_read", "api_write"],
        "version": 2,
    }
    state.access[jti] = AccessToken(t.username, call.api_key)
    return json_response(
        200,
        {
            "access_token": state.mint(jwt_encode(state.secret, access)),
            "account_id": account_id,
            "status_code": 1,
            "status_message": "Success.",
            "success": True,
        },
    )


@routes("/4/auth/access_token", "DELETE")
def logout(state: State, call: Call) -> Response:
    """
    Delete a user access token (401/35 if it is not one).
    """
    token = text(call.field("access_token")) or ""
    del state.access[_access_jti(state, token, 35)]
    return status_response(13)


@routes("/3/authentication/session/convert/4", "POST")
def convert(state: State, call: Call) -> Response:
    """
    A v3 session for a v4 user access token (the read token: 401/36).
    """
    token = text(call.field("access_token")) or ""
    jti = _access_jti(state, token, 36)
    s = state.new_session("user", state.access[jti].username)
    return json_response(200, {"success": True, "session_id": s.id})
