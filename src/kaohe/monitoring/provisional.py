"""The provisional assessment (暂定结果): what the result would be at a period, with the
year-to-date values against time-proportional targets — computed by the same engine as
``kaohe run`` and marked provisional everywhere it goes.

The scheme is cut down to the dispatched indicators (the others have no value yet): dimensions
left without indicators are dropped, the weights in force are kept as written on the tree (a
mean renormalises over the children left; a sum keeps each indicator's points, so the points
stated on a dimension under a sum, and the categories' declared full marks, are dropped: they no
longer add up), and there are no grades (quotas and
minimum scores are for the verdict of the year). Each dispatched indicator takes the value it
compares at its latest dispatch up to the period — the level to date, its growth on last year,
or the rate — and, when its target follows the year (a level on a ``proportional`` or
``from_start`` path), the time-proportional target of that period instead of the annual one. A
rule that reads the date (``time_progress``) is given the period's date. A value not reported is
treated as the section's ``provisional.missing`` says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from kaohe.dataset import MISSING, NOT_APPLICABLE, PRESENT, Dataset
from kaohe.engine import assess
from kaohe.errors import Issue, SchemeError
from kaohe.i18n import Msg
from kaohe.monitoring.monitor import Monitor
from kaohe.results import Results
from kaohe.rulespec import TimeProgress
from kaohe.scheme import DATA_WEIGHTING, Dimension, Indicator, Scheme, with_weights


@dataclass(frozen=True, eq=False)
class Provisional:
    """A provisional assessment: the engine's results at a period, never the verdict."""

    period: str  # the period monitored
    as_of: dt.date  # the date of that period
    results: Results
    used: dict[str, str]  # indicator → the period whose value was used
    left_out: tuple[str, ...]  # units of categories with no dispatched indicator
    provisional: bool = True  # always: these are not the year's results

    def rows(self) -> list[dict[str, Any]]:
        """The results rows, each marked ``provisional`` with its ``period``."""
        return [{"provisional": True, "period": self.period, **row} for row in self.results.rows()]


def assess_provisional(m: Monitor) -> Provisional:
    """The provisional assessment at the monitor's current period."""
    plan = m.plan
    latest = latest_dispatch(m)
    kept = {plan.indicators[s]: (s, p) for s, p in latest.items()}
    if not kept:
        raise SchemeError(Issue(str(Msg("mon.err.nothing_dispatched", period=m.period))))
    scheme = provisional_scheme(m, kept)
    values = np.full((len(scheme.units), len(scheme.indicators)), np.nan)
    status = np.full(values.shape, MISSING, dtype=np.int8)
    u_of = {u: k for k, u in enumerate(plan.units)}
    for j, iid in enumerate(scheme.indicators):
        s, p = kept[iid]
        for i, uid in enumerate(scheme.units):
            u = u_of[uid]
            v = float(m.compared[s, u, p])
            if m.series.status[s, u, p] == NOT_APPLICABLE:
                status[i, j] = NOT_APPLICABLE
            elif v == v:
                values[i, j], status[i, j] = v, PRESENT
    data = Dataset(tuple(scheme.units), tuple(scheme.indicators), values, status)
    return Provisional(
        period=m.period,
        as_of=plan.calendar.dates[m.current],
        results=assess(scheme, data),
        used={iid: plan.calendar.ids[p] for iid, (_, p) in kept.items()},
        left_out=tuple(u for u in plan.units if u not in scheme.units),
    )


def latest_dispatch(m: Monitor) -> dict[int, int]:
    """Per dispatched indicator: its latest dispatched period up to the current one."""
    out = {}
    for s in range(len(m.plan.series)):
        due = np.flatnonzero(m.plan.dispatched[s, : m.current + 1])
        if due.size:
            out[s] = int(due[-1])
    return out


def provisional_scheme(m: Monitor, kept: dict[str, tuple[int, int]]) -> Scheme:
    """The scheme cut down to the dispatched indicators, with the period's targets."""
    plan = m.plan
    base = with_weights(plan.scheme)
    inds = {
        iid: _indicator(m, ind, *kept[iid]) for iid, ind in base.indicators.items() if iid in kept
    }
    dims = _dimensions(base, inds)
    cats = {
        cid: cat.model_copy(update={"full_marks": None})
        for cid, cat in base.categories.items()
        if any(ind.applies_to(cid) for ind in inds.values())
    }
    units = {uid: u for uid, u in base.units.items() if u.category in cats}
    nodes = set(inds) | set(dims)
    ranking = base.ranking.model_copy(
        update={"tie_break": [k for k in base.ranking.tie_break if _tie_kept(k, nodes)]}
    )
    period = base.period.model_copy(
        update={
            "as_of": plan.calendar.dates[m.current],
            "label": f"{base.period.label} {plan.calendar.label(m.current)}".strip(),
        }
    )
    scheme = base.model_copy(
        update={
            "indicators": inds,
            "dimensions": dims,
            "categories": cats,
            "units": units,
            "weighting": _weighting(base.weighting, inds, dims),
            "weight_sets": {},
            "weight_set": None,
            "grading": None,
            "period": period,
            "ranking": ranking,
            "preprocessing": base.preprocessing.model_copy(update={"screen": None}),
            "monitoring": None,
        }
    )
    from kaohe.checks import check_scheme

    issues = check_scheme(scheme)
    if issues:
        head = str(Msg("mon.err.provisional_scheme"))
        raise SchemeError([Issue(f"{head}: {i.message}", path=i.path) for i in issues])
    return scheme


def _indicator(m: Monitor, ind: Indicator, s: int, p: int) -> Indicator:
    plan = m.plan
    date = plan.calendar.dates[p]
    update: dict[str, Any] = {
        "missing": plan.monitoring.provisional.missing,
        "range": None,
        "rule": _dated(ind.rule, date),
        "category_rules": {c: _dated(r, date) for c, r in ind.category_rules.items()},
    }
    follows_year = plan.compared[s] == 0 and plan.path[s] != 1
    if follows_year and not isinstance(ind.rule, TimeProgress):
        # where the path's start is unknown (from_start without last year), T × share
        fallback = plan.target[s] * m.shares[s, p]
        path = np.where(np.isfinite(m.expected[s, :, p]), m.expected[s, :, p], fallback)
        update["target"] = {
            uid: float(path[u]) for u, uid in enumerate(plan.units) if np.isfinite(path[u])
        }
    elif plan.entry(s).target is not None:
        update["target"] = plan.entry(s).target
    return ind.model_copy(update=update)


def _dated(rule: Any, date: dt.date) -> Any:
    if isinstance(rule, TimeProgress):
        return rule.model_copy(update={"as_of": date})
    return rule


def _dimensions(base: Scheme, inds: dict[str, Indicator]) -> dict[str, Dimension]:
    """The dimensions that still hold an indicator, their weighting cut to the children left."""
    alive: set[str] = set()
    for ind in inds.values():
        node = ind.parent
        while node is not None and node not in alive:
            alive.add(node)
            node = base.dimensions[node].parent
    dims = {d: dim for d, dim in base.dimensions.items() if d in alive}
    return {
        d: dim.model_copy(
            update={
                "weighting": _weighting(dim.weighting, inds, dims),
                # points stated for a sum's child no longer add up: its children's points do
                "weights": None if _parent_sums(base, dim) else dim.weights,
            }
        )
        for d, dim in dims.items()
    }


def _parent_sums(base: Scheme, dim: Dimension) -> bool:
    agg = base.aggregation if dim.parent is None else base.dimensions[dim.parent].aggregation
    return agg == "sum"


def _weighting(w: Any, inds: dict[str, Indicator], dims: dict[str, Dimension]) -> Any:
    """Data-driven weights are recomputed on the children left; written ones are already on the
    tree (with_weights), so their weighting is dropped."""
    if w is None or w.method not in DATA_WEIGHTING:
        return None
    if w.children is None:
        return w
    left = [c for c in w.children if c in inds or c in dims]
    return w.model_copy(update={"children": left})


def _tie_kept(key: str, nodes: set[str]) -> bool:
    kind, _, ref = key.partition(":")
    return kind in ("id", "name") or ref in nodes
