"""What the public board (亮晒比) shows of a published result: 比位次 (ranks per category),
比进度 (progress against targets, and against the time-proportional target during the period),
比贡献 (shares of the city total for indicators that add up) and the comparisons of a unit with
its category (per indicator and per dimension, for 晒成绩/晒差距 and the radar).

Pure: a :class:`~kaohe.publication.record.Publication` and the cycle's scheme in, frozen records
out; no database, request or settings. The numbers are the engine's (values and targets as it
used them).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass

from kaohe.publication.record import IndicatorResult, Publication, ResultRow, UnitResult
from kaohe.rules.target import elapsed_share
from kaohe.scheme import Period, Scheme

UnitLine = tuple[str, str, str]  # (unit id, name, category name)


def period_elapsed(period: Period) -> float | None:
    """The share of the scheme's period elapsed by its ``as_of`` (its end when not given);
    None without a period."""
    if period.start is None or period.end is None or period.end < period.start:
        return None
    return elapsed_share(period.start, period.end, period.as_of or period.end)


def units_of(pub: Publication, scheme: Scheme) -> tuple[UnitLine, ...]:
    """The result's units in the scheme's order, with their names and categories' names."""
    return tuple(
        (uid, u.name, pub.unit(uid).category_name)
        for uid, u in scheme.units.items()
        if pub.has_unit(uid)
    )


# --------------------------------------------------------------------------- 比位次


@dataclass(frozen=True)
class CategoryRanking:
    """A category's units, best first."""

    category: str
    name: str
    full_marks: float | None
    rows: tuple[ResultRow, ...]


def ranking(pub: Publication) -> tuple[CategoryRanking, ...]:
    """Every category's rows by rank in the category (then unit id), in the scheme's order."""
    return tuple(
        CategoryRanking(
            cid,
            cat.name,
            cat.full_marks,
            tuple(
                sorted(
                    (r for r in pub.rows if r.category == cid),
                    key=lambda r: (r.rank_in_category, r.unit),
                )
            ),
        )
        for cid, cat in pub.categories.items()
    )


# --------------------------------------------------------------------------- 比进度


@dataclass(frozen=True)
class ProgressCell:
    """One unit's progress on one indicator."""

    value: float
    target: float
    completion: float | None  # value / target (target / value when lower is better)
    expected: float | None  # the time-proportional target: target × elapsed share
    on_pace: float | None  # value / expected

    @property
    def status(self) -> str:
        """``met`` (target reached), ``on_pace`` (ahead of the time-proportional target) or
        ``behind``; ``unknown`` when no ratio can be formed."""
        if self.completion is not None and self.completion >= 1.0:
            return "met"
        if self.on_pace is not None and self.on_pace >= 1.0:
            return "on_pace"
        if self.completion is None and self.on_pace is None:
            return "unknown"
        return "behind"


@dataclass(frozen=True)
class ProgressLine:
    """An indicator with targets: its unit cells and the elapsed share its pace uses."""

    indicator: str
    name: str
    unit_of_measure: str
    elapsed: float | None  # None: no time-proportional target for this indicator
    cells: dict[str, ProgressCell]  # unit id → cell (units with a value and a target)


@dataclass(frozen=True)
class Progress:
    period_elapsed: float | None  # the scheme period's elapsed share
    as_of: dt.date | None
    units: tuple[UnitLine, ...]  # in scheme order
    lines: tuple[ProgressLine, ...]

    def of_unit(self, unit: str) -> list[tuple[ProgressLine, ProgressCell]]:
        return [(line, line.cells[unit]) for line in self.lines if unit in line.cells]

    def tally(self, unit: str) -> dict[str, int]:
        """How many of a unit's indicators are ``met``, ``on_pace`` and ``behind`` (the
        big screen's one line per unit)."""
        out = dict.fromkeys(("met", "on_pace", "behind"), 0)
        for _, cell in self.of_unit(unit):
            if cell.status in out:
                out[cell.status] += 1
        return out


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 and math.isfinite(num) else None


def progress(pub: Publication, scheme: Scheme) -> Progress:
    """Every unit's progress on every base indicator with a target.

    The time-proportional target applies to amounts accumulated over the period: indicators
    that add up (``adds_up``) while the period runs (its ``as_of`` before its ``end``), and
    ``time_progress`` rules, with their own period (the engine's elapsed share)."""
    p = scheme.period
    whole = period_elapsed(p)
    lines: dict[str, dict[str, ProgressCell]] = {}
    elapsed_of: dict[str, float | None] = {}
    for u in pub.units:
        for ind in u.indicators:
            if ind.kind != "base" or ind.target is None or not ind.reported:
                continue
            value, target = ind.value, ind.target
            assert value is not None  # reported
            elapsed = _pace(ind, scheme, whole)
            higher = ind.direction == "higher"
            completion = _ratio(value, target) if higher else _ratio(target, value)
            expected = target * elapsed if elapsed is not None and higher else None
            on_pace = _ratio(value, expected) if expected is not None else None
            elapsed_of[ind.indicator] = elapsed
            lines.setdefault(ind.indicator, {})[u.unit] = ProgressCell(
                value, target, completion, expected, on_pace
            )
    out = [
        ProgressLine(iid, spec.name, spec.unit_of_measure, elapsed_of[iid], lines[iid])
        for iid, spec in scheme.indicators.items()
        if iid in lines
    ]
    return Progress(whole, p.as_of or p.end, units_of(pub, scheme), tuple(out))


def _pace(ind: IndicatorResult, scheme: Scheme, whole: float | None) -> float | None:
    """The elapsed share an indicator's time-proportional target uses, if it has one."""
    if ind.rule == "time_progress" and ind.elapsed is not None:
        return ind.elapsed
    spec = scheme.indicators.get(ind.indicator)
    if spec is not None and spec.adds_up and whole is not None and whole < 1.0:
        return whole
    return None


# --------------------------------------------------------------------------- 比贡献


@dataclass(frozen=True)
class ContributionLine:
    """An indicator that adds up: the city total and each unit's share of it."""

    indicator: str
    name: str
    unit_of_measure: str
    total: float
    values: dict[str, float]  # unit id → value (units that reported one)
    shares: dict[str, float]  # unit id → value / total


@dataclass(frozen=True)
class Contribution:
    units: tuple[UnitLine, ...]
    lines: tuple[ContributionLine, ...]
    skipped: tuple[tuple[str, str, str], ...]  # (indicator, name, why) not shown as shares


def contribution(pub: Publication, scheme: Scheme) -> Contribution:
    """Each unit's share of the total of every indicator marked ``adds_up``. An indicator with
    a negative value or a total of zero has no shares (they would not mean a part of a whole)."""
    values: dict[str, dict[str, float]] = {}
    for u in pub.units:
        for ind in u.indicators:
            if ind.reported:
                assert ind.value is not None
                values.setdefault(ind.indicator, {})[u.unit] = ind.value
    lines, skipped = [], []
    for iid, spec in scheme.indicators.items():
        if not spec.adds_up:
            continue
        mine = {uid: values[iid][uid] for uid in scheme.units if uid in values.get(iid, {})}
        total = math.fsum(mine.values())
        if any(v < 0 for v in mine.values()):
            skipped.append((iid, spec.name, "negative"))
        elif total <= 0:
            skipped.append((iid, spec.name, "zero_total"))
        else:
            shares = {uid: v / total for uid, v in mine.items()}
            lines.append(
                ContributionLine(iid, spec.name, spec.unit_of_measure, total, mine, shares)
            )
    return Contribution(units_of(pub, scheme), tuple(lines), tuple(skipped))


# --------------------------------------------------------------------------- 晒成绩 / 晒差距


@dataclass(frozen=True)
class IndicatorComparison:
    """One indicator of a unit: its points against its category's best and median points."""

    indicator: str
    name: str
    kind: str
    value: float | None
    unit_of_measure: str
    points: float | None
    full: float | None
    best: float | None
    median: float | None
    above_median: float  # points − median (0 without either)
    below_best: float  # best − points (0 without either)
    arithmetic: str
    flags: tuple[str, ...]


def comparison(me: UnitResult, peers: list[UnitResult]) -> list[IndicatorComparison]:
    """Per indicator of ``me``: its points against the best and median points of ``peers``
    (the units that have points on it)."""
    by_ind: dict[str, list[float]] = {}
    for p in peers:
        for ind in p.indicators:
            if ind.points is not None:
                by_ind.setdefault(ind.indicator, []).append(ind.points)
    out = []
    for ind in me.indicators:
        pts = by_ind.get(ind.indicator, [])
        mine = ind.points
        best = max(pts) if pts else None
        median = statistics.median(pts) if pts else None
        out.append(
            IndicatorComparison(
                indicator=ind.indicator,
                name=ind.name,
                kind=ind.kind,
                value=ind.value,
                unit_of_measure=ind.unit_of_measure,
                points=mine,
                full=ind.full,
                best=best,
                median=median,
                above_median=mine - median if mine is not None and median is not None else 0.0,
                below_best=best - mine if mine is not None and best is not None else 0.0,
                arithmetic=ind.arithmetic,
                flags=ind.flags,
            )
        )
    return out


def strengths(lines: list[IndicatorComparison], n: int = 5) -> list[IndicatorComparison]:
    """The ``n`` indicators furthest above the category's median (晒成绩)."""
    return sorted((x for x in lines if x.above_median > 0), key=lambda x: -x.above_median)[:n]


def gaps(lines: list[IndicatorComparison], n: int = 5) -> list[IndicatorComparison]:
    """The ``n`` indicators furthest below the category's best (晒差距)."""
    return sorted((x for x in lines if x.below_best > 0), key=lambda x: -x.below_best)[:n]


@dataclass(frozen=True)
class RadarAxis:
    """A top-level dimension: the unit's share of its points, its category's best and median."""

    dimension: str
    name: str
    mine: float
    best: float
    median: float


def radar(pub: Publication, scheme: Scheme, unit: str) -> list[RadarAxis]:
    """The unit's points share (points / full) per top-level dimension with full marks, with its
    category's best and median shares (units whose result is void are left out of the peers)."""
    me = pub.unit(unit)
    peers = [u for u in pub.peers(unit) if not u.void]
    top = [d for d, spec in scheme.dimensions.items() if spec.parent is None]

    def shares(u: UnitResult) -> dict[str, float]:
        return {
            d.dimension: d.value / d.full
            for d in u.dimensions
            if d.dimension in top and d.full and d.value is not None
        }

    mine = shares(me)
    theirs = [shares(p) for p in peers]
    axes = []
    for d in top:
        if d not in mine:
            continue
        vals = [s[d] for s in theirs if d in s] or [mine[d]]  # a void unit: its own share
        axes.append(
            RadarAxis(d, scheme.dimensions[d].name, mine[d], max(vals), statistics.median(vals))
        )
    return axes
