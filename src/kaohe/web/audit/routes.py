"""The office's pages: the audit log — filtered, a page at a time, in words, exported — and the
verification of its chain."""

from __future__ import annotations

import csv
import io
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy import select

from kaohe.i18n import t
from kaohe.io.cells import safe_row
from kaohe.web.audit import listing, verification
from kaohe.web.deps import DB, Access, page_lang, render, row_id
from kaohe.web.store.models import Cycle, User

router = APIRouter(include_in_schema=False)  # pages: the API is documented


Office = Annotated[User | None, Depends(Access("audit.view"))]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADS = ("audit.seq", "web.when", "web.who", "web.what", "web.target", "audit.details")


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: Office, session: DB) -> HTMLResponse:
    """The log, newest first, 50 entries a page, filtered by the query's ``who``, ``action``,
    ``from``, ``to`` (the office's days) and ``cycle``; ``before``/``after`` page on."""
    lang = page_lang(request)
    filters, errors = listing.read_filters(request.query_params, lang)
    before = row_id(request.query_params.get("before", ""))
    after = row_id(request.query_params.get("after", ""))
    found = listing.page(session, filters, before=before, after=None if before else after)
    words = listing.Words(session, lang)
    query = filters.query()

    def link(key: str, seq: int | None) -> str:
        return "" if seq is None else "/admin/audit?" + urlencode({**query, key: str(seq)})

    return render(
        request,
        "audit.html",
        user,
        rows=[words.row(e) for e in found.entries],
        total=found.total,
        shown=len(found.entries),
        newest="/admin/audit?" + urlencode(query) if found.newer is not None else "",
        previous=link("after", found.newer),
        next=link("before", found.older),
        filters=filters,
        errors=errors,
        actions=[(a, words.action(a)) for a in listing.ACTIONS],
        cycles=session.execute(select(Cycle.id, Cycle.name).order_by(Cycle.id.desc())).all(),
        export=urlencode(query),
        zone=str(request.app.state.settings.timezone),
    )


@router.get("/admin/audit/verify", response_class=HTMLResponse)
def audit_verify(request: Request, user: Office, session: DB) -> HTMLResponse:
    """The verification of the whole chain (and the data it recorded): every entry rehashed."""
    return render(request, "audit_verify.html", user, result=verification.verify(session))


def _rows(request: Request, session: DB) -> tuple[list[str], list[list[object]]]:
    lang = page_lang(request)
    filters, _ = listing.read_filters(request.query_params, lang)
    words = listing.Words(session, lang)
    out: list[list[object]] = []
    for e in listing.every(session, filters):
        r = words.row(e)
        out.append(
            safe_row([r["seq"], r["when"], r["who"], r["action"], r["target"], r["details"]])
        )
    return [t(h, lang) for h in HEADS], out


@router.get("/admin/audit.csv")
def audit_csv(request: Request, user: Office, session: DB) -> Response:
    """The filtered log (UTF-8 with BOM, opens in Excel), newest first."""
    heads, rows = _rows(request, session)
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(heads)
    writer.writerows(rows)
    return Response(
        buf.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


@router.get("/admin/audit.xlsx")
def audit_xlsx(request: Request, user: Office, session: DB) -> Response:
    """The filtered log as a workbook, newest first."""
    from openpyxl import Workbook

    heads, rows = _rows(request, session)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(t("web.audit", page_lang(request))[:31])
    ws.append(heads)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return StreamingResponse(
        iter([buf.getvalue()]),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="audit.xlsx"'},
    )
