"""The robustness pages: the office starts an analysis of a cycle's result and watches it run
(a progress bar, the page refreshing itself while it runs), reads its summary and publishes it;
the board shows the published one (rank intervals and grade probabilities per unit)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kaohe.i18n import both
from kaohe.web.cycles.service import scheme_of
from kaohe.web.deps import (
    DB,
    Access,
    RowId,
    actor_name,
    check_csrf,
    flash,
    page_lang,
    render,
    visible_cycle,
)
from kaohe.web.policy import can_see_cycle
from kaohe.web.robustness import service as robustness
from kaohe.web.store.models import Cycle, RobustnessRun, User

router = APIRouter(include_in_schema=False)  # pages: the API is documented
Office = Annotated[User | None, Depends(Access("robustness.run"))]
Viewer = Annotated[User | None, Depends(Access("board.view"))]


def _page(
    request: Request,
    cycle: Cycle,
    user: User | None,
    session: DB,
    error: str = "",
    status_code: int = 409,
) -> HTMLResponse:
    found = robustness.runs(session, cycle)
    latest = found[0] if found else None
    scheme = scheme_of(cycle, session)
    return render(
        request,
        "robustness.html",
        user,
        status_code=status_code if error else 200,
        cycle=cycle,
        runs=found,
        latest=latest,
        summary=robustness.summary(latest) if latest is not None else None,
        stalled={r.id for r in found if robustness.stalled(r)},
        running=latest is not None and latest.state == "running" and not robustness.stalled(latest),
        default_samples=scheme.robustness.samples,
        categories={cid: c.name for cid, c in scheme.categories.items()},
        error=error,
    )


@router.get("/cycles/{cycle_id}/robustness", response_class=HTMLResponse)
def robustness_page(request: Request, cycle_id: RowId, user: Office, session: DB) -> HTMLResponse:
    return _page(request, visible_cycle(session, cycle_id, user), user, session)


@router.post("/cycles/{cycle_id}/robustness", response_model=None)
def start_run(
    request: Request,
    cycle_id: RowId,
    user: Office,
    session: DB,
    tasks: BackgroundTasks,
    csrf: Annotated[str, Form()] = "",
    samples: Annotated[str, Form()] = "",
    gaps: Annotated[str, Form()] = "",
) -> Response:
    """Start a run; it is computed once this answer is sent (the page then shows it going)."""
    check_csrf(request, csrf)
    cycle = visible_cycle(session, cycle_id, user)
    lang = page_lang(request)
    raw = samples.strip()
    n = int(raw) if raw.isdigit() and len(raw) < 8 else 0 if raw else None
    try:
        row = robustness.start(
            session,
            cycle,
            actor_name(user),
            user.id if user else None,
            n if n is not None else scheme_of(cycle, session).robustness.samples,
            gaps == "on",
        )
        session.commit()
    except robustness.RobustnessError as exc:
        session.rollback()
        return _page(request, cycle, user, session, exc.text(lang), exc.status)
    tasks.add_task(robustness.run, request.app.state.sessions, row.id, actor_name(user))
    flash(request, "robustness.flash_started")
    return RedirectResponse(f"/cycles/{cycle_id}/robustness", status_code=303)


@router.post("/cycles/{cycle_id}/robustness/{run_id}/publish", response_model=None)
def publish_run(
    request: Request,
    cycle_id: RowId,
    run_id: RowId,
    user: Office,
    session: DB,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    cycle = visible_cycle(session, cycle_id, user)
    row = session.get(RobustnessRun, run_id)
    if row is None or row.cycle_id != cycle.id:
        raise HTTPException(404, both("robustness.no_such_run"))
    try:
        robustness.publish(session, row, actor_name(user))
        session.commit()
    except robustness.RobustnessError as exc:
        session.rollback()
        return _page(request, cycle, user, session, exc.text(page_lang(request)), exc.status)
    flash(request, "robustness.flash_published")
    return RedirectResponse(f"/cycles/{cycle_id}/robustness", status_code=303)


@router.get("/board/{cycle_id}/robustness", response_class=HTMLResponse)
def board_robustness(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    """The published analysis of the cycle's latest result, or a page saying there is none."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not can_see_cycle(user, cycle):
        raise HTTPException(404, both("web.say.no_such_cycle"))
    found = robustness.published(session, cycle)
    return render(
        request,
        "robustness_board.html",
        user,
        cycle=cycle,
        tab="robustness",
        run=found[0] if found else None,
        summary=found[1] if found else None,
        categories={cid: c.name for cid, c in scheme_of(cycle, session).categories.items()},
    )
