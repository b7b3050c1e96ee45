"""The engine: a validated scheme and a dataset in, frozen results out. No files, no settings.

    rules → points → subtotals → totals → ranks (category, overall) → grades (quota, gates)

Every step is vectorised over units; the same scheme and data give the same results bit for bit.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from kaohe.aggregation import aggregate
from kaohe.dataset import Dataset
from kaohe.errors import ComputationError, DataError, Issue
from kaohe.grading import grade_units
from kaohe.plan import Plan, compile_plan
from kaohe.preparation import Prepared, preparation_flags, prepare, screen_units
from kaohe.ranking import Standing, ranks
from kaohe.results import Results
from kaohe.scheme import Scheme
from kaohe.scoring import VETO_TRIGGERED, IndicatorTrace, score_indicator
from kaohe.tree import extra_nodes


def assess(scheme: Scheme, data: Dataset, plan: Plan | None = None) -> Results:
    """Compute points, subtotals, scores, ranks and grades for every unit of ``scheme``.

    With ``preprocessing.screen``, units with too little data are left out first (the results
    list them in ``screened``)."""
    if scheme.preprocessing.screen is not None:
        scheme, data, screened = screen_units(scheme, data)
        if screened:
            return replace(assess(scheme, data), screened=screened)
    plan = plan or compile_plan(scheme)
    _check_shape(plan, data)
    return finish(plan, data, *score_all(plan, data))


def score_all(
    plan: Plan, data: Dataset
) -> tuple[Prepared, NDArray[np.float64], NDArray[np.int16], tuple[IndicatorTrace, ...]]:
    """Prepare the values and score every indicator: (prepared, points, flags, traces)."""
    n_units, n_inds = len(plan.units), len(plan.indicators)
    prepared = prepare(plan, data)
    used = Dataset(
        data.units,
        data.indicators,
        prepared.values,
        prepared.status,
        data.items,
        data.notes,
        data.sources,
    )
    points = np.full((n_units, n_inds), np.nan)
    flags = np.zeros((n_units, n_inds), dtype=np.int16)
    traces = tuple(score_indicator(plan, used, j, points, flags) for j in range(n_inds))
    flags |= preparation_flags(prepared)
    return prepared, points, flags, traces


def finish(
    plan: Plan,
    data: Dataset,
    prepared: Prepared,
    points: NDArray[np.float64],
    flags: NDArray[np.int16],
    traces: tuple[IndicatorTrace, ...],
) -> Results:
    """From every indicator's points: subtotals, totals, ranks and grades."""
    scheme = plan.scheme
    n_units = len(plan.units)
    agg = aggregate(plan, points)
    if agg.derived:  # weights computed from the data: the plan records the weights used
        plan = _with_derived(plan, agg.derived)
    total = agg.values[:, -1]
    if np.isnan(total).any():
        bad = [plan.units[i] for i in np.flatnonzero(np.isnan(total))]
        raise ComputationError(
            Issue(
                f"no score could be computed for {', '.join(bad[:6])}: every indicator that "
                "applies is absent and was renormalised away"
            )
        )
    vetoes = _vetoes(plan, flags)
    void = np.zeros(n_units, dtype=bool)
    for iid, i in vetoes:
        rule = scheme.indicators[iid].rule_for(scheme.units[plan.units[i]].category)
        if rule.effect == "void":  # type: ignore[attr-defined]
            void[i] = True
    score = np.where(void, 0.0, total)
    full = plan.full_marks
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(full > 0, score / full, score)
    st = Standing(
        score=score,
        share=share,
        points=points,
        subtotals=agg.values,
        values=np.asarray(prepared.values),
        void=void,
    )
    rank_in_category, rank = ranks(plan, st)
    grade_index = decisions = None
    if scheme.grading is not None:
        grade_index, decisions = grade_units(plan, st, vetoes)
    return Results(
        plan=plan,
        data=data,
        prepared=prepared,
        points=points,
        flags=flags,
        aggregates=agg,
        score=score,
        share=share,
        void=void,
        rank_in_category=rank_in_category,
        rank=rank,
        grade_index=grade_index,
        decisions=decisions,
        traces=traces,
        vetoes=_by_unit(vetoes, n_units),
    )


def _by_unit(vetoes: list[tuple[str, int]], n_units: int) -> tuple[tuple[str, ...], ...]:
    per: list[list[str]] = [[] for _ in range(n_units)]
    for iid, i in vetoes:
        per[i].append(iid)
    return tuple(tuple(v) for v in per)


def _check_shape(plan: Plan, data: Dataset) -> None:
    if data.units != plan.units or data.indicators != plan.indicators:
        raise DataError(
            Issue(
                "the dataset was built for another scheme (its units or "
                "indicators differ); build it with this scheme"
            )
        )


def _vetoes(plan: Plan, flags: NDArray[np.int16]) -> list[tuple[str, int]]:
    out = []
    for j, iid in enumerate(plan.indicators):
        if plan.kinds[j] != "veto":
            continue
        for i in np.flatnonzero(flags[:, j] & VETO_TRIGGERED):
            out.append((iid, int(i)))
    return out


def _with_derived(plan: Plan, derived: dict[str, NDArray[np.float64]]) -> Plan:
    leaf = np.array(plan.leaf_weight)
    node = np.array(plan.node_weight)
    col_of = {iid: j for j, iid in enumerate(plan.indicators)}
    node_of = {nid: k for k, nid in enumerate(plan.nodes)}
    extra = extra_nodes(plan.scheme, plan.tree)
    for parent, table in derived.items():
        kids = [
            c
            for c in plan.tree.children[parent]
            if (c in col_of and plan.kinds[col_of[c]] == "base")
            or (c not in col_of and c not in extra)
        ]
        for m, c in enumerate(kids):
            column = table[plan.cat_index, m]
            if c in col_of:
                leaf[:, col_of[c]] = column
            else:
                node[:, node_of[c]] = column
    leaf.flags.writeable = False
    node.flags.writeable = False
    return replace(plan, leaf_weight=leaf, node_weight=node)
