"""How an indicator is derived from a ledger: the ``derive:`` key of an indicator in the scheme.

An indicator with ``derive`` is not typed into a data file: Kaohe counts it from the project
register or the follow-up matters at the scheme's date (``period.as_of``, else ``period.end``),
over the window from ``period.start``, and the explanation of its points lists the records::

    project_start_rate:
      rule: {type: bands, ...}
      derive:
        ledger: projects
        measure: share            # share of the base (of) that also meets where
        where: {reached: started} # started (or further) by the date
        of: {planned: started}    # of the projects planned to start in the window
        scale: 100                # as a percentage

Every key is documented in docs/ledgers.md (a test checks it).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kaohe.errors import Issue
from kaohe.ledgers.matters import Kind, Role, State
from kaohe.ledgers.stages import PipelineStage, PlannedStage, Stage

if TYPE_CHECKING:
    from kaohe.scheme import Scheme

ProjectAmount = Literal["total_investment", "planned_investment", "completed_investment"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProjectSelection(_Model):
    """Which projects: every condition given must hold (on the date, or within the window)."""

    stage: list[Stage] | None = None
    reached: PipelineStage | None = None
    entered: PipelineStage | None = None
    planned: PlannedStage | None = None
    task_forces: list[str] | None = None
    sectors: list[str] | None = None
    levels: list[str] | None = None
    min_investment: Annotated[float, Field(ge=0)] | None = None


class MatterSelection(_Model):
    """Which matters, counted once for each unit taking part in the ``roles`` asked."""

    kinds: list[Kind] | None = None
    state: list[State] | None = None
    done: bool | None = None
    overdue: bool | None = None
    due_within: Annotated[int, Field(ge=0)] | None = None
    roles: list[Role] = Field(default_factory=lambda: list[Role](["responsible"]))
    levels: list[str] | None = None
    opened: Literal["any", "window"] = "any"


class _Derivation(_Model):
    scale: float = 1.0
    empty: float | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self


class ProjectDerivation(_Derivation):
    """A count, sum, share or ratio over the project register."""

    ledger: Literal["projects"]
    measure: Literal["count", "sum", "share", "ratio"] = "count"
    field: ProjectAmount | None = None
    per: ProjectAmount | None = None
    where: ProjectSelection = Field(default_factory=ProjectSelection)
    of: ProjectSelection | None = None
    item: Literal["stage", "level", "sector", "task_force"] | None = None

    @model_validator(mode="after")
    def _measure(self) -> Self:
        need_field = self.measure in ("sum", "ratio")
        if need_field and self.field is None:
            raise ValueError(f"measure {self.measure} needs field (an amount of the register)")
        if self.measure == "count" and self.field is not None:
            raise ValueError("measure count counts projects: field is for sum, share or ratio")
        if (self.measure == "ratio") != (self.per is not None):
            raise ValueError("measure ratio needs per (the amount divided by), and per needs it")
        _check_common(self.measure, self.of is not None, self.item)
        return self


class MatterDerivation(_Derivation):
    """A count or share over the follow-up matters."""

    ledger: Literal["matters"]
    measure: Literal["count", "share"] = "count"
    where: MatterSelection = Field(default_factory=MatterSelection)
    of: MatterSelection | None = None
    item: Literal["kind", "level", "state"] | None = None

    @model_validator(mode="after")
    def _measure(self) -> Self:
        _check_common(self.measure, self.of is not None, self.item)
        return self


def _check_common(measure: str, has_of: bool, item: str | None) -> None:
    if (measure == "share") != has_of:
        raise ValueError("measure share needs of (the base it is a share of), and of needs it")
    if item is not None and measure != "count":
        raise ValueError("item counts records by item: it needs measure count")


Derivation = Annotated[ProjectDerivation | MatterDerivation, Field(discriminator="ledger")]

#: The records of the scheme format that live here (each documented in docs/ledgers.md).
MODELS: tuple[type[BaseModel], ...] = (
    ProjectDerivation,
    MatterDerivation,
    ProjectSelection,
    MatterSelection,
)


def derivation_issues(scheme: Scheme) -> list[Issue]:
    """What a scheme's ``derive:`` declarations mean together with their rules: a rule counted
    by item (``bonus_items``, ``count_deduction`` with levels) is derived with ``item``, and
    only such a rule."""
    from kaohe.ledgers.words import word

    issues = []
    for iid, ind in scheme.indicators.items():
        if ind.derive is None:
            continue
        rules = (ind.rule, *ind.category_rules.values())
        by_item = [r.item_points() is not None for r in rules]
        if any(by_item) and ind.derive.item is None:
            issues.append(Issue(word("err.spec.needs_item"), path=f"indicators.{iid}.derive"))
        elif not all(by_item) and ind.derive.item is not None:
            issues.append(Issue(word("err.spec.no_item"), path=f"indicators.{iid}.derive.item"))
    return issues
