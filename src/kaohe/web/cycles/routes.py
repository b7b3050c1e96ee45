"""A cycle's pages: the list of cycles, the office's planning (scheme versions, new cycles,
their dates and scheme version), its management page, moving the cycle through its states and
computing its results."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from kaohe.errors import KaoheError
from kaohe.i18n import both, t
from kaohe.web import clock, policy
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.cycles.service import CycleError, Schedule
from kaohe.web.deps import (
    DB,
    Access,
    Posted,
    RowId,
    check_csrf,
    flash,
    page_lang,
    render,
    visible_cycle,
    work_cycle,
)
from kaohe.web.personnel.compute import compute_results
from kaohe.web.store.models import CYCLE_STATES, Cycle, SchemeVersion, User, Value

router = APIRouter(include_in_schema=False)  # pages: the API is documented


Viewer = Annotated[User | None, Depends(Access("cycles.view"))]


Office = Annotated[User | None, Depends(Access("cycles.manage"))]


@router.get("/cycles", response_class=HTMLResponse)
def cycle_list(request: Request, user: Viewer, session: DB) -> HTMLResponse:
    found = session.execute(select(Cycle).order_by(Cycle.id.desc())).scalars()
    return render(
        request, "cycles.html", user, cycles=[c for c in found if policy.sees_cycle(user, c)]
    )


@router.get("/cycles/{cycle_id}/manage", response_class=HTMLResponse)
def manage_page(
    request: Request, cycle_id: RowId, user: Office, session: DB, error: str = ""
) -> HTMLResponse:
    cycle, scheme = work_cycle(session, cycle_id, user)
    counts: dict[str, Any] = {}
    for state, n in session.execute(
        select(Value.state, func.count()).where(Value.cycle_id == cycle.id).group_by(Value.state)
    ):
        counts[state] = n
    from kaohe.web.objections.service import changes

    return render(
        request,
        "manage.html",
        user,
        cycle=cycle,
        counts=counts,
        moves=moves.TRANSITIONS[cycle.state],
        error=error,
        states=CYCLE_STATES,
        schedule=cycles.schedule_of(session, cycle),
        departments={d: x.name for d, x in scheme.departments.items()},
        versions=session.execute(select(SchemeVersion).order_by(SchemeVersion.id.desc()))
        .scalars()
        .all(),
        changes=changes(session, cycle),
    )


@router.post("/cycles/{cycle_id}/move", response_model=None)
def move_cycle(
    request: Request,
    cycle_id: RowId,
    user: Office,
    session: DB,
    state: Annotated[str, Form()] = "",
    revision: Annotated[int | None, Form(ge=0, le=2_147_483_647)] = None,
    csrf: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Move the cycle; an irreversible move (publish, finalise, reopen) first answers a page
    that names its consequence, whose button sends the move again with ``confirm=yes``."""
    check_csrf(request, csrf)
    cycle, _ = work_cycle(session, cycle_id, user)
    consequence = irreversible(cycle.state, state)
    if consequence and confirm != "yes" and state in moves.TRANSITIONS[cycle.state]:
        return render(
            request,
            "move_confirm.html",
            user,
            cycle=cycle,
            state=state,
            revision=cycle.revision if revision is None else revision,
            consequence=consequence,
        )
    try:
        moves.move(session, cycle, state, user.username if user else "system", revision)
        session.commit()
    except CycleError as exc:
        session.rollback()
        page = manage_page(request, cycle_id, user, session, error=str(exc))
        page.status_code = 409 if isinstance(exc, cycles.ConflictError) else 422
        return page
    lang = page_lang(request)
    flash(request, "web.flash_moved", state=t(f"state.{state}", lang))
    return RedirectResponse(f"/cycles/{cycle_id}/manage", status_code=303)


#: (from, to) → the catalogue label naming the move's consequence: asked before it is made
CONSEQUENCES = {
    ("reviewing", "publicity"): "web.consequence_publish",
    ("objections_handled", "final"): "web.consequence_final",
    ("reviewing", "collecting"): "web.consequence_reopen",
}


def irreversible(state: str, to: str) -> str:
    """The label of the consequence of moving from ``state`` to ``to``, or "" for a move made
    without asking."""
    return CONSEQUENCES.get((state, to), "")


@router.post("/cycles/{cycle_id}/compute", response_model=None)
def compute_cycle(
    request: Request, cycle_id: RowId, user: Office, session: DB, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf)
    cycle, _ = work_cycle(session, cycle_id, user)
    try:
        _, failed = compute_results(session, cycle, user.username if user else "system")
        session.commit()
    except KaoheError as exc:
        session.rollback()
        return manage_page(request, cycle_id, user, session, error=str(exc))
    if failed is not None:  # the results are kept; the office is told why the grades are not
        return manage_page(
            request,
            cycle_id,
            user,
            session,
            error=t("web.cadres_failed", page_lang(request), reason=failed),
        )
    flash(request, "web.flash_computed")
    return RedirectResponse(f"/cycles/{cycle_id}/manage", status_code=303)


Planner = Annotated[User | None, Depends(Access("schemes.manage"))]


SCHEME_SUFFIXES = (".yaml", ".yml")


class FormError(ValueError):
    """A form field that cannot be read; the message names it."""


def _versions(session: Session) -> list[SchemeVersion]:
    return list(
        session.execute(select(SchemeVersion).order_by(SchemeVersion.id.desc())).scalars().all()
    )


def _schemes_page(
    request: Request, session: Session, user: User | None, errors: list[str], status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "schemes.html",
        user,
        status_code=status,
        versions=_versions(session),
        errors=errors,
        today=clock.local(datetime.now(UTC)).date().isoformat(),
    )


@router.get("/schemes", response_class=HTMLResponse)
def scheme_list(request: Request, user: Planner, session: DB) -> HTMLResponse:
    return _schemes_page(request, session, user, [])


@router.post("/schemes", response_model=None)
def scheme_upload(request: Request, user: Planner, form: Posted, session: DB) -> Response:
    """A scheme file becomes a new version (the same text is the same version); an invalid
    one is refused with every problem located by line and field."""
    limit = request.app.state.settings.max_upload_bytes
    check_csrf(request, str(form.get("csrf", "")))
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return _schemes_page(request, session, user, [both("web.say.choose_scheme_file")], 422)
    name = file.filename
    if not name.lower().endswith(SCHEME_SUFFIXES):
        return _schemes_page(request, session, user, [f"{name}: {both('web.say.only_yaml')}"], 422)
    file.file.seek(0)
    body = file.file.read(limit + 1)
    if len(body) > limit:
        raise HTTPException(413, both("web.say.file_too_large", mb=limit // 2**20))
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _schemes_page(request, session, user, [f"{name}: {both('web.say.not_utf8')}"], 422)
    try:
        cycles.store_scheme(session, text, user.username if user else "system")
        session.commit()
    except KaoheError as exc:
        session.rollback()
        issues = [str(i).replace("scheme.yaml", name) for i in exc.issues]
        return _schemes_page(request, session, user, issues, 422)
    flash(request, "web.flash_scheme_stored", name=name)
    return RedirectResponse("/schemes", status_code=303)


def _day(fields: dict[str, str], key: str) -> date | None:
    raw = fields.get(key, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FormError(f"{key}: {both('web.say.not_a_date')}: {raw!r}") from None


def _schedule(fields: dict[str, str]) -> Schedule:
    """The dates of a form: the cycle's, and ``deadline:<department>`` for departments."""
    return Schedule(
        _day(fields, "collection_deadline"),
        _day(fields, "publicity_start"),
        _day(fields, "publicity_end"),
        {k.removeprefix("deadline:"): _day(fields, k) for k in fields if k.startswith("deadline:")},
    )


def _int(fields: dict[str, str], key: str) -> int:
    raw = fields.get(key, "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise FormError(f"{key}: {both('web.say.not_a_valid_number')}: {raw!r}")
    return int(raw)


def _fields(request: Request, form: FormData) -> dict[str, str]:
    check_csrf(request, str(form.get("csrf", "")))
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


@router.post("/cycles/new", response_model=None)
def cycle_create(request: Request, user: Planner, form: Posted, session: DB) -> Response:
    """A new draft cycle on a scheme version, with its dates."""
    fields = _fields(request, form)
    try:
        version = session.get(SchemeVersion, _int(fields, "scheme_version"))
        if version is None:
            raise FormError(f"scheme_version: {both('web.say.no_such_scheme_version')}")
        schedule = _schedule(fields)
        cycle = cycles.create_cycle(
            session, version, fields.get("name", ""), user.username if user else "system", schedule
        )
        session.commit()
    except (FormError, CycleError) as exc:
        session.rollback()
        return _schemes_page(request, session, user, [str(exc)], 422)
    flash(request, "web.flash_cycle_created", name=cycle.name)
    _warn_past(request, schedule, _department_names(session, cycle))
    return RedirectResponse(f"/cycles/{cycle.id}/manage", status_code=303)


@router.post("/cycles/{cycle_id}/schedule", response_model=None)
def cycle_schedule(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    """New dates for the cycle, refused (409) if it changed since the page was read."""
    fields = _fields(request, form)
    cycle = visible_cycle(session, cycle_id, user)
    try:
        schedule = _schedule(fields)
        cycles.reschedule(
            session, cycle, schedule, _int(fields, "revision"), user.username if user else "system"
        )
        session.commit()
    except (FormError, CycleError) as exc:
        session.rollback()
        return _manage_error(request, cycle_id, user, session, exc)
    flash(request, "web.flash_schedule_saved")
    _warn_past(request, schedule, _department_names(session, cycle))
    return RedirectResponse(f"/cycles/{cycle_id}/manage", status_code=303)


def past_deadlines(schedule: Schedule, today: date) -> list[tuple[str, date]]:
    """The deadlines of ``schedule`` already past on ``today``: ("", day) for the cycle's
    collection deadline, (department, day) for a department's own."""
    out: list[tuple[str, date]] = []
    if schedule.collection_deadline and schedule.collection_deadline < today:
        out.append(("", schedule.collection_deadline))
    for dept, day in sorted(schedule.departments.items()):
        if day and day < today:
            out.append((dept, day))
    return out


def _department_names(session: Session, cycle: Cycle) -> dict[str, str]:
    return {d: x.name for d, x in cycles.scheme_of(cycle, session).departments.items()}


def _warn_past(request: Request, schedule: Schedule, names: dict[str, str]) -> None:
    """A warning for each deadline already past (saved all the same: a late cycle is real)."""
    today = clock.local(datetime.now(UTC)).date()
    for dept, day in past_deadlines(schedule, today):
        if dept:
            name = names.get(dept, dept)
            flash(request, "web.flash_past_department", department=name, day=day, today=today)
        else:
            flash(request, "web.flash_past_deadline", day=day, today=today)


@router.post("/cycles/{cycle_id}/version", response_model=None)
def cycle_version(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    """Bind a draft cycle to another scheme version."""
    fields = _fields(request, form)
    cycle = visible_cycle(session, cycle_id, user)
    try:
        version = session.get(SchemeVersion, _int(fields, "scheme_version"))
        if version is None:
            raise FormError(f"scheme_version: {both('web.say.no_such_scheme_version')}")
        cycles.change_version(
            session, cycle, version, _int(fields, "revision"), user.username if user else "system"
        )
        session.commit()
    except (FormError, CycleError) as exc:
        session.rollback()
        return _manage_error(request, cycle_id, user, session, exc)
    flash(request, "web.flash_version_changed", name=version.name)
    return RedirectResponse(f"/cycles/{cycle_id}/manage", status_code=303)


def _manage_error(
    request: Request, cycle_id: int, user: User | None, session: Session, exc: Exception
) -> HTMLResponse:
    status = 409 if isinstance(exc, cycles.ConflictError) else 422
    page = manage_page(request, cycle_id, user, session, error=str(exc))
    page.status_code = status
    return page
