"""The demo's monitoring (调度): the ILLUSTRATIVE Ulanqab dispatch data of 2022
(``examples/ulanqab/dispatch.csv``) entered month by month by each owner department's reporter
and approved by its reviewer, through the same functions as the pages; and last year's
(``dispatch_2021.csv``) in a cycle of its own, the 2021 year of the same scheme, from which
year-on-year growth and last year's monthly shape are read.

Made up here, and said so: each value's submission date (three days before its period's
deadline — the demo is loaded years later, and every value would otherwise be late)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from kaohe.dataset import NOT_APPLICABLE, PRESENT
from kaohe.io.series_files import load_series
from kaohe.monitoring.plan import MonitorPlan
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.monitoring import service as mon
from kaohe.web.reviews import service as reviews
from kaohe.web.store.models import Cycle, User
from kaohe.web.submissions import service as submissions

LAST_YEAR = "2021年度调度数据（上年同期，示例）"


def enter_dispatch(
    session: Session, cycle: Cycle, users: dict[str, User], data: Path, plan: MonitorPlan
) -> int:
    """Enter and approve every value of a dispatch file (the cycle is collecting)."""
    series, _ = load_series(plan, data)
    done = 0
    for s, sid in enumerate(plan.series):
        owner = mon.owner_of(plan, s) or next(iter(plan.scheme.departments))
        for u, uid in enumerate(plan.units):
            for p, pid in enumerate(plan.calendar.ids):
                status = int(series.status[s, u, p])
                if status == PRESENT:
                    raw = mon.number_text(float(series.values[s, u, p]))
                elif status == NOT_APPLICABLE:
                    raw = "N/A"
                else:
                    continue
                value = submissions.submit(
                    session, cycle, uid, sid, raw, user=users[f"rep-{owner}"], period=pid
                )
                reviews.review(session, value, True, users[f"rev-{owner}"])
                day = plan.calendar.deadlines[p] - dt.timedelta(days=3)  # after the review's
                value.submitted_at = dt.datetime.combine(day, dt.time(9, 30))  # fresh read
                done += 1
    return done


def load_monitoring(session: Session, cycle: Cycle, users: dict[str, User], example: Path) -> None:
    """This year's dispatch values into ``cycle`` (collecting)."""
    plan = mon.plan_of(session, cycle)
    if plan is None or not (example / "dispatch.csv").exists():
        return
    enter_dispatch(session, cycle, users, example / "dispatch.csv", plan)


def load_last_year(
    session: Session, text: str, users: dict[str, User], example: Path
) -> Cycle | None:
    """Last year's cycle of the same scheme (its period and monitoring moved a year back),
    holding last year's dispatch values; left in review (it has no annual values)."""
    data = example / "dispatch_2021.csv"
    if not data.exists():
        return None
    this_year = cycles.scheme_of_version(cycles.store_scheme(session, text, actor="demo"))
    start = this_year.period.start
    if start is None:
        return None
    y, last = str(start.year), str(start.year - 1)
    version = cycles.store_scheme(
        session, text.replace(f"{y}-", f"{last}-").replace(f"{y}年度", f"{last}年度"), "demo"
    )
    cycle = cycles.create_cycle(session, version, LAST_YEAR, "demo")
    moves.move(session, cycle, "collecting", "office")
    plan = mon.plan_of(session, cycle)
    if plan is None:
        return None
    enter_dispatch(session, cycle, users, data, plan)
    moves.move(session, cycle, "reviewing", "office")
    return cycle
