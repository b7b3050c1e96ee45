"""Period values (调度数据) in the JSON API (``/api/v1/cycles/{id}/periods/…``): a machine
client enters a monitoring period's values (unit, indicator, period, value: ``POST …/periods/
values``) and lists them (``GET …/periods/newest``), and a
reviewer approves or returns them — through the same writes as the pages' (the writer's group
commit, :func:`kaohe.web.monitoring.service.save_versions` and
:func:`~kaohe.web.monitoring.service.review_many`: a version per changed cell, review, the audit
log). Every cell is checked as the entry form checks it; a batch is saved whole or not at all."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.i18n import LANGUAGES, both, t
from kaohe.monitoring.plan import MonitorPlan
from kaohe.web.api.routes import ERRORS
from kaohe.web.cycles.service import CycleError
from kaohe.web.deps import DB, Access, RowId, visible_cycle
from kaohe.web.monitoring import service as mon
from kaohe.web.policy import department_of
from kaohe.web.store import writer
from kaohe.web.store.models import Cycle, User, Value
from kaohe.web.submissions import service as submissions

router = APIRouter(prefix="/api/v1", tags=["api"], responses=ERRORS)
Reader = Annotated[User | None, Depends(Access("monitoring.values", api=True))]
Reporter = Annotated[User | None, Depends(Access("monitoring.enter", api=True))]
Reviewer = Annotated[User | None, Depends(Access("monitoring.review", api=True))]

Text = Annotated[str, Field(max_length=200)]


class PeriodCell(BaseModel):
    unit: Text = Field(description="unit id")
    indicator: Text = Field(description="a dispatched indicator's id (monitoring.indicators)")
    period: Text = Field(description="a declared monitoring period's id, e.g. 2022-03")
    value: Annotated[str, Field(max_length=200)] = Field(
        description="a number, N/A for not applicable, or empty for no value"
    )


class PeriodCellsIn(BaseModel):
    values: list[PeriodCell] = Field(min_length=1, max_length=100_000)


class PeriodValueOut(BaseModel):
    id: int
    unit: str
    indicator: str
    period: str
    version: int
    value: str
    state: str


class PeriodReviewIn(BaseModel):
    values: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(
        min_length=1, max_length=100_000
    )
    approve: bool
    comment: str = Field(default="", max_length=2000)


def _plan(session: Session, cycle: Cycle) -> MonitorPlan:
    plan = mon.plan_of(session, cycle)
    if plan is None:
        raise HTTPException(404, both("monitoring.say.scheme_declares_none"))
    return plan


def _mine(plan: MonitorPlan, user: User | None) -> set[str]:
    """The dispatched indicators the caller's department reports (the office: every one)."""
    dept = None if user is None or user.role == "office" else department_of(user) or ""
    return {plan.series[s] for s in mon.department_series(plan, dept)}


# the list is not ``GET …/periods/values``: a path is one route here, and the 405 of a path
# whose methods are split over two routes names only the first route's
@router.get("/cycles/{cycle_id}/periods/newest", response_model=list[PeriodValueOut])
def list_period_values(
    cycle_id: RowId,
    user: Reader,
    session: DB,
    period: Annotated[str, Query(max_length=64, description="one period's id")] = "",
    unit: Annotated[str, Query(max_length=200, description="one unit's id")] = "",
    indicator: Annotated[str, Query(max_length=200, description="one indicator's id")] = "",
    state: Annotated[str, Query(max_length=16, description="submitted, approved or returned")] = "",
) -> list[PeriodValueOut]:
    """The newest version of every period value of the cycle (of the caller's department's
    indicators; the office: all), by period, unit and indicator; filtered when asked."""
    cycle = visible_cycle(session, cycle_id, user)
    plan = _plan(session, cycle)
    mine = _mine(plan, user)
    if indicator:
        mine &= {indicator}
    if period:
        try:
            mon.period_index(plan, period)
        except mon.MonitoringError as exc:
            raise HTTPException(422, [f"period: {exc}"]) from None
    query = select(Value).where(submissions.newest(cycle.id, None), Value.column.in_(sorted(mine)))
    if period:
        query = query.where(Value.period == period)
    if unit:
        query = query.where(Value.unit == unit)
    if state:
        query = query.where(Value.state == state)
    rows = session.execute(query.order_by(Value.period, Value.unit, Value.column)).scalars()
    return [
        PeriodValueOut(
            id=v.id,
            unit=v.unit,
            indicator=v.column,
            period=v.period,
            version=v.version,
            value=v.raw,
            state=v.state,
        )
        for v in rows
    ]


@router.post(
    "/cycles/{cycle_id}/periods/values", response_model=list[PeriodValueOut], status_code=201
)
async def enter_period_values(
    request: Request, cycle_id: RowId, body: PeriodCellsIn, user: Reporter
) -> Response:
    """Enter period values of the caller's department: each cell checked as the entry form
    checks it (the period declared, the indicator the department's and dispatched in it, the
    unit assessed, a number or N/A within the indicator's range, each cell once); all are saved
    (a new version of each changed cell, unchanged ones left) or, with any problem, none —
    every problem located (``values[3].period: …``). In the writer's batch, as the form."""
    return await writer.run(
        request.app.state.sessions, lambda session: _save(session, cycle_id, body, user)
    )


def cell_problems(
    plan: MonitorPlan, mine: set[str], cells: list[PeriodCell]
) -> tuple[dict[tuple[str, str, str], str], list[str]]:
    """The cells checked: ``{(unit, indicator, period): raw}`` and the problems, each named by
    its place in the body (``values[k].field``)."""
    out: dict[tuple[str, str, str], str] = {}
    first: dict[tuple[str, str, str], int] = {}
    problems: list[str] = []
    units = plan.scheme.units
    for k, cell in enumerate(cells):
        where = f"values[{k}]"
        try:
            p = mon.period_index(plan, cell.period)
        except mon.MonitoringError as exc:
            problems.append(f"{where}.period: {exc}")
            continue
        if cell.unit not in units:
            problems.append(f"{where}.unit: {both('monitoring.say.unknown_unit', unit=cell.unit)}")
            continue
        if cell.indicator not in mine:
            said = both("monitoring.say.not_your_series", indicator=cell.indicator)
            problems.append(f"{where}.indicator: {said}")
            continue
        s = plan.series_index(cell.indicator)
        if not plan.dispatched[s, p]:
            said = " / ".join(
                t("monitoring.say.not_dispatched", code, indicator=plan.name(s), period=label)
                for code, label in ((c, plan.calendar.label(p, c)) for c in LANGUAGES)
            )
            problems.append(f"{where}.period: {said}")
            continue
        text = cell.value.strip()
        problem = mon.value_problem(plan, s, text)
        if problem:
            problems.append(f"{where}.value: {problem}")
            continue
        key = (cell.unit, cell.indicator, cell.period)
        if key in first:
            said = both("monitoring.say.entered_twice", first=f"values[{first[key]}]")
            problems.append(f"{where}: {said}")
            continue
        first[key] = k
        out[key] = "N/A" if text.lower() in mon.NOT_APPLICABLE_TEXT else text
    return out, problems


def _save(session: Session, cycle_id: int, body: PeriodCellsIn, user: User | None) -> Response:
    cycle = visible_cycle(session, cycle_id, user)
    plan = _plan(session, cycle)
    cells, problems = cell_problems(plan, _mine(plan, user), body.values)
    if problems:
        raise HTTPException(422, problems)
    try:
        saved = mon.save_versions(session, cycle, cells, user)
    except CycleError as exc:
        raise HTTPException(409, str(exc)) from None
    return JSONResponse(
        [
            PeriodValueOut(
                id=v.id,
                unit=v.unit,
                indicator=v.column,
                period=v.period,
                version=v.version,
                value=v.raw,
                state=v.state,
            ).model_dump()
            for v in saved
        ],
        status_code=201,
    )


@router.post("/cycles/{cycle_id}/periods/reviews", response_model=list[PeriodValueOut])
async def review_period_values(
    request: Request, cycle_id: RowId, body: PeriodReviewIn, user: Reviewer
) -> Response:
    """Approve or return (with a comment) waiting period values of the caller's department, all
    at once or none (the set-based review of the period review page)."""
    return await writer.run(
        request.app.state.sessions, lambda session: _review(session, cycle_id, body, user)
    )


def _review(session: Session, cycle_id: int, body: PeriodReviewIn, user: User | None) -> Response:
    cycle = visible_cycle(session, cycle_id, user)
    plan = _plan(session, cycle)
    comments = dict.fromkeys(body.values, body.comment)
    try:
        done = mon.review_many(
            session, cycle, body.values, body.approve, user, _mine(plan, user), comments
        )
    except CycleError as exc:
        raise HTTPException(409, str(exc)) from None
    return JSONResponse(
        [
            PeriodValueOut(
                id=v.id,
                unit=v.unit,
                indicator=v.column,
                period=v.period,
                version=v.version,
                value=v.raw,
                state=v.state,
            ).model_dump()
            for v in done
        ]
    )
