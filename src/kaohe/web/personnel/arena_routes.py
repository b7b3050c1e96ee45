"""The arena contest (擂台比武): its design, marks and standings, and the public page."""

from __future__ import annotations

import json
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kaohe.i18n import both
from kaohe.web.deps import (
    DB,
    Access,
    Posted,
    RowId,
    actor_name,
    check_csrf,
    files_of,
    page_lang,
    render,
    visible_cycle,
)
from kaohe.web.personnel import arena
from kaohe.web.personnel import service as personnel
from kaohe.web.personnel.pages import office_write
from kaohe.web.policy import can_see_cycle
from kaohe.web.store.models import Cycle, User

router = APIRouter(include_in_schema=False)


Office = Annotated[User | None, Depends(Access("personnel.manage"))]


Public = Annotated[User | None, Depends(Access("board.view"))]


def _arena_page(
    request: Request,
    session: Session,
    cycle: Cycle,
    user: User | None,
    errors: list[str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    record = arena.latest_design(session, cycle)
    design = arena.parsed(record) if record is not None else None
    run = arena.latest_run(session, cycle)
    standings = arena.standings(session, run) if run is not None else []
    return render(
        request,
        "personnel_arena.html",
        user,
        cycle=cycle,
        record=record,
        design=design,
        run=run,
        standings=standings,
        panels=lambda s: json.loads(s.panels),
        explained=lambda s: arena.explanation(s, page_lang(request)),
        marks=arena.marks_count(session, cycle),
        stale=arena.staleness(session, cycle, run),
        errors=errors or [],
        notice=notice,
        status_code=status_code,
    )


@router.get("/cycles/{cycle_id}/personnel/arena", response_class=HTMLResponse)
def arena_page(request: Request, cycle_id: RowId, user: Office, session: DB) -> HTMLResponse:
    """The arena contest: its design, the judges' marks, the computed scores and ranks."""
    return _arena_page(request, session, visible_cycle(session, cycle_id, user), user)


@router.post("/cycles/{cycle_id}/personnel/arena/design", response_model=None)
def arena_design(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    _, files = files_of(request, form)
    cycle = visible_cycle(session, cycle_id, user)

    def write() -> str:
        if "design" not in files:
            raise personnel.PersonnelError(both("web.say.choose_file"))
        text = files["design"][1].decode("utf-8-sig")
        return f"v{arena.store_design(session, cycle, text, actor_name(user)).version}"

    return office_write(session, partial(_arena_page, request, session, cycle, user), write)


@router.post("/cycles/{cycle_id}/personnel/arena/marks", response_model=None)
def arena_marks(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    """Upload the judges' marks (replacing those before), all or nothing."""
    _, files = files_of(request, form)
    cycle = visible_cycle(session, cycle_id, user)

    def write() -> str:
        if "file" not in files:
            raise personnel.PersonnelError(both("web.say.choose_file"))
        with personnel.upload_file(*files["file"]) as path:
            return str(arena.import_marks(session, cycle, path, actor_name(user)))

    return office_write(session, partial(_arena_page, request, session, cycle, user), write)


@router.post("/cycles/{cycle_id}/personnel/arena/compute", response_model=None)
def arena_compute(
    request: Request, cycle_id: RowId, user: Office, form: Posted, session: DB
) -> Response:
    check_csrf(request, str(form.get("csrf", "")))
    cycle = visible_cycle(session, cycle_id, user)

    def write() -> Response:
        arena.compute(session, cycle, actor_name(user))
        return RedirectResponse(f"/cycles/{cycle_id}/personnel/arena", status_code=303)

    return office_write(session, partial(_arena_page, request, session, cycle, user), write)


@router.get("/board/{cycle_id}/arena", response_class=HTMLResponse)
def board_arena(request: Request, cycle_id: RowId, user: Public, session: DB) -> HTMLResponse:
    """The arena's ranks of a published cycle: contestants' names and ranks only."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not can_see_cycle(None, cycle):
        raise HTTPException(404, both("web.say.no_such_cycle"))
    run = arena.latest_run(session, cycle)
    record = arena.latest_design(session, cycle)
    rows: list[Any] = arena.standings(session, run) if run is not None else []
    return render(
        request,
        "board_arena.html",
        user,
        cycle=cycle,
        title=arena.parsed(record).name if record is not None else "",
        ranks=[(s.name or s.contestant_key, s.rank) for s in rows],
    )
