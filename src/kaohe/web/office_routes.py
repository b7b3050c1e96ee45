"""The assessment office's planning pages — scheme versions, new cycles, their dates — and the
dashboard of what is missing or waiting (the office sees every department; a department's
reporters and reviewers see their own)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from kaohe.errors import KaoheError
from kaohe.web import cycles
from kaohe.web.app import DB, Access, Posted, RowId, check_csrf, render
from kaohe.web.cycles import CycleError, Schedule
from kaohe.web.dashboard import dashboard
from kaohe.web.permissions import department_of
from kaohe.web.store import Cycle, SchemeVersion, User

router = APIRouter(include_in_schema=False)  # pages: the API is documented
Planner = Annotated[User | None, Depends(Access("schemes.manage"))]
Office = Annotated[User | None, Depends(Access("cycles.manage"))]
Watcher = Annotated[User | None, Depends(Access("cycles.dashboard"))]
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
        today=date.today().isoformat(),
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
        return _schemes_page(request, session, user, ["请选择方案文件 / choose a scheme file"], 422)
    name = file.filename
    if not name.lower().endswith(SCHEME_SUFFIXES):
        return _schemes_page(request, session, user, [f"{name}: 只接受 .yaml / only .yaml"], 422)
    file.file.seek(0)
    body = file.file.read(limit + 1)
    if len(body) > limit:
        raise HTTPException(413, f"文件过大 / the file is larger than {limit // 2**20} MB")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _schemes_page(request, session, user, [f"{name}: 不是 UTF-8 文本 / not UTF-8"], 422)
    try:
        cycles.store_scheme(session, text, user.username if user else "system")
        session.commit()
    except KaoheError as exc:
        session.rollback()
        issues = [str(i).replace("scheme.yaml", name) for i in exc.issues]
        return _schemes_page(request, session, user, issues, 422)
    return RedirectResponse("/schemes", status_code=303)


def _day(fields: dict[str, str], key: str) -> date | None:
    raw = fields.get(key, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FormError(
            f"{key}: 日期格式应为 YYYY-MM-DD / not a date (YYYY-MM-DD): {raw!r}"
        ) from None


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
        raise FormError(f"{key}: 不是有效编号 / not a valid number: {raw!r}")
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
            raise FormError("scheme_version: 没有这个方案版本 / no such scheme version")
        cycle = cycles.create_cycle(
            session,
            version,
            fields.get("name", ""),
            user.username if user else "system",
            _schedule(fields),
        )
        session.commit()
    except (FormError, CycleError) as exc:
        session.rollback()
        return _schemes_page(request, session, user, [str(exc)], 422)
    return RedirectResponse(f"/cycles/{cycle.id}/manage", status_code=303)


@router.post("/cycles/{cycle_id}/schedule", response_model=None)
def cycle_schedule(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    """New dates for the cycle, refused (409) if it changed since the page was read."""
    fields = _fields(request, form)
    cycle = _cycle(session, cycle_id)
    try:
        cycles.reschedule(
            session,
            cycle,
            _schedule(fields),
            _int(fields, "revision"),
            user.username if user else "system",
        )
        session.commit()
    except (FormError, CycleError) as exc:
        session.rollback()
        return _manage_error(request, cycle_id, user, session, exc)
    return RedirectResponse(f"/cycles/{cycle_id}/manage", status_code=303)


@router.post("/cycles/{cycle_id}/version", response_model=None)
def cycle_version(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    """Bind a draft cycle to another scheme version."""
    fields = _fields(request, form)
    cycle = _cycle(session, cycle_id)
    try:
        version = session.get(SchemeVersion, _int(fields, "scheme_version"))
        if version is None:
            raise FormError("scheme_version: 没有这个方案版本 / no such scheme version")
        cycles.change_version(
            session, cycle, version, _int(fields, "revision"), user.username if user else "system"
        )
        session.commit()
    except (FormError, CycleError) as exc:
        session.rollback()
        return _manage_error(request, cycle_id, user, session, exc)
    return RedirectResponse(f"/cycles/{cycle_id}/manage", status_code=303)


def _cycle(session: Session, cycle_id: int) -> Cycle:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise HTTPException(404, "没有这个考核 / no such cycle")
    return cycle


def _manage_error(
    request: Request, cycle_id: int, user: User | None, session: Session, exc: Exception
) -> HTMLResponse:
    from kaohe.web.cycle_routes import manage_page

    status = 409 if isinstance(exc, cycles.ConflictError) else 422
    page = manage_page(request, cycle_id, user, session, error=str(exc))
    page.status_code = status
    return page


@router.get("/cycles/{cycle_id}/dashboard", response_class=HTMLResponse)
def cycle_dashboard(request: Request, cycle_id: RowId, user: Watcher, session: DB) -> HTMLResponse:
    """Cells expected, approved, waiting, returned and missing, per department (with its
    deadline) and per unit."""
    cycle = _cycle(session, cycle_id)
    if cycle.state == "draft" and (user is None or user.role != "office"):
        raise HTTPException(404, "没有这个考核 / no such cycle")
    scheme = cycles.scheme_of(cycle, session)
    own = department_of(user)
    board = dashboard(session, cycle, scheme, date.today(), own)
    return render(
        request,
        "dashboard.html",
        user,
        cycle=cycle,
        board=board,
        departments={d: x.name for d, x in scheme.departments.items()},
        units={uid: u.name for uid, u in scheme.units.items()},
    )
