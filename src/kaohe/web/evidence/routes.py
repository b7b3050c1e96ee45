"""Evidence files: a reporter attaches one to a value it entered; those who may see the value
download it (always as an attachment, never shown as a page)."""

from __future__ import annotations

from functools import partial
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from kaohe.i18n import both
from kaohe.web.deps import DB, Access, Posted, RowId, owned_cycle, read_upload
from kaohe.web.evidence import service as evidence
from kaohe.web.store.models import Evidence, User, Value
from kaohe.web.submissions.pages import entry_error

router = APIRouter(include_in_schema=False)  # pages: the API is documented
Reporter = Annotated[User | None, Depends(Access("values.enter"))]
Viewer = Annotated[User | None, Depends(Access("evidence.view"))]
OPEN_STATES = ("collecting", "reviewing", "publicity")  # afterwards the record is closed


@router.post("/cycles/{cycle_id}/evidence", response_model=None)
def attach(
    request: Request, cycle_id: RowId, user: Reporter, form: Posted, session: DB
) -> Response:
    """Attach a file to the newest version of one of the department's cells."""
    fields, filename, body = read_upload(request, form)
    cycle, scheme, columns = owned_cycle(session, cycle_id, user)
    unit, column = fields.get("unit", ""), fields.get("column", "")
    refuse = partial(entry_error, request, session, cycle, scheme, user)  # the page, a message
    if cycle.state not in OPEN_STATES:
        return refuse(both("web.say.evidence_closed", state=cycle.state))
    if not filename:
        return refuse(both("web.say.choose_file"))
    if unit not in scheme.units or column not in columns:
        return refuse(f"{unit} · {column}: {both('web.say.evidence_not_yours')}")
    newest = session.execute(
        select(Value)
        .where(
            Value.cycle_id == cycle.id,
            Value.unit == unit,
            Value.column == column,
            Value.period == "",
        )
        .order_by(Value.version.desc())
        .limit(1)
    ).scalar_one_or_none()
    if newest is None:
        return refuse(
            f"{scheme.units[unit].name} · {column}: {both('web.say.evidence_value_first')}"
        )
    assert user is not None
    try:
        evidence.attach(
            session,
            cycle,
            filename,
            body,
            user,
            request.app.state.settings.max_upload_bytes,
            value=newest,
        )
        session.commit()
    except evidence.EvidenceError as exc:
        session.rollback()
        return refuse(str(exc))
    return RedirectResponse(f"/cycles/{cycle.id}/entry", status_code=303)


@router.get("/evidence/{evidence_id}", response_model=None)
def download(evidence_id: RowId, user: Viewer, session: DB) -> Response:
    item = session.get(Evidence, evidence_id)
    if item is None or not evidence.may_see(session, user, item):
        raise HTTPException(404, both("web.say.no_such_file"))
    name = quote(item.filename)
    return Response(
        evidence.content(session, item),
        media_type=item.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="evidence-{item.id}"; '
            f"filename*=UTF-8''{name}",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-store",
        },
    )
