"""Objection pages: a unit files and follows its objections; the office answers them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from kaohe.dataset import cell_problem, header_key
from kaohe.i18n import both, t
from kaohe.io.template import template_columns
from kaohe.scheme import Scheme
from kaohe.web import policy
from kaohe.web.cycles.service import ConflictError, CycleError, scheme_of
from kaohe.web.deps import (
    DB,
    Access,
    Posted,
    RowId,
    check_csrf,
    flash,
    page_lang,
    read_upload,
    render,
    visible_cycle,
)
from kaohe.web.evidence import service as evidence
from kaohe.web.objections import service as objections
from kaohe.web.store.models import Cycle, Objection, User, Value
from kaohe.web.submissions import service as submissions

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
    cycle = visible_cycle(session, cycle_id, user)
    query = select(Objection).where(Objection.cycle_id == cycle.id).order_by(Objection.id)
    mine_only = policy.own_unit(user)
    if mine_only is not None:
        query = query.where(Objection.unit == mine_only)  # a unit sees its own only
    scheme = scheme_of(cycle, session)
    mine = []
    if mine_only in scheme.units:
        category = scheme.units[mine_only].category
        mine = [
            (iid, ind.name) for iid, ind in scheme.indicators.items() if ind.applies_to(category)
        ]
    names = {iid: ind.name for iid, ind in scheme.indicators.items()}
    units = {uid: u.name for uid, u in scheme.units.items()}
    found = session.execute(query).scalars().all()
    open_ones = [o for o in found if o.state == "open"] if policy.is_office(user) else []
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
        changes=objections.changes(session, cycle) if policy.is_office(user) else [],
        answering=_answer_columns(session, cycle, scheme, open_ones),
    )


def _answer_columns(
    session: DB, cycle: Cycle, scheme: Scheme, open_ones: list[Objection]
) -> dict[int, list[tuple[str, str, str]]]:
    """Objection id → (column key, its name, its value now) of each column of the objected
    indicator that a correction may set (its value or items; not its note), for the answer
    form: the column is chosen from these, beside the value it would replace."""
    wanted: dict[int, list[tuple[str, str]]] = {}
    for o in open_ones:
        if o.indicator not in scheme.indicators:
            continue
        wanted[o.id] = [
            (header_key(header), header.rsplit(" [", 1)[0])
            for header, kind in template_columns(scheme, o.indicator)
            if kind != "note"
        ]
    keys = sorted({key for cols in wanted.values() for key, _ in cols})
    now = submissions.latest_values(session, cycle, keys) if keys else {}
    units = {o.id: o.unit for o in open_ones}
    out: dict[int, list[tuple[str, str, str]]] = {}
    for oid, cols in wanted.items():
        out[oid] = []
        for key, name in cols:
            value = now.get((units[oid], key))
            out[oid].append((key, name, value.raw if value is not None else ""))
    return out


@router.get("/cycles/{cycle_id}/objections", response_class=HTMLResponse)
def objection_list(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    return _page(request, session, cycle_id, user)


@router.post("/cycles/{cycle_id}/objections", response_model=None)
def objection_file(
    request: Request, cycle_id: RowId, user: Filer, form: Posted, session: DB
) -> Response:
    """File an objection with its reasons and, optionally, one evidence file."""
    fields, filename, body = read_upload(request, form)
    cycle = visible_cycle(session, cycle_id, user)
    assert user is not None  # objections.file: a unit's account
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
    flash(request, "web.flash_objection_filed")
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
    confirm: Annotated[str, Form()] = "",
    base: Annotated[str, Form()] = "",
) -> Response:
    """Answer an objection. Accepting with a corrected value first answers a page showing the
    cell's value now → the correction (nothing written); its button sends the answer again with
    ``confirm=yes`` and the version seen, refused if the cell was saved since."""
    check_csrf(request, csrf)
    obj = session.get(Objection, objection_id)
    if obj is None or user is None:
        raise HTTPException(404, both("web.say.no_such_objection"))
    corrected = {column.strip(): value.strip()} if column.strip() and value.strip() else None
    lang = page_lang(request)
    if decision == "accept" and corrected and obj.state == "open" and answer.strip():
        cycle = session.get(Cycle, obj.cycle_id)
        assert cycle is not None
        scheme = scheme_of(cycle, session)
        key, raw = next(iter(corrected.items()))
        problem = (
            f"{key!r} is not a column of {obj.indicator}"
            if key.partition(":")[0] != obj.indicator
            else cell_problem(scheme, key, raw)
        )
        if problem:
            return _page(request, session, obj.cycle_id, user, f"{key}: {problem}", 422)
        now = _newest(session, cycle.id, obj.unit, key)
        seen = now.version if now is not None else 0
        if confirm != "yes":
            return render(
                request,
                "objection_confirm.html",
                user,
                objection=obj,
                cycle=cycle,
                unit=scheme.units[obj.unit].name if obj.unit in scheme.units else obj.unit,
                indicator=scheme.indicators[obj.indicator].name,
                old=now.raw if now is not None else "",
                new=raw,
                base=seen,
                answer=answer,
                column=key,
            )
        if base.strip() != str(seen):
            stale = t("objections.correction_stale", lang, seen=base.strip() or "0", now=seen)
            return _page(request, session, obj.cycle_id, user, stale, 409)
    try:
        objections.answer(session, obj, user, decision == "accept", answer, corrected)
        session.commit()
    except CycleError as exc:
        session.rollback()
        status = 409 if isinstance(exc, ConflictError) else 422
        return _page(request, session, obj.cycle_id, user, str(exc), status)
    flash(request, "web.flash_objection_answered")
    return RedirectResponse(f"/cycles/{obj.cycle_id}/objections", status_code=303)


def _newest(session: DB, cycle_id: int, unit: str, column: str) -> Value | None:
    """The newest version of one cell, or None."""
    return (
        session.execute(
            select(Value)
            .where(Value.cycle_id == cycle_id, Value.unit == unit, Value.column == column)
            .order_by(Value.version.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )
