"""The cycle's work pages: reporters enter their department's values, reviewers approve or
return them, the office moves the cycle and computes its results."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload

from kaohe.dataset import cell_problem, check_tables, header_key, row_bound
from kaohe.errors import DataError, KaoheError
from kaohe.io.data_files import read_tables
from kaohe.io.template import departments, template_columns, write_template
from kaohe.scheme import Scheme
from kaohe.web import audit, cycles, evidence, writer
from kaohe.web.app import DB, Access, RowId, check_csrf, render, row_id
from kaohe.web.cycles import CycleError
from kaohe.web.permissions import department_of
from kaohe.web.store import CYCLE_STATES, Cycle, SchemeVersion, User, Value

router = APIRouter(include_in_schema=False)  # pages: the API is documented
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Viewer = Annotated[User | None, Depends(Access("cycles.view"))]
Reporter = Annotated[User | None, Depends(Access("values.enter"))]
Reviewer = Annotated[User | None, Depends(Access("values.review"))]
Office = Annotated[User | None, Depends(Access("cycles.manage"))]


@router.get("/cycles", response_class=HTMLResponse)
def cycle_list(request: Request, user: Viewer, session: DB) -> HTMLResponse:
    query = select(Cycle).order_by(Cycle.id.desc())
    if user is None or user.role != "office":
        query = query.where(Cycle.state != "draft")
    return render(request, "cycles.html", user, cycles=session.execute(query).scalars().all())


def _cycle(session: Session, cycle_id: RowId, user: User | None) -> tuple[Cycle, Scheme]:
    # held for the session's life (its identity map holds rows weakly): a writer's batch reads
    # its cycle once
    held: dict[int, Cycle] = session.info.setdefault("kaohe_cycles", {})
    cycle = held.get(cycle_id) or session.get(Cycle, cycle_id)
    if cycle is not None:
        held[cycle_id] = cycle
    if cycle is None or (cycle.state == "draft" and (user is None or user.role != "office")):
        raise HTTPException(404, "没有这个考核 / no such cycle")
    return cycle, cycles.scheme_of(cycle, session)


def owned_cycle(
    session: Session, cycle_id: RowId, user: User | None
) -> tuple[Cycle, Scheme, set[str]]:
    """The cycle, its scheme and the column keys of the user's department."""
    cycle, scheme = _cycle(session, cycle_id, user)
    return cycle, scheme, {key for _, key, _ in _columns(scheme, user)}


def entry_error(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    message: str,
) -> HTMLResponse:
    """The entry page again, with one problem shown (status 422)."""
    return _entry_page(request, session, cycle, scheme, user, [message], 422)


def _columns(scheme: Scheme, user: User | None) -> list[tuple[str, str, str]]:
    """(indicator, column key, header) of the user's department's columns (values, items and
    notes), as in its sheet of the data-entry template."""
    dept = department_of(user)
    out = []
    for iid in departments(scheme).get(dept or "", []):
        for header, _ in template_columns(scheme, iid):
            out.append((iid, header_key(header), header.rsplit(" [", 1)[0]))
    return out


Cell = tuple[str, str]  # (unit, column)
FEW_CELLS = 8  # up to this many cells sent, each cell's newest version is looked up alone


_VALUES = Value.__table__.c
_NEWEST_OF_CELL = (
    select(_VALUES.version, _VALUES.raw)
    .where(
        _VALUES.cycle_id == bindparam("cycle"),
        _VALUES.unit == bindparam("unit"),
        _VALUES.column == bindparam("column"),
    )
    .order_by(_VALUES.version.desc())
    .limit(1)
)


def _newest_of(session: Session, cycle: Cycle, cells: list[tuple[str, str]]) -> dict[Cell, Any]:
    """The newest version (its ``version`` and ``raw``) of each of a few cells: one lookup down
    the cell's unique index each (fast whatever the table's statistics say)."""
    out = {}
    conn = session.connection()
    for unit, column in cells:
        row = conn.execute(
            _NEWEST_OF_CELL, {"cycle": cycle.id, "unit": unit, "column": column}
        ).one_or_none()
        if row is not None:
            out[(unit, column)] = row
    return out


def _latest(session: Session, cycle: Cycle, keys: list[str]) -> dict[tuple[str, str], Value]:
    rows = session.execute(
        select(Value).where(cycles.newest(cycle.id), Value.column.in_(keys))
    ).scalars()
    return {(v.unit, v.column): v for v in rows}


@router.get("/cycles/{cycle_id}/entry", response_class=HTMLResponse)
def entry_form(request: Request, cycle_id: RowId, user: Reporter, session: DB) -> HTMLResponse:
    cycle, scheme = _cycle(session, cycle_id, user)
    return _entry_page(request, session, cycle, scheme, user, errors=[], status_code=200)


def _entry_page(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    errors: list[str],
    status_code: int,
    entered: dict[str, str] | None = None,
) -> HTMLResponse:
    cols = _columns(scheme, user)
    latest = _latest(session, cycle, [k for _, k, _ in cols])
    files = evidence.of_values(session, [v.id for v in latest.values()])
    rows = []
    for uid, unit in scheme.units.items():
        cells = []
        for iid, key, _ in cols:
            v = latest.get((uid, key))
            name = f"cell:{uid}:{key}"
            cells.append(
                {
                    "name": name,
                    "applies": scheme.indicators[iid].applies_to(unit.category),
                    "raw": (entered or {}).get(name, v.raw if v else ""),
                    "state": v.state if v else "",
                    "base": v.version if v else 0,
                    "evidence": files.get(v.id, []) if v else [],
                    "comment": v.comment if v else "",
                }
            )
        rows.append({"id": uid, "name": unit.name, "cells": cells})
    return render(
        request,
        "entry.html",
        user,
        cycle=cycle,
        scheme=scheme,
        columns=cols,
        rows=rows,
        errors=errors,
        status_code=status_code,
        open=cycle.state == "collecting",
    )


Fields = list[tuple[str, str]]
Saver = Callable[[Request, Session, Cycle, Scheme, "User | None", Fields], Response]


async def _in_batch(saver: Saver, request: Request, cycle_id: int, user: User | None) -> Response:
    """Read the form here, then check its CSRF token, find the cycle and save in the writer's
    next batch (:mod:`kaohe.web.writer`): the event loop keeps serving other requests meanwhile."""
    form = await request.form()
    fields = [(k, str(v)) for k, v in form.multi_items()]

    def checked_save(session: Session) -> Response:
        check_csrf(request, dict(fields).get("csrf", ""))
        cycle, scheme = _cycle(session, cycle_id, user)
        return saver(request, session, cycle, scheme, user, fields)

    return await writer.run(request.app.state.sessions, checked_save)


@router.post("/cycles/{cycle_id}/entry", response_model=None)
async def entry_submit(request: Request, cycle_id: RowId, user: Reporter) -> Response:
    return await _in_batch(_entry_save, request, cycle_id, user)


def _entry_save(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    fields: Fields,
) -> Response:
    form = dict(fields)
    entered = {k: v for k, v in form.items() if k.startswith("cell:")}
    bases = {}
    for k, v in form.items():
        if k.startswith("base:") and v.isascii() and v.isdigit() and len(v) < 10:
            bases[k.removeprefix("base:")] = int(v)
    return _save(request, session, cycle, scheme, user, entered, [], bases=bases)


def _save(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    entered: dict[str, str],
    errors: list[str],
    where: dict[str, str] | None = None,
    bases: dict[str, int] | None = None,
) -> Response:
    """Check every entered cell; save the changed ones as new versions, all or none (in the
    writer's batch: committed by it). ``bases`` holds the version of each cell the form was read
    at: a cell saved by someone else since is a conflict, and nothing is saved."""
    cols = {key for _, key, _ in _columns(scheme, user)}
    cells = {tuple(name.split(":", 2)[1:]) for name in entered if name.count(":") >= 2}
    sent = sorted((u, k) for u, k in cells if k in cols)
    audit.lock(session)  # read the newest versions as no one else can change them
    if len(sent) <= FEW_CELLS:
        latest = _newest_of(session, cycle, sent)
    else:
        latest = _latest(session, cycle, sorted({k for _, k in sent}))
    changes: list[tuple[str, str, str]] = []
    for name, raw in entered.items():
        _, uid, key = name.split(":", 2)
        if uid not in scheme.units or key not in cols:
            errors.append(f"{name}: 不是您部门的填报项 / not a column of your department")
            continue
        old = latest.get((uid, key))
        if raw.strip() == (old.raw if old else "").strip():
            continue
        problem = cell_problem(scheme, key, raw) if raw.strip() else None
        if problem:
            place = (where or {}).get(name) or f"{scheme.units[uid].name} · {key}"
            errors.append(f"{place}: {problem}")
        changes.append((uid, key, raw.strip()))
    if errors:  # all or nothing: nothing is saved
        return _entry_page(request, session, cycle, scheme, user, errors, 422, entered)
    try:
        for uid, key, raw in changes:
            base = (bases or {}).get(f"{uid}:{key}")
            old = latest.get((uid, key))
            cycles.submit(
                session,
                cycle,
                uid,
                key,
                raw,
                user=user,
                base_version=base,
                newest=old.version if old else 0,
            )
    except CycleError as exc:
        message = str(exc)

        def conflict(s: Session) -> Response:
            return _entry_page(request, s, cycle, scheme, user, [message], 409, entered)

        raise writer.Refused(conflict) from exc
    return RedirectResponse(f"/cycles/{cycle.id}/entry", status_code=303)


@router.get("/cycles/{cycle_id}/template.xlsx")
def template_download(cycle_id: RowId, user: Reporter, session: DB) -> Response:
    """The data-entry workbook of the cycle's scheme (one sheet per department)."""
    cycle, scheme = _cycle(session, cycle_id, user)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.xlsx"
        write_template(scheme, path)
        body = path.read_bytes()
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="template-{cycle.id}.xlsx"'},
    )


@router.post("/cycles/{cycle_id}/upload", response_model=None)
async def upload(request: Request, cycle_id: RowId, user: Reporter) -> Response:
    """The department's filled template (.xlsx or .csv): every cell of its columns is checked,
    and the upload is saved whole or not at all. The file is read and checked in a worker
    thread, outside any transaction (no lock is held while a big file is parsed); only the
    saving runs in the writer's batch."""
    limit = request.app.state.settings.max_upload_bytes
    form = await request.form(max_files=1, max_fields=20)
    file = form.get("file")
    name, body = "", b""
    if isinstance(file, StarletteUpload) and file.filename:
        name, body = file.filename, await file.read(limit + 1)
    if len(body) > limit:
        raise HTTPException(413, f"文件过大 / the file is larger than {limit // 2**20} MB")
    check_csrf(request, str(form.get("csrf", "")))
    scheme = await run_in_threadpool(_readable_scheme, request, cycle_id, user)
    suffix = Path(name).suffix.lower()
    problem = ""
    if not name:
        problem = "请选择文件 / choose a file"
    elif suffix not in (".xlsx", ".csv"):
        problem = f"{name}: 只接受 .xlsx 或 .csv / only .xlsx or .csv"
    read: Read = (
        ({}, {}, [problem])
        if problem
        else await run_in_threadpool(_read_upload, scheme, user, body, suffix, name)
    )
    return await writer.run(
        request.app.state.sessions,
        lambda s: _upload_save(request, s, cycle_id, user, read),
    )


def _readable_scheme(request: Request, cycle_id: int, user: User | None) -> Scheme:
    """The cycle's scheme, read on a read-only session of its own (404 if not visible)."""
    with request.app.state.sessions() as session:
        session.connection(execution_options={"kaohe_read": True})
        return _cycle(session, cycle_id, user)[1]


Read = tuple[dict[str, str], dict[str, str], list[str]]


def _upload_save(
    request: Request, session: Session, cycle_id: int, user: User | None, read: Read
) -> Response:
    cycle, scheme = _cycle(session, cycle_id, user)
    cells, where, errors = read
    return _save(request, session, cycle, scheme, user, cells, list(errors), where)


def _read_upload(
    scheme: Scheme, user: User | None, body: bytes, suffix: str, name: str
) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """{cell:unit:column: raw} of the department's columns, where each was read, and every
    problem of the file itself, located."""
    mine = {key for _, key, _ in _columns(scheme, user)}
    by_name = {u.name: uid for uid, u in scheme.units.items()}
    cells: dict[str, str] = {}
    where_of: dict[str, str] = {}
    errors: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(body)
        try:
            tables, _ = read_tables(path, row_bound(scheme))  # no more rows than units
            repeated = check_tables(scheme, tables)  # the check kaohe run makes, too
            if repeated:
                raise DataError(repeated)
        except DataError as exc:
            return {}, {}, [str(i).replace(str(path), name) for i in exc.issues]
    for table in tables:
        keys = [header_key(h) for h in table.header]
        if "unit" not in keys:
            continue
        for number, row in table.rows:
            raw_unit = row[keys.index("unit")] if keys.index("unit") < len(row) else None
            uid = str(raw_unit).strip() if raw_unit is not None else ""
            uid = uid if uid in scheme.units else by_name.get(uid, uid)
            for k, key in enumerate(keys):
                raw = row[k] if k < len(row) else None
                if key in ("unit", "name", "category") or raw is None or str(raw).strip() == "":
                    continue
                where = f"{name}[{table.sheet or ''}] row {number}, column {key}"
                if uid not in scheme.units:
                    errors.append(f"{where}: unknown unit {raw_unit!r}")
                elif key not in mine:
                    errors.append(f"{where}: 不是您部门的填报项 / not a column of your department")
                else:
                    cells[f"cell:{uid}:{key}"] = _text(raw)
                    where_of[f"cell:{uid}:{key}"] = where
    return cells, where_of, errors


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


@router.get("/cycles/{cycle_id}/review", response_class=HTMLResponse)
def review_page(request: Request, cycle_id: RowId, user: Reviewer, session: DB) -> HTMLResponse:
    cycle, scheme = _cycle(session, cycle_id, user)
    keys = [k for _, k, _ in _columns(scheme, user)]
    waiting = (
        session.execute(
            select(Value)
            .where(Value.cycle_id == cycle.id, Value.state == "submitted", Value.column.in_(keys))
            .order_by(Value.unit, Value.column)
        )
        .scalars()
        .all()
    )
    names = {uid: u.name for uid, u in scheme.units.items()}
    files = evidence.of_values(session, [v.id for v in waiting])
    return render(
        request, "review.html", user, cycle=cycle, waiting=waiting, names=names, files=files
    )


@router.post("/cycles/{cycle_id}/review", response_model=None)
async def review_submit(request: Request, cycle_id: RowId, user: Reviewer) -> Response:
    return await _in_batch(_review_save, request, cycle_id, user)


def _review_save(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    fields: Fields,
) -> Response:
    form = dict(fields)
    keys = {k for _, k, _ in _columns(scheme, user)}
    approve = form.get("decision") == "approve"
    comment = form.get("comment", "")
    try:
        for vid in [row_id(v) for k, v in fields if k == "value"]:
            value = session.get(Value, vid) if vid is not None else None
            if value is None or value.cycle_id != cycle.id or value.column not in keys:
                raise HTTPException(403, "不是您部门的数据 / not your department's value")
            cycles.review(session, value, approve, user, comment)
    except (CycleError, ValueError) as exc:  # the writer rolls the batch's savepoint back
        raise HTTPException(409, str(exc)) from None
    return RedirectResponse(f"/cycles/{cycle.id}/review", status_code=303)


@router.get("/cycles/{cycle_id}/manage", response_class=HTMLResponse)
def manage_page(
    request: Request, cycle_id: RowId, user: Office, session: DB, error: str = ""
) -> HTMLResponse:
    cycle, scheme = _cycle(session, cycle_id, user)
    counts: dict[str, Any] = {}
    for state, n in session.execute(
        select(Value.state, func.count()).where(Value.cycle_id == cycle.id).group_by(Value.state)
    ):
        counts[state] = n
    from kaohe.web.objections import changes

    return render(
        request,
        "manage.html",
        user,
        cycle=cycle,
        counts=counts,
        moves=cycles.TRANSITIONS[cycle.state],
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
) -> Response:
    check_csrf(request, csrf)
    cycle, _ = _cycle(session, cycle_id, user)
    try:
        cycles.move(session, cycle, state, user.username if user else "system", revision)
        session.commit()
    except CycleError as exc:
        session.rollback()
        page = manage_page(request, cycle_id, user, session, error=str(exc))
        page.status_code = 409 if isinstance(exc, cycles.ConflictError) else 422
        return page
    return RedirectResponse(f"/cycles/{cycle_id}/manage", status_code=303)


@router.post("/cycles/{cycle_id}/compute", response_model=None)
def compute_cycle(
    request: Request, cycle_id: RowId, user: Office, session: DB, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf)
    cycle, _ = _cycle(session, cycle_id, user)
    try:
        cycles.compute(session, cycle, user.username if user else "system")
        session.commit()
    except KaoheError as exc:
        session.rollback()
        return manage_page(request, cycle_id, user, session, error=str(exc))
    return RedirectResponse(f"/cycles/{cycle_id}/manage", status_code=303)
