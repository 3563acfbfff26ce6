"""
Writing the results: ``latest.json``, ``latest.md``, ``per_call.png``, and
the table of the README's Performance section.
"""

from __future__ import annotations

import json
import os

from collections.abc import Sequence
from typing import Any

from model import Area, Bar, Ref
from timing import Stat


__all__ = ["bars_table", "chart", "markdown", "readme_section", "write_json"]

#: Where each bar's limit comes from, in the order the table shows them.
GOALS = {
    "15.1": "issue 15, 1: in-process single-flight",
    "15.2": "issue 15, 2: cross-process waiting",
    "15.3": "issue 15, 3: cold start",
    "15.4": "issue 15, 4: per call",
    "15.5": "issue 15, 5: command line",
    "13.7": "issue 13, 7: stores",
    "5": "release one (issue 5)",
}


TIMES, DASH = "\u00d7", "\u2013"  # the signs of a ratio and a range


def _fmt(value: float, unit: str) -> str:
    if unit in ("sessions", "calls", "ops", "runs"):
        return f"{value:.0f}"
    if unit == "x":
        return f"{value:.2f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _unit(unit: str) -> str:
    return TIMES if unit == "x" else f" {unit}"


def figure(stat: Stat, unit: str) -> str:
    """``median (min-max) unit``, with an en dash."""
    if stat.min == stat.max:
        return f"{_fmt(stat.median, unit)}{_unit(unit)}"
    return (
        f"{_fmt(stat.median, unit)}{_unit(unit)} "
        f"({_fmt(stat.min, unit)}{DASH}{_fmt(stat.max, unit)})"
    )


def _ref(ref: Ref | None) -> str:
    if ref is None:
        return ""
    return f"{ref.label} {_fmt(ref.stat.median, ref.unit)}{_unit(ref.unit)}"


def _limit(bar: Bar) -> str:
    if bar.exact:
        return f"= {_fmt(bar.limit, bar.unit)} every round"
    where = "" if bar.checked == "median" else f" ({bar.checked})"
    return f"≤ {_fmt(bar.limit, bar.unit)}{_unit(bar.unit)}{where}"


def _ordered(areas: Sequence[Area]) -> list[Bar]:
    bars = [bar for area in areas for bar in area.bars]
    order = list(GOALS)
    return sorted(
        bars,
        key=lambda b: order.index(b.goal) if b.goal in order else len(order),
    )


def bars_table(areas: Sequence[Area]) -> list[str]:
    """Every bar, pass or fail, with both sides and ours / floor."""
    lines = [
        f"| Goal | Bar | Figure: median (min{DASH}max) | Limit | Ours "
        "| Baseline "
        "| Ours / floor | Result |",
        "|---|---|---:|---|---:|---:|---:|:---:|",
    ]
    for bar in _ordered(areas):
        vs = "" if bar.vs_floor is None else figure(bar.vs_floor, "x")
        lines.append(
            f"| {bar.goal} | {bar.name} | {figure(bar.stat, bar.unit)} "
            f"| {_limit(bar)} | {_ref(bar.ours)} | {_ref(bar.base)} | {vs} "
            f"| {'✅ pass' if bar.passed else '❌ FAIL'} |"
        )
    return lines


def area_table(area: Area) -> list[str]:
    """The figures of one area."""
    lines = [
        f"### {area.title}",
        "",
        "| Case | Median | Min | Max | Unit |",
        "|---|---:|---:|---:|---|",
    ]
    for row in area.rows:
        s = row.stat
        lines.append(
            f"| {row.case} | {_fmt(s.median, row.unit)} "
            f"| {_fmt(s.min, row.unit)} | {_fmt(s.max, row.unit)} "
            f"| {row.unit} |"
        )
    lines.extend(f"\n{note}" for note in area.extra.get("notes", ()))
    return lines


def _summary(areas: Sequence[Area]) -> str:
    passed = sum(b.passed for a in areas for b in a.bars)
    total = sum(len(a.bars) for a in areas)
    return f"{passed} of {total} bars hold"


def _head(meta: dict[str, Any]) -> list[str]:
    load = meta.get("loadavg", {})
    return [
        f"Machine: {meta['machine']}. Python {meta['python']}. "
        f"{meta['when']}, {meta['duration_s']:.0f} s"
        f"{' (quick run)' if meta['quick'] else ''}; load average "
        f"{load.get('before', '?')} before, {load.get('after', '?')} after "
        "(a shared machine).",
        "",
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
        + ".",
    ]


def markdown(areas: Sequence[Area], meta: dict[str, Any]) -> str:
    """The whole report as Markdown."""
    head = [
        "## Benchmark results",
        "",
        *_head(meta),
        "",
        "Every figure is the median over rounds, with the min and max; every "
        "ratio and difference is taken per round between cases measured in "
        "the same round, then summarised. *Ours / floor* is ours over the "
        "least possible work measured in the same rounds: per call, a hand-written "
        "auth with the credential already computed (a precomputed query "
        "appended, or header set); end to end, the bare request with the "
        "credential already in the URL; stampedes, the bare burst plus one "
        "session creation; cold start, a hand-written auth given the "
        "session.",
        "",
        f"### Bars: {_summary(areas)}",
        "",
        *bars_table(areas),
    ]
    body: list[str] = []
    if any(area.key == "per_call" for area in areas):
        body += ["", "![Per-call auth cost](per_call.png)"]
    for area in areas:
        body += ["", *area_table(area)]
    return "\n".join([*head, *body, ""])


def readme_section(areas: Sequence[Area], meta: dict[str, Any]) -> str:
    """The generated part of the README's Performance section."""
    return "\n".join(
        [
            f"Measured by `nox -s bench`: {_summary(areas)}. "
            + " ".join(_head(meta)[::2]),
            "",
            *bars_table(areas),
            "",
        ]
    )


def write_json(path: str, areas: Sequence[Area], meta: dict[str, Any]) -> None:
    """``latest.json``, written whole or not at all."""
    data = {"meta": meta, "areas": {a.key: a.as_dict() for a in areas}}
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


_COLOURS = {
    "bare": "#e0e0e0",
    "floor": "#9e9e9e",
    "public": "#cfcfcf",
    "ours": "#1f77b4",
    "peer": "#d62728",
}
_NAMES = {
    "bare": "no auth (the loop alone)",
    "floor": "floor (hand-written, precomputed)",
    "public": "hand-written, public URL API",
    "ours": "tmdb_auth",
    "peer": "requests-auth / httpx-auth",
}


def chart(path: str, per_call: Area, meta: dict[str, Any]) -> None:
    """Per-call cost, ours vs the peers vs the floor, one panel a library."""
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    data: dict[str, dict[str, dict[str, float]]] = per_call.extra["chart"]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, lib in zip(axes, ("requests", "httpx"), strict=True):
        routes = list(data[lib])
        impls = [i for i in _NAMES if i in data[lib][routes[0]]]
        width = 0.8 / len(impls)
        for i, impl in enumerate(impls):
            xs = [
                r + (i - (len(impls) - 1) / 2) * width
                for r in range(len(routes))
            ]
            med = [data[lib][route][impl] for route in routes]
            low = [
                m - data[lib][route][impl + "_min"]
                for m, route in zip(med, routes, strict=True)
            ]
            high = [
                data[lib][route][impl + "_max"] - m
                for m, route in zip(med, routes, strict=True)
            ]
            ax.bar(
                xs,
                med,
                width,
                yerr=[low, high],
                capsize=2,
                label=_NAMES[impl],
                color=_COLOURS[impl],
            )
            for x, m, h in zip(xs, med, high, strict=True):
                ax.annotate(
                    f"{m:.3g}",
                    (x, m + h),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7,
                )
        ax.set_yscale("log")
        ax.set_xticks(range(len(routes)))
        ax.set_xticklabels(
            {
                "read": "read route\n(api_key)",
                "session": "session route\n(api_key + session, hook)",
                "bearer": "read route\n(Bearer)",
            }[r]
            for r in routes
        )
        ax.set_ylabel("µs per call (median, min-max), log scale")
        ax.set_title(
            "requests: auth(prepared) + its response hook"
            if lib == "requests"
            else "httpx: one drive of sync_auth_flow"
        )
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(axis="y", which="both", alpha=0.3)
    fig.suptitle(
        f"Per-call auth cost, no network — {meta['machine']}, "
        f"Python {meta['python']}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
