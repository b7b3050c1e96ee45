"""The gap to the next place (晒差距): for one unit, the least improvement of each single
indicator that would move it up one place — and the least that would give it a better grade —
holding every other value fixed.

The answer is computed with the engine itself, so it is exact for every rule (piecewise, capped,
peer-relative: when the unit's value moves, its peers' points move as the rule says). Along the
better direction, the unit's standing only improves (the rules are monotone), so the threshold is
found by searching the breakpoints of the rule (the peers' values, the target and the reference
values, the band edges) and then bisecting the last stretch to the precision of a float. Where
even the best value the indicator can take is not enough — its points are capped, or the gap is
in other indicators — the answer is "not reachable by this indicator".

"One place" is in the order the grades are given by (the grading group: the category or all
units, with the tie-breaks); without grades, the rank within the category.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kaohe.results import Results

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaohe.aggregation import aggregate
from kaohe.dataset import PRESENT, Dataset
from kaohe.grading import grade_units
from kaohe.i18n import t
from kaohe.ranking import Standing, ordering, rank_key, tie_break_keys
from kaohe.rules.base import fmt
from kaohe.scoring import score_indicator

Vec = NDArray[np.float64]
NUMERIC = frozenset({"veto", "judgement", "bonus_items", "count_deduction"})


@dataclass(frozen=True)
class Gap:
    """What one indicator would take to move the unit up."""

    indicator: str
    name: str
    value: float | None  # the value the rule uses now
    place_value: float | None  # the value that moves the unit up one place (None: cannot)
    grade_value: float | None  # the value that gives it a better grade (None: cannot)
    direction: str
    place_note: str = ""  # why there is no place_value: "first", "unreachable", "no value"
    grade_note: str = ""  # why there is no grade_value: "top", "unreachable", "no grades", …

    @property
    def place_change(self) -> float | None:
        return (
            None
            if self.place_value is None or self.value is None
            else (self.place_value - self.value)
        )

    @property
    def grade_change(self) -> float | None:
        return (
            None
            if self.grade_value is None or self.value is None
            else (self.grade_value - self.value)
        )

    def place_text(self, language: str | None = None) -> str:
        """The value that moves the unit up a place, with the change (``9.8（+0.35）``), or
        why there is none, in words."""
        return gap_text(self.place_value, self.place_change, self.place_note, language)

    def grade_text(self, language: str | None = None) -> str:
        """:meth:`place_text` for a better grade."""
        return gap_text(self.grade_value, self.grade_change, self.grade_note, language)


def round_toward(value: float, decimals: int, direction: str) -> float:
    """``value`` rounded to ``decimals`` places in the better direction (up where higher is
    better, down where lower is): a threshold shown to a person that, reached, still moves the
    unit (a count needs 103 projects, not 102.169142). Float noise below a millionth of a step
    is not a step: 103.0000000001 stays 103."""
    step = 10.0**-decimals
    units = round(value / step, 6)
    whole = math.ceil(units) if direction == "higher" else math.floor(units)
    return round(whole * step, decimals)


def gap_text(
    value: float | None, change: float | None, note: str, language: str | None = None
) -> str:
    """A gap as a person reads it: the value with its change, or the reason there is none."""
    if value is None:
        return t("report.gap." + note.replace(" ", "_"), language) if note else "—"
    sign = "+" if (change or 0.0) >= 0 else "−"
    return t("gap.with_change", language, value=fmt(value), change=sign + fmt(abs(change or 0.0)))


@dataclass(frozen=True)
class Standing1:
    position: int  # place in the group's order (0 best)
    grade: int  # grade index (0 best); 0 without grades


def gaps(results: Results, unit: str, only: Collection[str] | None = None) -> list[Gap]:
    """The gap of every indicator that applies to ``unit`` (by id or name); with ``only``,
    of those indicators (ids) alone."""
    i = results.unit_index(unit)
    plan = results.plan
    now = _standing(results, i, None, math.nan)
    out = []
    for j, iid in enumerate(plan.indicators):
        if not plan.applies[i, j] or (only is not None and iid not in only):
            continue
        ind = plan.scheme.indicators[iid]
        if plan.kinds[j] != "base" or ind.rule.type in NUMERIC:
            continue
        out.append(_gap(results, i, j, now))
    return out


def _gap(results: Results, i: int, j: int, now: Standing1) -> Gap:
    plan = results.plan
    iid = plan.indicators[j]
    ind = plan.scheme.indicators[iid]
    values = _used(results)
    x0 = float(values[i, j])
    d = 1.0 if ind.direction == "higher" else -1.0
    if math.isnan(x0):
        return Gap(iid, ind.name, None, None, None, ind.direction, "no value", "no value")
    probe: Callable[[float], Standing1] = lambda x: _standing(results, i, j, x)  # noqa: E731
    far = _far(results, i, j, x0, d)
    best = probe(far)
    needs_place = now.position != 0 and best.position < now.position
    needs_grade = plan.scheme.grading is not None and now.grade != 0 and best.grade < now.grade
    # the rule's breakpoints between the value and the far end: computed once, used by both
    breaks = _breakpoints(results, i, j, x0, far, d) if needs_place or needs_grade else []
    if now.position == 0:
        place, why_place = None, "first"
    elif best.position >= now.position:
        place, why_place = None, "unreachable"
    else:
        place = _threshold(
            lambda x: probe(x).position < now.position,
            x0,
            far,
            d,
            breaks,
        )
        why_place = ""
    if now.grade == 0 or plan.scheme.grading is None:
        grade = None
        why_grade = "top" if plan.scheme.grading else "no grades"
    elif best.grade >= now.grade:
        grade, why_grade = None, "unreachable"
    else:
        grade = _threshold(
            lambda x: probe(x).grade < now.grade,
            x0,
            far,
            d,
            breaks,
        )
        why_grade = ""
    return Gap(iid, ind.name, x0, place, grade, ind.direction, why_place, why_grade)


def _used(results: Results) -> Vec:
    prepared = results.prepared
    return np.asarray(prepared.values if prepared is not None else results.data.values)


def _standing(results: Results, i: int, j: int | None, x: float) -> Standing1:
    """Where unit i stands when its value of indicator j is x (j None: as it is)."""
    plan = results.plan
    scheme = plan.scheme
    if j is None:
        points = np.asarray(results.points)
        subtotals = np.asarray(results.aggregates.values)
        values = _used(results)
    else:
        values = _used(results).copy()
        values[i, j] = x
        base = results.prepared
        status = np.array(base.status if base is not None else results.data.status)
        status[i, j] = PRESENT
        data = Dataset(
            results.data.units,
            results.data.indicators,
            values,
            status,
            results.data.items,
            results.data.notes,
            results.data.sources,
        )
        points = np.array(results.points)
        flags = np.zeros(points.shape, dtype=np.int16)
        score_indicator(plan, data, j, points, flags)
        subtotals = aggregate(plan, points).values
    total = subtotals[:, -1]
    score = np.where(results.void, 0.0, total)
    full = plan.full_marks
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(full > 0, score / full, score)
    st = Standing(score, share, points, subtotals, values, np.asarray(results.void))
    g = scheme.grading
    by_category = g is None or g.scope == "category"
    basis = "points" if by_category else scheme.ranking.basis
    groups = plan.cat_index if by_category else np.zeros(len(plan.units), dtype=np.int64)
    chain = g.tie_break if g is not None else scheme.ranking.tie_break
    order = ordering(rank_key(plan, st, basis), tie_break_keys(plan, st, chain), groups)
    mine = order[groups[order] == groups[i]]
    position = int(np.flatnonzero(mine == i)[0])
    grade = 0
    if g is not None:
        vetoes = [(iid, u) for u, vs in enumerate(results.vetoes) for iid in vs]
        grade = int(grade_units(plan, st, vetoes)[0][i])
    return Standing1(position, grade)


def _far(results: Results, i: int, j: int, x0: float, d: float) -> float:
    """A value beyond which the indicator can do no more (or the end of its declared range)."""
    plan = results.plan
    ind = plan.scheme.indicators[plan.indicators[j]]
    if ind.range is not None:
        bound = ind.range[1] if d > 0 else ind.range[0]
        if bound is not None:
            return float(bound)
    marks = [v for v in _breakpoints(results, i, j, x0, None, d) if math.isfinite(v)]
    extreme = max((d * v for v in marks), default=d * x0) * d
    span = abs(extreme - x0) + abs(extreme) + abs(x0) + 1.0
    return float(extreme + d * 10.0 * span)


def _breakpoints(
    results: Results, i: int, j: int, x0: float, far: float | None, d: float
) -> list[float]:
    """Values where the indicator's points may jump or bend: the peers' values, the unit's
    target, baseline and previous value, band edges, goalposts."""
    plan = results.plan
    ind = plan.scheme.indicators[plan.indicators[j]]
    values = _used(results)[:, j]
    marks = [
        float(v)
        for k, v in enumerate(values)
        if k != i and plan.applies[k, j] and not math.isnan(v)
    ]
    for arr in (plan.target, plan.baseline, plan.previous):
        v = float(arr[i, j])
        if not math.isnan(v):
            marks.append(v)
    rule = ind.rule_for(plan.scheme.units[plan.units[i]].category)
    target = float(plan.target[i, j])
    for b in getattr(rule, "bands", None) or []:
        edge = float(b.min if b.min is not None else b.max)
        if getattr(rule, "measure", "") == "completion" and not math.isnan(target):
            if d > 0:
                marks.append(target * edge / 100.0)
            elif edge:
                marks.append(target * 100.0 / edge)
        else:
            marks.append(edge)
    for name in ("lower", "upper"):
        post = getattr(rule, name, None)
        if isinstance(post, int | float):
            marks.append(float(post))
    return sorted(
        {m for m in marks if d * (m - x0) > 0 and (far is None or d * (far - m) >= 0)},
        key=lambda m: d * m,
    )


def _threshold(
    ok: Callable[[float], bool], x0: float, far: float, d: float, marks: list[float]
) -> float:
    """The least value past x0 (in direction d) at which ``ok`` holds; ok(far) must hold."""
    points = [*marks, far]
    lo_k, hi_k = -1, len(points) - 1  # ok fails at x0 (index −1), holds at far
    while hi_k - lo_k > 1:  # the first breakpoint at which it holds
        mid = (lo_k + hi_k) // 2
        if ok(points[mid]):
            hi_k = mid
        else:
            lo_k = mid
    lo = x0 if lo_k < 0 else points[lo_k]
    hi = points[hi_k]
    for _ in range(200):  # bisect the stretch between: the answer to the last float
        half = lo + (hi - lo) / 2.0
        if half in (lo, hi):
            break
        if ok(half):
            hi = half
        else:
            lo = half
    return hi
