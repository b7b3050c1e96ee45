"""The project register (重点项目台账): one record per project, with its stage history.

A :class:`Project` is a frozen record: its unit, investment task force (招商专班), sector and
level, total and annual investment (monthly where it is monitored by month), the planned date of
each stage and its history of :class:`StageChange` records — the stage it was registered in,
then every change, each with its date (and, for 终止 dropped, the reason). Its stage at any date
is read from the history. :func:`advance` is the only way to change a stage; it refuses what
:mod:`kaohe.ledgers.stages` does not allow. :func:`check_project` lists everything wrong with a
record, for a file import or a form alike.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from kaohe.ledgers.problems import Problem, TransitionError
from kaohe.ledgers.stages import (
    ORDER,
    STAGES,
    PlannedStage,
    Stage,
    stage_word,
    transition_problem,
)

AMOUNTS = ("total_investment", "planned_investment", "completed_investment")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True)
class StageChange:
    """A project entering ``stage`` on ``on``. Only the first entry of a history (the stage it
    was registered in) may be undated: it was in the register before the period began."""

    stage: Stage
    on: dt.date | None
    reason: str = ""
    evidence: tuple[str, ...] = ()
    by: str = ""  # who recorded it (an account on the platform)


@dataclass(frozen=True, slots=True)
class Project:
    """One project of the register (amounts in the register's unit of money, e.g. 亿元)."""

    id: str
    name: str
    unit: str
    history: tuple[StageChange, ...]
    task_force: str = ""
    sector: str = ""
    level: str = ""
    total_investment: float | None = None
    planned_investment: float | None = None  # planned for the year
    completed_investment: float | None = None  # completed in the year (to the register's date)
    monthly: tuple[tuple[str, float], ...] = ()  # ("2022-03", completed in March), by month
    planned: tuple[tuple[PlannedStage, dt.date], ...] = ()
    evidence: tuple[str, ...] = ()

    @property
    def stage(self) -> Stage:
        return self.history[-1].stage

    def entered(self, stage: Stage) -> dt.date | None:
        """The date the project entered ``stage`` (None: never, or undated)."""
        return next((c.on for c in self.history if c.stage == stage), None)

    def planned_on(self, stage: str) -> dt.date | None:
        return next((d for s, d in self.planned if s == stage), None)

    def stage_at(self, on: dt.date) -> Stage | None:
        """The stage on ``on`` (None: not yet in the register)."""
        current: Stage | None = None
        for c in self.history:
            if c.on is not None and c.on > on:
                break
            current = c.stage
        return current

    def invested(self) -> float | None:
        """Investment completed in the year: the sum of the months where monitored by month."""
        if self.monthly:
            return math.fsum(v for _, v in self.monthly)
        return self.completed_investment


def advance(project: Project, change: StageChange) -> Project:
    """The project after ``change``; raises :class:`TransitionError` if it is not allowed."""
    last = project.history[-1]
    why = transition_problem(last.stage, change.stage, last.on, change.on, change.reason)
    if why is not None:
        key, values = why
        raise TransitionError(Problem(project.id, "stage", key, values))
    return replace(project, history=(*project.history, change))


def check_project(p: Project, units: Mapping[str, object] | None = None) -> list[Problem]:
    """Everything wrong with one record (``units``: the unit ids allowed, if known)."""
    out: list[Problem] = []
    for name in ("id", "name", "unit"):
        if not str(getattr(p, name)).strip():
            out.append(Problem(p.id, name, "err.required"))
    if units is not None and p.unit and p.unit not in units:
        out.append(Problem(p.id, "unit", "err.unknown_unit", {"value": p.unit}))
    out += _history_problems(p)
    for name in AMOUNTS:
        v = getattr(p, name)
        if v is not None and not (math.isfinite(v) and v >= 0):
            out.append(Problem(p.id, name, "err.amount", {"value": v}))
    out += _monthly_problems(p)
    seen: set[str] = set()
    for s, _ in p.planned:
        if s in seen:
            out.append(Problem(p.id, f"planned_{s}", "err.twice"))
        seen.add(s)
    return out


def _history_problems(p: Project) -> list[Problem]:
    if not p.history:
        return [Problem(p.id, "stage", "err.no_history")]
    out = []
    first = p.history[0]
    if first.stage == "dropped":
        out.append(Problem(p.id, "stage", "err.stage.dropped_first", part="history", index=0))
    for k in range(1, len(p.history)):
        old, new = p.history[k - 1], p.history[k]
        why = transition_problem(old.stage, new.stage, old.on, new.on, new.reason)
        if why is not None:
            field = "reason" if why[0] == "err.stage.drop_reason" else "on"
            out.append(Problem(p.id, field, why[0], why[1], part="history", index=k))
    return out


def _monthly_problems(p: Project) -> list[Problem]:
    out = []
    seen: set[str] = set()
    for m, v in p.monthly:
        if not _MONTH.match(m):
            out.append(Problem(p.id, f"completed:{m}", "err.month", {"value": m}))
        elif m in seen:
            out.append(Problem(p.id, f"completed:{m}", "err.twice"))
        seen.add(m)
        if not (math.isfinite(v) and v >= 0):
            out.append(Problem(p.id, f"completed:{m}", "err.amount", {"value": v}))
    if p.monthly and p.completed_investment is not None:
        total = math.fsum(v for _, v in p.monthly)
        if not math.isclose(total, p.completed_investment, rel_tol=1e-9, abs_tol=1e-9):
            out.append(
                Problem(
                    p.id,
                    "completed_investment",
                    "err.monthly_sum",
                    {"value": p.completed_investment, "sum": total},
                )
            )
    return out


def history_from_dates(
    pid: str,
    dates: Mapping[Stage, dt.date | None],
    stage: Stage | None = None,
    reason: str = "",
    evidence: tuple[str, ...] = (),
    undated: Collection[Stage] = (),
) -> tuple[tuple[StageChange, ...], list[Problem]]:
    """A history from the date of each stage reached (a register kept as one row per project,
    with a date column per stage) and, if given, the current stage it must end in.

    Stages are taken in pipeline order, then 终止 dropped (with ``reason``); the ``undated``
    stages were reached before the period, without a date (only the first may be: the stage the
    project was registered in). A current stage with no date at all is such a stage too."""
    out: list[Problem] = []
    entries = [StageChange(s, d) for s in STAGES if (d := dates.get(s)) is not None or s in undated]
    if entries and entries[-1].stage == "dropped":
        entries[-1] = replace(entries[-1], reason=reason, evidence=evidence)
        if len(entries) == 1:  # dropped from the stage it was registered in, undated
            entries.insert(0, StageChange("reserve", None))
    elif reason.strip():
        out.append(Problem(pid, "drop_reason", "err.reason_not_dropped"))
    if stage is None:
        return (tuple(entries) or (StageChange("reserve", None),)), out
    if not entries:
        return (StageChange(stage, None, reason if stage == "dropped" else ""),), out
    last = entries[-1].stage
    if stage == last:
        return tuple(entries), out
    if stage == "dropped" or (last != "dropped" and ORDER[stage] > ORDER[last]):
        what = {"stage": stage_word(stage)}
        out.append(Problem(pid, f"{stage}_on", "err.stage.needs_date", what))
    elif stage != last:
        what = {"stage": stage_word(stage), "later": stage_word(last)}
        out.append(Problem(pid, "stage", "err.stage.ahead", what))
    return tuple(entries), out
