"""What a chart shows, as frozen records: no drawing, no files.

Every chart has a title, an axis label that names its unit (``得分（分）``, ``% of full marks``)
and a legend that says in words what each colour means. The same record is drawn as inline SVG
by :mod:`kaohe.charts.svg` (fast, text as text: documents with thousands of charts) and as a
matplotlib figure by :mod:`kaohe.charts.mpl` (PNG files, downloads), so a chart reads the same in
a page, a PDF, a workbook's companion files and on the board.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

MarkKind = Literal["bar", "line", "dashed", "dot", "tick"]


@dataclass(frozen=True)
class LegendEntry:
    """A colour and what it means, in words (``优秀``, ``类别最高``)."""

    label: str
    colour: str
    mark: MarkKind = "bar"


@dataclass(frozen=True)
class Mark:
    """A value marked on a bar's row: the category's best (a tick), its median (a dot)."""

    value: float
    colour: str
    kind: Literal["tick", "dot"] = "tick"


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart. A value beyond the axis is drawn to the axis end with an arrow
    and its true value written beside it (234% on an axis to 200%)."""

    label: str
    value: float
    colour: str
    text: str  # the value as written beside the bar
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class Line:
    """A reference line across the rows (a target at 100%, the elapsed share of the year)."""

    value: float
    colour: str
    dashed: bool = False


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, first row at the top."""

    title: str
    axis_label: str
    bars: tuple[Bar, ...]
    axis_max: float
    legend: tuple[LegendEntry, ...] = ()
    lines: tuple[Line, ...] = ()
    axis_min: float = 0.0

    def clipped(self, bar: Bar) -> bool:
        return bar.value > self.axis_max


@dataclass(frozen=True)
class Series:
    """One closed line of a radar: a share (0–1, may exceed 1) per axis."""

    label: str
    colour: str
    values: tuple[float, ...]
    mark: Literal["line", "dashed", "dot"] = "line"
    filled: bool = False


@dataclass(frozen=True)
class RadarChart:
    title: str
    axis_label: str  # what the rings measure, e.g. "得分率（%）"
    axes: tuple[str, ...]
    series: tuple[Series, ...]

    @property
    def legend(self) -> tuple[LegendEntry, ...]:
        return tuple(LegendEntry(s.label, s.colour, s.mark) for s in self.series)

    @property
    def ring_max(self) -> float:
        """The outer ring: 100%, or more when a value is above it."""
        top = max((v for s in self.series for v in s.values), default=1.0)
        return max(1.0, math.ceil(top * 4) / 4)


@dataclass(frozen=True)
class Interval:
    """One unit's rank interval (5–95%), its median and its nominal rank."""

    label: str
    low: float
    high: float
    median: float
    nominal: float


@dataclass(frozen=True)
class IntervalChart:
    """Rank intervals, one row per unit, rank 1 at the left."""

    title: str
    axis_label: str
    rows: tuple[Interval, ...]
    legend: tuple[LegendEntry, ...]
    axis_max: float  # the worst rank shown


Chart = BarChart | RadarChart | IntervalChart
