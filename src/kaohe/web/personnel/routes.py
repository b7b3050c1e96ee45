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
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.i18n import LABELS, both, t
from kaohe.web import lists, policy
from kaohe.web.cycles.service import scheme_of
from kaohe.web.deps import (
    DB,
    Access,
    Posted,
    RowId,
    actor_name,
    check_csrf,
    files_of,
    page_lang,
    page_offset,
    render,
    visible_cycle,
)
from kaohe.web.personnel import compute as pc
from kaohe.web.personnel import listing
from kaohe.web.personnel import service as personnel
from kaohe.web.personnel.pages import office_write
from kaohe.web.policy import can_see_cycle, may_see_person, own_unit
from kaohe.web.store.models import (
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


def action_name(action: str, lang: str) -> str:
    """What a decision is, by its name (``decision.*`` in the catalogues), else its id."""
    key = f"decision.{action}"
    return t(key, lang) if key in LABELS else action


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
    unit = own_unit(user)
    run = pc.latest_computation(session, cycle)
    offset = page_offset(request)
    names = _names(session, unit)
    lang = page_lang(request)
    units = {u: x.name for u, x in scheme_of(cycle, session).units.items()}
    grades = listing.grade_names(session, run)
    filters, filter_errors = listing.read_filters(request.query_params, list(units), grades, lang)
    cadres, w = listing.page(session, run, filters, unit, list(units), offset)
    base = f"/cycles/{cycle.id}/personnel"
    query = filters.query()
    office = policy.is_office(user)
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
        units=units,
        design=personnel.latest_design(session, cycle) if office else None,
        imports=imports,
        run=run,
        counts=listing.counts_in_words(session, run, lang) if run else [],
        stale=pc.staleness(session, cycle, run) if office else [],
        cadres=cadres,
        window=w,
        links=w.links(base, query),
        filters=filters,
        filter_errors=filter_errors,
        grades=grades,
        export={
            "csv": lists.href(base + "/cadres.csv", query),
            "xlsx": lists.href(base + "/cadres.xlsx", query),
        },
        teams=_grades(session, run, unit, "team"),
        names=names,
        errors=errors or [],
        notice=notice,
        status_code=status_code,
    )


def _names(session: Session, unit: str | None) -> dict[str, str]:
    """The teams' names (the cadre list reads its cadres' names with their grades)."""
    tq = select(Team.team_key, Team.name)
    if unit is not None:
        tq = tq.where(Team.unit == unit)
    return {str(k): str(n) for k, n in session.execute(tq)}


@router.get("/cycles/{cycle_id}/personnel", response_class=HTMLResponse)
def personnel_page(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    return _overview(request, session, visible_cycle(session, cycle_id, user), user)


def _cadre_list(
    request: Request, cycle_id: int, user: User | None, session: Session, kind: str
) -> Response:
    """The filtered cadre list (the page's filters, every page) as a file."""
    cycle = visible_cycle(session, cycle_id, user)
    lang = page_lang(request)
    run = pc.latest_computation(session, cycle)
    units = {u: x.name for u, x in scheme_of(cycle, session).units.items()}
    filters, _ = listing.read_filters(
        request.query_params, list(units), listing.grade_names(session, run), lang
    )
    rows = listing.every(session, run, filters, own_unit(user), list(units), units)
    sheet = t("personnel.list_sheet", lang)
    return lists.export(kind, "cadres", sheet, listing.heads(lang), rows)


@router.get("/cycles/{cycle_id}/personnel/cadres.csv", response_model=None)
def personnel_cadres_csv(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> Response:
    """The cadre list as the page filters it (a unit: its own cadres), UTF-8 with BOM."""
    return _cadre_list(request, cycle_id, user, session, "csv")


@router.get("/cycles/{cycle_id}/personnel/cadres.xlsx", response_model=None)
def personnel_cadres_xlsx(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> Response:
    """The cadre list as the page filters it (a unit: its own cadres), as a workbook."""
    return _cadre_list(request, cycle_id, user, session, "xlsx")


@router.post("/cycles/{cycle_id}/personnel/designs", response_model=None)
def personnel_designs(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    """Upload any of the designs (and the previous year's results.csv): a new version."""
    _, files = files_of(request, form)
    cycle = visible_cycle(session, cycle_id, user)

    def write() -> str:
        texts = {}
        for what in (*personnel.DESIGN_FILES, "previous_results"):
            if what in files:
                texts[what] = files[what][1].decode("utf-8-sig")
        if not texts:
            raise personnel.PersonnelError(both("web.say.choose_file"))
        record = personnel.store_designs(session, cycle, texts, actor_name(user))
        return f"v{record.version}"

    return office_write(session, partial(_overview, request, session, cycle, user), write)


@router.post("/cycles/{cycle_id}/personnel/import", response_model=None)
def personnel_import(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    """Import one file (people, ballots, checks, scores, history or promotions), all or
    nothing; a workbook of people may come with a separate teams file."""
    fields, files = files_of(request, form)
    cycle = visible_cycle(session, cycle_id, user)
    what = fields.get("what", "")

    def write() -> str:
        if what not in personnel.IMPORTERS or "file" not in files:
            raise personnel.PersonnelError(both("web.say.choose_what_import_and_file"))
        name, body = files["file"]
        with personnel.upload_file(name, body) as path:
            if what == "people" and "teams" in files:
                with personnel.upload_file(*files["teams"]) as teams:
                    done = personnel.import_people(session, cycle, path, actor_name(user), teams)
            else:
                done = personnel.IMPORTERS[what](session, cycle, path, actor_name(user))
        return str(done)

    return office_write(session, partial(_overview, request, session, cycle, user), write)


@router.post("/cycles/{cycle_id}/personnel/compute", response_model=None)
def personnel_compute(
    request: Request,
    cycle_id: RowId,
    user: Office,
    session: DB,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    cycle = visible_cycle(session, cycle_id, user)

    def write() -> Response:
        pc.compute(session, cycle, actor_name(user))
        return RedirectResponse(f"/cycles/{cycle_id}/personnel", status_code=303)

    return office_write(session, partial(_overview, request, session, cycle, user), write)


@router.get("/cycles/{cycle_id}/personnel/people/{person}", response_class=HTMLResponse)
def personnel_person(
    request: Request, cycle_id: RowId, person: str, user: Viewer, session: DB
) -> HTMLResponse:
    """One cadre's or team's record: data, this cycle's grade with its explanation, the grade
    history and the decisions concerning them."""
    cycle = visible_cycle(session, cycle_id, user)
    cadre = session.execute(select(Cadre).where(Cadre.cadre_key == person)).scalar_one_or_none()
    team = None
    if cadre is None:
        team = session.execute(select(Team).where(Team.team_key == person)).scalar_one_or_none()
    record = cadre or team
    # someone else's unit: as if the person did not exist (no hint that they do)
    if record is None or not may_see_person(user, record.unit):
        raise HTTPException(404, both("web.say.no_such_person"))
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
            explanation = pc.explain_grade(session, cycle, grade, page_lang(request))
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
        explained=lambda d: pc.explained(d, page_lang(request)),
    )


@router.get("/cycles/{cycle_id}/personnel/decisions", response_class=HTMLResponse)
def personnel_decisions(
    request: Request, cycle_id: RowId, user: Viewer, session: DB
) -> HTMLResponse:
    """Every decision (the office), or those going to the user's own unit."""
    return _decisions(request, session, visible_cycle(session, cycle_id, user), user)


def _decisions(
    request: Request, session: Session, cycle: Cycle, user: User | None, public: bool = False
) -> HTMLResponse:
    """The decisions page: the public decisions (``public``, on the board), else every one (the
    office) or those going to the user's own unit, with why they are stale."""
    run = pc.latest_computation(session, cycle)
    rows: list[RulebookDecision] = []
    if run is not None:
        query = select(RulebookDecision).where(RulebookDecision.computation_id == run.id)
        unit = own_unit(user)
        if public:
            query = query.where(RulebookDecision.public)
        elif unit is not None:
            query = query.where(RulebookDecision.unit == unit)
        rows = list(session.execute(query.order_by(RulebookDecision.position)).scalars())
    return render(
        request,
        "personnel_decisions.html",
        user,
        cycle=cycle,
        run=run,
        decisions=rows,
        stale=pc.staleness(session, cycle, run) if run is not None and not public else [],
        public_view=public,
        unit_names={uid: u.name for uid, u in scheme_of(cycle, session).units.items()},
        action_name=lambda a: action_name(a, page_lang(request)),
        shown=shown,
        explained=lambda d: pc.explained(d, page_lang(request)),
    )


def _download(session: Session, cycle: Cycle, which: str, lang: str = "zh") -> Response:
    """An Excel export, its explanations (and the decisions' headers) in ``lang``."""
    from kaohe.i18n import language
    from kaohe.io.rulebook_files import write_xlsx

    run = pc.latest_computation(session, cycle)
    if run is None:
        raise HTTPException(404, both("web.say.not_computed_yet"))

    def write(path: Path) -> None:
        if which == "grades":
            pc.export_workbook(session, run, path, lang)
        else:
            with language(lang):
                write_xlsx(pc.stored_decisions(session, run, lang=lang), path)

    return _workbook(write, f"cycle-{cycle.id}-{which}.xlsx")


def _workbook(write: Callable[[Path], object], name: str) -> Response:
    """A workbook that ``write`` writes at the path it is given (in a scratch folder), as a
    download named ``name``."""
    with tempfile.TemporaryDirectory(prefix="kaohe-export-") as tmp:
        path = Path(tmp) / "export.xlsx"
        write(path)
        body = path.read_bytes()
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/cycles/{cycle_id}/personnel/grades.xlsx", response_model=None)
def personnel_grades_xlsx(request: Request, cycle_id: RowId, user: Office, session: DB) -> Response:
    return _download(session, visible_cycle(session, cycle_id, user), "grades", page_lang(request))


@router.get("/cycles/{cycle_id}/personnel/decisions.xlsx", response_model=None)
def personnel_decisions_xlsx(
    request: Request, cycle_id: RowId, user: Office, session: DB
) -> Response:
    return _download(
        session, visible_cycle(session, cycle_id, user), "decisions", page_lang(request)
    )


@router.get("/cycles/{cycle_id}/personnel/people.xlsx", response_model=None)
def personnel_people_xlsx(cycle_id: RowId, user: Office, session: DB) -> Response:
    """The roster (teams and active cadres) as the workbook the import reads again."""
    from kaohe.io.cadre_files import write_people

    cycle = visible_cycle(session, cycle_id, user)
    people = personnel.read_people(session)
    return _workbook(lambda path: write_people(people, path), f"cycle-{cycle.id}-people.xlsx")


@router.get("/board/{cycle_id}/decisions", response_class=HTMLResponse)
def board_decisions(request: Request, cycle_id: RowId, user: Public, session: DB) -> HTMLResponse:
    """The public decisions (rules marked ``public: true``) of a published cycle."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not can_see_cycle(None, cycle):
        raise HTTPException(404, both("web.say.no_such_cycle"))
    return _decisions(request, session, cycle, user, public=True)
