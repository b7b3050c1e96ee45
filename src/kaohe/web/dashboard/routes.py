"""The dashboard of what is missing or waiting (the office sees every department; a
department's reporters and reviewers see their own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from kaohe.dataset import header_key
from kaohe.i18n import t
from kaohe.io.template import template_columns
from kaohe.scheme import Scheme
from kaohe.web import clock, lists
from kaohe.web.cycles import service as cycles
from kaohe.web.dashboard.periods import period_board
from kaohe.web.dashboard.service import STATES, cells, dashboard
from kaohe.web.deps import DB, Access, RowId, page_lang, page_offset, render, visible_cycle
from kaohe.web.policy import department_of
from kaohe.web.store.models import User
from kaohe.web.submissions import declarations

router = APIRouter(include_in_schema=False)  # pages: the API is documented


Planner = Annotated[User | None, Depends(Access("schemes.manage"))]


Office = Annotated[User | None, Depends(Access("cycles.manage"))]


Watcher = Annotated[User | None, Depends(Access("cycles.dashboard"))]


@dataclass
class Drill:
    """Where the dashboard is drilled to, from the query: the department (the office's choice;
    a department's own whatever it asks), the unit, the cells' state and a search of unit
    names; and a message per field that could not be read."""

    own: str | None
    department: str
    unit: str
    state: str
    q: str
    errors: dict[str, str]

    def query(self) -> dict[str, str]:
        return lists.query(department=self.department, unit=self.unit, state=self.state, q=self.q)

    def units(self, scheme: Scheme) -> set[str] | None:
        """The units whose names hold the search (None: no search)."""
        if not self.q:
            return None
        return {uid for uid, u in scheme.units.items() if lists.found(self.q, u.name, uid)}


def _drill(request: Request, scheme: Scheme, user: User | None) -> Drill:
    lang = page_lang(request)
    params = request.query_params
    errors: dict[str, str] = {}
    own = department_of(user)
    chosen = lists.choice(params, "department", scheme.departments, errors, lang)
    if own is None and chosen:  # the office drills down to a department
        own = chosen
    unit = lists.choice(params, "unit", scheme.units, errors, lang)
    state = lists.choice(params, "state", STATES, errors, lang)
    return Drill(own, own if own == chosen else "", unit, state, lists.text(params, "q"), errors)


def _heads(scheme: Scheme) -> dict[str, str]:
    """A column key → its header without the unit of measure's bracket."""
    return {
        header_key(h): h.rsplit(" [", 1)[0]
        for iid in scheme.indicators
        for h, _ in template_columns(scheme, iid)
    }


@router.get("/cycles/{cycle_id}/dashboard", response_class=HTMLResponse)
def cycle_dashboard(request: Request, cycle_id: RowId, user: Watcher, session: DB) -> HTMLResponse:
    """Cells expected, approved, waiting, returned, declared none, blank (none) and missing,
    per department (with its deadline) and per unit (searched by name, a page at a time); the
    cells of a department, a unit or a state, a page at a time; the standing statements of no
    incidents."""
    cycle = visible_cycle(session, cycle_id, user)
    scheme = cycles.scheme_of(cycle, session)
    drill = _drill(request, scheme, user)
    lang = page_lang(request)
    today = clock.local(datetime.now(UTC)).date()
    board = dashboard(session, cycle, scheme, today, drill.own)
    base = f"/cycles/{cycle.id}/dashboard"
    query = drill.query()
    matching = drill.units(scheme)
    by_unit = [(u, x) for u, x in board.by_unit.items() if matching is None or u in matching]
    unit_rows, unit_window = lists.sliced(
        by_unit, lists.offset(request.query_params, "units", drill.errors, lang)
    )
    shown: list[tuple[str, str, str, str]] = []
    cell_window = lists.window(0, 0)
    if drill.unit or drill.state or drill.department or drill.q:
        heads = _heads(scheme)
        found = cells(session, cycle, scheme, drill.own, drill.unit, drill.state, matching)
        page, cell_window = lists.sliced(found, page_offset(request))
        shown = [(d, u, heads.get(k, k), s) for d, u, k, s in page]
    unit_links = unit_window.links(base, query, key="units", anchor="#by-unit")
    return render(
        request,
        "dashboard.html",
        user,
        cycle=cycle,
        board=board,
        by_unit=unit_rows,
        unit_window=unit_window,
        unit_links=unit_links,
        statements=declarations.statements(session, cycle, drill.own),
        departments={d: x.name for d, x in scheme.departments.items()},
        units={uid: u.name for uid, u in scheme.units.items()},
        drill_department=drill.department,
        drill_unit=drill.unit,
        drill_state=drill.state,
        search=drill.q,
        filter_errors=drill.errors,
        cells=shown,
        cell_window=cell_window,
        cell_links=cell_window.links(base, query, anchor="#cells"),
        export={
            "csv": lists.href(base + ".csv", query),
            "xlsx": lists.href(base + ".xlsx", query),
        },
        states=[(s, STATE_LABELS[s]) for s in STATES],
        state_labels=STATE_LABELS,
        base=base,
        query=query,
        may_choose=department_of(user) is None,
        periods=period_board(session, cycle, today, drill.own, lang),  # 调度数据
    )


def _export(
    request: Request, session: Session, cycle_id: int, user: User | None, kind: str
) -> Response:
    cycle = visible_cycle(session, cycle_id, user)
    scheme = cycles.scheme_of(cycle, session)
    drill = _drill(request, scheme, user)
    lang = page_lang(request)
    heads = _heads(scheme)
    departments = {d: x.name for d, x in scheme.departments.items()}
    units = {uid: u.name for uid, u in scheme.units.items()}
    found = cells(session, cycle, scheme, drill.own, drill.unit, drill.state, drill.units(scheme))
    rows = (
        [departments.get(d, d), units.get(u, u), heads.get(k, k), t(STATE_LABELS[s], lang)]
        for d, u, k, s in found[: lists.EXPORT_LIMIT]
    )
    titles = [t(h, lang) for h in ("web.department", "unit", "web.indicator", "web.state")]
    return lists.export(kind, "cells", t("dashboard.cells_sheet", lang), titles, rows)


@router.get("/cycles/{cycle_id}/dashboard.csv", response_model=None)
def dashboard_csv(request: Request, cycle_id: RowId, user: Watcher, session: DB) -> Response:
    """The cells the dashboard is drilled to (every page), UTF-8 with BOM."""
    return _export(request, session, cycle_id, user, "csv")


@router.get("/cycles/{cycle_id}/dashboard.xlsx", response_model=None)
def dashboard_xlsx(request: Request, cycle_id: RowId, user: Watcher, session: DB) -> Response:
    """The cells the dashboard is drilled to (every page), as a workbook."""
    return _export(request, session, cycle_id, user, "xlsx")


#: a cell's state → the label of its dashboard column
STATE_LABELS = {
    "approved": "web.approved",
    "submitted": "web.waiting",
    "returned": "web.returned",
    "declared": "web.none_declared",
    "blank": "web.none_blank",
    "missing": "web.missing",
}
