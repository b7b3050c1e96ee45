"""Line-by-line explanations: for a unit, every indicator's value, rule, arithmetic and points,
every subtotal, and the grade decision. Built on demand from the arrays the engine kept, so the
engine pays nothing for explanations nobody reads, and every one of them can be read.
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from kaohe.dataset import MISSING, NOT_APPLICABLE, PRESENT
from kaohe.grading import GradeDecision
from kaohe.i18n import language, say
from kaohe.preparation import compared_step, preparation_steps, redo_step
from kaohe.rules.base import REGISTRY, fmt
from kaohe.rules.items import veto_text
from kaohe.rules.recompute import raw_points
from kaohe.rulespec import RULE_CLASSES, RuleBase
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
    value: float | None  # as entered (None when the cell was empty or N/A)
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
    #: the value the rule used (after denominator, transform, imputation, outlier treatment)
    value_used: float | None = None
    #: every preparation step from ``value`` to ``value_used``, in order: plain data
    #: ``{step, op, before, after, terms, text}`` (shared, read-only); empty when none changed it
    steps: tuple[dict[str, Any], ...] = ()
    #: where ``previous`` came from: ``scheme`` (written in it), ``last_year`` (last year's
    #: value of the indicator: ``previous_from: last_year``), None when there is none
    previous_from: str | None = None

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
            "value_used": _finite(self.value_used),
            "steps": self.steps,  # plain JSON data already (NaN and ±∞ as None)
            "previous_from": self.previous_from,
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

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data, field by field (NaN and ±∞ as None): ``asdict`` without its copies."""
        return {
            "dimension": self.dimension,
            "name": self.name,
            "aggregation": self.aggregation,
            "value": _finite(_plain(self.value)),
            "full": _finite(_plain(self.full)),
            "renormalised_by": _finite(_plain(self.renormalised_by)),
            "capped": bool(self.capped),
            "floored": bool(self.floored),
        }


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


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
        out["dimensions"] = [d.to_dict() for d in self.dimensions]
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
    grades: dict[str, str]  # grade id → name, for texts that name a grade


def _static(res: Results) -> _Static:
    cached = res.__dict__.get("_explain_static")
    if cached is None:
        paths = {iid: _path(res, iid) for iid in res.plan.indicators}
        dumps: dict[int, dict[str, Any]] = {}
        for ind in res.scheme.indicators.values():
            for rule in (ind.rule, *ind.category_rules.values()):
                dumps[id(rule)] = rule.model_dump(mode="json", by_alias=True)
        grading = res.scheme.grading
        grades = {g.id: g.name for g in grading.grades} if grading else {}
        cached = _Static(paths, dumps, grades)
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
        how = say("sum.tied_how", key=tie_key_name(res, d.tie_break)) if d.tie_break else ""
        units = ", ".join(res.scheme.units[u].name for u in d.tied_with)
        parts.append(say("sum.tied", units=units, how=how))
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


def tie_key_name(res: Results, key: str) -> str:
    """A tie-break key (``id``, ``name``, ``indicator:<id>``, ``value:<id>``,
    ``dimension:<id>``) as a person reads it: what is compared, by its name."""
    kind, _, ref = key.partition(":")
    if kind in ("indicator", "value"):
        return say(f"tie.{kind}", name=res.scheme.indicators[ref].name)
    if kind == "dimension":
        return say("tie.dimension", name=res.scheme.dimensions[ref].name)
    return say(f"tie.{kind}")


class _Column:
    """One indicator's arrays as Python lists (fast to index cell by cell)."""

    def __init__(self, res: Results, j: int, prepared_changed: bool = True) -> None:
        plan = res.plan
        self.values = res.data.values[:, j].tolist()
        self.status = res.data.status[:, j].tolist()
        prepared = res.prepared
        if prepared is None or not prepared_changed:  # the rule read the values entered
            self.used, self.used_status = self.values, self.status
        else:
            self.used = prepared.values[:, j].tolist()
            self.used_status = prepared.status[:, j].tolist()
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
                    None if seg.compared is None else seg.compared.tolist(),
                )
            )


def explain_cells(res: Results, j: int, rows: Iterable[int]) -> dict[int, IndicatorExplanation]:
    """Explanations of indicator ``j`` for the units ``rows``."""
    plan = res.plan
    static = _static(res)
    iid = plan.indicators[j]
    ind = res.scheme.indicators[iid]
    steps_of = preparation_steps(res, j)
    col = _Column(res, j, steps_of is not None)
    items_of = res.data.items.get(iid)
    notes = res.data.notes
    sources = res.data.sources
    provenance = res.data.provenance
    direction = 1.0 if ind.direction == "higher" else -1.0
    out: dict[int, IndicatorExplanation] = {}
    item_points: dict[int, dict[str, float] | None] = {}  # per rule (it builds a new dict)
    nan = float("nan")
    names: dict[int, tuple[str, ...]] = {}  # flag bits → names, once per combination
    # a rule read no absent value (but counted items and judgements, whose empty cell is 0):
    # such a cell shows no terms or raw points, only how its gap was filled
    is_item = [seg[0].type in ITEM_RULES for seg in col.segs]
    for i in rows:
        k = col.segment[i]
        if k >= 0 and (col.used_status[i] == PRESENT or is_item[k]):
            rule, term_cols, raws, los, his, _ = col.segs[k]
            terms = {n: v[i] for n, v in term_cols.items()}
            raw, lo, hi = raws[i], los[i], his[i]
        elif k >= 0:
            rule, terms, raw, lo, hi = col.segs[k][0], {}, nan, nan, nan
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
        value = _num(col.values[i])
        if steps_of is None:
            steps: tuple[dict[str, Any], ...] = ()
            used = value
        else:
            steps = steps_of(i)
            used = _num(col.used[i])
        x_used = col.used[i]
        if k >= 0 and col.segs[k][5] is not None and used is not None:
            x_used = col.segs[k][5][i]  # type: ignore[index]
            if x_used != used:  # peers' near-ties: the rule compared the value at 12 digits
                steps = (*steps, compared_step(used, x_used))
                used = x_used
        cell = _Cell(
            x_used,
            col.used_status[i],
            col.flags[i],
            col.points[i],
            col.full[i],
            col.peer_average[i],
            direction,
            plan.kinds[j],
        )
        shown = {n: _num(v) for n, v in terms.items()}
        if cell.flags & FILLED_PEER_AVERAGE:
            shown["peer_average"] = _num(cell.peer_average)
        text = _arithmetic(cell, rule, terms, raw, lo, hi, static.grades)
        if steps:  # the steps' sentences, then the rule's arithmetic on the value they gave
            text = say("sum.sep").join([*(s["text"] for s in steps), text])
        previous = _num(col.previous[i])
        previous_from = None
        if previous is not None:
            previous_from = "last_year" if uid in (ind.last_year or {}) else "scheme"
            if previous_from == "last_year" and "previous" in rule.inputs():
                said = say("previous.last_year", p=fmt(previous))
                text = say("sum.sep").join([text, said])
        out[i] = IndicatorExplanation(
            indicator=iid,
            name=ind.name,
            path=static.paths[iid],  # shared, read-only
            kind=plan.kinds[j],
            unit_of_measure=ind.unit_of_measure,
            direction=ind.direction,
            status=STATUS[col.status[i]],
            value=value,
            items=items,
            note=notes.get((uid, iid)),
            source=_source_text(src) if src else None,
            target=_num(col.target[i]),
            baseline=_num(col.baseline[i]),
            previous=previous,
            previous_from=previous_from,
            rule=static.dumps[id(rule)],  # shared, read-only
            terms=shown,
            arithmetic=text,
            raw_points=_num(raw),
            bounds=(_num(lo), _num(hi)),
            points=_num(cell.points),
            full=cell.full,
            flags=list(names[bits] if (bits := cell.flags) in names else _names(names, bits)),
            derivation=pv.to_dict() if (pv := provenance.get((uid, iid))) else None,
            value_used=used,
            steps=steps,
        )
    return out


def _names(cache: dict[int, tuple[str, ...]], bits: int) -> tuple[str, ...]:
    cache[bits] = tuple(flag_names(bits))
    return cache[bits]


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
    cell: _Cell,
    rule: Any,
    terms: dict[str, float],
    raw: float,
    lo: float,
    hi: float,
    grades: dict[str, str],
) -> str:
    """The arithmetic that gave the points, as one readable line (in the language in force);
    a grade it mentions by its name (``grades``: id → name)."""
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
    if rule.type == "veto":
        text = veto_text(rule, bool(t["triggered"]), grades.get(str(rule.max_grade)))
    else:
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


# --------------------------------------------------------------------------- checked by hand


class Recomputed(NamedTuple):
    """An indicator's numbers computed again from its explanation alone."""

    value_used: float | None
    raw_points: float | None
    points: float | None


def recompute(ind: IndicatorExplanation) -> Recomputed:
    """The indicator's value used, raw points and points, computed again — one number at a
    time, as a person with the explanation in hand would — from what the explanation shows:
    the value entered, each preparation step's terms, the rule's parameters and terms (peer
    statistics, ranks, references), the bounds and the flags. Equal to the engine's to
    rounding (``tests/test_explain_truth.py``); nothing here is used to score."""
    x: float | None = ind.value
    for step in ind.steps:
        x = redo_step(step, x)
    flags = set(ind.flags)
    rule = _rule_of(ind.rule)
    raw = None
    if x is not None or ind.rule["type"] in ITEM_RULES:
        t: dict[str, float] = {k: (math.nan if v is None else v) for k, v in ind.terms.items()}
        t.update(
            {
                "x": math.nan if x is None else x,
                "F": ind.full,
                "direction": 1.0 if ind.direction == "higher" else -1.0,
            }
        )
        raw = raw_points(rule, t)
    if "peer_average" in flags:
        return Recomputed(x, raw, ind.terms["peer_average"])
    if "zero_filled" in flags:
        return Recomputed(x, raw, 0.0)
    if "renormalised" in flags:
        return Recomputed(x, raw, None)
    if ind.kind != "base" and ind.status == "missing" and not ind.steps:
        return Recomputed(x, raw, 0.0)  # an item with nothing reported
    if raw is None:
        return Recomputed(x, None, None)
    lo, hi = ind.bounds
    points = min(max(raw, -math.inf if lo is None else lo), math.inf if hi is None else hi)
    if raw != raw:
        points = raw
    if "zero_weight" in flags and ind.full == 0:
        points = 0.0
    return Recomputed(x, raw, _num(points))


def _rule_of(dumped: dict[str, Any]) -> RuleBase:
    rule: RuleBase = RULE_CLASSES[dumped["type"]].model_validate(dumped)
    return rule
