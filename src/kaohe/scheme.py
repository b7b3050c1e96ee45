"""The scheme (考核方案): units, categories, the indicator tree, rules, ranking and grades.

A :class:`Scheme` is built once at the edge (from YAML by :mod:`kaohe.io.scheme_file`, or from a
``dict`` by :func:`build_scheme`), validated completely, and then passed unchanged to the engine.
Validation has two passes: the structure (types, unknown keys, ranges) by pydantic, then the
meaning (references, the tree, full marks, quotas) by :func:`check_scheme`. Both report every
problem with the dotted path of the field, which the YAML loader turns into a line number.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from kaohe.errors import Issue, SchemeError
from kaohe.rulespec import Kind as Kind
from kaohe.rulespec import NonNeg, PeerScope, Positive, Rule, RuleBase, TimeProgress, Veto

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=64)]
Aggregation = Literal["sum", "mean", "geometric"]
Weights = NonNeg | dict[str, NonNeg]
#: A per-unit value: one number for all units, or a mapping whose keys are unit ids, category
#: ids or ``default`` (a unit's own entry wins over its category's, which wins over ``default``).
ValueMap = float | dict[str, float]
MissingPolicy = Literal["error", "zero", "peer_average", "renormalise"]
NotApplicablePolicy = Literal["zero", "peer_average", "renormalise"]

#: Column names of the results table that no dimension or indicator id may take.
RESERVED_IDS = frozenset(
    {
        "unit",
        "name",
        "category",
        "score",
        "full_marks",
        "share",
        "rank",
        "rank_in_category",
        "grade",
        "grade_name",
        "vetoed",
        "default",
        "total",
        "note",
    }
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Category(_Model):
    """A group of units sharing indicators and weights (e.g. a functional zone)."""

    name: str
    full_marks: NonNeg | None = None
    description: str = ""


class Department(_Model):
    """An owner department (牵头部门): reports the data of the indicators it owns."""

    name: str
    description: str = ""


class Unit(_Model):
    """An assessed unit (考核对象), e.g. a county, with attributes usable as denominators."""

    name: str
    category: Id
    attributes: dict[str, float] = Field(default_factory=dict)
    description: str = ""


class Dimension(_Model):
    """An inner node of the indicator tree; aggregates its children's points."""

    name: str
    parent: Id | None = None
    aggregation: Aggregation = "sum"
    weights: Weights | None = None
    floor: float | None = None
    cap: float | None = None
    description: str = ""

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.floor is not None and self.cap is not None and self.floor > self.cap:
            raise ValueError(f"floor {self.floor} is above cap {self.cap}")
        return self


class Indicator(_Model):
    """A leaf of the tree: one measured quantity, its rule and its points per category."""

    name: str
    parent: Id | None = None
    unit_of_measure: str = ""
    direction: Literal["higher", "lower"] = "higher"
    owner: Id | None = None
    description: str = ""
    range: tuple[float | None, float | None] | None = None
    weights: Weights | None = None
    categories: list[Id] | None = None
    kind: Kind | None = None
    target: ValueMap | None = None
    baseline: ValueMap | None = None
    previous: ValueMap | None = None
    rule: Rule
    category_rules: dict[Id, Rule] = Field(default_factory=dict)
    missing: MissingPolicy | None = None
    not_applicable: NotApplicablePolicy = "renormalise"

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.range is not None:
            lo, hi = self.range
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"range must be [low, high] with low ≤ high, got [{lo}, {hi}]")
        return self

    @property
    def effective_kind(self) -> Kind:
        return self.kind if self.kind is not None else self.rule.default_kind

    @property
    def missing_policy(self) -> MissingPolicy:
        """An empty cell means 'no incident' for vetoes, bonus and deduction items."""
        if self.missing is not None:
            return self.missing
        return "error" if self.effective_kind == "base" else "zero"

    def rule_for(self, category: str) -> RuleBase:
        rule: RuleBase = self.category_rules.get(category, self.rule)
        return rule

    def applies_to(self, category: str) -> bool:
        if self.categories is not None:
            return category in self.categories
        if isinstance(self.weights, dict):
            return category in self.weights
        return True

    def weight_for(self, category: str) -> float:
        return _weight(self.weights, category)


def _weight(weights: Weights | None, category: str) -> float:
    if weights is None:
        return 1.0
    if isinstance(weights, dict):
        return float(weights.get(category, 0.0))
    return float(weights)


class Period(_Model):
    """The period assessed; ``as_of`` is the date data refer to (for time-proportional rules)."""

    label: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    as_of: dt.date | None = None


class Ranking(_Model):
    """How ranks are formed: on points or on the share of full marks; how ties are handled."""

    basis: Literal["share", "points"] = "share"
    ties: Literal["shared", "break"] = "shared"
    tie_break: list[str] = Field(default_factory=lambda: ["id"])
    decimals: Annotated[int, Field(ge=0, le=12)] = 9


class Quota(_Model):
    """The most units a grade may hold: a share of the group, or a count."""

    share: Annotated[float, Field(ge=0, le=1)] | None = None
    count: Annotated[int, Field(ge=0)] | dict[str, Annotated[int, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.share is None) == (self.count is None):
            raise ValueError("a quota needs exactly one of share or count")
        return self


class Grade(_Model):
    """One grade (等次), best first in the list."""

    id: Id
    name: str
    quota: Quota | None = None
    min_score: float | None = None
    min_share: Annotated[float, Field(ge=0, le=1)] | None = None
    description: str = ""


class Gate(_Model):
    """An eligibility condition: a unit that fails it cannot be graded above ``max_grade``."""

    id: Id
    name: str
    max_grade: Id
    require_target_met: list[Id] = Field(default_factory=list)
    require_min_points: dict[Id, float] = Field(default_factory=dict)
    description: str = ""

    @model_validator(mode="after")
    def _some(self) -> Self:
        if not self.require_target_met and not self.require_min_points:
            raise ValueError("a gate needs require_target_met or require_min_points")
        return self


class Grading(_Model):
    """Grades with quotas, rounding, tie-breaks, thresholds and gates."""

    scope: Literal["category", "overall"] = "category"
    rounding: Literal["floor", "ceil", "half_up", "half_even"] = "floor"
    tie_break: list[str] = Field(default_factory=lambda: ["id"])
    grades: list[Grade] = Field(min_length=1)
    gates: list[Gate] = Field(default_factory=list)


class Scheme(_Model):
    """A whole assessment scheme, validated."""

    format: Literal[1] = 1
    name: str
    description: str = ""
    period: Period = Field(default_factory=Period)
    scale: Positive = 100.0
    aggregation: Aggregation = "sum"
    peers: PeerScope = "category"
    decimals: Annotated[int, Field(ge=0, le=12)] = 2
    categories: dict[Id, Category] = Field(min_length=1)
    departments: dict[Id, Department] = Field(default_factory=dict)
    units: dict[Id, Unit] = Field(min_length=1)
    dimensions: dict[Id, Dimension] = Field(default_factory=dict)
    indicators: dict[Id, Indicator] = Field(min_length=1)
    ranking: Ranking = Field(default_factory=Ranking)
    grading: Grading | None = None

    def grade_index(self, grade_id: str) -> int:
        assert self.grading is not None
        return [g.id for g in self.grading.grades].index(grade_id)


# --------------------------------------------------------------------------- building


def build_scheme(raw: Any, check: bool = True) -> Scheme:
    """Validate a plain mapping (e.g. parsed YAML) into a :class:`Scheme`.

    Raises :class:`SchemeError` listing every problem, each with its dotted field path.
    """
    try:
        scheme = Scheme.model_validate(raw)
    except ValidationError as exc:
        issues = _issues_from_pydantic(exc, raw)
        reported = {i.path for i in issues}
        issues += [i for i in _raw_reference_issues(raw) if i.path not in reported]
        raise SchemeError(issues) from None
    issues = check_scheme(scheme) if check else []
    if issues:
        raise SchemeError(issues)
    return scheme


_TYPE_ERRORS = frozenset(
    {
        "float_type",
        "float_parsing",
        "int_type",
        "int_parsing",
        "dict_type",
        "model_type",
        "model_attributes_type",
        "list_type",
        "tuple_type",
        "string_type",
        "literal_error",
        "is_instance_of",
        "bool_type",
        "bool_parsing",
        "date_type",
        "date_parsing",
        "date_from_datetime_parsing",
    }
)


def _issues_from_pydantic(exc: ValidationError, raw: Any) -> list[Issue]:
    """One issue per real problem: a union's failed branches collapse into the likeliest one."""
    found: list[tuple[tuple[Any, ...], Any]] = []
    for err in exc.errors():
        found.append((_clean_loc(tuple(err["loc"]), raw, err["type"]), err))
    keep: list[tuple[tuple[Any, ...], Any]] = []
    seen_paths: set[tuple[Any, ...]] = set()
    for k, (path, err) in enumerate(found):
        if err["type"] == "union_tag_invalid" and isinstance(_value_at(raw, path), dict):
            found[k] = (path := (*path, "type"), err)
        if err["type"] in _TYPE_ERRORS:
            deeper = any(len(p) > len(path) and p[: len(path)] == path for p, _ in found)
            if deeper or path in seen_paths:
                continue
        seen_paths.add(path)
        keep.append((path, err))
    return [
        Issue(_message(err, path, raw), path=".".join(str(p) for p in path)) for path, err in keep
    ]


def _raw_reference_issues(raw: Any) -> list[Issue]:
    """References checked on the raw mapping, so they are reported with structural errors."""
    if not isinstance(raw, dict):
        return []

    def keys(section: str) -> dict[str, Any]:
        value = raw.get(section)
        return value if isinstance(value, dict) else {}

    cats, deps, dims = keys("categories"), keys("departments"), keys("dimensions")
    issues: list[Issue] = []

    def ref(value: Any, known: dict[str, Any], what: str, path: str) -> None:
        if isinstance(value, str) and value not in known:
            issues.append(_unknown(what, value, known, path))

    for uid, unit in keys("units").items():
        if isinstance(unit, dict) and cats:
            ref(unit.get("category"), cats, "category", f"units.{uid}.category")
    for section in ("dimensions", "indicators"):
        for nid, node in keys(section).items():
            if not isinstance(node, dict):
                continue
            ref(node.get("parent"), dims, "parent dimension", f"{section}.{nid}.parent")
            if section == "indicators":
                ref(node.get("owner"), deps, "department", f"{section}.{nid}.owner")
            weights = node.get("weights")
            if isinstance(weights, dict) and cats:
                for cid in weights:
                    ref(cid, cats, "category", f"{section}.{nid}.weights.{cid}")
    return issues


def _clean_loc(loc: tuple[Any, ...], raw: Any, kind: str) -> tuple[Any, ...]:
    """Keep only the parts of pydantic's location that are keys of the input.

    A part absent from the input is either a missing key (the last part of a ``missing``
    error: kept) or the name of a union branch such as ``float`` or ``linear`` (dropped).
    """
    out: list[Any] = []
    node = raw
    for i, part in enumerate(loc):
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            out.append(part)
            node = node[part]
        elif i == len(loc) - 1 and kind == "missing":
            out.append(part)
    return tuple(out)


_NOUNS = {
    "weights": "weight",
    "full_marks": "full marks",
    "target": "target",
    "baseline": "baseline",
    "previous": "previous value",
    "share": "share",
    "count": "count",
    "cap_ratio": "cap_ratio",
    "step": "step",
    "scale": "scale",
}


def _noun(path: tuple[Any, ...]) -> str:
    for part in reversed(path):
        if isinstance(part, str) and part in _NOUNS:
            return _NOUNS[part]
    last = path[-1] if path else "value"
    return str(last) if isinstance(last, str) else "value"


def _message(err: Any, path: tuple[Any, ...], raw: Any) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    noun = _noun(path)
    if kind == "extra_forbidden":
        return _unknown_key(str(path[-1]) if path else "?", path, raw)
    if kind == "missing":
        return "this key is required"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sym = {
            "greater_than_equal": "≥",
            "greater_than": ">",
            "less_than_equal": "≤",
            "less_than": "<",
        }[kind]
        limit = next(iter(ctx.values()))
        return f"{noun} must be {sym} {_num(limit)}, got {_num(got)}"
    if kind == "union_tag_invalid":
        return (
            f"unknown rule type {ctx.get('tag')!r}; allowed: "
            f"{ctx.get('expected_tags', '').replace(chr(39), '')}"
        )
    if kind == "union_tag_not_found":
        return "a rule needs a type, e.g. type: linear"
    if kind == "string_pattern_mismatch":
        return f"{got!r} is not a valid id: use letters, digits, _ or -, starting with a letter"
    if kind == "literal_error":
        return f"{got!r} is not allowed; allowed: {ctx.get('expected', '')}"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        return f"{noun} must be a number, got {got!r}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of keys to values, got {_describe(got)}"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list, got {_describe(got)}"
    if kind == "too_short":
        return f"must not be empty (at least {ctx.get('min_length', 1)} entries)"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return f"must be a date like 2024-12-31, got {got!r}"
    if kind == "string_type":
        return f"must be text, got {_describe(got)}"
    if kind == "bool_type" or kind == "bool_parsing":
        return f"must be true or false, got {got!r}"
    return str(err["msg"])


def _unknown_key(key: str, path: tuple[Any, ...], raw: Any) -> str:
    allowed = _allowed_keys(path[:-1], raw)
    hint = ""
    if allowed:
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key {key!r}{hint}; allowed: {', '.join(sorted(allowed))}"
    return f"unknown key {key!r}"


def _allowed_keys(parent: tuple[Any, ...], raw: Any) -> list[str]:
    """The keys a model at this path accepts (best effort, for the error message)."""
    model = _model_at(parent, raw)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _value_at(raw: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            return None
    return raw


def _model_at(path: tuple[Any, ...], raw: Any) -> type[BaseModel] | None:
    from kaohe.rulespec import RULE_CLASSES

    value = _value_at(raw, path)
    if (
        isinstance(value, dict)
        and path
        and (path[-1] == "rule" or (len(path) >= 2 and path[-2] == "category_rules"))
    ):
        return RULE_CLASSES.get(str(value.get("type")))
    top: dict[str, type[BaseModel]] = {
        "categories": Category,
        "departments": Department,
        "units": Unit,
        "dimensions": Dimension,
        "indicators": Indicator,
    }
    if not path:
        return Scheme
    head = path[0]
    if head in top and len(path) == 2:
        return top[head]
    nested: dict[str, type[BaseModel]] = {
        "ranking": Ranking,
        "grading": Grading,
        "period": Period,
    }
    if head in nested and len(path) == 1:
        return nested[head]
    if head == "grading" and len(path) == 3 and path[1] == "grades":
        return Grade
    if head == "grading" and len(path) == 3 and path[1] == "gates":
        return Gate
    if head == "grading" and len(path) == 4 and path[3] == "quota":
        return Quota
    return None


def _num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _describe(x: Any) -> str:
    if isinstance(x, str):
        return f"text {x!r}"
    if isinstance(x, list):
        return "a list"
    if isinstance(x, dict):
        return "a mapping"
    return repr(x)


# --------------------------------------------------------------------------- meaning


def check_scheme(scheme: Scheme) -> list[Issue]:
    """Every problem of meaning in a structurally valid scheme (empty when it is sound)."""
    from kaohe.tree import full_marks_issues

    issues: list[Issue] = []
    issues += _check_ids(scheme)
    issues += _check_units(scheme)
    tree = _check_tree(scheme)
    issues += tree
    indicators = _check_indicators(scheme)
    issues += indicators
    if not tree:
        issues += _check_extra_dimensions(scheme)
    if not tree and not indicators:
        issues += full_marks_issues(scheme)
    issues += _check_grading(scheme)
    return issues


def _check_ids(scheme: Scheme) -> list[Issue]:
    issues = []
    for iid in scheme.indicators:
        if iid in scheme.dimensions:
            issues.append(
                Issue(
                    f"id {iid!r} is used by a dimension too; ids must be unique",
                    path=f"indicators.{iid}",
                )
            )
    for section in ("dimensions", "indicators"):
        for nid in getattr(scheme, section):
            if nid in RESERVED_IDS:
                issues.append(
                    Issue(
                        f"{nid!r} is reserved for a results column; choose another id",
                        path=f"{section}.{nid}",
                    )
                )
    return issues


def _check_units(scheme: Scheme) -> list[Issue]:
    issues = []
    for uid, unit in scheme.units.items():
        if unit.category not in scheme.categories:
            issues.append(
                _unknown("category", unit.category, scheme.categories, f"units.{uid}.category")
            )
    used = {u.category for u in scheme.units.values()}
    for cid in scheme.categories:
        if cid not in used and not issues:  # a mistyped category explains an empty one
            issues.append(Issue("no unit is in this category", path=f"categories.{cid}"))
    return issues


def _unknown(what: str, value: str, known: Any, path: str) -> Issue:
    names = list(known)
    close = difflib.get_close_matches(value, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    shown = ", ".join(names[:12]) + (" …" if len(names) > 12 else "")
    return Issue(f"unknown {what} {value!r}{hint}; known: {shown}", path=path)


def _check_tree(scheme: Scheme) -> list[Issue]:
    issues = []
    nodes: dict[str, str | None] = {d: v.parent for d, v in scheme.dimensions.items()}
    for section, table in (("dimensions", scheme.dimensions), ("indicators", scheme.indicators)):
        for nid, node in table.items():
            if node.parent is not None and node.parent not in scheme.dimensions:
                issues.append(
                    _unknown(
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
                issues.append(
                    Issue(
                        "the parent chain loops back to this dimension",
                        path=f"dimensions.{did}.parent",
                    )
                )
                break
            seen.add(cur)
            cur = nodes[cur]
    has_child = {d.parent for d in scheme.dimensions.values()}
    has_child |= {i.parent for i in scheme.indicators.values()}
    for did in scheme.dimensions:
        if did not in has_child:
            issues.append(
                Issue(
                    "this dimension has no indicators or dimensions under it",
                    path=f"dimensions.{did}",
                )
            )
    return issues


def _check_extra_dimensions(scheme: Scheme) -> list[Issue]:
    """A dimension of bonus/deduction items adds points, so its parent must be a sum."""
    from kaohe.tree import build_tree, extra_nodes

    issues = []
    for did in sorted(extra_nodes(scheme, build_tree(scheme))):
        agg = _parent_aggregation(scheme, scheme.dimensions[did].parent)
        if agg != "sum":
            issues.append(
                Issue(
                    f"this dimension holds only bonus/deduction items, which add "
                    f"points: its parent must aggregate by sum, not {agg}",
                    path=f"dimensions.{did}.parent",
                )
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
        issues.append(_unknown("department", ind.owner, scheme.departments, f"{p}.owner"))
    if isinstance(ind.weights, dict):
        for cid in ind.weights:
            if cid not in scheme.categories:
                issues.append(_unknown("category", cid, scheme.categories, f"{p}.weights.{cid}"))
    for cid in ind.categories or []:
        if cid not in scheme.categories:
            issues.append(_unknown("category", cid, scheme.categories, f"{p}.categories"))
    for cid in ind.category_rules:
        if cid not in scheme.categories:
            issues.append(_unknown("category", cid, scheme.categories, f"{p}.category_rules.{cid}"))
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
        issues.append(
            Issue(
                "the points (分值) of this indicator are missing: give weights, "
                "one number or one per category",
                path=f"{p}.weights",
            )
        )
    if kind in ("bonus", "deduction", "veto") and ind.weights is not None:
        issues.append(
            Issue(
                f"a {kind} item has no full marks; remove weights (use categories "
                "to limit where it applies)",
                path=f"{p}.weights",
            )
        )
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
        missing = [
            uid
            for uid, u in scheme.units.items()
            if ind.applies_to(u.category) and resolve_value(vm, uid, u.category) is None
        ]
        if missing:
            shown = ", ".join(missing[:6]) + (" …" if len(missing) > 6 else "")
            issues.append(
                Issue(
                    f"rule {rule.type} needs a {need} for every unit it applies to; "
                    f"missing for {shown}",
                    path=path.rsplit(".", 1)[0] + f".{need}",
                )
            )
    if isinstance(rule, TimeProgress):
        if rule.as_of is None and scheme.period.as_of is None:
            issues.append(
                Issue("time_progress needs as_of (on the rule or in period.as_of)", path=path)
            )
        if ind.direction != "higher":
            issues.append(
                Issue(
                    "time_progress measures cumulative progress: direction must be higher",
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
                    f"proportional needs targets > 0; not so for {', '.join(bad[:6])}",
                    path=path.rsplit(".", 1)[0] + ".target",
                )
            )
    return issues


def _check_rule_refs(scheme: Scheme, rule: RuleBase, path: str) -> list[Issue]:
    if isinstance(rule, Veto) and rule.max_grade is not None:
        grades = [g.id for g in scheme.grading.grades] if scheme.grading else []
        if rule.max_grade not in grades:
            return [_unknown("grade", rule.max_grade, grades, f"{path}.max_grade")]
    return []


def resolve_value(vm: ValueMap | None, unit: str, category: str) -> float | None:
    """A unit's value from a :data:`ValueMap`: its own, else its category's, else ``default``."""
    if vm is None:
        return None
    if not isinstance(vm, dict):
        return float(vm)
    for key in (unit, category, "default"):
        if key in vm:
            return float(vm[key])
    return None


def _check_grading(scheme: Scheme) -> list[Issue]:
    g = scheme.grading
    if g is None:
        return []
    issues: list[Issue] = []
    ids = [gr.id for gr in g.grades]
    for dup in {i for i in ids if ids.count(i) > 1}:
        issues.append(Issue(f"grade id {dup!r} appears more than once", path="grading.grades"))
    last = g.grades[-1]
    n = len(g.grades) - 1
    if last.quota is not None or last.min_score is not None or last.min_share is not None:
        issues.append(
            Issue(
                "the last grade takes every unit not placed above it: it can have "
                "no quota and no minimum",
                path=f"grading.grades.{n}",
            )
        )
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
                        _unknown(
                            "category",
                            cid,
                            scheme.categories,
                            f"grading.grades.{i}.quota.count.{cid}",
                        )
                    )
    for i, gate in enumerate(g.gates):
        gp = f"grading.gates.{i}"
        if gate.max_grade not in ids:
            issues.append(_unknown("grade", gate.max_grade, ids, f"{gp}.max_grade"))
        for iid in gate.require_target_met:
            if iid not in scheme.indicators:
                issues.append(
                    _unknown("indicator", iid, scheme.indicators, f"{gp}.require_target_met")
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
                    _unknown("indicator", iid, scheme.indicators, f"{gp}.require_min_points.{iid}")
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


def is_close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
