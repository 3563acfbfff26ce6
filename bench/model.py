"""
What each measurement area hands back: rows of figures, and bars.

A `Row` is one figure (a median with min and max over rounds). A `Bar` is
one of the issue's pass/fail limits, checked against a figure of the same
run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from timing import Stat


__all__ = ["Area", "Bar", "Row"]


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
class Bar:
    """
    One limit of the issue.

    *checked* says which part of the figure must stay within *limit*:
    ``"median"`` for ratios over noisy rounds, ``"max"`` when every round
    must hold. With *exact*, every round must equal *limit* (session
    counts).
    """

    name: str
    stat: Stat
    unit: str
    limit: float
    checked: str = "median"
    exact: bool = False
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
            "unit": self.unit,
            "limit": self.limit,
            "checked": self.checked,
            "value": self.value,
            "passed": self.passed,
            "note": self.note,
            **self.stat.as_dict(),
        }


@dataclass
class Area:
    """The figures and bars of one of the six measurement areas."""

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

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "title": self.title,
            "rows": [r.as_dict() for r in self.rows],
            "bars": [b.as_dict() for b in self.bars],
            **self.extra,
        }
