"""
Session stores (issue 13 item 7), one kind at a time: the extension point.

Each `Kind` says whether it can run here (`Kind.unavailable`), gives a
fresh, empty store as the string ``TMDbAuth(cache=…)`` takes (so that
child processes can open it too), and may measure its round trip. The
area runs, for every kind that can run:

* per call on a session route, the session in memory (the hot path is
  shared: goal 1.00x the memory store), against ``cache=None``;
* cold start: a new process with the session in the store, against a
  hand-written auth given the session (goal: ≤ one round trip + 3 ms);
* for stores shared across machines (``Kind.shared``): 16 processes, each
  with a HOME of its own, on an empty store (sessions = 1; time over the
  bare burst + one creation).

To add a store: subclass `Kind` and list it in `KINDS`. The Redis kind is
here already: it runs once redis-py and ``redis-server`` are installed and
this tmdb-auth accepts ``cache="redis://…"``; until then the area says why
it did not run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from collections.abc import Iterator
from typing import Any

import coldstart
import percall
import stampede

from model import Area, Ref
from servers import StandIn
from timing import Stat, Timer, differences, interleaved, now, ratios

import tmdb_auth.requests


__all__ = ["KINDS", "Disk", "Kind", "Redis", "run"]

STAMPEDE_PROCESSES = 16


class Kind:
    """A kind of session store, as the benchmarks use it."""

    name = ""
    #: One store serves several machines (a fleet): the stampede runs.
    shared = False

    def unavailable(self) -> str | None:
        """Why this kind cannot run here, or None."""
        return None

    @contextlib.contextmanager
    def provision(self, tmp: str) -> Iterator[None]:
        """Whatever the kind needs while the area runs (a server)."""
        del tmp
        yield

    def fresh(self, tmp: str, label: str) -> str:
        """A new, empty store, as a ``cache=`` string."""
        raise NotImplementedError

    def round_trip(self) -> float | None:
        """Seconds of one round trip to the store, if it has one."""
        return None

    def holds(self, spec: str) -> bool:
        """Whether *spec* holds a record now (ours really used it)."""
        del spec
        return True


class Disk(Kind):
    """diskcache in a directory: the default store."""

    name = "disk"

    def fresh(self, tmp: str, label: str) -> str:
        """A new cache directory under *tmp*."""
        return os.path.join(tmp, f"disk-{label}")


class Redis(Kind):
    """Redis through redis-py, a ``redis-server`` started for the run."""

    name = "redis"
    shared = True

    def __init__(self) -> None:
        self._server: subprocess.Popen[bytes] | None = None
        self._port = 0
        self._db = 0

    def unavailable(self) -> str | None:
        """Missing redis-py, redis-server, or tmdb-auth support."""
        if importlib.util.find_spec("redis") is None:
            return "redis-py is not installed"
        if shutil.which("redis-server") is None:
            return "redis-server is not on PATH"
        return None

    @contextlib.contextmanager
    def provision(self, tmp: str) -> Iterator[None]:
        """A redis-server on a free loopback port, stopped by its pid."""
        import redis

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self._port = s.getsockname()[1]
        server_bin = shutil.which("redis-server") or "redis-server"
        self._server = subprocess.Popen(
            [
                server_bin,
                "--port",
                str(self._port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                tmp,
                "--databases",
                "256",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self._port, socket_timeout=1)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
            yield
        finally:
            client.close()
            self._server.terminate()
            self._server.wait(10)

    def fresh(self, tmp: str, label: str) -> str:
        """The next of 256 databases, flushed."""
        import redis

        del tmp, label
        self._db = (self._db + 1) % 256
        with redis.Redis(port=self._port, db=self._db) as client:
            client.flushdb()
        return f"redis://127.0.0.1:{self._port}/{self._db}"

    def holds(self, spec: str) -> bool:
        """Whether the database of *spec* has a key."""
        import redis

        with redis.Redis.from_url(spec) as client:
            return bool(client.dbsize())

    def round_trip(self) -> float:
        """The median of 200 PINGs."""
        import redis

        with redis.Redis(port=self._port) as client:
            client.ping()
            times = []
            for _ in range(200):
                t0 = now()
                client.ping()
                times.append(now() - t0)
        return Stat.of(times).median


#: Every kind the area knows, in the order it runs them.
KINDS: tuple[Kind, ...] = (Disk(), Redis())


_PROBE = """
import sys, requests, tmdb_auth.requests
url, key, spec = sys.argv[1:4]
auth = tmdb_auth.requests.TMDbAuth(key, api_url=url, session="guest", cache=spec)
with requests.Session() as s:
    s.auth = auth
    s.post(url + "/3/movie/550/rating", json={"value": 8}).raise_for_status()
auth.close()
"""


def _unused(server: StandIn, kind: Kind, tmp: str) -> str | None:
    """
    Why ours does not use *kind*, if it does not: one session call in a
    process whose working directory is *tmp* (an older tmdb-auth takes a
    URL for a relative directory path), then a look into the store.
    """
    spec = kind.fresh(tmp, "probe")
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, server.url, server.api_key, spec],
        cwd=tmp,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return f"this tmdb-auth refuses cache={spec!r} ({last[:120]})"
    if not kind.holds(spec):
        return (
            f"this tmdb-auth took cache={spec!r} and wrote nothing there "
            "(it read the URL as a directory path)"
        )
    return None


def _filled(server: StandIn, spec: str) -> str:
    """Make the guest session in *spec* through ours; return its id."""
    return coldstart._make(server, spec, session="guest")


def _per_call(
    server: StandIn, kind: Kind, tmp: str, rounds: int, target: float
) -> tuple[dict[str, list[float]], list[Any]]:
    """Ours on a session route, the session in memory: store vs none."""
    url = server.url + "/3/movie/550/rating"
    spec = kind.fresh(tmp, "per-call")
    _filled(server, spec)
    auths = [
        tmdb_auth.requests.TMDbAuth(
            server.api_key, api_url=server.url, session="guest", cache=cache
        )
        for cache in (spec, None)
    ]
    timers: dict[str, Timer] = {
        f"{kind.name}/{label}": percall.requests_timer(a, "POST", [url])
        for label, a in zip(("store", "memory"), auths, strict=False)
    }
    return interleaved(timers, rounds=rounds, target=target), auths


def _cold(
    server: StandIn, kind: Kind, tmp: str, rounds: int
) -> dict[str, list[float]]:
    spec = kind.fresh(tmp, "cold")
    guest = _filled(server, spec)
    base = {
        "url": server.url,
        "key": server.api_key,
        "token": server.read_token,
        "guest": guest,
        "user": "",
    }
    args = {
        "ours-requests-guest": {
            **base,
            "variant": "ours-requests-guest",
            "cache": spec,
        },
        "hand-requests-guest": {
            **base,
            "variant": "hand-requests-guest",
            "cache": "",
        },
    }
    samples, _, _ = coldstart.run_cold(
        [("ours-requests-guest", "hand-requests-guest")], args, rounds
    )
    return samples


def _stampede(
    server: StandIn, kind: Kind, tmp: str, rounds: int, delay: float
) -> dict[str, list[Any]]:
    sid = stampede.guest_session(server)
    homes = os.path.join(tmp, "homes")

    def burst(
        s: StandIn, cache: str | None, given: str | None
    ) -> stampede.Burst:
        spec = None if cache is None else kind.fresh(tmp, "stampede")
        return stampede.process_burst(
            s, spec, given, processes=STAMPEDE_PROCESSES, homes=homes
        )

    server.set_session_delay(delay)
    try:
        return stampede.rounds_of(
            server, burst, STAMPEDE_PROCESSES, sid, rounds
        )
    finally:
        server.set_session_delay(0)


def run(
    server: StandIn,
    *,
    per_call_rounds: int,
    target: float,
    cold_rounds: int,
    stampede_rounds: int,
    delay: float,
    kinds: tuple[Kind, ...] = KINDS,
) -> Area:
    """Every available kind of store."""
    area = Area("stores", "Session stores (issue 13 item 7)")
    ran: dict[str, str] = {}
    for kind in kinds:
        reason = kind.unavailable()
        if reason is not None:
            ran[kind.name] = f"not run: {reason}"
            continue
        plan = (per_call_rounds, target, cold_rounds, stampede_rounds, delay)
        with (
            tempfile.TemporaryDirectory(prefix="tmdb-bench-") as tmp,
            kind.provision(tmp),
        ):
            reason = _unused(server, kind, tmp)
            if reason is None:
                _measure(area, server, kind, tmp, plan)
        ran[kind.name] = "run" if reason is None else f"not run: {reason}"
    area.extra["kinds"] = ran
    for name, said in ran.items():
        area.note(f"Store {name}: {said}.")
    return area


def _measure(
    area: Area,
    server: StandIn,
    kind: Kind,
    tmp: str,
    plan: tuple[int, float, int, int, float],
) -> None:
    per_call_rounds, target, cold_rounds, stampede_rounds, delay = plan
    rtt = kind.round_trip()
    if rtt is not None:
        area.row(
            f"{kind.name}: one round trip",
            Stat(rtt, rtt, rtt, 1).scaled(1e3),
            "ms",
        )
    hot, auths = _per_call(server, kind, tmp, per_call_rounds, target)
    for auth in auths:
        auth.close()
    store, memory = hot[f"{kind.name}/store"], hot[f"{kind.name}/memory"]
    area.row(f"{kind.name}: per call", Stat.of(store).scaled(1e6), "µs")
    area.row("memory: per call", Stat.of(memory).scaled(1e6), "µs")
    area.bar(
        f"{kind.name} store per call ≤ 1.05x the memory store (goal 1.00x)",
        ratios(store, memory),
        "x",
        1.05,
        goal="13.7",
        ours=Ref(kind.name, Stat.of(store).scaled(1e6), "µs"),
        base=Ref("memory", Stat.of(memory).scaled(1e6), "µs"),
    )
    cold = _cold(server, kind, tmp, cold_rounds)
    ours, hand = cold["ours-requests-guest"], cold["hand-requests-guest"]
    over = differences(ours, hand).scaled(1e3)
    area.row(f"{kind.name}: cold start, ours - hand-written", over, "ms")
    limit = 3.0 + (rtt or 0.0) * 1e3
    area.bar(
        f"{kind.name} cold start ≤ one round trip + 3 ms over a hand-written"
        " auth",
        over,
        "ms",
        limit,
        goal="13.7",
        ours=Ref("ours", Stat.of(ours).scaled(1e3), "ms"),
        base=Ref("hand-written", Stat.of(hand).scaled(1e3), "ms"),
        vs_floor=ratios(ours, hand),
    )
    if not kind.shared:
        area.note(
            f"Store {kind.name}: one machine's; its process stampede is the "
            "'processes' mode of the stampedes."
        )
        return
    found = _stampede(server, kind, tmp, stampede_rounds, delay)
    stampede.report_mode(
        area,
        f"{kind.name} processes",
        STAMPEDE_PROCESSES,
        found,
        goal="13.7",
        limit=40.0,  # issue 13 sets none: the processes' limit of issue 15
    )
