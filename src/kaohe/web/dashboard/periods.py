"""The dashboard's period values (调度数据): per department and per unit, how many monitoring
cells were due by today and how many were not reported by their deadline.

A cell is a (dispatched indicator, unit, period) the plan dispatches and the indicator applies
to; it is *due* once its period's deadline has passed. It was reported *on time* when a version
with a value (a number or N/A) was submitted on or before the deadline, *late* when the first
such version came after it, and is *missing* while none has been submitted. Late and missing
cells are the ones *not reported by the deadline*."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaohe.web import clock
from kaohe.web.monitoring import service as mon
from kaohe.web.store.models import Cycle, Value


@dataclass
class PeriodTally:
    """Counts of due period cells."""

    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0

    @property
    def not_by_deadline(self) -> int:
        """Late or still missing: not reported by the deadline."""
        return self.late + self.missing

    def add(self, state: str) -> None:
        self.due += 1
        setattr(self, state, getattr(self, state) + 1)


@dataclass
class PeriodBoard:
    """The period cells of a cycle due by ``today``: by department, by unit, by period (the
    periods due, latest first), and in all."""

    today: dt.date
    by_department: dict[str, PeriodTally] = field(default_factory=dict)
    by_unit: dict[str, PeriodTally] = field(default_factory=dict)
    by_period: dict[str, PeriodTally] = field(default_factory=dict)
    total: PeriodTally = field(default_factory=PeriodTally)
    labels: dict[str, str] = field(default_factory=dict)  # period id → its name
    deadlines: dict[str, dt.date] = field(default_factory=dict)


def first_reports(session: Session, cycle: Cycle) -> dict[tuple[str, str, str], dt.date]:
    """The day each period cell was first submitted with a value (local date), by (indicator,
    unit, period)."""
    rows = session.execute(
        select(Value.column, Value.unit, Value.period, func.min(Value.submitted_at))
        .where(Value.cycle_id == cycle.id, Value.period != "", Value.raw != "")
        .group_by(Value.column, Value.unit, Value.period)
    )
    return {(c, u, p): clock.local(at).date() for c, u, p, at in rows if at is not None}


def period_board(
    session: Session, cycle: Cycle, today: dt.date, department: str | None = None, lang: str = "zh"
) -> PeriodBoard | None:
    """The cycle's due period cells counted (of ``department``'s dispatched indicators when
    given); None when its scheme declares no monitoring."""
    plan = mon.plan_of(session, cycle)
    if plan is None:
        return None
    board = PeriodBoard(today)
    reported = first_reports(session, cycle)
    cal = plan.calendar
    due = [p for p in range(len(cal)) if cal.deadlines[p] < today]
    for p in reversed(due):
        board.by_period[cal.ids[p]] = PeriodTally()
        board.labels[cal.ids[p]] = cal.label(p, lang)
        board.deadlines[cal.ids[p]] = cal.deadlines[p]
    for s in mon.department_series(plan, department):
        dept = mon.owner_of(plan, s)
        sid = plan.series[s]
        for p in due:
            if not plan.dispatched[s, p]:
                continue
            pid, deadline = cal.ids[p], cal.deadlines[p]
            for u, uid in enumerate(plan.units):
                if not plan.applies[s, u]:
                    continue
                day = reported.get((sid, uid, pid))
                state = "missing" if day is None else "on_time" if day <= deadline else "late"
                for tally in (
                    board.by_department.setdefault(dept, PeriodTally()),
                    board.by_unit.setdefault(uid, PeriodTally()),
                    board.by_period[pid],
                    board.total,
                ):
                    tally.add(state)
    return board
