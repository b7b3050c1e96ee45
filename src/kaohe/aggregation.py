"""Points up the tree: sums of points (the Chinese practice) or weighted means (the
composite-index practice), chosen per node; renormalisation where a child is absent; node floors
and caps. Works on all units at once, one node at a time, bottom-up.

A sum node none of whose base children is present (all not applicable, or missing under
``renormalise``) is absent — left out of its parent, which renormalises over the rest — even
when it also holds bonus or deduction items: their points (the node's *carry*) are added to the
parent outside its full marks, as if the items sat there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from kaohe.errors import ComputationError, Issue
from kaohe.plan import Plan
from kaohe.scheme import DATA_WEIGHTING, Dimension
from kaohe.tree import ROOT, extra_nodes

Vec = NDArray[np.float64]


@dataclass(frozen=True)
class Aggregates:
    values: Vec  # [U, N] node values (NaN where the node does not apply or is absent)
    scale: Vec  # [U, N] renormalisation factor applied to a sum node's base part (1 = none)
    capped: NDArray[np.bool_]  # [U, N]
    floored: NDArray[np.bool_]  # [U, N]
    derived: dict[str, Vec] = field(default_factory=dict)  # node → [C, base children] weights


def aggregate(plan: Plan, points: Vec) -> Aggregates:
    scheme = plan.scheme
    n_units, n_nodes = len(plan.units), len(plan.nodes)
    values = np.full((n_units, n_nodes), np.nan)
    derived: dict[str, Vec] = {}
    scale = np.ones((n_units, n_nodes))
    capped = np.zeros((n_units, n_nodes), dtype=bool)
    floored = np.zeros((n_units, n_nodes), dtype=bool)
    carry: dict[str, Vec] = {}  # node → points of its items where it is left out (module doc)
    col_of = {iid: j for j, iid in enumerate(plan.indicators)}
    extra_dims = extra_nodes(scheme, plan.tree)
    node_of = {nid: k for k, nid in enumerate(plan.nodes)}

    def child(c: str) -> Kid:
        if c in col_of:
            j = col_of[c]
            return Kid(
                points[:, j],
                plan.leaf_full[:, j],
                plan.leaf_weight[:, j],
                plan.kinds[j],
                plan.applies[:, j],
            )
        k = node_of[c]
        kind = "bonus" if c in extra_dims else "base"
        return Kid(
            values[:, k],
            plan.node_full[:, k],
            plan.node_weight[:, k],
            kind,
            plan.node_applies[:, k],
        )

    for k, node in enumerate(plan.nodes):
        dim = None if node == ROOT else scheme.dimensions[node]
        agg = scheme.aggregation if dim is None else dim.aggregation
        kids = [child(c) for c in plan.tree.children[node]]
        base = [kd for kd in kids if kd.kind == "base"]
        extra = [kd for kd in kids if kd.kind in ("bonus", "deduction")]
        weighting = scheme.weighting if dim is None else dim.weighting
        if weighting is not None and weighting.method in DATA_WEIGHTING and base:
            base, derived[node] = _derived_weights(plan, node, base, weighting.method)
        held = np.full(n_units, np.nan)
        if not base and not extra:  # e.g. a dimension holding only vetoes: no points at all
            val = np.full(n_units, np.nan)
        elif agg == "sum":
            val, sc, held = _sum(base, extra + _carried(plan, node, kids, carry))
            scale[:, k] = sc
        elif agg == "copeland":
            groups = plan.cat_index if scheme.peers == "category" else np.zeros_like(plan.cat_index)
            val = copeland(
                np.column_stack([kd.value for kd in base]),
                np.column_stack([kd.weight for kd in base]),
                groups,
            )
        else:
            val = _power_mean(base, agg, dim, node, plan)
        val = np.where(plan.node_applies[:, k], val, np.nan)
        held = np.where(plan.node_applies[:, k], held, np.nan)
        if node != ROOT:
            dim = scheme.dimensions[node]
            if dim.cap is not None:
                capped[:, k] = (val > dim.cap) | (held > dim.cap)
                val = np.where(val > dim.cap, dim.cap, val)
                held = np.where(held > dim.cap, dim.cap, held)
            if dim.floor is not None:
                floored[:, k] = (val < dim.floor) | (held < dim.floor)
                val = np.where(val < dim.floor, dim.floor, val)
                held = np.where(held < dim.floor, dim.floor, held)
        values[:, k] = val
        carry[node] = held
    return Aggregates(values, scale, capped, floored, derived)


@dataclass(frozen=True)
class Kid:
    """A child of a node, per unit: its value (NaN: absent), full marks, weight, kind, and
    whether it applies to the unit's category."""

    value: Vec
    full: Vec
    weight: Vec
    kind: str
    applies: NDArray[np.bool_]


def _carried(plan: Plan, node: str, kids: list[Kid], carry: dict[str, Vec]) -> list[Kid]:
    """The items of the child nodes left out, each as one more item of ``node`` (a sum)."""
    out = []
    for c, kid in zip(plan.tree.children[node], kids, strict=True):
        v = carry.get(c)
        if v is not None and kid.kind == "base" and not np.isnan(v).all():
            out.append(Kid(v, np.zeros_like(v), kid.weight, "bonus", kid.applies))
    return out


def _sum(base: list[Kid], extra: list[Kid]) -> tuple[Vec, Vec, Vec]:
    """Sum of points; absent base children are renormalised over the full marks present.

    Returns (value, renormalisation factor, carry): with base children but none present, the
    node is absent (NaN) and the carry holds the points of its items (NaN where none)."""
    shape = _shape(base + extra)
    total = np.zeros(shape)
    full_all = np.zeros(shape)
    full_present = np.zeros(shape)
    any_present = np.zeros(shape, dtype=bool)
    for kid in base:
        v, f = kid.value, kid.full
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
    extra_present = np.zeros(shape, dtype=bool)
    for kid in extra:
        v = kid.value
        present = ~np.isnan(v)
        val = val + np.where(present, v, 0.0)
        extra_present |= present
    if not base:
        return np.where(extra_present, val, np.nan), scale, np.full(shape, np.nan)
    # no base child present (all renormalised away): the node is absent, whatever its items;
    # their points (val is their sum there, as total is 0) go up to the parent
    absent = ~any_present & (full_all > 0)
    carry = np.where(absent & extra_present, val, np.nan)
    return np.where(absent, np.nan, val), scale, carry


def _power_mean(base: list[Kid], agg: str, dim: Dimension | None, node: str, plan: Plan) -> Vec:
    """A mean node's value: the power mean of its aggregation (a dimension's own ``power`` for
    ``power``), left out where the children present hold less than its ``min_share``."""
    power = {"mean": 1.0, "geometric": 0.0, "harmonic": -1.0}.get(agg)
    if power is None:
        assert dim is not None
        assert dim.power is not None
        power = dim.power
    val = _mean(base, power, node, plan)
    if dim is not None and dim.min_share > 0:
        val = np.where(_weight_share(base) >= dim.min_share - 1e-12, val, np.nan)
    return val


def _mean(base: list[Kid], power: float, node: str, plan: Plan) -> Vec:
    """Weighted power mean of the children present, weights renormalised over them:
    (Σ w·v^p / Σ w)^(1/p) — arithmetic p = 1, harmonic p = −1, geometric the limit p → 0,
    exp(Σ w·ln v / Σ w). Values ≤ 0 are refused where the mean is undefined for them."""
    shape = _shape(base)
    acc = np.zeros(shape)
    wsum = np.zeros(shape)
    for kid in base:
        v, w = kid.value, kid.weight
        present = ~np.isnan(v) & (w > 0)
        if power <= 0 or not float(power).is_integer():
            _refuse(present & ((v <= 0) if power <= 0 else (v < 0)), power, node, plan)
        safe = np.where(present, v, 1.0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            term = np.log(safe) if power == 0 else (safe if power == 1 else safe**power)
        acc += np.where(present, w * term, 0.0)
        wsum += np.where(present, w, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mean = acc / wsum
        if power == 0:
            out = np.exp(mean)
        elif power == 1:
            out = mean
        else:
            out = mean ** (1.0 / power)
    result: Vec = np.where(wsum > 0, out, np.nan)
    return result


def _shape(kids: list[Kid]) -> tuple[int, ...]:
    """The common shape of the children's arrays: [units], or [samples, units]."""
    return tuple(
        np.broadcast_shapes(*(np.shape(k.value) for k in kids), *(np.shape(k.weight) for k in kids))
    )


def _refuse(bad: NDArray[np.bool_], power: float, node: str, plan: Plan) -> None:
    if not bad.any():
        return
    units = ", ".join(plan.units[i] for i in np.flatnonzero(bad)[:6])
    name = {0.0: "a geometric mean", -1.0: "a harmonic mean"}.get(
        power, f"a power mean (p={power:g})"
    )
    need = "> 0" if power <= 0 else "≥ 0"
    raise ComputationError(
        Issue(
            f"{name} needs values {need}; a child of this node is not, for {units}. Use "
            "aggregation: mean, or a normalisation that keeps values above 0",
            path=_node_path(node),
        )
    )


def _weight_share(base: list[Kid]) -> Vec:
    """Share of the children's weight (among those that apply) that is present."""
    have = np.zeros(_shape(base))
    total = np.zeros_like(have)
    for kid in base:
        w = np.where(kid.applies, kid.weight, 0.0)
        total += w
        have += np.where(~np.isnan(kid.value), w, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share: Vec = np.where(total > 0, have / total, 0.0)
    return share


def copeland(values: Vec, weights: Vec, groups: NDArray[np.int64]) -> Vec:
    """Copeland scores (non-compensatory outranking) within each group.

    For units a and b, the weight of the children where a is better minus the weight where b
    is better (children both have; a's weights) decides the pair: a wins if it is positive,
    loses if it is negative. A unit's score is its wins minus its losses.
    """
    out = np.full(values.shape[0], np.nan)
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        v, w = values[idx], weights[idx]
        both = ~np.isnan(v)[:, None, :] & ~np.isnan(v)[None, :, :]
        with np.errstate(invalid="ignore"):
            better = np.where(both, np.sign(v[:, None, :] - v[None, :, :]), 0.0)
        margin = (better * w[:, None, :]).sum(axis=2)
        score = np.sign(margin).sum(axis=1)
        out[idx] = score
    return out


def _node_path(node: str) -> str:
    return "aggregation" if node == ROOT else f"dimensions.{node}.aggregation"


def aggregate_samples(
    plan: Plan, points: Vec, mult: Vec, slot_of: dict[tuple[str, str], int]
) -> tuple[Vec, Vec]:
    """Totals and full marks [S, U] when the weights of the slots ``(node, child)`` are
    multiplied by ``mult`` [S, C, K] — the engine's own arithmetic, one sample per row.

    Under a sum node a child's points and full marks scale with its multiplier (its weight is
    its points); under a mean node its weight does.
    """
    scheme = plan.scheme
    n_s, n_u = mult.shape[0], len(plan.units)
    col_of = {iid: j for j, iid in enumerate(plan.indicators)}
    node_of = {nid: k for k, nid in enumerate(plan.nodes)}
    extra_dims = extra_nodes(scheme, plan.tree)
    values: dict[str, Vec] = {}
    fulls: dict[str, Vec] = {}
    carry: dict[str, Vec] = {}
    for node in plan.nodes:
        dim = None if node == ROOT else scheme.dimensions[node]
        agg = scheme.aggregation if dim is None else dim.aggregation
        if agg == "copeland":
            raise ComputationError(
                Issue(
                    "a Copeland node has no weights to vary; the robustness "
                    "analysis cannot sample it",
                    path=_node_path(node),
                )
            )
        kids = []
        for c in plan.tree.children[node]:
            if c in col_of:
                j = col_of[c]
                kid = Kid(
                    points[None, :, j],
                    plan.leaf_full[None, :, j],
                    plan.leaf_weight[None, :, j],
                    plan.kinds[j],
                    plan.applies[:, j],
                )
            else:
                k = node_of[c]
                kid = Kid(
                    values[c],
                    fulls[c],
                    plan.node_weight[None, :, k],
                    "bonus" if c in extra_dims else "base",
                    plan.node_applies[:, k],
                )
            if (node, c) in slot_of:
                m = mult[:, plan.cat_index, slot_of[(node, c)]]
                if agg == "sum":
                    kid = Kid(kid.value * m, kid.full * m, kid.weight, kid.kind, kid.applies)
                else:
                    kid = Kid(kid.value, kid.full, kid.weight * m, kid.kind, kid.applies)
            kids.append(kid)
        base = [kd for kd in kids if kd.kind == "base"]
        extra = [kd for kd in kids if kd.kind in ("bonus", "deduction")]
        k = node_of[node]
        held = np.full((n_s, n_u), np.nan)
        if not base and not extra:
            val = np.full((n_s, n_u), np.nan)
            full = np.zeros((n_s, n_u))
        elif agg == "sum":
            val, _, held = _sum(base, extra + _carried(plan, node, kids, carry))
            full = sum(
                (np.where(kd.applies, np.nan_to_num(kd.full), 0.0) for kd in base),
                np.zeros((n_s, n_u)),
            )
        else:
            val = _power_mean(base, agg, dim, node, plan)
            ws = [np.where(kd.applies, kd.weight, 0.0) for kd in base]
            wsum = sum(ws, np.zeros((n_s, n_u)))
            wf = sum(
                (w * np.nan_to_num(kd.full) for w, kd in zip(ws, base, strict=True)),
                np.zeros((n_s, n_u)),
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                full = np.where(wsum > 0, wf / wsum, 0.0)
        val = np.where(plan.node_applies[:, k], val, np.nan)
        held = np.where(plan.node_applies[:, k], held, np.nan)
        if dim is not None:
            if dim.cap is not None:
                val = np.minimum(val, dim.cap)
                held = np.minimum(held, dim.cap)
                full = np.minimum(full, dim.cap)
            if dim.floor is not None:
                val = np.maximum(val, dim.floor)
                held = np.maximum(held, dim.floor)
        values[node] = np.broadcast_to(val, (n_s, n_u))
        carry[node] = np.broadcast_to(held, (n_s, n_u))
        fulls[node] = np.broadcast_to(full, (n_s, n_u))
    return np.asarray(values[ROOT]), np.asarray(fulls[ROOT])


def _derived_weights(plan: Plan, node: str, base: list[Kid], method: str) -> tuple[list[Kid], Vec]:
    """The children's weights from their values, category by category (entropy, CRITIC, PCA),
    over the units of the category that have every child."""
    from kaohe import weighting

    values = np.column_stack([kd.value for kd in base])
    table = np.zeros((len(plan.categories), len(base)))
    compute = {"entropy": weighting.entropy, "critic": weighting.critic, "pca": weighting.pca}
    for c in range(len(plan.categories)):
        rows = (plan.cat_index == c) & ~np.isnan(values).any(axis=1)
        if not np.any(plan.cat_index == c):
            continue
        if rows.sum() < 2:
            raise ComputationError(
                Issue(
                    f"{method} weights need at least two units of category {plan.categories[c]} "
                    "with every child present",
                    path=_node_path(node).replace("aggregation", "weighting"),
                )
            )
        table[c] = compute[method](values[rows])
    per_unit = table[plan.cat_index]
    kids = [
        Kid(kd.value, kd.full, per_unit[:, m], kd.kind, kd.applies) for m, kd in enumerate(base)
    ]
    return kids, table
