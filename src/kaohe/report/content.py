"""What the annual report says, as frozen records built from the engine's results: the method
(categories, the indicator tree with its points per category, the rules and grades in words), the
rankings and grades of each category with the quota arithmetic, a page per unit (points against
the category's best and median, a radar, strengths, gaps with the exact value that moves it up),
the rulebook's public decisions and the robustness summary.

Pure: results (and optionally decisions and a robustness analysis) in, records out; no files.
Sentences are rendered in the report's language from the catalogues. The writers
(:mod:`kaohe.report.html`, ``pdf``, ``xlsx``, ``docx``) lay these records out and compute nothing.

**Progress.** ``Report.progress`` and ``UnitPage.progress`` hold :class:`ProgressSection` records:
progress against targets during the period, when monitoring data exist. The report builder leaves
them empty; :func:`kaohe.report.progress.with_progress` fills them from a monitoring with
:func:`dataclasses.replace` (its sections are drawn by every writer as a chart and a table, after
the rankings and on each unit's page).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from kaohe.charts import style
from kaohe.charts.spec import (
    Bar,
    BarChart,
    Interval,
    IntervalChart,
    LegendEntry,
    RadarChart,
    Series,
)
from kaohe.explanation import decision_summary
from kaohe.i18n import language, t
from kaohe.io.robustness_files import rank_rows
from kaohe.report.words import grade_words, rule_words, tie_break_words
from kaohe.results import Results
from kaohe.robustness.analysis import factors_of
from kaohe.rules.base import fmt
from kaohe.tree import ROOT

if TYPE_CHECKING:
    from kaohe.robustness.analysis import RobustnessResults
    from kaohe.rulebook.decisions import Decisions
    from kaohe.rulebook.model import Rulebook
    from kaohe.scheme import Robustness

#: Indicators with a gap shown per unit, by default (each is a search with the engine).
GAPS_PER_UNIT = 5
STRENGTHS_PER_UNIT = 3
#: Units drawn in a category's ranking chart (the table lists them all).
CHART_ROWS = 60


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class InputFile:
    """A file the report was computed from: what it is, its name and its SHA-256."""

    role: str  # "scheme", "data", "rulebook", "previous", "history", "promotions"
    name: str
    sha256: str


@dataclass(frozen=True)
class Provenance:
    """The reproducibility header: the same inputs, version and date give the same report."""

    version: str
    date: dt.date
    inputs: tuple[InputFile, ...]

    def sha256(self, role: str) -> str:
        return next((f.sha256 for f in self.inputs if f.role == role), "")


@dataclass(frozen=True)
class CategoryInfo:
    id: str
    name: str
    full_marks: float | None
    units: tuple[str, ...]  # names, in scheme order
    description: str


@dataclass(frozen=True)
class TreeRow:
    """A dimension or an indicator of the tree, with its full marks in each category."""

    id: str
    name: str
    depth: int  # 0 for the top level
    is_indicator: bool
    points: tuple[float | None, ...]  # per category of Method.categories; None: not assessed
    kind: str  # words: 计分 / 加分 / 扣分 / 否决 (dimensions: "")
    unit_of_measure: str
    direction: str  # words
    owner: str  # the owner department's name
    rule: str  # the rule in words
    description: str


@dataclass(frozen=True)
class Method:
    categories: tuple[CategoryInfo, ...]
    tree: tuple[TreeRow, ...]
    grades: tuple[str, ...]  # one sentence per grade
    grading: str  # scope, rounding and tie-breaks in words ("" without grades)
    gates: tuple[str, ...]
    ranking: str


@dataclass(frozen=True)
class RankingRow:
    unit: str
    name: str
    rank_in_category: int
    score: float
    full_marks: float
    share: float
    rank: int
    grade: str  # grade name, "" without grades
    grade_index: int  # -1 without grades
    vetoes: tuple[str, ...]  # veto names
    summary: str  # why the grade (the engine's decision summary)


@dataclass(frozen=True)
class CategoryRanking:
    id: str
    name: str
    full_marks: float | None
    rows: tuple[RankingRow, ...]
    quotas: tuple[str, ...]  # "优秀：4 × 30% = 1.2 → 四舍五入 → 1"
    chart: BarChart


@dataclass(frozen=True)
class PointsRow:
    """One indicator of a unit against its category."""

    indicator: str
    name: str
    path: str  # the dimensions above, "经济发展 › 经济增长"
    kind: str  # base, bonus, deduction, veto
    value: float | None
    unit_of_measure: str
    points: float | None
    full: float
    best: float | None  # the category's best and median points on this indicator
    median: float | None


@dataclass(frozen=True)
class GapRow:
    """What one indicator would take to move the unit up (kaohe.gaps, exact)."""

    indicator: str
    name: str
    unit_of_measure: str
    value: float | None
    points: float | None
    best: float | None
    place: str  # "9.8（+0.35）", or why not
    grade: str
    reachable: bool  # a value of this indicator moves the unit up a place or a grade


@dataclass(frozen=True)
class ProgressSection:
    """Progress during the period (filled when monitoring data exist): a chart and a table."""

    title: str
    chart: BarChart | None
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class UnitPage:
    unit: str
    name: str
    category: str
    category_name: str
    score: float
    full_marks: float
    share: float
    rank_in_category: int
    category_size: int
    rank: int
    units: int
    grade: str
    summary: str
    vetoes: tuple[str, ...]
    points: tuple[PointsRow, ...]
    radar: RadarChart | None
    strengths: tuple[PointsRow, ...]
    gaps: tuple[GapRow, ...]
    gaps_computed: bool  # False: exact gaps were not asked for (--gaps 0)
    progress: tuple[ProgressSection, ...] = ()


@dataclass(frozen=True)
class DecisionRow:
    subject: str
    unit: str
    action: str
    value: str
    explanation: str


@dataclass(frozen=True)
class DecisionRule:
    rule: str
    name: str
    description: str
    rows: tuple[DecisionRow, ...]


@dataclass(frozen=True)
class RobustnessRow:
    unit: str
    name: str
    category_name: str
    nominal_rank: int
    median_rank: int
    low: int
    high: int
    nominal_in_category: int
    low_in_category: int
    high_in_category: int
    grade: str
    grade_probabilities: tuple[float, ...]  # per grade of RobustnessSummary.grades


@dataclass(frozen=True)
class RobustnessSummary:
    samples: int
    settings: str
    mean_abs_shift: float
    grades: tuple[str, ...]
    rows: tuple[RobustnessRow, ...]  # best nominal rank first
    chart: IntervalChart


@dataclass(frozen=True)
class Report:
    lang: str
    title: str
    period: str
    description: str
    decimals: int
    provenance: Provenance
    method: Method
    rankings: tuple[CategoryRanking, ...]
    units: tuple[UnitPage, ...]
    decisions: tuple[DecisionRule, ...]
    rulebook: str  # the rulebook's name ("" without one)
    robustness: RobustnessSummary | None
    screened: tuple[str, ...]
    progress: tuple[ProgressSection, ...] = ()
    indicator_ids: tuple[str, ...] = ()  # the scheme's scored indicators, for the points table
    indicator_names: tuple[str, ...] = ()

    def points_text(self, x: float | None) -> str:
        """Points as the scheme writes them (its ``decimals``)."""
        return style.number(x, self.decimals)


# --------------------------------------------------------------------------- building


def build_report(
    results: Results,
    provenance: Provenance,
    lang: str = "zh",
    *,
    gaps_per_unit: int = GAPS_PER_UNIT,
    decisions: Decisions | None = None,
    rulebook: Rulebook | None = None,
    robustness: RobustnessResults | None = None,
) -> Report:
    """The report's content from the engine's results, in ``lang`` (``zh`` or ``en``)."""
    with language(lang):
        s = results.scheme
        peers = _PeerStats.of(results)
        return Report(
            lang=lang,
            title=s.name,
            period=s.period.label,
            description=s.description,
            decimals=s.decimals,
            provenance=provenance,
            method=method(results),
            rankings=rankings(results),
            units=tuple(
                unit_page(results, i, peers, gaps_per_unit) for i in _reading_order(results)
            ),
            decisions=decision_rules(decisions, rulebook) if decisions is not None else (),
            rulebook=rulebook.name if rulebook is not None else "",
            robustness=robustness_summary(robustness) if robustness is not None else None,
            screened=tuple(results.screened),
            indicator_ids=tuple(results.indicators),
            indicator_names=tuple(s.indicators[i].name for i in results.indicators),
        )


def _reading_order(results: Results) -> list[int]:
    """Units by category (scheme order), then rank within it, then id."""
    cats = {c: k for k, c in enumerate(results.plan.categories)}
    return sorted(
        range(len(results.units)),
        key=lambda i: (
            cats[results.scheme.units[results.units[i]].category],
            int(results.rank_in_category[i]),
            results.units[i],
        ),
    )


def _category_members(results: Results) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {c: [] for c in results.plan.categories}
    for i in _reading_order(results):
        out[results.scheme.units[results.units[i]].category].append(i)
    return out


# --------------------------------------------------------------------------- method


def method(results: Results) -> Method:
    s = results.scheme
    members = _category_members(results)
    cats = tuple(
        CategoryInfo(
            cid,
            c.name,
            _full(results, members[cid]),
            tuple(s.units[results.units[i]].name for i in members[cid]),
            c.description,
        )
        for cid, c in s.categories.items()
    )
    return Method(
        categories=cats,
        tree=tree_rows(results, members),
        grades=grade_words(s),
        grading=_grading_words(results),
        gates=tuple(_gate_words(results, g) for g in (s.grading.gates if s.grading else [])),
        ranking=t(
            "report.ranking_basis." + s.ranking.basis,
            ties=tie_break_words(s, s.ranking.tie_break),
        ),
    )


def _full(results: Results, idx: Sequence[int]) -> float | None:
    return float(results.full_marks[idx[0]]) if idx else None


def tree_rows(results: Results, members: Mapping[str, list[int]]) -> tuple[TreeRow, ...]:
    """Every dimension and indicator, depth first in the scheme's order, with its full marks in
    each category (from the first unit of the category: weights are per category)."""
    plan, s = results.plan, results.scheme
    first = [members[c][0] if members[c] else None for c in plan.categories]
    rows: list[TreeRow] = []

    def node_points(col: Any, k: int, applies: Any) -> tuple[float | None, ...]:
        return tuple(None if i is None or not applies[i, k] else float(col[i, k]) for i in first)

    def walk(node: str, depth: int) -> None:
        for child in plan.tree.children.get(node, ()):
            if child in s.indicators:
                ind = s.indicators[child]
                j = plan.ind_index(child)
                owner = s.departments[ind.owner].name if ind.owner in s.departments else ""
                rows.append(
                    TreeRow(
                        child,
                        ind.name,
                        depth,
                        True,
                        node_points(plan.leaf_full, j, plan.applies),
                        t("report.kind." + plan.kinds[j]),
                        ind.unit_of_measure,
                        t(ind.direction),
                        owner,
                        rule_words(ind, s),
                        ind.description,
                    )
                )
            else:
                k = plan.node_index(child)
                dim = s.dimensions[child]
                rows.append(
                    TreeRow(
                        child,
                        dim.name,
                        depth,
                        False,
                        node_points(plan.node_full, k, plan.node_applies),
                        "",
                        "",
                        "",
                        "",
                        _dimension_words(dim),
                        dim.description,
                    )
                )
                walk(child, depth + 1)

    walk(ROOT, 0)
    return tuple(rows)


def _dimension_words(dim: Any) -> str:
    parts = []
    if dim.aggregation != "sum":
        parts.append(t("report.aggregation", how=dim.aggregation))
    if dim.cap is not None:
        parts.append(t("report.cap", v=fmt(dim.cap)))
    if dim.floor is not None:
        parts.append(t("report.floor", v=fmt(dim.floor)))
    return t("report.sep").join(parts)


def _grading_words(results: Results) -> str:
    g = results.scheme.grading
    if g is None:
        return ""
    from kaohe.i18n import say

    return t(
        "report.grading_scope." + g.scope,
        rounding=say("rounding." + g.rounding),
        ties=tie_break_words(results.scheme, g.tie_break),
    )


def _gate_words(results: Results, gate: Any) -> str:
    s = results.scheme
    grades = {gr.id: gr.name for gr in s.grading.grades} if s.grading else {}
    needs = [s.indicators[i].name for i in gate.require_target_met if i in s.indicators]
    needs += [
        t("report.gate_points", name=_node_name(s, k), v=fmt(v))
        for k, v in gate.require_min_points.items()
    ]
    text = t(
        "report.gate",
        name=gate.name,
        needs=t("report.list_sep").join(needs),
        grade=grades.get(gate.max_grade, gate.max_grade),
    )
    return f"{text} {gate.description}".strip()


def _node_name(s: Any, key: str) -> str:
    if key in s.indicators:
        return str(s.indicators[key].name)
    if key in s.dimensions:
        return str(s.dimensions[key].name)
    return key


# --------------------------------------------------------------------------- rankings


def _grade_names(results: Results) -> list[str]:
    return [g.name for g in results.scheme.grading.grades] if results.scheme.grading else []


def _ranking_row(results: Results, i: int) -> RankingRow:
    s = results.scheme
    decision = results.decisions[i] if results.decisions is not None else None
    return RankingRow(
        unit=results.units[i],
        name=s.units[results.units[i]].name,
        rank_in_category=int(results.rank_in_category[i]),
        score=float(results.score[i]),
        full_marks=float(results.full_marks[i]),
        share=float(results.share[i]),
        rank=int(results.rank[i]),
        grade=results.grade_name(i) or "",
        grade_index=-1 if results.grade_index is None else int(results.grade_index[i]),
        vetoes=tuple(s.indicators[v].name for v in results.vetoes[i]),
        summary=decision_summary(results, decision) if decision is not None else "",
    )


def rankings(results: Results) -> tuple[CategoryRanking, ...]:
    s = results.scheme
    out = []
    for cid, idx in _category_members(results).items():
        rows = tuple(_ranking_row(results, i) for i in idx)
        full = _full(results, idx)
        out.append(
            CategoryRanking(
                cid,
                s.categories[cid].name,
                full,
                rows,
                _quotas(results, idx),
                ranking_chart(results, s.categories[cid].name, rows, full),
            )
        )
    return tuple(out)


def _quotas(results: Results, idx: Sequence[int]) -> tuple[str, ...]:
    """The quota arithmetic of the group the category's units are graded in."""
    if results.decisions is None or not idx:
        return ()
    d = results.decisions[idx[0]]
    names = {g.id: g.name for g in results.scheme.grading.grades} if results.scheme.grading else {}
    where = t("report.overall") if d.group == "all" else ""
    return tuple(
        f"{where}{names.get(q.grade, q.grade)}：{q.rule}" if results.scheme.grading else str(q.rule)
        for q in d.quotas
    )


def ranking_chart(
    results: Results, name: str, rows: Sequence[RankingRow], full: float | None
) -> BarChart:
    grades = _grade_names(results)
    shown = rows[:CHART_ROWS]
    title = t("report.chart.ranking", cat=name)
    if len(rows) > len(shown):
        title += t("report.chart.first_n", n=len(shown), total=len(rows))
    bars = tuple(
        Bar(
            r.name,
            r.score,
            style.grade_colour(r.grade_index) if r.grade_index >= 0 else style.BAR,
            style.number(r.score, results.scheme.decimals),
        )
        for r in shown
    )
    used = sorted({r.grade_index for r in shown if r.grade_index >= 0})
    legend = tuple(LegendEntry(grades[k], style.grade_colour(k)) for k in used)
    top = max([full or 0.0, *(r.score for r in shown), 1.0])
    return BarChart(title, t("report.axis.points"), bars, top, legend)


# --------------------------------------------------------------------------- unit pages


@dataclass(frozen=True)
class _PeerStats:
    """Per category and indicator, the best and median points of the units it applies to;
    per category and top-level dimension, the best and median share of full marks."""

    best: np.ndarray[Any, Any]  # [C, I]
    median: np.ndarray[Any, Any]
    dims: tuple[str, ...]
    dim_share: np.ndarray[Any, Any]  # [U, D] share of full marks (NaN: no full marks)
    dim_best: np.ndarray[Any, Any]  # [C, D]
    dim_median: np.ndarray[Any, Any]
    category_size: tuple[int, ...]

    @classmethod
    def of(cls, results: Results) -> _PeerStats:
        plan = results.plan
        n_cat = len(plan.categories)
        pts = np.where(plan.applies, np.asarray(results.points), np.nan)
        s = results.scheme
        dims = tuple(d for d, spec in s.dimensions.items() if spec.parent is None)
        ks = [plan.node_index(d) for d in dims]
        full = plan.node_full[:, ks]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(full > 0, np.asarray(results.aggregates.values)[:, ks] / full, np.nan)
        ok = ~np.asarray(results.void)
        best = np.full((n_cat, pts.shape[1]), np.nan)
        median = best.copy()
        d_best = np.full((n_cat, len(dims)), np.nan)
        d_median = d_best.copy()
        sizes = []
        for c in range(n_cat):
            members = plan.cat_index == c
            sizes.append(int(members.sum()))
            best[c], median[c] = _max_median(pts[members])
            d_best[c], d_median[c] = _max_median(share[members & ok])
        return cls(best, median, dims, share, d_best, d_median, tuple(sizes))


def _max_median(block: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    if block.shape[0] == 0:
        empty = np.full(block.shape[1], np.nan)
        return empty, empty.copy()
    has = ~np.isnan(block).all(axis=0)
    filled = np.where(np.isnan(block), 0.0, block)
    best = np.where(has, np.nanmax(np.where(has, block, 0.0), axis=0), np.nan)
    with np.errstate(all="ignore"):
        sorted_ = np.sort(np.where(np.isnan(block), np.inf, filled), axis=0)
    counts = (~np.isnan(block)).sum(axis=0)
    lo = np.clip((counts - 1) // 2, 0, None)
    hi = np.clip(counts // 2, 0, None)
    cols = np.arange(block.shape[1])
    med = (sorted_[lo, cols] + sorted_[hi, cols]) / 2
    return best, np.where(has, med, np.nan)


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def unit_page(results: Results, i: int, peers: _PeerStats, gaps_per_unit: int) -> UnitPage:
    plan, s = results.plan, results.scheme
    uid = plan.units[i]
    c = int(plan.cat_index[i])
    values = np.asarray(results.prepared.values if results.prepared else results.data.values)
    paths = _paths(results)
    rows = []
    for j, iid in enumerate(plan.indicators):
        if not plan.applies[i, j]:
            continue
        ind = s.indicators[iid]
        rows.append(
            PointsRow(
                iid,
                ind.name,
                paths[iid],
                plan.kinds[j],
                _num(values[i, j]),
                ind.unit_of_measure,
                _num(results.points[i, j]),
                float(plan.leaf_full[i, j]),
                _num(peers.best[c, j]),
                _num(peers.median[c, j]),
            )
        )
    ranking = _ranking_row(results, i)
    scored = [r for r in rows if r.kind == "base" and r.full > 0 and r.points is not None]
    strengths = sorted(
        (r for r in scored if _above_median(r) > 0),
        key=lambda r: (-_above_median(r) / r.full, r.indicator),
    )[:STRENGTHS_PER_UNIT]
    behind = _gap_candidates(results, i, scored)[: max(gaps_per_unit, 0)]
    return UnitPage(
        unit=uid,
        name=s.units[uid].name,
        category=s.units[uid].category,
        category_name=s.categories[s.units[uid].category].name,
        score=ranking.score,
        full_marks=ranking.full_marks,
        share=ranking.share,
        rank_in_category=ranking.rank_in_category,
        category_size=peers.category_size[c],
        rank=ranking.rank,
        units=len(plan.units),
        grade=ranking.grade,
        summary=ranking.summary,
        vetoes=ranking.vetoes,
        points=tuple(rows),
        radar=unit_radar(results, i, peers),
        strengths=tuple(strengths),
        gaps=_gaps(results, uid, behind) if gaps_per_unit > 0 else (),
        gaps_computed=gaps_per_unit > 0,
    )


def _gap_candidates(results: Results, i: int, scored: Sequence[PointsRow]) -> list[PointsRow]:
    """The indicators whose gap is worth a search, likeliest to matter first: those of a gate
    that holds the unit's grade down, then the furthest below the category's best."""
    gated: set[str] = set()
    if results.decisions is not None and results.scheme.grading is not None:
        gates = {g.id: g for g in results.scheme.grading.gates}
        for hit in results.decisions[i].gates:
            gate = gates.get(hit.source)
            if gate is not None:
                gated.update(gate.require_target_met, gate.require_min_points)
    first = [r for r in scored if r.indicator in gated]
    rest = sorted(
        (r for r in scored if r.indicator not in gated and _below_best(r) > 0),
        key=lambda r: (-_below_best(r), r.indicator),
    )
    return first + rest


def _below_best(r: PointsRow) -> float:
    """Points below the category's best (0 when either is unknown)."""
    return 0.0 if r.best is None or r.points is None else r.best - r.points


def _above_median(r: PointsRow) -> float:
    return 0.0 if r.median is None or r.points is None else r.points - r.median


def _paths(results: Results) -> dict[str, str]:
    cached = results.__dict__.get("_report_paths")
    if cached is None:
        plan, s = results.plan, results.scheme
        cached = {}
        for iid in plan.indicators:
            names, node = [], plan.tree.parent.get(iid)
            while node is not None and node != ROOT:
                names.append(s.dimensions[node].name)
                node = plan.tree.parent.get(node)
            cached[iid] = " › ".join(names[::-1])
        object.__setattr__(results, "_report_paths", cached)
    return dict(cached)


def unit_radar(results: Results, i: int, peers: _PeerStats) -> RadarChart | None:
    """The unit's share of full marks per top-level dimension against its category's best and
    median (a radar needs three axes: None with fewer)."""
    c = int(results.plan.cat_index[i])
    ks = [k for k in range(len(peers.dims)) if not math.isnan(peers.dim_share[i, k])]
    if len(ks) < 3:
        return None
    s = results.scheme
    name = s.units[results.units[i]].name

    def values(row: np.ndarray[Any, Any]) -> tuple[float, ...]:
        return tuple(0.0 if math.isnan(row[k]) else float(row[k]) for k in ks)

    return RadarChart(
        t("report.chart.radar", name=name),
        t("report.axis.share"),
        tuple(s.dimensions[peers.dims[k]].name for k in ks),
        (
            Series(t("web.best"), style.BEST, values(peers.dim_best[c]), "dashed"),
            Series(t("web.median_cat"), style.MEDIAN, values(peers.dim_median[c]), "dot"),
            Series(name, style.BAR, values(peers.dim_share[i]), "line", filled=True),
        ),
    )


def _gaps(results: Results, uid: str, behind: Sequence[PointsRow]) -> tuple[GapRow, ...]:
    from kaohe.gaps import gaps

    found = {g.indicator: g for g in gaps(results, uid, {r.indicator for r in behind})}
    out = []
    for r in behind:
        g = found.get(r.indicator)
        if g is None:  # an itemised or judged indicator: no single value to reach
            continue
        out.append(
            GapRow(
                r.indicator,
                r.name,
                r.unit_of_measure,
                r.value,
                r.points,
                r.best,
                g.place_text(),
                g.grade_text(),
                g.place_value is not None or g.grade_value is not None,
            )
        )
    return tuple(sorted(out, key=lambda g: not g.reachable))  # stable: reachable ones first


# --------------------------------------------------------------------------- decisions


def decision_rules(decisions: Decisions, rulebook: Rulebook | None) -> tuple[DecisionRule, ...]:
    """The rules marked public, each with its decisions (explanations in the language in
    force)."""
    out = []
    for o in decisions.public().outcomes:
        spec = rulebook.rules.get(o.rule) if rulebook is not None else None
        rows = tuple(
            DecisionRow(
                d.name or d.subject,
                d.unit or "",
                d.action,
                ""
                if d.value is None
                else (fmt(d.value) if isinstance(d.value, float) else str(d.value)),
                str(d.explanation),
            )
            for d in o.decisions
        )
        out.append(DecisionRule(o.rule, o.name or o.rule, spec.description if spec else "", rows))
    return tuple(out)


# --------------------------------------------------------------------------- robustness


def robustness_summary(rr: RobustnessResults) -> RobustnessSummary:
    """The robustness section of an analysis just run."""
    return robustness_of_rows(rr.nominal, rank_rows(rr), rr.samples, rr.mean_abs_shift, rr.spec)


def robustness_of_rows(
    res: Results,
    ranked: Sequence[Mapping[str, Any]],
    samples: int,
    mean_abs_shift: float,
    spec: Robustness,
) -> RobustnessSummary:
    """The robustness section from an analysis's rank rows (:func:`~kaohe.io.robustness_files.
    rank_rows`, as the files and the platform keep them), best nominal rank first."""
    s = res.scheme
    grades = tuple(_grade_names(res))
    ids = [g.id for g in s.grading.grades] if s.grading else []
    name_of = dict(zip(ids, grades, strict=True))
    rows = tuple(
        RobustnessRow(
            unit=r["unit"],
            name=r["name"],
            category_name=s.categories[r["category"]].name,
            nominal_rank=int(r["nominal_rank"]),
            median_rank=int(r["median_rank"]),
            low=int(r["rank_p05"]),
            high=int(r["rank_p95"]),
            nominal_in_category=int(r["nominal_rank_in_category"]),
            low_in_category=int(r["rank_in_category_p05"]),
            high_in_category=int(r["rank_in_category_p95"]),
            grade=name_of.get(r["nominal_grade"], ""),
            grade_probabilities=tuple(float(r[f"p_{g}"]) for g in ids),
        )
        for r in ranked
    )
    shown = rows[:CHART_ROWS]
    chart = IntervalChart(
        t("report.chart.intervals", n=samples)
        + (
            t("report.chart.first_n", n=len(shown), total=len(rows))
            if len(rows) > len(shown)
            else ""
        ),
        t("report.axis.rank"),
        tuple(Interval(r.name, r.low, r.high, r.median_rank, r.nominal_rank) for r in shown),
        (
            LegendEntry(t("report.legend.interval"), "#9db7d5"),
            LegendEntry(t("median"), style.BAR, "dot"),
            LegendEntry(t("nominal"), style.BEST, "tick"),
        ),
        float(len(res.units)),
    )
    w = spec.weights
    settings = (
        t("report.robustness_weights", method=w.method, level=w.level) if w is not None else ""
    )
    factors = [f.name for f in factors_of(s, spec)]
    if factors:
        settings += t("report.robustness_factors", factors=", ".join(factors))
    return RobustnessSummary(samples, settings, mean_abs_shift, grades, rows, chart)
