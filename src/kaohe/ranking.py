"""Ranks within each category and across all units, and the tie-break orderings they use.

Scores are compared after rounding to ``ranking.decimals`` places, so that two totals that differ
only by floating-point noise tie, as a person reading the table would expect. Tie-break keys are
compared the same way: points and subtotals at ``ranking.decimals`` places, raw values at the
precision of peer comparisons (:data:`kaohe.rules.base.PEER_DIGITS` significant digits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaohe.plan import Plan
from kaohe.rules.base import comparable, group_rank

Vec = NDArray[np.float64]
IntVec = NDArray[np.int64]


@dataclass(frozen=True)
class Standing:
    """What orderings are built from: the totals and the pieces tie-breaks may look at."""

    score: Vec  # points (void units: 0)
    share: Vec  # score / full marks
    points: Vec  # [U, I]
    subtotals: Vec  # [U, N]
    values: Vec  # [U, I] raw values
    void: NDArray[np.bool_]


def rank_key(plan: Plan, st: Standing, basis: str) -> Vec:
    """The number units are ordered by (higher first); void units come last of all."""
    decimals = plan.scheme.ranking.decimals
    raw = st.share if basis == "share" else st.score
    key = np.round(np.nan_to_num(raw, nan=-np.inf), decimals)
    return np.where(st.void, -np.inf, key)


def tie_break_keys(plan: Plan, st: Standing, chain: list[str]) -> list[Vec]:
    """One array per tie-break key, each ordered so that *higher* wins (and equal at the
    precision of comparisons where it ties on paper)."""
    decimals = plan.scheme.ranking.decimals
    out: list[Vec] = []
    for key in chain:
        kind, _, ref = key.partition(":")
        if kind == "id":
            order = np.argsort(np.argsort(np.array(plan.units), kind="stable"), kind="stable")
            out.append(-order.astype(np.float64))
        elif kind == "name":
            names = np.array([plan.scheme.units[u].name for u in plan.units])
            order = np.argsort(np.argsort(names, kind="stable"), kind="stable")
            out.append(-order.astype(np.float64))
        elif kind == "indicator":
            points = np.round(st.points[:, plan.ind_index(ref)], decimals)
            out.append(np.nan_to_num(points, nan=-np.inf))
        elif kind == "value":
            j = plan.ind_index(ref)
            d = 1.0 if plan.scheme.indicators[ref].direction == "higher" else -1.0
            out.append(np.nan_to_num(d * comparable(st.values[:, j]), nan=-np.inf))
        elif kind == "dimension":
            subtotal = np.round(st.subtotals[:, plan.node_index(ref)], decimals)
            out.append(np.nan_to_num(subtotal, nan=-np.inf))
    return out


def ordering(primary: Vec, tie_keys: list[Vec], groups: IntVec) -> IntVec:
    """Unit indices sorted by group, then ``primary`` descending, then each tie key."""
    sort_keys = [-k for k in reversed(tie_keys)] + [-primary, groups]
    order: IntVec = np.lexsort(sort_keys)
    return order


def ranks(plan: Plan, st: Standing) -> tuple[IntVec, IntVec]:
    """(rank within category, rank overall), 1 = best."""
    spec = plan.scheme.ranking
    key_cat = rank_key(plan, st, "points")
    key_all = rank_key(plan, st, spec.basis)
    everyone = np.ones(len(plan.units), dtype=bool)
    single = np.zeros(len(plan.units), dtype=np.int64)
    if spec.ties == "shared":
        in_cat = group_rank(key_cat, everyone, plan.cat_index)
        overall = group_rank(key_all, everyone, single)
        return in_cat.astype(np.int64), overall.astype(np.int64)
    tie_keys = tie_break_keys(plan, st, spec.tie_break)
    return (
        _positions(ordering(key_cat, tie_keys, plan.cat_index), plan.cat_index),
        _positions(ordering(key_all, tie_keys, single), single),
    )


def _positions(order: IntVec, groups: IntVec) -> IntVec:
    """Place (1-based) of every unit within its group, given a grouped ordering."""
    pos = np.empty(order.size, dtype=np.int64)
    g = groups[order]
    start = np.r_[True, g[1:] != g[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(order.size), 0))
    pos[order] = np.arange(order.size) - first + 1
    return pos
