"""The office's download of a cycle's annual report (report.html, report.xlsx, report.pdf), as
``kaohe report`` writes it, of the cycle's latest computed result."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from kaohe.report.html import render_html
from kaohe.web.deps import DB, Access, RowId, page_lang, visible_cycle
from kaohe.web.results.report import ReportError, cycle_report
from kaohe.web.store.models import User

router = APIRouter(include_in_schema=False)  # pages: the API is documented
Office = Annotated[User | None, Depends(Access("cycles.manage"))]
MEDIA = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@router.get("/cycles/{cycle_id}/report.{fmt}")
def report_file(
    request: Request,
    cycle_id: RowId,
    fmt: Literal["html", "xlsx", "pdf"],
    user: Office,
    session: DB,
) -> Response:
    """The report in the page's language, dated today (the PDF by Typst: a second for a city)."""
    cycle = visible_cycle(session, cycle_id, user)
    lang = page_lang(request)
    try:
        report = cycle_report(session, cycle, lang, dt.date.today())
    except ReportError as exc:
        raise HTTPException(409, exc.text(lang)) from None
    if fmt == "html":
        body = render_html(report).encode("utf-8")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"report.{fmt}"
            if fmt == "xlsx":
                from kaohe.report.xlsx import write_xlsx

                write_xlsx(report, path)
            else:
                from kaohe.report.pdf import write_pdf

                write_pdf(report, path)
            body = path.read_bytes()
    name = f"report-{cycle_id}.{fmt}"
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )
