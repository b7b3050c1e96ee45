"""The public board (亮晒比) of published cycles, readable without logging in: 比位次 ranks,
比进度 progress, 比贡献 contribution, 亮 commitments, a page per unit (晒成绩/晒差距, radar),
the charts as SVG/PNG files, results as CSV and Excel, and a printable view."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.i18n import t
from kaohe.io.cells import safe_row
from kaohe.results import RESULT_COLUMNS
from kaohe.scheme import Scheme
from kaohe.web import board, charts, commitments
from kaohe.web.app import DB, Access, RowId, render
from kaohe.web.board import comparison
from kaohe.web.cycles import latest_results, scheme_of, snapshot_explain, snapshot_rows
from kaohe.web.permissions import can_see_cycle, may_edit_commitments
from kaohe.web.store import PUBLISHED_STATES, Cycle, ResultSnapshot, SchemeVersion, User

router = APIRouter(include_in_schema=False)  # pages: the API is documented
VIEW = Access("board.view")
Viewer = Annotated[User | None, Depends(VIEW)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ChartName = Literal["ranking", "progress", "contribution"]
Fmt = Literal["svg", "png"]


@router.get("/", include_in_schema=False)
def home(user: Viewer) -> RedirectResponse:
    return RedirectResponse("/board", status_code=303)


@router.get("/board", response_class=HTMLResponse)
def board_list(request: Request, user: Viewer, session: DB) -> HTMLResponse:
    cycles = (
        session.execute(
            select(Cycle).where(Cycle.state.in_(PUBLISHED_STATES)).order_by(Cycle.id.desc())
        )
        .scalars()
        .all()
    )
    return render(request, "board.html", user, cycles=cycles)


@dataclass(frozen=True)
class Published:
    """A published cycle's latest result, as the board reads it."""

    cycle: Cycle
    snap: ResultSnapshot
    scheme: Scheme
    key: str  # digest of the result and the scheme: charts are cached under it

    @property
    def doc(self) -> dict[str, Any]:
        return snapshot_explain(self.snap)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return snapshot_rows(self.snap)

    def unit(self, unit: str) -> dict[str, Any]:
        for u in self.doc["units"]:
            if u["unit"] == unit:
                return u  # type: ignore[no-any-return]
        raise HTTPException(404, "没有这个考核对象 / no such unit")


def _published(session: Session, user: User | None, cycle_id: RowId) -> Published:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not can_see_cycle(user, cycle):
        raise HTTPException(404, "没有这个考核 / no such assessment")
    snap = latest_results(session, cycle)
    if snap is None:
        raise HTTPException(404, "结果尚未计算 / no results yet")
    version = session.get(SchemeVersion, cycle.scheme_version_id)
    assert version is not None
    key = charts.digest(snap.rows, snap.explain, version.sha256)
    return Published(cycle, snap, scheme_of(cycle, session), key)


def _lang(request: Request) -> str:
    return "en" if request.session.get("lang") == "en" else "zh"


def _categories(pub: Published) -> list[dict[str, Any]]:
    out = []
    for cid, cat in pub.doc["categories"].items():
        mine = sorted(
            (r for r in pub.rows if r["category"] == cid),
            key=lambda r: (r["rank_in_category"], r["unit"]),
        )
        out.append({"id": cid, "name": cat["name"], "full": cat["full_marks"], "rows": mine})
    return out


# --------------------------------------------------------------------------- charts


def _draw(pub: Published, name: str, lang: str, unit: str = "") -> Any:
    if name == "ranking":
        grading = pub.scheme.grading
        grades = [g.id for g in grading.grades] if grading else []
        return charts.ranking_figure(_categories(pub), grades, lang)
    if name == "progress":
        return charts.progress_figure(board.progress(pub.doc, pub.scheme), lang)
    if name == "contribution":
        return charts.contribution_figure(board.contribution(pub.doc, pub.scheme), lang)
    me = pub.unit(unit)
    return charts.radar_figure(board.radar(pub.doc, pub.scheme, unit), me["name"], lang)


def _chart(pub: Published, name: str, lang: str, fmt: Fmt, unit: str = "") -> bytes:
    key = (pub.key, lang, name, unit)
    return charts.cached(key, fmt, lambda: _draw(pub, name, lang, unit))


def _inline(pub: Published, name: str, lang: str, label: str, unit: str = "") -> Markup:
    return charts.inline(_chart(pub, name, lang, "svg", unit), label)


def _image(data: bytes, fmt: Fmt, filename: str) -> Response:
    return Response(
        data,
        media_type=charts.MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'inline; filename="{filename}.{fmt}"',
            "Cache-Control": "public, max-age=300",
        },
    )


@router.get("/board/{cycle_id}/charts/{chart}.{fmt}")
def chart_file(
    request: Request, cycle_id: RowId, chart: ChartName, fmt: Fmt, user: Viewer, session: DB
) -> Response:
    pub = _published(session, user, cycle_id)
    return _image(_chart(pub, chart, _lang(request), fmt), fmt, f"{chart}-{cycle_id}")


@router.get("/board/{cycle_id}/units/{unit}/radar.{fmt}")
def radar_file(
    request: Request, cycle_id: RowId, unit: str, fmt: Fmt, user: Viewer, session: DB
) -> Response:
    pub = _published(session, user, cycle_id)
    pub.unit(unit)  # 404 for an unknown unit
    data = _chart(pub, "radar", _lang(request), fmt, unit)
    return _image(data, fmt, f"radar-{cycle_id}-{unit}")


# --------------------------------------------------------------------------- pages


@router.get("/board/{cycle_id}", response_class=HTMLResponse)
def ranking(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    pub = _published(session, user, cycle_id)
    lang = _lang(request)
    return render(
        request,
        "ranking.html",
        user,
        cycle=pub.cycle,
        tab="ranking",
        categories=_categories(pub),
        computed_at=pub.snap.computed_at,
        chart=_inline(pub, "ranking", lang, t("board.ranking_chart", lang)),
    )


@router.get("/board/{cycle_id}/progress", response_class=HTMLResponse)
def progress_page(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    pub = _published(session, user, cycle_id)
    lang = _lang(request)
    return render(
        request,
        "progress.html",
        user,
        cycle=pub.cycle,
        tab="progress",
        progress=board.progress(pub.doc, pub.scheme),
        chart=_inline(pub, "progress", lang, t("board.progress", lang)),
    )


@router.get("/board/{cycle_id}/contribution", response_class=HTMLResponse)
def contribution_page(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    pub = _published(session, user, cycle_id)
    lang = _lang(request)
    return render(
        request,
        "contribution.html",
        user,
        cycle=pub.cycle,
        tab="contribution",
        contribution=board.contribution(pub.doc, pub.scheme),
        chart=_inline(pub, "contribution", lang, t("board.contribution", lang)),
    )


@router.get("/board/{cycle_id}/commitments", response_class=HTMLResponse)
def commitments_page(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    pub = _published(session, user, cycle_id)
    listed = commitments.of_cycle(session, pub.cycle)
    by_unit = {uid: [c for c in listed if c.unit == uid] for uid in pub.scheme.units}
    return render(
        request,
        "commitments_board.html",
        user,
        cycle=pub.cycle,
        tab="commitments",
        units=[(uid, u.name, by_unit[uid]) for uid, u in pub.scheme.units.items()],
    )


@router.get("/board/{cycle_id}/print", response_class=HTMLResponse)
def print_view(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    pub = _published(session, user, cycle_id)
    lang = _lang(request)
    return render(
        request,
        "print.html",
        user,
        cycle=pub.cycle,
        scheme=pub.scheme,
        categories=_categories(pub),
        computed_at=pub.snap.computed_at,
        progress=board.progress(pub.doc, pub.scheme),
        contribution=board.contribution(pub.doc, pub.scheme),
        chart=_inline(pub, "ranking", lang, t("board.ranking_chart", lang)),
    )


@router.get("/board/{cycle_id}/units/{unit}", response_class=HTMLResponse)
def unit_page(
    request: Request, cycle_id: RowId, unit: str, user: Viewer, session: DB
) -> HTMLResponse:
    pub = _published(session, user, cycle_id)
    me = pub.unit(unit)
    lang = _lang(request)
    peers = [u for u in pub.doc["units"] if u["category"] == me["category"]]
    lines = comparison(me, peers)
    strengths = sorted(
        (x for x in lines if x["above_median"] > 0), key=lambda x: -x["above_median"]
    )[:5]
    gaps = sorted((x for x in lines if x["below_best"] > 0), key=lambda x: -x["below_best"])[:5]
    return render(
        request,
        "unit.html",
        user,
        cycle=pub.cycle,
        unit=me,
        lines=lines,
        strengths=strengths,
        gaps=gaps,
        progress=board.progress(pub.doc, pub.scheme).of_unit(unit),
        commitments=commitments.of_cycle(session, pub.cycle, unit),
        may_edit=may_edit_commitments(user, unit),
        vetoes=[
            pub.scheme.indicators[v].name if v in pub.scheme.indicators else v for v in me["vetoes"]
        ],
        radar=_inline(pub, "radar", lang, t("board.radar", lang), unit),
    )


# --------------------------------------------------------------------------- files


def result_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The published result as a table: the results file's columns, then the dimensions;
    rows by overall rank (the same for the CSV and the Excel file)."""
    extra = [k for k in (rows[0] if rows else {}) if k not in RESULT_COLUMNS]
    header = [*RESULT_COLUMNS, *extra]
    body = [[r.get(c) for c in header] for r in sorted(rows, key=lambda r: (r["rank"], r["unit"]))]
    return header, body


@router.get("/board/{cycle_id}/results.csv")
def results_csv(cycle_id: RowId, user: Viewer, session: DB) -> Response:
    pub = _published(session, user, cycle_id)
    header, body = result_table(pub.rows)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(safe_row(header))
    for row in body:
        w.writerow(safe_row("" if v is None else v for v in row))
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="results-{cycle_id}.csv"'},
    )


@router.get("/board/{cycle_id}/results.xlsx")
def results_xlsx(cycle_id: RowId, user: Viewer, session: DB) -> Response:
    """The same table as results.csv on its first sheet, then one sheet per category."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    pub = _published(session, user, cycle_id)
    header, body = result_table(pub.rows)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "results"
    for cid, cat in [("", None), *pub.doc["categories"].items()]:
        sheet = ws if not cid else wb.create_sheet(_sheet_title(cat["name"]))
        sheet.append(safe_row(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in body:
            if not cid or row[header.index("category")] == cid:
                sheet.append(safe_row(row))
        sheet.freeze_panes = "C2"
    out = io.BytesIO()
    wb.save(out)
    return Response(
        out.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="results-{cycle_id}.xlsx"'},
    )


def _sheet_title(name: str) -> str:
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31]
