"""Points up the tree: sums of points (the Chinese practice) or weighted means (the
composite-index practice), chosen per node; renormalisation where a child is absent; node floors
and caps. Works on all units at once, one node at a time, bottom-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaohe.errors import ComputationError, Issue
from kaohe.plan import Plan
from kaohe.tree import ROOT, extra_nodes

Vec = NDArray[np.float64]


@dataclass(frozen=True)
class Aggregates:
    values: Vec  # [U, N] node values (NaN where the node does not apply or is absent)
    scale: Vec  # [U, N] renormalisation factor applied to a sum node's base part (1 = none)
    capped: NDArray[np.bool_]  # [U, N]
    floored: NDArray[np.bool_]  # [U, N]


def aggregate(plan: Plan, points: Vec) -> Aggregates:
    scheme = plan.scheme
    n_units, n_nodes = len(plan.units), len(plan.nodes)
    values = np.full((n_units, n_nodes), np.nan)
    scale = np.ones((n_units, n_nodes))
    capped = np.zeros((n_units, n_nodes), dtype=bool)
    floored = np.zeros((n_units, n_nodes), dtype=bool)
    col_of = {iid: j for j, iid in enumerate(plan.indicators)}
    extra_dims = extra_nodes(scheme, plan.tree)
    node_of = {nid: k for k, nid in enumerate(plan.nodes)}

    def child(c: str) -> tuple[Vec, Vec, Vec, str]:
        """(value, full, weight, kind) of a child node or leaf, per unit."""
        if c in col_of:
            j = col_of[c]
            return points[:, j], plan.leaf_full[:, j], plan.leaf_weight[:, j], plan.kinds[j]
        k = node_of[c]
        kind = "bonus" if c in extra_dims else "base"
        return values[:, k], plan.node_full[:, k], plan.node_weight[:, k], kind

    for k, node in enumerate(plan.nodes):
        agg = scheme.aggregation if node == ROOT else scheme.dimensions[node].aggregation
        kids = [child(c) for c in plan.tree.children[node]]
        base = [kd for kd in kids if kd[3] == "base"]
        extra = [kd for kd in kids if kd[3] in ("bonus", "deduction")]
        if not base and not extra:  # e.g. a dimension holding only vetoes: no points at all
            val = np.full(n_units, np.nan)
        elif agg == "sum":
            val, sc = _sum(base, extra)
            scale[:, k] = sc
        else:
            val = _mean(base, geometric=agg == "geometric", node=node, plan=plan)
        val = np.where(plan.node_applies[:, k], val, np.nan)
        if node != ROOT:
            dim = scheme.dimensions[node]
            if dim.cap is not None:
                capped[:, k] = val > dim.cap
                val = np.where(capped[:, k], dim.cap, val)
            if dim.floor is not None:
                floored[:, k] = val < dim.floor
                val = np.where(floored[:, k], dim.floor, val)
        values[:, k] = val
    return Aggregates(values, scale, capped, floored)


def _sum(
    base: list[tuple[Vec, Vec, Vec, str]], extra: list[tuple[Vec, Vec, Vec, str]]
) -> tuple[Vec, Vec]:
    """Sum of points; absent base children are renormalised over the full marks present."""
    n = (base or extra)[0][0].shape[0]
    total = np.zeros(n)
    full_all = np.zeros(n)
    full_present = np.zeros(n)
    any_present = np.zeros(n, dtype=bool)
    for v, f, _, _ in base:
        present = ~np.isnan(v)
        total += np.where(present, v, 0.0)
        full_all += np.where(np.isnan(f), 0.0, f)
        full_present += np.where(present, f, 0.0)
        any_present |= present
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(
            (full_present > 0) & (full_present < full_all), full_all / full_present, 1.0
        )
    val = total * scale
    extra_present = np.zeros(n, dtype=bool)
    for v, _, _, _ in extra:
        present = ~np.isnan(v)
        val = val + np.where(present, v, 0.0)
        extra_present |= present
    # no base child present (all renormalised away) and nothing else: the node is absent too
    absent = ~any_present & (full_all > 0) & ~extra_present
    if not base:
        absent = ~extra_present
    return np.where(absent, np.nan, val), scale


def _mean(base: list[tuple[Vec, Vec, Vec, str]], geometric: bool, node: str, plan: Plan) -> Vec:
    """Weighted mean of the children present (weights renormalised over them)."""
    n = base[0][0].shape[0]
    acc = np.zeros(n)
    wsum = np.zeros(n)
    for v, _, w, _ in base:
        present = ~np.isnan(v) & (w > 0)
        if geometric:
            bad = present & (v <= 0)
            if bad.any():
                units = ", ".join(plan.units[i] for i in np.flatnonzero(bad)[:6])
                raise ComputationError(
                    Issue(
                        f"a geometric mean needs values > 0; a child of this node is ≤ 0 for "
                        f"{units}. Use aggregation: mean, or a normalisation that keeps values "
                        "above 0",
                        path=_node_path(node),
                    )
                )
            with np.errstate(divide="ignore", invalid="ignore"):
                acc += np.where(present, w * np.log(np.where(present, v, 1.0)), 0.0)
        else:
            acc += np.where(present, w * v, 0.0)
        wsum += np.where(present, w, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = acc / wsum
    out: Vec = np.exp(mean) if geometric else mean
    return np.where(wsum > 0, out, np.nan)


def _node_path(node: str) -> str:
    return "aggregation" if node == ROOT else f"dimensions.{node}.aggregation"
