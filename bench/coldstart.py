"""
Areas 3 and 4: fresh interpreters.

3. Cold start with a warm cache: a new process makes one session call
   (``POST /3/movie/550/rating`` as a guest) against the stand-in, with the
   cache directory already holding the guest session. Timed inside the
   child from its first line (interpreter start-up, equal for all, is left
   out) to the response. The hand-written auths are given the session id,
   as if their author had stored it; tmdbsimple is given it the same way.
4. Imports: ``import tmdb_auth.requests`` vs ``import requests`` and
   ``import tmdb_auth.httpx`` vs ``import httpx``, each in a new
   interpreter, timed around the import statement.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile

import requests

from model import Area
from servers import StandIn
from timing import Stat, differences, ratios, schedule

import tmdb_auth.requests

from tmdb_auth._routes import Need


__all__ = ["cold_start", "imports"]

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child.py")
GUEST_NEW = "/3/authentication/guest_session/new"
#: Measured in groups (before the "/"), back to back; after it, the child's
#: variant.
COLD_VARIANTS = (
    "requests/ours-requests",
    "requests/hand-requests",
    "requests/tmdbsimple",
    "httpx/ours-httpx",
    "httpx/hand-httpx",
)
IMPORTS = (
    "requests/requests",
    "requests/tmdb_auth.requests",
    "httpx/httpx",
    "httpx/tmdb_auth.httpx",
)


def _leaf(name: str) -> str:
    return name.rpartition("/")[2]


def _child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, CHILD, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if out.returncode != 0:
        msg = f"child {args[:2]} failed:\n{out.stderr}"
        raise RuntimeError(msg)
    result: dict[str, float] = json.loads(out.stdout.splitlines()[-1])
    return result


def _warm_cache(server: StandIn, directory: str) -> str:
    """Make the guest session once, in *directory*; return its id."""
    auth = tmdb_auth.requests.TMDbAuth(
        server.api_key, api_url=server.url, session="guest", cache=directory
    )
    with requests.Session() as s:
        s.auth = auth
        r = s.post(server.url + "/3/movie/550/rating", json={"value": 8})
        r.raise_for_status()
    session = auth._sessions.current(Need.GUEST_OK)
    assert session is not None
    return session.id


def cold_start(server: StandIn, *, rounds: int) -> Area:
    """Time to first response of a new process with a warm cache."""
    area = Area("cold_start", "3. Cold start with a warm cache (stand-in)")
    with tempfile.TemporaryDirectory(prefix="tmdb-bench-") as tmp:
        cache = os.path.join(tmp, "cache")
        sid = _warm_cache(server, cache)
        server.reset()
        args = (server.url, server.api_key, cache, sid)
        samples: dict[str, list[float]] = {v: [] for v in COLD_VARIANTS}
        for variant in COLD_VARIANTS:  # warm the OS file cache
            _child("cold", _leaf(variant), *args)
        server.reset()
        for round_no in range(rounds):
            spent = dict.fromkeys(COLD_VARIANTS, 0.0)
            for variant in schedule(COLD_VARIANTS, round_no):
                result = _child("cold", _leaf(variant), *args)
                if result["status"] != 201:
                    msg = f"{variant}: status {result['status']}"
                    raise AssertionError(msg)
                spent[variant] += result["seconds"] / 2
            for variant in COLD_VARIANTS:
                samples[variant].append(spent[variant])
        created = server.count(GUEST_NEW) + server.count(
            "/3/authentication/session/new"
        )
    for variant in COLD_VARIANTS:
        area.row(
            f"{_leaf(variant)}: time to first response",
            Stat.of(samples[variant]).scaled(1e3),
            "ms",
        )
    for lib in ("requests", "httpx"):
        over = differences(
            samples[f"{lib}/ours-{lib}"], samples[f"{lib}/hand-{lib}"]
        )
        area.row(f"ours - hand-written ({lib})", over.scaled(1e3), "ms")
        area.bar(
            f"cold start ({lib}): ≤ 10 ms over the hand-written auth",
            over.scaled(1e3),
            "ms",
            10.0,
        )
    area.row(
        "tmdbsimple / ours-requests",
        ratios(
            samples["requests/tmdbsimple"], samples["requests/ours-requests"]
        ),
        "x",
    )
    calls = Stat(created, created, created, rounds)
    area.row("session-creation calls, all rounds of ours", calls, "calls")
    area.bar(
        "cold start: 0 session-creation calls",
        calls,
        "calls",
        0,
        checked="max",
    )
    return area


def imports(*, rounds: int) -> Area:
    """Import time in fresh interpreters, ours vs the HTTP library alone."""
    area = Area("imports", "4. Imports (fresh interpreters)")
    samples: dict[str, list[float]] = {m: [] for m in IMPORTS}
    for module in IMPORTS:
        _child("import", _leaf(module))
    for round_no in range(rounds):
        spent = dict.fromkeys(IMPORTS, 0.0)
        for module in schedule(IMPORTS, round_no):
            spent[module] += _child("import", _leaf(module))["seconds"] / 2
        for module in IMPORTS:
            samples[module].append(spent[module])
    for module in IMPORTS:
        area.row(
            f"import {_leaf(module)}",
            Stat.of(samples[module]).scaled(1e3),
            "ms",
        )
    for lib in ("requests", "httpx"):
        ratio = ratios(
            samples[f"{lib}/tmdb_auth.{lib}"], samples[f"{lib}/{lib}"]
        )
        area.row(f"import tmdb_auth.{lib} / import {lib}", ratio, "x")
        area.bar(
            f"import tmdb_auth.{lib} ≤ 1.10x import {lib}", ratio, "x", 1.10
        )
    area.extra["importtime_top"] = {
        lib: _importtime(f"tmdb_auth.{lib}", lib)
        for lib in ("requests", "httpx")
    }
    return area


_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _importtime(module: str, library: str) -> list[dict[str, object]]:
    """
    The modules ``import module`` adds to ``import library``, by self time.

    From ``-X importtime`` (one run each, so indicative only).
    """

    def selftimes(target: str) -> dict[str, int]:
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {target}"],
            capture_output=True,
            text=True,
            check=True,
        )
        found = {}
        for line in out.stderr.splitlines():
            m = _LINE.match(line)
            if m:
                found[m.group(4)] = int(m.group(1))
        return found

    ours, base = selftimes(module), selftimes(library)
    extra = sorted(
        ((us, name) for name, us in ours.items() if name not in base),
        reverse=True,
    )
    return [{"module": name, "self_us": us} for us, name in extra[:12]]
