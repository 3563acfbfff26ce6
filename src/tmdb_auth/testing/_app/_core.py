"""
What every concept module of the stand-in's TMDb application builds on.

Strictly private.  A request becomes a `Call` (the request plus what the
checks found out about it); a handler answers it with a
`~tmdb_auth.testing._wire.Response` or raises `Reject`.  Each concept
module declares its endpoints in its own `Routes`; `Router` merges them.
Also here: JWTs (HS256, as TMDb's v4 tokens), TMDb's timestamps, and the
lenient readers of request values.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import time

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from tmdb_auth.testing._codes import error_response
from tmdb_auth.testing._wire import RecordedRequest, Response, json_response


if TYPE_CHECKING:
    from ._state import State


__all__ = [
    "PAGE_SIZE",
    "Call",
    "Handler",
    "Reject",
    "Router",
    "Routes",
    "as_bool",
    "as_int",
    "by_date",
    "fail",
    "jwt_decode",
    "jwt_encode",
    "paged",
    "text",
    "timestamp",
]

PAGE_SIZE = 20
_MAX_PAGE = 500


class Reject(Exception):
    """
    Raised by a check or a handler: answer *response* instead.
    """

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def fail(code: int, status: int | None = None) -> Reject:
    """
    A `Reject` with TMDb's error body for *code*.
    """
    return Reject(error_response(code, status))


def timestamp(epoch: float) -> str:
    """
    Format *epoch* as TMDb does: ``YYYY-MM-DD HH:MM:SS UTC``.
    """
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))


# --- request values ----------------------------------------------------


def text(value: object) -> str | None:
    """
    A request value as text; ``None`` for a missing value or an object.
    """
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def as_int(value: object) -> int | None:
    """
    A request value as a non-negative int, or ``None``.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def as_bool(value: object) -> bool | None:
    """
    A request value as a bool (``true``/``1``/``false``/``0``), or ``None``.
    """
    if isinstance(value, bool):
        return value
    if value in ("true", "1", 1):
        return True
    if value in ("false", "0", 0):
        return False
    return None


@dataclass
class Call:
    """
    One request being answered, and what the checks found out about it.

    Attributes:
        req: The request.
        params: The path parameters of the matched route.
        lenient: Accept form bodies and query fields on writes.
        api_key: The application's key, once the credential check passed.
        bearer: ``"read"`` or ``"access"`` when a valid Bearer came along.
    """

    req: RecordedRequest
    params: dict[str, str]
    lenient: bool = True
    api_key: str = ""
    bearer: str | None = None
    _parsed: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        """
        The body as an object: JSON, or form fields where allowed.

        Raises:
            Reject: 5, the body is not a JSON object.
        """
        if self._parsed is not None:
            return self._parsed
        req = self.req
        parsed: dict[str, Any] = {}
        ctype = (
            req.headers.get("content-type", "").split(";")[0].strip().lower()
        )
        if req.method in ("GET", "HEAD") or not req.body.strip():
            pass
        elif ctype == "application/x-www-form-urlencoded":
            web = not req.path.startswith(("/3/", "/4/"))
            if self.lenient or web:
                form = req.body.decode("utf-8", "replace")
                parsed = dict(parse_qsl(form, keep_blank_values=True))
        else:
            try:
                loaded = json.loads(req.body)
            except ValueError:
                raise fail(5) from None
            if not isinstance(loaded, dict):
                raise fail(5)
            parsed = loaded
        self._parsed = parsed
        return parsed

    def field(self, name: str, *, query: bool = False) -> object:
        """
        A request field: the body first, then the query string.

        The query string counts on GET, or when *query* or the lenient
        setting allows it on other methods.
        """
        body = self.body()
        if name in body:
            return body[name]
        if self.req.method == "GET" or query or self.lenient:
            return self.req.query.get(name)
        return None

    def page(self) -> int:
        """
        The ``page`` query parameter: 400/22 below 1, 422 above 500.
        """
        page = as_int(self.req.query.get("page", "1"))
        if page is None or page < 1:
            raise fail(22)
        if page > _MAX_PAGE:
            raise Reject(
                json_response(
                    422, {"errors": ["page must be less than or equal to 500"]}
                )
            )
        return page


def paged(call: Call, results: Sequence[Mapping[str, Any]]) -> Response:
    """
    One page of *results* in TMDb's envelope, 20 to a page.
    """
    page = call.page()
    start = (page - 1) * PAGE_SIZE
    return json_response(
        200,
        {
            "page": page,
            "results": list(results[start : start + PAGE_SIZE]),
            "total_pages": math.ceil(len(results) / PAGE_SIZE),
            "total_results": len(results),
        },
    )


def by_date(
    call: Call, rows: Iterable[tuple[float, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """
    The items of (created, item) *rows*, oldest first; newest first with
    ``sort_by=created_at.desc``.
    """
    desc = call.req.query.get("sort_by", "").endswith(".desc")
    return [r[1] for r in sorted(rows, key=lambda r: r[0], reverse=desc)]


# --- routes ------------------------------------------------------------

Handler = Callable[["State", Call], Response]


class Routes:
    """
    The endpoints of one concept: path template -> method -> handler.

    A template's ``{name}`` matches one path segment, ``{name:int}``
    digits only.  Register with the decorator::

        routes = Routes()

        @routes("/3/movie/{movie_id:int}/rating", "POST")
        def rate(state: State, call: Call) -> Response: ...

    or, for a handler made by a factory, ``routes.add(template, "GET",
    handler)``.
    """

    def __init__(self) -> None:
        self.table: dict[str, dict[str, Handler]] = {}

    def add(self, template: str, method: str, handler: Handler) -> None:
        """
        Answer *method* on *template* with *handler*.

        Raises:
            ValueError: That method of that template is taken.
        """
        methods = self.table.setdefault(template, {})
        if method in methods:
            msg = f"{method} {template} is registered twice"
            raise ValueError(msg)
        methods[method] = handler

    def __call__(
        self, template: str, *methods: str
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for method in methods:
                self.add(template, method, handler)
            return handler

        return register


class Router:
    """
    The merged routes of every concept, matched to a request path.
    """

    def __init__(self, parts: Iterable[Routes]) -> None:
        merged = Routes()
        for part in parts:
            for template, methods in part.table.items():
                for method, handler in methods.items():
                    merged.add(template, method, handler)
        self._static: dict[str, dict[str, Handler]] = {}
        self._patterns: list[tuple[re.Pattern[str], dict[str, Handler]]] = []
        for template, methods in merged.table.items():
            if "{" in template:
                self._patterns.append((_compile(template), methods))
            else:
                self._static[template] = methods

    def match(
        self, path: str
    ) -> tuple[dict[str, Handler], dict[str, str]] | None:
        """
        The handlers by method and the path parameters, or ``None``.
        """
        methods = self._static.get(path)
        if methods is not None:
            return methods, {}
        for regex, methods in self._patterns:
            m = regex.fullmatch(path)
            if m:
                return methods, m.groupdict()
        return None


def _compile(template: str) -> re.Pattern[str]:
    def group(m: re.Match[str]) -> str:
        chars = "[0-9]+" if m.group(2) else "[^/]+"
        return f"(?P<{m.group(1)}>{chars})"

    return re.compile(re.sub(r"\{(\w+)(:int)?\}", group, template))


# --- JWTs (HS256) ------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


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
