"""
Run every benchmark of issue 5 and write bench/results/latest.{json,md,png}.

    python bench/run.py            # the full run (what ``nox -s bench`` does)
    python bench/run.py --quick    # a few rounds of everything, to try it
    python bench/run.py --only per_call imports

Prints the Markdown table at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import os
import platform
import subprocess
import sys
import time

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import coldstart
import endtoend
import percall
import report
import scale
import servers
import stampede

from model import Area


HERE = os.path.dirname(os.path.abspath(__file__))
AREAS = (
    "per_call",
    "end_to_end",
    "cold_start",
    "imports",
    "stampede",
    "scale",
)
PACKAGES = (
    "tmdb-auth",
    "requests",
    "httpx",
    "diskcache",
    "requests-auth",
    "httpx-auth",
    "tmdbsimple",
)


@dataclass(frozen=True)
class Plan:
    """How many rounds each area runs."""

    per_call_rounds: int
    per_call_target: float
    e2e_rounds: int
    e2e_calls: int
    e2e_async_rounds: int
    cold_rounds: int
    import_rounds: int
    stampede_rounds: dict[str, int]
    scale_rounds: int
    scale_total: int


FULL = Plan(
    per_call_rounds=25,
    per_call_target=0.005,
    e2e_rounds=41,
    e2e_calls=15,
    e2e_async_rounds=11,
    cold_rounds=11,
    import_rounds=15,
    stampede_rounds={
        "threads-requests": 9,
        "threads-httpx": 9,
        "tasks-httpx": 7,
        "processes": 5,
    },
    scale_rounds=15,
    scale_total=16_000,
)
QUICK = Plan(
    per_call_rounds=5,
    per_call_target=0.002,
    e2e_rounds=3,
    e2e_calls=20,
    e2e_async_rounds=2,
    cold_rounds=3,
    import_rounds=3,
    stampede_rounds={
        "threads-requests": 2,
        "threads-httpx": 2,
        "tasks-httpx": 2,
        "processes": 1,
    },
    scale_rounds=3,
    scale_total=4_000,
)
SESSION_DELAY = 0.050


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()}"


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            cwd=HERE,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def _versions() -> dict[str, str]:
    return {name: _version(name) for name in PACKAGES}


def _steps(plan: Plan) -> dict[str, Callable[[], Area]]:
    creds = percall.credentials()

    def per_call() -> Area:
        return percall.run(
            creds, rounds=plan.per_call_rounds, target=plan.per_call_target
        )

    def end_to_end() -> Area:
        with servers.fast_server() as base:
            return endtoend.run(
                base,
                creds,
                rounds=plan.e2e_rounds,
                calls=plan.e2e_calls,
                async_rounds=plan.e2e_async_rounds,
            )

    def cold_start() -> Area:
        with servers.standin() as server:
            return coldstart.cold_start(server, rounds=plan.cold_rounds)

    def imports() -> Area:
        return coldstart.imports(rounds=plan.import_rounds)

    def stampede_() -> Area:
        with servers.standin() as server:
            return stampede.run(
                server, delay=SESSION_DELAY, rounds=plan.stampede_rounds
            )

    def scale_() -> Area:
        return scale.run(
            creds,
            rounds=plan.scale_rounds,
            target=plan.per_call_target,
            total=plan.scale_total,
        )

    return {
        "per_call": per_call,
        "end_to_end": end_to_end,
        "cold_start": cold_start,
        "imports": imports,
        "stampede": stampede_,
        "scale": scale_,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen areas, write the results, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--quick", action="store_true", help="few rounds")
    parser.add_argument("--only", nargs="+", choices=AREAS, default=AREAS)
    parser.add_argument(
        "--out", default=os.path.join(HERE, "results"), help="%(default)s"
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    started = time.monotonic()
    steps = _steps(plan)
    areas: list[Area] = []
    for key in AREAS:
        if key not in args.only:
            continue
        t0 = time.monotonic()
        print(f"bench: {key} …", end=" ", flush=True, file=sys.stderr)
        areas.append(steps[key]())
        print(f"{time.monotonic() - t0:.1f} s", flush=True, file=sys.stderr)
    meta: dict[str, Any] = {
        "machine": _machine(),
        "python": platform.python_version(),
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "versions": _versions(),
        "quick": args.quick,
        "session_delay_s": SESSION_DELAY,
        "plan": plan.__dict__,
        "duration_s": time.monotonic() - started,
    }
    os.makedirs(args.out, exist_ok=True)
    text = report.markdown(areas, meta)
    report.write_json(os.path.join(args.out, "latest.json"), areas, meta)
    with open(os.path.join(args.out, "latest.md"), "w", encoding="utf-8") as f:
        f.write(text)
    per_call = next((a for a in areas if a.key == "per_call"), None)
    if per_call is not None:
        report.chart(os.path.join(args.out, "per_call.png"), per_call, meta)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
