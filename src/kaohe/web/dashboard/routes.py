"""The dashboard of what is missing or waiting (the office sees every department; a
department's reporters and reviewers see their own)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from kaohe.dataset import header_key
from kaohe.io.template import template_columns
from kaohe.web import clock
from kaohe.web.cycles import service as cycles
from kaohe.web.dashboard.periods import period_board
from kaohe.web.dashboard.service import dashboard, unit_cells
from kaohe.web.deps import DB, Access, RowId, page_lang, render, visible_cycle
from kaohe.web.policy import department_of
from kaohe.web.store.models import User
from kaohe.web.submissions import declarations

router = APIRouter(include_in_schema=False)  # pages: the API is documented


Planner = Annotated[User | None, Depends(Access("schemes.manage"))]


Office = Annotated[User | None, Depends(Access("cycles.manage"))]


Watcher = Annotated[User | None, Depends(Access("cycles.dashboard"))]


@router.get("/cycles/{cycle_id}/dashboard", response_class=HTMLResponse)
def cycle_dashboard(request: Request, cycle_id: RowId, user: Watcher, session: DB) -> HTMLResponse:
    """Cells expected, approved, waiting, returned, declared none, blank (none) and missing,
    per department (with its deadline) and per unit; the standing statements of no
    incidents."""
    cycle = visible_cycle(session, cycle_id, user)
    scheme = cycles.scheme_of(cycle, session)
    own = department_of(user)
    chosen = request.query_params.get("department", "")
    if own is None and chosen in scheme.departments:  # the office drills down to a department
        own = chosen
    unit = request.query_params.get("unit", "")
    today = clock.local(datetime.now(UTC)).date()
    board = dashboard(session, cycle, scheme, today, own)
    cells = []
    if unit in scheme.units:
        heads = {
            header_key(h): h.rsplit(" [", 1)[0]
            for iid in scheme.indicators
            for h, _ in template_columns(scheme, iid)
        }
        cells = [
            (dept, heads.get(key, key), state)
            for dept, key, state in unit_cells(session, cycle, scheme, unit, own)
        ]
    return render(
        request,
        "dashboard.html",
        user,
        cycle=cycle,
        board=board,
        statements=declarations.statements(session, cycle, own),
        departments={d: x.name for d, x in scheme.departments.items()},
        units={uid: u.name for uid, u in scheme.units.items()},
        drill_department=own if own == chosen else "",
        drill_unit=unit if unit in scheme.units else "",
        cells=cells,
        state_labels=STATE_LABELS,
        base=f"/cycles/{cycle.id}/dashboard",
        may_choose=department_of(user) is None,
        periods=period_board(session, cycle, today, own, page_lang(request)),  # 调度数据
    )


#: a cell's state → the label of its dashboard column
STATE_LABELS = {
    "approved": "web.approved",
    "submitted": "web.waiting",
    "returned": "web.returned",
    "declared": "web.none_declared",
    "blank": "web.none_blank",
    "missing": "web.missing",
}
