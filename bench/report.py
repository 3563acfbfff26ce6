"""
Writing the results: ``latest.json``, ``latest.md`` and ``per_call.png``.
"""

from __future__ import annotations

import json
import os

from collections.abc import Sequence
from typing import Any

from model import Area, Bar


__all__ = ["chart", "markdown", "write_json"]


def _fmt(value: float, unit: str) -> str:
    if unit in ("sessions", "calls"):
        return f"{value:.0f}"
    if unit == "x":
        return f"{value:.3f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _limit(bar: Bar) -> str:
    if bar.exact:
        return f"= {_fmt(bar.limit, bar.unit)} {bar.unit} (every round)"
    where = "" if bar.checked == "median" else f" ({bar.checked})"
    return f"≤ {_fmt(bar.limit, bar.unit)} {bar.unit}{where}"


def bars_table(areas: Sequence[Area]) -> list[str]:
    """Every bar of the issue, pass or fail."""
    lines = [
        "| Bar | Median | Min | Max | Limit | Result |",
        "|---|---:|---:|---:|---|:---:|",
    ]
    for area in areas:
        for bar in area.bars:
            s = bar.stat
            lines.append(
                f"| {bar.name} | {_fmt(s.median, bar.unit)} {bar.unit} "
                f"| {_fmt(s.min, bar.unit)} | {_fmt(s.max, bar.unit)} "
                f"| {_limit(bar)} | {'✅ pass' if bar.passed else '❌ FAIL'} |"
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


def markdown(areas: Sequence[Area], meta: dict[str, Any]) -> str:
    """The whole report as Markdown."""
    passed = sum(b.passed for a in areas for b in a.bars)
    total = sum(len(a.bars) for a in areas)
    head = [
        "## Benchmark results",
        "",
        f"Machine: {meta['machine']}. Python {meta['python']}. "
        f"{meta['when']}, {meta['duration_s']:.0f} s"
        f"{' (quick run)' if meta['quick'] else ''}.",
        "",
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
        + ".",
        "",
        "Every figure is the median over rounds, with the min and max; every "
        "ratio and difference is taken per round between cases measured in "
        "the same round, then summarised.",
        "",
        f"### Bars: {passed} of {total} hold",
        "",
        *bars_table(areas),
    ]
    body: list[str] = []
    for area in areas:
        body += ["", *area_table(area)]
    return "\n".join([*head, *body, ""])


def write_json(path: str, areas: Sequence[Area], meta: dict[str, Any]) -> None:
    """``latest.json``, written whole or not at all."""
    data = {"meta": meta, "areas": {a.key: a.as_dict() for a in areas}}
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


_COLOURS = {
    "floor": "#9e9e9e",
    "public": "#cfcfcf",
    "ours": "#1f77b4",
    "peer": "#d62728",
}
_NAMES = {
    "requests": {
        "floor": "floor (hand-written)",
        "ours": "tmdb_auth",
        "peer": "requests_auth",
    },
    "httpx": {
        "floor": "floor (hand-written)",
        "public": "hand-written, public URL API",
        "ours": "tmdb_auth",
        "peer": "httpx_auth",
    },
}


def chart(path: str, per_call: Area, meta: dict[str, Any]) -> None:
    """Per-call cost, ours vs the peers vs the floor, one panel a library."""
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    data: dict[str, dict[str, dict[str, float]]] = per_call.extra["chart"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    for ax, lib in zip(axes, ("requests", "httpx"), strict=True):
        routes = list(data[lib])
        impls = list(_NAMES[lib])
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
                label=_NAMES[lib][impl],
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
                "session": "session route\n(api_key + session)",
                "bearer": "read route\n(Bearer)",
            }[r]
            for r in routes
        )
        ax.set_ylabel("µs per call (median, min-max), log scale")
        ax.set_title(
            "requests: auth(prepared)"
            if lib == "requests"
            else "httpx: one drive of sync_auth_flow"
        )
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(axis="y", which="both", alpha=0.3)
    fig.suptitle(
        f"Per-call auth cost, no network — {meta['machine']}, "
        f"Python {meta['python']}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
