"""
Stampedes: many callers, an empty cache, a slow session creation.

32 threads (requests, then one shared httpx.Client), 200 tasks on one
httpx.AsyncClient, and N processes (requests), all making their first
session call (``POST /3/movie/550/rating`` as a guest) at once, against
the stand-in with a session-creation delay. Each round starts from a new,
empty cache directory. Figures: the sessions the server created, the
store operations made, and the time from the start signal until the last
caller has its response.

Measured in the same rounds, in a rotating order:

* bare burst: the same burst with a hand-written auth of the same kind
  (a requests auth callable, an ``httpx.Auth``) carrying a session made
  beforehand: what the stand-in (a threaded stdlib server) and the clients
  need to serve that many calls at once, with no session to make;
* one creation: one ``guest_session/new`` call, with the same delay: no
  caller can be served before the one creation ends.

Issue 15's goals: tasks ≤ 25 ms over the bare burst; threads ≤ 20 ms and
processes ≤ 40 ms over (bare burst + one creation); the store operations
of the 200-task burst (≤ 5 where the in-process single-flight works).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import tempfile
import threading
import time

from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import requests

from model import Area, Ref
from probes import store_ops
from servers import StandIn
from timing import Stat, differences, now, ratios, rotated

import tmdb_auth.httpx
import tmdb_auth.requests


__all__ = ["GUEST_NEW", "Burst", "one_creation", "process_burst", "run"]

RATING = "/3/movie/550/rating"
GUEST_NEW = "/3/authentication/guest_session/new"
THREADS, TASKS, PROCESSES = 32, 200, 8
MODES = ("threads-requests", "threads-httpx", "tasks-httpx", "processes")
_SIZES = {
    "threads-requests": THREADS,
    "threads-httpx": THREADS,
    "tasks-httpx": TASKS,
    "processes": PROCESSES,
}
#: Seconds every waiting step may take at most (a hang fails the bench).
_WAIT = 120

#: (elapsed seconds, statuses, store operations or None)
Burst = tuple[float, list[int], dict[str, int] | None]


# -- the auths: ours, or hand-written with a session made beforehand -------


def _hand_query(key: str, sid: str) -> str:
    return f"api_key={key}&guest_session_id={sid}"


class _HandRequests:
    """A hand-written requests auth: the precomputed query appended."""

    def __init__(self, query: str) -> None:
        self._query = query

    def __call__(
        self, r: requests.PreparedRequest
    ) -> requests.PreparedRequest:
        url = r.url or ""
        r.url = f"{url}{'&' if '?' in url else '?'}{self._query}"
        return r


class _HandHttpx(httpx.Auth):
    """A hand-written httpx auth: the precomputed query appended."""

    def __init__(self, query: str) -> None:
        self._query = query.encode("ascii")

    def auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        url = request.url
        raw = url.query
        request.url = url.copy_with(
            query=raw + b"&" + self._query if raw else self._query
        )
        yield request


def requests_auth(
    url: str, key: str, cache: str | None, sid: str | None
) -> Any:
    """Ours on an empty *cache*, or (with *sid*) the hand-written one."""
    if sid is not None:
        return _HandRequests(_hand_query(key, sid))
    return tmdb_auth.requests.TMDbAuth(
        key, api_url=url, session="guest", cache=cache
    )


def httpx_auth(url: str, key: str, cache: str | None, sid: str | None) -> Any:
    """Ours on an empty *cache*, or (with *sid*) the hand-written one."""
    if sid is not None:
        return _HandHttpx(_hand_query(key, sid))
    return tmdb_auth.httpx.TMDbAuth(
        key, api_url=url, session="guest", cache=cache
    )


def _close(auth: Any) -> None:
    close = getattr(auth, "close", None)
    if close is not None:
        close()


@contextmanager
def _counting(ours: bool) -> Iterator[dict[str, int] | None]:
    """Store operations of this process while ours runs (else None)."""
    if not ours:
        yield None
        return
    found: dict[str, int] = {}
    with store_ops() as ops:
        yield found
    found.update(ops.as_dict(), total=ops.total)


# -- one burst per mode -----------------------------------------------------


def _threads(n: int, call: Callable[[], int]) -> tuple[float, list[int]]:
    go = threading.Event()
    done = [0.0] * n
    statuses = [0] * n
    ready = threading.Barrier(n + 1, timeout=_WAIT)

    def worker(i: int) -> None:
        ready.wait()
        go.wait(_WAIT)
        statuses[i] = call()
        done[i] = now()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    ready.wait()  # every thread is about to wait on the event
    t0 = now()
    go.set()
    for t in threads:
        t.join(_WAIT)
    return max(done) - t0, statuses


def _threads_requests(
    server: StandIn, cache: str | None, sid: str | None
) -> Burst:
    auth = requests_auth(server.url, server.api_key, cache, sid)
    url = server.url + RATING

    def call() -> int:
        with requests.Session() as s:
            return s.post(url, json={"value": 8}, auth=auth).status_code

    with _counting(sid is None) as ops:
        elapsed, statuses = _threads(THREADS, call)
    _close(auth)
    return elapsed, statuses, ops


def _threads_httpx(
    server: StandIn, cache: str | None, sid: str | None
) -> Burst:
    url = server.url + RATING
    limits = httpx.Limits(max_connections=THREADS)
    auth = httpx_auth(server.url, server.api_key, cache, sid)
    with (
        httpx.Client(limits=limits, auth=auth) as c,
        _counting(sid is None) as ops,
    ):
        elapsed, statuses = _threads(
            THREADS, lambda: c.post(url, json={"value": 8}).status_code
        )
    _close(auth)
    return elapsed, statuses, ops


def _tasks_httpx(server: StandIn, cache: str | None, sid: str | None) -> Burst:
    url = server.url + RATING
    auth = httpx_auth(server.url, server.api_key, cache, sid)

    async def main() -> tuple[float, list[int]]:
        done = [0.0] * TASKS
        async with httpx.AsyncClient(auth=auth) as c:

            async def call(i: int) -> int:
                r = await c.post(url, json={"value": 8})
                done[i] = now()
                return r.status_code

            t0 = now()
            statuses = await asyncio.gather(*(call(i) for i in range(TASKS)))
        return max(done) - t0, list(statuses)

    with _counting(sid is None) as ops:
        elapsed, statuses = asyncio.run(main())
    _close(auth)
    return elapsed, statuses, ops


def _process_worker(
    *,
    url: str,
    key: str,
    cache: str | None,
    sid: str | None,
    home: str | None,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    """One of the processes: set up, wait for the signal, call once."""
    if home is not None:  # a "machine" of its own
        os.environ["HOME"] = home
    auth = requests_auth(url, key, cache, sid)
    with requests.Session() as s, _counting(sid is None) as ops:
        s.auth = auth
        ready.put(os.getpid())
        go.wait(_WAIT)
        r = s.post(url + RATING, json={"value": 8})
        done = now()
    _close(auth)
    results.put((done, r.status_code, ops))


def process_burst(
    server: StandIn,
    cache: str | None,
    sid: str | None,
    *,
    processes: int = PROCESSES,
    homes: str | None = None,
) -> Burst:
    """
    *processes* new processes (spawned), one call each, at one signal.

    With *homes*, each process gets a HOME of its own under it (a machine
    of its own, for a store shared across machines).
    """
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
                "home": None if homes is None else os.path.join(homes, str(i)),
                "ready": ready,
                "go": go,
                "results": results,
            },
        )
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    for _ in workers:
        ready.get(timeout=_WAIT)
    time.sleep(0.05)  # the last one is on its way into go.wait()
    t0 = now()
    go.set()
    found = [results.get(timeout=_WAIT) for _ in workers]
    for w in workers:
        w.join(timeout=_WAIT)
    ops: dict[str, int] | None = None
    if sid is None:
        ops = {}
        for _, _, counts in found:
            for name, value in counts.items():
                ops[name] = ops.get(name, 0) + value
    return max(t for t, _, _ in found) - t0, [s for _, s, _ in found], ops


def _processes(server: StandIn, cache: str | None, sid: str | None) -> Burst:
    return process_burst(server, cache, sid)


_BURSTS = {
    "threads-requests": _threads_requests,
    "threads-httpx": _threads_httpx,
    "tasks-httpx": _tasks_httpx,
    "processes": _processes,
}


# -- the rounds -------------------------------------------------------------


def guest_session(server: StandIn) -> str:
    """A guest session made now (no delay is set yet)."""
    r = requests.get(
        server.url + GUEST_NEW, params={"api_key": server.api_key}, timeout=10
    )
    r.raise_for_status()
    return str(r.json()["guest_session_id"])


def one_creation(server: StandIn) -> float:
    """One session creation, on a new connection, as ours makes it."""
    with requests.Session() as s:
        t0 = now()
        r = s.get(
            server.url + GUEST_NEW,
            params={"api_key": server.api_key},
            timeout=_WAIT,
        )
        elapsed = now() - t0
    r.raise_for_status()
    return elapsed


def run(server: StandIn, *, delay: float, rounds: dict[str, int]) -> Area:
    """Every mode: ours (empty cache), the bare burst, one creation."""
    area = Area("stampede", "Stampedes on an empty cache (issue 15 items 1-2)")
    sid = guest_session(server)
    server.set_session_delay(delay)
    results: dict[str, dict[str, list[Any]]] = {}
    try:
        for mode in MODES:
            results[mode] = rounds_of(
                server, _BURSTS[mode], _SIZES[mode], sid, rounds[mode]
            )
    finally:
        server.set_session_delay(0)
    for mode in MODES:
        report_mode(area, mode, _SIZES[mode], results[mode])
    area.extra["session_delay_ms"] = delay * 1e3
    area.note(
        f"Session delay {delay * 1e3:.0f} ms. 'one creation' is one "
        "guest_session/new call with that delay, timed in the same round."
    )
    return area


def rounds_of(
    server: StandIn,
    burst: Callable[[StandIn, str | None, str | None], Burst],
    size: int,
    sid: str,
    rounds: int,
) -> dict[str, list[Any]]:
    """*rounds* rounds of ours, the bare burst and one creation."""
    found: dict[str, list[Any]] = {
        "ours": [],
        "bare": [],
        "creation": [],
        "sessions": [],
        "ops": [],
    }
    for round_no in range(rounds):
        for which in rotated(("ours", "bare", "creation"), round_no):
            server.reset()
            if which == "creation":
                found["creation"].append(one_creation(server))
                continue
            with tempfile.TemporaryDirectory(prefix="tmdb-bench-") as tmp:
                ours = which == "ours"
                cache = os.path.join(tmp, "cache") if ours else None
                elapsed, statuses, ops = burst(
                    server, cache, None if ours else sid
                )
                if ours:
                    created = server.sessions_created()
                    found["sessions"].append(
                        float(created["guest"] + created["user"])
                    )
                    found["ops"].append(ops or {})
            if statuses != [201] * size:
                msg = f"{which}: statuses {sorted(set(statuses))}"
                raise AssertionError(msg)
            found[which].append(elapsed)
    return found


def report_mode(
    area: Area,
    mode: str,
    n: int,
    r: dict[str, list[Any]],
    *,
    goal: str = "15",
    limit: float | None = None,
) -> None:
    """
    The rows and bars of one mode.

    *limit*: ms over (bare burst + one creation); by default issue 15's
    for the mode.
    """
    ours, bare, creation = r["ours"], r["bare"], r["creation"]
    floor = [b + c for b, c in zip(bare, creation, strict=True)]
    sessions = Stat.of(r["sessions"])
    ops = Stat.of([float(o.get("total", 0)) for o in r["ops"]])
    over_bare = differences(ours, bare).scaled(1e3)
    over_floor = differences(ours, floor).scaled(1e3)
    area.row(f"{mode} x{n}: sessions created", sessions, "sessions")
    area.row(f"{mode} x{n}: store operations (ours)", ops, "ops")
    for name in ("get", "lock", "put", "unlock", "diskcache_open"):
        area.row(
            f"{mode} x{n}: store {name}",
            Stat.of([float(o.get(name, 0)) for o in r["ops"]]),
            "ops",
        )
    area.row(
        f"{mode} x{n}: all served (ours)", Stat.of(ours).scaled(1e3), "ms"
    )
    area.row(f"{mode} x{n}: bare burst", Stat.of(bare).scaled(1e3), "ms")
    area.row(f"{mode} x{n}: one creation", Stat.of(creation).scaled(1e3), "ms")
    area.row(f"{mode} x{n}: ours - bare burst", over_bare, "ms")
    area.row(
        f"{mode} x{n}: ours - (bare burst + one creation)", over_floor, "ms"
    )
    area.bar(
        f"{mode} x{n}: exactly 1 session (every round)",
        sessions,
        "sessions",
        1,
        exact=True,
        goal="5" if goal == "15" else goal,
    )
    ours_ref = Ref("ours", Stat.of(ours).scaled(1e3), "ms")
    vs_floor = ratios(ours, floor)
    if mode.startswith("tasks"):
        area.bar(
            f"{mode} x{n}: ≤ 25 ms over the bare burst",
            over_bare,
            "ms",
            25.0,
            goal=goal if "." in goal else f"{goal}.1",
            ours=ours_ref,
            base=Ref("bare burst", Stat.of(bare).scaled(1e3), "ms"),
            vs_floor=vs_floor,
        )
        area.bar(
            f"{mode} x{n}: ≤ 5 store operations (every round)",
            ops,
            "ops",
            5,
            checked="max",
            goal=goal if "." in goal else f"{goal}.1",
        )
        return
    if limit is None:
        limit = 40.0 if mode.startswith("processes") else 20.0
    area.bar(
        f"{mode} x{n}: ≤ {limit:.0f} ms over (bare burst + one creation)",
        over_floor,
        "ms",
        limit,
        goal=goal if "." in goal else f"{goal}.2",
        ours=ours_ref,
        base=Ref("bare + creation", Stat.of(floor).scaled(1e3), "ms"),
        vs_floor=vs_floor,
    )
