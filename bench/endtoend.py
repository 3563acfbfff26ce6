"""
End to end: whole calls on loopback, bare library vs ours vs the peers.

Against the fast server (`servers.fast_server`), so that the client side is
what is measured. "bare" (the floor) is the library with no auth object,
its URL already carrying the same query parameters, so every variant puts
the same bytes on the wire. requests sessions run with ``trust_env=False``: with
it on, requests looks for a ``.netrc`` on every call that has no auth,
which would make bare slower than an auth plugin.
"""

from __future__ import annotations

import asyncio

from collections.abc import Callable
from typing import Any

import httpx
import httpx_auth
import requests
import requests_auth

from model import Area, Ref
from percall import Credentials
from timing import Stat, interleaved, no_gc, now, ratios, schedule

import tmdb_auth.httpx
import tmdb_auth.requests


__all__ = ["run"]

ROUTES = {
    "read": "/3/movie/550?language=en-US",
    "session": "/3/movie/550/account_states",
}
VARIANTS = ("bare", "ours", "peer")
CONCURRENCY = 200


def _bare_query(c: Credentials, route: str) -> str:
    query = f"api_key={c.api_key}"
    if route == "session":
        query += f"&session_id={c.session_id}"
    return query


def _url(base: str, c: Credentials, route: str, variant: str) -> str:
    path = ROUTES[route]
    if variant != "bare":
        return base + path
    sep = "&" if "?" in path else "?"
    return f"{base}{path}{sep}{_bare_query(c, route)}"


def _requests_auth(c: Credentials, route: str, variant: str, base: str) -> Any:
    if variant == "bare":
        return None
    if variant == "ours":
        return tmdb_auth.requests.TMDbAuth(
            c.api_key,
            api_url=base,
            session_id=c.session_id if route == "session" else None,
            cache=None,
        )
    auth: Any = requests_auth.QueryApiKey(c.api_key)
    if route == "session":
        auth = auth + requests_auth.QueryApiKey(c.session_id, "session_id")
    return auth


def _httpx_auth(c: Credentials, route: str, variant: str, base: str) -> Any:
    if variant == "bare":
        return None
    if variant == "ours":
        return tmdb_auth.httpx.TMDbAuth(
            c.api_key,
            api_url=base,
            session_id=c.session_id if route == "session" else None,
            cache=None,
        )
    auth: Any = httpx_auth.QueryApiKey(c.api_key)
    if route == "session":
        auth = auth + httpx_auth.QueryApiKey(c.session_id, "session_id")
    return auth


def _sync_cases(
    base: str, c: Credentials
) -> tuple[dict[str, Callable[[int], float]], list[Any]]:
    cases: dict[str, Callable[[int], float]] = {}
    clients: list[Any] = []
    for route in ROUTES:
        for variant in VARIANTS:
            url = _url(base, c, route, variant)
            s = requests.Session()
            s.trust_env = False
            s.auth = _requests_auth(c, route, variant, base)
            h = httpx.Client(auth=_httpx_auth(c, route, variant, base))
            clients += [s, h]
            cases[f"requests/{route}/{variant}"] = _loop(s.get, url)
            cases[f"httpx.Client/{route}/{variant}"] = _loop(h.get, url)
    return cases, clients


def _loop(get: Callable[[str], Any], url: str) -> Callable[[int], float]:
    def run(n: int) -> float:
        t0 = now()
        for _ in range(n):
            r = get(url)
            if r.status_code != 200:
                msg = f"unexpected status {r.status_code}"
                raise AssertionError(msg)
        return now() - t0

    return run


async def _async_samples(
    base: str, c: Credentials, rounds: int
) -> dict[str, list[float]]:
    clients: dict[str, tuple[httpx.AsyncClient, str]] = {}
    for route in ROUTES:
        for variant in VARIANTS:
            clients[f"httpx.AsyncClient/{route}/{variant}"] = (
                httpx.AsyncClient(auth=_httpx_auth(c, route, variant, base)),
                _url(base, c, route, variant),
            )

    async def burst(name: str) -> float:
        client, url = clients[name]
        t0 = now()
        responses = await asyncio.gather(
            *(client.get(url) for _ in range(CONCURRENCY))
        )
        elapsed = now() - t0
        if any(r.status_code != 200 for r in responses):
            msg = "unexpected status"
            raise AssertionError(msg)
        return elapsed / CONCURRENCY

    names = list(clients)
    samples: dict[str, list[float]] = {name: [] for name in names}
    try:
        for name in names:  # open the connections
            await burst(name)
        for round_no in range(rounds):
            spent = dict.fromkeys(names, 0.0)
            for name in schedule(names, round_no):
                with no_gc():
                    spent[name] += await burst(name) / 2
            for name in names:
                samples[name].append(spent[name])
    finally:
        for client, _ in clients.values():
            await client.aclose()
    return samples


def run(
    base: str, c: Credentials, *, rounds: int, calls: int, async_rounds: int
) -> Area:
    """Measure every (client, route, variant) in interleaved rounds."""
    area = Area("end_to_end", "End to end on loopback (fast server)")
    cases, clients = _sync_cases(base, c)
    for case in cases.values():  # open the connections, warm the caches
        case(20)
    samples = interleaved(cases, rounds=rounds, loops=calls)
    for client in clients:
        client.close()
    samples.update(asyncio.run(_async_samples(base, c, async_rounds)))
    for lib in ("requests", "httpx.Client", "httpx.AsyncClient"):
        for route in ROUTES:
            for variant in VARIANTS:
                area.row(
                    f"{lib} {route}: {variant}",
                    Stat.of(samples[f"{lib}/{route}/{variant}"]).scaled(1e6),
                    "µs/call",
                )
            for variant in ("ours", "peer"):
                area.row(
                    f"{lib} {route}: {variant} / bare",
                    ratios(
                        samples[f"{lib}/{route}/{variant}"],
                        samples[f"{lib}/{route}/bare"],
                    ),
                    "x",
                )
            ours = samples[f"{lib}/{route}/ours"]
            bare = samples[f"{lib}/{route}/bare"]
            area.bar(
                f"{lib} {route} call on loopback ≤ 1.02x bare",
                ratios(ours, bare),
                "x",
                1.02,
                goal="5",
                ours=Ref("ours", Stat.of(ours).scaled(1e6), "µs"),
                base=Ref("bare", Stat.of(bare).scaled(1e6), "µs"),
                vs_floor=ratios(ours, bare),
            )
    area.extra["notes"] = [
        f"AsyncClient: {CONCURRENCY} concurrent calls per burst, "
        f"2 bursts per case and round, {async_rounds} rounds.",
        f"requests and httpx.Client: 2 x {calls} sequential calls per "
        f"case and round, {rounds} rounds.",
    ]
    return area
