"""The rulebook file (考核结果运用若干措施): named rules that turn results into decisions.

A :class:`Rulebook` is built once at the edge (from YAML by :mod:`kaohe.io.rulebook_files`, or
from a ``dict`` by :func:`build_rulebook`), validated completely — unknown keys, wrong types,
unknown rule types, broken references between rules, bounds that contradict each other — and
then passed unchanged to :func:`kaohe.rulebook.evaluate`. Every problem is reported with the
dotted path of its field, which the YAML loader turns into a line number.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from kaohe.errors import Issue, KaoheError

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=64)]
Share = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]
NonNeg = Annotated[float, Field(ge=0)]
Rounding = Literal["floor", "ceil", "half_up", "half_even"]
#: One value for every unit, or a mapping whose keys are unit ids, category ids or ``default``
#: (a unit's own entry wins over its category's, which wins over ``default``).
CountMap = Count | dict[str, Count]
#: Text in the grade column that names one grade, or a list of such.
Grades = str | list[str]


class RulebookError(KaoheError):
    """The rulebook is invalid, or cannot be applied as written (e.g. quota bounds that make
    the total impossible); every issue names the rule and the field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def grade_list(g: Grades | None) -> tuple[str, ...]:
    if g is None:
        return ()
    return (g,) if isinstance(g, str) else tuple(g)


class When(_Model):
    """A condition on a unit's result; every key given must hold (and at least one is given).

    ``grade`` matches the grade id or the grade's name (``excellent`` or ``优秀``)."""

    grade: Grades | None = None
    rank_at_most: Annotated[int, Field(ge=1)] | None = None
    rank_in_category_at_most: Annotated[int, Field(ge=1)] | None = None
    category: str | list[str] | None = None
    vetoed: bool | None = None

    @model_validator(mode="after")
    def _some(self) -> Self:
        if all(v is None for v in self.model_dump().values()):
            raise ValueError(
                "a condition needs at least one of grade, rank_at_most, "
                "rank_in_category_at_most, category, vetoed"
            )
        return self


class RuleBase(_Model):
    """Keys every rule has."""

    type: str
    name: str = ""
    description: str = ""
    #: May the rule's decisions be shown on the public board? (Default: office only.)
    public: bool = False


# --------------------------------------------------------------------------- units


class ShareStep(_Model):
    """One row of a tilt table: units meeting ``when`` get at least ``share``."""

    when: When
    share: Share


class ExcellentShareTilt(RuleBase):
    """提高评优比例 — each unit's share of top grades (优秀) for its staff: ``base_share``, raised
    to the highest ``share`` of the rows of ``raise`` the unit meets, and at most ``max_share``."""

    type: Literal["excellent_share_tilt"]
    base_share: Share
    raises: list[ShareStep] = Field(default_factory=list, alias="raise")
    max_share: Share | None = None
    rounding: Rounding = "floor"
    min_count: Count = 0

    @model_validator(mode="after")
    def _cap(self) -> Self:
        if self.max_share is not None and self.max_share < self.base_share:
            raise ValueError(f"max_share {self.max_share} is below base_share {self.base_share}")
        return self


class WeightStep(_Model):
    """One row of a weight table: the first row whose ``when`` a unit meets gives its weight."""

    when: When
    weight: NonNeg


class RankQuotaAllocation(RuleBase):
    """统筹职级职数 — ``total`` places shared among units in proportion to their weights (from
    ``weights``, optionally × headcount), as integers summing to ``total`` by the largest-
    remainder method, each unit within [``min``, ``max``]."""

    type: Literal["rank_quota_allocation"]
    total: Count
    weights: list[WeightStep] = Field(default_factory=list)
    default_weight: NonNeg = 1.0
    by_headcount: bool = False
    min: CountMap = 0
    max: CountMap | None = None


class RiseReward(_Model):
    """进位奖 — an amount per place gained against the previous cycle, up to ``cap``."""

    per_place: NonNeg
    cap: NonNeg | None = None
    rank: Literal["overall", "category"] = "overall"
    min_places: Annotated[int, Field(ge=1)] = 1


class MaterialReward(RuleBase):
    """物质奖励 — amounts for units by grade (``by_grade``) and for moving up (``rise``)."""

    type: Literal["material_reward"]
    by_grade: dict[str, NonNeg] = Field(default_factory=dict)
    rise: RiseReward | None = None
    exclude_vetoed: bool = True
    currency: str = "万元"

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.by_grade and self.rise is None:
            raise ValueError("a material reward needs by_grade, rise, or both")
        return self


# --------------------------------------------------------------------------- people


class PersonRule(RuleBase):
    """Keys of the rules that read the grade history of people."""

    kind: Literal["cadre", "team"] = "cadre"
    excellent: list[str] = Field(default_factory=lambda: ["excellent", "优秀"], min_length=1)


class Commendation(PersonRule):
    """嘉奖 — every person of ``kind`` graded excellent in the year; not given to those who get a
    merit that year from the rules named in ``replaced_by``."""

    type: Literal["commendation"]
    replaced_by: list[Id] = Field(default_factory=list)


class ThirdClassMerit(PersonRule):
    """记三等功 — ``years`` consecutive calendar years graded excellent, ending this year."""

    type: Literal["third_class_merit"]
    years: Annotated[int, Field(ge=1)] = 3
    ungraded: list[str] = Field(default_factory=list)
    ungraded_years: Literal["break", "skip"] = "break"
    reset_after_award: bool = True


class PromotionPool(RuleBase):
    """后备人选 — excellent cadres who meet the conditions, listed for promotion."""

    type: Literal["promotion_pool"]
    kind: Literal["cadre", "team"] = "cadre"
    excellent: list[str] = Field(default_factory=lambda: ["excellent", "优秀"], min_length=1)
    window: Annotated[int, Field(ge=1)] = 1
    min_excellent: Annotated[int, Field(ge=1)] = 1
    min_years_at_level: Count | None = None
    excluded_statuses: list[str] = Field(
        default_factory=lambda: ["under_investigation", "disciplinary"]
    )

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.min_excellent > self.window:
            raise ValueError(
                f"min_excellent {self.min_excellent} is more than the window of {self.window} "
                "year(s)"
            )
        return self


class PromotionStatistics(RuleBase):
    """提拔使用统计 — of the promotions recorded in the year, how many went to people graded
    excellent in the ``lookback`` years before it (and in the year itself with
    ``include_current``), and their share."""

    type: Literal["promotion_statistics"]
    kind: Literal["cadre", "team"] = "cadre"
    excellent: list[str] = Field(default_factory=lambda: ["excellent", "优秀"], min_length=1)
    lookback: Count = 1
    include_current: bool = False
    by_unit: bool = False
    list_people: bool = True
    percent_decimals: Annotated[int, Field(ge=0, le=6)] = 0

    @model_validator(mode="after")
    def _some_year(self) -> Self:
        if self.lookback == 0 and not self.include_current:
            raise ValueError("lookback 0 needs include_current: true (no year would be read)")
        return self


def _both_kinds() -> list[Literal["cadre", "team"]]:
    return ["cadre", "team"]


class AccountabilityList(RuleBase):
    """谈心谈话 — units in ``unit_grades`` or vetoed, and people in ``person_grades``, listed for
    talks and follow-up with the reason."""

    type: Literal["accountability_list"]
    unit_grades: list[str] = Field(default_factory=list)
    vetoed: bool = True
    person_grades: list[str] = Field(default_factory=list)
    kinds: list[Literal["cadre", "team"]] = Field(default_factory=_both_kinds)
    action: str = "谈心谈话"


Rule = Annotated[
    ExcellentShareTilt
    | RankQuotaAllocation
    | MaterialReward
    | Commendation
    | ThirdClassMerit
    | PromotionPool
    | PromotionStatistics
    | AccountabilityList,
    Field(discriminator="type"),
]

RULE_CLASSES: dict[str, type[RuleBase]] = {
    "excellent_share_tilt": ExcellentShareTilt,
    "rank_quota_allocation": RankQuotaAllocation,
    "material_reward": MaterialReward,
    "commendation": Commendation,
    "third_class_merit": ThirdClassMerit,
    "promotion_pool": PromotionPool,
    "promotion_statistics": PromotionStatistics,
    "accountability_list": AccountabilityList,
}
RULE_TYPES = tuple(RULE_CLASSES)


class Rulebook(_Model):
    """A whole rulebook: its name and its rules, by id, in the order they are written."""

    name: str
    description: str = ""
    rules: dict[Id, Rule] = Field(min_length=1)

    _where: Any = PrivateAttr(default=None)

    def locate(self, issue: Issue) -> Issue:
        """The issue with the file and line of its path, when the rulebook came from a file."""
        where = self._where
        return where.locate(issue) if where is not None else issue

    def with_source(self, where: Any) -> Rulebook:
        """A copy that locates issues in its source file (an object with ``locate(issue)``)."""
        copy = self.model_copy()
        copy._where = where
        return copy


def build_rulebook(raw: Any) -> Rulebook:
    """Validate a rulebook given as plain data (e.g. parsed YAML).

    Raises :class:`RulebookError` listing every problem, each with its dotted field path.
    """
    from kaohe.messages import issues_from_pydantic

    if not isinstance(raw, dict):
        kind = type(raw).__name__
        raise RulebookError(Issue(f"a rulebook must be a mapping (name, rules), got {kind}"))
    try:
        book = Rulebook.model_validate(raw)
    except ValidationError as exc:
        raise RulebookError(
            [_with_allowed(i, raw) for i in issues_from_pydantic(exc, raw)]
        ) from None
    issues = check_rulebook(book)
    if issues:
        raise RulebookError(issues)
    return book


def check_rulebook(book: Rulebook) -> list[Issue]:
    """Checks of meaning: references between rules, bounds given per unit."""
    issues: list[Issue] = []
    for rid, rule in book.rules.items():
        if isinstance(rule, Commendation):
            for k, other in enumerate(rule.replaced_by):
                target = book.rules.get(other)
                if not isinstance(target, ThirdClassMerit):
                    what = "no rule" if target is None else f"a {target.type} rule"
                    issues.append(
                        Issue(
                            f"{other!r} is {what}; replaced_by names third_class_merit rules",
                            path=f"rules.{rid}.replaced_by.{k}",
                        )
                    )
        if isinstance(rule, RankQuotaAllocation) and rule.max is not None:
            issues += _check_bounds(rid, rule)
    return issues


def _check_bounds(rid: str, rule: RankQuotaAllocation) -> list[Issue]:
    lo, hi = rule.min, rule.max
    assert hi is not None
    keys = set(lo) if isinstance(lo, dict) else set()
    keys |= set(hi) if isinstance(hi, dict) else set()
    keys |= {"default"}
    out = []
    for key in sorted(keys):
        a = lo.get(key, lo.get("default", 0)) if isinstance(lo, dict) else lo
        b = hi.get(key, hi.get("default")) if isinstance(hi, dict) else hi
        if b is not None and a > b:
            path = f"rules.{rid}.min" + (f".{key}" if isinstance(lo, dict) and key in lo else "")
            out.append(Issue(f"min {a} is above max {b} for {key!r}", path=path))
    return out


def _with_allowed(issue: Issue, raw: Any) -> Issue:
    """Add the allowed keys to an 'unknown key' message (kaohe.messages knows only schemes)."""
    if not issue.message.startswith("unknown key") or "allowed:" in issue.message:
        return issue
    import difflib

    parts = issue.path.split(".")
    model = _model_at(parts[:-1], raw)
    if model is None:
        return issue
    allowed = sorted(f.alias or n for n, f in model.model_fields.items())
    close = difflib.get_close_matches(parts[-1], allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    msg = f"unknown key {parts[-1]!r}{hint}; allowed: {', '.join(allowed)}"
    return Issue(msg, path=issue.path)


def _model_at(parts: list[str], raw: Any) -> type[BaseModel] | None:
    if not parts or parts == [""]:
        return Rulebook
    if parts[0] != "rules" or len(parts) < 2:
        return None
    rule = raw.get("rules", {}).get(parts[1]) if isinstance(raw.get("rules"), dict) else None
    if not isinstance(rule, dict):
        return None
    cls = RULE_CLASSES.get(str(rule.get("type")))
    if cls is None or len(parts) == 2:
        return cls
    field = parts[2]
    if field == "rise" and len(parts) == 3:
        return RiseReward
    if field in ("raise", "weights") and len(parts) == 4:
        return ShareStep if field == "raise" else WeightStep
    if field in ("raise", "weights") and len(parts) == 5 and parts[4] == "when":
        return When
    return None
