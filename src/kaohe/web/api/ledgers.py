"""The ledgers' JSON API (``/api/v1/cycles/{id}/ledgers/…``): the project register and the
follow-up matters of a cycle, read and changed by machine clients.

The same bearer tokens, permission table (:mod:`kaohe.web.policy`) and service functions as
the pages (:mod:`kaohe.web.ledgers.service`): a unit's account sees its own projects and the
matters it takes part in; a stage change is proposed by the owner department and reviewed by
its reviewer or the office, checked by the core each time; an event goes through the matter's
state machine; every write is in the audit log. A refusal says why, in the language the client
asks for (``Accept-Language: en``; Chinese otherwise), one sentence per problem."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaohe import i18n
from kaohe.ledgers.matters import Matter
from kaohe.web.api.routes import ERRORS
from kaohe.web.cycles.service import scheme_of
from kaohe.web.deps import DB, MAX_OFFSET, Access, RowId, visible_cycle
from kaohe.web.ledgers import service as ledgers
from kaohe.web.ledgers.service import LedgerWebError
from kaohe.web.store.models import (
    Cycle,
    LedgerEvent,
    LedgerMatter,
    LedgerProject,
    LedgerStageChange,
    User,
)

router = APIRouter(prefix="/api/v1", tags=["ledgers"], responses=ERRORS)
Viewer = Annotated[User | None, Depends(Access("ledgers.view", api=True))]
Editor = Annotated[User | None, Depends(Access("ledgers.edit", api=True))]
Reviewer = Annotated[User | None, Depends(Access("ledgers.review", api=True))]
MatterViewer = Annotated[User | None, Depends(Access("ledgers.matters", api=True))]
Actor = Annotated[User | None, Depends(Access("ledgers.act", api=True))]
Creator = Annotated[User | None, Depends(Access("ledgers.create", api=True))]

StageName = Literal["reserve", "signed", "started", "under_construction", "completed", "dropped"]
KindName = Literal["supervision", "challenge", "talk", "case"]
ActionName = Literal[
    "progress",
    "delay",
    "close",
    "reopen",
    "claim",
    "submit",
    "accept",
    "return",
    "withdraw",
    "record",
    "follow_up",
    "resolve",
]
Short = Annotated[str, Field(max_length=128)]
Amount = Annotated[float, Field(ge=0, lt=1e15, allow_inf_nan=False, strict=True)]
Reference = Annotated[str, Field(max_length=256)]


# --------------------------------------------------------------------------- the models


class StageChangeOut(BaseModel):
    id: int
    position: int = Field(description="0: the stage the project was registered in")
    stage: StageName
    on: dt.date | None = Field(description="None: reached before the period")
    reason: str
    evidence: list[str]
    state: Literal["proposed", "approved", "refused"]
    proposed_by: str
    reviewed_by: str
    review_note: str


class ProjectOut(BaseModel):
    id: int = Field(description="the row id, as in the project page's address")
    code: str = Field(description="the project's id in the register")
    name: str
    unit: str
    task_force: str
    sector: str
    level: str
    stage: StageName = Field(description="the current stage (approved changes only)")
    total_investment: float | None
    planned_investment: float | None
    completed_investment: float | None
    department: str = Field(description="the owner department (empty: the office's import)")


class ProjectDetail(ProjectOut):
    monthly: dict[str, float] = Field(description="investment completed per month (YYYY-MM)")
    planned: dict[str, dt.date] = Field(description="the planned date of each stage")
    evidence: list[str]
    history: list[StageChangeOut] = Field(
        description="every stage change, approved, proposed or refused, in order"
    )


class ProjectsOut(BaseModel):
    total: int = Field(description="projects matching the filters")
    offset: int
    limit: int
    projects: list[ProjectOut]


class ProjectEdit(BaseModel):
    """The fields to change (those left out are kept); an amount may be null (none)."""

    name: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    task_force: Short | None = None
    sector: Short | None = None
    level: Annotated[str, Field(max_length=64)] | None = None
    total_investment: Amount | None = None
    planned_investment: Amount | None = None
    completed_investment: Amount | None = None


class StageIn(BaseModel):
    stage: StageName
    on: dt.date
    reason: str = Field(default="", max_length=2000, description="required for dropped")
    evidence: list[Reference] = Field(default=[], max_length=50)


class ReviewIn(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=2000)


class EventOut(BaseModel):
    id: int
    position: int
    action: ActionName
    on: dt.date
    unit: str
    by: str
    text: str
    deadline: dt.date | None
    evidence: list[str]
    recorded_by: str


class MatterOut(BaseModel):
    id: int = Field(description="the row id, as in the matter page's address")
    code: str
    kind: KindName
    title: str
    opened: dt.date
    deadline: dt.date | None = Field(description="the deadline in force on `on`")
    units: list[str]
    assisting: list[str]
    leader: str
    subject: str
    level: str
    batch: str
    public: bool
    state: str = Field(description="the state on `on` (empty: not opened yet)")
    overdue: bool
    due_soon: bool = Field(description="due within 14 days of `on`")
    on: dt.date = Field(description="the date the flags are counted on")


class MatterDetail(MatterOut):
    source: str
    evidence: list[str]
    events: list[EventOut]


class MattersOut(BaseModel):
    on: dt.date
    matters: list[MatterOut]


class MatterIn(BaseModel):
    code: Annotated[str, Field(min_length=1, max_length=64)]
    kind: KindName
    title: Annotated[str, Field(min_length=1, max_length=512)]
    opened: dt.date
    deadline: dt.date | None = None
    units: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=100)
    assisting: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=100)
    leader: Short = ""
    subject: Annotated[str, Field(max_length=256)] = ""
    level: Annotated[str, Field(max_length=64)] = ""
    batch: Short = ""
    public: bool = True
    source: Annotated[str, Field(max_length=2000)] = ""
    evidence: list[Reference] = Field(default=[], max_length=50)


class EventIn(BaseModel):
    action: ActionName
    on: dt.date
    unit: Annotated[str, Field(max_length=64)] = Field(
        default="", description="the unit acting or concerned; a unit's account: its own"
    )
    by: Short = ""
    text: Annotated[str, Field(max_length=4000)] = ""
    deadline: dt.date | None = None
    evidence: list[Reference] = Field(default=[], max_length=50)


# --------------------------------------------------------------------------- helpers

T = TypeVar("T")


def _lang(request: Request) -> str:
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "zh"


@contextmanager
def _refusals(request: Request, session: Session, status: int = 422) -> Iterator[None]:
    """The service's refusals as ``status`` with every problem, the transaction undone."""
    with i18n.language(_lang(request)):
        try:
            yield
        except LedgerWebError as exc:
            session.rollback()
            raise HTTPException(status, exc.problems) from None


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _change(c: LedgerStageChange) -> StageChangeOut:
    return StageChangeOut(
        id=c.id,
        position=c.position,
        stage=c.stage,
        on=c.on,
        reason=c.reason or "",
        evidence=ledgers.references(c.evidence),
        state=c.state,
        proposed_by=c.proposed_by or "",
        reviewed_by=c.reviewed_by or "",
        review_note=c.review_note or "",
    )


def _project_fields(p: LedgerProject) -> dict[str, object]:
    return {
        "id": p.id,
        "code": p.code,
        "name": p.name,
        "unit": p.unit,
        "task_force": p.task_force or "",
        "sector": p.sector or "",
        "level": p.level or "",
        "stage": p.stage,
        "total_investment": p.total_investment,
        "planned_investment": p.planned_investment,
        "completed_investment": p.completed_investment,
        "department": p.department or "",
    }


def _detail(session: Session, p: LedgerProject) -> ProjectDetail:
    record = ledgers.project_of(p, [])
    return ProjectDetail.model_validate(
        {
            **_project_fields(p),
            "monthly": dict(record.monthly),
            "planned": dict(record.planned),
            "evidence": list(record.evidence),
            "history": [_change(c) for c in ledgers.history(session, p, state="")],
        }
    )


def _project(session: Session, cycle: Cycle, project_id: int, user: User | None) -> LedgerProject:
    p = session.get(LedgerProject, project_id)
    if (
        p is None
        or p.cycle_id != cycle.id
        or (user is not None and user.role == "unit" and p.unit != user.unit)
    ):
        raise HTTPException(404, i18n.both("ledgers.say.no_such_project"))
    return p


def _event(e: LedgerEvent) -> EventOut:
    return EventOut(
        id=e.id,
        position=e.position,
        action=e.action,
        on=e.on,
        unit=e.unit or "",
        by=e.by or "",
        text=e.text or "",
        deadline=e.deadline,
        evidence=ledgers.references(e.evidence),
        recorded_by=e.recorded_by or "",
    )


def _matter_fields(row: LedgerMatter, m: Matter, on: dt.date) -> dict[str, object]:
    flags = ledgers.flags(m, on)
    return {
        "id": row.id,
        "code": row.code,
        "kind": row.kind,
        "title": row.title,
        "opened": row.opened,
        "deadline": flags["deadline"],
        "units": list(m.units),
        "assisting": list(m.assisting),
        "leader": m.leader,
        "subject": m.subject,
        "level": m.level,
        "batch": m.batch,
        "public": m.public,
        "state": flags["state"],
        "overdue": flags["overdue"],
        "due_soon": flags["soon"],
        "on": on,
    }


def _matter(
    session: Session, cycle: Cycle, matter_id: int, user: User | None
) -> tuple[LedgerMatter, list[LedgerEvent], Matter]:
    row = session.get(LedgerMatter, matter_id)
    if row is None or row.cycle_id != cycle.id:
        raise HTTPException(404, i18n.both("ledgers.say.no_such_matter"))
    events = ledgers.events_of(session, row)
    m = ledgers.matter_of(row, events)
    if not ledgers.may_see_matter(user, m):
        raise HTTPException(404, i18n.both("ledgers.say.no_such_matter"))
    return row, events, m


def _matter_detail(
    session: Session, cycle: Cycle, row: LedgerMatter, user: User | None
) -> MatterDetail:
    _, events, m = _matter(session, cycle, row.id, user)
    on = ledgers.matters_date(session, cycle, scheme_of(cycle, session))
    return MatterDetail.model_validate(
        {
            **_matter_fields(row, m, on),
            "source": m.source,
            "evidence": list(m.evidence),
            "events": [_event(e) for e in events],
        }
    )


def _refs(evidence: list[str]) -> tuple[str, ...]:
    """Evidence references as given (each one whole), refused if one holds a NUL character."""
    ledgers.refuse_nul({"evidence": "".join(evidence)})
    return tuple(x.strip() for x in evidence if x.strip())


def _commit(session: Session, make: Callable[[], T]) -> T:
    out = make()
    session.commit()
    return out


# --------------------------------------------------------------------------- the register


@router.get("/cycles/{cycle_id}/ledgers/projects", response_model=ProjectsOut)
def list_projects(
    cycle_id: RowId,
    user: Viewer,
    session: DB,
    unit: Annotated[str, Query(max_length=64, description="a unit's id")] = "",
    task_force: Annotated[str, Query(max_length=128)] = "",
    stage: StageName | None = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ProjectsOut:
    """The cycle's project register, in unit and id order, filtered by unit, task force and
    current stage; a unit's account: its own projects only."""
    cycle = visible_cycle(session, cycle_id, user)
    if user is not None and user.role == "unit":
        unit = user.unit or ""
    query = select(LedgerProject).where(LedgerProject.cycle_id == cycle.id)
    if unit:
        query = query.where(LedgerProject.unit == unit)
    if task_force:
        query = query.where(LedgerProject.task_force == task_force)
    if stage:
        query = query.where(LedgerProject.stage == stage)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar() or 0
    rows = session.execute(
        query.order_by(LedgerProject.unit, LedgerProject.code).limit(limit).offset(offset)
    ).scalars()
    return ProjectsOut(
        total=total,
        offset=offset,
        limit=limit,
        projects=[ProjectOut.model_validate(_project_fields(p)) for p in rows],
    )


@router.get("/cycles/{cycle_id}/ledgers/projects/{project_id}", response_model=ProjectDetail)
def get_project(cycle_id: RowId, project_id: RowId, user: Viewer, session: DB) -> ProjectDetail:
    """A project with its planned dates, monthly investment and every stage change."""
    cycle = visible_cycle(session, cycle_id, user)
    return _detail(session, _project(session, cycle, project_id, user))


@router.post("/cycles/{cycle_id}/ledgers/projects/{project_id}/edit", response_model=ProjectDetail)
def edit_project(
    request: Request,
    cycle_id: RowId,
    project_id: RowId,
    body: ProjectEdit,
    user: Editor,
    session: DB,
) -> ProjectDetail:
    """The owner department (or the office) changes a project's name, task force, sector,
    level or amounts; audited (``ledgers.project.edit``). Its stage changes only by a
    reviewed stage change."""
    cycle = visible_cycle(session, cycle_id, user)
    p = _project(session, cycle, project_id, user)
    assert user is not None
    if not ledgers.may_propose(user, p):
        raise HTTPException(403, i18n.both("web.say.not_allowed"))
    given = body.model_dump(exclude_unset=True)
    fields = {k: "" if v is None else str(v) for k, v in given.items()}
    with _refusals(request, session):
        _commit(
            session,
            lambda: ledgers.edit_project(session, cycle, p, fields, user, _address(request)),
        )
    return _detail(session, p)


@router.post(
    "/cycles/{cycle_id}/ledgers/projects/{project_id}/stage",
    response_model=StageChangeOut,
    status_code=201,
)
def propose_stage(
    request: Request,
    cycle_id: RowId,
    project_id: RowId,
    body: StageIn,
    user: Editor,
    session: DB,
) -> StageChangeOut:
    """Propose the project's move to a later stage (or 终止 with its reason): checked by the
    core now (a stage never goes back: 422 with the reason) and again when reviewed; one
    proposal per project at a time."""
    cycle = visible_cycle(session, cycle_id, user)
    p = _project(session, cycle, project_id, user)
    assert user is not None
    if not ledgers.may_propose(user, p):
        raise HTTPException(403, i18n.both("web.say.not_allowed"))
    with _refusals(request, session):
        form = ledgers.parse_stage(body.stage, body.on.isoformat(), body.reason, "")
        form = replace(form, evidence=_refs(body.evidence))
        change = _commit(
            session,
            lambda: ledgers.propose_stage(session, cycle, p, form, user, _address(request)),
        )
    return _change(change)


@router.post("/cycles/{cycle_id}/ledgers/changes/{change_id}/review", response_model=StageChangeOut)
def review_stage(
    request: Request,
    cycle_id: RowId,
    change_id: RowId,
    body: ReviewIn,
    user: Reviewer,
    session: DB,
) -> StageChangeOut:
    """Approve (the project enters the stage; checked by the core against its history as it
    is now) or refuse, with a note, a proposed stage change; never one's own proposal."""
    cycle = visible_cycle(session, cycle_id, user)
    change = session.get(LedgerStageChange, change_id)
    if change is None:
        raise HTTPException(404, i18n.both("ledgers.say.no_such_stage_change"))
    p = _project(session, cycle, change.project_id, user)
    assert user is not None
    if not ledgers.may_review(user, p):
        raise HTTPException(403, i18n.both("web.say.not_allowed"))
    with _refusals(request, session):
        done = _commit(
            session,
            lambda: ledgers.review_stage(
                session, cycle, p, change, body.approve, body.note, user, _address(request)
            ),
        )
    return _change(done)


# --------------------------------------------------------------------------- matters


@router.get("/cycles/{cycle_id}/ledgers/matters", response_model=MattersOut)
def list_matters(
    cycle_id: RowId, user: MatterViewer, session: DB, kind: KindName | None = None
) -> MattersOut:
    """The follow-up matters the caller may see (the office: all; a unit's account: those it
    takes part in), each with its state and overdue / due-soon flags on the page's date."""
    cycle = visible_cycle(session, cycle_id, user)
    on = ledgers.matters_date(session, cycle, scheme_of(cycle, session))
    rows = {
        r.code: r
        for r in session.execute(
            select(LedgerMatter).where(LedgerMatter.cycle_id == cycle.id)
        ).scalars()
    }
    shown = [
        MatterOut.model_validate(_matter_fields(rows[m.id], m, on))
        for m in ledgers.matters(session, cycle)
        if (kind is None or m.kind == kind) and ledgers.may_see_matter(user, m)
    ]
    return MattersOut(on=on, matters=shown)


@router.get("/cycles/{cycle_id}/ledgers/matters/{matter_id}", response_model=MatterDetail)
def get_matter(cycle_id: RowId, matter_id: RowId, user: MatterViewer, session: DB) -> MatterDetail:
    """A matter with every event recorded, in order."""
    cycle = visible_cycle(session, cycle_id, user)
    row, _, _ = _matter(session, cycle, matter_id, user)
    return _matter_detail(session, cycle, row, user)


@router.post("/cycles/{cycle_id}/ledgers/new-matter", response_model=MatterDetail, status_code=201)
def create_matter(
    request: Request, cycle_id: RowId, body: MatterIn, user: Creator, session: DB
) -> MatterDetail:
    """The office assigns a supervision task, lists a challenge, opens a case or a talk:
    checked by the core (every problem at once), audited (``ledgers.matter.create``)."""
    cycle = visible_cycle(session, cycle_id, user)
    scheme = scheme_of(cycle, session)
    assert user is not None
    fields = {
        **{k: v for k, v in body.model_dump().items() if isinstance(v, str)},
        "opened": body.opened.isoformat(),
        "deadline": body.deadline.isoformat() if body.deadline else "",
        "units": ",".join(body.units),
        "assisting": ",".join(body.assisting),
        "public": "1" if body.public else "0",
        "evidence": "",
    }
    with _refusals(request, session):
        m = replace(ledgers.parse_matter(fields, scheme), evidence=_refs(body.evidence))
        row = _commit(
            session, lambda: ledgers.create_matter(session, cycle, m, user, _address(request))
        )
    return _matter_detail(session, cycle, row, user)


@router.post(
    "/cycles/{cycle_id}/ledgers/matters/{matter_id}/events",
    response_model=MatterDetail,
    status_code=201,
)
def add_event(
    request: Request,
    cycle_id: RowId,
    matter_id: RowId,
    body: EventIn,
    user: Actor,
    session: DB,
) -> MatterDetail:
    """Record what happened to a matter (progress, a delay, a claim, a closure…) through its
    state machine: an event not allowed in the matter's state is refused with the core's
    message (422). A unit's account records its own part only (进展, 揭榜, 提交成果, 跟踪)."""
    cycle = visible_cycle(session, cycle_id, user)
    row, _, _ = _matter(session, cycle, matter_id, user)
    assert user is not None
    unit = body.unit
    if user.role == "unit":
        unit = user.unit or ""
        if body.action not in ledgers.UNIT_ACTIONS:
            raise HTTPException(403, i18n.both("web.say.not_allowed"))
    with _refusals(request, session):
        event = ledgers.parse_event(
            body.action,
            body.on.isoformat(),
            unit,
            body.by,
            body.text,
            body.deadline.isoformat() if body.deadline else "",
            "",
        )
        event = replace(event, evidence=_refs(body.evidence))
        _commit(
            session,
            lambda: ledgers.record_event(session, cycle, row, event, user, _address(request)),
        )
    return _matter_detail(session, cycle, row, user)
