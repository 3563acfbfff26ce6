"""
Area 6: how the per-call cost grows with the store and with threads.

* Entries: caches holding 1, 100 and 10 000 records (guest sessions of
  other API keys, and other users of ours, plus our guest session). Per
  call on a session route once the session is in memory (the bar), and
  the first call of a new auth object, which looks the session up on disk.
* Threads: one auth object shared by 1, 8 and 32 threads, each thread
  calling it on its own prepared request; per call = wall time / calls.

No network: the session comes from the store, never from TMDb.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
import time

from collections.abc import Callable
from typing import Any

import httpx
import requests

from model import Area
from percall import API, Credentials, httpx_timer, requests_timer
from timing import Stat, Timer, interleaved, now, ratios

import tmdb_auth.httpx
import tmdb_auth.requests

from tmdb_auth._protocol import Session
from tmdb_auth._store import key_for


__all__ = ["run"]

ENTRIES = (1, 100, 10_000)
THREADS = (1, 8, 32)
RATING = API + "/3/movie/550/rating"


def _fill(directory: str, c: Credentials, entries: int) -> None:
    """Our guest session, and *entries* - 1 records of others."""
    auth = tmdb_auth.requests.TMDbAuth(
        c.api_key, session="guest", cache=directory
    )
    sessions = auth._sessions
    start = time.time()
    sessions.save(
        Session("guest", secrets.token_hex(20), None, start, start + 86400)
    )
    identity = sessions.settings.credential.identity.reveal()
    auth.close()
    import diskcache

    cache = diskcache.Cache(directory, disk=diskcache.JSONDisk)
    with cache.transact():
        for i in range(entries - 1):
            record: dict[str, Any]
            if i % 2:
                key = key_for(identity, sessions.origin, "user", f"user{i}")
                record = {"kind": "user", "username": f"user{i}"}
            else:
                key = key_for(f"{i:032x}", sessions.origin, "guest")
                record = {"kind": "guest", "expires_at": start + 86400}
            cache.set(
                key,
                {**record, "id": secrets.token_hex(20), "created_at": start},
            )
    cache.close()


def _close(auth: Any) -> None:
    auth.close()


def _first_call(lib: str, c: Credentials, directory: str) -> Timer:
    """A new auth object and its first session call (a store lookup)."""

    def run(n: int) -> float:
        elapsed = 0.0
        for _ in range(n):
            if lib == "requests":
                prepared = requests.Request("POST", RATING).prepare()
                t0 = now()
                auth: Any = tmdb_auth.requests.TMDbAuth(
                    c.api_key, session="guest", cache=directory
                )
                auth(prepared)
                elapsed += now() - t0
                ok = "guest_session_id=" in (prepared.url or "")
            else:
                request = httpx.Request("POST", RATING)
                t0 = now()
                auth = tmdb_auth.httpx.TMDbAuth(
                    c.api_key, session="guest", cache=directory
                )
                flow = auth.sync_auth_flow(request)
                sent = next(flow)
                elapsed += now() - t0
                ok = "guest_session_id=" in str(sent.url)
                flow.close()  # which restores the request's URL
            _close(auth)
            if not ok:
                msg = "the session was not found in the store"
                raise AssertionError(msg)
        return elapsed

    return run


def _entries(area: Area, c: Credentials, rounds: int, target: float) -> None:
    with tempfile.TemporaryDirectory(prefix="tmdb-bench-") as tmp:
        dirs = {n: os.path.join(tmp, f"store-{n}") for n in ENTRIES}
        for n, directory in dirs.items():
            _fill(directory, c, n)
        warm: dict[str, Timer] = {}
        cold: dict[str, Timer] = {}
        auths: list[Any] = []
        for n, directory in dirs.items():
            ra = tmdb_auth.requests.TMDbAuth(
                c.api_key, session="guest", cache=directory
            )
            ha = tmdb_auth.httpx.TMDbAuth(
                c.api_key, session="guest", cache=directory
            )
            auths += [ra, ha]
            warm[f"requests/{n}"] = requests_timer(ra, "POST", [RATING])
            warm[f"httpx/{n}"] = httpx_timer(ha, "POST", [RATING])
            cold[f"requests/{n}"] = _first_call("requests", c, directory)
            cold[f"httpx/{n}"] = _first_call("httpx", c, directory)
        hot = interleaved(warm, rounds=rounds, target=target)
        first = interleaved(cold, rounds=rounds, loops=2)
        for auth in auths:
            _close(auth)
    for lib in ("requests", "httpx"):
        for n in ENTRIES:
            area.row(
                f"{lib} session call, {n:,} entries",
                Stat.of(hot[f"{lib}/{n}"]).scaled(1e6),
                "µs",
            )
        top = ratios(hot[f"{lib}/{ENTRIES[-1]}"], hot[f"{lib}/1"])
        area.row(f"{lib}: 10,000 / 1 entries", top, "x")
        area.bar(
            f"{lib} per call flat: 10,000 / 1 entries ≤ 1.2x",
            top,
            "x",
            1.2,
            goal="5",
        )
        for n in ENTRIES:
            area.row(
                f"{lib} new auth + first call (store lookup), {n:,} entries",
                Stat.of(first[f"{lib}/{n}"]).scaled(1e3),
                "ms",
            )
        area.row(
            f"{lib} first call: 10,000 / 1 entries",
            ratios(first[f"{lib}/{ENTRIES[-1]}"], first[f"{lib}/1"]),
            "x",
        )


def _threaded(call: Callable[[], None], threads: int, total: int) -> Timer:
    """*total* calls split over *threads* threads; returns a timer."""
    per_thread = total // threads

    def run(n: int) -> float:
        go = threading.Event()

        def worker() -> None:
            go.wait()
            for _ in range(per_thread * n):
                call()

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for t in pool:
            t.start()
        time.sleep(0.01)
        t0 = now()
        go.set()
        for t in pool:
            t.join()
        return (now() - t0) * total / (per_thread * threads)

    return run


def _per_thread_requests(auth: Any) -> Callable[[], None]:
    local = threading.local()

    def call() -> None:
        r = getattr(local, "r", None)
        if r is None:
            r = local.r = requests.Request("POST", RATING).prepare()
        r.url = RATING
        auth(r)
        r.hooks["response"].clear()

    return call


def _per_thread_httpx(auth: Any) -> Callable[[], None]:
    local = threading.local()
    url = httpx.URL(RATING)

    def call() -> None:
        r = getattr(local, "r", None)
        if r is None:
            r = local.r = httpx.Request("POST", RATING)
            local.resp = httpx.Response(200, request=r)
        r.url = url
        flow = auth.sync_auth_flow(r)
        next(flow)
        try:  # noqa: SIM105 -- contextlib.suppress would be timed too
            flow.send(local.resp)
        except StopIteration:
            pass

    return call


def _threads(area: Area, c: Credentials, rounds: int, total: int) -> None:
    ra = tmdb_auth.requests.TMDbAuth(
        c.api_key, session_id=c.session_id, cache=None
    )
    ha = tmdb_auth.httpx.TMDbAuth(
        c.api_key, session_id=c.session_id, cache=None
    )
    timers: dict[str, Timer] = {}
    for threads in THREADS:
        timers[f"requests/{threads}"] = _threaded(
            _per_thread_requests(ra), threads, total
        )
        timers[f"httpx/{threads}"] = _threaded(
            _per_thread_httpx(ha), threads, total
        )
    for timer in timers.values():  # warm up: the first call sets up
        timer(1)
    samples = {
        name: [x / total for x in found]
        for name, found in interleaved(timers, rounds=rounds, loops=1).items()
    }
    for lib in ("requests", "httpx"):
        for threads in THREADS:
            area.row(
                f"{lib} session call, {threads} threads sharing one auth",
                Stat.of(samples[f"{lib}/{threads}"]).scaled(1e6),
                "µs",
            )
        area.row(
            f"{lib}: 32 / 1 threads",
            ratios(samples[f"{lib}/32"], samples[f"{lib}/1"]),
            "x",
        )


def run(c: Credentials, *, rounds: int, target: float, total: int) -> Area:
    """Both halves of area 6."""
    area = Area("scale", "Scale: cached entries and threads")
    _entries(area, c, rounds, target)
    _threads(area, c, rounds, total)
    return area
