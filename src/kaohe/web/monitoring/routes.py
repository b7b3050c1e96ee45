"""Monitoring pages (调度与预警): period entry and upload per department and period, the
reviewers' period review and acceptance of data warnings, the office's warning list with its
downloads, and the board's 比进度 progress pages (the whole cycle, one unit)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload

from kaohe.errors import DataError
from kaohe.i18n import both
from kaohe.io.data_files import read_tables
from kaohe.io.monitor_files import WARNING_COLUMNS
from kaohe.monitoring.monitor import Monitor
from kaohe.monitoring.plan import MonitorPlan
from kaohe.scheme import Scheme
from kaohe.web.cycles.service import CycleError
from kaohe.web.deps import (
    DB,
    Access,
    Fields,
    RowId,
    check_csrf,
    page_lang,
    render,
    row_id,
    save_in_batch,
    work_cycle,
)
from kaohe.web.monitoring import charts
from kaohe.web.monitoring import service as mon
from kaohe.web.policy import can_see_cycle, department_of
from kaohe.web.store import writer
from kaohe.web.store.models import Cycle, User

router = APIRouter(include_in_schema=False)  # pages: the API is documented

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Reporter = Annotated[User | None, Depends(Access("monitoring.enter"))]
Reviewer = Annotated[User | None, Depends(Access("monitoring.review"))]
Office = Annotated[User | None, Depends(Access("monitoring.warnings"))]
Viewer = Annotated[User | None, Depends(Access("board.view"))]
COLOURS = ("red", "amber", "green", "none")


def _plan(session: Session, cycle: Cycle) -> MonitorPlan:
    plan = mon.plan_of(session, cycle)
    if plan is None:
        raise HTTPException(404, both("monitoring.say.no_monitoring"))
    return plan


def _period(plan: MonitorPlan, request: Request, today: dt.date | None = None) -> str:
    """The period asked for (``?period=``), else the latest whose last day has passed."""
    asked = request.query_params.get("period", "")
    if asked in plan.calendar.ids:
        return asked
    day = today or dt.date.today()
    passed = [p for p, d in enumerate(plan.calendar.dates) if d < day]
    return plan.calendar.ids[passed[-1] if passed else 0]


def _periods(plan: MonitorPlan, lang: str) -> list[tuple[str, str]]:
    return [(pid, plan.calendar.label(p, lang)) for p, pid in enumerate(plan.calendar.ids)]


# --------------------------------------------------------------------------- entry


def _entry_page(
    request: Request,
    session: Session,
    cycle: Cycle,
    user: User | None,
    period: str,
    errors: list[str],
    status: int = 200,
    entered: dict[str, str] | None = None,
) -> HTMLResponse:
    plan = _plan(session, cycle)
    lang = page_lang(request)
    dept = department_of(user)
    p = plan.calendar.ids.index(period) if period in plan.calendar.ids else 0
    mine = [s for s in mon.department_series(plan, dept) if plan.dispatched[s, p]]
    latest = mon.newest_versions(session, cycle, [plan.calendar.ids[p]])
    rows = []
    for u, uid in enumerate(plan.units):
        cells = []
        for s in mine:
            sid = plan.series[s]
            old = latest.get((uid, sid, plan.calendar.ids[p]))
            name = f"cell:{uid}:{sid}"
            cells.append(
                {
                    "name": name,
                    "applies": bool(plan.applies[s, u]),
                    "raw": (entered or {}).get(name, old.raw if old else ""),
                    "state": old.state if old else "",
                    "comment": old.comment if old else "",
                    "version": old.version if old else 0,
                }
            )
        rows.append({"id": uid, "name": plan.scheme.units[uid].name, "cells": cells})
    columns = [(plan.series[s], plan.name(s), plan.unit_of_measure(s) or "") for s in mine]
    return render(
        request,
        "monitoring_entry.html",
        user,
        status_code=status,
        cycle=cycle,
        period=plan.calendar.ids[p],
        period_name=plan.calendar.label(p, lang),
        deadline=plan.calendar.deadlines[p],
        periods=_periods(plan, lang),
        columns=columns,
        rows=rows,
        errors=errors,
        open=cycle.state == "collecting",
    )


@router.get("/cycles/{cycle_id}/monitoring/entry", response_class=HTMLResponse)
def entry_form(request: Request, cycle_id: RowId, user: Reporter, session: DB) -> HTMLResponse:
    cycle, _ = work_cycle(session, cycle_id, user)
    plan = _plan(session, cycle)
    return _entry_page(request, session, cycle, user, _period(plan, request), [])


@router.post("/cycles/{cycle_id}/monitoring/entry", response_model=None)
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
    plan = _plan(session, cycle)
    period = form.get("period", "")
    entered = {k: v for k, v in form.items() if k.startswith("cell:")}
    checked = mon.check_entered(plan, department_of(user), period, entered)
    return _save(request, session, cycle, user, period, checked, entered)


def _save(
    request: Request,
    session: Session,
    cycle: Cycle,
    user: User | None,
    period: str,
    checked: mon.Checked,
    entered: dict[str, str] | None = None,
) -> Response:
    """Save every checked cell, or nothing: any problem, and the page comes back with all of
    them (nothing written)."""
    shown = period if period in _plan(session, cycle).calendar.ids else ""
    if checked.errors:
        return _entry_page(request, session, cycle, user, shown, checked.errors, 422, entered)
    try:
        mon.save(session, cycle, checked.cells, user)
    except CycleError as exc:
        message = str(exc)

        def refused(s: Session) -> Response:
            return _entry_page(request, s, cycle, user, shown, [message], 409, entered)

        raise writer.Refused(refused) from exc
    return RedirectResponse(f"/cycles/{cycle.id}/monitoring/entry?period={shown}", status_code=303)


@router.get("/cycles/{cycle_id}/monitoring/template.xlsx")
def template_download(request: Request, cycle_id: RowId, user: Reporter, session: DB) -> Response:
    """The department's sheet for one period: a row per unit and indicator dispatched in it
    (the long table ``kaohe monitor`` reads), with the values already entered."""
    cycle, _ = work_cycle(session, cycle_id, user)
    plan = _plan(session, cycle)
    period = _period(plan, request)
    latest = mon.newest_versions(session, cycle, [period])
    body = mon.period_template(plan, department_of(user), period, latest, page_lang(request))
    name = f"monitoring-{cycle.id}-{period}.xlsx"
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/cycles/{cycle_id}/monitoring/upload", response_model=None)
async def upload(request: Request, cycle_id: RowId, user: Reporter) -> Response:
    """A filled sheet (.xlsx or .csv, any periods): read and checked whole in a worker thread
    (every bad cell located), then saved whole in the writer's batch, or not at all."""
    limit = request.app.state.settings.max_upload_bytes
    form = await request.form(max_files=1, max_fields=20)
    file = form.get("file")
    name, body = "", b""
    if isinstance(file, StarletteUpload) and file.filename:
        name, body = file.filename, await file.read(limit + 1)
    if len(body) > limit:
        raise HTTPException(413, both("monitoring.say.file_too_large", mb=limit // 2**20))
    check_csrf(request, str(form.get("csrf", "")))
    period = str(form.get("period", ""))
    plan = await run_in_threadpool(_readable_plan, request, cycle_id, user)
    suffix = Path(name).suffix.lower()
    if not name:
        checked = mon.Checked(errors=[both("monitoring.say.choose_file")])
    elif suffix not in (".xlsx", ".csv"):
        checked = mon.Checked(errors=[f"{name}: {both('monitoring.say.xlsx_or_csv')}"])
    else:
        checked = await run_in_threadpool(_read_upload, plan, user, body, suffix, name)

    def saved(s: Session) -> Response:
        cycle, _ = work_cycle(s, cycle_id, user)
        return _save(request, s, cycle, user, period, checked)

    return await writer.run(request.app.state.sessions, saved)


def _readable_plan(request: Request, cycle_id: int, user: User | None) -> MonitorPlan:
    with request.app.state.sessions() as session:
        session.connection(execution_options={"kaohe_read": True})
        cycle, _ = work_cycle(session, cycle_id, user)
        return _plan(session, cycle)


def _read_upload(
    plan: MonitorPlan, user: User | None, body: bytes, suffix: str, name: str
) -> mon.Checked:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(body)
        try:
            tables, _ = read_tables(path)
        except DataError as exc:
            return mon.Checked(errors=[str(i).replace(str(path), name) for i in exc.issues])
        return mon.check_tables(plan, department_of(user), tables, name, str(path))


# --------------------------------------------------------------------------- review


@router.get("/cycles/{cycle_id}/monitoring/review", response_class=HTMLResponse)
def review_page(request: Request, cycle_id: RowId, user: Reviewer, session: DB) -> HTMLResponse:
    cycle, _ = work_cycle(session, cycle_id, user)
    return _review_page(request, session, cycle, user, [])


def _review_page(
    request: Request,
    session: Session,
    cycle: Cycle,
    user: User | None,
    errors: list[str],
    status: int = 200,
) -> HTMLResponse:
    plan = _plan(session, cycle)
    lang = page_lang(request)
    dept = department_of(user)
    mine = {plan.series[s] for s in mon.department_series(plan, dept)}
    rows = mon.waiting(session, cycle, mine)
    m = mon.compute(session, cycle)
    accepted = mon.acceptances(session, cycle)
    data = mon.data_rows(m, accepted, mon.Filters(department=dept or ""), lang) if m else []
    labels = {pid: plan.calendar.label(p, lang) for p, pid in enumerate(plan.calendar.ids)}
    return render(
        request,
        "monitoring_review.html",
        user,
        status_code=status,
        cycle=cycle,
        waiting=rows,
        names={u: plan.scheme.units[u].name for u in plan.units},
        series={sid: plan.name(s) for s, sid in enumerate(plan.series)},
        labels=labels,
        data=data,
        errors=errors,
    )


@router.post("/cycles/{cycle_id}/monitoring/review", response_model=None)
async def review_submit(request: Request, cycle_id: RowId, user: Reviewer) -> Response:
    return await save_in_batch(_review_save, request, cycle_id, user)


def _review_save(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    fields: Fields,
) -> Response:
    form = dict(fields)
    approve = form.get("decision") == "approve"
    plan = _plan(session, cycle)
    mine = {plan.series[s] for s in mon.department_series(plan, department_of(user))}
    ids = [i for i in (row_id(v) for k, v in fields if k == "value") if i is not None]
    comments = {i: form.get(f"comment:{i}", "") or form.get("comment", "") for i in ids}
    try:
        if not ids:
            raise CycleError(both("monitoring.say.tick_values"))
        # the ticked values at once, all or none (one read, one batch of updates)
        mon.review_many(session, cycle, ids, approve, user, mine, comments)
    except CycleError as exc:
        message = str(exc)

        def refused(s: Session) -> Response:
            c, _ = work_cycle(s, cycle.id, user)
            return _review_page(request, s, c, user, [message], 409)

        raise writer.Refused(refused) from exc
    return RedirectResponse(f"/cycles/{cycle.id}/monitoring/review", status_code=303)


@router.post("/cycles/{cycle_id}/monitoring/accept", response_model=None)
async def accept_submit(request: Request, cycle_id: RowId, user: Reviewer) -> Response:
    return await save_in_batch(_accept_save, request, cycle_id, user)


def _accept_save(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    fields: Fields,
) -> Response:
    form = dict(fields)
    plan = _plan(session, cycle)
    key = (
        form.get("period", ""),
        form.get("unit", ""),
        form.get("indicator", ""),
        form.get("check", ""),
    )
    mine = {plan.series[s] for s in mon.department_series(plan, department_of(user))}
    try:
        if key[2] not in mine:
            raise mon.MonitoringError(both("monitoring.say.not_your_indicator"))
        mon.accept(session, cycle, plan, key, form.get("comment", ""), user)
    except CycleError as exc:
        message = str(exc)

        def refused(s: Session) -> Response:
            c, _ = work_cycle(s, cycle.id, user)
            return _review_page(request, s, c, user, [message], 422)

        raise writer.Refused(refused) from exc
    return RedirectResponse(f"/cycles/{cycle.id}/monitoring/review", status_code=303)


# --------------------------------------------------------------------------- the office


def _filters(request: Request, plan: MonitorPlan) -> mon.Filters:
    q = request.query_params
    dept = q.get("department", "")
    unit = q.get("unit", "")
    colour = q.get("colour", "")
    period = q.get("period", "")
    return mon.Filters(
        department=dept if dept in plan.scheme.departments else "",
        unit=unit if unit in plan.scheme.units else "",
        colour=colour if colour in COLOURS else "",
        period=period if period in plan.calendar.ids else "",
    )


def _monitor(session: Session, cycle: Cycle, period: str = "") -> Monitor | None:
    return mon.compute(session, cycle, period or None, dt.date.today())


@router.get("/cycles/{cycle_id}/monitoring/warnings", response_class=HTMLResponse)
def warnings_page(request: Request, cycle_id: RowId, user: Office, session: DB) -> HTMLResponse:
    cycle, _ = work_cycle(session, cycle_id, user)
    plan = _plan(session, cycle)
    lang = page_lang(request)
    filters = _filters(request, plan)
    m = _monitor(session, cycle)
    rows = mon.warning_rows(m, filters, lang) if m else []
    data = mon.data_rows(m, mon.acceptances(session, cycle), filters, lang) if m else []
    return render(
        request,
        "monitoring_warnings.html",
        user,
        cycle=cycle,
        filters=filters,
        rows=rows,
        data=data,
        counts={c: sum(1 for r in rows if r["colour"] == c) for c in COLOURS},
        periods=_periods(plan, lang),
        units=[(u, plan.scheme.units[u].name) for u in plan.units],
        departments=[(d, dep.name) for d, dep in plan.scheme.departments.items()],
        current=plan.calendar.label(m.current, lang) if m else "",
        as_of=m.as_of if m else None,
        query=request.url.query,
    )


@router.get("/cycles/{cycle_id}/monitoring/warnings.csv")
def warnings_csv(request: Request, cycle_id: RowId, user: Office, session: DB) -> Response:
    cycle, _ = work_cycle(session, cycle_id, user)
    plan = _plan(session, cycle)
    m = _monitor(session, cycle)
    rows = mon.warning_rows(m, _filters(request, plan), page_lang(request)) if m else []
    body = mon.csv_text(("department", *WARNING_COLUMNS), rows)
    return Response(
        body.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="warnings-{cycle.id}.csv"'},
    )


@router.get("/cycles/{cycle_id}/monitoring/warnings.xlsx")
def warnings_xlsx(request: Request, cycle_id: RowId, user: Office, session: DB) -> Response:
    cycle, _ = work_cycle(session, cycle_id, user)
    plan = _plan(session, cycle)
    lang = page_lang(request)
    m = _monitor(session, cycle)
    if m is None:
        raise HTTPException(404, both("monitoring.say.no_approved_values"))
    filters = _filters(request, plan)
    rows = mon.warning_rows(m, filters, lang)
    data = mon.data_rows(m, mon.acceptances(session, cycle), filters, lang)
    body = mon.warnings_xlsx(m, rows, data, lang)
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="warnings-{cycle.id}.xlsx"'},
    )


# --------------------------------------------------------------------------- the board


def _public(session: Session, user: User | None, cycle_id: int) -> tuple[Cycle, MonitorPlan]:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not can_see_cycle(user, cycle):
        raise HTTPException(404, both("monitoring.say.no_such_assessment"))
    return cycle, _plan(session, cycle)


@router.get("/board/{cycle_id}/monitoring", response_class=HTMLResponse)
def board_page(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    """比进度 through the year: per dispatched indicator a line per unit against its target
    path, the warning colours of the period, and the provisional ranking (暂定)."""
    cycle, plan = _public(session, user, cycle_id)
    lang = page_lang(request)
    asked = request.query_params.get("period", "")
    m = _monitor(session, cycle, asked if asked in plan.calendar.ids else "")
    context: dict[str, Any] = {"cycle": cycle, "tab": "monitoring", "m": m, "charts": []}
    if m is not None:
        units = list(range(len(plan.units)))
        chosen = request.query_params.get("indicator", "")
        context.update(_board_context(m, units, lang, chosen))
        prov = mon.provisional(m)
        order = {c: k for k, c in enumerate(plan.scheme.categories)}
        rows = prov.rows() if prov else []
        context["provisional"] = sorted(
            rows,
            key=lambda r: (order.get(r["category"], len(order)), r["rank_in_category"] or 10**9),
        )
        context["categories"] = {c: cat.name for c, cat in plan.scheme.categories.items()}
    return render(request, "monitoring_board.html", user, **context)


@router.get("/board/{cycle_id}/monitoring/units/{unit}", response_class=HTMLResponse)
def board_unit(
    request: Request, cycle_id: RowId, unit: str, user: Viewer, session: DB
) -> HTMLResponse:
    """One unit's lines against its target paths and its warnings."""
    cycle, plan = _public(session, user, cycle_id)
    if unit not in plan.units:
        raise HTTPException(404, both("monitoring.say.no_such_unit"))
    lang = page_lang(request)
    asked = request.query_params.get("period", "")
    m = _monitor(session, cycle, asked if asked in plan.calendar.ids else "")
    context: dict[str, Any] = {
        "cycle": cycle,
        "tab": "monitoring",
        "m": m,
        "charts": [],
        "unit": unit,
        "unit_name": plan.scheme.units[unit].name,
    }
    if m is not None:
        context.update(_board_context(m, [plan.units.index(unit)], lang))
        filters = mon.Filters(unit=unit)
        context["rows"] = mon.warning_rows(m, filters, lang)
        context["data"] = mon.data_rows(m, {}, filters, lang)
    return render(request, "monitoring_unit.html", user, **context)


ALL_CHARTS = 12  # up to this many dispatched indicators, the board draws every chart at once


def _board_context(m: Monitor, units: list[int], lang: str, chosen: str = "") -> dict[str, Any]:
    """The colour grid, and the charts: every indicator's for a scheme of a few, else the one
    chosen (``?indicator=``, by default the first) — a province's 60 indicators × 100 units
    would be a page of megabytes."""
    plan = m.plan
    p = m.current
    drawn = [s for s in range(len(plan.series)) if plan.dispatched[s, : p + 1].any()]
    if len(drawn) > ALL_CHARTS:
        picked = [s for s in drawn if plan.series[s] == chosen] or drawn[:1]
    else:
        picked = drawn
    figures = []
    for s in picked:
        sid = plan.series[s]
        shown = [u for u in units if plan.applies[s, u]]
        if not shown:
            continue
        figures.append(
            {"id": sid, "name": plan.name(s), "svg": Markup(charts.progress_svg(m, s, shown, lang))}
        )
    grid = []
    for u in units:
        cells = []
        for s in range(len(plan.series)):
            last = _last_dispatch(plan, s, p)
            code = int(m.colour[s, u, last]) if last is not None and plan.applies[s, u] else 0
            cells.append(("none", "red", "amber", "green")[code])
        grid.append(
            {"id": plan.units[u], "name": plan.scheme.units[plan.units[u]].name, "cells": cells}
        )
    return {
        "charts": figures,
        "choices": [] if picked == drawn else [(plan.series[s], plan.name(s)) for s in drawn],
        "grid": grid,
        "series_names": [plan.name(s) for s in range(len(plan.series))],
        "period_name": plan.calendar.label(p, lang),
        "periods": [
            (pid, plan.calendar.label(k, lang)) for k, pid in enumerate(plan.calendar.ids[: p + 1])
        ],
        "counts": m.counts(),
        "as_of": m.as_of,
    }


def _last_dispatch(plan: MonitorPlan, s: int, p: int) -> int | None:
    """The latest period up to ``p`` the indicator is dispatched in."""
    for k in range(p, -1, -1):
        if plan.dispatched[s, k]:
            return k
    return None
