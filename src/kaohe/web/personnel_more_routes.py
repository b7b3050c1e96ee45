"""More pages of cadre assessment: appraisal ballots entered by form, and the arena contest
(擂台比武) with its public board page.

Who sees what: the office enters ballots and sees every one (with the rater's identity when the
design is not anonymous); a unit's account sees the ballots of its own unit's people, never a
rater; reporters, reviewers and the public see no ballot. The arena is run by the office; the
public board shows the contestants' names and ranks of published cycles, nothing more.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaohe.errors import KaoheError
from kaohe.web import personnel
from kaohe.web import personnel_arena as arena
from kaohe.web.app import DB, Access, Posted, RowId, check_csrf, page_offset, render
from kaohe.web.permissions import can_see_cycle
from kaohe.web.personnel_ballots import EnteredBallot, choice_names, enter_ballot
from kaohe.web.personnel_routes import _actor, _cycle, _failed, _files, _own_unit
from kaohe.web.store import Ballot, Cadre, Cycle, Team, User

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User | None, Depends(Access("personnel.view"))]
Office = Annotated[User | None, Depends(Access("personnel.manage"))]
Public = Annotated[User | None, Depends(Access("board.view"))]
PAGE = 200  # ballots listed at once
DATALIST = 5000  # above this many people the form offers no list to pick from


def _lang(request: Request) -> str:
    return str(request.session.get("lang", "zh"))


# --------------------------------------------------------------------------- ballots


def _subjects(session: Session, unit: str | None) -> list[tuple[str, str, str]]:
    """(id, name, unit) of the active teams and cadres (of ``unit`` only, when given)."""
    tq = select(Team.team_key, Team.name, Team.unit).where(Team.active)
    cq = select(Cadre.cadre_key, Cadre.name, Cadre.unit).where(Cadre.active)
    if unit is not None:
        tq, cq = tq.where(Team.unit == unit), cq.where(Cadre.unit == unit)
    rows = [*session.execute(tq.order_by(Team.unit, Team.team_key)).all()]
    rows += session.execute(cq.order_by(Cadre.unit, Cadre.cadre_key)).all()
    return [(str(k), str(n), str(u)) for k, n, u in rows]


def _ballots_page(
    request: Request,
    session: Session,
    cycle: Cycle,
    user: User | None,
    errors: list[str] | None = None,
    notice: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    unit = _own_unit(user)
    office = unit is None
    designs = personnel.designs_of(session, cycle)
    design = designs.appraisal if designs is not None else None
    offset = page_offset(request)
    query = select(Ballot).where(Ballot.cycle_id == cycle.id, Ballot.entered_by.is_not(None))
    count = select(func.count()).select_from(Ballot).where(Ballot.cycle_id == cycle.id)
    count = count.where(Ballot.entered_by.is_not(None))
    if unit is not None:  # a unit: the ballots of its own people only
        own = [k for k, _, _ in _subjects(session, unit)]
        query = query.where(Ballot.subject_key.in_(own))
        count = count.where(Ballot.subject_key.in_(own))
    ballots = list(
        session.execute(query.order_by(Ballot.id.desc()).offset(offset).limit(PAGE)).scalars()
    )
    subjects = _subjects(session, None) if office else []
    names = {k: n for k, n, _ in (subjects or _subjects(session, unit))}
    return render(
        request,
        "personnel_ballots.html",
        user,
        cycle=cycle,
        design=design,
        office=office,
        # the rater's identity: to the office only, and never for an anonymous design
        show_rater=office and design is not None and not design.anonymous,
        subjects=subjects if len(subjects) <= DATALIST else [],
        names=names,
        ballots=ballots,
        total=session.execute(count).scalar_one(),
        choices=(lambda b: choice_names(design, b.choices)) if design else (lambda b: []),
        offset=offset,
        page=PAGE,
        errors=errors or [],
        notice=notice,
        form=form or {},
        status_code=status_code,
    )


@router.get("/cycles/{cycle_id}/personnel/ballots", response_class=HTMLResponse)
def ballots_page(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    """The ballots entered by form (the office: all, and the form to enter one; a unit's
    account: those of its own people, without raters)."""
    return _ballots_page(request, session, _cycle(session, cycle_id, user), user)


@router.post("/cycles/{cycle_id}/personnel/ballots", response_model=None)
def ballot_enter(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    """Enter one paper ballot: all of it or nothing."""
    check_csrf(request, str(form.get("csrf", "")))
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    cycle = _cycle(session, cycle_id, user)
    entry = EnteredBallot(
        ballot_id=fields.get("ballot_id", ""),
        subject=fields.get("subject", ""),
        group=fields.get("group", ""),
        rater=fields.get("rater", ""),
        choices={k.removeprefix("item."): v for k, v in fields.items() if k.startswith("item.")},
    )
    try:
        ballot = enter_ballot(session, cycle, entry, _actor(user))
        key, subject = ballot.ballot_key, ballot.subject_key
        session.commit()
    except (KaoheError, personnel.PersonnelError) as exc:
        session.rollback()
        return _ballots_page(
            request, session, cycle, user, _failed(exc), form=fields, status_code=422
        )
    keep = {"subject": subject, "group": entry.group}  # the next ballot: same person, group
    return _ballots_page(request, session, cycle, user, notice=f"{key} · {subject}", form=keep)


# --------------------------------------------------------------------------- arena


def _arena_page(
    request: Request,
    session: Session,
    cycle: Cycle,
    user: User | None,
    errors: list[str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    record = arena.latest_design(session, cycle)
    design = arena.parsed(record) if record is not None else None
    run = arena.latest_run(session, cycle)
    standings = arena.standings(session, run) if run is not None else []
    return render(
        request,
        "personnel_arena.html",
        user,
        cycle=cycle,
        record=record,
        design=design,
        run=run,
        standings=standings,
        panels=lambda s: json.loads(s.panels),
        explained=lambda s: arena.explanation(s, _lang(request)),
        marks=arena.marks_count(session, cycle),
        stale=arena.staleness(session, cycle, run),
        errors=errors or [],
        notice=notice,
        status_code=status_code,
    )


@router.get("/cycles/{cycle_id}/personnel/arena", response_class=HTMLResponse)
def arena_page(request: Request, cycle_id: RowId, user: Office, session: DB) -> HTMLResponse:
    """The arena contest: its design, the judges' marks, the computed scores and ranks."""
    return _arena_page(request, session, _cycle(session, cycle_id, user), user)


@router.post("/cycles/{cycle_id}/personnel/arena/design", response_model=None)
def arena_design(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    _, files = _files(request, form)
    cycle = _cycle(session, cycle_id, user)
    try:
        if "design" not in files:
            raise personnel.PersonnelError("请选择文件 / choose a file")
        text = files["design"][1].decode("utf-8-sig")
        record = arena.store_design(session, cycle, text, _actor(user))
        session.commit()
    except (KaoheError, personnel.PersonnelError, UnicodeDecodeError) as exc:
        session.rollback()
        return _arena_page(request, session, cycle, user, _failed(exc), status_code=422)
    return _arena_page(request, session, cycle, user, notice=f"v{record.version}")


@router.post("/cycles/{cycle_id}/personnel/arena/marks", response_model=None)
def arena_marks(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    """Upload the judges' marks (replacing those before), all or nothing."""
    _, files = _files(request, form)
    cycle = _cycle(session, cycle_id, user)
    try:
        if "file" not in files:
            raise personnel.PersonnelError("请选择文件 / choose a file")
        with personnel.upload_file(*files["file"]) as path:
            done = arena.import_marks(session, cycle, path, _actor(user))
        session.commit()
    except (KaoheError, personnel.PersonnelError) as exc:
        session.rollback()
        return _arena_page(request, session, cycle, user, _failed(exc), status_code=422)
    return _arena_page(request, session, cycle, user, notice=str(done))


@router.post("/cycles/{cycle_id}/personnel/arena/compute", response_model=None)
def arena_compute(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    check_csrf(request, str(form.get("csrf", "")))
    cycle = _cycle(session, cycle_id, user)
    try:
        arena.compute(session, cycle, _actor(user))
        session.commit()
    except (KaoheError, personnel.PersonnelError) as exc:
        session.rollback()
        return _arena_page(request, session, cycle, user, _failed(exc), status_code=422)
    return RedirectResponse(f"/cycles/{cycle_id}/personnel/arena", status_code=303)


@router.get("/board/{cycle_id}/arena", response_class=HTMLResponse)
def board_arena(request: Request, cycle_id: RowId, user: Public, session: DB) -> HTMLResponse:
    """The arena's ranks of a published cycle: contestants' names and ranks only."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not can_see_cycle(None, cycle):
        raise HTTPException(404, "没有这个考核 / no such cycle")
    run = arena.latest_run(session, cycle)
    record = arena.latest_design(session, cycle)
    rows: list[Any] = arena.standings(session, run) if run is not None else []
    return render(
        request,
        "board_arena.html",
        user,
        cycle=cycle,
        title=arena.parsed(record).name if record is not None else "",
        ranks=[(s.name or s.contestant_key, s.rank) for s in rows],
    )
