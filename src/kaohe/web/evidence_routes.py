"""Evidence files: a reporter attaches one to a value it entered; those who may see the value
download it (always as an attachment, never shown as a page)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile

from kaohe.web import evidence
from kaohe.web.app import DB, Access, Posted, RowId, check_csrf
from kaohe.web.cycle_routes import entry_error, owned_cycle
from kaohe.web.store import Evidence, User, Value

router = APIRouter(include_in_schema=False)  # pages: the API is documented
Reporter = Annotated[User | None, Depends(Access("values.enter"))]
Viewer = Annotated[User | None, Depends(Access("evidence.view"))]
OPEN_STATES = ("collecting", "reviewing", "publicity")  # afterwards the record is closed


def read_upload(request: Request, form: FormData) -> tuple[dict[str, str], str, bytes]:
    """The form's fields, and its one file's name and bytes (at most the upload limit)."""
    limit = request.app.state.settings.max_upload_bytes
    check_csrf(request, str(form.get("csrf", "")))
    fields = {k: str(v) for k, v in form.items() if not isinstance(v, UploadFile)}
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return fields, "", b""
    file.file.seek(0)
    body = file.file.read(limit + 1)
    return fields, file.filename, body


@router.post("/cycles/{cycle_id}/evidence", response_model=None)
def attach(
    request: Request, cycle_id: RowId, user: Reporter, form: Posted, session: DB
) -> Response:
    """Attach a file to the newest version of one of the department's cells."""
    fields, filename, body = read_upload(request, form)
    cycle, scheme, columns = owned_cycle(session, cycle_id, user)
    unit, column = fields.get("unit", ""), fields.get("column", "")
    if cycle.state not in OPEN_STATES:
        return entry_error(
            request,
            session,
            cycle,
            scheme,
            user,
            f"考核处于 {cycle.state} 阶段，不能再上传材料 / evidence is attached while the cycle "
            f"is collecting, reviewing or in publicity (it is {cycle.state})",
        )
    if not filename:
        return entry_error(request, session, cycle, scheme, user, "请选择文件 / choose a file")
    if unit not in scheme.units or column not in columns:
        return entry_error(
            request,
            session,
            cycle,
            scheme,
            user,
            f"{unit} · {column}: 不是您部门的填报项 / not a cell of your department",
        )
    newest = session.execute(
        select(Value)
        .where(Value.cycle_id == cycle.id, Value.unit == unit, Value.column == column)
        .order_by(Value.version.desc())
        .limit(1)
    ).scalar_one_or_none()
    if newest is None:
        return entry_error(
            request,
            session,
            cycle,
            scheme,
            user,
            f"{scheme.units[unit].name} · {column}: 请先填报数值 / enter the value first",
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
        return entry_error(request, session, cycle, scheme, user, str(exc))
    return RedirectResponse(f"/cycles/{cycle.id}/entry", status_code=303)


@router.get("/evidence/{evidence_id}", response_model=None)
def download(evidence_id: RowId, user: Viewer, session: DB) -> Response:
    item = session.get(Evidence, evidence_id)
    if item is None or not evidence.may_see(session, user, item):
        raise HTTPException(404, "没有这个文件 / no such file")
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
