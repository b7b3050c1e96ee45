"""亮: a unit's account (or the office) enters the unit's public commitments for a cycle — add,
edit (refused when the commitment changed since the form was read) and withdraw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kaohe.i18n import both, t
from kaohe.web.commitments import service as commitments
from kaohe.web.commitments.service import CommitmentError, Fields, StaleCommitmentError
from kaohe.web.cycles.service import scheme_of
from kaohe.web.deps import DB, Access, RowId, check_csrf, page_lang, render, visible_cycle
from kaohe.web.policy import may_edit_commitments
from kaohe.web.store.models import Commitment, Cycle, User

router = APIRouter(include_in_schema=False)  # pages: the API is documented
Editor = Annotated[User | None, Depends(Access("commitments.edit"))]
Text = Annotated[str, Form()]


def _typed(
    title: Text = "", detail: Text = "", responsible: Text = "", due: Text = "", progress: Text = ""
) -> dict[str, str]:
    """The fields of a commitment's form as typed (the add and the edit forms alike)."""
    return {
        "title": title,
        "detail": detail,
        "responsible": responsible,
        "due": due,
        "progress": progress,
    }


Typed = Annotated[dict[str, str], Depends(_typed)]


def _cycle_unit(session: Session, cycle_id: int, unit: str, user: User | None) -> Cycle:
    """The cycle, if the user may see it and write ``unit``'s commitments in it."""
    cycle = visible_cycle(session, cycle_id, user)
    if unit not in scheme_of(cycle, session).units:
        raise HTTPException(404, both("web.say.no_such_unit"))
    if not may_edit_commitments(user, unit):
        raise HTTPException(403, both("web.say.only_your_own_unit_s"))
    return cycle


def _commitment(
    session: Session, commitment_id: int, user: User | None
) -> tuple[Commitment, Cycle]:
    c = session.get(Commitment, commitment_id)
    if c is None:
        raise HTTPException(404, both("web.say.no_such_commitment"))
    return c, _cycle_unit(session, c.cycle_id, c.unit, user)


def _message(request: Request, exc: CommitmentError) -> str:
    lang = page_lang(request)
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


def _written(
    request: Request,
    session: Session,
    cycle: Cycle,
    unit: str,
    user: User,
    write: Callable[[], object],
    attempt: dict[int, dict[str, str]] | None = None,
) -> Response:
    """Do one write of ``unit``'s commitments and commit it, then back to the unit's page; a
    refused write leaves nothing and shows the page again with the reason (409 when the
    commitment changed since the form was read, else 422) and what was typed (``attempt``)."""
    try:
        write()
        session.commit()
    except CommitmentError as exc:
        session.rollback()
        status = 409 if isinstance(exc, StaleCommitmentError) else 422
        return _page(request, session, cycle, unit, user, _message(request, exc), status, attempt)
    return RedirectResponse(f"/cycles/{cycle.id}/units/{unit}/commitments", status_code=303)


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
    typed: Typed,
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf)
    cycle = _cycle_unit(session, cycle_id, unit, user)
    assert user is not None
    address = _address(request)

    def write() -> None:
        fields = commitments.parse(**typed)
        commitments.add(session, cycle, unit, fields, user, address)

    return _written(request, session, cycle, unit, user, write)


@router.post("/commitments/{commitment_id}", response_model=None)
def edit(
    request: Request,
    commitment_id: RowId,
    user: Editor,
    session: DB,
    typed: Typed,
    revision: Annotated[int, Form(ge=0, le=2_147_483_647)] = 0,
    csrf: Text = "",
) -> Response:
    check_csrf(request, csrf)
    c, cycle = _commitment(session, commitment_id, user)
    assert user is not None
    unit = c.unit
    address = _address(request)

    def write() -> None:
        fields: Fields = commitments.parse(**typed)
        commitments.edit(session, cycle, c, fields, revision, user, address)

    return _written(request, session, cycle, unit, user, write, {commitment_id: typed})


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
    address = _address(request)
    return _written(
        request,
        session,
        cycle,
        c.unit,
        user,
        lambda: commitments.withdraw(session, cycle, c, revision, user, address),
    )
