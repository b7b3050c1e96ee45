"""The office's pages: the audit log and its verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from kaohe.web import audit
from kaohe.web.app import DB, Access, render
from kaohe.web.store import AuditEntry, User

router = APIRouter(include_in_schema=False)  # pages: the API is documented


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: Annotated[User | None, Depends(Access("audit.view"))],
    session: DB,
) -> HTMLResponse:
    result = audit.verify(session)
    recent = (
        session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(200))
        .scalars()
        .all()
    )
    return render(request, "audit.html", user, result=result, entries=recent)
