"""Ballots (民主测评) entered by form, and their list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaohe.errors import KaoheError
from kaohe.web.deps import (
    DB,
    Access,
    Posted,
    RowId,
    actor_name,
    check_csrf,
    page_offset,
    problems_of,
    render,
    visible_cycle,
)
from kaohe.web.personnel import service as personnel
from kaohe.web.personnel.ballots import EnteredBallot, choice_names, enter_ballot
from kaohe.web.policy import own_unit
from kaohe.web.store.models import Ballot, Cadre, Cycle, Team, User

router = APIRouter(include_in_schema=False)


Viewer = Annotated[User | None, Depends(Access("personnel.view"))]


Office = Annotated[User | None, Depends(Access("personnel.manage"))]


PAGE = 200  # ballots listed at once


DATALIST = 5000  # above this many people the form offers no list to pick from


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
    unit = own_unit(user)
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
    return _ballots_page(request, session, visible_cycle(session, cycle_id, user), user)


@router.post("/cycles/{cycle_id}/personnel/ballots", response_model=None)
def ballot_enter(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    """Enter one paper ballot: all of it or nothing."""
    check_csrf(request, str(form.get("csrf", "")))
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    cycle = visible_cycle(session, cycle_id, user)
    entry = EnteredBallot(
        ballot_id=fields.get("ballot_id", ""),
        subject=fields.get("subject", ""),
        group=fields.get("group", ""),
        rater=fields.get("rater", ""),
        choices={k.removeprefix("item."): v for k, v in fields.items() if k.startswith("item.")},
    )
    try:
        ballot = enter_ballot(session, cycle, entry, actor_name(user))
        key, subject = ballot.ballot_key, ballot.subject_key
        session.commit()
    except (KaoheError, personnel.PersonnelError) as exc:
        session.rollback()
        return _ballots_page(
            request, session, cycle, user, problems_of(exc), form=fields, status_code=422
        )
    keep = {"subject": subject, "group": entry.group}  # the next ballot: same person, group
    return _ballots_page(request, session, cycle, user, notice=f"{key} · {subject}", form=keep)
