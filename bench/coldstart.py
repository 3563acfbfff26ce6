"""
Fresh interpreters: cold start, imports, and the command line.

* Cold start: a new process makes one call against the stand-in, its
  session already cached, in every mode (see `child`): the default mode
  with only a guest session cached, ``session="guest"``, ``"user"`` with a
  user session cached, ``None`` on a read call, and the read token
  (Bearer) on a read call. Timed inside the child from its first line
  (interpreter start-up, equal for all, is left out) to the response,
  against a hand-written auth of the library's own kind given the same
  credential and session, in the same round. The child also says whether
  diskcache was imported (issue 15 item 3: never, on a clean miss).
* Imports: ``import tmdb_auth.requests`` vs ``import requests`` and
  ``import tmdb_auth.httpx`` vs ``import httpx``, each in a new
  interpreter, timed around the import statement.
* Command line: ``tmdb-auth status`` (a cache holding a guest and a user
  session) and ``tmdb-auth --help`` against ``python -c pass``, wall time
  of the whole process (issue 15 item 5).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile

from collections.abc import Iterable, Sequence
from typing import Any

import requests

from model import Area, Ref
from servers import StandIn
from timing import Stat, differences, now, ratios, rotated, schedule

import tmdb_auth.requests

from tmdb_auth._routes import Need


__all__ = ["cli", "cold_start", "imports", "run_cold", "warm_caches"]

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child.py")
SESSION_NEW = (
    "/3/authentication/guest_session/new",
    "/3/authentication/session/new",
)
#: mode -> the hand-written auth it is compared with, and its cache.
MODES = {
    "auto": ("guest", "guest"),
    "guest": ("guest", "guest"),
    "user": ("user", "user"),
    "off": ("key", "guest"),
    "bearer": ("bearer", "guest"),
}
_MODE_LABEL = {
    "auto": "default mode, only a guest session cached",
    "guest": 'session="guest", guest session cached',
    "user": 'session="user", user session cached',
    "off": "session=None, read call",
    "bearer": "read token (Bearer), read call",
}
LIBS = ("requests", "httpx")
IMPORTS = (
    "requests/requests",
    "requests/tmdb_auth.requests",
    "httpx/httpx",
    "httpx/tmdb_auth.httpx",
)


def _leaf(name: str) -> str:
    return name.rpartition("/")[2]


def _child(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, CHILD, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )
    if out.returncode != 0:
        msg = f"child {args[:1]} failed:\n{out.stderr}"
        raise RuntimeError(msg)
    result: dict[str, Any] = json.loads(out.stdout.splitlines()[-1])
    return result


def _make(server: StandIn, directory: str, **options: Any) -> str:
    """Make one session in *directory* through ours; return its id."""
    need = Need.USER if options.get("session") == "user" else Need.GUEST_OK
    with tmdb_auth.requests.TMDbAuth(
        server.api_key, api_url=server.url, cache=directory, **options
    ) as auth:
        with requests.Session() as s:
            s.auth = auth
            r = s.post(server.url + "/3/movie/550/rating", json={"value": 8})
            r.raise_for_status()
        session = auth._sessions.current(need)
    assert session is not None
    return session.id


def warm_caches(server: StandIn, tmp: str) -> dict[str, str]:
    """A store with only a guest session, and one with a user session."""
    guest_dir = os.path.join(tmp, "guest")
    user_dir = os.path.join(tmp, "user")
    return {
        "guest_dir": guest_dir,
        "user_dir": user_dir,
        "guest": _make(server, guest_dir, session="guest"),
        "user": _make(
            server,
            user_dir,
            session="user",
            username=server.username,
            password=server.password,
        ),
    }


def run_cold(
    pairs: Sequence[tuple[str, str]],
    args: dict[str, dict[str, str]],
    rounds: int,
) -> tuple[dict[str, list[float]], dict[str, int], dict[str, list[float]]]:
    """
    Seconds to first response of each variant, one sample per round.

    *pairs* are (ours, baseline) variant names compared per round: each
    round runs them in a rotating order of pairs, each pair in alternating
    order. *args* holds each variant's child arguments. Returns the
    samples, per variant the rounds whose child imported diskcache, and
    the CPU seconds of each child (its whole life: less sensitive to a
    busy machine than the wall time).
    """
    names = list(dict.fromkeys(v for pair in pairs for v in pair))
    samples: dict[str, list[float]] = {v: [] for v in names}
    cpu: dict[str, list[float]] = {v: [] for v in names}
    diskcache = dict.fromkeys(names, 0)
    for v in names:  # warm the OS file cache
        _child("cold", json.dumps(args[v]))
    for round_no in range(rounds):
        seen: dict[str, float] = {}
        for pair in rotated(list(pairs), round_no):
            for v in pair if round_no % 2 == 0 else reversed(pair):
                if v in seen:
                    continue
                result = _child("cold", json.dumps(args[v]))
                if result["status"] not in (200, 201):
                    msg = f"{v}: status {result['status']}"
                    raise AssertionError(msg)
                seen[v] = result["seconds"]
                cpu[v].append(result["cpu"])
                diskcache[v] += bool(result["diskcache"])
        for v in names:
            samples[v].append(seen[v])
    return samples, diskcache, cpu


def cold_start(server: StandIn, *, rounds: int) -> Area:
    """Time to first response of a new process, its session cached."""
    area = Area("cold_start", "Cold start, session cached (issue 15 item 3)")
    with tempfile.TemporaryDirectory(prefix="tmdb-bench-") as tmp:
        warm = warm_caches(server, tmp)
        base = {
            "url": server.url,
            "key": server.api_key,
            "token": server.read_token,
            "guest": warm["guest"],
            "user": warm["user"],
        }
        args: dict[str, dict[str, str]] = {}
        pairs: list[tuple[str, str]] = []
        for lib in LIBS:
            for mode, (hand, cache) in MODES.items():
                ours, theirs = f"ours-{lib}-{mode}", f"hand-{lib}-{hand}"
                args[ours] = {
                    **base,
                    "variant": ours,
                    "cache": warm[f"{cache}_dir"],
                }
                args[theirs] = {**base, "variant": theirs, "cache": ""}
                pairs.append((ours, theirs))
        args["tmdbsimple"] = {**base, "variant": "tmdbsimple", "cache": ""}
        pairs.append(("tmdbsimple", "hand-requests-guest"))
        server.reset()
        samples, diskcache, cpu = run_cold(pairs, args, rounds)
        created = sum(server.count(path) for path in SESSION_NEW)
    for lib in LIBS:
        for mode, (hand, _) in MODES.items():
            ours, theirs = f"ours-{lib}-{mode}", f"hand-{lib}-{hand}"
            over = differences(samples[ours], samples[theirs]).scaled(1e3)
            area.row(
                f"{lib}, {_MODE_LABEL[mode]}: ours",
                Stat.of(samples[ours]).scaled(1e3),
                "ms",
            )
            area.row(
                f"{lib}, {_MODE_LABEL[mode]}: hand-written ({hand})",
                Stat.of(samples[theirs]).scaled(1e3),
                "ms",
            )
            area.row(
                f"{lib}, {_MODE_LABEL[mode]}: ours - hand-written", over, "ms"
            )
            area.row(
                f"{lib}, {_MODE_LABEL[mode]}: ours - hand-written, CPU time",
                differences(cpu[ours], cpu[theirs]).scaled(1e3),
                "ms",
            )
            area.bar(
                f"cold start {lib}, {_MODE_LABEL[mode]}: ≤ 4 ms over a "
                "hand-written auth",
                over,
                "ms",
                4.0,
                goal="15.3",
                ours=Ref("ours", Stat.of(samples[ours]).scaled(1e3), "ms"),
                base=Ref(
                    "hand-written", Stat.of(samples[theirs]).scaled(1e3), "ms"
                ),
                vs_floor=ratios(samples[ours], samples[theirs]),
            )
        imported = {mode: diskcache[f"ours-{lib}-{mode}"] for mode in MODES}
        area.extra.setdefault("diskcache_imported", {})[lib] = imported
        total = float(sum(imported.values()))
        area.bar(
            f"cold start {lib}: diskcache never imported (rounds x modes "
            "that did)",
            Stat(total, total, total, rounds),
            "runs",
            0,
            checked="max",
            goal="15.3",
            note=", ".join(f"{m}: {n}" for m, n in imported.items()),
        )
    area.row(
        "tmdbsimple (guest, given the session): time to first response",
        Stat.of(samples["tmdbsimple"]).scaled(1e3),
        "ms",
    )
    calls = Stat(created, created, created, rounds)
    area.row("session-creation calls, all rounds", calls, "calls")
    area.bar(
        "cold start: 0 session-creation calls",
        calls,
        "calls",
        0,
        checked="max",
        goal="5",
    )
    area.note(
        "Each child prints whether `diskcache` is in `sys.modules` after its "
        "call; the bar counts the (round, mode) runs where it was: "
        + "; ".join(
            f"{lib}: "
            + ", ".join(f"{m} {n}/{rounds}" for m, n in found.items())
            for lib, found in area.extra["diskcache_imported"].items()
        )
        + "."
    )
    return area


def imports(*, rounds: int) -> Area:
    """Import time in fresh interpreters, ours vs the HTTP library alone."""
    area = Area("imports", "Imports (fresh interpreters)")
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
    for lib in LIBS:
        ours, theirs = (
            samples[f"{lib}/tmdb_auth.{lib}"],
            samples[f"{lib}/{lib}"],
        )
        ratio = ratios(ours, theirs)
        area.row(f"import tmdb_auth.{lib} / import {lib}", ratio, "x")
        area.bar(
            f"import tmdb_auth.{lib} ≤ 1.10x import {lib}",
            ratio,
            "x",
            1.10,
            goal="5",
            ours=Ref("ours", Stat.of(ours).scaled(1e3), "ms"),
            base=Ref(lib, Stat.of(theirs).scaled(1e3), "ms"),
        )
    area.extra["importtime_top"] = {
        lib: importtime(f"tmdb_auth.{lib}", lib) for lib in LIBS
    }
    return area


def _script() -> str:
    """The ``tmdb-auth`` entry point of this interpreter's environment."""
    found = os.path.join(os.path.dirname(sys.executable), "tmdb-auth")
    if not os.path.isfile(found):
        msg = "the tmdb-auth command is not installed next to this Python"
        raise RuntimeError(msg)
    return found


def _wall(argv: Sequence[str], env: dict[str, str]) -> float:
    t0 = now()
    out = subprocess.run(
        argv, capture_output=True, check=False, timeout=120, env=env
    )
    elapsed = now() - t0
    if out.returncode != 0:
        msg = f"{argv[1:]} failed:\n{out.stderr.decode(errors='replace')}"
        raise RuntimeError(msg)
    return elapsed


def cli(server: StandIn, *, rounds: int) -> Area:
    """``tmdb-auth status`` and ``--help`` against ``python -c pass``."""
    area = Area("cli", "Command line (issue 15 item 5)")
    script = _script()
    commands = {
        "cli/python -c pass": [sys.executable, "-c", "pass"],
        "cli/tmdb-auth --help": [script, "--help"],
        "cli/tmdb-auth status": [script, "status"],
    }
    with tempfile.TemporaryDirectory(prefix="tmdb-bench-") as tmp:
        # The default store, as a user runs the command: no cache setting,
        # the user cache directory found by platformdirs (under a temporary
        # XDG_CACHE_HOME), holding a user and a guest session.
        xdg = os.path.join(tmp, "xdg")
        store = os.path.join(xdg, "tmdb-auth", "sessions")
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("TMDB_")
        }
        env.update(
            XDG_CACHE_HOME=xdg,
            TMDB_API_KEY=server.api_key,
            TMDB_API_URL=server.url,
        )
        _make(
            server,
            store,
            session="user",
            username=server.username,
            password=server.password,
        )
        _make(server, store, session="guest")
        for argv in commands.values():
            _wall(argv, env)
        listed = subprocess.run(
            [script, "status"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout
        if store not in listed or listed.count("\n") < 4:
            msg = f"tmdb-auth status did not list the two sessions:\n{listed}"
            raise AssertionError(msg)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for round_no in range(rounds):
            spent = dict.fromkeys(commands, 0.0)
            for name in schedule(list(commands), round_no):
                spent[name] += _wall(commands[name], env) / 2
            for name in commands:
                samples[name].append(spent[name])
    base = samples["cli/python -c pass"]
    for name in commands:
        area.row(_leaf(name), Stat.of(samples[name]).scaled(1e3), "ms")
    for command, limit in (("status", 3.0), ("--help", 2.0)):
        ours = samples[f"cli/tmdb-auth {command}"]
        ratio = ratios(ours, base)
        area.row(f"tmdb-auth {command} / python -c pass", ratio, "x")
        area.bar(
            f"tmdb-auth {command} ≤ {limit:g}x python -c pass",
            ratio,
            "x",
            limit,
            goal="15.5",
            ours=Ref("ours", Stat.of(ours).scaled(1e3), "ms"),
            base=Ref("python -c pass", Stat.of(base).scaled(1e3), "ms"),
        )
    area.extra["importtime_top"] = {
        "tmdb_auth._cli": importtime("tmdb_auth._cli", "argparse")
    }
    return area


_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def importtime(module: str, library: str) -> list[dict[str, object]]:
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
    return [{"module": name, "self_us": us} for us, name in _top(extra)]


def _top(found: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    return list(found)[:12]
