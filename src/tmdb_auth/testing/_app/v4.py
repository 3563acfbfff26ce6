"""
TMDb's v4 API: ``/4/auth`` (request token, access token, logout), the
conversion of a v4 access token to a v3 session, and the account
endpoints ``/4/account/{account_object_id}/…`` (rated, favorites,
watchlist; the lists are with the other lists).

Strictly private.  v4 calls that write need a Bearer (the read token, or a
user access token); `~._app.auth.authenticate` enforces that for every
``/4/`` path, after `check_bearer` (which lets the refusal of a bad Bearer
on ``/4/`` be configured).  Calls that act for a user then need *that
user's* access token (`user_of`); the read token is refused.  The v4
lists are in ``v4_lists.py``; the approval page of a v4 token lives with
the other web pages, in ``web.py``.

The records are the v3 side's: an access token is kept in
``State.access`` by its ``jti``, ratings, favorites and watchlists are the
account's own, and a list is one list whether v3 or v4 made it.  What the
reference leaves unconfirmed is a `V4Settings` field.
"""

from __future__ import annotations

import functools
import math
import secrets
import time
import weakref

from dataclasses import dataclass, field
from typing import Any

from tmdb_auth.testing._codes import MESSAGES, status_response
from tmdb_auth.testing._wire import Response, json_response

from ._core import (
    Call,
    Reject,
    Routes,
    fail,
    jwt_decode,
    jwt_encode,
    paged,
    text,
)
from ._state import AccessToken, Actor, State, Token, User
from .account import summary
from .auth import bearer_of


__all__ = [
    "ACCOUNT",
    "COUNTERS",
    "V4_TOKEN_TTL",
    "V4Settings",
    "access_token_is_valid",
    "account_object_id",
    "account_user",
    "bearer_user",
    "check_bearer",
    "configure",
    "counts",
    "order",
    "reset_counts",
    "revoke_access_token",
    "routes",
    "settings",
    "success",
    "user_of",
]

V4_TOKEN_TTL = 900.0  # v4 request tokens: 15 minutes
#: The v4 counters, as `counts` reports them.
COUNTERS = ("request_tokens", "access_tokens", "conversions")
ACCOUNT = "/4/account/{account_object_id}"

routes = Routes()


# --- settings and counters ---------------------------------------------


@dataclass(frozen=True)
class V4Settings:
    """
    The v4 behaviours the reference leaves open, as (HTTP status, TMDb
    code) pairs.  Strictly private; `TMDbServer` documents each.
    """

    unapproved_token: tuple[int, int] = (422, 41)
    bad_bearer: tuple[int, int] = (401, 7)
    read_token: tuple[int, int] = (401, 36)
    other_account: tuple[int, int] = (401, 3)
    unknown_access_token: tuple[int, int] = (401, 35)

    def __post_init__(self) -> None:
        for name, pair in vars(self).items():
            ok = (
                isinstance(pair, tuple)
                and len(pair) == 2
                and isinstance(pair[0], int)
                and 400 <= pair[0] <= 599
                and pair[1] in MESSAGES
            )
            if not ok:
                msg = (
                    f"v4_{name} must be (http_status, tmdb_status_code), "
                    "e.g. (401, 3)"
                )
                raise ValueError(msg)


@dataclass
class _Records:
    settings: V4Settings = field(default_factory=V4Settings)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(COUNTERS, 0)
    )


# Beside each State rather than in it: these are the stand-in's own
# configuration and counters, not TMDb records (State keeps those).
_RECORDS: weakref.WeakKeyDictionary[State, _Records] = (
    weakref.WeakKeyDictionary()
)


def _records(state: State) -> _Records:
    found = _RECORDS.get(state)
    if found is None:
        found = _RECORDS[state] = _Records()
    return found


def configure(state: State, chosen: V4Settings) -> None:
    """
    Use *chosen* for *state*'s v4 behaviours.
    """
    with state.lock:
        _records(state).settings = chosen


def settings(state: State) -> V4Settings:
    """
    *state*'s v4 behaviours: the defaults until `configure` sets them.
    """
    return _records(state).settings


def counts(state: State) -> dict[str, int]:
    """
    The v4 counters of *state*.
    """
    with state.lock:
        return dict(_records(state).counts)


def reset_counts(state: State) -> None:
    """Zero the v4 counters of *state* (the caller holds its lock)."""
    counters = _records(state).counts
    for name in counters:
        counters[name] = 0


def _count(state: State, name: str) -> None:
    _records(state).counts[name] += 1


def _refuse(pair: tuple[int, int]) -> Reject:
    return fail(pair[1], pair[0])


# --- tokens and users --------------------------------------------------


def _bearer(call: Call) -> str | None:
    auth = call.req.headers.get("authorization")
    if auth is None:
        return None
    scheme, _, token = auth.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def check_bearer(state: State, call: Call) -> None:
    """
    Before the credential check of a ``/4/`` call: a Bearer that is
    missing (on a write), forged, unknown or revoked gets the configured
    refusal (401/7 by default, as the credential check would answer).
    """
    if not call.req.path.startswith("/4/"):
        return
    token = _bearer(call)
    missing = token is None and call.req.method != "GET"
    if missing or (token is not None and bearer_of(state, token) is None):
        raise _refuse(settings(state).bad_bearer)


def _access(state: State, token: str, api_key: str) -> tuple[str, AccessToken]:
    """
    ``(jti, record)`` of a live user access token of *api_key*.

    Raises:
        LookupError: *token* is not one.
    """
    found = bearer_of(state, token)
    jti = str((jwt_decode(state.secret, token) or {}).get("jti"))
    access = state.access.get(jti)
    if found != (api_key, "access") or access is None:
        raise LookupError(jti)
    return jti, access


def bearer_user(state: State, call: Call) -> User | None:
    """
    The user whose live access token is the call's Bearer, or ``None``.
    """
    token = _bearer(call)
    if call.bearer != "access" or token is None:
        return None
    try:
        _, access = _access(state, token, call.api_key)
    except LookupError:
        return None
    return state.users.get(access.username)


def user_of(state: State, call: Call) -> User:
    """
    `bearer_user`, required: the read token or a v3 key gets the
    configured refusal (401/36 by default).
    """
    user = bearer_user(state, call)
    if user is None:
        raise _refuse(settings(state).read_token)
    return user


def account_object_id(state: State, username: str) -> str:
    """
    The 24-hex v4 account id of *username*.
    """
    return state.object_id("user:" + username)


def account_user(state: State, call: Call) -> User:
    """
    `user_of`, checked against the path's ``{account_object_id}``.
    """
    user = user_of(state, call)
    if call.params["account_object_id"] != account_object_id(
        state, user.username
    ):
        raise _refuse(settings(state).other_account)
    return user


def revoke_access_token(state: State, token: str) -> None:
    """
    Forget the user access token *token*; idempotent.

    Raises:
        ValueError: *token* is not an access token of this server.
    """
    payload = jwt_decode(state.secret, token)
    if payload is None or "api_write" not in (payload.get("scopes") or []):
        msg = (
            "not a user access token of this server (give the "
            "access_token from POST /4/auth/access_token)"
        )
        raise ValueError(msg)
    with state.lock:
        state.access.pop(str(payload.get("jti")), None)


def access_token_is_valid(state: State, token: str) -> bool:
    """
    Whether *token* is a user access token the server would accept now.
    """
    with state.lock:
        found = bearer_of(state, token)
        return found is not None and found[1] == "access"


# --- /4/auth -----------------------------------------------------------


def success(**fields: object) -> Response:
    """
    200 with *fields* and ``status_code`` 1, as v4 answers a success.
    """
    return json_response(
        200,
        {
            **fields,
            "status_code": 1,
            "status_message": "Success.",
            "success": True,
        },
    )


@routes("/4/auth/request_token", "POST")
def request_token(state: State, call: Call) -> Response:
    """
    A v4 request token: a JWT valid for 15 minutes, carrying
    ``redirect_to``.
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
    _count(state, "request_tokens")
    return success(request_token=value)


@routes("/4/auth/access_token", "POST")
def access_token(state: State, call: Call) -> Response:
    """
    Exchange an approved v4 request token, once: 401/33 if unknown,
    expired, used or another key's; not approved (or denied): 422/41 by
    default.
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
        raise _refuse(settings(state).unapproved_token)
    t.state = "consumed"
    payload = jwt_decode(state.secret, t.value) or {}
    jti = str(payload.get("jti"))
    account_id = account_object_id(state, t.username)
    access = {
        "aud": call.api_key,
        "nbf": round(state.now(), 6),
        "jti": jti,
        "sub": account_id,
        "scopes": ["api_read", "api_write"],
        "version": 2,
    }
    state.access[jti] = AccessToken(t.username, call.api_key)
    _count(state, "access_tokens")
    return success(
        access_token=state.mint(jwt_encode(state.secret, access)),
        account_id=account_id,
    )


@routes("/4/auth/access_token", "DELETE")
def logout(state: State, call: Call) -> Response:
    """
    Delete the user access token of the body (the Bearer may be the read
    token or a user access token); unknown: 401/35 by default.
    """
    token = text(call.field("access_token")) or ""
    try:
        jti, _ = _access(state, token, call.api_key)
    except LookupError:
        raise _refuse(settings(state).unknown_access_token) from None
    del state.access[jti]
    return status_response(13)


@routes("/3/authentication/session/convert/4", "POST")
def convert(state: State, call: Call) -> Response:
    """
    A v3 session of the access token's user (the read token, or anything
    but a live user access token of this key: 401/36 by default).
    """
    token = text(call.field("access_token")) or ""
    try:
        _, access = _access(state, token, call.api_key)
    except LookupError:
        raise _refuse(settings(state).read_token) from None
    s = state.new_session("user", access.username)
    _count(state, "conversions")
    return json_response(200, {"success": True, "session_id": s.id})


# --- /4/account/{account_object_id} ------------------------------------

#: ``sort_by`` field -> how to read it from a result.
_SORT_KEYS: dict[str, str] = {
    "title": "title",
    "name": "title",
    "release_date": "date",
    "primary_release_date": "date",
    "first_air_date": "date",
    "vote_average": "vote_average",
}


def order(
    call: Call,
    rows: list[tuple[float, dict[str, Any]]],
    default: str = "created_at.asc",
) -> list[dict[str, Any]]:
    """
    The items of (position, item) *rows* in the ``sort_by`` order: the
    position (``created_at``, ``original_order``), the title or name, the
    release or first air date, or ``vote_average``; ``.asc`` or
    ``.desc``.  An unknown ``sort_by`` is *default*.
    """
    wanted = call.req.query.get("sort_by") or default
    name, _, direction = wanted.partition(".")
    if direction not in ("asc", "desc"):
        name, _, direction = default.partition(".")
    how = _SORT_KEYS.get(name, "position")
    desc = direction == "desc"

    def key(row: tuple[float, dict[str, Any]]) -> tuple[str, float]:
        item = row[1]
        if how == "title":
            return str(item.get("title") or item.get("name") or ""), 0
        if how == "date":
            day = item.get("release_date") or item.get("first_air_date")
            return str(day or ""), 0
        return "", float(item.get("vote_average") or 0)

    # Stable sorts: items that tie keep their original order.
    ranked = sorted(
        rows, key=lambda row: row[0], reverse=how == "position" and desc
    )
    if how != "position":
        ranked.sort(key=key, reverse=desc)
    return [row[1] for row in ranked]


def _iso(epoch: float) -> str:
    """
    *epoch* as v4 writes rating times: ``2017-08-21T06:53:56.000Z``.
    """
    millis = math.floor((epoch % 1) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + (
        f".{millis:03d}Z"
    )


def _rated(media_type: str, state: State, call: Call) -> Response:
    """
    The movies or shows the account rated, with ``account_rating``.
    """
    user = account_user(state, call)
    me = Actor("user", user.username)
    rows = []
    for (rater, media), (value, created) in state.ratings.items():
        if rater == me and media[0] == media_type:
            item = summary(state, media_type, int(str(media[1])))
            item["account_rating"] = {
                "created_at": _iso(created),
                "value": value,
            }
            rows.append((created, item))
    return paged(call, order(call, rows))


def _marked(kind: str, media_type: str, state: State, call: Call) -> Response:
    """
    The account's favorite or watchlist movies or shows.
    """
    user = account_user(state, call)
    marks = state.marks.get(user.username, {})
    rows = [
        (created, summary(state, media_type, media_id))
        for (k, t, media_id), created in marks.items()
        if k == kind and t == media_type
    ]
    return paged(call, order(call, rows))


for _type in ("movie", "tv"):
    routes.add(
        f"{ACCOUNT}/{_type}/rated",
        "GET",
        functools.partial(_rated, _type),
    )
    for _kind, _path in (
        ("favorite", "favorites"),
        ("watchlist", "watchlist"),
    ):
        routes.add(
            f"{ACCOUNT}/{_type}/{_path}",
            "GET",
            functools.partial(_marked, _kind, _type),
        )
