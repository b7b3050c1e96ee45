"""Objection pages: a unit files and follows its objections; the office answers them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from kaohe.web import evidence, objections
from kaohe.web.app import DB, Access, Posted, RowId, check_csrf, render
from kaohe.web.cycles import ConflictError, CycleError, scheme_of
from kaohe.web.evidence_routes import read_upload
from kaohe.web.store import Cycle, Objection, User

router = APIRouter(include_in_schema=False)  # pages: the API is documented
Viewer = Annotated[User | None, Depends(Access("objections.view"))]
Filer = Annotated[User | None, Depends(Access("objections.file"))]
Office = Annotated[User | None, Depends(Access("objections.answer"))]


def _page(
    request: Request,
    session: DB,
    cycle_id: RowId,
    user: User | None,
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or cycle.state == "draft":
        raise HTTPException(404, "没有这个考核 / no such cycle")
    query = select(Objection).where(Objection.cycle_id == cycle.id).order_by(Objection.id)
    if user is not None and user.role == "unit":
        query = query.where(Objection.unit == user.unit)  # a unit sees its own only
    scheme = scheme_of(cycle, session)
    mine = []
    if user is not None and user.role == "unit" and user.unit in scheme.units:
        category = scheme.units[user.unit].category
        mine = [
            (iid, ind.name) for iid, ind in scheme.indicators.items() if ind.applies_to(category)
        ]
    names = {iid: ind.name for iid, ind in scheme.indicators.items()}
    units = {uid: u.name for uid, u in scheme.units.items()}
    found = session.execute(query).scalars().all()
    return render(
        request,
        "objections.html",
        user,
        cycle=cycle,
        objections=found,
        files=evidence.of_objections(session, [o.id for o in found]),
        indicators=mine,
        names=names,
        units=units,
        error=error,
        status_code=status_code,
        changes=objections.changes(session, cycle) if user and user.role == "office" else [],
    )


@router.get("/cycles/{cycle_id}/objections", response_class=HTMLResponse)
def objection_list(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    return _page(request, session, cycle_id, user)


@router.post("/cycles/{cycle_id}/objections", response_model=None)
def objection_file(
    request: Request, cycle_id: RowId, user: Filer, form: Posted, session: DB
) -> Response:
    """File an objection with its reasons and, optionally, one evidence file."""
    fields, filename, body = read_upload(request, form)
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or user is None:
        raise HTTPException(404, "没有这个考核 / no such cycle")
    try:
        obj = objections.file(
            session, cycle, user, fields.get("indicator", ""), fields.get("reason", "")
        )
        if filename:
            limit = request.app.state.settings.max_upload_bytes
            evidence.attach(session, cycle, filename, body, user, limit, objection=obj)
        session.commit()
    except (CycleError, evidence.EvidenceError) as exc:
        session.rollback()
        return _page(request, session, cycle_id, user, str(exc), 422)
    return RedirectResponse(f"/cycles/{cycle_id}/objections", status_code=303)


@router.post("/objections/{objection_id}/answer", response_model=None)
def objection_answer(
    request: Request,
    objection_id: RowId,
    user: Office,
    session: DB,
    decision: Annotated[str, Form()] = "",
    answer: Annotated[str, Form()] = "",
    column: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    obj = session.get(Objection, objection_id)
    if obj is None or user is None:
        raise HTTPException(404, "没有这个异议 / no such objection")
    corrected = {column.strip(): value.strip()} if column.strip() and value.strip() else None
    try:
        objections.answer(session, obj, user, decision == "accept", answer, corrected)
        session.commit()
    except CycleError as exc:
        session.rollback()
        status = 409 if isinstance(exc, ConflictError) else 422
        return _page(request, session, obj.cycle_id, user, str(exc), status)
    return RedirectResponse(f"/cycles/{obj.cycle_id}/objections", status_code=303)
