"""Line-by-line explanations: for a unit, every indicator's value, rule, arithmetic and points,
every subtotal, and the grade decision. Built on demand from the arrays the engine kept, so the
engine pays nothing for explanations nobody reads, and every one of them can be read.
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from kaohe.dataset import MISSING, NOT_APPLICABLE, PRESENT
from kaohe.grading import GradeDecision
from kaohe.i18n import language, say
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


@dataclass(slots=True)
class IndicatorExplanation:
    """One indicator of one unit, explained (treat as read-only: records share some parts)."""

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
    derivation: dict[str, Any] | None = None  # a value counted from a ledger: its records

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON data (±∞ and NaN as None), built field by field: what
        ``dataclasses.asdict`` does, without its deep copies (300,000 of these are written)."""
        lo, hi = self.bounds
        return {
            "indicator": self.indicator,
            "name": self.name,
            "path": list(self.path),
            "kind": self.kind,
            "unit_of_measure": self.unit_of_measure,
            "direction": self.direction,
            "status": self.status,
            "value": _finite(self.value),
            "items": None if self.items is None else {k: _finite(v) for k, v in self.items.items()},
            "note": self.note,
            "source": self.source,
            "target": _finite(self.target),
            "baseline": _finite(self.baseline),
            "previous": _finite(self.previous),
            "rule": self.rule,  # model_dump(mode="json"): plain data already, shared
            "terms": {k: _finite(v) for k, v in self.terms.items()},
            "arithmetic": self.arithmetic,
            "raw_points": _finite(self.raw_points),
            "bounds": [_finite(lo), _finite(hi)],
            "points": _finite(self.points),
            "full": _finite(self.full),
            "flags": list(self.flags),
            "derivation": _clean(self.derivation),
        }


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


@dataclass(frozen=True, slots=True)
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
        head = {k: getattr(self, k) for k in _UNIT_FIELDS}
        out: dict[str, Any] = _clean(head)
        out["indicators"] = [ind.to_dict() for ind in self.indicators]
        out["dimensions"] = [_clean(asdict(d)) for d in self.dimensions]
        out["grade_decision"] = _clean(self.grade_decision)
        return out


_UNIT_FIELDS = (
    "unit",
    "name",
    "category",
    "category_name",
    "score",
    "full_marks",
    "share",
    "rank_in_category",
    "rank",
    "grade",
    "grade_name",
    "void",
    "vetoes",
)


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
    return None if x != x else float(x)


@dataclass(frozen=True)
class _Static:
    """What is the same for every unit: a rule's parameters and an indicator's place."""

    paths: dict[str, list[str]]
    dumps: dict[int, dict[str, Any]]


def _static(res: Results) -> _Static:
    cached = res.__dict__.get("_explain_static")
    if cached is None:
        paths = {iid: _path(res, iid) for iid in res.plan.indicators}
        dumps: dict[int, dict[str, Any]] = {}
        for ind in res.scheme.indicators.values():
            for rule in (ind.rule, *ind.category_rules.values()):
                dumps[id(rule)] = rule.model_dump(mode="json", by_alias=True)
        cached = _Static(paths, dumps)
        object.__setattr__(res, "_explain_static", cached)
    return cached


def explain_all(res: Results, lang: str | None = None) -> list[UnitExplanation]:
    """Every unit's explanation, built indicator by indicator (much faster than unit by unit),
    its sentences in ``lang`` (default: the language in force)."""
    with _gc_paused(), language(lang):
        cells = [
            explain_cells(res, j, np.flatnonzero(res.plan.applies[:, j]).tolist())
            for j in range(len(res.plan.indicators))
        ]
        return [explain_unit(res, i, cells) for i in range(len(res.plan.units))]


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Building hundreds of thousands of small records: the cyclic GC only slows it down."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def explain_unit(
    res: Results, i: int, cells: list[dict[int, IndicatorExplanation]] | None = None
) -> UnitExplanation:
    plan = res.plan
    scheme = res.scheme
    uid = plan.units[i]
    unit = scheme.units[uid]
    applying = [j for j in range(len(plan.indicators)) if plan.applies[i, j]]
    if cells is None:
        inds = [explain_cells(res, j, [i])[i] for j in applying]
    else:
        inds = [cells[j][i] for j in applying]
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
    """The decision as plain data, its sentences rendered in the language in force."""
    grades = {g.id: g.name for g in (res.scheme.grading.grades if res.scheme.grading else [])}
    return {
        "grade": d.grade,
        "grade_name": grades.get(d.grade),
        "group": d.group,
        "position": d.position,
        "group_size": d.group_size,
        "basis": d.basis,
        "basis_value": d.basis_value,
        "quotas": tuple(
            {"grade": q.grade, "limit": q.limit, "rule": str(q.rule)} for q in d.quotas
        ),
        "gates": tuple(
            {"source": h.source, "name": h.name, "max_grade": h.max_grade, "reason": str(h.reason)}
            for h in d.gates
        ),
        "skipped": tuple((gr, str(why)) for gr, why in d.skipped),
        "tied_with": d.tied_with,
        "tie_break": d.tie_break,
        "summary": decision_summary(res, d),
    }


def decision_summary(res: Results, d: GradeDecision) -> str:
    """One paragraph saying why the grade is what it is (in the language in force)."""
    grades = {g.id: g.name for g in (res.scheme.grading.grades if res.scheme.grading else [])}
    where = (
        say("sum.overall")
        if d.group == "all"
        else say("sum.in", cat=res.scheme.categories[d.group].name)
    )
    final = grades.get(d.grade, d.grade)
    if d.basis_value == -math.inf:
        return say("sum.void", where=where, p=d.position, n=d.group_size, g=final)
    dec = res.scheme.decimals
    basis = (
        say("sum.share", v=f"{d.basis_value * 100:.{dec}f}")
        if d.basis == "share"
        else say("sum.points", v=f"{d.basis_value:.{dec}f}")
    )
    parts = [say("sum.placed", p=d.position, n=d.group_size, where=where, basis=basis)]
    if d.tied_with:
        how = say("sum.tied_how", key=d.tie_break) if d.tie_break else ""
        parts.append(say("sum.tied", units=", ".join(d.tied_with), how=how))
    # grades passed over for the same reason are named together
    runs: list[tuple[list[str], str]] = []
    for gr, why in d.skipped:
        text = str(why)
        if runs and runs[-1][1] == text:
            runs[-1][0].append(grades.get(gr, gr))
        else:
            runs.append(([grades.get(gr, gr)], text))
    parts += [say("sum.not", grades="/".join(names), why=why) for names, why in runs]
    said = " ".join(why for _, why in runs)
    for h in d.gates:
        if str(h.reason) not in said:
            parts.append(
                say(
                    "sum.gate",
                    name=h.name,
                    reason=str(h.reason),
                    g=grades.get(h.max_grade, h.max_grade),
                )
            )
    return say("sum.sep").join(parts) + f" → {final}"


class _Column:
    """One indicator's arrays as Python lists (fast to index cell by cell)."""

    def __init__(self, res: Results, j: int) -> None:
        plan = res.plan
        self.values = res.data.values[:, j].tolist()
        self.status = res.data.status[:, j].tolist()
        self.flags = res.flags[:, j].tolist()
        self.points = res.points[:, j].tolist()
        self.full = plan.leaf_full[:, j].tolist()
        self.target = plan.target[:, j].tolist()
        self.baseline = plan.baseline[:, j].tolist()
        self.previous = plan.previous[:, j].tolist()
        self.peer_average = res.traces[j].peer_average.tolist()
        self.segment = [-1] * len(plan.units)
        self.segs = []
        for k, seg in enumerate(res.traces[j].segments):
            for i in np.flatnonzero(seg.units).tolist():
                if self.segment[i] < 0:
                    self.segment[i] = k
            self.segs.append(
                (
                    seg.rule,
                    {n: v.tolist() for n, v in seg.terms.items()},
                    seg.raw.tolist(),
                    seg.lo.tolist(),
                    seg.hi.tolist(),
                )
            )


def explain_cells(res: Results, j: int, rows: Iterable[int]) -> dict[int, IndicatorExplanation]:
    """Explanations of indicator ``j`` for the units ``rows``."""
    plan = res.plan
    static = _static(res)
    iid = plan.indicators[j]
    ind = res.scheme.indicators[iid]
    col = _Column(res, j)
    items_of = res.data.items.get(iid)
    notes = res.data.notes
    sources = res.data.sources
    provenance = res.data.provenance
    direction = 1.0 if ind.direction == "higher" else -1.0
    out: dict[int, IndicatorExplanation] = {}
    item_points: dict[int, dict[str, float] | None] = {}  # per rule (it builds a new dict)
    nan = float("nan")
    for i in rows:
        k = col.segment[i]
        if k >= 0:
            rule, term_cols, raws, los, his = col.segs[k]
            terms = {n: v[i] for n, v in term_cols.items()}
            raw, lo, hi = raws[i], los[i], his[i]
        else:
            rule, terms, raw, lo, hi = ind.rule, {}, nan, nan, nan
        if id(rule) not in item_points:
            item_points[id(rule)] = rule.item_points()
        item_pts = item_points[id(rule)]
        items = None
        if item_pts is not None and items_of is not None:
            counts = items_of[i].tolist()
            items = {n: c for n, c in zip(item_pts, counts, strict=True) if c == c}
        uid = plan.units[i]
        src = sources.get((uid, iid))
        cell = _Cell(
            col.values[i],
            col.status[i],
            col.flags[i],
            col.points[i],
            col.full[i],
            col.peer_average[i],
            direction,
            plan.kinds[j],
        )
        out[i] = IndicatorExplanation(
            indicator=iid,
            name=ind.name,
            path=static.paths[iid],  # shared, read-only
            kind=plan.kinds[j],
            unit_of_measure=ind.unit_of_measure,
            direction=ind.direction,
            status=STATUS[cell.status],
            value=_num(cell.value),
            items=items,
            note=notes.get((uid, iid)),
            source=_source_text(src) if src else None,
            target=_num(col.target[i]),
            baseline=_num(col.baseline[i]),
            previous=_num(col.previous[i]),
            rule=static.dumps[id(rule)],  # shared, read-only
            terms={n: _num(v) for n, v in terms.items()},
            arithmetic=_arithmetic(cell, rule, terms, raw, lo, hi),
            raw_points=_num(raw),
            bounds=(_num(lo), _num(hi)),
            points=_num(cell.points),
            full=cell.full,
            flags=flag_names(cell.flags),
            derivation=pv.to_dict() if (pv := provenance.get((uid, iid))) else None,
        )
    return out


@dataclass(frozen=True, slots=True)
class _Cell:
    value: float
    status: int
    flags: int
    points: float
    full: float
    peer_average: float
    direction: float
    kind: str


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


def _arithmetic(
    cell: _Cell, rule: Any, terms: dict[str, float], raw: float, lo: float, hi: float
) -> str:
    """The arithmetic that gave the points, as one readable line (in the language in force)."""
    bits = cell.flags
    what = say("na") if cell.status == NOT_APPLICABLE else say("no_value")
    if bits & FILLED_PEER_AVERAGE:
        return say("gap.peer_average", what=what, avg=fmt(cell.peer_average))
    if bits & FILLED_ZERO:
        return say("gap.zero", what=what)
    if bits & RENORMALISED:
        return say("gap.renormalised", what=what)
    if cell.status == MISSING and cell.kind != "base":
        return say("none_reported")
    if cell.status != PRESENT and rule.type not in ITEM_RULES:
        return what
    t = dict(terms)
    t.update(
        {
            "x": cell.value,
            "F": cell.full,
            "raw": raw,
            "points": cell.points,
            "direction": cell.direction,
        }
    )
    text = REGISTRY[rule.type].formula(rule, t)
    if bits & CAPPED:
        text += say("capped_at", v=fmt(hi))
    if bits & FLOORED:
        text += say("floored_at", v=fmt(lo))
    if bits & ZERO_WEIGHT and cell.full == 0:
        text += say("zero_weight")
    if fmt(cell.points) == fmt(raw) and not bits & (CAPPED | FLOORED | ZERO_WEIGHT):
        return text  # the formula already ends with the points
    return f"{text} → {fmt(cell.points)}"


ITEM_RULES = frozenset({"judgement", "veto", "bonus_items", "count_deduction"})
