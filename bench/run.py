"""
Run every benchmark and write bench/results/latest.{json,md} and the chart.

    python bench/run.py            # the full run (what ``nox -s bench`` does)
    python bench/run.py --quick    # a few rounds of everything, to try it
    python bench/run.py --only per_call cli

The full run writes bench/results/ and the table of the README's
Performance section; a quick run, or one with ``--only``, writes to a
temporary directory (``--out`` to choose) and leaves both alone. Prints
the Markdown report at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import coldstart
import endtoend
import percall
import report
import scale
import servers
import stampede
import stores

from model import Area


HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
AREAS = (
    "stampede",
    "cold_start",
    "per_call",
    "cli",
    "imports",
    "end_to_end",
    "scale",
    "stores",
)
PACKAGES = (
    "tmdb-auth",
    "requests",
    "httpx",
    "httpcore",
    "anyio",
    "sniffio",
    "trio",
    "diskcache",
    "redis",
    "requests-auth",
    "httpx-auth",
    "tmdbsimple",
)
SESSION_DELAY = 0.050
README_BEGIN = "<!-- bench-table:begin -->"
README_END = "<!-- bench-table:end -->"


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
    cli_rounds: int
    stampede_rounds: dict[str, int] = field(default_factory=dict)
    scale_rounds: int = 3
    scale_total: int = 4_000
    store_cold_rounds: int = 3
    store_stampede_rounds: int = 2


FULL = Plan(
    per_call_rounds=21,
    per_call_target=0.004,
    e2e_rounds=21,
    e2e_calls=15,
    e2e_async_rounds=7,
    cold_rounds=21,
    import_rounds=11,
    cli_rounds=15,
    stampede_rounds={
        "threads-requests": 15,
        "threads-httpx": 15,
        "tasks-httpx": 15,
        "processes": 15,
    },
    scale_rounds=11,
    scale_total=8_000,
    store_cold_rounds=11,
    store_stampede_rounds=15,
)
QUICK = Plan(
    per_call_rounds=3,
    per_call_target=0.001,
    e2e_rounds=2,
    e2e_calls=10,
    e2e_async_rounds=1,
    cold_rounds=2,
    import_rounds=2,
    cli_rounds=2,
    stampede_rounds={
        "threads-requests": 2,
        "threads-httpx": 2,
        "tasks-httpx": 2,
        "processes": 1,
    },
    scale_rounds=2,
    scale_total=2_000,
    store_cold_rounds=2,
    store_stampede_rounds=1,
)


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


def _loadavg() -> str:
    try:
        with open("/proc/loadavg", encoding="utf-8") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


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


def _redis_server() -> str:
    found = shutil.which("redis-server")
    if found is None:
        return "-"
    out = subprocess.run(
        [found, "--version"], capture_output=True, text=True, check=False
    )
    m = re.search(r"v=(\S+)", out.stdout)
    return m.group(1) if m else "?"


def _versions() -> dict[str, str]:
    found = {name: _version(name) for name in PACKAGES}
    found["redis-server"] = _redis_server()
    return found


def _source() -> str:
    """Where tmdb_auth was imported from: the installed package, or not."""
    import tmdb_auth

    path = os.path.abspath(tmdb_auth.__file__)
    return "installed" if "site-packages" in path else "a source tree"


def compile_bytecode() -> list[str]:
    """
    Byte-compile the environment's packages (and PYTHONPATH's) once.

    An installer (pip) leaves ``.pyc`` files; an environment made with
    ``PYTHONDONTWRITEBYTECODE`` set (as CI shells often are) has none, and
    every fresh interpreter then compiles each module it imports from
    source: tens of ms that no user pays, in every cold-start figure.
    """
    import compileall
    import sysconfig

    dirs = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    dirs.update(
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
    )
    done = []
    for directory in sorted(dirs):
        if os.path.isdir(directory):
            compileall.compile_dir(directory, quiet=2, workers=2)
            done.append(directory)
    return done


def _steps(plan: Plan) -> dict[str, Callable[[], Area]]:
    creds = percall.credentials()

    def with_standin(run: Callable[[servers.StandIn], Area]) -> Area:
        with servers.standin() as server:
            return run(server)

    def end_to_end() -> Area:
        with servers.fast_server() as base:
            return endtoend.run(
                base,
                creds,
                rounds=plan.e2e_rounds,
                calls=plan.e2e_calls,
                async_rounds=plan.e2e_async_rounds,
            )

    return {
        "stampede": lambda: with_standin(
            lambda s: stampede.run(
                s, delay=SESSION_DELAY, rounds=plan.stampede_rounds
            )
        ),
        "cold_start": lambda: with_standin(
            lambda s: coldstart.cold_start(s, rounds=plan.cold_rounds)
        ),
        "per_call": lambda: percall.run(
            creds, rounds=plan.per_call_rounds, target=plan.per_call_target
        ),
        "cli": lambda: with_standin(
            lambda s: coldstart.cli(s, rounds=plan.cli_rounds)
        ),
        "imports": lambda: coldstart.imports(rounds=plan.import_rounds),
        "end_to_end": end_to_end,
        "scale": lambda: scale.run(
            creds,
            rounds=plan.scale_rounds,
            target=plan.per_call_target,
            total=plan.scale_total,
        ),
        "stores": lambda: with_standin(
            lambda s: stores.run(
                s,
                per_call_rounds=plan.per_call_rounds,
                target=plan.per_call_target,
                cold_rounds=plan.store_cold_rounds,
                stampede_rounds=plan.store_stampede_rounds,
                delay=SESSION_DELAY,
            )
        ),
    }


def update_readme(section: str, path: str) -> None:
    """Replace the generated table of the README's Performance section."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    begin, end = text.find(README_BEGIN), text.find(README_END)
    if begin < 0 or end < begin:
        print(f"bench: no {README_BEGIN} in the README; left alone")
        return
    text = text[: begin + len(README_BEGIN)] + "\n" + section + text[end:]
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen areas, write the results, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--quick", action="store_true", help="few rounds")
    parser.add_argument("--only", nargs="+", choices=AREAS)
    parser.add_argument(
        "--out",
        help="where to write (default: bench/results for a full run, "
        "else a temporary directory)",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    complete = not args.quick and not args.only
    out = args.out or (
        os.path.join(HERE, "results")
        if complete
        else tempfile.mkdtemp(prefix="tmdb-bench-results-")
    )
    chosen = args.only or AREAS
    load_before = _loadavg()
    started = time.monotonic()
    compiled = compile_bytecode()
    steps = _steps(plan)
    areas: list[Area] = []
    timings: dict[str, float] = {}
    for key in AREAS:
        if key not in chosen:
            continue
        t0 = time.monotonic()
        print(f"bench: {key} …", end=" ", flush=True, file=sys.stderr)
        areas.append(steps[key]())
        timings[key] = time.monotonic() - t0
        print(f"{timings[key]:.1f} s", flush=True, file=sys.stderr)
    meta: dict[str, Any] = {
        "machine": _machine(),
        "python": platform.python_version(),
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "tmdb_auth_from": _source(),
        "bytecode": f"compiled before the run ({len(compiled)} directories)",
        "versions": _versions(),
        "quick": args.quick,
        "session_delay_s": SESSION_DELAY,
        "plan": plan.__dict__,
        "loadavg": {"before": load_before, "after": _loadavg()},
        "area_seconds": timings,
        "duration_s": time.monotonic() - started,
    }
    os.makedirs(out, exist_ok=True)
    text = report.markdown(areas, meta)
    report.write_json(os.path.join(out, "latest.json"), areas, meta)
    with open(os.path.join(out, "latest.md"), "w", encoding="utf-8") as f:
        f.write(text)
    per_call = next((a for a in areas if a.key == "per_call"), None)
    if per_call is not None:
        report.chart(os.path.join(out, "per_call.png"), per_call, meta)
    if complete and args.out is None:
        update_readme(
            report.readme_section(areas, meta), os.path.join(ROOT, "README.md")
        )
    print(text)
    print(f"bench: results in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
