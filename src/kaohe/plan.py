"""A scheme compiled to arrays: one row per unit, one column per indicator or tree node.

The engine never walks the scheme's mappings per unit; it reads these arrays. Everything here is
derived from the scheme alone (not the data), so one plan serves any dataset of the scheme.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaohe.rulespec import Kind
from kaohe.scheme import Scheme, with_weights
from kaohe.tree import ROOT, Tree, build_tree, full_marks, node_weight

Vec = NDArray[np.float64]


@dataclass(frozen=True)
class Plan:
    scheme: Scheme
    tree: Tree
    units: tuple[str, ...]
    categories: tuple[str, ...]
    indicators: tuple[str, ...]
    nodes: tuple[str, ...]  # dimensions bottom-up, then ROOT last
    cat_index: NDArray[np.int64]  # [U]
    applies: NDArray[np.bool_]  # [U, I]
    leaf_full: Vec  # [U, I]
    leaf_weight: Vec  # [U, I] relative weight (for mean parents) / points (sum parents)
    node_full: Vec  # [U, N]
    node_weight: Vec  # [U, N]
    node_applies: NDArray[np.bool_]  # [U, N]
    target: Vec  # [U, I] NaN where none
    baseline: Vec
    previous: Vec
    kinds: tuple[Kind, ...]  # per indicator

    def ind_index(self, iid: str) -> int:
        return self.indicators.index(iid)

    def node_index(self, nid: str) -> int:
        return self.nodes.index(nid)

    @property
    def full_marks(self) -> Vec:
        col: Vec = self.node_full[:, -1]
        return col


def compile_plan(scheme: Scheme) -> Plan:
    scheme = with_weights(scheme)  # a weight set, AHP, budget or equal weights, in force
    tree = build_tree(scheme)
    units = tuple(scheme.units)
    cats = tuple(scheme.categories)
    inds = tuple(scheme.indicators)
    nodes = tree.nodes
    cat_of = np.array([cats.index(scheme.units[u].category) for u in units], dtype=np.int64)

    c_applies = np.zeros((len(cats), len(inds)), dtype=bool)
    c_full = np.zeros((len(cats), len(inds)))
    c_weight = np.zeros((len(cats), len(inds)))
    c_node_full = np.zeros((len(cats), len(nodes)))
    c_node_weight = np.zeros((len(cats), len(nodes)))
    c_node_applies = np.zeros((len(cats), len(nodes)), dtype=bool)
    for c, cid in enumerate(cats):
        full = full_marks(scheme, tree, cid)
        for j, iid in enumerate(inds):
            ind = scheme.indicators[iid]
            c_applies[c, j] = ind.applies_to(cid)
            c_full[c, j] = full[iid]
            c_weight[c, j] = ind.weight_for(cid) if c_applies[c, j] else 0.0
        for k, nid in enumerate(nodes):
            c_node_full[c, k] = full[nid]
            c_node_weight[c, k] = 1.0 if nid == ROOT else node_weight(scheme, nid, cid)
            c_node_applies[c, k] = _node_applies(scheme, tree, nid, cid)

    def per_unit(key: str) -> Vec:
        out = np.full((len(units), len(inds)), np.nan)
        pos = {u: i for i, u in enumerate(units)}
        for j, iid in enumerate(inds):
            vm = getattr(scheme.indicators[iid], key)
            if vm is None:
                continue
            if not isinstance(vm, dict):
                out[:, j] = float(vm)
                continue
            by_cat = [vm.get(c, vm.get("default", np.nan)) for c in cats]
            out[:, j] = np.asarray(by_cat, dtype=np.float64)[cat_of]
            for k, v in vm.items():
                if k in pos:
                    out[pos[k], j] = v
        if key == "previous":  # last year's values, where known, take the place of previous
            for j, iid in enumerate(inds):
                for k, v in (scheme.indicators[iid].last_year or {}).items():
                    if k in pos:
                        out[pos[k], j] = v
        return out

    arrays = [
        c_applies[cat_of],
        c_full[cat_of],
        c_weight[cat_of],
        c_node_full[cat_of],
        c_node_weight[cat_of],
        c_node_applies[cat_of],
    ]
    plan = Plan(
        scheme=scheme,
        tree=tree,
        units=units,
        categories=cats,
        indicators=inds,
        nodes=nodes,
        cat_index=cat_of,
        applies=arrays[0],
        leaf_full=arrays[1],
        leaf_weight=arrays[2],
        node_full=arrays[3],
        node_weight=arrays[4],
        node_applies=arrays[5],
        target=per_unit("target"),
        baseline=per_unit("baseline"),
        previous=per_unit("previous"),
        kinds=tuple(scheme.indicators[i].effective_kind for i in inds),
    )
    for arr in (*arrays, plan.target, plan.baseline, plan.previous, cat_of):
        arr.flags.writeable = False
    return plan


def _node_applies(scheme: Scheme, tree: Tree, node: str, category: str) -> bool:
    for child in tree.children[node]:
        if child in scheme.indicators:
            ind = scheme.indicators[child]
            if ind.applies_to(category) and ind.effective_kind != "veto":
                return True
        elif _node_applies(scheme, tree, child, category):
            return True
    return False
