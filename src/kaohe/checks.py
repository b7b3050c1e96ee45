"""The meaning of a scheme: references resolve, the tree is sound, the full marks add up,
rules have the inputs they read, grades and gates are consistent. Each problem is an
:class:`~kaohe.errors.Issue` with the dotted path of the field, which the YAML loader turns into
a line number.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from kaohe.errors import Issue, KaoheError, SchemeError
from kaohe.i18n import Said
from kaohe.ledgers.spec import derivation_issues
from kaohe.messages import issues_from_pydantic, raw_reference_issues, unknown_reference
from kaohe.monitoring.validation import check_monitoring
from kaohe.rulespec import RuleBase, TimeProgress, Veto
from kaohe.scheme import (
    DATA_WEIGHTING,
    RESERVED_IDS,
    Aggregation,
    Indicator,
    Scheme,
    Weighting,
    children_of,
    resolve_value,
    static_weights,
    with_weights,
)


def check_scheme(scheme: Scheme) -> list[Issue]:
    """Every problem of meaning in a structurally valid scheme (empty when it is sound)."""
    from kaohe.tree import full_marks_issues

    issues: list[Issue] = []
    if scheme.aggregation == "power":
        issues.append(Issue(Said("check.power_top"), path="aggregation"))
    issues += _check_ids(scheme)
    issues += _check_units(scheme)
    tree = _check_tree(scheme)
    issues += tree
    indicators = _check_indicators(scheme)
    issues += indicators
    if not tree:
        issues += _check_extra_dimensions(scheme)
    weighting = _check_weighting(scheme) if not tree else []
    issues += weighting
    if not tree and not indicators and not weighting:
        issues += full_marks_issues(with_weights(scheme))  # the weights in force
    issues += _check_grading(scheme)
    issues += check_monitoring(scheme)
    issues += derivation_issues(scheme)  # indicators counted from a ledger (kaohe.ledgers)
    return issues


def _check_ids(scheme: Scheme) -> list[Issue]:
    issues = []
    for iid in scheme.indicators:
        if iid in scheme.dimensions:
            issues.append(Issue(Said("check.id_twice", id=iid), path=f"indicators.{iid}"))
    for section in ("dimensions", "indicators"):
        for nid in getattr(scheme, section):
            if nid in RESERVED_IDS:
                issues.append(Issue(Said("check.reserved_id", id=nid), path=f"{section}.{nid}"))
    return issues


def _check_units(scheme: Scheme) -> list[Issue]:
    issues = []
    for uid, unit in scheme.units.items():
        if unit.category not in scheme.categories:
            issues.append(
                unknown_reference(
                    "category", unit.category, scheme.categories, f"units.{uid}.category"
                )
            )
    used = {u.category for u in scheme.units.values()}
    for cid in scheme.categories:
        if cid not in used and not issues:  # a mistyped category explains an empty one
            issues.append(Issue(Said("check.empty_category"), path=f"categories.{cid}"))
    return issues


def _check_tree(scheme: Scheme) -> list[Issue]:
    issues = []
    nodes: dict[str, str | None] = {d: v.parent for d, v in scheme.dimensions.items()}
    for section, table in (("dimensions", scheme.dimensions), ("indicators", scheme.indicators)):
        for nid, node in table.items():
            if node.parent is not None and node.parent not in scheme.dimensions:
                issues.append(
                    unknown_reference(
                        "parent dimension",
                        node.parent,
                        scheme.dimensions,
                        f"{section}.{nid}.parent",
                    )
                )
    for did in scheme.dimensions:
        seen = {did}
        cur = nodes.get(did)
        while cur is not None and cur in nodes:
            if cur in seen:
                issues.append(Issue(Said("check.parent_loop"), path=f"dimensions.{did}.parent"))
                break
            seen.add(cur)
            cur = nodes[cur]
    has_child = {d.parent for d in scheme.dimensions.values()}
    has_child |= {i.parent for i in scheme.indicators.values()}
    for did in scheme.dimensions:
        if did not in has_child:
            issues.append(Issue(Said("check.empty_dimension"), path=f"dimensions.{did}"))
    return issues


def _check_extra_dimensions(scheme: Scheme) -> list[Issue]:
    """A dimension of bonus/deduction items adds points, so its parent must be a sum."""
    from kaohe.tree import build_tree, extra_nodes

    issues = []
    for did in sorted(extra_nodes(scheme, build_tree(scheme))):
        agg = _parent_aggregation(scheme, scheme.dimensions[did].parent)
        if agg != "sum":
            issues.append(
                Issue(Said("check.extra_dimension", agg=agg), path=f"dimensions.{did}.parent")
            )
    return issues


def _check_indicators(scheme: Scheme) -> list[Issue]:
    issues: list[Issue] = []
    for iid, ind in scheme.indicators.items():
        issues += _check_indicator(scheme, iid, ind)
    return issues


def _parent_aggregation(scheme: Scheme, parent: str | None) -> Aggregation:
    if parent is None or parent not in scheme.dimensions:
        return scheme.aggregation  # an unknown parent is reported by the tree check
    return scheme.dimensions[parent].aggregation


def _check_indicator(scheme: Scheme, iid: str, ind: Indicator) -> list[Issue]:
    p = f"indicators.{iid}"
    issues: list[Issue] = []
    if ind.owner is not None and ind.owner not in scheme.departments:
        issues.append(unknown_reference("department", ind.owner, scheme.departments, f"{p}.owner"))
    if isinstance(ind.weights, dict):
        for cid in ind.weights:
            if cid not in scheme.categories:
                issues.append(
                    unknown_reference("category", cid, scheme.categories, f"{p}.weights.{cid}")
                )
    for cid in ind.categories or []:
        if cid not in scheme.categories:
            issues.append(unknown_reference("category", cid, scheme.categories, f"{p}.categories"))
    for cid in ind.category_rules:
        if cid not in scheme.categories:
            issues.append(
                unknown_reference("category", cid, scheme.categories, f"{p}.category_rules.{cid}")
            )
    for key in ("target", "baseline", "previous"):
        vm = getattr(ind, key)
        if isinstance(vm, dict):
            for k in vm:
                if k != "default" and k not in scheme.units and k not in scheme.categories:
                    issues.append(
                        Issue(
                            f"{k!r} is neither a unit nor a category (nor 'default')",
                            path=f"{p}.{key}.{k}",
                        )
                    )
    if issues:
        return issues
    kind = ind.effective_kind
    agg = _parent_aggregation(scheme, ind.parent)
    rules = [ind.rule, *ind.category_rules.values()]
    if (kind == "veto") != all(r.type == "veto" for r in rules) or (
        kind == "veto" and any(r.type != "veto" for r in rules)
    ):
        issues.append(
            Issue(
                "a veto rule needs kind veto, and kind veto needs a veto rule",
                path=f"{p}.kind" if ind.kind else f"{p}.rule",
            )
        )
    if any(r.default_kind != ind.rule.default_kind for r in rules):
        issues.append(
            Issue("category_rules must keep the kind of the main rule", path=f"{p}.category_rules")
        )
    if kind in ("bonus", "deduction") and agg != "sum":
        issues.append(
            Issue(
                f"{kind} items add points, so their parent must aggregate by sum, not {agg}",
                path=f"{p}.parent",
            )
        )
    if kind == "base" and agg == "sum" and ind.weights is None:
        issues.append(Issue(Said("check.no_weights"), path=f"{p}.weights"))
    if kind in ("bonus", "deduction", "veto") and ind.weights is not None:
        issues.append(Issue(Said("check.item_weights", kind=kind), path=f"{p}.weights"))
    for idx, rule in enumerate(rules):
        rp = f"{p}.rule" if idx == 0 else f"{p}.category_rules"
        issues += _check_rule_inputs(scheme, ind, rule, rp)
        issues += _check_rule_refs(scheme, rule, rp)
    if ind.missing == "error" and kind != "base":
        pass  # allowed: the office may insist on an explicit 0 for every unit
    return issues


def _check_rule_inputs(scheme: Scheme, ind: Indicator, rule: RuleBase, path: str) -> list[Issue]:
    issues = []
    for need in rule.inputs():
        vm = getattr(ind, need)
        from_last_year = need == "previous" and ind.previous_from == "last_year"
        if from_last_year and ind.last_year is None:
            continue  # last year's values are filled in when read (monitoring.last_year)
        known = ind.last_year or {} if from_last_year else {}
        missing = [
            uid
            for uid, u in scheme.units.items()
            if ind.applies_to(u.category)
            and uid not in known
            and resolve_value(vm, uid, u.category) is None
        ]
        if missing:
            shown = ", ".join(missing[:6]) + (" …" if len(missing) > 6 else "")
            issues.append(
                Issue(
                    Said(
                        "check.rule_input_last_year" if from_last_year else "check.rule_input",
                        rule=rule.type,
                        need=need,
                        units=shown,
                    ),
                    path=path.rsplit(".", 1)[0] + f".{need}",
                )
            )
    if isinstance(rule, TimeProgress):
        if rule.as_of is None and scheme.period.as_of is None:
            issues.append(Issue(Said("check.time_progress_as_of"), path=path))
        if ind.direction != "higher":
            issues.append(
                Issue(
                    Said("check.time_progress_direction"),
                    path=path.rsplit(".", 1)[0] + ".direction",
                )
            )
    if rule.type == "proportional" and ind.target is not None:
        bad = [
            uid
            for uid, u in scheme.units.items()
            if ind.applies_to(u.category)
            and (v := resolve_value(ind.target, uid, u.category)) is not None
            and v <= 0
        ]
        if bad:
            issues.append(
                Issue(
                    Said("check.proportional_target", units=", ".join(bad[:6])),
                    path=path.rsplit(".", 1)[0] + ".target",
                )
            )
    return issues


def _check_rule_refs(scheme: Scheme, rule: RuleBase, path: str) -> list[Issue]:
    ref_unit = getattr(rule, "unit", None) if rule.type == "distance_to_reference" else None
    if ref_unit is not None and ref_unit not in scheme.units:
        return [unknown_reference("unit", ref_unit, scheme.units, f"{path}.unit")]
    if isinstance(rule, Veto) and rule.max_grade is not None:
        grades = [g.id for g in scheme.grading.grades] if scheme.grading else []
        if rule.max_grade not in grades:
            return [unknown_reference("grade", rule.max_grade, grades, f"{path}.max_grade")]
    return []


def _check_grading(scheme: Scheme) -> list[Issue]:
    g = scheme.grading
    if g is None:
        return []
    issues: list[Issue] = []
    ids = [gr.id for gr in g.grades]
    for dup in {i for i in ids if ids.count(i) > 1}:
        issues.append(Issue(Said("check.grade_twice", id=dup), path="grading.grades"))
    last = g.grades[-1]
    n = len(g.grades) - 1
    if last.quota is not None or last.min_score is not None or last.min_share is not None:
        issues.append(Issue(Said("check.last_grade"), path=f"grading.grades.{n}"))
    for i, gr in enumerate(g.grades):
        if gr.quota is not None and isinstance(gr.quota.count, dict):
            if g.scope != "category":
                issues.append(
                    Issue(
                        "counts per category need grading.scope: category",
                        path=f"grading.grades.{i}.quota.count",
                    )
                )
            for cid in gr.quota.count:
                if cid not in scheme.categories:
                    issues.append(
                        unknown_reference(
                            "category",
                            cid,
                            scheme.categories,
                            f"grading.grades.{i}.quota.count.{cid}",
                        )
                    )
    for i, gate in enumerate(g.gates):
        gp = f"grading.gates.{i}"
        if gate.max_grade not in ids:
            issues.append(unknown_reference("grade", gate.max_grade, ids, f"{gp}.max_grade"))
        for iid in gate.require_target_met:
            if iid not in scheme.indicators:
                issues.append(
                    unknown_reference(
                        "indicator", iid, scheme.indicators, f"{gp}.require_target_met"
                    )
                )
            elif scheme.indicators[iid].target is None:
                issues.append(
                    Issue(
                        f"indicator {iid!r} has no target to meet", path=f"{gp}.require_target_met"
                    )
                )
        for iid in gate.require_min_points:
            if iid not in scheme.indicators:
                issues.append(
                    unknown_reference(
                        "indicator", iid, scheme.indicators, f"{gp}.require_min_points.{iid}"
                    )
                )
    for section, keys in (("grading", g.tie_break), ("ranking", scheme.ranking.tie_break)):
        for j, key in enumerate(keys):
            problem = tie_break_problem(scheme, key)
            if problem:
                issues.append(Issue(problem, path=f"{section}.tie_break.{j}"))
    return issues


def tie_break_problem(scheme: Scheme, key: str) -> str | None:
    """Why a tie-break key is invalid, or None (keys: id, name, indicator:X, value:X,
    dimension:X)."""
    if key in ("id", "name"):
        return None
    kind, _, ref = key.partition(":")
    if kind in ("indicator", "value") and ref in scheme.indicators:
        return None
    if kind == "dimension" and ref in scheme.dimensions:
        return None
    return (
        f"unknown tie-break {key!r}; use id, name, indicator:<id> (points), value:<id> "
        "(raw value, in the indicator's direction) or dimension:<id> (subtotal)"
    )


def _check_weighting(scheme: Scheme) -> list[Issue]:
    issues: list[Issue] = []
    if scheme.weight_set is not None and scheme.weight_set not in scheme.weight_sets:
        issues.append(
            unknown_reference("weight set", scheme.weight_set, scheme.weight_sets, "weight_set")
        )
    for name, table in scheme.weight_sets.items():
        for nid in table:
            if nid not in scheme.indicators and nid not in scheme.dimensions:
                issues.append(
                    unknown_reference(
                        "indicator or dimension",
                        nid,
                        [*scheme.dimensions, *scheme.indicators],
                        f"weight_sets.{name}.{nid}",
                    )
                )
    nodes: list[tuple[str | None, Weighting | None, str]] = [(None, scheme.weighting, "weighting")]
    nodes += [
        (d, dim.weighting, f"dimensions.{d}.weighting") for d, dim in scheme.dimensions.items()
    ]
    for node, w, path in nodes:
        if w is not None:
            issues += _check_node_weighting(scheme, node, w, path)
    return issues


def _check_node_weighting(scheme: Scheme, node: str | None, w: Weighting, path: str) -> list[Issue]:
    agg = _parent_aggregation(scheme, node)
    if agg in ("sum", "copeland"):
        return [
            Issue(
                f"{w.method} gives relative weights: the dimension must take a mean, "
                f"not aggregate by {agg}",
                path=path,
            )
        ]
    kids = children_of(scheme, node)
    if w.children is not None:
        wrong = [k for k in w.children if k not in kids]
        if wrong or len(w.children) != len(kids):
            return [
                Issue(
                    f"children must list this dimension's children once each "
                    f"({', '.join(kids)}); got {', '.join(w.children)}",
                    path=f"{path}.children",
                )
            ]
    n = len(kids)
    if (
        w.method == "ahp"
        and w.matrix is not None
        and (len(w.matrix) != n or any(len(row) != n for row in w.matrix))
    ):
        return [
            Issue(
                f"the comparison matrix must be {n} × {n}, one row and column per child "
                f"({', '.join(w.children or kids)})",
                path=f"{path}.matrix",
            )
        ]
    if (
        w.method == "budget"
        and w.allocations is not None
        and any(len(row) != n for row in w.allocations)
    ):
        return [
            Issue(
                f"each expert's allocation must have {n} entries, one per child "
                f"({', '.join(w.children or kids)})",
                path=f"{path}.allocations",
            )
        ]
    if w.method in DATA_WEIGHTING:
        return []
    try:
        static_weights(w, n)
    except KaoheError as exc:
        field = "matrix" if w.method == "ahp" else "allocations"
        return [Issue(i.message, path=f"{path}.{field}") for i in exc.issues]
    return []


def build_scheme(raw: Any, check: bool = True) -> Scheme:
    """Validate a plain mapping (e.g. parsed YAML) into a :class:`Scheme`.

    Raises :class:`SchemeError` listing every problem, each with its dotted field path.
    """
    try:
        scheme = Scheme.model_validate(raw)
    except ValidationError as exc:
        issues = issues_from_pydantic(exc, raw)
        reported = {i.path for i in issues}
        issues += [i for i in raw_reference_issues(raw) if i.path not in reported]
        raise SchemeError(issues) from None
    issues = check_scheme(scheme) if check else []
    if issues:
        raise SchemeError(issues)
    return scheme
