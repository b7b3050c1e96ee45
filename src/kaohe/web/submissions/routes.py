"""Data entry: reporters enter their department's values by form or upload the workbook."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload

from kaohe.dataset import cell_problem, check_tables, column_label, header_key, row_bound
from kaohe.errors import DataError, Issue
from kaohe.i18n import Said, both, said, t
from kaohe.io.data_files import read_tables
from kaohe.io.template import write_template
from kaohe.scheme import Scheme
from kaohe.web.audit import chain as audit
from kaohe.web.cycles.service import CycleError
from kaohe.web.deps import (
    DB,
    Access,
    Fields,
    RowId,
    check_csrf,
    flash_after,
    page_lang,
    render,
    save_in_batch,
    work_cycle,
)
from kaohe.web.policy import department_of
from kaohe.web.store import writer
from kaohe.web.store.models import Cycle, User, Value
from kaohe.web.submissions import declarations, staging
from kaohe.web.submissions import service as submissions
from kaohe.web.submissions.pages import entry_page
from kaohe.web.submissions.service import entry_columns, latest_values

router = APIRouter(include_in_schema=False)  # pages: the API is documented


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


Reporter = Annotated[User | None, Depends(Access("values.enter"))]


Cell = tuple[str, str]  # (unit, column)


FEW_CELLS = 8  # up to this many cells sent, each cell's newest version is looked up alone


_VALUES = Value.__table__.c


_NEWEST_OF_CELL = (
    select(_VALUES.version, _VALUES.raw)
    .where(
        _VALUES.cycle_id == bindparam("cycle"),
        _VALUES.unit == bindparam("unit"),
        _VALUES.column == bindparam("column"),
        _VALUES.period == "",  # the annual value (monitoring periods have their own pages)
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


@router.get("/cycles/{cycle_id}/entry", response_class=HTMLResponse)
def entry_form(request: Request, cycle_id: RowId, user: Reporter, session: DB) -> HTMLResponse:
    cycle, scheme = work_cycle(session, cycle_id, user)
    return entry_page(request, session, cycle, scheme, user, errors=[], status_code=200)


@router.post("/cycles/{cycle_id}/entry", response_model=None)
async def entry_submit(request: Request, cycle_id: RowId, user: Reporter) -> Response:
    return await save_in_batch(_entry_save, request, cycle_id, user)


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
    latest = _newest_sent(session, cycle, scheme, user, entered)
    changes = [
        (uid, key, raw)
        for uid, key, raw in _checked(
            scheme, user, entered, errors, where, latest, page_lang(request)
        )
        if raw != (latest[(uid, key)].raw.strip() if (uid, key) in latest else "")
    ]
    if errors:  # all or nothing: nothing is saved
        return entry_page(request, session, cycle, scheme, user, errors, 422, entered)
    try:
        for uid, key, raw in changes:
            base = (bases or {}).get(f"{uid}:{key}")
            old = latest.get((uid, key))
            submissions.submit(
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
            return entry_page(request, s, cycle, scheme, user, [message], 409, entered)

        raise writer.Refused(conflict) from exc
    if changes:
        flash_after(request, "web.flash_saved", n=len(changes))
    else:
        flash_after(request, "web.flash_unchanged")
    return RedirectResponse(f"/cycles/{cycle.id}/entry", status_code=303)


def _newest_sent(
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    entered: dict[str, str],
    locked: bool = True,
) -> dict[Cell, Any]:
    """The newest version of each cell of the department that ``entered`` names, read under
    the audit lock (no one else can change them meanwhile) unless ``locked`` is False (a
    preview, which writes nothing)."""
    cols = {key for _, key, _ in entry_columns(scheme, user)}
    cells = {tuple(name.split(":", 2)[1:]) for name in entered if name.count(":") >= 2}
    sent = sorted((u, k) for u, k in cells if k in cols)
    if locked:
        audit.lock(session)  # read the newest versions as no one else can change them
    if len(sent) <= FEW_CELLS:
        return _newest_of(session, cycle, sent)
    return dict(latest_values(session, cycle, sorted({k for _, k in sent})))


def _checked(
    scheme: Scheme,
    user: User | None,
    entered: dict[str, str],
    errors: list[str],
    where: dict[str, str] | None,
    latest: dict[Cell, Any],
    lang: str,
) -> list[tuple[str, str, str]]:
    """Every entered cell of the department as (unit, column, stripped text), in the order
    sent; each problem (a cell not the department's, a changed text a cell cannot hold) added
    to ``errors``, located, in the page's language, naming the unit and the indicator."""
    cols = {key for _, key, _ in entry_columns(scheme, user)}
    out: list[tuple[str, str, str]] = []
    for name, raw in entered.items():
        _, uid, key = name.split(":", 2)
        if uid not in scheme.units or key not in cols:
            errors.append(f"{name}: {both('web.say.not_your_column')}")
            continue
        old = latest.get((uid, key))
        if raw.strip() != (old.raw if old else "").strip() and raw.strip():
            problem = cell_problem(scheme, key, raw)
            if problem:
                place = (where or {}).get(
                    name
                ) or f"{scheme.units[uid].name} · {_column(scheme, key)}"
                errors.append(f"{place}: {said(problem, lang)}")
        out.append((uid, key, raw.strip()))
    return out


@router.post("/cycles/{cycle_id}/no-incidents", response_model=None)
async def no_incidents(request: Request, cycle_id: RowId, user: Reporter) -> Response:
    """无事项: state (``do=declare``) or withdraw (``do=withdraw``) that ``unit`` has no
    incidents on the department's items left blank; in the writer's batch, like the entry."""
    return await save_in_batch(_no_incidents_save, request, cycle_id, user)


def _no_incidents_save(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    fields: Fields,
) -> Response:
    form = dict(fields)
    unit, dept = form.get("unit", "").strip(), department_of(user) or ""
    act = declarations.withdraw if form.get("do") == "withdraw" else declarations.declare
    try:
        act(session, cycle, scheme, dept, unit, user)
    except declarations.DeclarationError as exc:
        message, status = exc.text(page_lang(request)), exc.status

        def refused(s: Session) -> Response:
            return entry_page(request, s, cycle, scheme, user, [message], status)

        raise writer.Refused(refused) from exc
    said = "web.flash_withdrawn" if form.get("do") == "withdraw" else "web.flash_declared"
    flash_after(request, said, unit=scheme.units[unit].name if unit in scheme.units else unit)
    return RedirectResponse(f"/cycles/{cycle.id}/entry", status_code=303)


@router.get("/cycles/{cycle_id}/template.xlsx")
def template_download(cycle_id: RowId, user: Reporter, session: DB) -> Response:
    """The data-entry workbook of the cycle's scheme (one sheet per department)."""
    cycle, scheme = work_cycle(session, cycle_id, user)
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
        raise HTTPException(413, both("web.say.file_too_large", mb=limit // 2**20))
    check_csrf(request, str(form.get("csrf", "")))
    scheme = await run_in_threadpool(_readable_scheme, request, cycle_id, user)
    suffix = Path(name).suffix.lower()
    problem = ""
    if not name:
        problem = both("web.say.choose_file")
    elif suffix not in (".xlsx", ".csv"):
        problem = f"{name}: {both('web.say.only_xlsx_or_csv')}"
    read: Read = (
        ({}, {}, [problem])
        if problem
        else await run_in_threadpool(
            _read_upload, scheme, user, body, suffix, name, page_lang(request)
        )
    )
    return await run_in_threadpool(_upload_preview, request, cycle_id, user, read, name)


def _upload_preview(
    request: Request, cycle_id: int, user: User | None, read: Read, name: str
) -> Response:
    """What the upload would change, shown for confirmation; nothing is written. The staged
    upload's hash is kept in the session: the confirmation must carry the same cells."""
    cells, where, errors = read
    with request.app.state.sessions() as session:
        session.connection(execution_options={"kaohe_read": True})
        cycle, scheme = work_cycle(session, cycle_id, user)
        lang = page_lang(request)
        if cycle.state != "collecting":
            return entry_page(request, session, cycle, scheme, user, [t("web.closed", lang)], 409)
        latest = _newest_sent(session, cycle, scheme, user, cells, locked=False)
        checked = _checked(scheme, user, cells, errors, where, latest, lang)
        if errors:  # nothing to confirm: every problem, located
            return entry_page(request, session, cycle, scheme, user, errors, 422, cells)
        preview = staging.stage(checked, latest)
        text = staging.payload(cycle.id, preview)
        token = staging.seal(text)
        request.session[staging.SESSION_KEY] = {"cycle": cycle.id, "hash": token}
        heads = {key: head for _, key, head in entry_columns(scheme, user)}
        return render(
            request,
            "upload_preview.html",
            user,
            cycle=cycle,
            preview=preview,
            staged=text,
            token=token,
            filename=name,
            units={uid: u.name for uid, u in scheme.units.items()},
            heads=heads,
        )


@router.post("/cycles/{cycle_id}/upload/confirm", response_model=None)
async def upload_confirm(request: Request, cycle_id: RowId, user: Reporter) -> Response:
    """Save the staged upload the reporter saw, if it is the one previewed and no cell of it
    changed since (else refused, nothing saved)."""
    answer = await save_in_batch(_confirm_save, request, cycle_id, user)
    if answer.status_code == 303:  # saved: the staged upload is spent
        request.session.pop(staging.SESSION_KEY, None)
    return answer


def _confirm_save(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    fields: Fields,
) -> Response:
    form = dict(fields)
    lang = page_lang(request)
    kept = request.session.get(staging.SESSION_KEY)
    try:
        cells = staging.unseal(form.get("staged", ""), form.get("token", ""), kept, cycle.id)
    except staging.StagingError:
        expired = t("web.upload_expired", lang)
        raise writer.Refused(
            lambda s: entry_page(request, s, cycle, scheme, user, [expired], 409)
        ) from None
    entered = {f"cell:{c.unit}:{c.column}": c.raw for c in cells}
    latest = _newest_sent(session, cycle, scheme, user, entered)
    moved = staging.stale(cells, latest)
    if moved:
        heads = {key: head for _, key, head in entry_columns(scheme, user)}
        lines = [
            t(
                "web.upload_stale",
                lang,
                unit=scheme.units[c.unit].name if c.unit in scheme.units else c.unit,
                indicator=heads.get(c.column, c.column),
                seen=c.base,
                now=now,
            )
            for c, now in moved
        ]
        raise writer.Refused(lambda s: entry_page(request, s, cycle, scheme, user, lines, 409))
    bases = {f"{c.unit}:{c.column}": c.base for c in cells}
    answer = _save(request, session, cycle, scheme, user, entered, [], bases=bases)
    if answer.status_code == 303:
        wrote = sum(1 for c in cells if c.raw != _latest_raw(latest, c))
        flash_after(request, "web.flash_uploaded", n=wrote)
    return answer


def _latest_raw(latest: dict[Cell, Any], c: staging.Staged) -> str:
    row = latest.get((c.unit, c.column))
    return row.raw.strip() if row is not None else ""


def _readable_scheme(request: Request, cycle_id: int, user: User | None) -> Scheme:
    """The cycle's scheme, read on a read-only session of its own (404 if not visible)."""
    with request.app.state.sessions() as session:
        session.connection(execution_options={"kaohe_read": True})
        return work_cycle(session, cycle_id, user)[1]


Read = tuple[dict[str, str], dict[str, str], list[str]]


def _read_upload(
    scheme: Scheme, user: User | None, body: bytes, suffix: str, name: str, lang: str
) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """{cell:unit:column: raw} of the department's columns, where each was read (the column's
    letter and the indicator's name), and every problem of the file itself, located, in the
    page's language."""
    mine = {key for _, key, _ in entry_columns(scheme, user)}
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
            return {}, {}, [i.text(lang).replace(str(path), name) for i in exc.issues]
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
                column = f"{column_label(k, table).split(' ')[0]} ({_column(scheme, key)})"
                at = Issue("", file=name, sheet=table.sheet, row=number, column=column)
                where = at.where_in(lang)
                if uid not in scheme.units:
                    unknown = Said("cell.unknown_unit", text=str(raw_unit), hint="")
                    errors.append(f"{where}: {said(unknown, lang)}")
                elif key not in mine:
                    errors.append(f"{where}: {both('web.say.not_your_column')}")
                else:
                    cells[f"cell:{uid}:{key}"] = _text(raw)
                    where_of[f"cell:{uid}:{key}"] = where
    return cells, where_of, errors


def _column(scheme: Scheme, key: str) -> str:
    """A column of the entry as people name it: the indicator's name (``name:item`` for an
    item, ``name:note`` for its note), else the key as written."""
    base, sep, rest = key.partition(":")
    ind = scheme.indicators.get(base)
    return f"{ind.name}{sep}{rest}" if ind is not None else key


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()
