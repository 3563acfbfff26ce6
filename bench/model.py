"""
What each measurement area hands back: rows of figures, and bars.

A `Row` is one figure (a median with min and max over rounds). A `Bar` is
one pass/fail limit, checked against a figure of the same run, with the
two sides it compares (ours, and the baseline or floor) shown beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from timing import Stat


__all__ = ["Area", "Bar", "Ref", "Row"]


@dataclass(frozen=True)
class Row:
    """One measured figure."""

    case: str
    stat: Stat
    unit: str
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "case": self.case,
            "unit": self.unit,
            "note": self.note,
            **self.stat.as_dict(),
        }


@dataclass(frozen=True)
class Ref:
    """One side of a comparison: what it is, and its figure."""

    label: str
    stat: Stat
    unit: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"label": self.label, "unit": self.unit, **self.stat.as_dict()}


@dataclass(frozen=True)
class Bar:
    """
    One limit.

    *checked* says which part of the figure must stay within *limit*:
    ``"median"`` for ratios over noisy rounds, ``"max"`` when every round
    must hold. With *exact*, every round must equal *limit* (session
    counts). *goal* names where the limit comes from (an issue's item).
    *ours* and *base* are the two figures compared; *vs_floor* is ours
    over the floor (the least possible work), per round, when the area
    measures one.
    """

    name: str
    stat: Stat
    unit: str
    limit: float
    checked: str = "median"
    exact: bool = False
    goal: str = ""
    ours: Ref | None = None
    base: Ref | None = None
    vs_floor: Stat | None = None
    note: str = ""

    @property
    def value(self) -> float:
        """The part of the figure that is checked."""
        return float(getattr(self.stat, self.checked))

    @property
    def passed(self) -> bool:
        """Whether the figure holds the bar."""
        if self.exact:
            return self.stat.min == self.stat.max == self.limit
        return self.value <= self.limit

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "bar": self.name,
            "goal": self.goal,
            "unit": self.unit,
            "limit": self.limit,
            "checked": self.checked,
            "value": self.value,
            "passed": self.passed,
            "note": self.note,
            "ours": None if self.ours is None else self.ours.as_dict(),
            "base": None if self.base is None else self.base.as_dict(),
            "vs_floor": (
                None if self.vs_floor is None else self.vs_floor.as_dict()
            ),
            **self.stat.as_dict(),
        }


@dataclass
class Area:
    """The figures and bars of one measurement area."""

    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def row(self, case: str, stat: Stat, unit: str, note: str = "") -> Row:
        """Add a figure."""
        found = Row(case, stat, unit, note)
        self.rows.append(found)
        return found

    def bar(
        self, name: str, stat: Stat, unit: str, limit: float, **kw: Any
    ) -> Bar:
        """Add a bar."""
        found = Bar(name, stat, unit, limit, **kw)
        self.bars.append(found)
        return found

    def note(self, text: str) -> None:
        """A sentence printed under the area's table."""
        self.extra.setdefault("notes", []).append(text)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "title": self.title,
            "rows": [r.as_dict() for r in self.rows],
            "bars": [b.as_dict() for b in self.bars],
            **self.extra,
        }
