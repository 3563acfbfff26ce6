"""
The TMDb state machine and route table of the stand-in server.

Strictly private.  Nothing here does I/O: :meth:`App.handle` turns a parsed
:class:`Request` into a :class:`Response`, and the HTTP layer in
``_server.py`` only moves bytes.  Every public control of
:class:`~tmdb_auth.testing.TMDbServer` that touches TMDb state ends up in a
method of :class:`App`, always under its one lock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import json
import math
import re
import secrets
import threading
import time

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from . import _data


__all__ = ["JSON_TYPE", "App", "Request", "Response", "Settings", "User"]

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

_HOUR = 3600.0
_TOKEN_TTL = _HOUR  # v3 request tokens: 60 minutes if unused
_V4_TOKEN_TTL = 900.0  # v4 request tokens: 15 minutes
_GUEST_TTL = 24 * _HOUR  # observed guest expires_at: creation + 24 h
_PAGE_SIZE = 20
_MAX_PAGE = 500
_HEX32 = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class User:
    """
    A TMDb account known to the stand-in server.

    Attributes:
        username: The login name.
        password: The password (never shown in the ``repr``).
        id: The numeric v3 account id, as ``GET /3/account`` reports it.
        verified: ``False`` makes ``validate_with_login`` answer 401/32.
        disabled: ``True`` makes ``validate_with_login`` answer 401/31.

    .. versionadded:: 0.1.0
    """

    username: str
    password: str = field(repr=False)
    id: int
    verified: bool = True
    disabled: bool = False


@dataclass(frozen=True)
class Request:
    """
    One parsed HTTP request.  Strictly private.
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes


@dataclass
class Response:
    """
    One HTTP response to send.  Strictly private.
    """

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Settings:
    """
    The configurable (mostly unconfirmed) behaviours.  Strictly private.
    """

    auth_body: str = "official"
    delete_unknown_session: tuple[int, int] = (404, 37)
    expired_guest_session: tuple[int, int] = (401, 3)
    guest_unused_ttl: float | None = None
    bearer_acts_as_owner: bool = False
    lenient_bodies: bool = True
    deny_param: str | None = "denied"
    callback_base: str | None = None


class _Reject(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


# --- response builders -------------------------------------------------


def json_response(
    status: int, obj: object, headers: list[tuple[str, str]] | None = None
) -> Response:
    """
    Serialise *obj* compactly, as TMDb does.  Strictly private.
    """
    body = json.dumps(obj, separators=(",", ":")).encode()
    return Response(
        status, body, [("Content-Type", JSON_TYPE), *(headers or [])]
    )


def error_body(code: int, message: str | None = None) -> dict[str, object]:
    """
    TMDb's error body for *code*, with the key order TMDb uses for it.
    """
    msg = message if message is not None else _data.MESSAGES[code]
    if code == 7:
        return {"status_code": 7, "status_message": msg, "success": False}
    if code == 17:
        return {
            "success": False,
            "failure": True,
            "status_code": 17,
            "status_message": msg,
        }
    if code == 36:
        return {
            "failure": True,
            "status_code": 36,
            "status_message": msg,
            "success": False,
        }
    return {"success": False, "status_code": code, "status_message": msg}


def error_response(code: int, status: int | None = None) -> Response:
    """
    A complete TMDb error response.  Strictly private.
    """
    http = status if status is not None else _data.HTTP_FOR_CODE[code]
    return json_response(http, error_body(code))


def _fail(code: int, status: int | None = None) -> _Reject:
    return _Reject(error_response(code, status))


def _status(code: int, http: int | None = None, **extra: object) -> Response:
    body: dict[str, object] = {
        "success": True,
        "status_code": code,
        "status_message": _data.MESSAGES[code],
    }
    body.update(extra)
    return json_response(http or _data.HTTP_FOR_CODE[code], body)


def _html(status: int, title: str, content: str) -> Response:
    page = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)} - TMDB (stand-in)</title>\n"
        f"</head>\n<body>\n<h1>{html.escape(title)}</h1>\n{content}\n"
        "</body>\n</html>\n"
    )
    return Response(status, page.encode(), [("Content-Type", HTML_TYPE)])


def _redirect(location: str) -> Response:
    return Response(
        302,
        b"",
        [("Content-Type", HTML_TYPE), ("Location", location)],
    )


def _add_query(url: str, extra: list[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    added = urlencode(extra)
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit(parts._replace(query=query))


def timestamp(epoch: float) -> str:
    """
    Format *epoch* as TMDb does: ``YYYY-MM-DD HH:MM:SS UTC``.
    """
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))


# --- JWTs (HS256) ------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_encode(secret: bytes, payload: Mapping[str, object]) -> str:
    """
    Sign *payload* as an HS256 JWT with TMDb's header ``{"alg":"HS256"}``.
    """
    header = _b64(b'{"alg":"HS256"}')
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}".encode("ascii")
    sig = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(sig)}"


def jwt_decode(secret: bytes, token: str) -> dict[str, Any] | None:
    """
    The payload of *token* if it carries our signature, else ``None``.
    """
    parts = token.split(".")
    if len(parts) != 3 or not token.isascii():
        return None
    try:
        header = json.loads(_unb64(parts[0]))
        payload = json.loads(_unb64(parts[1]))
        sig = _unb64(parts[2])
    except (ValueError, binascii.Error):
        return None
    expected = hmac.new(
        secret, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256
    ).digest()
    if not hmac.compare_digest(sig, expected):
        return None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        return None
    return payload if isinstance(payload, dict) else None


# --- records -----------------------------------------------------------


@dataclass
class _Key:
    suspended: bool
    owner: str
    app_name: str


@dataclass
class _Token:
    value: str
    api_key: str
    created: float
    expires: float
    version: int = 3
    state: str = "issued"  # issued -> approved/denied -> consumed
    username: str | None = None
    redirect_to: str | None = None


@dataclass
class _Session:
    id: str
    kind: str  # "user" or "guest"
    owner: str  # username, or the guest session id itself
    created: float
    expires: float = math.inf
    used: bool = False


@dataclass
class _AccessToken:
    username: str
    api_key: str


@dataclass
class _List:
    id: int
    owner: str
    name: str
    description: str
    language: str
    created: float
    items: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Actor:
    kind: str  # "user" or "guest"
    name: str  # username or guest session id


@dataclass
class _Call:
    req: Request
    params: dict[str, str]
    api_key: str = ""
    bearer: str | None = None  # "read" or "access" when a Bearer was valid
    parsed: dict[str, Any] | None = None


Handler = Callable[[_Call], Response]


class _Route:
    def __init__(self, template: str, handlers: dict[str, Handler]) -> None:
        def group(m: re.Match[str]) -> str:
            chars = "[0-9]+" if m.group(2) else "[^/]+"
            return f"(?P<{m.group(1)}>{chars})"

        self.regex = re.compile(re.sub(r"\{(\w+)(:int)?\}", group, template))
        self.handlers = handlers


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in ("true", "1", 1):
        return True
    if value in ("false", "0", 0):
        return False
    return None


def _movie_summary(movie: Mapping[str, Any]) -> dict[str, Any]:
    keys = (
        "adult",
        "backdrop_path",
        "id",
        "original_language",
        "original_title",
        "overview",
        "popularity",
        "poster_path",
        "release_date",
        "title",
        "video",
        "vote_average",
        "vote_count",
    )
    out = {k: movie[k] for k in keys}
    out["genre_ids"] = [g["id"] for g in movie["genres"]]
    return out


def _tv_summary(show: Mapping[str, Any]) -> dict[str, Any]:
    keys = (
        "adult",
        "backdrop_path",
        "first_air_date",
        "id",
        "name",
        "original_language",
        "original_name",
        "overview",
        "popularity",
        "poster_path",
        "vote_average",
        "vote_count",
    )
    out = {k: show[k] for k in keys}
    out["genre_ids"] = [g["id"] for g in show["genres"]]
    return out


def _strip_tv(show: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in show.items() if k != "seasons"}
    out["seasons"] = [
        {k: v for k, v in s.items() if k not in ("_id", "episodes")}
        | {"episode_count": len(s["episodes"])}
        for s in show["seasons"].values()
    ]
    return out


class App:
    """
    TMDb's behaviour, I/O free: state, route table and handlers.

    Strictly private.  All state lives behind :attr:`lock`, which the HTTP
    layer also uses for its own bookkeeping, so there is one lock in all.
    """

    def __init__(self, settings: Settings, default_key: str) -> None:
        self.lock = threading.RLock()
        self.settings = settings
        self.base_url = ""
        self.secret = secrets.token_bytes(32)
        self.offset = 0.0
        self.created = {"guest": 0, "user": 0}
        self._keys: dict[str, _Key] = {}
        self._read_tokens: dict[str, str] = {}
        self._users: dict[str, User] = {}
        self._next_user_id = 6089455
        self.default_user = ""
        self._tokens: dict[str, _Token] = {}
        self._sessions: dict[str, _Session] = {}
        self._access: dict[str, _AccessToken] = {}
        self._ratings: dict[
            tuple[_Actor, tuple[object, ...]], tuple[float, float]
        ] = {}
        self._marks: dict[str, dict[tuple[str, str, int], float]] = {}
        self._lists: dict[int, _List] = {}
        self._next_list_id = 8_200_000
        self.add_key(default_key)
        self._routes = self._build_routes()

    # --- clock and identifiers -------------------------------------------

    def now(self) -> float:
        """
        The server clock: wall time plus everything :meth:`advance` added.
        """
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        if seconds < 0 or not math.isfinite(seconds):
            msg = "the server clock only moves forward"
            raise ValueError(msg)
        with self.lock:
            self.offset += seconds

    def _object_id(self, name: str) -> str:
        digest = hmac.new(self.secret, name.encode(), hashlib.sha256)
        return digest.hexdigest()[:24]

    # --- controls ---------------------------------------------------------

    def add_key(
        self, key: str | None = None, *, suspended: bool = False
    ) -> str:
        key = secrets.token_hex(16) if key is None else key
        if not _HEX32.fullmatch(key):
            msg = "an API key is 32 lowercase hex characters"
            raise ValueError(msg)
        with self.lock:
            old = self._keys.get(key)
            name = (
                old.app_name if old else f"Application #{len(self._keys) + 1}"
            )
            owner = old.owner if old else self.default_user
            self._keys[key] = _Key(
                suspended=suspended, owner=owner, app_name=name
            )
        return key

    def read_token_for(self, api_key: str) -> str:
        with self.lock:
            token = self._read_tokens.get(api_key)
            if token is None:
                payload = {
                    "aud": api_key,
                    "nbf": round(self.now(), 6),
                    "sub": self._object_id("key:" + api_key),
                    "scopes": ["api_read"],
                    "version": 1,
                }
                token = jwt_encode(self.secret, payload)
                self._read_tokens[api_key] = token
            return token

    def add_user(
        self,
        username: str,
        password: str,
        *,
        verified: bool = True,
        disabled: bool = False,
    ) -> User:
        if not username or not password:
            msg = "a user needs a non-empty username and password"
            raise ValueError(msg)
        with self.lock:
            old = self._users.get(username)
            if old is None:
                user_id = self._next_user_id
                self._next_user_id += 1
            else:
                user_id = old.id
            user = User(username, password, user_id, verified, disabled)
            self._users[username] = user
            if not self.default_user:
                self.default_user = username
                for key in self._keys.values():
                    key.owner = key.owner or username
            return user

    def _control_token(self, token: str) -> _Token:
        t = self._tokens.get(token)
        if t is None or not self._token_live(t):
            msg = "unknown, expired or already used request token"
            raise ValueError(msg)
        return t

    def approve(self, token: str, username: str | None = None) -> None:
        with self.lock:
            name = username or self.default_user
            if name not in self._users:
                msg = f"unknown user {name!r}"
                raise ValueError(msg)
            t = self._control_token(token)
            t.state = "approved"
            t.username = name

    def deny(self, token: str) -> None:
        with self.lock:
            t = self._control_token(token)
            t.state = "denied"
            t.username = None

    def revoke_session(self, session_id: str) -> None:
        with self.lock:
            self._sessions.pop(session_id, None)

    def revoke_all_sessions(self) -> None:
        with self.lock:
            self._sessions.clear()
            self._access.clear()

    def expire_guest_sessions(self) -> None:
        with self.lock:
            now = self.now()
            for s in self._sessions.values():
                if s.kind == "guest":
                    s.expires = min(s.expires, now)

    def session_is_valid(self, session_id: str) -> bool:
        with self.lock:
            s = self._sessions.get(session_id)
            return s is not None and self._session_state(s) == "live"

    # --- state helpers ----------------------------------------------------

    def _token_live(self, t: _Token) -> bool:
        return t.state != "consumed" and self.now() < t.expires

    def _session_state(self, s: _Session) -> str:
        if s.kind == "user":
            return "live"
        now = self.now()
        ttl = self.settings.guest_unused_ttl
        if ttl is not None and not s.used and now >= s.created + ttl:
            return "deleted"
        return "live" if now < s.expires else "expired"

    def _new_session(self, kind: str, owner: str | None = None) -> _Session:
        now = self.now()
        if kind == "guest":
            sid = secrets.token_hex(16)
            s = _Session(sid, kind, sid, now, now + _GUEST_TTL)
        else:
            sid = secrets.token_hex(20)
            s = _Session(sid, kind, owner or "", now)
        self._sessions[sid] = s
        self.created[kind] += 1
        return s

    # --- request dispatch -------------------------------------------------

    def handle(self, req: Request) -> Response:
        """
        Answer *req*: credential, then session, then body, then resource.
        """
        with self.lock:
            try:
                return self._dispatch(req)
            except _Reject as reject:
                return reject.response

    def _dispatch(self, req: Request) -> Response:
        api = req.path.startswith(("/3/", "/4/")) or req.path in ("/3", "/4")
        call = _Call(req, {})
        route = None
        for candidate in self._routes:
            m = candidate.regex.fullmatch(req.path)
            if m:
                route = candidate
                call.params = m.groupdict()
                break
        if api:
            self._authenticate(call)
        if route is None:
            raise _fail(34)
        handler = route.handlers.get(req.method)
        if handler is None:
            allow = ", ".join(sorted(route.handlers))
            response = error_response(42)
            response.headers.append(("Allow", allow))
            return response
        return handler(call)

    # --- credentials ------------------------------------------------------

    def _bearer(self, token: str) -> tuple[str, str] | None:  # noqa: PLR0911
        payload = jwt_decode(self.secret, token)
        if payload is None:
            return None
        aud = payload.get("aud")
        scopes = payload.get("scopes")
        if not isinstance(aud, str) or aud not in self._keys:
            return None
        if not isinstance(scopes, list):
            return None
        if payload.get("version") == 1 and "api_read" in scopes:
            if self._read_tokens.get(aud) != token:
                return None
            return aud, "read"
        if payload.get("version") == 2 and "api_write" in scopes:
            access = self._access.get(str(payload.get("jti")))
            if access is None or access.api_key != aud:
                return None
            return aud, "access"
        return None

    def _authenticate(self, call: _Call) -> None:
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
                found = self._bearer(token.strip())
                if found is None:
                    raise _fail(7)
                keys.append(found[0])
                call.bearer = found[1]
        api_key = call.req.query.get("api_key")
        if api_key:
            if api_key not in self._keys:
                raise _fail(7)
            keys.insert(0, api_key)
        if not keys:
            raise _fail(7)
        # v4: "For GET based calls on v4, you can still use your v3 api_key".
        v4_write = call.req.path.startswith("/4/") and call.req.method != "GET"
        if v4_write and call.bearer is None:
            raise _fail(7)
        if any(self._keys[k].suspended for k in keys):
            raise _fail(10)
        call.api_key = keys[0]

    # --- sessions ---------------------------------------------------------

    def _live(self, session_id: str, kind: str) -> _Session:
        s = self._sessions.get(session_id)
        if s is None or s.kind != kind:
            raise _fail(3)
        state = self._session_state(s)
        if state == "deleted":
            del self._sessions[session_id]
            raise _fail(3)
        if state == "expired":
            status, code = self.settings.expired_guest_session
            raise _fail(code, status)
        return s

    def _actor(self, call: _Call, *, guest: bool) -> _Actor:
        query = call.req.query
        session_id = query.get("session_id")
        if session_id:
            return _Actor("user", self._live(session_id, "user").owner)
        guest_id = query.get("guest_session_id")
        if guest and guest_id:
            s = self._live(guest_id, "guest")
            s.used = True
            return _Actor("guest", s.id)
        owner = self._keys[call.api_key].owner
        if (
            self.settings.bearer_acts_as_owner
            and call.bearer == "read"
            and session_id is None
            and owner in self._users
        ):
            return _Actor("user", owner)
        raise _fail(3)

    def _account(self, call: _Call) -> User:
        user = self._users[self._actor(call, guest=False).name]
        wanted = call.params.get("account_id")
        if wanted is not None and int(wanted) != user.id:
            if any(u.id == int(wanted) for u in self._users.values()):
                raise _fail(3)
            raise _fail(34)
        return user

    # --- bodies -----------------------------------------------------------

    def _body(self, call: _Call) -> dict[str, Any]:
        if call.parsed is not None:
            return call.parsed
        req = call.req
        parsed: dict[str, Any] = {}
        ctype = (
            req.headers.get("content-type", "").split(";")[0].strip().lower()
        )
        if req.method in ("GET", "HEAD") or not req.body.strip():
            pass
        elif ctype == "application/x-www-form-urlencoded":
            web = not req.path.startswith(("/3/", "/4/"))
            if self.settings.lenient_bodies or web:
                text = req.body.decode("utf-8", "replace")
                parsed = dict(parse_qsl(text, keep_blank_values=True))
        else:
            try:
                loaded = json.loads(req.body)
            except ValueError:
                raise _fail(5) from None
            if not isinstance(loaded, dict):
                raise _fail(5)
            parsed = loaded
        call.parsed = parsed
        return parsed

    def _field(self, call: _Call, name: str, *, query: bool = False) -> object:
        """
        A request field: the body first, then the query string.

        The query string counts on GET, or when *query* or the lenient
        setting allows it on other methods.
        """
        body = self._body(call)
        if name in body:
            return body[name]
        if call.req.method == "GET" or query or self.settings.lenient_bodies:
            return call.req.query.get(name)
        return None

    def _page(self, call: _Call) -> int:
        raw = call.req.query.get("page", "1")
        page = _as_int(raw)
        if page is None or page < 1:
            raise _fail(22)
        if page > _MAX_PAGE:
            raise _Reject(
                json_response(
                    422, {"errors": ["page must be less than or equal to 500"]}
                )
            )
        return page

    def _paged(
        self, call: _Call, rows: list[tuple[float, dict[str, Any]]]
    ) -> Response:
        page = self._page(call)
        desc = call.req.query.get("sort_by", "").endswith(".desc")
        rows = sorted(rows, key=lambda r: r[0], reverse=desc)
        start = (page - 1) * _PAGE_SIZE
        return json_response(
            200,
            {
                "page": page,
                "results": [r[1] for r in rows[start : start + _PAGE_SIZE]],
                "total_pages": math.ceil(len(rows) / _PAGE_SIZE),
                "total_results": len(rows),
            },
        )

    # --- routes -----------------------------------------------------------

    def _build_routes(self) -> list[_Route]:
        tv = "/3/tv/{tv_id:int}"
        season = tv + "/season/{season:int}"
        episode = season + "/episode/{episode:int}"
        account = "/3/account/{account_id:int}"
        guest = "/3/guest_session/{guest_session_id}/rated"
        table: list[tuple[str, dict[str, Handler]]] = [
            ("/3/authentication", {"GET": self._validate_key}),
            ("/3/authentication/guest_session/new", {"GET": self._new_guest}),
            ("/3/authentication/token/new", {"GET": self._new_token}),
            (
                "/3/authentication/token/validate_with_login",
                {
                    "GET": self._validate_with_login,
                    "POST": self._validate_with_login,
                },
            ),
            (
                "/3/authentication/session/new",
                {
                    "GET": self._new_user_session,
                    "POST": self._new_user_session,
                },
            ),
            (
                "/3/authentication/session/convert/4",
                {"POST": self._convert_v4},
            ),
            ("/3/authentication/session", {"DELETE": self._delete_session}),
            ("/3/account", {"GET": self._get_account}),
            (account, {"GET": self._get_account}),
            (account + "/lists", {"GET": self._account_lists}),
            (account + "/favorite", {"POST": self._mark("favorite")}),
            (account + "/watchlist", {"POST": self._mark("watchlist")}),
            (
                account + "/favorite/movies",
                {"GET": self._marked("favorite", "movie")},
            ),
            (
                account + "/favorite/tv",
                {"GET": self._marked("favorite", "tv")},
            ),
            (
                account + "/watchlist/movies",
                {"GET": self._marked("watchlist", "movie")},
            ),
            (
                account + "/watchlist/tv",
                {"GET": self._marked("watchlist", "tv")},
            ),
            (account + "/rated/movies", {"GET": self._account_rated("movie")}),
            (account + "/rated/tv", {"GET": self._account_rated("tv")}),
            (
                account + "/rated/tv/episodes",
                {"GET": self._account_rated("episode")},
            ),
            ("/3/movie/{movie_id:int}", {"GET": self._get_media}),
            ("/3/movie/{movie_id:int}/account_states", {"GET": self._states}),
            (
                "/3/movie/{movie_id:int}/rating",
                {"POST": self._rate, "DELETE": self._unrate},
            ),
            (tv, {"GET": self._get_media}),
            (tv + "/account_states", {"GET": self._states}),
            (tv + "/rating", {"POST": self._rate, "DELETE": self._unrate}),
            (season, {"GET": self._get_media}),
            (season + "/account_states", {"GET": self._season_states}),
            (episode, {"GET": self._get_media}),
            (episode + "/account_states", {"GET": self._states}),
            (
                episode + "/rating",
                {"POST": self._rate, "DELETE": self._unrate},
            ),
            (guest + "/movies", {"GET": self._guest_rated("movie")}),
            (guest + "/tv", {"GET": self._guest_rated("tv")}),
            (guest + "/tv/episodes", {"GET": self._guest_rated("episode")}),
            ("/3/list", {"POST": self._create_list}),
            (
                "/3/list/{list_id:int}",
                {"GET": self._get_list, "DELETE": self._delete_list},
            ),
            ("/3/list/{list_id:int}/item_status", {"GET": self._item_status}),
            ("/3/list/{list_id:int}/add_item", {"POST": self._add_item}),
            ("/3/list/{list_id:int}/remove_item", {"POST": self._remove_item}),
            ("/3/list/{list_id:int}/clear", {"POST": self._clear_list}),
            ("/3/configuration", {"GET": self._configuration}),
            ("/4/auth/request_token", {"POST": self._v4_request_token}),
            (
                "/4/auth/access_token",
                {"POST": self._v4_access_token, "DELETE": self._v4_logout},
            ),
            ("/authenticate/{token}", {"GET": self._approval_page}),
            (
                "/authenticate/{token}/allow",
                {"GET": self._allow_landing, "POST": self._allow},
            ),
            (
                "/authenticate/{token}/deny",
                {"GET": self._deny_landing, "POST": self._deny},
            ),
            ("/auth/access", {"GET": self._v4_page}),
            (
                "/auth/access/approve",
                {"GET": self._v4_landing, "POST": self._v4_allow},
            ),
            (
                "/auth/access/deny",
                {"GET": self._v4_landing, "POST": self._v4_deny},
            ),
        ]
        return [_Route(template, handlers) for template, handlers in table]

    # --- /3/authentication ------------------------------------------------

    def _validate_key(self, _call: _Call) -> Response:
        if self.settings.auth_body == "minimal":
            return json_response(200, {"success": True})
        return _status(1)

    def _new_guest(self, _call: _Call) -> Response:
        s = self._new_session("guest")
        return json_response(
            200,
            {
                "success": True,
                "guest_session_id": s.id,
                "expires_at": timestamp(s.expires),
            },
        )

    def _new_token(self, call: _Call) -> Response:
        now = self.now()
        t = _Token(secrets.token_hex(20), call.api_key, now, now + _TOKEN_TTL)
        self._tokens[t.value] = t
        base = self.settings.callback_base or self.base_url
        return json_response(
            200,
            {
                "success": True,
                "expires_at": timestamp(t.expires),
                "request_token": t.value,
            },
            [("Authentication-Callback", f"{base}/authenticate/{t.value}")],
        )

    def _v3_token(self, call: _Call, value: object) -> _Token | None:
        t = self._tokens.get(value) if isinstance(value, str) else None
        if t is None or t.version != 3 or t.api_key != call.api_key:
            return None
        return t if self._token_live(t) else None

    def _validate_with_login(self, call: _Call) -> Response:
        """
        Approve a request token with a login: 26, then 33, then 30/31/32.
        """
        username = _text(self._field(call, "username"))
        password = _text(self._field(call, "password"))
        if not username or not password:
            raise _fail(26)
        t = self._v3_token(call, self._field(call, "request_token"))
        if t is None or t.state == "denied":
            raise _fail(33)
        user = self._users.get(username)
        if user is None or not hmac.compare_digest(
            user.password.encode(), password.encode()
        ):
            raise _fail(30)
        if user.disabled:
            raise _fail(31)
        if not user.verified:
            raise _fail(32)
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

    def _new_user_session(self, call: _Call) -> Response:
        t = self._v3_token(call, self._field(call, "request_token"))
        if t is None or t.state != "approved" or t.username is None:
            raise _fail(17)
        t.state = "consumed"
        s = self._new_session("user", t.username)
        return json_response(200, {"success": True, "session_id": s.id})

    def _convert_v4(self, call: _Call) -> Response:
        token = _text(self._field(call, "access_token")) or ""
        found = self._bearer(token)
        if found is None or found[1] != "access":
            raise _fail(36)
        jti = str((jwt_decode(self.secret, token) or {}).get("jti"))
        s = self._new_session("user", self._access[jti].username)
        return json_response(200, {"success": True, "session_id": s.id})

    def _delete_session(self, call: _Call) -> Response:
        session_id = _text(self._field(call, "session_id", query=True))
        s = self._sessions.get(session_id) if session_id else None
        if s is None or s.kind != "user":
            status, code = self.settings.delete_unknown_session
            raise _fail(code, status)
        del self._sessions[s.id]
        return json_response(200, {"success": True})

    # --- /4/auth ----------------------------------------------------------

    def _v4_request_token(self, call: _Call) -> Response:
        redirect_to = _text(self._field(call, "redirect_to"))
        now = self.now()
        payload = {
            "aud": call.api_key,
            "nbf": round(now, 6),
            "jti": secrets.token_hex(12),
            "scopes": ["pending_request_token"],
            "version": 2,
            "exp": int(now) + int(_V4_TOKEN_TTL),
            "redirect_to": redirect_to,
        }
        value = jwt_encode(self.secret, payload)
        self._tokens[value] = _Token(
            value,
            call.api_key,
            now,
            now + _V4_TOKEN_TTL,
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

    def _v4_access_token(self, call: _Call) -> Response:
        """
        Exchange an approved v4 request token: 401/33 if invalid, 422/41
        if not approved.
        """
        value = self._field(call, "request_token")
        t = self._tokens.get(value) if isinstance(value, str) else None
        if (
            t is None
            or t.version != 4
            or t.api_key != call.api_key
            or not self._token_live(t)
        ):
            raise _fail(33)
        if t.state != "approved" or t.username is None:
            raise _fail(41)
        t.state = "consumed"
        payload = jwt_decode(self.secret, t.value) or {}
        jti = str(payload.get("jti"))
        account_id = self._object_id("user:" + t.username)
        access = {
            "aud": call.api_key,
            "nbf": round(self.now(), 6),
            "jti": jti,
            "sub": account_id,
            "scopes": ["api_read", "api_write"],
            "version": 2,
        }
        self._access[jti] = _AccessToken(t.username, call.api_key)
        return json_response(
            200,
            {
                "access_token": jwt_encode(self.secret, access),
                "account_id": account_id,
                "status_code": 1,
                "status_message": "Success.",
                "success": True,
            },
        )

    def _v4_logout(self, call: _Call) -> Response:
        token = _text(self._field(call, "access_token")) or ""
        found = self._bearer(token)
        if found is None or found[1] != "access":
            raise _fail(35)
        jti = str((jwt_decode(self.secret, token) or {}).get("jti"))
        del self._access[jti]
        return _status(13)

    # --- account ----------------------------------------------------------

    def _get_account(self, call: _Call) -> Response:
        user = self._account(call)
        md5 = hashlib.md5(user.username.encode(), usedforsecurity=False)
        return json_response(
            200,
            {
                "avatar": {
                    "gravatar": {"hash": md5.hexdigest()},
                    "tmdb": {"avatar_path": None},
                },
                "id": user.id,
                "iso_639_1": "en",
                "iso_3166_1": "US",
                "name": "",
                "include_adult": False,
                "username": user.username,
            },
        )

    def _account_lists(self, call: _Call) -> Response:
        user = self._account(call)
        rows = [
            (lst.created, self._list_summary(lst))
            for lst in self._lists.values()
            if lst.owner == user.username
        ]
        return self._paged(call, rows)

    def _mark(self, kind: str) -> Handler:
        def handler(call: _Call) -> Response:
            user = self._account(call)
            media_type = self._field(call, "media_type")
            media_id = _as_int(self._field(call, "media_id"))
            flag = _as_bool(self._field(call, kind))
            if (
                media_type not in ("movie", "tv")
                or media_id is None
                or flag is None
            ):
                raise _fail(5)
            catalogue = _data.MOVIES if media_type == "movie" else _data.TV
            if media_id not in catalogue:
                raise _fail(34)
            marks = self._marks.setdefault(user.username, {})
            key = (kind, str(media_type), media_id)
            if not flag:
                marks.pop(key, None)
                return _status(13)
            if key in marks:
                return _status(12)
            marks[key] = self.now()
            return _status(1, 201)

        return handler

    def _marked(self, kind: str, media_type: str) -> Handler:
        def handler(call: _Call) -> Response:
            user = self._account(call)
            marks = self._marks.get(user.username, {})
            rows = [
                (created, self._summary(media_type, media_id))
                for (k, t, media_id), created in marks.items()
                if k == kind and t == media_type
            ]
            return self._paged(call, rows)

        return handler

    def _account_rated(self, media_type: str) -> Handler:
        def handler(call: _Call) -> Response:
            user = self._account(call)
            return self._rated_rows(
                call, _Actor("user", user.username), media_type
            )

        return handler

    def _guest_rated(self, media_type: str) -> Handler:
        def handler(call: _Call) -> Response:
            s = self._live(call.params["guest_session_id"], "guest")
            s.used = True
            return self._rated_rows(call, _Actor("guest", s.id), media_type)

        return handler

    def _rated_rows(
        self, call: _Call, actor: _Actor, media_type: str
    ) -> Response:
        rows = []
        for (who, media), (value, created) in self._ratings.items():
            if who != actor or media[0] != media_type:
                continue
            if media_type == "episode":
                tv_id, season, number = (int(str(m)) for m in media[1:])
                ep = dict(
                    _data.TV[tv_id]["seasons"][season]["episodes"][number]
                )
                item = {**ep, "rating": value}
            else:
                item = {
                    **self._summary(media_type, int(str(media[1]))),
                    "rating": value,
                }
            rows.append((created, item))
        return self._paged(call, rows)

    @staticmethod
    def _summary(media_type: str, media_id: int) -> dict[str, Any]:
        if media_type == "movie":
            return _movie_summary(_data.MOVIES[media_id])
        return _tv_summary(_data.TV[media_id])

    # --- media, ratings, account states ----------------------------------

    def _media(self, call: _Call) -> tuple[tuple[object, ...], dict[str, Any]]:
        p = {k: int(v) for k, v in call.params.items()}
        if "movie_id" in p:
            movie = _data.MOVIES.get(p["movie_id"])
            if movie is None:
                raise _fail(34)
            return ("movie", p["movie_id"]), movie
        show = _data.TV.get(p["tv_id"])
        if show is None:
            raise _fail(34)
        if "season" not in p:
            return ("tv", p["tv_id"]), show
        season = show["seasons"].get(p["season"])
        if season is None:
            raise _fail(34)
        if "episode" not in p:
            return ("season", p["tv_id"], p["season"]), season
        ep = season["episodes"].get(p["episode"])
        if ep is None:
            raise _fail(34)
        return ("episode", p["tv_id"], p["season"], p["episode"]), ep

    def _get_media(self, call: _Call) -> Response:
        media, record = self._media(call)
        if media[0] == "tv":
            return json_response(200, _strip_tv(record))
        if media[0] == "season":
            out = {k: v for k, v in record.items() if k != "episodes"}
            out["episodes"] = list(record["episodes"].values())
            return json_response(200, out)
        return json_response(200, record)

    def _configuration(self, _call: _Call) -> Response:
        return json_response(200, _data.CONFIGURATION)

    def _rating_value(self, call: _Call) -> float:
        raw = self._field(call, "value")
        if isinstance(raw, str):
            try:
                raw = float(raw)
            except ValueError:
                raise _fail(5) from None
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise _fail(5)
        value = float(raw)
        if not math.isfinite(value):
            raise _fail(5)
        if value <= 0:
            message = "Value too low: Value must be greater than 0.0."
        elif value > 10:
            message = (
                "Value too high: Value must be less than, or equal to 10.0."
            )
        elif not (value * 2).is_integer():
            message = "Value invalid: Values must be a multiple of 0.50."
        else:
            return value
        raise _Reject(json_response(400, error_body(18, message)))

    def _rate(self, call: _Call) -> Response:
        actor = self._actor(call, guest=True)
        value = self._rating_value(call)
        media, _ = self._media(call)
        key = (actor, media)
        old = self._ratings.get(key)
        self._ratings[key] = (value, old[1] if old else self.now())
        return _status(12) if old else _status(1, 201)

    def _unrate(self, call: _Call) -> Response:
        actor = self._actor(call, guest=True)
        media, _ = self._media(call)
        self._ratings.pop((actor, media), None)
        return _status(13)

    def _state_of(
        self, actor: _Actor, media: tuple[object, ...]
    ) -> dict[str, Any]:
        rating = self._ratings.get((actor, media))
        rated: object = {"value": rating[0]} if rating else False
        if media[0] == "episode":
            return {"id": None, "rated": rated}
        marks = self._marks.get(actor.name, {}) if actor.kind == "user" else {}
        media_type, media_id = str(media[0]), int(str(media[1]))
        return {
            "id": media_id,
            "favorite": ("favorite", media_type, media_id) in marks,
            "rated": rated,
            "watchlist": ("watchlist", media_type, media_id) in marks,
        }

    def _states(self, call: _Call) -> Response:
        actor = self._actor(call, guest=True)
        media, record = self._media(call)
        body = self._state_of(actor, media)
        body["id"] = record["id"]
        return json_response(200, body)

    def _season_states(self, call: _Call) -> Response:
        actor = self._actor(call, guest=True)
        media, season = self._media(call)
        results = []
        for number, ep in season["episodes"].items():
            rating = self._ratings.get(
                (actor, ("episode", media[1], media[2], number))
            )
            rated: object = {"value": rating[0]} if rating else False
            results.append(
                {"id": ep["id"], "episode_number": number, "rated": rated}
            )
        return json_response(200, {"id": season["id"], "results": results})

    # --- lists ------------------------------------------------------------

    @staticmethod
    def _list_summary(lst: _List) -> dict[str, Any]:
        return {
            "description": lst.description,
            "favorite_count": 0,
            "id": lst.id,
            "item_count": len(lst.items),
            "iso_639_1": lst.language,
            "list_type": "movie",
            "name": lst.name,
            "poster_path": None,
        }

    def _create_list(self, call: _Call) -> Response:
        actor = self._actor(call, guest=False)
        name = self._field(call, "name")
        if not isinstance(name, str) or not name.strip():
            raise _fail(5)
        lst = _List(
            self._next_list_id,
            actor.name,
            name,
            _text(self._field(call, "description")) or "",
            _text(self._field(call, "language")) or "en",
            self.now(),
        )
        self._next_list_id += 1
        self._lists[lst.id] = lst
        return json_response(
            201,
            {
                "status_message": "The item/record was created successfully.",
                "success": True,
                "status_code": 1,
                "list_id": lst.id,
            },
        )

    def _find_list(self, call: _Call, owner: _Actor | None = None) -> _List:
        lst = self._lists.get(int(call.params["list_id"]))
        if lst is None:
            raise _fail(34)
        if owner is not None and lst.owner != owner.name:
            raise _fail(38)
        return lst

    def _get_list(self, call: _Call) -> Response:
        lst = self._find_list(call)
        items = [
            {**_movie_summary(_data.MOVIES[i]), "media_type": "movie"}
            for i in lst.items
        ]
        return json_response(
            200,
            {
                "created_by": lst.owner,
                "description": lst.description,
                "favorite_count": 0,
                "id": lst.id,
                "items": items,
                "item_count": len(items),
                "iso_639_1": lst.language,
                "name": lst.name,
                "poster_path": None,
            },
        )

    def _item_status(self, call: _Call) -> Response:
        lst = self._find_list(call)
        movie_id = _as_int(call.req.query.get("movie_id"))
        if movie_id is None:
            raise _fail(5)
        return json_response(
            200, {"id": lst.id, "item_present": movie_id in lst.items}
        )

    def _delete_list(self, call: _Call) -> Response:
        actor = self._actor(call, guest=False)
        lst = self._find_list(call, actor)
        del self._lists[lst.id]
        return _status(12)

    def _list_item(self, call: _Call) -> tuple[_List, int]:
        actor = self._actor(call, guest=False)
        media_id = _as_int(self._field(call, "media_id"))
        if media_id is None:
            raise _fail(5)
        lst = self._find_list(call, actor)
        if media_id not in _data.MOVIES:
            raise _fail(34)
        return lst, media_id

    def _add_item(self, call: _Call) -> Response:
        lst, media_id = self._list_item(call)
        if media_id in lst.items:
            raise _fail(8)
        lst.items.append(media_id)
        return _status(12)

    def _remove_item(self, call: _Call) -> Response:
        lst, media_id = self._list_item(call)
        if media_id not in lst.items:
            return _status(21)
        lst.items.remove(media_id)
        return _status(13)

    def _clear_list(self, call: _Call) -> Response:
        actor = self._actor(call, guest=False)
        if call.req.query.get("confirm") != "true":
            raise _fail(29)
        lst = self._find_list(call, actor)
        lst.items.clear()
        return _status(12)

    # --- approval pages (the website, not the API) ----------------------

    def _web_token(self, call: _Call, version: int = 3) -> _Token:
        value = call.params.get("token") or call.req.query.get("request_token")
        if version == 4 and not value:
            value = _text(self._body(call).get("request_token"))
        t = self._tokens.get(value or "")
        if t is None or t.version != version or not self._token_live(t):
            raise _Reject(
                _html(
                    404,
                    "Page not found",
                    "<p>This request token is invalid, expired or already used.</p>",
                )
            )
        return t

    def _redirect_to(self, call: _Call) -> str | None:
        body = self._body(call) if call.req.method == "POST" else {}
        value = _text(body.get("redirect_to")) or call.req.query.get(
            "redirect_to"
        )
        if value and any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise _Reject(
                _html(400, "Bad request", "<p>Invalid redirect_to.</p>")
            )
        return value or None

    def _page_for(
        self, t: _Token, action: str, redirect_to: str | None
    ) -> Response:
        key = self._keys.get(t.api_key)
        app = key.app_name if key else "An application"
        hidden_name = "redirect_to" if t.version == 3 else "request_token"
        hidden_value = (redirect_to or "") if t.version == 3 else t.value
        hidden = (
            f'<input type="hidden" name="{hidden_name}" '
            f'value="{html.escape(hidden_value)}">'
        )
        forms = "\n".join(
            f'<form method="post" action="{html.escape(action.format(verb))}">'
            f"{hidden}"
            f'<button id="{button}" type="submit" name="action" value="{button}">'
            f"{label}</button></form>"
            for verb, button, label in (
                ("allow" if t.version == 3 else "approve", "allow", "Approve"),
                ("deny", "deny", "Deny"),
            )
        )
        who = html.escape(self.default_user)
        content = (
            f'<p id="app"><strong>{html.escape(app)}</strong> is asking for '
            "permission to use your TMDB account.</p>\n"
            f'<p id="user">Signed in as {who}.</p>\n{forms}'
        )
        return _html(200, "Approve access", content)

    def _approval_page(self, call: _Call) -> Response:
        t = self._web_token(call)
        action = "/authenticate/" + quote(t.value) + "/{}"
        return self._page_for(t, action, self._redirect_to(call))

    def _allow(self, call: _Call) -> Response:
        t = self._web_token(call)
        redirect_to = self._redirect_to(call)
        t.state = "approved"
        t.username = t.username or self.default_user
        if redirect_to:
            extra = [("request_token", t.value), ("approved", "true")]
            return _redirect(_add_query(redirect_to, extra))
        return _redirect(f"/authenticate/{t.value}/allow")

    def _deny(self, call: _Call) -> Response:
        t = self._web_token(call)
        redirect_to = self._redirect_to(call)
        t.state = "denied"
        t.username = None
        if redirect_to:
            extra = [("request_token", t.value)]
            if self.settings.deny_param:
                extra.append((self.settings.deny_param, "true"))
            return _redirect(_add_query(redirect_to, extra))
        return _redirect(f"/authenticate/{t.value}/deny")

    def _allow_landing(self, call: _Call) -> Response:
        t = self._web_token(call)
        if t.state != "approved":
            return self._approval_page(call)
        response = _html(
            200,
            "Approved",
            "<p>You have approved this application. "
            "You can close this window.</p>",
        )
        callback = f"{self.base_url}/3/authentication/session/new?request_token={t.value}"
        response.headers.append(("Authentication-Callback", callback))
        return response

    def _deny_landing(self, call: _Call) -> Response:
        t = self._web_token(call)
        if t.state != "denied":
            return self._approval_page(call)
        return _html(
            200, "Denied", "<p>You have denied this application access.</p>"
        )

    def _v4_page(self, call: _Call) -> Response:
        t = self._web_token(call, 4)
        return self._page_for(t, "/auth/access/{}", None)

    def _v4_allow(self, call: _Call) -> Response:
        t = self._web_token(call, 4)
        t.state = "approved"
        t.username = t.username or self.default_user
        return _redirect(t.redirect_to or "/auth/access/approve")

    def _v4_deny(self, call: _Call) -> Response:
        t = self._web_token(call, 4)
        t.state = "denied"
        t.username = None
        return _redirect(t.redirect_to or "/auth/access/deny")

    def _v4_landing(self, call: _Call) -> Response:
        approved = call.req.path.endswith("/approve")
        title = "Approved" if approved else "Denied"
        return _html(200, title, f"<p>{title}. You can close this window.</p>")
