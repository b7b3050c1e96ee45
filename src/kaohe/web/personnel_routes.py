"""Pages of cadres, grades and the results rulebook.

The office uploads a cycle's designs and files, computes grades and decisions, sees every
cadre's record and downloads the Excel workbooks. An assessed unit's account sees its own
unit's teams and cadres only (``permissions.may_see_person``). Reporters, reviewers and the
public never see a personal record; the public board shows the decisions of the rules marked
``public: true`` of published cycles only.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from kaohe.errors import KaoheError
from kaohe.web import personnel
from kaohe.web import personnel_compute as pc
from kaohe.web.app import DB, Access, Posted, RowId, check_csrf, page_offset, render
from kaohe.web.cycles import CycleError, scheme_of
from kaohe.web.permissions import can_see_cycle, may_see_person
from kaohe.web.store import (
    AnnualGrade,
    Cadre,
    Cycle,
    GradeRecord,
    PersonnelImport,
    RulebookDecision,
    Team,
    User,
)

router = APIRouter(include_in_schema=False)  # pages: the API is documented
Viewer = Annotated[User | None, Depends(Access("personnel.view"))]
Office = Annotated[User | None, Depends(Access("personnel.manage"))]
Public = Annotated[User | None, Depends(Access("board.view"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = 500  # rows of a long table shown at once


def shown(value: str | None) -> str:
    """A decision's stored value (JSON) as shown: numbers without needless decimals."""
    if value is None:
        return ""
    v = json.loads(value)
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1 else f"{v:,.2f}".rstrip("0").rstrip(".")
    return str(v)


def _cycle(session: Session, cycle_id: int, user: User | None) -> Cycle:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or (cycle.state == "draft" and (user is None or user.role != "office")):
        raise HTTPException(404, "没有这个考核 / no such cycle")
    return cycle


def _own_unit(user: User | None) -> str | None:
    """The unit whose people the user may see (None: every unit, for the office)."""
    if user is not None and user.role == "unit":
        return user.unit or ""
    return None


def _grades(
    session: Session, run: Any, unit: str | None, kind: str, offset: int = 0
) -> list[AnnualGrade]:
    if run is None:
        return []
    query = select(AnnualGrade).where(
        AnnualGrade.computation_id == run.id, AnnualGrade.kind == kind
    )
    if unit is not None:
        query = query.where(AnnualGrade.unit == unit)
    query = query.order_by(AnnualGrade.unit, AnnualGrade.position, AnnualGrade.subject_key)
    return list(session.execute(query.offset(offset).limit(PAGE)).scalars())


def _overview(
    request: Request,
    session: Session,
    cycle: Cycle,
    user: User | None,
    errors: list[str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    unit = _own_unit(user)
    run = pc.latest_computation(session, cycle)
    offset = page_offset(request)
    names = _names(session, unit)
    office = user is not None and user.role == "office"
    imports = (
        session.execute(
            select(PersonnelImport)
            .where(PersonnelImport.cycle_id == cycle.id)
            .order_by(PersonnelImport.id.desc())
            .limit(30)
        )
        .scalars()
        .all()
        if office
        else []
    )
    return render(
        request,
        "personnel.html",
        user,
        cycle=cycle,
        units={u: x.name for u, x in scheme_of(cycle, session).units.items()},
        design=personnel.latest_design(session, cycle) if office else None,
        imports=imports,
        run=run,
        counts=json.loads(run.counts) if run else {},
        stale=pc.staleness(session, cycle, run) if office else [],
        cadres=_grades(session, run, unit, "cadre", offset),
        teams=_grades(session, run, unit, "team"),
        names=names,
        offset=offset,
        page=PAGE,
        errors=errors or [],
        notice=notice,
        status_code=status_code,
    )


def _names(session: Session, unit: str | None) -> dict[str, str]:
    cq = select(Cadre.cadre_key, Cadre.name)
    tq = select(Team.team_key, Team.name)
    if unit is not None:
        cq, tq = cq.where(Cadre.unit == unit), tq.where(Team.unit == unit)
    out = dict(session.execute(cq).all())
    out.update(dict(session.execute(tq).all()))
    return out


@router.get("/cycles/{cycle_id}/personnel", response_class=HTMLResponse)
def personnel_page(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    return _overview(request, session, _cycle(session, cycle_id, user), user)


def _files(request: Request, form: FormData) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """A multipart form's fields and files (name → (filename, bytes)), each within the upload
    limit; the CSRF token checked."""
    limit = request.app.state.settings.max_upload_bytes
    check_csrf(request, str(form.get("csrf", "")))
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            if value.filename:
                value.file.seek(0)
                body = value.file.read(limit + 1)
                if len(body) > limit:
                    raise HTTPException(413, f"文件过大 / {value.filename}: over the limit")
                files[key] = (value.filename, body)
        else:
            fields[key] = str(value)
    return fields, files


def _failed(exc: Exception) -> list[str]:
    if isinstance(exc, KaoheError):
        return [str(i) for i in exc.issues]
    return [str(exc)]


@router.post("/cycles/{cycle_id}/personnel/designs", response_model=None)
def personnel_designs(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    """Upload any of the designs (and the previous year's results.csv): a new version."""
    _, files = _files(request, form)
    cycle = _cycle(session, cycle_id, user)
    texts = {}
    try:
        for what in (*personnel.DESIGN_FILES, "previous_results"):
            if what in files:
                texts[what] = files[what][1].decode("utf-8-sig")
        if not texts:
            raise personnel.PersonnelError("请选择文件 / choose a file")
        record = personnel.store_designs(session, cycle, texts, _actor(user))
        session.commit()
    except (KaoheError, personnel.PersonnelError, UnicodeDecodeError) as exc:
        session.rollback()
        return _overview(request, session, cycle, user, _failed(exc), status_code=422)
    return _overview(request, session, cycle, user, notice=f"v{record.version}")


def _actor(user: User | None) -> str:
    return user.username if user is not None else "system"


@router.post("/cycles/{cycle_id}/personnel/import", response_model=None)
def personnel_import(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    """Import one file (people, ballots, checks, scores, history or promotions), all or
    nothing; a workbook of people may come with a separate teams file."""
    fields, files = _files(request, form)
    cycle = _cycle(session, cycle_id, user)
    what = fields.get("what", "")
    try:
        if what not in personnel.IMPORTERS or "file" not in files:
            raise personnel.PersonnelError("请选择类型和文件 / choose what to import and a file")
        name, body = files["file"]
        with personnel.upload_file(name, body) as path:
            if what == "people" and "teams" in files:
                with personnel.upload_file(*files["teams"]) as teams:
                    done = personnel.import_people(session, cycle, path, _actor(user), teams)
            else:
                done = personnel.IMPORTERS[what](session, cycle, path, _actor(user))
        session.commit()
    except (KaoheError, personnel.PersonnelError, CycleError) as exc:
        session.rollback()
        return _overview(request, session, cycle, user, _failed(exc), status_code=422)
    return _overview(request, session, cycle, user, notice=str(done))


@router.post("/cycles/{cycle_id}/personnel/compute", response_model=None)
def personnel_compute(
    request: Request,
    cycle_id: RowId,
    user: Office,
    session: DB,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    cycle = _cycle(session, cycle_id, user)
    try:
        pc.compute(session, cycle, _actor(user))
        session.commit()
    except (KaoheError, personnel.PersonnelError) as exc:
        session.rollback()
        return _overview(request, session, cycle, user, _failed(exc), status_code=422)
    return RedirectResponse(f"/cycles/{cycle_id}/personnel", status_code=303)


@router.get("/cycles/{cycle_id}/personnel/people/{person}", response_class=HTMLResponse)
def personnel_person(
    request: Request, cycle_id: RowId, person: str, user: Viewer, session: DB
) -> HTMLResponse:
    """One cadre's or team's record: data, this cycle's grade with its explanation, the grade
    history and the decisions concerning them."""
    cycle = _cycle(session, cycle_id, user)
    cadre = session.execute(select(Cadre).where(Cadre.cadre_key == person)).scalar_one_or_none()
    team = None
    if cadre is None:
        team = session.execute(select(Team).where(Team.team_key == person)).scalar_one_or_none()
    record = cadre or team
    # someone else's unit: as if the person did not exist (no hint that they do)
    if record is None or not may_see_person(user, record.unit):
        raise HTTPException(404, "没有这个人员 / no such person")
    kind = "cadre" if cadre is not None else "team"
    run = pc.latest_computation(session, cycle)
    grade = explanation = None
    decisions: list[RulebookDecision] = []
    if run is not None:
        grade = session.execute(
            select(AnnualGrade).where(
                AnnualGrade.computation_id == run.id,
                AnnualGrade.kind == kind,
                AnnualGrade.subject_key == person,
            )
        ).scalar_one_or_none()
        if grade is not None:
            explanation = pc.explain_grade(session, cycle, grade, _lang(request))
        decisions = list(
            session.execute(
                select(RulebookDecision)
                .where(
                    RulebookDecision.computation_id == run.id,
                    RulebookDecision.subject_kind == "person",
                    RulebookDecision.subject == person,
                )
                .order_by(RulebookDecision.position)
            ).scalars()
        )
    history = session.execute(
        select(GradeRecord)
        .where(GradeRecord.person_key == person, GradeRecord.kind == kind)
        .order_by(GradeRecord.year)
    ).scalars()
    return render(
        request,
        "personnel_person.html",
        user,
        cycle=cycle,
        kind=kind,
        cadre=cadre,
        team=team,
        grade=grade,
        explanation=explanation,
        history=list(history),
        decisions=decisions,
        shown=shown,
        explained=lambda d: pc.explained(d, _lang(request)),
    )


def _lang(request: Request) -> str:
    """The page's language: explanations are shown and exported in it."""
    return "en" if request.session.get("lang") == "en" else "zh"


@router.get("/cycles/{cycle_id}/personnel/decisions", response_class=HTMLResponse)
def personnel_decisions(
    request: Request, cycle_id: RowId, user: Viewer, session: DB
) -> HTMLResponse:
    """Every decision (the office), or those going to the user's own unit."""
    cycle = _cycle(session, cycle_id, user)
    run = pc.latest_computation(session, cycle)
    rows: list[RulebookDecision] = []
    if run is not None:
        query = select(RulebookDecision).where(RulebookDecision.computation_id == run.id)
        unit = _own_unit(user)
        if unit is not None:
            query = query.where(RulebookDecision.unit == unit)
        rows = list(session.execute(query.order_by(RulebookDecision.position)).scalars())
    return render(
        request,
        "personnel_decisions.html",
        user,
        cycle=cycle,
        run=run,
        decisions=rows,
        stale=pc.staleness(session, cycle, run) if run is not None else [],
        public_view=False,
        shown=shown,
        explained=lambda d: pc.explained(d, _lang(request)),
    )


def _download(session: Session, cycle: Cycle, which: str, lang: str = "zh") -> Response:
    """An Excel export, its explanations (and the decisions' headers) in ``lang``."""
    from kaohe.i18n import language
    from kaohe.io.rulebook_files import write_xlsx

    run = pc.latest_computation(session, cycle)
    if run is None:
        raise HTTPException(404, "尚未计算 / not computed yet")
    with tempfile.TemporaryDirectory(prefix="kaohe-export-") as tmp:
        path = Path(tmp) / f"{which}.xlsx"
        if which == "grades":
            pc.export_workbook(session, run, path, lang)
        else:
            with language(lang):
                write_xlsx(pc.stored_decisions(session, run, lang=lang), path)
        body = path.read_bytes()
    name = f"cycle-{cycle.id}-{which}.xlsx"
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/cycles/{cycle_id}/personnel/grades.xlsx", response_model=None)
def personnel_grades_xlsx(request: Request, cycle_id: RowId, user: Office, session: DB) -> Response:
    return _download(session, _cycle(session, cycle_id, user), "grades", _lang(request))


@router.get("/cycles/{cycle_id}/personnel/decisions.xlsx", response_model=None)
def personnel_decisions_xlsx(
    request: Request, cycle_id: RowId, user: Office, session: DB
) -> Response:
    return _download(session, _cycle(session, cycle_id, user), "decisions", _lang(request))


@router.get("/cycles/{cycle_id}/personnel/people.xlsx", response_model=None)
def personnel_people_xlsx(cycle_id: RowId, user: Office, session: DB) -> Response:
    """The roster (teams and active cadres) as the workbook the import reads again."""
    from kaohe.io.cadre_files import write_people

    cycle = _cycle(session, cycle_id, user)
    with tempfile.TemporaryDirectory(prefix="kaohe-export-") as tmp:
        path = write_people(pc.read_people(session), Path(tmp) / "people.xlsx")
        body = path.read_bytes()
    name = f"cycle-{cycle.id}-people.xlsx"
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/board/{cycle_id}/decisions", response_class=HTMLResponse)
def board_decisions(request: Request, cycle_id: RowId, user: Public, session: DB) -> HTMLResponse:
    """The public decisions (rules marked ``public: true``) of a published cycle."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not can_see_cycle(None, cycle):
        raise HTTPException(404, "没有这个考核 / no such cycle")
    run = pc.latest_computation(session, cycle)
    rows: list[RulebookDecision] = []
    if run is not None:
        rows = list(
            session.execute(
                select(RulebookDecision)
                .where(RulebookDecision.computation_id == run.id, RulebookDecision.public)
                .order_by(RulebookDecision.position)
            ).scalars()
        )
    return render(
        request,
        "personnel_decisions.html",
        user,
        cycle=cycle,
        run=run,
        decisions=rows,
        stale=[],
        public_view=True,
        shown=shown,
        explained=lambda d: pc.explained(d, _lang(request)),
    )
