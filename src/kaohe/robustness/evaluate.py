"""Totals of every unit under many samples of the weights, without re-running the engine.

The leaf points of a configuration are fixed (the rules do not depend on weights); only the
aggregation up the tree changes. A *slot* is one child's weight in one node; a sample gives a
multiplier per (category, slot). Two paths:

- **linear**: when every base node is a sum or an arithmetic mean, no base node is capped or
  floored, and no unit has an absent base child, the total is linear in the leaf points:
  total = Σ effective weight × points (+ the constant bonus and deduction subtotals). The
  effective weights of a sample are products down the tree, so one matrix product per category
  gives every total — the fastest possible form.
- **general**: node by node on (samples × units) arrays, with the engine's own aggregation
  arithmetic (renormalisation, power means, caps and floors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaohe.plan import Plan
from kaohe.tree import ROOT, extra_nodes

Vec = NDArray[np.float64]


@dataclass(frozen=True)
class Slot:
    """One perturbable weight: the child ``child`` of node ``node``."""

    node: str
    child: str


@dataclass(frozen=True)
class Structure:
    """What the evaluator needs of a plan and its leaf points, fixed across samples."""

    plan: Plan
    points: Vec  # [U, I] leaf points (NaN: absent or not applicable)
    subtotals: Vec  # [U, N] nominal node values (for constant extra dimensions)
    slots: tuple[Slot, ...]
    linear: bool

    @property
    def slot_of(self) -> dict[tuple[str, str], int]:
        return {(sl.node, sl.child): k for k, sl in enumerate(self.slots)}


def slots_for(plan: Plan, level: str, nodes: list[str] | None = None) -> tuple[Slot, ...]:
    """The weights that vary: children of the given nodes (default: all), restricted to
    indicators, to dimensions, or both (``level``)."""
    scheme = plan.scheme
    extra = extra_nodes(scheme, plan.tree)
    out = []
    for node in plan.nodes:
        if nodes is not None and node not in nodes and not (node == ROOT and "total" in nodes):
            continue
        for c in plan.tree.children[node]:
            is_leaf = c in scheme.indicators
            if is_leaf and scheme.indicators[c].effective_kind != "base":
                continue
            if not is_leaf and c in extra:
                continue
            if (level == "indicators" and not is_leaf) or (level == "dimensions" and is_leaf):
                continue
            out.append(Slot(node, c))
    return tuple(out)


def structure(plan: Plan, points: Vec, subtotals: Vec, slots: tuple[Slot, ...]) -> Structure:
    return Structure(plan, points, subtotals, slots, _is_linear(plan, points))


def _aggregation(plan: Plan, node: str) -> str:
    return plan.scheme.aggregation if node == ROOT else plan.scheme.dimensions[node].aggregation


def _is_linear(plan: Plan, points: Vec) -> bool:
    scheme = plan.scheme
    extra = extra_nodes(scheme, plan.tree)
    for node in plan.nodes:
        if node in extra:
            continue
        if _aggregation(plan, node) not in ("sum", "mean"):
            return False
        if node != ROOT:
            dim = scheme.dimensions[node]
            if dim.cap is not None or dim.floor is not None or dim.min_share > 0:
                return False
    base_cols = [j for j, k in enumerate(plan.kinds) if k == "base"]
    absent = plan.applies[:, base_cols] & np.isnan(points[:, base_cols])
    return not absent.any()


# --------------------------------------------------------------------------- linear path


@dataclass(frozen=True)
class LinearForm:
    """total[s, u] = Σ_j eff[s, cat(u), j] · X[u, j]; full[s, c] likewise from the fulls.

    Columns of X: every base leaf's points (0 where it does not apply), every bonus or deduction
    leaf outside an extra dimension, and every extra dimension's subtotal (constants).
    """

    columns: tuple[tuple[str, str], ...]  # (parent node, child) of each column
    X: Vec  # [U, J]
    F: Vec  # [C, J] full marks of each column by category (0 for extras)


def linear_form(st: Structure) -> LinearForm:
    plan = st.plan
    scheme = plan.scheme
    extra = extra_nodes(scheme, plan.tree)
    col_of = {iid: j for j, iid in enumerate(plan.indicators)}
    node_of = {nid: k for k, nid in enumerate(plan.nodes)}
    cat_rows = [int(np.flatnonzero(plan.cat_index == c)[0]) for c in range(len(plan.categories))]
    columns, xs, fs = [], [], []
    for node in plan.nodes:
        if node in extra:
            continue
        for c in plan.tree.children[node]:
            if c in col_of:
                j = col_of[c]
                if plan.kinds[j] == "veto":
                    continue
                columns.append((node, c))
                xs.append(np.nan_to_num(st.points[:, j], nan=0.0))
                fs.append(
                    [plan.leaf_full[r, j] if plan.kinds[j] == "base" else 0.0 for r in cat_rows]
                )
            elif c in extra:
                columns.append((node, c))
                xs.append(np.nan_to_num(st.subtotals[:, node_of[c]], nan=0.0))
                fs.append([0.0] * len(cat_rows))
    return LinearForm(tuple(columns), np.column_stack(xs), np.array(fs).T)


def coefficients(st: Structure, form: LinearForm, mult: Vec) -> tuple[Vec, Vec]:
    """(effective weight of every column [S, C, J], full marks [S, C]) for the multipliers
    ``mult`` [S, C, K] of the slots.

    Down the tree, a child's coefficient in a sum node is its multiplier (its points scale with
    its weight); in a mean node its multiplied weight over the sum of the multiplied weights of
    the children that apply. A column's effective weight is the product of the coefficients on
    its path; bonus and deduction items have coefficient 1 in their node.
    """
    plan = st.plan
    scheme = plan.scheme
    extra = extra_nodes(scheme, plan.tree)
    col_of = {iid: j for j, iid in enumerate(plan.indicators)}
    node_of = {nid: k for k, nid in enumerate(plan.nodes)}
    slot_of = {(sl.node, sl.child): k for k, sl in enumerate(st.slots)}
    cat_rows = [int(np.flatnonzero(plan.cat_index == c)[0]) for c in range(len(plan.categories))]
    n_s, n_c = mult.shape[0], len(cat_rows)
    factor: dict[str, Vec] = {ROOT: np.ones((n_s, n_c))}
    coef: dict[tuple[str, str], Vec] = {}
    for node in reversed(plan.nodes):  # top-down: parents before children
        if node in extra:
            continue
        kids = [c for c in plan.tree.children[node] if _is_base(plan, c, col_of, extra)]
        w = np.empty((n_s, n_c, len(kids)))
        for k, c in enumerate(kids):
            nominal = np.array([_weight(plan, c, r, col_of, node_of) for r in cat_rows])
            m = mult[:, :, slot_of[(node, c)]] if (node, c) in slot_of else 1.0
            w[:, :, k] = nominal[None, :] * m if _aggregation(plan, node) == "mean" else m
        if _aggregation(plan, node) == "mean":
            total = w.sum(axis=2, keepdims=True)
            with np.errstate(divide="ignore", invalid="ignore"):
                w = np.where(total > 0, w / total, 0.0)
        for k, c in enumerate(kids):
            coef[(node, c)] = factor[node] * w[:, :, k]
            if c not in col_of:
                factor[c] = coef[(node, c)]
    eff = np.empty((n_s, n_c, len(form.columns)))
    for j, (node, c) in enumerate(form.columns):
        eff[:, :, j] = coef[(node, c)] if (node, c) in coef else factor[node]
    full = np.einsum("scj,cj->sc", eff, form.F)
    return eff, full


def _is_base(plan: Plan, child: str, col_of: dict[str, int], extra: frozenset[str]) -> bool:
    if child in col_of:
        return plan.kinds[col_of[child]] == "base"
    return child not in extra


def _weight(
    plan: Plan, child: str, row: int, col_of: dict[str, int], node_of: dict[str, int]
) -> float:
    if child in col_of:
        j = col_of[child]
        return float(plan.leaf_weight[row, j]) if plan.applies[row, j] else 0.0
    k = node_of[child]
    return float(plan.node_weight[row, k]) if plan.node_applies[row, k] else 0.0
