"""The office's pages: the audit log — filtered, a page at a time, in words, exported — and the
verification of its chain."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from kaohe.i18n import t
from kaohe.web import lists
from kaohe.web.audit import listing, verification
from kaohe.web.deps import DB, Access, page_lang, render, row_id
from kaohe.web.store.models import Cycle, User

router = APIRouter(include_in_schema=False)  # pages: the API is documented


Office = Annotated[User | None, Depends(Access("audit.view"))]

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
        return "" if seq is None else lists.href("/admin/audit", query, **{key: seq})

    return render(
        request,
        "audit.html",
        user,
        rows=[words.row(e) for e in found.entries],
        total=found.total,
        shown=len(found.entries),
        newest=lists.href("/admin/audit", query) if found.newer is not None else "",
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


def _export(request: Request, session: DB, kind: str) -> Response:
    lang = page_lang(request)
    filters, _ = listing.read_filters(request.query_params, lang)
    words = listing.Words(session, lang)
    rows = (
        [r["seq"], r["when"], r["who"], r["action"], r["target"], r["details"]]
        for r in map(words.row, listing.every(session, filters))
    )
    heads = [t(h, lang) for h in HEADS]
    return lists.export(kind, "audit", t("web.audit", lang), heads, rows)


@router.get("/admin/audit.csv")
def audit_csv(request: Request, user: Office, session: DB) -> Response:
    """The filtered log (UTF-8 with BOM, opens in Excel), newest first."""
    return _export(request, session, "csv")


@router.get("/admin/audit.xlsx")
def audit_xlsx(request: Request, user: Office, session: DB) -> Response:
    """The filtered log as a workbook, newest first."""
    return _export(request, session, "xlsx")
