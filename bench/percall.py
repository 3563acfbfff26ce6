"""
Per call: the cost of one call's authentication, without a network.

requests: ``auth(prepared)``, then the response hooks it registered
called as ``Session.send``'s ``dispatch_hook`` calls them (ours registers
one on session routes: its cost is part of the call). httpx: one drive of
``auth.sync_auth_flow(request)`` as the client does it (``next``, then
``send(response)`` until it stops). Each loop first restores the request's
URL; every case pays that alike.

The implementations of each (library, route):

* bare: no auth at all, the request already carrying the credential:
  what the loop costs by itself. httpx drives its no-op ``httpx.Auth()``
  then, as a client with no auth does.
* floor: the least possible work of an auth, hand-written: the credential
  already computed, appended (requests: one f-string; httpx: the same
  parsed-URL swap ours uses), or set as a precomputed header (Bearer).
* public (httpx): the same hand-written auth on httpx's public URL API
  (``copy_with``), as most hand-written auths are.
* ours, and peer (requests-auth / httpx-auth), query or header.

The goals of issue 15 item 4 are ratios per round: ours / floor, and for
the route decision, ours over 10,000 distinct movie paths / ours on one.
"""

from __future__ import annotations

import secrets

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import httpx
import httpx_auth
import requests
import requests_auth

from model import Area, Ref
from timing import Stat, Timer, interleaved, now, ratios

import tmdb_auth.httpx
import tmdb_auth.requests


__all__ = [
    "Credentials",
    "HandHttpx",
    "HandRequests",
    "credentials",
    "run",
]

API = "https://api.themoviedb.org"
#: Three kinds of call: (method, path and query).
ROUTES = {
    "read": ("GET", "/3/movie/550?language=en-US"),
    "session": ("POST", "/3/movie/550/rating"),
    "bearer": ("GET", "/3/movie/550?language=en-US"),
}
IMPLS = {
    "requests": ("bare", "floor", "ours", "peer"),
    "httpx": ("bare", "floor", "public", "ours", "peer"),
}
#: Distinct paths for the route decision's memo (it held 4,096).
DISTINCT = 10_000
#: What requests passes to response hooks (Session.send's keywords).
_SEND_KWARGS = {
    "stream": False,
    "timeout": None,
    "verify": True,
    "cert": None,
    "proxies": {},
}


@dataclass(frozen=True)
class Credentials:
    """A key, its read token and a user session id, as TMDb shapes them."""

    api_key: str
    read_token: str
    session_id: str


def credentials() -> Credentials:
    """Fresh credentials in TMDb's formats (the stand-in makes the token)."""
    from tmdb_auth.testing import TMDbServer

    server = TMDbServer()  # never started: only its key and token are used
    return Credentials(
        server.api_key, server.read_token, secrets.token_hex(20)
    )


class HandRequests(requests.auth.AuthBase):
    """A hand-written requests auth: precomputed text, appended or set."""

    def __init__(self, query: str = "", header: str = "") -> None:
        self._query = query
        self._header = header

    def __call__(
        self, r: requests.PreparedRequest
    ) -> requests.PreparedRequest:
        if self._header:
            r.headers["Authorization"] = self._header
        if self._query:
            url = r.url or ""
            r.url = f"{url}{'&' if '?' in url else '?'}{self._query}"
        return r


class HandHttpx(httpx.Auth):
    """
    A hand-written httpx auth that appends a precomputed query.

    httpx re-parses a URL on ``copy_with`` (tens of µs); by default this
    swaps the query in httpx's parsed form where that exists (every 0.2x
    release), as ours does. With *public*, it keeps to the public API, as
    most hand-written auths do.
    """

    def __init__(
        self, query: str = "", header: str = "", *, public: bool = False
    ) -> None:
        self._query = query.encode("ascii")
        self._text = query
        self._header = header
        probe = getattr(httpx.URL("https://h/"), "_uri_reference", None)
        self._fast = not public and hasattr(probe, "_replace")

    def auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        if self._header:
            request.headers["Authorization"] = self._header
        if self._query:
            url = request.url
            if self._fast:
                ref = url._uri_reference
                query = ref.query
                new = httpx.URL.__new__(httpx.URL)
                new._uri_reference = ref._replace(
                    query=f"{query}&{self._text}" if query else self._text
                )
                request.url = new
            else:
                raw = url.query
                request.url = url.copy_with(
                    query=raw + b"&" + self._query if raw else self._query
                )
        yield request


def _wire(c: Credentials, route: str) -> tuple[str, str]:
    """The query and the header that every implementation must produce."""
    if route == "bearer":
        return "", f"Bearer {c.read_token}"
    query = f"api_key={c.api_key}"
    if route == "session":
        query += f"&session_id={c.session_id}"
    return query, ""


def _ours(lib: str, c: Credentials, route: str) -> Any:
    module = tmdb_auth.requests if lib == "requests" else tmdb_auth.httpx
    if route == "bearer":
        return module.TMDbAuth(c.read_token, cache=None)
    if route == "session":
        return module.TMDbAuth(c.api_key, session_id=c.session_id, cache=None)
    return module.TMDbAuth(c.api_key, cache=None)


def _peer(lib: str, c: Credentials, route: str) -> Any:
    module: Any = requests_auth if lib == "requests" else httpx_auth
    if route == "bearer":
        return module.HeaderApiKey(f"Bearer {c.read_token}", "Authorization")
    auth = module.QueryApiKey(c.api_key)
    if route == "session":
        auth = auth + module.QueryApiKey(c.session_id, "session_id")
    return auth


def auth_for(lib: str, impl: str, c: Credentials, route: str) -> Any:
    """The auth object of one implementation (None: bare requests)."""
    query, header = _wire(c, route)
    if impl == "ours":
        return _ours(lib, c, route)
    if impl == "peer":
        return _peer(lib, c, route)
    if impl == "bare":
        return None if lib == "requests" else httpx.Auth()
    if lib == "requests":
        return HandRequests(query, header)
    return HandHttpx(query, header, public=impl == "public")


def _bare_url(url: str, query: str) -> str:
    if not query:
        return url
    return f"{url}{'&' if '?' in url else '?'}{query}"


def requests_timer(
    auth: Any,
    method: str,
    urls: list[str],
    headers: dict[str, str] | None = None,
) -> Timer:
    """
    Time ``auth(prepared)`` and the response hooks, cycling over *urls*.

    *auth* None: the bare loop (the URLs carry the credential already).
    """
    prepared = requests.Request(method, urls[0], headers=headers).prepare()
    response = requests.Response()
    response.status_code = 200
    response.request = prepared
    hooks = prepared.hooks["response"]
    count = len(urls)
    at = [0]

    def run(n: int) -> float:
        r, a, resp, kw, rh = prepared, auth, response, _SEND_KWARGS, hooks
        i = at[0]
        t0 = now()
        if a is None:
            for _ in range(n):
                r.url = urls[i]
                i = i + 1 if i + 1 < count else 0
        else:
            for _ in range(n):
                r.url = urls[i]
                i = i + 1 if i + 1 < count else 0
                a(r)
                if rh:  # what dispatch_hook does with them, then a new call
                    for hook in rh:
                        hook(resp, **kw)
                    rh.clear()
        elapsed = now() - t0
        at[0] = i
        return elapsed

    run(1)  # the first call warms the session cache
    return run


def httpx_timer(
    auth: httpx.Auth,
    method: str,
    urls: list[str],
    headers: dict[str, str] | None = None,
) -> Timer:
    """Time one drive of ``auth.sync_auth_flow``, cycling over *urls*."""
    parsed = [httpx.URL(u) for u in urls]
    request = httpx.Request(method, parsed[0], headers=headers)
    response = httpx.Response(200, request=request)
    count = len(parsed)
    at = [0]

    def run(n: int) -> float:
        r, a, resp = request, auth, response
        i = at[0]
        t0 = now()
        for _ in range(n):
            r.url = parsed[i]
            i = i + 1 if i + 1 < count else 0
            flow = a.sync_auth_flow(r)
            next(flow)
            try:  # noqa: SIM105 -- contextlib.suppress would be timed too
                flow.send(resp)
            except StopIteration:
                pass
        elapsed = now() - t0
        at[0] = i
        return elapsed

    flow = auth.sync_auth_flow(request)
    next(flow)
    try:
        flow.send(response)
    except StopIteration:
        pass
    else:
        msg = "the flow asked for a second request"
        raise AssertionError(msg)
    return run


def sent(
    lib: str,
    auth: Any,
    method: str,
    url: str,
    headers: dict[str, str] | None = None,
) -> tuple[str, Any]:
    """The URL and Authorization header *auth* sends for one call."""
    if lib == "requests":
        p = requests.Request(method, url, headers=headers).prepare()
        if auth is not None:
            p = auth(p)
        return p.url or "", p.headers.get("Authorization")
    req = httpx.Request(method, url, headers=headers)
    flow = auth.sync_auth_flow(req)
    out = next(flow)
    found = (str(out.url), out.headers.get("Authorization"))
    flow.close()  # ours restores the request's URL when closed early
    return found


def _timers(c: Credentials) -> dict[str, Timer]:
    timers: dict[str, Timer] = {}
    for route, (method, path) in ROUTES.items():
        query, header = _wire(c, route)
        for lib, impls in IMPLS.items():
            seen = set()
            for impl in impls:
                auth = auth_for(lib, impl, c, route)
                url = API + path
                preset = None
                if impl == "bare":  # the request carries the credential
                    url = _bare_url(url, query)
                    preset = {"Authorization": header} if header else None
                seen.add(sent(lib, auth, method, url, preset))
                make = requests_timer if lib == "requests" else httpx_timer
                timers[f"{lib}/{route}/{impl}"] = make(
                    auth, method, [url], preset
                )
            if len(seen) != 1:
                msg = f"{lib} {route}: the implementations differ: {seen}"
                raise AssertionError(msg)
    return timers


def _distinct_timers(c: Credentials) -> dict[str, Timer]:
    """Ours on a session route: one path, or 10,000 distinct ones."""
    many = [f"{API}/3/movie/{100_000 + i}/rating" for i in range(DISTINCT)]
    one = [f"{API}/3/movie/550/rating"] * DISTINCT
    timers: dict[str, Timer] = {}
    for lib in IMPLS:
        make = requests_timer if lib == "requests" else httpx_timer
        for name, urls in (("one", one), ("many", many)):
            auth = _ours(lib, c, "session")
            timers[f"{lib}-paths/{name}"] = make(auth, "POST", urls)
    return timers


_LABEL = {
    "bare": "no auth (the loop alone)",
    "floor": "floor (hand-written, precomputed)",
    "public": "hand-written, public URL API",
    "ours": "tmdb_auth",
    "peer": "peer (requests-auth / httpx-auth)",
}


def run(c: Credentials, *, rounds: int, target: float) -> Area:
    """Measure every (library, route, implementation)."""
    area = Area("per_call", "Per call, no network (issue 15 item 4)")
    timers = {**_timers(c), **_distinct_timers(c)}
    samples = interleaved(timers, rounds=rounds, target=target)
    chart: dict[str, dict[str, dict[str, float]]] = {}
    for lib, impls in IMPLS.items():
        for route in ROUTES:
            for impl in impls:
                key = f"{lib}/{route}/{impl}"
                stat = Stat.of(samples[key]).scaled(1e6)
                area.row(f"{lib} {route}: {_LABEL[impl]}", stat, "µs")
                at = chart.setdefault(lib, {}).setdefault(route, {})
                at[impl] = stat.median
                at[impl + "_min"] = stat.min
                at[impl + "_max"] = stat.max
            for versus in ("floor", "bare", "peer"):
                area.row(
                    f"{lib} {route}: ours / {versus}",
                    _ratio(samples, lib, route, "ours", versus),
                    "x",
                )
    _bars(area, samples)
    area.extra["chart"] = chart
    return area


def _ratio(
    samples: dict[str, list[float]], lib: str, route: str, a: str, b: str
) -> Stat:
    return ratios(samples[f"{lib}/{route}/{a}"], samples[f"{lib}/{route}/{b}"])


def _ref(samples: dict[str, list[float]], key: str, label: str) -> Ref:
    return Ref(label, Stat.of(samples[key]).scaled(1e6), "µs")


def _bars(area: Area, samples: dict[str, list[float]]) -> None:
    goals = (
        ("requests", "read", 2.0, "floor"),
        ("requests", "session", 2.0, "floor"),
        ("requests", "bearer", 1.5, "hand-written header auth"),
        ("httpx", "read", 1.5, "floor"),
        ("httpx", "session", 1.5, "floor"),
        ("httpx", "bearer", 1.5, "floor (hand-written header auth)"),
    )
    for lib, route, limit, what in goals:
        area.bar(
            f"{lib} {route} call ≤ {limit:g}x {what}",
            _ratio(samples, lib, route, "ours", "floor"),
            "x",
            limit,
            goal="15.4",
            ours=_ref(samples, f"{lib}/{route}/ours", "ours"),
            base=_ref(samples, f"{lib}/{route}/floor", "floor"),
            vs_floor=_ratio(samples, lib, route, "ours", "floor"),
        )
    for lib in IMPLS:
        many, one = samples[f"{lib}-paths/many"], samples[f"{lib}-paths/one"]
        area.row(
            f"{lib} session call, {DISTINCT:,} distinct paths",
            Stat.of(many).scaled(1e6),
            "µs",
        )
        area.row(
            f"{lib} session call, one path", Stat.of(one).scaled(1e6), "µs"
        )
        area.bar(
            f"{lib}: {DISTINCT:,} distinct paths ≤ 1.2x one path",
            ratios(many, one),
            "x",
            1.2,
            goal="15.4",
            ours=_ref(samples, f"{lib}-paths/many", f"{DISTINCT:,} paths"),
            base=_ref(samples, f"{lib}-paths/one", "one path"),
        )
    peers = (
        ("requests", "read", 0.25),
        ("requests", "session", 0.25),
        ("httpx", "read", 0.7),
        ("httpx", "session", 0.7),
    )
    for lib, route, limit in peers:
        area.bar(
            f"{lib} {route} call ≤ {limit:g}x its peer",
            _ratio(samples, lib, route, "ours", "peer"),
            "x",
            limit,
            goal="5",
            ours=_ref(samples, f"{lib}/{route}/ours", "ours"),
            base=_ref(samples, f"{lib}/{route}/peer", "peer"),
            vs_floor=_ratio(samples, lib, route, "ours", "floor"),
        )
    for lib in IMPLS:
        area.row(
            f"{lib} bearer: ours / peer (HeaderApiKey)",
            _ratio(samples, lib, "bearer", "ours", "peer"),
            "x",
        )
    area.bar(
        "httpx Bearer call ≤ 5 µs",
        Stat.of(samples["httpx/bearer/ours"]).scaled(1e6),
        "µs",
        5.0,
        goal="5",
        vs_floor=_ratio(samples, "httpx", "bearer", "ours", "floor"),
    )
