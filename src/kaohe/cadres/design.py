"""The designs of cadre assessment, validated once at the edge.

* :class:`AppraisalDesign` — a democratic appraisal (民主测评) ballot of one cycle: rater groups
  with weights and minimum samples, the items rated, the scale of choices.
* :class:`ChecksDesign` — quarterly regular checks (平时考核): the grades and the cap on the top.
* :class:`ArenaDesign` — an arena contest (擂台比武): criteria, judges' panels, ties.
* :class:`GradingDesign` — annual grades under quota for cadres and for leadership teams:
  components and weights, the quota of the top grade and its rounding, tie rules and gates.

Every key is described in ``docs/cadres.md``. :func:`build_design` turns a plain mapping (parsed
YAML) into one of these, raising :class:`~kaohe.errors.SchemeError` with every problem located by
its dotted path; :mod:`kaohe.io.cadre_files` adds the file and line.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import replace
from typing import Annotated, Any, Literal, Self, TypeVar, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from kaohe.errors import Issue, SchemeError

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$", max_length=64)]
NonNeg = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
Rounding = Literal["floor", "half_up", "ceil"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Model):
    """One choice of a scale (e.g. 好 = 100 points), best first in the list."""

    id: Id
    name: str
    points: float


def _unique_levels(levels: list[Level]) -> None:
    ids = [lv.id for lv in levels]
    names = [lv.name for lv in levels]
    if len(set(ids)) != len(ids) or len(set(names)) != len(names):
        raise ValueError("scale levels need distinct ids and names")
    clash = set(ids) & set(names) - {lv.id for lv in levels if lv.id == lv.name}
    if clash:
        raise ValueError(f"a level's name may not be another level's id: {sorted(clash)}")


# --------------------------------------------------------------------------- appraisal


class RaterGroup(_Model):
    """A group of raters (e.g. 领导, 同事, 下属, 服务对象) and the weight of its mean."""

    name: str
    weight: NonNeg
    min_sample: Annotated[int, Field(ge=1)] = 1
    headcount: Annotated[int, Field(ge=1)] | None = None


class Item(_Model):
    """One item rated on the ballot (e.g. 德, 能, 勤, 绩, 廉)."""

    name: str
    weight: Annotated[float, Field(gt=0)] = 1.0


DEFAULT_BALLOT_SCALE = [
    Level(id="good", name="好", points=100),
    Level(id="fairly_good", name="较好", points=80),
    Level(id="average", name="一般", points=60),
    Level(id="poor", name="差", points=0),
]


class AppraisalDesign(_Model):
    """The ballot of one appraisal cycle."""

    cycle: str
    scale: list[Level] = Field(default_factory=lambda: list(DEFAULT_BALLOT_SCALE), min_length=2)
    groups: dict[Id, RaterGroup] = Field(min_length=1)
    items: dict[Id, Item] = Field(min_length=1)
    anonymous: bool = True
    below_minimum: Literal["not_voted", "counted"] = "not_voted"
    blank: Literal["invalid", "abstain"] = "invalid"
    decimals: Annotated[int, Field(ge=0, le=9)] = 2

    @model_validator(mode="after")
    def _check(self) -> Self:
        _unique_levels(self.scale)
        if not any(g.weight > 0 for g in self.groups.values()):
            raise ValueError("at least one rater group needs a weight above 0")
        return self


# --------------------------------------------------------------------------- regular checks

DEFAULT_CHECK_GRADES = [
    Level(id="good", name="好", points=100),
    Level(id="fairly_good", name="较好", points=85),
    Level(id="average", name="一般", points=70),
    Level(id="poor", name="较差", points=50),
]


class ChecksDesign(_Model):
    """Quarterly regular checks: the grades (best first) and the cap on the top grade."""

    grades: list[Level] = Field(default_factory=lambda: list(DEFAULT_CHECK_GRADES), min_length=2)
    top_share: Share | None = 0.3
    rounding: Rounding = "floor"
    cap: Literal["report", "enforce"] = "report"

    @model_validator(mode="after")
    def _check(self) -> Self:
        _unique_levels(self.grades)
        return self


# --------------------------------------------------------------------------- arena contest


class Criterion(_Model):
    """A criterion judges mark, out of ``max``; its ``weight`` in the judge's total."""

    name: str
    weight: Annotated[float, Field(gt=0)] = 1.0
    max: Annotated[float, Field(gt=0)] = 100.0


class Panel(_Model):
    """A panel of judges (e.g. 现场评审, 实地察看) and its share of the total."""

    name: str
    share: Annotated[float, Field(gt=0)]
    drop_extremes: bool = False
    min_judges: Annotated[int, Field(ge=1)] = 1


class ArenaDesign(_Model):
    """An arena contest (擂台比武)."""

    name: str = ""
    criteria: dict[Id, Criterion] = Field(min_length=1)
    panels: dict[Id, Panel] = Field(min_length=1)
    scale: Annotated[float, Field(gt=0)] = 100.0
    missing_panel: Literal["error", "renormalise"] = "error"
    ties: Literal["shared", "break"] = "shared"
    decimals: Annotated[int, Field(ge=0, le=9)] = 2

    @model_validator(mode="after")
    def _check(self) -> Self:
        for pid, p in self.panels.items():
            if p.drop_extremes and p.min_judges < 3:
                raise ValueError(
                    f"panel {pid}: dropping the highest and lowest mark needs min_judges ≥ 3"
                )
        return self


# --------------------------------------------------------------------------- annual grades


class Grade(_Model):
    """One annual grade, best first; ``min_score`` is the least composite score it needs."""

    id: Id
    name: str
    min_score: float | None = None


class Component(_Model):
    """A part of the composite score (e.g. appraisal, regular checks, unit result, office)."""

    name: str
    weight: NonNeg


class QuotaPool(_Model):
    """A named pool of units whose top-grade quota is counted together (e.g. the county-level
    units' teams): ``name`` shown in the explanations, the ``units`` it holds."""

    name: Annotated[str, StringConstraints(min_length=1)]
    units: list[Annotated[str, StringConstraints(min_length=1)]] = Field(min_length=1)


class QuotaRule(_Model):
    """The top grade's quota per pool of units (per unit by default): ``share`` × participants,
    rounded; ties at the boundary."""

    share: Share = 0.2
    rounding: Rounding = "floor"
    participants: Literal["graded", "all"] = "graded"
    ties: Literal["break", "exclude"] = "break"
    tie_break: list[str] = Field(default_factory=lambda: ["id"])
    pool: Literal["unit", "all"] | dict[Id, QuotaPool] = "unit"

    @model_validator(mode="after")
    def _one_pool_each(self) -> Self:
        if isinstance(self.pool, dict):
            seen: dict[str, list[str]] = {}
            for pid, spec in self.pool.items():
                for unit in dict.fromkeys(spec.units):
                    seen.setdefault(unit, []).append(pid)
            for unit, pools in seen.items():
                if len(pools) > 1:
                    raise ValueError(f"unit {unit!r} is in two pools: {', '.join(pools)}")
        return self

    def pool_members(self, unit: str) -> list[str] | None:
        """The units graded together with ``unit`` (its pool's; None: every unit), e.g. to
        grade one person's pool again for their explanation."""
        if self.pool == "unit":
            return [unit]
        if self.pool == "all":
            return None
        for spec in self.pool.values():
            if unit in spec.units:
                return list(spec.units)
        return [unit]


class InvestigationGate(_Model):
    """Under investigation (立案审查) and not closed by the end of the year → grade pending."""

    enabled: bool = True


class DisciplineGate(_Model):
    """In a disciplinary influence period (处分影响期) → at most ``max_grade``."""

    max_grade: Id
    when: Literal["overlaps_year", "at_year_end"] = "overlaps_year"


class ChecksGate(_Model):
    """More than ``max_below_top`` regular checks below the top check grade → at most
    ``max_grade`` (e.g. no 优秀 with more than one quarter below 好)."""

    max_below_top: Annotated[int, Field(ge=0)]
    max_grade: Id


class Gates(_Model):
    investigation: InvestigationGate = Field(default_factory=InvestigationGate)
    discipline: DisciplineGate | None = None
    checks: ChecksGate | None = None
    status: dict[Literal["probation", "leave"], Id] = Field(default_factory=dict)


class GradeSet(_Model):
    """How one kind of subject (cadres, or leadership teams) is graded."""

    grades: list[Grade] = Field(min_length=2)
    pending: Grade = Field(default_factory=lambda: Grade(id="pending", name="待定"))
    components: dict[Id, Component] = Field(min_length=1)
    missing: Literal["renormalise", "zero", "pending"] = "renormalise"
    quota: QuotaRule = Field(default_factory=QuotaRule)
    gates: Gates = Field(default_factory=Gates)
    decimals: Annotated[int, Field(ge=0, le=9)] = 2

    @model_validator(mode="after")
    def _check(self) -> Self:
        ids = [g.id for g in self.grades]
        if len(set(ids)) != len(ids) or self.pending.id in ids:
            raise ValueError("grade ids must be distinct (and differ from the pending grade)")
        caps = list(self.gates.status.values())
        if self.gates.discipline is not None:
            caps.append(self.gates.discipline.max_grade)
        if self.gates.checks is not None:
            caps.append(self.gates.checks.max_grade)
        for cap in caps:
            if cap not in ids:
                raise ValueError(f"gate grade {cap!r} is not one of the grades {ids}")
        keys = set(self.components) | {"id", "score"}
        for key in self.quota.tie_break:
            if key.removeprefix("-") not in keys:
                raise ValueError(f"tie_break key {key!r}: use id, score or a component id")
        if not any(c.weight > 0 for c in self.components.values()):
            raise ValueError("at least one component needs a weight above 0")
        return self


DEFAULT_TEAM_GRADES = [
    Grade(id="good", name="好"),
    Grade(id="fairly_good", name="较好", min_score=70),
    Grade(id="average", name="一般", min_score=60),
    Grade(id="poor", name="较差"),
]


class GradingDesign(_Model):
    """Annual grades of one year for cadres (``cadre``) and leadership teams (``team``)."""

    year: int
    as_of: dt.date | None = None
    cadre: GradeSet | None = None
    team: GradeSet | None = None

    @model_validator(mode="after")
    def _some(self) -> Self:
        if self.cadre is None and self.team is None:
            raise ValueError("a grading design needs cadre, team or both")
        return self

    @property
    def as_of_date(self) -> dt.date:
        """The day statuses are read on: ``as_of``, else the last day of the year."""
        return self.as_of or dt.date(self.year, 12, 31)

    def grade_names(self) -> dict[str, dict[str, str]]:
        """Kind (``cadre``, ``team``) → grade id → name, the pending grade included: what a
        rulebook needs to name the grades of a history (``RulebookInputs.grade_names``)."""
        return {
            kind: {g.id: g.name for g in (*gs.grades, gs.pending)}
            for kind, gs in (("cadre", self.cadre), ("team", self.team))
            if gs is not None
        }


# --------------------------------------------------------------------------- building

D = TypeVar("D", bound=BaseModel)

DESIGNS: dict[str, type[BaseModel]] = {
    "appraisal": AppraisalDesign,
    "checks": ChecksDesign,
    "arena": ArenaDesign,
    "grading": GradingDesign,
}


def build_design(kind: type[D], raw: Any) -> D:
    """Validate a plain mapping into a design; :class:`SchemeError` lists every problem."""
    from kaohe.messages import issues_from_pydantic

    try:
        return kind.model_validate(raw)
    except ValidationError as exc:
        issues = issues_from_pydantic(exc, raw)
        raise SchemeError([_with_allowed_keys(kind, i) for i in issues]) from None


def _with_allowed_keys(kind: type[BaseModel], issue: Issue) -> Issue:
    """An unknown key names the keys of *this* design's record (not the scheme's)."""
    if not issue.message.startswith("unknown key"):
        return issue
    parts = issue.path.split(".")
    model = _model_at(kind, parts[:-1])
    if model is None:
        return issue
    allowed = sorted(model.model_fields)
    close = difflib.get_close_matches(parts[-1], allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return replace(issue, message=f"unknown key {parts[-1]!r}{hint}; allowed: {', '.join(allowed)}")


def _model_at(model: type[BaseModel], path: list[str]) -> type[BaseModel] | None:
    """The record at a dotted path of a design (through mappings, lists and optionals)."""
    current: Any = model
    pending: list[str] = list(path)
    while pending:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(pending.pop(0))
        if field is None:
            return None
        current = _inner(field.annotation, pending)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner(annotation: Any, pending: list[str]) -> Any:
    """The record type inside ``X | None``, ``list[X]`` or ``dict[K, X]`` (consuming the key)."""
    while True:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        origin, args = get_origin(annotation), get_args(annotation)
        if origin in (list, dict) and args:
            if pending:
                pending.pop(0)
            annotation = args[-1]
            continue
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if models:
            return models[0]
        return None
