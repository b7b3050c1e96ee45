"""The ledgers' pages: the project register (list, a project and its stage history, stage
changes and their review, import), the follow-up matters per kind with their flags, each
account's inbox, and the board's stage funnel and public challenges."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaohe import i18n
from kaohe.charts.spec import Bar, BarChart
from kaohe.charts.style import BAR, series_colour
from kaohe.charts.svg import bar_chart
from kaohe.ledgers.frames import compile_matters
from kaohe.ledgers.matters import KINDS, Matter
from kaohe.ledgers.stages import PIPELINE, STAGES
from kaohe.ledgers.summary import funnel, matter_counts
from kaohe.ledgers.words import word
from kaohe.ledgers.workflow import replay
from kaohe.scheme import Scheme
from kaohe.web.cycles.service import scheme_of
from kaohe.web.deps import (
    DB,
    Access,
    Posted,
    RowId,
    check_csrf,
    page_lang,
    page_offset,
    read_upload,
    render,
    visible_cycle,
)
from kaohe.web.ledgers import reminders
from kaohe.web.ledgers import service as ledgers
from kaohe.web.ledgers.service import LedgerWebError
from kaohe.web.policy import can_see_cycle
from kaohe.web.store.models import (
    Cycle,
    LedgerImport,
    LedgerMatter,
    LedgerProject,
    LedgerStageChange,
    User,
)

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User | None, Depends(Access("ledgers.view"))]
Editor = Annotated[User | None, Depends(Access("ledgers.edit"))]
Reviewer = Annotated[User | None, Depends(Access("ledgers.review"))]
Importer = Annotated[User | None, Depends(Access("ledgers.import"))]
MatterViewer = Annotated[User | None, Depends(Access("ledgers.matters"))]
Actor = Annotated[User | None, Depends(Access("ledgers.act"))]
Inbox = Annotated[User | None, Depends(Access("ledgers.inbox"))]
Reminder = Annotated[User | None, Depends(Access("ledgers.remind"))]
Creator = Annotated[User | None, Depends(Access("ledgers.create"))]
Publisher = Annotated[User | None, Depends(Access("ledgers.publish"))]
Public = Annotated[User | None, Depends(Access("board.view"))]
Text = Annotated[str, Form()]
PAGE = 50
SOON = 14


def _words(lang: str) -> Callable[..., str]:
    def w(key: str, **values: Any) -> str:
        with i18n.language(lang):
            return word(key, **values)

    return w


def _page(request: Request, name: str, user: User | None, **context: Any) -> HTMLResponse:
    lang = page_lang(request)
    return render(request, name, user, w=_words(lang), **context)


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _unit_names(scheme: Scheme) -> dict[str, str]:
    return {u: x.name for u, x in scheme.units.items()}


def _cycle(session: Session, cycle_id: int, user: User | None) -> tuple[Cycle, Scheme]:
    cycle = visible_cycle(session, cycle_id, user)
    return cycle, scheme_of(cycle, session)


# --------------------------------------------------------------------------- the register


@router.get("/cycles/{cycle_id}/ledgers", response_class=HTMLResponse)
def register_page(
    request: Request,
    cycle_id: RowId,
    user: Viewer,
    session: DB,
    offset: Annotated[int, Depends(page_offset)],
) -> HTMLResponse:
    cycle, scheme = _cycle(session, cycle_id, user)
    q = request.query_params
    unit = q.get("unit", "")
    if user is not None and user.role == "unit":
        unit = user.unit or ""
    task_force, stage = q.get("task_force", ""), q.get("stage", "")
    query = select(LedgerProject).where(LedgerProject.cycle_id == cycle.id)
    if unit:
        query = query.where(LedgerProject.unit == unit)
    if task_force:
        query = query.where(LedgerProject.task_force == task_force)
    if stage:
        query = query.where(LedgerProject.stage == stage)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar() or 0
    rows = list(
        session.execute(
            query.order_by(LedgerProject.unit, LedgerProject.code).limit(PAGE).offset(offset)
        ).scalars()
    )
    forces = sorted(
        f
        for f in session.execute(
            select(LedgerProject.task_force).where(LedgerProject.cycle_id == cycle.id).distinct()
        ).scalars()
        if f
    )
    pending = {c.project_id for _, c in ledgers.pending_changes(session, cycle)}
    return _page(
        request,
        "ledgers_register.html",
        user,
        cycle=cycle,
        projects=rows,
        total=total,
        offset=offset,
        page=PAGE,
        units=_unit_names(scheme),
        forces=forces,
        stages=STAGES,
        chosen={"unit": unit, "task_force": task_force, "stage": stage},
        pending=pending,
        invested={r.id: ledgers.project_of(r, []).invested() for r in rows},
        public=ledgers.public_fields(session, cycle),
        public_choices=ledgers.PUBLIC_FIELDS,
        derives=ledgers.derives(scheme),
        table=ledgers.derived_table(session, cycle, scheme) if ledgers.derives(scheme) else None,
    )


def _project(
    session: Session, cycle_id: int, project_id: int, user: User | None
) -> tuple[Cycle, Scheme, LedgerProject]:
    cycle, scheme = _cycle(session, cycle_id, user)
    p = session.get(LedgerProject, project_id)
    if p is None or p.cycle_id != cycle.id:
        raise HTTPException(404, i18n.both("ledgers.say.no_such_project"))
    if user is not None and user.role == "unit" and p.unit != user.unit:
        raise HTTPException(404, i18n.both("ledgers.say.no_such_project"))
    return cycle, scheme, p


def _project_page(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    p: LedgerProject,
    user: User | None,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    changes = ledgers.history(session, p, state="")
    record = ledgers.project_of(p, [c for c in changes if c.state == "approved"])
    lang = page_lang(request)
    return render(
        request,
        "ledgers_project.html",
        user,
        w=_words(lang),
        cycle=cycle,
        p=p,
        record=record,
        unit_name=_unit_names(scheme).get(p.unit, p.unit),
        changes=changes,
        stages=STAGES,
        later=[s for s in STAGES if s == "dropped" or STAGES.index(s) > STAGES.index(p.stage)],
        pending=any(c.state == "proposed" for c in changes),
        references=ledgers.references,
        may_propose=ledgers.may_propose(user, p) and cycle.state != "final",
        may_review=ledgers.may_review(user, p) and cycle.state != "final",
        errors=errors or [],
        status_code=status_code,
    )


@router.post("/cycles/{cycle_id}/ledgers/public", response_model=None)
def publish_fields(
    request: Request, cycle_id: RowId, user: Publisher, session: DB, form: Posted
) -> Response:
    check_csrf(request, str(form.get("csrf", "")))
    cycle, _ = _cycle(session, cycle_id, user)
    assert user is not None
    chosen = [str(v) for v in form.getlist("field")]
    with i18n.language(page_lang(request)):
        try:
            ledgers.set_public_fields(session, cycle, chosen, user, _address(request))
            session.commit()
        except LedgerWebError as exc:
            session.rollback()
            raise HTTPException(409, "; ".join(exc.problems)) from None
    return RedirectResponse(f"/cycles/{cycle_id}/ledgers", status_code=303)


@router.get("/cycles/{cycle_id}/ledgers/projects/{project_id}", response_class=HTMLResponse)
def project_page(
    request: Request, cycle_id: RowId, project_id: RowId, user: Viewer, session: DB
) -> HTMLResponse:
    cycle, scheme, p = _project(session, cycle_id, project_id, user)
    return _project_page(request, session, cycle, scheme, p, user)


@router.post("/cycles/{cycle_id}/ledgers/projects/{project_id}/stage", response_model=None)
def propose_stage(
    request: Request,
    cycle_id: RowId,
    project_id: RowId,
    user: Editor,
    session: DB,
    stage: Text = "",
    on: Text = "",
    reason: Text = "",
    evidence: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf)
    cycle, scheme, p = _project(session, cycle_id, project_id, user)
    assert user is not None
    with i18n.language(page_lang(request)):
        try:
            form = ledgers.parse_stage(stage, on, reason, evidence)
            ledgers.propose_stage(session, cycle, p, form, user, _address(request))
            session.commit()
        except LedgerWebError as exc:
            session.rollback()
            return _project_page(request, session, cycle, scheme, p, user, exc.problems, 422)
    return RedirectResponse(f"/cycles/{cycle_id}/ledgers/projects/{project_id}", status_code=303)


@router.post("/cycles/{cycle_id}/ledgers/projects/{project_id}/edit", response_model=None)
def edit_project(
    request: Request, cycle_id: RowId, project_id: RowId, user: Editor, session: DB, form: Posted
) -> Response:
    check_csrf(request, str(form.get("csrf", "")))
    cycle, scheme, p = _project(session, cycle_id, project_id, user)
    assert user is not None
    fields = {k: str(v) for k, v in form.items() if k in (*ledgers.EDITABLE, *ledgers.AMOUNTS)}
    with i18n.language(page_lang(request)):
        try:
            ledgers.edit_project(session, cycle, p, fields, user, _address(request))
            session.commit()
        except LedgerWebError as exc:
            session.rollback()
            return _project_page(request, session, cycle, scheme, p, user, exc.problems, 422)
    return RedirectResponse(f"/cycles/{cycle_id}/ledgers/projects/{project_id}", status_code=303)


@router.post("/cycles/{cycle_id}/ledgers/changes/{change_id}/review", response_model=None)
def review_stage(
    request: Request,
    cycle_id: RowId,
    change_id: RowId,
    user: Reviewer,
    session: DB,
    decision: Text = "",
    note: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf)
    change = session.get(LedgerStageChange, change_id)
    if change is None:
        raise HTTPException(404, i18n.both("ledgers.say.no_such_stage_change"))
    cycle, scheme, p = _project(session, cycle_id, change.project_id, user)
    assert user is not None
    with i18n.language(page_lang(request)):
        try:
            if decision not in ("approve", "refuse"):
                raise LedgerWebError([word("web.bad_decision")])
            ledgers.review_stage(
                session, cycle, p, change, decision == "approve", note, user, _address(request)
            )
            session.commit()
        except LedgerWebError as exc:
            session.rollback()
            return _project_page(request, session, cycle, scheme, p, user, exc.problems, 422)
    return RedirectResponse(f"/cycles/{cycle_id}/ledgers/projects/{p.id}", status_code=303)


# --------------------------------------------------------------------------- import


def _import_page(
    request: Request,
    session: Session,
    cycle: Cycle,
    user: User | None,
    errors: list[str] | None = None,
    done: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    imports = list(
        session.execute(
            select(LedgerImport)
            .where(LedgerImport.cycle_id == cycle.id)
            .order_by(LedgerImport.id.desc())
        ).scalars()
    )
    lang = page_lang(request)
    return render(
        request,
        "ledgers_import.html",
        user,
        w=_words(lang),
        cycle=cycle,
        imports=imports,
        errors=errors or [],
        done=done,
        status_code=status_code,
    )


@router.get("/cycles/{cycle_id}/ledgers/import", response_class=HTMLResponse)
def import_page(request: Request, cycle_id: RowId, user: Importer, session: DB) -> HTMLResponse:
    cycle, _ = _cycle(session, cycle_id, user)
    return _import_page(request, session, cycle, user)


@router.post("/cycles/{cycle_id}/ledgers/import", response_model=None)
def import_file(
    request: Request, cycle_id: RowId, user: Importer, session: DB, form: Posted
) -> Response:
    fields, filename, body = read_upload(request, form)
    cycle, scheme = _cycle(session, cycle_id, user)
    assert user is not None
    lang = page_lang(request)
    limit = request.app.state.settings.max_upload_bytes
    with i18n.language(lang):
        try:
            if not filename:
                raise LedgerWebError([word("web.no_file")])
            if len(body) > limit:
                raise LedgerWebError([word("web.too_big", file=filename)])
            which = fields.get("ledger", "")
            if which == "projects":
                n = ledgers.import_projects(
                    session, cycle, scheme, filename, body, user, _address(request)
                )
            elif which == "matters":
                if user.role != "office":
                    raise LedgerWebError([word("web.office_only")])
                n = ledgers.import_matters(
                    session, cycle, scheme, filename, body, user, _address(request)
                )
            else:
                raise LedgerWebError([word("web.which_ledger")])
            session.commit()
        except LedgerWebError as exc:
            session.rollback()
            return _import_page(request, session, cycle, user, exc.problems, status_code=422)
        done = word("web.imported", n=n, file=filename)
    return _import_page(request, session, cycle, user, done=done)


# --------------------------------------------------------------------------- matters


def _flags(m: Matter, on: dt.date, soon: int = SOON) -> dict[str, Any]:
    return ledgers.flags(m, on, soon)


def _matters_page(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    kind: str,
    errors: list[str] | None = None,
    given: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    on = ledgers.matters_date(session, cycle, scheme)
    rows = {
        r.code: r
        for r in session.execute(
            select(LedgerMatter).where(LedgerMatter.cycle_id == cycle.id, LedgerMatter.kind == kind)
        ).scalars()
    }
    seen = [m for m in ledgers.matters(session, cycle) if ledgers.may_see_matter(user, m)]
    shown = [(rows[m.id], m, _flags(m, on)) for m in seen if m.kind == kind]
    counts = dict.fromkeys(KINDS, 0)
    for m in seen:
        counts[m.kind] += 1
    lists = ledgers.lists_of(session, cycle, on) if kind == "talk" else ()
    per_unit = _per_unit(seen, scheme, kind, on)
    lang = page_lang(request)
    return render(
        request,
        "ledgers_matters.html",
        user,
        w=_words(lang),
        cycle=cycle,
        kind=kind,
        kinds=KINDS,
        counts=counts,
        shown=shown,
        on=on,
        units=_unit_names(scheme),
        lists=lists,
        per_unit=per_unit,
        errors=errors or [],
        given=given or {},
        status_code=status_code,
    )


def _per_unit(
    seen: list[Matter], scheme: Scheme, kind: str, on: dt.date
) -> list[tuple[str, int, int, int, int, int]]:
    """Per unit responsible for matters of ``kind`` on ``on``: (unit, total, open, overdue,
    due within SOON days, done) — the overdue and due-soon matters counted per unit."""
    if not seen:
        return []
    counted = matter_counts(compile_matters(seen, tuple(scheme.units)), on, SOON)
    k = counted.kinds.index(kind)
    return [
        (
            u,
            int(counted.total[i, k]),
            int(counted.open[i, k]),
            int(counted.overdue[i, k]),
            int(counted.due_soon[i, k]),
            int(counted.done[i, k]),
        )
        for i, u in enumerate(counted.units)
        if counted.total[i, k]
    ]


def _kind(raw: str) -> str:
    return raw if raw in KINDS else "supervision"


@router.get("/cycles/{cycle_id}/ledgers/matters", response_class=HTMLResponse)
def matters_page(
    request: Request, cycle_id: RowId, user: MatterViewer, session: DB
) -> HTMLResponse:
    cycle, scheme = _cycle(session, cycle_id, user)
    kind = _kind(request.query_params.get("kind", ""))
    return _matters_page(request, session, cycle, scheme, user, kind)


@router.post("/cycles/{cycle_id}/ledgers/matters", response_model=None)
def create_matter(
    request: Request, cycle_id: RowId, user: Creator, session: DB, form: Posted
) -> Response:
    check_csrf(request, str(form.get("csrf", "")))
    cycle, scheme = _cycle(session, cycle_id, user)
    assert user is not None
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    kind = _kind(fields.get("kind", ""))
    with i18n.language(page_lang(request)):
        try:
            m = ledgers.parse_matter(fields, scheme)
            row = ledgers.create_matter(session, cycle, m, user, _address(request))
            session.commit()
        except LedgerWebError as exc:
            session.rollback()
            return _matters_page(
                request, session, cycle, scheme, user, kind, exc.problems, fields, 422
            )
    return RedirectResponse(f"/cycles/{cycle_id}/ledgers/matters/{row.id}", status_code=303)


@router.post("/cycles/{cycle_id}/ledgers/lists", response_model=None)
def close_list(
    request: Request,
    cycle_id: RowId,
    user: Creator,
    session: DB,
    batch: Text = "",
    on: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf)
    cycle, scheme = _cycle(session, cycle_id, user)
    assert user is not None
    with i18n.language(page_lang(request)):
        try:
            try:
                day = dt.date.fromisoformat(on.strip())
            except ValueError:
                raise LedgerWebError([word("web.bad_date", field=word("col.closed"))]) from None
            ledgers.close_talk_list(session, cycle, batch.strip(), day, user, _address(request))
            session.commit()
        except LedgerWebError as exc:
            session.rollback()
            return _matters_page(
                request, session, cycle, scheme, user, "talk", exc.problems, None, 422
            )
    return RedirectResponse(f"/cycles/{cycle_id}/ledgers/matters?kind=talk", status_code=303)


def _matter(
    session: Session, cycle_id: int, matter_id: int, user: User | None
) -> tuple[Cycle, Scheme, LedgerMatter, Matter]:
    cycle, scheme = _cycle(session, cycle_id, user)
    row = session.get(LedgerMatter, matter_id)
    if row is None or row.cycle_id != cycle.id:
        raise HTTPException(404, i18n.both("ledgers.say.no_such_matter"))
    m = ledgers.matter_of(row, ledgers.events_of(session, row))
    if not ledgers.may_see_matter(user, m):
        raise HTTPException(404, i18n.both("ledgers.say.no_such_matter"))
    return cycle, scheme, row, m


def _matter_page(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    row: LedgerMatter,
    m: Matter,
    user: User | None,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    on = ledgers.matters_date(session, cycle, scheme)
    states = replay(m)
    lang = page_lang(request)
    return render(
        request,
        "ledgers_matter.html",
        user,
        w=_words(lang),
        cycle=cycle,
        row=row,
        m=m,
        flags=_flags(m, on),
        on=on,
        steps=list(zip(m.events, states[1:], strict=False)),
        units=_unit_names(scheme),
        actions=_actions(m, user),
        errors=errors or [],
        status_code=status_code,
    )


def _actions(m: Matter, user: User | None) -> list[str]:
    from kaohe.ledgers.workflow import STEPS

    allowed: list[str] = [a for (k, a) in STEPS if k == m.kind]
    if user is not None and user.role != "office":
        allowed = [a for a in allowed if a in ledgers.UNIT_ACTIONS]
    return allowed


@router.get("/cycles/{cycle_id}/ledgers/matters/{matter_id}", response_class=HTMLResponse)
def matter_page(
    request: Request, cycle_id: RowId, matter_id: RowId, user: MatterViewer, session: DB
) -> HTMLResponse:
    cycle, scheme, row, m = _matter(session, cycle_id, matter_id, user)
    return _matter_page(request, session, cycle, scheme, row, m, user)


@router.post("/cycles/{cycle_id}/ledgers/matters/{matter_id}/events", response_model=None)
def add_event(
    request: Request,
    cycle_id: RowId,
    matter_id: RowId,
    user: Actor,
    session: DB,
    action: Text = "",
    on: Text = "",
    unit: Text = "",
    by: Text = "",
    text: Text = "",
    deadline: Text = "",
    evidence: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf)
    cycle, scheme, row, m = _matter(session, cycle_id, matter_id, user)
    assert user is not None
    if user.role == "unit":
        unit = user.unit or ""
    with i18n.language(page_lang(request)):
        try:
            event = ledgers.parse_event(action, on, unit, by, text, deadline, evidence)
            ledgers.record_event(session, cycle, row, event, user, _address(request))
            session.commit()
        except LedgerWebError as exc:
            session.rollback()
            return _matter_page(request, session, cycle, scheme, row, m, user, exc.problems, 422)
    return RedirectResponse(f"/cycles/{cycle_id}/ledgers/matters/{matter_id}", status_code=303)


# --------------------------------------------------------------------------- inbox


def _inbox_sections(session: Session, user: User) -> list[dict[str, Any]]:
    sections = []
    for cycle in session.execute(select(Cycle).order_by(Cycle.id.desc())).scalars():
        if cycle.state == "final" or (cycle.state == "draft" and user.role != "office"):
            continue
        scheme = scheme_of(cycle, session)
        on = ledgers.matters_date(session, cycle, scheme)
        items = ledgers.inbox_of(session, cycle, scheme, user, on, SOON)
        codes = dict(
            session.execute(
                select(LedgerMatter.code, LedgerMatter.id).where(LedgerMatter.cycle_id == cycle.id)
            ).all()
        )
        sections.append(
            {
                "cycle": cycle,
                "on": on,
                "due": items.due,
                "reviews": items.reviews,
                "refused": items.refused,
                "entry": items.entry,
                "codes": codes,
                "units": _unit_names(scheme),
            }
        )
    return sections


def _inbox_page(
    request: Request, session: Session, user: User, message: str = "", status_code: int = 200
) -> HTMLResponse:
    lang = page_lang(request)
    return render(
        request,
        "ledgers_inbox.html",
        user,
        w=_words(lang),
        sections=_inbox_sections(session, user),
        message=message,
        smtp=bool(request.app.state.settings.smtp_host),
        status_code=status_code,
    )


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, user: Inbox, session: DB) -> HTMLResponse:
    assert user is not None
    return _inbox_page(request, session, user)


@router.post("/cycles/{cycle_id}/ledgers/remind", response_model=None)
def remind(
    request: Request, cycle_id: RowId, user: Reminder, session: DB, csrf: Text = ""
) -> Response:
    check_csrf(request, csrf)
    cycle, scheme = _cycle(session, cycle_id, user)
    assert user is not None
    with i18n.language(page_lang(request)):
        try:
            sent = reminders.send(
                session, cycle, scheme, request.app.state.settings, user, _address(request)
            )
            session.commit()
        except LedgerWebError as exc:
            session.rollback()
            return _inbox_page(request, session, user, "; ".join(exc.problems), 422)
        ok = sum(1 for r in sent if r.ok)
        message = word("web.reminded", n=ok, failed=len(sent) - ok)
    return _inbox_page(request, session, user, message)


# --------------------------------------------------------------------------- the board


def _funnel_chart(title: str, axis: str, labels: list[str], values: list[int]) -> Markup:
    top = max([*values, 1])
    bars = tuple(
        Bar(label, float(v), series_colour(k) if len(values) <= 6 else BAR, str(v))
        for k, (label, v) in enumerate(zip(labels, values, strict=True))
    )
    return Markup(bar_chart(BarChart(title, axis, bars, float(top))))


@router.get("/board/{cycle_id}/ledgers", response_class=HTMLResponse)
def board_ledgers(request: Request, cycle_id: RowId, user: Public, session: DB) -> HTMLResponse:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not can_see_cycle(user, cycle):
        raise HTTPException(404, i18n.both("ledgers.say.no_such_cycle"))
    scheme = scheme_of(cycle, session)
    on = ledgers.the_date(scheme)
    lang = page_lang(request)
    w = _words(lang)
    pf, mf = ledgers.frames(session, cycle, scheme)
    context: dict[str, Any] = {"cycle": cycle, "on": on, "units": _unit_names(scheme)}
    if pf is not None:
        by_unit = funnel(pf, on, "unit", scheme.period.start)
        by_force = funnel(pf, on, "task_force", scheme.period.start)
        city = [int(x) for x in by_unit.counts[-1]]
        signed = PIPELINE.index("signed")
        forces = [(k, int(by_force.entered[i, signed])) for i, k in enumerate(by_force.keys) if k]
        context.update(
            by_unit=by_unit,
            city_chart=_funnel_chart(
                w("web.city_funnel"),
                w("web.projects_axis"),
                [w(f"stage.{s}") for s in STAGES],
                city,
            ),
            force_chart=_funnel_chart(
                w("web.signed_by_force"),
                w("web.projects_axis"),
                [k for k, _ in forces],
                [v for _, v in forces],
            )
            if forces
            else None,
        )
    fields = ledgers.public_fields(session, cycle)
    if fields and pf is not None:
        offset = page_offset(request)
        listed = list(
            session.execute(
                select(LedgerProject)
                .where(LedgerProject.cycle_id == cycle.id)
                .order_by(LedgerProject.unit, LedgerProject.code)
                .limit(PAGE)
                .offset(offset)
            ).scalars()
        )
        context.update(
            fields=fields,
            listed=listed,
            listed_invested={r.id: ledgers.project_of(r, []).invested() for r in listed},
            offset=offset,
            page=PAGE,
            total=len(pf),
        )
    if mf is not None:
        public = [m for m in mf.matters if m.kind == "challenge" and m.public]
        when = ledgers.matters_date(session, cycle, scheme)
        context["challenges"] = [(m, _flags(m, when)) for m in public]
    return _page(request, "ledgers_board.html", user, stages=STAGES, **context)
