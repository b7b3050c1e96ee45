"""The JSON API (``/api/v1``), documented by OpenAPI at ``/api/openapi.json``.

Machine clients send ``Authorization: Bearer <token>`` (``kaohe users token``); the same
permission table as the pages decides, and the same checks and records apply: a department
enters only its own columns, a batch of values is saved whole or not at all, and every write is
in the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.dataset import cell_problem, header_key
from kaohe.io.template import departments, template_columns
from kaohe.scheme import Scheme
from kaohe.web import policy
from kaohe.web.cycles import service as cycles
from kaohe.web.cycles.service import CycleError
from kaohe.web.deps import DB, Access, RowId, visible_cycle
from kaohe.web.policy import can_see_cycle, department_of
from kaohe.web.results import service as results_
from kaohe.web.reviews import service as reviews
from kaohe.web.store import writer
from kaohe.web.store.models import Cycle, User, Value
from kaohe.web.submissions import service as submissions


class Problem(BaseModel):
    """Why a request was refused: a sentence, or one located sentence per problem."""

    detail: str | list[str]


#: what any API route may answer besides its success (every one documented, with its body)
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": what}
    for code, what in (
        (400, "the request cannot be read"),
        (401, "no valid bearer token"),
        (403, "the token's account may not do this"),
        (404, "no such cycle (or not visible to the caller)"),
        (409, "the state does not allow it, or someone changed it meanwhile"),
        (413, "the body is larger than the limit"),
        (422, "a field is missing or invalid: one located sentence per problem"),
    )
}
router = APIRouter(prefix="/api/v1", tags=["api"], responses=ERRORS)
Anyone = Annotated[User | None, Depends(Access("board.view", api=True))]
Member = Annotated[User | None, Depends(Access("cycles.view", api=True))]
Reporter = Annotated[User | None, Depends(Access("values.enter", api=True))]
Reviewer = Annotated[User | None, Depends(Access("values.review", api=True))]


class CycleOut(BaseModel):
    id: int
    name: str
    state: str


class Cell(BaseModel):
    unit: str = Field(description="unit id")
    column: str = Field(description="indicator id, `id:item` or `id:note`, as in data files")
    value: str = Field(description="as entered: a number, N/A, 是/否, or a note's text")
    note: str = Field(
        default="", max_length=2000, description="the reporter's note on this value (说明)"
    )
    base_version: int | None = Field(
        default=None,
        ge=0,
        le=2_147_483_647,
        description="the cell's version the client last read (0: none); when given, the cell "
        "is refused with 409 if another version was saved since (optimistic concurrency)",
    )


class CellsIn(BaseModel):
    cells: list[Cell] = Field(min_length=1, max_length=10_000)


class ValueOut(BaseModel):
    id: int
    unit: str
    column: str
    version: int
    value: str
    state: str


class ReviewIn(BaseModel):
    values: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(
        min_length=1, max_length=10_000
    )
    approve: bool
    comment: str = ""


def _columns(scheme: Scheme, user: User | None) -> set[str]:
    dept = department_of(user) or ""
    return {
        header_key(h)
        for iid in departments(scheme).get(dept, [])
        for h, _ in template_columns(scheme, iid)
    }


def _out(v: Value) -> ValueOut:
    return ValueOut(
        id=v.id, unit=v.unit, column=v.column, version=v.version, value=v.raw, state=v.state
    )


@router.get("/cycles", response_model=list[CycleOut])
def list_cycles(user: Member, session: DB) -> list[CycleOut]:
    """The cycles the caller may see (the office: also drafts)."""
    found = session.execute(select(Cycle).order_by(Cycle.id)).scalars()
    return [
        CycleOut(id=c.id, name=c.name, state=c.state) for c in found if policy.sees_cycle(user, c)
    ]


@router.get("/cycles/{cycle_id}/results")
def results(cycle_id: RowId, user: Anyone, session: DB) -> list[dict[str, Any]]:
    """The latest computed results of a published cycle (the office: any cycle), one row per
    unit, as in results.csv."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not can_see_cycle(user, cycle):
        raise HTTPException(404, "no such published cycle")
    snap = results_.latest_results(session, cycle)
    if snap is None:
        raise HTTPException(404, "no results yet")
    rows: list[dict[str, Any]] = results_.snapshot_rows(snap)
    return rows


@router.post(
    "/cycles/{cycle_id}/values",
    response_model=list[ValueOut],
    status_code=201,
)
async def enter_values(
    request: Request, cycle_id: RowId, body: CellsIn, user: Reporter
) -> Response:
    """Enter values of the caller's department: every cell checked as in a data file; all are
    saved (each as a new version) or, with any problem, none. Saved in the writer's batch
    (:mod:`kaohe.web.store.writer`), as the entry form and the upload are: answered after the
    commit that holds them."""
    return await writer.run(
        request.app.state.sessions, lambda session: _save_values(session, cycle_id, body, user)
    )


def _save_values(session: Session, cycle_id: int, body: CellsIn, user: User | None) -> Response:
    """A save of the writer's batch: it raises to refuse (its savepoint is undone, the
    exception answers its request), never commits."""
    cycle = visible_cycle(session, cycle_id, user)
    scheme = cycles.scheme_of(cycle, session)
    mine = _columns(scheme, user)
    problems = []
    for k, cell in enumerate(body.cells):
        if cell.unit not in scheme.units:
            problems.append(f"cells[{k}].unit: unknown unit {cell.unit!r}")
        elif cell.column not in mine:
            problems.append(
                f"cells[{k}].column: {cell.column!r} is not a column of your department"
            )
        else:
            problem = cell_problem(scheme, cell.column, cell.value) if cell.value.strip() else None
            if problem:
                problems.append(f"cells[{k}].value: {problem}")
    if problems:
        raise HTTPException(422, problems)
    try:
        out = [
            submissions.submit(
                session,
                cycle,
                c.unit,
                c.column,
                c.value.strip(),
                note=c.note.strip(),
                user=user,
                base_version=c.base_version,
            )
            for c in body.cells
        ]
    except CycleError as exc:
        raise HTTPException(409, str(exc)) from None
    return JSONResponse([_out(v).model_dump() for v in out], status_code=201)


@router.post(
    "/cycles/{cycle_id}/reviews",
    response_model=list[ValueOut],
)
def review_values(cycle_id: RowId, body: ReviewIn, user: Reviewer, session: DB) -> list[ValueOut]:
    """Approve or return (with a comment) submitted values of the caller's department, all or
    none."""
    cycle = visible_cycle(session, cycle_id, user)
    mine = _columns(cycles.scheme_of(cycle, session), user)
    done = []
    try:
        for vid in body.values:
            value = session.get(Value, vid)
            if value is None or value.cycle_id != cycle.id or value.column not in mine:
                raise HTTPException(403, f"value {vid} is not your department's")
            done.append(reviews.review(session, value, body.approve, user, body.comment))
        session.commit()
    except CycleError as exc:
        session.rollback()
        raise HTTPException(409, str(exc)) from None
    except HTTPException:
        session.rollback()
        raise
    return [_out(v) for v in done]
