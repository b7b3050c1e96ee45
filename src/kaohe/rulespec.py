"""The scoring rules (评分规则) a scheme can name, as validated parameter records.

Each class is one primitive of the rule language (see ``docs/rules.md``). These records only
*describe* a rule; the vectorised arithmetic lives in :mod:`kaohe.rules`. Every record is frozen
and rejects unknown keys, so a typo in a scheme is an error, never a silent default.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def id_text(value: Any) -> Any:
    """An id written as a number in YAML (``category: 150902``) is its digits."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


NonNeg = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
PeerScope = Literal["category", "all"]
Kind = Literal["base", "bonus", "deduction", "veto"]

#: Where a rule's reference value comes from: a per-unit value declared on the indicator
#: (``target``, ``baseline``, ``previous``), a statistic of the peers, or a fixed number.
Reference = (
    Literal["target", "baseline", "previous", "peer_average", "peer_median", "peer_best"] | float
)
EfficacyPoint = Literal["target", "baseline", "peer_best", "peer_worst", "peer_average"] | float


class RuleBase(BaseModel):
    """Fields every rule shares."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    #: The rule type (each subclass narrows it to its own literal name).
    type: str

    #: The kind a rule has unless the indicator says otherwise.
    default_kind: ClassVar[Kind] = "base"

    #: Does the rule compare a unit with its peers (ranks, best, averages)?
    peer_relative: ClassVar[bool] = False

    #: Which per-unit inputs the rule reads (checked at load time).
    needs: ClassVar[tuple[str, ...]] = ()

    def item_points(self) -> dict[str, float] | None:
        """Points per counted item (``indicator:item`` columns), or None for one value."""
        return None

    def inputs(self) -> tuple[str, ...]:
        """The per-unit inputs (``target``, ``baseline``, ``previous``) this rule reads."""
        return self.needs


def _check_item_keys(*tables: dict[str, float] | None) -> None:
    """Item keys name data columns (``indicator:item``): any text but ``:`` and ``note``."""
    for table in tables:
        for key in table or {}:
            if not key.strip() or ":" in key or key == "note":
                raise ValueError(f"item key {key!r}: use any text without ':' (and not 'note')")


def _per_unit_inputs(*refs: object) -> tuple[str, ...]:
    return tuple(r for r in refs if r in ("target", "baseline", "previous"))


class TargetMet(RuleBase):
    """完成目标得满分，否则不得分 — full points if the target is met, else ``else_points``."""

    type: Literal["target_met"]
    else_points: NonNeg = 0.0
    needs: ClassVar[tuple[str, ...]] = ("target",)


class Proportional(RuleBase):
    """按完成比例得分 — points = full x completion ratio, the ratio capped at ``cap_ratio``."""

    type: Literal["proportional"]
    cap_ratio: Positive = 1.0
    floor: float = 0.0
    needs: ClassVar[tuple[str, ...]] = ("target",)


class Linear(RuleBase):
    """每低1个百分点扣x分、每超1个百分点加y分 — linear deduction / bonus around a reference."""

    type: Literal["linear"]
    reference: Reference = "target"
    measure: Literal["difference", "percent"] = "difference"
    step: Positive = 1.0
    rate: NonNeg | None = None
    below_rate: NonNeg | None = None
    above_rate: NonNeg | None = None
    base: float | None = None
    bonus_max: NonNeg = 0.0
    floor: float = 0.0
    steps: Literal["continuous", "whole"] = "continuous"
    peers: PeerScope | None = None

    @model_validator(mode="after")
    def _one_rate(self) -> Self:
        if self.rate is not None and (self.below_rate is not None or self.above_rate is not None):
            raise ValueError("give either rate or below_rate/above_rate, not both")
        return self

    def inputs(self) -> tuple[str, ...]:
        return _per_unit_inputs(self.reference)

    @property
    def rate_below(self) -> float:
        return self.rate if self.rate is not None else (self.below_rate or 0.0)

    @property
    def rate_above(self) -> float:
        return self.rate if self.rate is not None else (self.above_rate or 0.0)


class Baseline(Linear):
    """达到基数得b分，每高/低1个百分点加/扣r分 — a linear rule anchored at a baseline."""

    type: Literal["baseline"]  # type: ignore[assignment]
    reference: Reference = "baseline"
    base: float


class Band(BaseModel):
    """One row of a band table: at or beyond a threshold, these points (or this share)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min: float | None = None
    max: float | None = None
    points: float | None = None
    share: NonNeg | None = None

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if (self.min is None) == (self.max is None):
            raise ValueError("each band needs exactly one of min or max")
        if (self.points is None) == (self.share is None):
            raise ValueError("each band needs exactly one of points or share")
        return self


class Bands(RuleBase):
    """完成率≥100%得满分，90–100%得80%… — a table of thresholds."""

    type: Literal["bands"]
    measure: Literal["value", "completion"] = "completion"
    bands: list[Band] = Field(min_length=1)
    else_points: float = 0.0

    @model_validator(mode="after")
    def _same_side(self) -> Self:
        sides = {b.min is not None for b in self.bands}
        if len(sides) > 1:
            raise ValueError("bands must all use min or all use max, not a mix")
        return self


class RankTable(RuleBase):
    """排名1–5名依次得60、57、54、51、48分 — points by rank among peers."""

    type: Literal["rank_table"]
    points: list[float] | None = None
    shares: list[NonNeg] | None = None
    rest: float = 0.0
    ties: Literal["shared", "average"] = "shared"
    peers: PeerScope | None = None
    peer_relative: ClassVar[bool] = True

    @model_validator(mode="after")
    def _one_table(self) -> Self:
        if (self.points is None) == (self.shares is None):
            raise ValueError("give exactly one of points or shares")
        if len(self.points or self.shares or []) == 0:
            raise ValueError("the table needs at least one entry")
        return self


class RankStep(RuleBase):
    """第1名得满分，每降一位扣d分 — top points, minus a step per place."""

    type: Literal["rank_step"]
    step: NonNeg
    top: float | None = None
    floor: float = 0.0
    peers: PeerScope | None = None
    peer_relative: ClassVar[bool] = True


class RatioToBest(RuleBase):
    """最高者得满分，其余按比例得分 — points in proportion to the best peer."""

    type: Literal["ratio_to_best"]
    peers: PeerScope | None = None
    peer_relative: ClassVar[bool] = True


class Efficacy(RuleBase):
    """功效系数法 — score = base + span x (x − unacceptable)/(satisfactory − unacceptable)."""

    type: Literal["efficacy"]
    satisfactory: EfficacyPoint = "peer_best"
    unacceptable: EfficacyPoint = "peer_worst"
    base: NonNeg = 60.0
    span: Positive = 40.0
    peers: PeerScope | None = None
    peer_relative: ClassVar[bool] = True

    def inputs(self) -> tuple[str, ...]:
        return _per_unit_inputs(self.satisfactory, self.unacceptable)


class RankImprovement(RuleBase):
    """位次每前进一位加x分 — points for places gained since last year (进位)."""

    type: Literal["rank_improvement"]
    rate: NonNeg
    fall_rate: NonNeg = 0.0
    cap: NonNeg | None = None
    floor: float | None = None
    peers: PeerScope | None = None
    default_kind: ClassVar[Kind] = "bonus"
    peer_relative: ClassVar[bool] = True
    needs: ClassVar[tuple[str, ...]] = ("previous",)


class CountDeduction(RuleBase):
    """per incident: warning −2 … criminal −12; doubled for team members."""

    type: Literal["count_deduction"]
    levels: dict[str, NonNeg] | None = None
    per_count: NonNeg | None = None
    multipliers: dict[str, Positive] = Field(default_factory=dict)
    cap: NonNeg | None = None
    floor: float | None = None
    default_kind: ClassVar[Kind] = "deduction"

    @model_validator(mode="after")
    def _one_scale(self) -> Self:
        if (self.levels is None) == (self.per_count is None):
            raise ValueError("give exactly one of levels (counts per level) or per_count")
        if self.multipliers and self.levels is None:
            raise ValueError("multipliers need levels")
        _check_item_keys(self.levels, self.multipliers)
        return self

    def item_points(self) -> dict[str, float] | None:
        """Points per incident for every data item (``level`` and ``level:multiplier``)."""
        if self.levels is None:
            return None
        out: dict[str, float] = {}
        for level, pts in self.levels.items():
            out[level] = pts
            for mult, factor in self.multipliers.items():
                out[f"{level}:{mult}"] = pts * factor
        return out


class BonusItems(RuleBase):
    """加分项 — awards counted by level, capped; evidence may be required."""

    type: Literal["bonus_items"]
    levels: dict[str, NonNeg] = Field(min_length=1)
    cap: NonNeg | None = None
    evidence_required: bool = False

    @model_validator(mode="after")
    def _keys(self) -> Self:
        _check_item_keys(self.levels)
        return self

    default_kind: ClassVar[Kind] = "bonus"

    def item_points(self) -> dict[str, float]:
        return dict(self.levels)


class Judgement(RuleBase):
    """评价类 — full marks by default; the assessor deducts, with a stated reason."""

    type: Literal["judgement"]
    max_deduction: NonNeg | None = None
    reason_required: bool = True


class Veto(RuleBase):
    """一票否决 (score void) or 一票否优 (cannot be rated top) — a gate, not points."""

    type: Literal["veto"]
    effect: Literal["void", "bar_top", "max_grade"] = "void"
    max_grade: str | None = None
    default_kind: ClassVar[Kind] = "veto"

    @model_validator(mode="after")
    def _grade_given(self) -> Self:
        if (self.effect == "max_grade") != (self.max_grade is not None):
            raise ValueError("effect max_grade needs max_grade, and max_grade needs that effect")
        return self


class TimeProgress(RuleBase):
    """时间过半、任务过半 — progress against the time-proportional share of the target."""

    type: Literal["time_progress"]
    start: dt.date
    end: dt.date
    as_of: dt.date | None = None
    scoring: Literal["proportional", "met"] = "proportional"
    cap_ratio: Positive = 1.0
    else_points: NonNeg = 0.0
    needs: ClassVar[tuple[str, ...]] = ("target",)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"end must be after start, got {self.start} → {self.end}")
        return self


class Rescale(RuleBase):
    """折算 — an external score on [lo, hi] mapped linearly into [B, A]."""

    type: Literal["rescale"]
    source: tuple[float, float] = Field(default=(0.0, 100.0), alias="from")
    to: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.source[1] <= self.source[0]:
            raise ValueError(f"from must be [low, high] with low < high, got {list(self.source)}")
        return self


class _Normalisation(RuleBase):
    peers: PeerScope | None = None


class MinMax(_Normalisation):
    """min-max: (x − min)/(max − min) among peers, mapped to ``to`` (default [0, full])."""

    type: Literal["minmax"]
    to: tuple[float, float] | None = None
    peer_relative: ClassVar[bool] = True


class ZScore(_Normalisation):
    """z-score: mean + sd x (x − peer mean)/peer sd (sample sd)."""

    type: Literal["zscore"]
    mean: float = 0.0
    sd: Positive = 1.0
    peer_relative: ClassVar[bool] = True


class Goalposts(RuleBase):
    """goalposts: (x − lower)/(upper − lower), truncated to [0, 1], mapped to ``to``."""

    type: Literal["goalposts"]
    to: tuple[float, float] | None = None
    lower: float
    upper: float
    truncate: bool = True

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.upper <= self.lower:
            raise ValueError(f"upper must exceed lower, got {self.lower} and {self.upper}")
        return self


class DistanceToTarget(_Normalisation):
    """distance to target: (x − worst)/(target − worst), capped at 1, mapped to ``to``."""

    type: Literal["distance_to_target"]
    to: tuple[float, float] | None = None
    cap: bool = True
    peer_relative: ClassVar[bool] = True
    needs: ClassVar[tuple[str, ...]] = ("target",)


class RankPercentile(_Normalisation):
    """percentile rank among peers: (r − 1)/(n − 1), 1 for the best, mapped to ``to``."""

    type: Literal["rank_percentile"]
    to: tuple[float, float] | None = None
    peer_relative: ClassVar[bool] = True


class Scaled(RuleBase):
    """scaled: (x − lower)/(upper − lower), not truncated, mapped to ``to`` (COINr's n_scaled)."""

    type: Literal["scaled"]
    lower: float
    upper: float
    to: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.upper == self.lower:
            raise ValueError("upper must differ from lower")
        return self


class DistanceToMax(_Normalisation):
    """distance to the best: 1 − (best − x)/(best − worst) among peers, mapped to ``to``."""

    type: Literal["distance_to_max"]
    to: tuple[float, float] | None = None
    peer_relative: ClassVar[bool] = True


class DistanceToReference(_Normalisation):
    """distance to a reference unit: 1 − (x_ref − x)/(x_ref − worst), capped at 1 optionally."""

    type: Literal["distance_to_reference"]
    unit: Annotated[str, BeforeValidator(id_text)]
    cap: bool = False
    to: tuple[float, float] | None = None
    peer_relative: ClassVar[bool] = True


class FractionOfMax(_Normalisation):
    """fraction of the best: x / best (best / x when lower is better), mapped to ``to``."""

    type: Literal["fraction_of_max"]
    to: tuple[float, float] | None = None
    peer_relative: ClassVar[bool] = True


class Rank(_Normalisation):
    """rank: the number of peers the unit beats, plus one (ties take the lower), unscaled."""

    type: Literal["rank"]
    peer_relative: ClassVar[bool] = True


class Borda(_Normalisation):
    """Borda count: the number of peers the unit beats (ties beat nobody), unscaled."""

    type: Literal["borda"]
    peer_relative: ClassVar[bool] = True


Rule = Annotated[
    TargetMet
    | Proportional
    | Linear
    | Baseline
    | Bands
    | RankTable
    | RankStep
    | RatioToBest
    | Efficacy
    | RankImprovement
    | CountDeduction
    | BonusItems
    | Judgement
    | Veto
    | TimeProgress
    | Rescale
    | MinMax
    | ZScore
    | Goalposts
    | DistanceToTarget
    | RankPercentile
    | Scaled
    | DistanceToMax
    | DistanceToReference
    | FractionOfMax
    | Rank
    | Borda,
    Field(discriminator="type"),
]

RULE_TYPES: tuple[str, ...] = (
    "target_met",
    "proportional",
    "linear",
    "baseline",
    "bands",
    "rank_table",
    "rank_step",
    "ratio_to_best",
    "efficacy",
    "rank_improvement",
    "count_deduction",
    "bonus_items",
    "judgement",
    "veto",
    "time_progress",
    "rescale",
    "minmax",
    "zscore",
    "goalposts",
    "distance_to_target",
    "rank_percentile",
    "scaled",
    "distance_to_max",
    "distance_to_reference",
    "fraction_of_max",
    "rank",
    "borda",
)

RULE_CLASSES: dict[str, type[RuleBase]] = {
    cls.model_fields["type"].annotation.__args__[0]: cls  # type: ignore[union-attr]
    for cls in (
        TargetMet,
        Proportional,
        Linear,
        Baseline,
        Bands,
        RankTable,
        RankStep,
        RatioToBest,
        Efficacy,
        RankImprovement,
        CountDeduction,
        BonusItems,
        Judgement,
        Veto,
        TimeProgress,
        Rescale,
        MinMax,
        ZScore,
        Goalposts,
        DistanceToTarget,
        RankPercentile,
        Scaled,
        DistanceToMax,
        DistanceToReference,
        FractionOfMax,
        Rank,
        Borda,
    )
}
