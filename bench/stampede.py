"""
Area 5: the stampede. Many callers, an empty cache, a slow session call.

32 threads (requests, then one shared httpx.Client), 200 tasks on one
httpx.AsyncClient, and 8 processes, all making their first session call
(``POST /3/movie/550/rating`` as a guest) at once, against the stand-in
with a session-creation delay. Each round starts from a new, empty cache
directory. Figures: sessions the server created, and the time from the
start signal until the last caller has its response.

The same burst with a hand-written auth and a session made beforehand is
measured in the same rounds ("bare burst"): it is what the stand-in (a
threaded stdlib server) and the clients need to serve that many calls at
once, with no session to make. The bar is checked on the raw time and on
the time over the bare burst.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import tempfile
import threading
import time

from collections.abc import Callable
from typing import Any

import httpx
import requests

from model import Area
from servers import StandIn
from timing import Stat, differences, now

import tmdb_auth.httpx
import tmdb_auth.requests


__all__ = ["run"]

RATING = "/3/movie/550/rating"
THREADS, TASKS, PROCESSES = 32, 200, 8
MODES = ("threads-requests", "threads-httpx", "tasks-httpx", "processes")
_SIZES = {
    "threads-requests": THREADS,
    "threads-httpx": THREADS,
    "tasks-httpx": TASKS,
    "processes": PROCESSES,
}


# -- one burst per mode -----------------------------------------------------


def _requests_auth(server: StandIn, cache: str | None, sid: str | None) -> Any:
    if sid is not None:
        query = f"api_key={server.api_key}&guest_session_id={sid}"

        def hand(r: requests.PreparedRequest) -> requests.PreparedRequest:
            r.url = f"{r.url}?{query}"
            return r

        return hand
    return tmdb_auth.requests.TMDbAuth(
        server.api_key, api_url=server.url, session="guest", cache=cache
    )


def _httpx_kwargs(
    server: StandIn, cache: str | None, sid: str | None
) -> dict[str, Any]:
    if sid is not None:
        return {"params": {"api_key": server.api_key, "guest_session_id": sid}}
    return {
        "auth": tmdb_auth.httpx.TMDbAuth(
            server.api_key, api_url=server.url, session="guest", cache=cache
        )
    }


def _threads(
    n: int, call: Callable[[], int], setup: Callable[[], None] | None = None
) -> tuple[float, list[int]]:
    go = threading.Event()
    done = [0.0] * n
    statuses = [0] * n

    def worker(i: int) -> None:
        go.wait()
        statuses[i] = call()
        done[i] = now()

    if setup is not None:
        setup()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    time.sleep(0.05)  # every thread is waiting on the event
    t0 = now()
    go.set()
    for t in threads:
        t.join()
    return max(done) - t0, statuses


def _threads_requests(
    server: StandIn, cache: str | None, sid: str | None
) -> tuple[float, list[int]]:
    auth = _requests_auth(server, cache, sid)
    url = server.url + RATING

    def call() -> int:
        with requests.Session() as s:
            return s.post(url, json={"value": 8}, auth=auth).status_code

    return _threads(THREADS, call)


def _threads_httpx(
    server: StandIn, cache: str | None, sid: str | None
) -> tuple[float, list[int]]:
    url = server.url + RATING
    limits = httpx.Limits(max_connections=THREADS)
    with httpx.Client(limits=limits, **_httpx_kwargs(server, cache, sid)) as c:
        return _threads(
            THREADS, lambda: c.post(url, json={"value": 8}).status_code
        )


def _tasks_httpx(
    server: StandIn, cache: str | None, sid: str | None
) -> tuple[float, list[int]]:
    url = server.url + RATING

    async def main() -> tuple[float, list[int]]:
        done = [0.0] * TASKS
        async with httpx.AsyncClient(**_httpx_kwargs(server, cache, sid)) as c:

            async def call(i: int) -> int:
                r = await c.post(url, json={"value": 8})
                done[i] = now()
                return r.status_code

            t0 = now()
            statuses = await asyncio.gather(*(call(i) for i in range(TASKS)))
        return max(done) - t0, list(statuses)

    return asyncio.run(main())


def _process_worker(
    *,
    url: str,
    key: str,
    cache: str | None,
    sid: str | None,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    """One of the 8 processes: set up, wait for the signal, call once."""
    if sid is not None:
        query = f"?api_key={key}&guest_session_id={sid}"
        auth: Any = None
    else:
        query = ""
        auth = tmdb_auth.requests.TMDbAuth(
            key, api_url=url, session="guest", cache=cache
        )
    with requests.Session() as s:
        s.auth = auth
        ready.put(os.getpid())
        go.wait()
        r = s.post(url + RATING + query, json={"value": 8})
        results.put((now(), r.status_code))


def _processes(
    server: StandIn, cache: str | None, sid: str | None
) -> tuple[float, list[int]]:
    ctx = multiprocessing.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    workers = [
        ctx.Process(
            target=_process_worker,
            kwargs={
                "url": server.url,
                "key": server.api_key,
                "cache": cache,
                "sid": sid,
                "ready": ready,
                "go": go,
                "results": results,
            },
        )
        for _ in range(PROCESSES)
    ]
    for w in workers:
        w.start()
    for _ in workers:
        ready.get(timeout=60)
    time.sleep(0.1)  # every process is waiting on the event
    t0 = now()
    go.set()
    found = [results.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    return max(t for t, _ in found) - t0, [s for _, s in found]


_BURSTS = {
    "threads-requests": _threads_requests,
    "threads-httpx": _threads_httpx,
    "tasks-httpx": _tasks_httpx,
    "processes": _processes,
}


# -- the rounds -------------------------------------------------------------


def _guest_session(server: StandIn) -> str:
    r = requests.get(
        server.url + "/3/authentication/guest_session/new",
        params={"api_key": server.api_key},
        timeout=10,
    )
    r.raise_for_status()
    return str(r.json()["guest_session_id"])


def run(server: StandIn, *, delay: float, rounds: dict[str, int]) -> Area:
    """Every mode, ours (empty cache) and the bare burst, in rounds."""
    area = Area("stampede", "5. Stampede on an empty cache (stand-in)")
    budget = delay + 0.020
    sid = _guest_session(server)
    server.set_session_delay(delay)
    results: dict[str, dict[str, list[float]]] = {}
    try:
        for mode in MODES:
            results[mode] = _mode(server, mode, sid, rounds[mode])
    finally:
        server.set_session_delay(0)
    for mode in MODES:
        r = results[mode]
        n = _SIZES[mode]
        sessions = Stat.of(r["sessions"])
        ours, bare = Stat.of(r["ours"]), Stat.of(r["bare"])
        over = differences(r["ours"], r["bare"])
        area.row(f"{mode} x{n}: sessions created", sessions, "sessions")
        area.row(f"{mode} x{n}: all served (ours)", ours.scaled(1e3), "ms")
        area.row(f"{mode} x{n}: bare burst", bare.scaled(1e3), "ms")
        area.row(f"{mode} x{n}: ours - bare burst", over.scaled(1e3), "ms")
        area.bar(
            f"{mode} x{n}: exactly 1 session (every round)",
            sessions,
            "sessions",
            1,
            exact=True,
        )
        area.bar(
            f"{mode} x{n}: all served ≤ delay + 20 ms",
            ours.scaled(1e3),
            "ms",
            budget * 1e3,
        )
        area.bar(
            f"{mode} x{n}: all served ≤ delay + 20 ms over the bare burst",
            over.scaled(1e3),
            "ms",
            budget * 1e3,
        )
    area.extra["session_delay_ms"] = delay * 1e3
    return area


def _mode(
    server: StandIn, mode: str, sid: str, rounds: int
) -> dict[str, list[float]]:
    burst = _BURSTS[mode]
    found: dict[str, list[float]] = {"ours": [], "bare": [], "sessions": []}
    n = _SIZES[mode]
    for round_no in range(rounds):
        order = ("ours", "bare") if round_no % 2 == 0 else ("bare", "ours")
        for which in order:
            with tempfile.TemporaryDirectory(prefix="tmdb-bench-") as tmp:
                server.reset()
                if which == "ours":
                    cache = os.path.join(tmp, "cache")
                    elapsed, statuses = burst(server, cache, None)
                    created = server.sessions_created()
                    found["sessions"].append(
                        float(created["guest"] + created["user"])
                    )
                else:
                    elapsed, statuses = burst(server, None, sid)
            if statuses != [201] * n:
                msg = f"{mode} {which}: statuses {sorted(set(statuses))}"
                raise AssertionError(msg)
            found[which].append(elapsed)
    return found
