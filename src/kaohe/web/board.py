"""What the public board (亮晒比) shows, computed from a published result: 比进度 (progress
against targets, and against the time-proportional target during the period), 比贡献 (shares of
the city total for indicators that add up) and the comparisons of a unit with its category
(per indicator and per dimension, for 晒成绩/晒差距 and the radar).

Pure: a result snapshot's explain document and the cycle's scheme in, frozen records out; no
database, request or settings. The numbers are the engine's (values and targets as it used them).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass
from typing import Any

from kaohe.scheme import Scheme


def elapsed_share(
    start: dt.date | None, end: dt.date | None, as_of: dt.date | None
) -> float | None:
    """Share of the period's days elapsed by the end of ``as_of`` (both ends counted, as the
    ``time_progress`` rule counts them); ``as_of`` defaults to the end. None without a period."""
    if start is None or end is None or end < start:
        return None
    day = as_of or end
    total = (end - start).days + 1
    done = (day - start).days + 1
    return min(max(done / total, 0.0), 1.0)


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
    units: tuple[tuple[str, str, str], ...]  # (unit id, name, category name) in scheme order
    lines: tuple[ProgressLine, ...]

    def of_unit(self, unit: str) -> list[tuple[ProgressLine, ProgressCell]]:
        return [(line, line.cells[unit]) for line in self.lines if unit in line.cells]


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 and math.isfinite(num) else None


def progress(doc: dict[str, Any], scheme: Scheme) -> Progress:
    """Every unit's progress on every base indicator with a target.

    The time-proportional target applies to amounts accumulated over the period: indicators
    that add up (``adds_up``) while the period runs (its ``as_of`` before its ``end``), and
    ``time_progress`` rules, with their own period (the engine's elapsed share)."""
    p = scheme.period
    period_elapsed = elapsed_share(p.start, p.end, p.as_of)
    lines: dict[str, dict[str, ProgressCell]] = {}
    elapsed_of: dict[str, float | None] = {}
    for u in doc["units"]:
        for ind in u["indicators"]:
            iid, target, value = ind["indicator"], ind["target"], ind["value"]
            if ind["kind"] != "base" or target is None or ind["status"] != "present":
                continue
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            spec = scheme.indicators.get(iid)
            terms = ind.get("terms") or {}
            elapsed: float | None = None
            if ind["rule"]["type"] == "time_progress" and "elapsed" in terms:
                elapsed = float(terms["elapsed"])
            elif spec is not None and spec.adds_up and period_elapsed is not None:
                elapsed = period_elapsed if period_elapsed < 1.0 else None
            higher = ind["direction"] == "higher"
            completion = _ratio(value, target) if higher else _ratio(target, value)
            expected = target * elapsed if elapsed is not None and higher else None
            on_pace = _ratio(value, expected) if expected is not None else None
            elapsed_of[iid] = elapsed
            lines.setdefault(iid, {})[u["unit"]] = ProgressCell(
                float(value), float(target), completion, expected, on_pace
            )
    out = []
    for iid, spec in scheme.indicators.items():
        if iid in lines:
            out.append(
                ProgressLine(iid, spec.name, spec.unit_of_measure, elapsed_of[iid], lines[iid])
            )
    return Progress(period_elapsed, p.as_of or p.end, _units(doc, scheme), tuple(out))


def _units(doc: dict[str, Any], scheme: Scheme) -> tuple[tuple[str, str, str], ...]:
    known = {u["unit"]: u for u in doc["units"]}
    return tuple(
        (uid, u.name, known[uid]["category_name"])
        for uid, u in scheme.units.items()
        if uid in known
    )


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
    units: tuple[tuple[str, str, str], ...]
    lines: tuple[ContributionLine, ...]
    skipped: tuple[tuple[str, str, str], ...]  # (indicator, name, why) not shown as shares


def contribution(doc: dict[str, Any], scheme: Scheme) -> Contribution:
    """Each unit's share of the total of every indicator marked ``adds_up``. An indicator with
    a negative value or a total of zero has no shares (they would not mean a part of a whole)."""
    values: dict[str, dict[str, float]] = {}
    for u in doc["units"]:
        for ind in u["indicators"]:
            v = ind["value"]
            if ind["status"] == "present" and isinstance(v, int | float) and math.isfinite(v):
                values.setdefault(ind["indicator"], {})[u["unit"]] = float(v)
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
    return Contribution(_units(doc, scheme), tuple(lines), tuple(skipped))


# --------------------------------------------------------------------------- 晒成绩 / 晒差距


def comparison(me: dict[str, Any], peers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per indicator of ``me``: its points against its category's best and median points."""
    by_ind: dict[str, list[float]] = {}
    for p in peers:
        for ind in p["indicators"]:
            if ind["points"] is not None:
                by_ind.setdefault(ind["indicator"], []).append(float(ind["points"]))
    out = []
    for ind in me["indicators"]:
        pts = by_ind.get(ind["indicator"], [])
        mine = ind["points"]
        best = max(pts) if pts else None
        median = statistics.median(pts) if pts else None
        out.append(
            {
                "id": ind["indicator"],
                "name": ind["name"],
                "value": ind["value"],
                "unit_of_measure": ind["unit_of_measure"],
                "kind": ind["kind"],
                "points": mine,
                "full": ind["full"],
                "best": best,
                "median": median,
                "above_median": (mine - median) if mine is not None and median is not None else 0.0,
                "below_best": (best - mine) if mine is not None and best is not None else 0.0,
                "arithmetic": ind["arithmetic"],
                "flags": ind.get("flags") or [],
            }
        )
    return out


@dataclass(frozen=True)
class RadarAxis:
    """A top-level dimension: the unit's share of its points, its category's best and median."""

    dimension: str
    name: str
    mine: float
    best: float
    median: float


def radar(doc: dict[str, Any], scheme: Scheme, unit: str) -> list[RadarAxis]:
    """The unit's points share (points / full) per top-level dimension with full marks, with its
    category's best and median shares (units whose result is void are left out of the peers)."""
    units = {u["unit"]: u for u in doc["units"]}
    me = units[unit]
    peers = [u for u in doc["units"] if u["category"] == me["category"] and not u.get("void")]
    top = [d for d, spec in scheme.dimensions.items() if spec.parent is None]

    def shares(u: dict[str, Any]) -> dict[str, float]:
        out = {}
        for d in u["dimensions"]:
            full, value = d.get("full"), d.get("value")
            if d["dimension"] in top and full and value is not None:
                out[d["dimension"]] = float(value) / float(full)
        return out

    mine = shares(me)
    theirs = [shares(p) for p in peers]
    axes = []
    for d in top:
        if d not in mine:
            continue
        vals = [s[d] for s in theirs if d in s]
        axes.append(
            RadarAxis(d, scheme.dimensions[d].name, mine[d], max(vals), statistics.median(vals))
        )
    return axes
