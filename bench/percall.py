"""
Area 1: the cost of one call's authentication, without a network.

requests: ``auth(prepared_request)``. httpx: one drive of
``auth.sync_auth_flow(request)``, as the client does it (``next``, then
``send(response)`` until it stops). Each loop first restores the request's
URL, so every case also pays one attribute store; that constant is in
every figure alike.
"""

from __future__ import annotations

import secrets

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx
import httpx_auth
import requests
import requests_auth

from model import Area
from timing import Stat, Timer, interleaved, now, ratios

import tmdb_auth.httpx
import tmdb_auth.requests


__all__ = ["Credentials", "FloorHttpx", "FloorRequests", "credentials", "run"]

API = "https://api.themoviedb.org"
#: Three kinds of call: (method, path and query, what the auth adds).
ROUTES = {
    "read": ("GET", "/3/movie/550?language=en-US"),
    "session": ("POST", "/3/movie/550/rating"),
    "bearer": ("GET", "/3/movie/550?language=en-US"),
}
IMPLS = {
    "requests": ("floor", "ours", "peer"),
    "httpx": ("floor", "public", "ours", "peer"),
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


class FloorRequests(requests.auth.AuthBase):
    """The least a hand-written requests auth does: precomputed text."""

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
            sep = "&" if "?" in url else "?"
            r.url = f"{url}{sep}{self._query}"
        return r


class FloorHttpx(httpx.Auth):
    """
    The least a hand-written httpx auth does.

    httpx re-parses a URL on ``copy_with`` (tens of µs); the floor instead
    swaps the query in httpx's parsed form where that exists (every 0.2x
    release), as a hand-tuned auth would. With *public*, it keeps to the
    public API, as most hand-written auths do.
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


def auths_requests(c: Credentials) -> dict[str, dict[str, Any]]:
    """route -> impl -> requests auth."""
    sid = f"session_id={c.session_id}"
    return {
        "read": {
            "floor": FloorRequests(f"api_key={c.api_key}"),
            "ours": tmdb_auth.requests.TMDbAuth(c.api_key, cache=None),
            "peer": requests_auth.QueryApiKey(c.api_key),
        },
        "session": {
            "floor": FloorRequests(f"api_key={c.api_key}&{sid}"),
            "ours": tmdb_auth.requests.TMDbAuth(
                c.api_key, session_id=c.session_id, cache=None
            ),
            "peer": requests_auth.QueryApiKey(c.api_key)
            + requests_auth.QueryApiKey(c.session_id, "session_id"),
        },
        "bearer": {
            "floor": FloorRequests(header=f"Bearer {c.read_token}"),
            "ours": tmdb_auth.requests.TMDbAuth(c.read_token, cache=None),
            "peer": requests_auth.HeaderApiKey(
                f"Bearer {c.read_token}", "Authorization"
            ),
        },
    }


def auths_httpx(c: Credentials) -> dict[str, dict[str, Any]]:
    """route -> impl -> httpx auth."""
    sid = f"session_id={c.session_id}"
    return {
        "read": {
            "floor": FloorHttpx(f"api_key={c.api_key}"),
            "public": FloorHttpx(f"api_key={c.api_key}", public=True),
            "ours": tmdb_auth.httpx.TMDbAuth(c.api_key, cache=None),
            "peer": httpx_auth.QueryApiKey(c.api_key),
        },
        "session": {
            "floor": FloorHttpx(f"api_key={c.api_key}&{sid}"),
            "public": FloorHttpx(f"api_key={c.api_key}&{sid}", public=True),
            "ours": tmdb_auth.httpx.TMDbAuth(
                c.api_key, session_id=c.session_id, cache=None
            ),
            "peer": httpx_auth.QueryApiKey(c.api_key)
            + httpx_auth.QueryApiKey(c.session_id, "session_id"),
        },
        "bearer": {
            "floor": FloorHttpx(header=f"Bearer {c.read_token}"),
            "public": FloorHttpx(header=f"Bearer {c.read_token}", public=True),
            "ours": tmdb_auth.httpx.TMDbAuth(c.read_token, cache=None),
            "peer": httpx_auth.HeaderApiKey(
                f"Bearer {c.read_token}", "Authorization"
            ),
        },
    }


def requests_timer(
    auth: Callable[[requests.PreparedRequest], requests.PreparedRequest],
    method: str,
    url: str,
) -> Timer:
    """Time ``auth(prepared)`` on one prepared request."""
    prepared = requests.Request(method, url).prepare()
    hooks = prepared.hooks["response"]

    def run(n: int) -> float:
        r, a, url0 = prepared, auth, url
        t0 = now()
        for _ in range(n):
            r.url = url0
            a(r)
        elapsed = now() - t0
        hooks.clear()  # ours registers a recovery hook on session routes
        return elapsed

    auth(prepared)  # the first call warms the session cache
    hooks.clear()
    return run


def httpx_timer(auth: httpx.Auth, method: str, url: str) -> Timer:
    """Time one drive of ``auth.sync_auth_flow`` to its end."""
    request = httpx.Request(method, url)
    response = httpx.Response(200, request=request)
    url0 = request.url

    def drive() -> None:
        request.url = url0
        flow = auth.sync_auth_flow(request)
        next(flow)
        try:
            flow.send(response)
        except StopIteration:
            return
        msg = "the flow asked for a second request"
        raise AssertionError(msg)

    def run(n: int) -> float:
        r, a, u, resp = request, auth, url0, response
        t0 = now()
        for _ in range(n):
            r.url = u
            flow = a.sync_auth_flow(r)
            next(flow)
            try:  # noqa: SIM105 -- contextlib.suppress would be timed too
                flow.send(resp)
            except StopIteration:
                pass
        return now() - t0

    drive()  # checks the shape, and warms the session cache
    return run


def _check_same_url(
    reqs: dict[str, dict[str, Any]],
    hx: dict[str, dict[str, Any]],
) -> None:
    """Every implementation of a case must produce the same request."""
    for route, (method, path) in ROUTES.items():
        seen = set()
        for impl in IMPLS["requests"]:
            p = reqs[route][impl](
                requests.Request(method, API + path).prepare()
            )
            seen.add((p.url, p.headers.get("Authorization")))
        for impl in IMPLS["httpx"]:
            req = httpx.Request(method, API + path)
            flow = hx[route][impl].sync_auth_flow(req)
            sent = next(flow)
            flow.close()
            seen.add((str(sent.url), sent.headers.get("Authorization")))
        if len(seen) != 1:
            msg = f"{route}: the implementations differ: {seen}"
            raise AssertionError(msg)


def run(c: Credentials, *, rounds: int, target: float) -> Area:
    """Measure every (library, route, implementation)."""
    area = Area("per_call", "1. Per-call auth cost, no network")
    reqs, hx = auths_requests(c), auths_httpx(c)
    _check_same_url(reqs, hx)
    timers: dict[str, Timer] = {}
    for route, (method, path) in ROUTES.items():
        for impl in IMPLS["requests"]:
            timers[f"requests/{route}/{impl}"] = requests_timer(
                reqs[route][impl], method, API + path
            )
        for impl in IMPLS["httpx"]:
            timers[f"httpx/{route}/{impl}"] = httpx_timer(
                hx[route][impl], method, API + path
            )
    samples = interleaved(timers, rounds=rounds, target=target)
    chart: dict[str, dict[str, dict[str, float]]] = {}
    for lib in ("requests", "httpx"):
        for route in ROUTES:
            for impl in IMPLS[lib]:
                key = f"{lib}/{route}/{impl}"
                stat = Stat.of(samples[key]).scaled(1e6)
                area.row(f"{lib} {route}: {_LABEL[lib][impl]}", stat, "µs")
                chart.setdefault(lib, {}).setdefault(route, {})[impl] = (
                    stat.median
                )
                chart[lib][route][impl + "_min"] = stat.min
                chart[lib][route][impl + "_max"] = stat.max
            for versus in ("peer", "floor"):
                area.row(
                    f"{lib} {route}: ours / {versus}",
                    ratios(
                        samples[f"{lib}/{route}/ours"],
                        samples[f"{lib}/{route}/{versus}"],
                    ),
                    "x",
                )
    _bars(area, samples)
    area.extra["chart"] = chart
    return area


_LABEL = {
    "requests": {
        "floor": "floor (hand-written)",
        "ours": "tmdb_auth.requests.TMDbAuth",
        "peer": "requests_auth",
    },
    "httpx": {
        "floor": "floor (hand-written)",
        "public": "hand-written, public URL API",
        "ours": "tmdb_auth.httpx.TMDbAuth",
        "peer": "httpx_auth",
    },
}


def _bars(area: Area, samples: dict[str, list[float]]) -> None:
    for route in ("read", "session"):
        area.bar(
            f"requests {route} call ≤ 0.25x requests_auth.QueryApiKey",
            ratios(
                samples[f"requests/{route}/ours"],
                samples[f"requests/{route}/peer"],
            ),
            "x",
            0.25,
        )
    for route in ("read", "session"):
        area.bar(
            f"httpx {route} call ≤ 0.7x httpx_auth.QueryApiKey",
            ratios(
                samples[f"httpx/{route}/ours"], samples[f"httpx/{route}/peer"]
            ),
            "x",
            0.7,
        )
    area.bar(
        "httpx Bearer call ≤ 5 µs",
        Stat.of(samples["httpx/bearer/ours"]).scaled(1e6),
        "µs",
        5.0,
    )
