"""Line-by-line explanations: for a unit, every indicator's value, rule, arithmetic and points,
every subtotal, and the grade decision. Built on demand from the arrays the engine kept, so the
engine pays nothing for explanations nobody reads, and every one of them can be read.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from kaohe.dataset import MISSING, NOT_APPLICABLE, PRESENT
from kaohe.grading import GradeDecision
from kaohe.rules.base import REGISTRY, fmt
from kaohe.scoring import (
    CAPPED,
    FILLED_PEER_AVERAGE,
    FILLED_ZERO,
    FLOORED,
    RENORMALISED,
    ZERO_WEIGHT,
    flag_names,
)
from kaohe.tree import ROOT

if TYPE_CHECKING:
    from kaohe.results import Results

STATUS = {PRESENT: "present", MISSING: "missing", NOT_APPLICABLE: "not_applicable"}


@dataclass(frozen=True)
class IndicatorExplanation:
    indicator: str
    name: str
    path: list[str]  # names of the dimensions above, outermost first
    kind: str
    unit_of_measure: str
    direction: str
    status: str
    value: float | None
    items: dict[str, float] | None
    note: str | None
    source: str | None
    target: float | None
    baseline: float | None
    previous: float | None
    rule: dict[str, Any]
    terms: dict[str, float | None]
    arithmetic: str
    raw_points: float | None
    bounds: tuple[float | None, float | None]
    points: float | None
    full: float
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DimensionExplanation:
    dimension: str
    name: str
    aggregation: str
    value: float | None
    full: float
    renormalised_by: float | None
    capped: bool
    floored: bool


@dataclass(frozen=True)
class UnitExplanation:
    unit: str
    name: str
    category: str
    category_name: str
    score: float
    full_marks: float
    share: float
    rank_in_category: int
    rank: int
    grade: str | None
    grade_name: str | None
    void: bool
    vetoes: list[str]
    indicators: list[IndicatorExplanation]
    dimensions: list[DimensionExplanation]
    grade_decision: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))  # type: ignore[no-any-return]


def _clean(x: Any) -> Any:
    if isinstance(x, float):
        return x if math.isfinite(x) else None  # NaN: none; ±inf: unbounded
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.floating | np.integer):
        return _clean(x.item())
    return x


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def explain_unit(res: Results, i: int) -> UnitExplanation:
    plan = res.plan
    scheme = res.scheme
    uid = plan.units[i]
    unit = scheme.units[uid]
    inds = [explain_indicator(res, i, j) for j in range(len(plan.indicators)) if plan.applies[i, j]]
    dims = []
    for did in scheme.dimensions:
        k = plan.node_index(did)
        if not plan.node_applies[i, k]:
            continue
        sc = float(res.aggregates.scale[i, k])
        dims.append(
            DimensionExplanation(
                did,
                scheme.dimensions[did].name,
                scheme.dimensions[did].aggregation,
                _num(res.aggregates.values[i, k]),
                float(plan.node_full[i, k]),
                None if sc == 1.0 else sc,
                bool(res.aggregates.capped[i, k]),
                bool(res.aggregates.floored[i, k]),
            )
        )
    decision = res.decisions[i] if res.decisions is not None else None
    return UnitExplanation(
        unit=uid,
        name=unit.name,
        category=unit.category,
        category_name=scheme.categories[unit.category].name,
        score=float(res.score[i]),
        full_marks=float(res.full_marks[i]),
        share=float(res.share[i]),
        rank_in_category=int(res.rank_in_category[i]),
        rank=int(res.rank[i]),
        grade=res.grade(i),
        grade_name=res.grade_name(i),
        void=bool(res.void[i]),
        vetoes=list(res.vetoes[i]),
        indicators=inds,
        dimensions=dims,
        grade_decision=_decision_dict(res, decision) if decision else None,
    )


def _decision_dict(res: Results, d: GradeDecision) -> dict[str, Any]:
    out = asdict(d)
    grades = {g.id: g.name for g in (res.scheme.grading.grades if res.scheme.grading else [])}
    out["grade_name"] = grades.get(d.grade)
    out["summary"] = decision_summary(res, d)
    return out


def decision_summary(res: Results, d: GradeDecision) -> str:
    """One paragraph saying why the grade is what it is."""
    grades = {g.id: g.name for g in (res.scheme.grading.grades if res.scheme.grading else [])}
    where = "overall" if d.group == "all" else f"in {res.scheme.categories[d.group].name}"
    basis = (
        f"{fmt(d.basis_value * 100)}% of full marks"
        if d.basis == "share"
        else f"{fmt(d.basis_value)} points"
    )
    parts = [f"placed {d.position} of {d.group_size} {where} on {basis}"]
    if d.tied_with:
        how = f", ordered by {d.tie_break}" if d.tie_break else ""
        parts.append(f"tied with {', '.join(d.tied_with)}{how}")
    for gr, why in d.skipped:
        parts.append(f"not {grades.get(gr, gr)}: {why}")
    said = " ".join(why for _, why in d.skipped)
    for h in d.gates:
        if h.reason not in said:
            parts.append(f"{h.name}: {h.reason} (at most {grades.get(h.max_grade, h.max_grade)})")
    parts.append(f"→ {grades.get(d.grade, d.grade)}")
    return "; ".join(parts)


def explain_indicator(res: Results, i: int, j: int) -> IndicatorExplanation:
    plan = res.plan
    scheme = res.scheme
    iid = plan.indicators[j]
    ind = scheme.indicators[iid]
    trace = res.traces[j]
    seg = trace.segment_of(i)
    status = int(res.data.status[i, j])
    x = float(res.data.values[i, j])
    bits = int(res.flags[i, j])
    points = float(res.points[i, j])
    full = float(plan.leaf_full[i, j])
    rule = seg.rule if seg is not None else ind.rule
    terms: dict[str, float] = {}
    raw = lo = hi = float("nan")
    if seg is not None:
        terms = {k: float(v[i]) for k, v in seg.terms.items()}
        raw, lo, hi = float(seg.raw[i]), float(seg.lo[i]), float(seg.hi[i])
    items = None
    item_pts = rule.item_points()
    if item_pts is not None and iid in res.data.items:
        counts = res.data.items[iid][i]
        items = {k: float(c) for k, c in zip(item_pts, counts, strict=True) if not np.isnan(c)}
    src = res.data.sources.get((plan.units[i], iid))
    return IndicatorExplanation(
        indicator=iid,
        name=ind.name,
        path=_path(res, iid),
        kind=plan.kinds[j],
        unit_of_measure=ind.unit_of_measure,
        direction=ind.direction,
        status=STATUS[status],
        value=_num(x),
        items=items,
        note=res.data.notes.get((plan.units[i], iid)),
        source=_source_text(src) if src else None,
        target=_num(plan.target[i, j]),
        baseline=_num(plan.baseline[i, j]),
        previous=_num(plan.previous[i, j]),
        rule=rule.model_dump(mode="json", by_alias=True),
        terms={k: _num(v) for k, v in terms.items()},
        arithmetic=arithmetic(res, i, j, rule, terms, raw, lo, hi),
        raw_points=_num(raw),
        bounds=(_num(lo), _num(hi)),
        points=_num(points),
        full=full,
        flags=flag_names(bits),
    )


def _path(res: Results, iid: str) -> list[str]:
    names = []
    node = res.plan.tree.parent.get(iid)
    while node is not None and node != ROOT:
        names.append(res.scheme.dimensions[node].name)
        node = res.plan.tree.parent.get(node)
    return names[::-1]


def _source_text(src: Any) -> str:
    parts = [p for p in (src.file, f"[{src.sheet}]" if src.sheet else None) if p]
    loc = "".join(parts)
    if src.row is not None:
        loc += f" row {src.row}"
    if src.column:
        loc += f" column {src.column}"
    return loc.strip()


def arithmetic(
    res: Results,
    i: int,
    j: int,
    rule: Any,
    terms: dict[str, float],
    raw: float,
    lo: float,
    hi: float,
) -> str:
    """The arithmetic that gave the points, as one readable line."""
    bits = int(res.flags[i, j])
    points = float(res.points[i, j])
    status = int(res.data.status[i, j])
    ind = res.scheme.indicators[res.plan.indicators[j]]
    what = "not applicable (N/A)" if status == NOT_APPLICABLE else "no value"
    if bits & FILLED_PEER_AVERAGE:
        return (
            f"{what} → the average points of its category's units with a value: "
            f"{fmt(float(res.traces[j].peer_average[i]))}"
        )
    if bits & FILLED_ZERO:
        return f"{what} → 0 points (policy zero)"
    if bits & RENORMALISED:
        return f"{what} → left out; the weights of the rest are renormalised in the dimension"
    if status != PRESENT and rule.type not in (
        "judgement",
        "veto",
        "bonus_items",
        "count_deduction",
    ):
        return what
    t = dict(terms)
    t.update(
        {
            "x": float(res.data.values[i, j]),
            "F": float(res.plan.leaf_full[i, j]),
            "raw": raw,
            "points": points,
            "direction": 1.0 if ind.direction == "higher" else -1.0,
        }
    )
    text = REGISTRY[rule.type].formula(rule, t)
    if bits & CAPPED:
        text += f"; capped at {fmt(hi)}"
    if bits & FLOORED:
        text += f"; floored at {fmt(lo)}"
    if bits & ZERO_WEIGHT and res.plan.leaf_full[i, j] == 0:
        text += "; weight 0 in this category → 0 points"
    return f"{text} → {fmt(points)}"
