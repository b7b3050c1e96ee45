"""The scheme's rules and grades in words, in the language in force (from the catalogues).

A rule is said by what it does (``report.rule.<type>``), followed by the parameters the scheme
sets with the keys of the scheme file (documented in docs/rules.md), e.g. ``每低 1 个单位扣分…
（below_rate = 1，above_rate = 0.5，bonus_max = 1）``; a rule that differs by category is said
per category.
"""

from __future__ import annotations

from typing import Any

from kaohe.i18n import LABELS, t
from kaohe.rules.base import fmt
from kaohe.scheme import Indicator, Scheme


def rule_words(ind: Indicator, s: Scheme) -> str:
    """The indicator's rule (and its rules for particular categories) in words."""
    parts = [_one_rule_of(ind.rule)]
    for cid, rule in ind.category_rules.items():
        cat = s.categories[cid].name if cid in s.categories else cid
        parts.append(t("report.rule_for", cat=cat, rule=_one_rule_of(rule)))
    return t("report.sep").join(parts)


def _one_rule_of(rule: Any) -> str:
    params = rule.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    params["type"] = rule.type
    return _one_rule(params)


def _one_rule(params: dict[str, Any]) -> str:
    kind = str(params.pop("type", ""))
    key = f"report.rule.{kind}"
    head = t(key) if key in LABELS else kind
    shown = [f"{k} = {_value(v)}" for k, v in params.items() if v not in (None, [], {})]
    if not shown:
        return head
    return t("report.rule_params", rule=head, params=t("report.list_sep").join(shown))


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return fmt(float(v))
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_value(x)}" for k, x in v.items()) + "}"
    return str(v)


def grade_words(s: Scheme) -> tuple[str, ...]:
    """One sentence per grade: its quota and its minimum."""
    if s.grading is None:
        return ()
    out = []
    for g in s.grading.grades:
        parts = []
        q = g.quota
        if q is not None and q.share is not None:
            parts.append(t("report.quota_share", pct=fmt(q.share * 100)))
        elif q is not None and isinstance(q.count, int):
            parts.append(t("report.quota_count", n=q.count))
        elif q is not None and isinstance(q.count, dict):
            counts = t("report.list_sep").join(
                f"{s.categories[c].name if c in s.categories else c} {n}"
                for c, n in q.count.items()
            )
            parts.append(t("report.quota_counts", counts=counts))
        if g.min_score is not None:
            parts.append(t("report.min_score", v=fmt(g.min_score)))
        if g.min_share is not None:
            parts.append(t("report.min_share", pct=fmt(g.min_share * 100)))
        rule = t("report.sep").join(parts) if parts else t("report.no_condition")
        line = t("report.grade_line", grade=g.name, rule=rule)
        out.append(f"{line} {g.description}".strip())
    return tuple(out)


def tie_break_words(s: Scheme, chain: list[str]) -> str:
    """The tie-break chain with indicator and dimension names."""
    names = []
    for key in chain:
        kind, _, ref = key.partition(":")
        if kind == "indicator" and ref in s.indicators:
            names.append(t("report.tie.points", name=s.indicators[ref].name))
        elif kind == "value" and ref in s.indicators:
            names.append(t("report.tie.value", name=s.indicators[ref].name))
        elif kind == "dimension" and ref in s.dimensions:
            names.append(t("report.tie.points", name=s.dimensions[ref].name))
        elif kind in ("id", "name"):
            names.append(t("unit_id" if kind == "id" else "name"))
        else:
            names.append(key)
    return " → ".join(names)
