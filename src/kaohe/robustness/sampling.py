"""Samples of the weights: multipliers of the nominal weights, one per (category, slot).

- ``dirichlet``: for each node, the weights of its varying children are drawn on the simplex
  from Dirichlet(c · π), π the nominal shares in the unit's category and c the concentration
  (larger is closer to nominal; the mean is π). The multiplier is drawn share / nominal share.
  Sampling on the simplex directly — never uniform draws normalised afterwards, which would
  bias the shares towards the centre.
- ``uniform``: each varying weight is multiplied by an independent U(1 − r, 1 + r), the same in
  every category ("the weight of X ± 25%").
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from numpy.typing import NDArray

from kaohe.plan import Plan
from kaohe.robustness.evaluate import Slot

Vec = NDArray[np.float64]


def nominal_shares(plan: Plan, slots: tuple[Slot, ...]) -> Vec:
    """Nominal weight of every slot, per category [C, K], normalised within each node."""
    col_of = {iid: j for j, iid in enumerate(plan.indicators)}
    node_of = {nid: k for k, nid in enumerate(plan.nodes)}
    rows = [int(np.flatnonzero(plan.cat_index == c)[0]) for c in range(len(plan.categories))]
    w = np.zeros((len(rows), len(slots)))
    for k, sl in enumerate(slots):
        for c, r in enumerate(rows):
            if sl.child in col_of:
                j = col_of[sl.child]
                w[c, k] = plan.leaf_weight[r, j] if plan.applies[r, j] else 0.0
            else:
                n = node_of[sl.child]
                w[c, k] = plan.node_weight[r, n] if plan.node_applies[r, n] else 0.0
    for ks in _by_node(slots).values():
        total = w[:, ks].sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            w[:, ks] = np.where(total > 0, w[:, ks] / total, 0.0)
    return w


def _by_node(slots: tuple[Slot, ...]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for k, sl in enumerate(slots):
        groups[sl.node].append(k)
    return groups


def sample_multipliers(
    rng: np.random.Generator,
    n: int,
    shares: Vec,
    slots: tuple[Slot, ...],
    method: str,
    spread: float,
) -> Vec:
    """``n`` samples of the multipliers [n, C, K].

    ``spread`` is the concentration c for ``dirichlet`` and the half-range r for ``uniform``.
    """
    n_c, n_k = shares.shape
    if method == "uniform":
        m = rng.uniform(1.0 - spread, 1.0 + spread, size=(n, 1, n_k))
        return np.broadcast_to(m, (n, n_c, n_k)).copy()
    out = np.ones((n, n_c, n_k))
    for ks in _by_node(slots).values():
        for c in range(n_c):
            pi = shares[c, ks]
            live = pi > 0
            if live.sum() < 2:
                continue  # one weight (or none) in this node: nothing to redistribute
            draw = rng.dirichlet(spread * pi[live], size=n)
            idx = np.asarray(ks)[live]
            out[:, c, idx] = draw / pi[live][None, :]
    return out
