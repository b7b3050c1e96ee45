"""The scheme (考核方案): units, categories, the indicator tree, rules, ranking and grades.

A :class:`Scheme` is built once at the edge (from YAML by :mod:`kaohe.io.scheme_file`, or from a
``dict`` by :func:`kaohe.checks.build_scheme`), validated completely, and then passed unchanged to
the engine.
Validation has two passes: the structure (types, unknown keys, ranges) by pydantic, then the
meaning (references, the tree, full marks, quotas) by :func:`kaohe.checks.check_scheme`, with
messages from :mod:`kaohe.messages`. Both report every
problem with the dotted path of the field, which the YAML loader turns into a line number.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from kaohe.ledgers.spec import Derivation
from kaohe.monitoring.declaration import Monitoring
from kaohe.rulespec import Kind as Kind
from kaohe.rulespec import NonNeg, PeerScope, Positive, Rule, RuleBase, id_text

#: Ids as real data has them: administrative division codes (``150902``), codes with dots or
#: dashes (``ZZA.VHHD``, ``CN-15``) — a letter or digit, then letters, digits, ``_ . -``.
Id = Annotated[
    str,
    BeforeValidator(id_text),
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=64),
]
Aggregation = Literal["sum", "mean", "geometric", "harmonic", "power", "copeland"]
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
    """An assessed unit (考核对象), e.g. a county, with attributes usable as denominators and
    groups usable for imputation (e.g. a region, a size class)."""

    name: str
    category: Id
    attributes: dict[str, float] = Field(default_factory=dict)
    groups: dict[str, str] = Field(default_factory=dict)
    description: str = ""


class Weighting(_Model):
    """How a dimension's children are weighted, instead of the weights written on them:
    ``equal``; ``ahp`` from a pairwise comparison matrix (consistency ratio checked); ``budget``
    from experts' point allocations; or from the data — ``entropy``, ``critic``, ``pca`` —
    computed on the children's values in each category."""

    method: Literal["equal", "ahp", "budget", "entropy", "critic", "pca"]
    children: list[Id] | None = None  # the order of the matrix rows / allocation columns
    matrix: list[list[float]] | None = None
    variant: Literal["eigenvector", "geometric"] = "eigenvector"
    max_cr: Annotated[float, Field(gt=0)] = 0.1
    allocations: list[list[float]] | None = None

    @model_validator(mode="after")
    def _inputs(self) -> Self:
        if (self.method == "ahp") != (self.matrix is not None):
            raise ValueError("method ahp needs matrix (and matrix needs method ahp)")
        if (self.method == "budget") != (self.allocations is not None):
            raise ValueError("method budget needs allocations (and allocations need it)")
        return self


class Dimension(_Model):
    """An inner node of the indicator tree; aggregates its children's points."""

    name: str
    parent: Id | None = None
    aggregation: Aggregation = "sum"
    power: float | None = None
    min_share: Annotated[float, Field(ge=0, le=1)] = 0.0
    weights: Weights | None = None
    weighting: Weighting | None = None
    floor: float | None = None
    cap: float | None = None
    description: str = ""

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.floor is not None and self.cap is not None and self.floor > self.cap:
            raise ValueError(f"floor {self.floor} is above cap {self.cap}")
        if (self.aggregation == "power") != (self.power is not None):
            raise ValueError("aggregation power needs power: p (p ≠ 0), and power needs it")
        if self.power == 0:
            raise ValueError("power 0 is the geometric mean: write aggregation: geometric")
        return self


class Transform(_Model):
    """A function of an indicator's value applied before its rule (after its denominator):
    ``ln``, ``log10``, ``sqrt``, ``power`` (with ``exponent``) or ``reciprocal``; ``shift`` is
    added to the value first (``ln`` of x + 1 for counts that may be 0). Written as the function's
    name alone (``transform: ln``) or as a mapping (``transform: {type: power, exponent: 0.5}``)."""

    type: Literal["ln", "log10", "sqrt", "power", "reciprocal"]
    exponent: float | None = None
    shift: float = 0.0

    @model_validator(mode="after")
    def _exponent(self) -> Self:
        if (self.type == "power") != (self.exponent is not None):
            raise ValueError("type power needs exponent, and exponent needs type power")
        if self.exponent == 0:
            raise ValueError("exponent 0 makes every value 1: choose another exponent")
        return self


def _transform_name(value: Any) -> Any:
    """``transform: ln`` is ``transform: {type: ln}``."""
    return {"type": value} if isinstance(value, str) else value


#: Rules that read entered counts, flags or deductions, never a prepared value.
UNPREPARED_RULES = frozenset({"veto", "judgement", "bonus_items", "count_deduction"})


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
    #: where ``previous`` comes from: as written (``scheme``), or last year's value of the same
    #: indicator for each unit that has one (``last_year``: ``kaohe run --last-year``, on the
    #: platform the previous cycle of the same scheme), ``previous`` as written for the others
    previous_from: Literal["scheme", "last_year"] = "scheme"
    #: last year's values by unit id, as :func:`kaohe.monitoring.last_year.with_last_year` fills
    #: them in (``previous_from: last_year``); they take the place of ``previous`` per unit
    last_year: dict[Id, float] | None = None
    rule: Rule
    category_rules: dict[Id, Rule] = Field(default_factory=dict)
    missing: MissingPolicy | None = None
    not_applicable: NotApplicablePolicy = "renormalise"
    denominator: str | None = None
    denominator_scale: Positive = 1.0
    impute: bool = True
    treat: Treatment | Literal["none"] | None = None
    transform: Annotated[Transform | None, BeforeValidator(_transform_name)] = None
    adds_up: bool = False  # 可加总: units' values sum to a city total (比贡献 on the board)
    derive: Derivation | None = None  # counted from a ledger (kaohe.ledgers), not typed in

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.range is not None:
            lo, hi = self.range
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"range must be [low, high] with low ≤ high, got [{lo}, {hi}]")
        if self.adds_up and self.denominator is not None:
            raise ValueError("adds_up: a value divided by a denominator does not add up")
        if self.transform is not None and (
            self.effective_kind != "base" or self.rule.type in UNPREPARED_RULES
        ):
            raise ValueError(
                "transform applies to a base indicator scored from its value (not to counted "
                "items, vetoes or judgements)"
            )
        if self.transform is not None and self.adds_up:
            raise ValueError("adds_up: a transformed value does not add up")
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


class Imputation(_Model):
    """Fill missing values: the mean or median of the unit's group (by column) or of the unit's
    other values (by row). Imputed cells are flagged; present values never change."""

    method: Literal["mean", "median"] = "mean"
    by: str | None = None  # None: all units; "category"; or a key of the units' groups
    axis: Literal["column", "row"] = "column"


class Screening(_Model):
    """Drop units with too little data (their results are not computed)."""

    min_share: Annotated[float, Field(ge=0, le=1)]
    include: list[Id] = Field(default_factory=list)
    exclude: list[Id] = Field(default_factory=list)


class Treatment(_Model):
    """Outlier treatment (the COINr procedure): winsorise the skewed side, then transform."""

    method: Literal["winsorise", "none"] = "winsorise"
    max_points: Annotated[int, Field(ge=0)] | None = None  # None: COINr's ⌈units / 10⌉
    skew: Positive = 2.0
    kurtosis: Positive = 3.5
    fallback: Literal["log", "boxcox", "none"] = "log"
    boxcox_lambda: float | None = None

    @model_validator(mode="after")
    def _lambda(self) -> Self:
        if (self.fallback == "boxcox") != (self.boxcox_lambda is not None):
            raise ValueError("fallback boxcox needs boxcox_lambda, and boxcox_lambda needs it")
        return self


class Preprocessing(_Model):
    """Steps applied to the raw values before the rules, in this order: denominate (per
    indicator), screen, impute, treat."""

    screen: Screening | None = None
    impute: Imputation | None = None
    treat: Treatment | None = None


class WeightUncertainty(_Model):
    """How the weights vary in the robustness analysis."""

    method: Literal["dirichlet", "uniform"] = "dirichlet"
    concentration: Positive = 50.0
    range: Annotated[float, Field(gt=0, lt=1)] = 0.25
    level: Literal["indicators", "dimensions", "all"] = "all"
    nodes: list[str] | None = None


class Alternatives(_Model):
    """Discrete choices the analysis samples among (the scheme's own choice always included)."""

    normalisation: list[
        Literal["minmax", "zscore", "rank_percentile", "distance_to_target", "goalposts"]
    ] = Field(default_factory=list)
    aggregation: list[Literal["mean", "geometric", "harmonic"]] = Field(default_factory=list)
    imputation: list[Literal["none", "mean", "median"]] = Field(default_factory=list)
    treatment: list[Literal["none", "scheme"]] = Field(default_factory=list)
    drop: Literal["none", "indicators", "dimensions"] = "none"


class Sensitivity(_Model):
    """Sobol sensitivity analysis (SALib): base samples N, bootstrap resamples, confidence."""

    samples: Annotated[int, Field(ge=8)] = 256
    resamples: Annotated[int, Field(ge=10)] = 100
    confidence: Annotated[float, Field(gt=0, lt=1)] = 0.95
    units: Annotated[int, Field(ge=0)] = 50


class Robustness(_Model):
    """The uncertainty and sensitivity analysis of ``kaohe robustness``."""

    samples: Annotated[int, Field(ge=10)] = 1000
    seed: int = 1
    weights: WeightUncertainty | None = Field(default_factory=WeightUncertainty)
    alternatives: Alternatives = Field(default_factory=Alternatives)
    top: list[Annotated[int, Field(ge=1)]] = Field(default_factory=lambda: [1, 3])
    sensitivity: Sensitivity | None = None


class Panel(_Model):
    """How ``kaohe panel`` assesses several years: each year alone (``within``) or every
    unit-year side by side so that peer statistics span all years (``across``)."""

    normalise: Literal["within", "across"] = "within"


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
    weighting: Weighting | None = None  # of the top level's children
    weight_sets: dict[Id, dict[Id, Weights]] = Field(default_factory=dict)
    weight_set: Id | None = None
    preprocessing: Preprocessing = Field(default_factory=Preprocessing)
    ranking: Ranking = Field(default_factory=Ranking)
    robustness: Robustness = Field(default_factory=Robustness)
    panel: Panel = Field(default_factory=Panel)
    grading: Grading | None = None
    monitoring: Monitoring | None = None  # 调度与预警: see kaohe.monitoring, docs/monitoring.md

    def grade_index(self, grade_id: str) -> int:
        assert self.grading is not None
        return [g.id for g in self.grading.grades].index(grade_id)


# --------------------------------------------------------------------------- building


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


def is_close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


# --------------------------------------------------------------------------- weights in force

DATA_WEIGHTING = frozenset({"entropy", "critic", "pca"})


def children_of(scheme: Scheme, node: str | None) -> list[str]:
    """The ids of a dimension's children (``None``: the top level), in scheme order."""
    kids = [d for d, dim in scheme.dimensions.items() if dim.parent == node]
    return kids + [
        i
        for i, ind in scheme.indicators.items()
        if ind.parent == node and ind.effective_kind == "base"
    ]


def static_weights(w: Weighting, n: int) -> list[float]:
    """Weights of the children for ``equal``, ``ahp`` and ``budget`` (raises SchemeError when the
    comparison matrix is too inconsistent)."""
    from kaohe import weighting

    if w.method == "equal":
        return [float(v) for v in weighting.equal(n)]
    if w.method == "ahp":
        assert w.matrix is not None
        res = weighting.check_consistency(weighting.ahp(w.matrix, w.variant), w.max_cr)
        return [float(v) for v in res.weights]
    assert w.allocations is not None
    return [float(v) for v in weighting.budget(w.allocations)]


def with_weights(scheme: Scheme) -> Scheme:
    """The scheme with the weights in force written on the tree: the chosen ``weight_set``, then
    every ``equal``/``ahp``/``budget`` weighting (data-driven ones are computed by the engine)."""
    inds = dict(scheme.indicators)
    dims = dict(scheme.dimensions)
    if scheme.weight_set is not None:
        for nid, given in scheme.weight_sets.get(scheme.weight_set, {}).items():
            if nid in inds:
                inds[nid] = inds[nid].model_copy(update={"weights": given})
            elif nid in dims:
                dims[nid] = dims[nid].model_copy(update={"weights": given})
    nodes: list[tuple[str | None, Weighting | None]] = [(None, scheme.weighting)]
    nodes += [(d, dim.weighting) for d, dim in scheme.dimensions.items()]
    for node, w in nodes:
        if w is None or w.method in DATA_WEIGHTING:
            continue
        kids = w.children or children_of(scheme, node)
        for kid, value in zip(kids, static_weights(w, len(kids)), strict=True):
            if kid in inds:
                inds[kid] = inds[kid].model_copy(
                    update={"weights": _keep_categories(inds[kid].weights, value)}
                )
            else:
                dims[kid] = dims[kid].model_copy(
                    update={"weights": _keep_categories(dims[kid].weights, value)}
                )
    if inds == scheme.indicators and dims == scheme.dimensions:
        return scheme
    return scheme.model_copy(update={"indicators": inds, "dimensions": dims})


def _keep_categories(old: Weights | None, value: float) -> Weights:
    """A new weight, in the same categories as before (applicability is unchanged)."""
    return dict.fromkeys(old, value) if isinstance(old, dict) else value
