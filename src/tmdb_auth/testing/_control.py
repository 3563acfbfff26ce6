"""
The control API of the stand-in: its test controls over HTTP, under
``/_tmdb/``, for tests in another process or language.

Strictly private.  JSON in, JSON out; errors are ``{"error": "..."}`` with
400 (bad input), 404, 405 or 415.  It answers only on a loopback server
(``TMDbServer(control=...)``), only to requests whose ``Host`` is a
loopback name, and takes bodies only as ``application/json`` (which a web
page cannot send across origins without asking first), so neither the
network nor a browser tab can drive it.  Its calls are not logged, counted,
rate-limited or failed by faults.
"""

from __future__ import annotations

import json
import math

from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from ._app._catalogue import tv_detail
from ._app._core import timestamp
from ._wire import RecordedRequest, Response, json_response


if TYPE_CHECKING:
    from ._server import TMDbServer
    from ._traffic import Traffic


__all__ = ["CONTROL_PREFIX", "ENDPOINTS", "Control"]

CONTROL_PREFIX = "/_tmdb"

#: (method, path, what it does), as the index and the docs list them.
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("GET", "/_tmdb/", "this list"),
    ("GET", "/_tmdb/state", "URL, key, read token, users, clock, counts, "
     "rate limit, pending faults"),
    ("POST", "/_tmdb/reset", 'back to the start: {} (or {"what": "traffic"}: '
     "only the log, counters and faults)"),
    ("GET", "/_tmdb/users", "the users, with their passwords"),
    ("POST", "/_tmdb/users", 'add a user: {"username", "password", '
     '"verified"?, "disabled"?}'),
    ("POST", "/_tmdb/api_keys", 'add a key: {"key"?, "suspended"?} -> '
     '{"api_key", "read_token"}'),
    ("POST", "/_tmdb/tokens/approve", 'approve a request token: '
     '{"request_token", "username"?}'),
    ("POST", "/_tmdb/tokens/deny", 'deny a request token: '
     '{"request_token"}'),
    ("POST", "/_tmdb/sessions/revoke", 'revoke: {"session_id"} or '
     '{"all": true}'),
    ("POST", "/_tmdb/sessions/expire_guests", "expire every guest session"),
    ("POST", "/_tmdb/sessions/check", '{"session_id"} -> {"valid"}'),
    ("GET", "/_tmdb/clock", '{"now", "time"}: the server clock'),
    ("POST", "/_tmdb/clock", 'move it forward: {"advance": seconds}'),
    ("GET", "/_tmdb/faults", "the pending faults"),
    ("POST", "/_tmdb/faults", 'fail the next calls: {"path", "count"?, '
     '"method"?, "status"?, "json"?, "body"?, "content_type"?, '
     '"headers"?, "drop"?, "delay"?}'),
    ("GET", "/_tmdb/rate_limit", '{"per_second", "burst"} or null'),
    ("PUT", "/_tmdb/rate_limit", '{"per_second": n or null, "burst"?}'),
    ("PATCH", "/_tmdb/settings", '{"session_delay"?, "retry_after"?}'),
    ("GET", "/_tmdb/requests", 'the log: ?path=&method= -> {"requests"}'),
    ("GET", "/_tmdb/counts", '?path=&method= -> {"requests", '
     '"sessions_created"}'),
    ("POST", "/_tmdb/movies", "add a movie: the fields of add_movie()"),
    ("POST", "/_tmdb/tv", "add a TV show: the fields of add_tv()"),
)  # fmt: skip

_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


class _Bad(Exception):
    """
    A control call that cannot be done: answer *status* with *message*.
    """

    def __init__(
        self,
        message: str,
        status: int = 400,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or []


def _error(message: str, status: int) -> Response:
    return json_response(status, {"error": message})


def _loopback_host(header: str) -> bool:
    host = header.strip().lower()
    if host.startswith("["):
        name = host.partition("]")[0] + "]"
    else:
        name = host.rpartition(":")[0] if ":" in host else host
    return name in _LOOPBACK_HOSTS or name.startswith("127.")


def _want(
    body: dict[str, Any], name: str, kind: type | tuple[type, ...]
) -> Any:
    """
    ``body[name]`` if it is a *kind* (never a bool), else 400.
    """
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        what = getattr(kind, "__name__", "number")
        raise _Bad(f"{name!r} must be a {what}")
    return value


def _maybe(
    body: dict[str, Any], name: str, kind: type | tuple[type, ...]
) -> Any:
    return None if body.get(name) is None else _want(body, name, kind)


def _record(r: RecordedRequest) -> dict[str, Any]:
    return {
        "method": r.method,
        "path": r.path,
        "query": r.query,
        "headers": r.headers,
        "body": r.body.decode("utf-8", "replace"),
    }


class Control:
    """
    Answers ``/_tmdb/`` requests with the controls of *server*.
    """

    def __init__(self, server: TMDbServer, traffic: Traffic) -> None:
        self._server = server
        self._traffic = traffic
        self._routes: dict[str, dict[str, Callable[..., object]]] = {
            "/": {"GET": self._index},
            "/state": {"GET": self._state},
            "/reset": {"POST": self._reset},
            "/users": {"GET": self._users, "POST": self._add_user},
            "/api_keys": {"POST": self._add_key},
            "/tokens/approve": {"POST": self._approve},
            "/tokens/deny": {"POST": self._deny},
            "/sessions/revoke": {"POST": self._revoke},
            "/sessions/expire_guests": {"POST": self._expire},
            "/sessions/check": {"POST": self._check},
            "/clock": {"GET": self._clock, "POST": self._advance},
            "/faults": {"GET": self._faults, "POST": self._fail},
            "/rate_limit": {"GET": self._rate, "PUT": self._set_rate},
            "/settings": {"PATCH": self._settings},
            "/requests": {"GET": self._requests},
            "/counts": {"GET": self._counts},
            "/movies": {"POST": self._add_movie},
            "/tv": {"POST": self._add_tv},
        }

    def handle(self, req: RecordedRequest) -> Response:
        """
        Answer one control request.
        """
        try:
            result = self._action(req)(self._body(req), req.query)
        except _Bad as bad:
            response = _error(str(bad), bad.status)
            response.headers.extend(bad.headers)
            return response
        except (ValueError, TypeError) as e:
            return _error(str(e), 400)
        if isinstance(result, Response):
            return result
        return json_response(200, result)

    def _action(self, req: RecordedRequest) -> Callable[..., object]:
        if not _loopback_host(req.headers.get("host", "")):
            raise _Bad("the control API answers loopback names only", 403)
        sub = req.path[len(CONTROL_PREFIX) :] or "/"
        methods = self._routes.get(sub)
        if methods is None:
            raise _Bad(f"no control endpoint {req.path}; see GET /_tmdb/", 404)
        action = methods.get(req.method)
        if action is None:
            allow = [("Allow", ", ".join(sorted(methods)))]
            raise _Bad(f"{req.method} is not allowed here", 405, allow)
        return action

    @staticmethod
    def _body(req: RecordedRequest) -> dict[str, Any]:
        if not req.body.strip():
            return {}
        ctype = req.headers.get("content-type", "").split(";")[0].strip()
        if ctype.lower() != "application/json":
            raise _Bad("send the body as Content-Type: application/json", 415)
        try:
            body = json.loads(req.body)
        except ValueError:
            raise _Bad("the body is not JSON") from None
        if not isinstance(body, dict):
            raise _Bad("the body must be a JSON object")
        return body

    # --- overview ---------------------------------------------------------

    def _index(self, _body: dict[str, Any], _query: dict[str, str]) -> object:
        return {
            "endpoints": [
                {"method": m, "path": p, "does": d} for m, p, d in ENDPOINTS
            ]
        }

    def _state(self, _body: dict[str, Any], _query: dict[str, str]) -> object:
        server = self._server
        return {
            "url": server.url,
            "api_key": server.api_key,
            "read_token": server.read_token,
            "username": server.username,
            "users": self._users({}, {})["users"],
            "now": server.now,
            "sessions_created": server.sessions_created,
            "requests": server.count(),
            "rate_limit": self._rate({}, {}),
            "session_delay": server.session_delay,
            "retry_after": server.retry_after,
            "faults": self._faults({}, {})["faults"],
        }

    def _reset(self, body: dict[str, Any], _query: dict[str, str]) -> object:
        what = body.get("what", "all")
        if what not in ("all", "traffic"):
            raise _Bad("'what' must be 'all' or 'traffic'")
        self._server.reset("start" if what == "all" else None)
        return {"reset": what}

    # --- users, keys, tokens, sessions -------------------------------------

    def _users(
        self, _body: dict[str, Any], _query: dict[str, str]
    ) -> dict[str, list[dict[str, Any]]]:
        return {"users": [asdict(u) for u in self._server.users]}

    def _add_user(
        self, body: dict[str, Any], _query: dict[str, str]
    ) -> object:
        user = self._server.add_user(
            _want(body, "username", str),
            _want(body, "password", str),
            verified=bool(body.get("verified", True)),
            disabled=bool(body.get("disabled", False)),
        )
        return json_response(201, asdict(user))

    def _add_key(self, body: dict[str, Any], _query: dict[str, str]) -> object:
        key = self._server.add_api_key(
            _maybe(body, "key", str), suspended=bool(body.get("suspended"))
        )
        return json_response(
            201,
            {"api_key": key, "read_token": self._server.read_token_for(key)},
        )

    def _approve(self, body: dict[str, Any], _query: dict[str, str]) -> object:
        token = _want(body, "request_token", str)
        self._server.approve(token, username=_maybe(body, "username", str))
        return {"approved": True}

    def _deny(self, body: dict[str, Any], _query: dict[str, str]) -> object:
        self._server.deny(_want(body, "request_token", str))
        return {"denied": True}

    def _revoke(self, body: dict[str, Any], _query: dict[str, str]) -> object:
        if body.get("all") is True:
            self._server.revoke_all_sessions()
        else:
            self._server.revoke_session(_want(body, "session_id", str))
        return {"revoked": True}

    def _expire(self, _body: dict[str, Any], _query: dict[str, str]) -> object:
        self._server.expire_guest_sessions()
        return {"expired": True}

    def _check(self, body: dict[str, Any], _query: dict[str, str]) -> object:
        session_id = _want(body, "session_id", str)
        return {"valid": self._server.session_is_valid(session_id)}

    # --- clock, faults, rate limit, settings --------------------------------

    def _clock(self, _body: dict[str, Any], _query: dict[str, str]) -> object:
        now = self._server.now
        return {"now": now, "time": timestamp(now)}

    def _advance(self, body: dict[str, Any], query: dict[str, str]) -> object:
        seconds = _want(body, "advance", (int, float))
        self._server.advance(float(seconds))
        return self._clock(body, query)

    def _faults(
        self, _body: dict[str, Any], _query: dict[str, str]
    ) -> dict[str, list[dict[str, Any]]]:
        out = []
        for fault, remaining in self._traffic.faults():
            item = asdict(fault)
            if fault.body is not None:
                item["body"] = fault.body.decode("utf-8", "replace")
            out.append({**item, "remaining": remaining})
        return {"faults": out}

    def _fail(self, body: dict[str, Any], _query: dict[str, str]) -> object:
        raw = _maybe(body, "body", str)
        headers = _maybe(body, "headers", dict) or {}
        if not all(isinstance(v, str) for v in headers.values()):
            raise _Bad("'headers' must map names to strings")
        status = body.get("status", 500)
        if status is not None and (
            not isinstance(status, int) or isinstance(status, bool)
        ):
            raise _Bad("'status' must be an HTTP status or null")
        self._server.fail_next(
            _want(body, "path", str),
            int(body.get("count", 1)),
            method=_maybe(body, "method", str),
            status=status,
            json=body.get("json"),
            body=raw.encode() if raw is not None else None,
            content_type=_maybe(body, "content_type", str)
            or "application/json; charset=utf-8",
            headers=headers,
            drop=bool(body.get("drop", False)),
            delay=float(body.get("delay", 0.0)),
        )
        return json_response(201, self._faults({}, {}))

    def _rate(self, _body: dict[str, Any], _query: dict[str, str]) -> object:
        limit = self._traffic.rate_limit
        if limit is None:
            return None
        return {"per_second": limit[0], "burst": limit[1]}

    def _set_rate(self, body: dict[str, Any], query: dict[str, str]) -> object:
        if "per_second" not in body:
            raise _Bad("give 'per_second' (a number, or null to turn it off)")
        rate = _maybe(body, "per_second", (int, float))
        self._server.set_rate_limit(
            None if rate is None else float(rate),
            burst=_maybe(body, "burst", int),
        )
        return self._rate(body, query)

    def _settings(
        self, body: dict[str, Any], _query: dict[str, str]
    ) -> object:
        unknown = set(body) - {"session_delay", "retry_after"}
        if unknown:
            raise _Bad(f"unknown setting {min(unknown)!r}")
        if "session_delay" in body:
            delay = float(_want(body, "session_delay", (int, float)))
            if not delay >= 0 or not math.isfinite(delay):
                raise _Bad("'session_delay' must be a number >= 0")
            self._server.session_delay = delay
        if "retry_after" in body:
            after = _maybe(body, "retry_after", int)
            if after is not None and after < 0:
                raise _Bad("'retry_after' must be >= 0 or null")
            self._server.retry_after = after
        return {
            "session_delay": self._server.session_delay,
            "retry_after": self._server.retry_after,
        }

    # --- the log ------------------------------------------------------------

    def _requests(
        self, _body: dict[str, Any], query: dict[str, str]
    ) -> object:
        path, method = query.get("path"), query.get("method")
        return {
            "requests": [
                _record(r)
                for r in self._server.requests
                if path in (None, r.path) and method in (None, r.method)
            ]
        }

    def _counts(self, _body: dict[str, Any], query: dict[str, str]) -> object:
        return {
            "requests": self._server.count(
                query.get("path"), query.get("method")
            ),
            "sessions_created": self._server.sessions_created,
        }

    # --- data ---------------------------------------------------------------

    def _add_movie(
        self, body: dict[str, Any], _query: dict[str, str]
    ) -> object:
        fields = dict(body)
        title = fields.pop("title", None)
        if not isinstance(title, str):
            raise _Bad("'title' must be a str")
        return json_response(201, self._server.add_movie(title, **fields))

    def _add_tv(self, body: dict[str, Any], _query: dict[str, str]) -> object:
        fields = dict(body)
        name = fields.pop("name", None)
        if not isinstance(name, str):
            raise _Bad("'name' must be a str")
        return json_response(
            201, tv_detail(self._server.add_tv(name, **fields))
        )
