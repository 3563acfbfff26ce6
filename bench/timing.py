"""
Timing primitives: interleaved rounds, medians with min and max, ratios.

Every figure the harness reports is a `Stat` over rounds. Cases that are
compared form a group (the part of their name before the last ``/``) and
run back to back in each round, in a rotating order, forward and then
backward (A B C C B A), so that a noisy neighbour or a drift slows them
all alike. A ratio is taken per round and then summarised, never computed
from two medians taken at different times.
"""

from __future__ import annotations

import gc
import statistics
import time

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


__all__ = [
    "Stat",
    "Timer",
    "calibrate",
    "differences",
    "interleaved",
    "no_gc",
    "now",
    "ratios",
    "rotated",
    "schedule",
]

#: Runs its case *n* times and returns the elapsed seconds.
Timer = Callable[[int], float]


@dataclass(frozen=True)
class Stat:
    """The median, min and max of one figure over the rounds."""

    median: float
    min: float
    max: float
    rounds: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stat:
        """Summarise *samples* (one per round)."""
        if not samples:
            msg = "no samples"
            raise ValueError(msg)
        return cls(
            statistics.median(samples),
            min(samples),
            max(samples),
            len(samples),
        )

    def scaled(self, factor: float) -> Stat:
        """The same figure in another unit."""
        return Stat(
            self.median * factor,
            self.min * factor,
            self.max * factor,
            self.rounds,
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "median": self.median,
            "min": self.min,
            "max": self.max,
            "rounds": self.rounds,
        }


@contextmanager
def no_gc() -> Iterator[None]:
    """Collect first, then keep the collector out of the timed code."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def rotated(names: Sequence[str], round_no: int) -> list[str]:
    """*names* starting at a different one each round."""
    k = round_no % len(names)
    return [*names[k:], *names[:k]]


def schedule(names: Sequence[str], round_no: int) -> list[str]:
    """
    The order of one round: group by group, each member twice.

    Within a group the order rotates from round to round and is run
    forward, then backward.
    """
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name.rpartition("/")[0], []).append(name)
    order: list[str] = []
    for members in groups.values():
        forward = rotated(members, round_no)
        order += [*forward, *reversed(forward)]
    return order


def calibrate(timer: Timer, target: float) -> int:
    """The loop count that makes one run of *timer* last about *target*."""
    n = 1
    while True:
        with no_gc():
            elapsed = timer(n)
        if elapsed >= target / 4 or n >= 1 << 22:
            return max(1, int(n * target / max(elapsed, 1e-9)))
        n *= 4


def interleaved(
    timers: Mapping[str, Timer],
    *,
    rounds: int,
    target: float = 0.01,
    loops: int | None = None,
) -> dict[str, list[float]]:
    """
    Seconds per call of each timer, one sample per round.

    Each round runs every timer twice (see `schedule`), each time for about
    *target* seconds, or *loops* calls if given.
    """
    names = list(timers)
    counts = {name: loops or calibrate(timers[name], target) for name in names}
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(rounds):
        spent = dict.fromkeys(names, 0.0)
        for name in schedule(names, round_no):
            with no_gc():
                spent[name] += timers[name](counts[name])
        for name in names:
            samples[name].append(spent[name] / (2 * counts[name]))
    return samples


def ratios(numerator: Sequence[float], denominator: Sequence[float]) -> Stat:
    """The per-round ratio of two figures measured in the same rounds."""
    return Stat.of(
        [a / b for a, b in zip(numerator, denominator, strict=True)]
    )


def differences(minuend: Sequence[float], subtrahend: Sequence[float]) -> Stat:
    """The per-round difference of two figures measured in the same rounds."""
    return Stat.of([a - b for a, b in zip(minuend, subtrahend, strict=True)])


def now() -> float:
    """A monotonic clock, shared by every process of this machine."""
    return time.perf_counter()
