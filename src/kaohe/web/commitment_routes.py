"""亮: a unit's account (or the office) enters the unit's public commitments for a cycle — add,
edit (refused when the commitment changed since the form was read) and withdraw."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kaohe.i18n import t
from kaohe.web import commitments
from kaohe.web.app import DB, Access, RowId, check_csrf, render
from kaohe.web.commitments import CommitmentError, Fields, StaleCommitmentError
from kaohe.web.cycles import scheme_of
from kaohe.web.permissions import may_edit_commitments
from kaohe.web.store import Commitment, Cycle, User

router = APIRouter(include_in_schema=False)  # pages: the API is documented
Editor = Annotated[User | None, Depends(Access("commitments.edit"))]
Text = Annotated[str, Form()]


def _cycle_unit(session: Session, cycle_id: int, unit: str, user: User | None) -> Cycle:
    """The cycle, if the user may see it and write ``unit``'s commitments in it."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or (cycle.state == "draft" and (user is None or user.role != "office")):
        raise HTTPException(404, "没有这个考核 / no such cycle")
    if unit not in scheme_of(cycle, session).units:
        raise HTTPException(404, "没有这个考核对象 / no such unit")
    if not may_edit_commitments(user, unit):
        raise HTTPException(403, "只能编辑本单位的承诺 / only your own unit's commitments")
    return cycle


def _commitment(
    session: Session, commitment_id: int, user: User | None
) -> tuple[Commitment, Cycle]:
    c = session.get(Commitment, commitment_id)
    if c is None:
        raise HTTPException(404, "没有这条承诺 / no such commitment")
    return c, _cycle_unit(session, c.cycle_id, c.unit, user)


def _message(request: Request, exc: CommitmentError) -> str:
    lang = "en" if request.session.get("lang") == "en" else "zh"
    return t(f"board.err.{exc.key}", lang, **exc.values)


def _page(
    request: Request,
    session: Session,
    cycle: Cycle,
    unit: str,
    user: User | None,
    error: str = "",
    status_code: int = 200,
    attempt: dict[int, dict[str, str]] | None = None,
) -> HTMLResponse:
    scheme = scheme_of(cycle, session)
    return render(
        request,
        "commitments_edit.html",
        user,
        cycle=cycle,
        unit=unit,
        unit_name=scheme.units[unit].name,
        commitments=commitments.of_cycle(session, cycle, unit, withdrawn=True),
        error=error,
        attempt=attempt or {},
        status_code=status_code,
    )


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


@router.get("/cycles/{cycle_id}/units/{unit}/commitments", response_class=HTMLResponse)
def edit_page(
    request: Request, cycle_id: RowId, unit: str, user: Editor, session: DB
) -> HTMLResponse:
    cycle = _cycle_unit(session, cycle_id, unit, user)
    return _page(request, session, cycle, unit, user)


@router.post("/cycles/{cycle_id}/units/{unit}/commitments", response_model=None)
def add(
    request: Request,
    cycle_id: RowId,
    unit: str,
    user: Editor,
    session: DB,
    title: Text = "",
    detail: Text = "",
    responsible: Text = "",
    due: Text = "",
    progress: Text = "",
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf)
    cycle = _cycle_unit(session, cycle_id, unit, user)
    assert user is not None
    try:
        fields = commitments.parse(title, detail, responsible, due, progress)
        commitments.add(session, cycle, unit, fields, user, _address(request))
        session.commit()
    except CommitmentError as exc:
        session.rollback()
        return _page(request, session, cycle, unit, user, _message(request, exc), 422)
    return RedirectResponse(f"/cycles/{cycle_id}/units/{unit}/commitments", status_code=303)


@router.post("/commitments/{commitment_id}", response_model=None)
def edit(
    request: Request,
    commitment_id: RowId,
    user: Editor,
    session: DB,
    title: Text = "",
    detail: Text = "",
    responsible: Text = "",
    due: Text = "",
    progress: Text = "",
    revision: Annotated[int, Form(ge=0, le=2_147_483_647)] = 0,
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf)
    c, cycle = _commitment(session, commitment_id, user)
    assert user is not None
    unit = c.unit
    attempt = {
        "title": title,
        "detail": detail,
        "responsible": responsible,
        "due": due,
        "progress": progress,
    }
    try:
        fields: Fields = commitments.parse(title, detail, responsible, due, progress)
        commitments.edit(session, cycle, c, fields, revision, user, _address(request))
        session.commit()
    except CommitmentError as exc:
        session.rollback()
        status = 409 if isinstance(exc, StaleCommitmentError) else 422
        shown = {commitment_id: attempt}
        return _page(request, session, cycle, unit, user, _message(request, exc), status, shown)
    return RedirectResponse(f"/cycles/{cycle.id}/units/{unit}/commitments", status_code=303)


@router.post("/commitments/{commitment_id}/withdraw", response_model=None)
def withdraw(
    request: Request,
    commitment_id: RowId,
    user: Editor,
    session: DB,
    revision: Annotated[int, Form(ge=0, le=2_147_483_647)] = 0,
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf)
    c, cycle = _commitment(session, commitment_id, user)
    assert user is not None
    unit = c.unit
    try:
        commitments.withdraw(session, cycle, c, revision, user, _address(request))
        session.commit()
    except CommitmentError as exc:
        session.rollback()
        status = 409 if isinstance(exc, StaleCommitmentError) else 422
        return _page(request, session, cycle, unit, user, _message(request, exc), status)
    return RedirectResponse(f"/cycles/{cycle.id}/units/{unit}/commitments", status_code=303)
