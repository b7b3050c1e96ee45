"""The indicator tree of a scheme: its order, and the full marks of every node per category.

Full marks (满分) follow the aggregation of each node: a ``sum`` node is worth the sum of its
children; a ``mean`` or ``geometric`` node the weighted mean of its children's full marks. A base
indicator under a ``sum`` parent is worth its weight (分值) in the unit's category; under a mean
it is worth the scheme's ``scale`` (default 100). Bonus, deduction and veto items are worth 0:
they move a score but are not part of its full marks.
"""

from __future__ import annotations

from dataclasses import dataclass

from kaohe.errors import Issue
from kaohe.i18n import Said
from kaohe.rulespec import RankStep, RankTable
from kaohe.scheme import Scheme, _weight, is_close

ROOT = "__total__"


@dataclass(frozen=True)
class Tree:
    """The tree in evaluation order: ``nodes`` (dimensions, then the root last) bottom-up."""

    nodes: tuple[str, ...]
    children: dict[str, tuple[str, ...]]
    parent: dict[str, str]
    depth: dict[str, int]


def build_tree(scheme: Scheme) -> Tree:
    parent: dict[str, str] = {}
    children: dict[str, list[str]] = {ROOT: []}
    for did in scheme.dimensions:
        children[did] = []
    for did, dim in scheme.dimensions.items():
        p = dim.parent or ROOT
        parent[did] = p
        children[p].append(did)
    for iid, ind in scheme.indicators.items():
        p = ind.parent or ROOT
        parent[iid] = p
        children[p].append(iid)
    depth: dict[str, int] = {ROOT: 0}

    def _depth(n: str) -> int:
        if n not in depth:
            depth[n] = _depth(parent[n]) + 1
        return depth[n]

    for n in parent:
        _depth(n)
    order = sorted(scheme.dimensions, key=lambda d: -depth[d])
    return Tree(
        nodes=(*order, ROOT),
        children={k: tuple(v) for k, v in children.items()},
        parent=parent,
        depth=depth,
    )


def extra_nodes(scheme: Scheme, tree: Tree) -> frozenset[str]:
    """Dimensions holding only bonus/deduction items (and vetoes): like those items, their
    subtotal is added outside full marks and never renormalised."""
    extra: set[str] = set()
    for node in tree.nodes[:-1]:  # bottom-up, so children are decided first
        kinds = []
        for c in tree.children[node]:
            if c in scheme.indicators:
                k = scheme.indicators[c].effective_kind
                if k != "veto":
                    kinds.append(k != "base")
            else:
                kinds.append(c in extra)
        if kinds and all(kinds):
            extra.add(node)
    return frozenset(extra)


def leaf_full(scheme: Scheme, indicator: str, category: str) -> float:
    """Full marks of an indicator for units of a category (0 where it does not apply)."""
    ind = scheme.indicators[indicator]
    if not ind.applies_to(category) or ind.effective_kind != "base":
        return 0.0
    agg = scheme.aggregation if ind.parent is None else scheme.dimensions[ind.parent].aggregation
    if agg == "sum":
        return ind.weight_for(category)
    return scheme.scale


def node_weight(scheme: Scheme, node: str, category: str) -> float:
    """Relative weight of a child inside a mean/geometric parent."""
    if node in scheme.indicators:
        return scheme.indicators[node].weight_for(category)
    return _weight(scheme.dimensions[node].weights, category)


def full_marks(scheme: Scheme, tree: Tree, category: str) -> dict[str, float]:
    """Full marks of every node (and leaf) for a category; the root under :data:`ROOT`."""
    full: dict[str, float] = {iid: leaf_full(scheme, iid, category) for iid in scheme.indicators}
    applies: dict[str, bool] = {  # vetoes carry no points: they make no node apply
        iid: ind.applies_to(category) and ind.effective_kind != "veto"
        for iid, ind in scheme.indicators.items()
    }
    extra = extra_nodes(scheme, tree)
    for node in tree.nodes:
        kids = [c for c in tree.children[node] if applies[c]]
        applies[node] = bool(kids)
        agg = scheme.aggregation if node == "__total__" else scheme.dimensions[node].aggregation
        if not kids or agg == "copeland":  # Copeland scores count wins: no full marks
            full[node] = 0.0
        elif agg == "sum":
            full[node] = sum(full[c] for c in kids)
        else:
            base = [c for c in kids if not _is_extra(scheme, c) and c not in extra]
            w = [node_weight(scheme, c, category) for c in base]
            total = sum(w)
            full[node] = (
                sum(wi * full[c] for wi, c in zip(w, base, strict=True)) / total if total else 0.0
            )
        if node != ROOT:
            cap = scheme.dimensions[node].cap
            if cap is not None:
                full[node] = min(full[node], cap)
    return full


def _is_extra(scheme: Scheme, node: str) -> bool:
    return node in scheme.indicators and scheme.indicators[node].effective_kind != "base"


def full_marks_issues(scheme: Scheme) -> list[Issue]:
    """Stated full marks that the tree does not add up to, for every category."""
    tree = build_tree(scheme)
    issues: list[Issue] = []
    for cid, cat in scheme.categories.items():
        full = full_marks(scheme, tree, cid)
        if cat.full_marks is not None and not is_close(full[ROOT], cat.full_marks):
            top = ", ".join(f"{c} {_fmt(full[c])}" for c in tree.children[ROOT] if full.get(c, 0.0))
            issues.append(
                Issue(
                    Said(
                        "check.full_marks",
                        category=cat.name,
                        worth=_fmt(full[ROOT]),
                        top=top,
                        stated=_fmt(cat.full_marks),
                    ),
                    path=f"categories.{cid}.full_marks",
                )
            )
        for did, dim in scheme.dimensions.items():
            parent_agg = (
                scheme.aggregation
                if dim.parent is None
                else scheme.dimensions[dim.parent].aggregation
            )
            if parent_agg != "sum" or dim.weights is None:
                continue
            stated = _weight(dim.weights, cid)
            applies = full.get(did, 0.0) > 0 or (
                isinstance(dim.weights, dict) and cid in dim.weights
            )
            if applies and not is_close(stated, full[did]):
                issues.append(
                    Issue(
                        f"{dim.name} is stated as {_fmt(stated)} points for {cat.name}, but "
                        + _worth(scheme, did, full[did]),
                        path=f"dimensions.{did}.weights",
                    )
                )
        for iid, ind in scheme.indicators.items():
            if ind.effective_kind != "base" or not ind.applies_to(cid):
                continue
            issues += _rule_bound_issues(scheme, iid, cid, full[iid])
    return issues


def _worth(scheme: Scheme, did: str, full: float) -> str:
    """What a dimension is worth, said the way its aggregation makes it."""
    agg = scheme.dimensions[did].aggregation
    if agg == "sum":
        return f"its indicators add up to {_fmt(full)}"
    if agg == "copeland":
        return "a copeland dimension counts wins and has no full marks"
    return (
        f"a {agg} dimension is worth the weighted mean of its children's full marks, "
        f"{_fmt(full)} here (an indicator under it is worth the scheme's scale, "
        f"{_fmt(scheme.scale)}): weights do not change that — set scale, or weigh mean "
        "dimensions under a mean parent"
    )


def _rule_bound_issues(scheme: Scheme, iid: str, cid: str, full: float) -> list[Issue]:
    rule = scheme.indicators[iid].rule_for(cid)
    top: float | None = None
    if isinstance(rule, RankTable) and rule.points is not None:
        top = max(rule.points)
    elif isinstance(rule, RankStep) and rule.top is not None:
        top = rule.top
    if top is not None and top > full + 1e-9 and full > 0:
        where = "category_rules" if cid in scheme.indicators[iid].category_rules else "rule"
        return [
            Issue(
                f"the rule gives up to {_fmt(top)} points, more than the indicator's "
                f"{_fmt(full)} in {scheme.categories[cid].name}",
                path=f"indicators.{iid}.{where}",
            )
        ]
    return []


def _fmt(x: float) -> str:
    return f"{x:g}"
