"""The public board (亮晒比) of published cycles, readable without logging in: 比位次 ranks,
比进度 progress, 比贡献 contribution, 亮 commitments, a page per unit (晒成绩/晒差距, radar),
the charts as SVG/PNG files, results as CSV and Excel, and a printable view."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.i18n import both, t
from kaohe.io.results_files import published_csv, published_xlsx
from kaohe.publication import UnitResult, compare
from kaohe.web.board import charts
from kaohe.web.board import service as board
from kaohe.web.board.service import Published
from kaohe.web.commitments import service as commitments
from kaohe.web.deps import DB, Access, RowId, page_lang, render
from kaohe.web.monitoring import service as monitoring
from kaohe.web.policy import can_see_cycle, may_edit_commitments
from kaohe.web.robustness import service as robustness
from kaohe.web.store.models import PUBLISHED_STATES, Cycle, User

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


def _published(session: Session, user: User | None, cycle_id: RowId) -> Published:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not can_see_cycle(user, cycle):
        raise HTTPException(404, both("web.say.no_such_assessment"))
    pub = board.latest(session, cycle)
    if pub is None:
        raise HTTPException(404, both("web.say.no_results_yet"))
    return pub


def _unit(pub: Published, unit: str) -> UnitResult:
    if not pub.result.has_unit(unit):
        raise HTTPException(404, both("web.say.no_such_unit"))
    return pub.result.unit(unit)


# --------------------------------------------------------------------------- charts


def _draw(pub: Published, name: str, lang: str, unit: str = "") -> Any:
    result, scheme = pub.result, pub.scheme
    if name == "ranking":
        grades = [g.id for g in scheme.grading.grades] if scheme.grading else []
        return charts.ranking_figure(compare.ranking(result), grades, lang)
    if name == "progress":
        return charts.progress_figure(compare.progress(result, scheme), lang)
    if name == "contribution":
        return charts.contribution_figure(compare.contribution(result, scheme), lang)
    me = _unit(pub, unit)
    return charts.radar_figure(compare.radar(result, scheme, unit), me.name, lang)


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
    return _image(_chart(pub, chart, page_lang(request), fmt), fmt, f"{chart}-{cycle_id}")


@router.get("/board/{cycle_id}/units/{unit}/radar.{fmt}")
def radar_file(
    request: Request, cycle_id: RowId, unit: str, fmt: Fmt, user: Viewer, session: DB
) -> Response:
    pub = _published(session, user, cycle_id)
    _unit(pub, unit)  # 404 for an unknown unit
    data = _chart(pub, "radar", page_lang(request), fmt, unit)
    return _image(data, fmt, f"radar-{cycle_id}-{unit}")


# --------------------------------------------------------------------------- pages


#: The board's tabs with a chart: tab (its template, its chart) → the chart's label and the
#: page's content of the published cycle.
CHART_TABS: dict[str, tuple[str, Callable[[Published], dict[str, Any]]]] = {
    "ranking": (
        "board.ranking_chart",
        lambda pub: {"categories": compare.ranking(pub.result), "computed_at": pub.computed_at},
    ),
    "progress": (
        "board.progress",
        lambda pub: {"progress": compare.progress(pub.result, pub.scheme)},
    ),
    "contribution": (
        "board.contribution",
        lambda pub: {"contribution": compare.contribution(pub.result, pub.scheme)},
    ),
}


def _chart_tab(
    request: Request, user: User | None, session: Session, cycle_id: int, tab: ChartName
) -> HTMLResponse:
    """A tab of the board with its chart (:data:`CHART_TABS`)."""
    pub = _published(session, user, cycle_id)
    lang = page_lang(request)
    label, content = CHART_TABS[tab]
    chart = _inline(pub, tab, lang, t(label, lang))
    return render(
        request, f"{tab}.html", user, cycle=pub.cycle, tab=tab, chart=chart, **content(pub)
    )


@router.get("/board/{cycle_id}", response_class=HTMLResponse)
def ranking(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    return _chart_tab(request, user, session, cycle_id, "ranking")


@router.get("/board/{cycle_id}/progress", response_class=HTMLResponse)
def progress_page(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    return _chart_tab(request, user, session, cycle_id, "progress")


@router.get("/board/{cycle_id}/contribution", response_class=HTMLResponse)
def contribution_page(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> HTMLResponse:
    return _chart_tab(request, user, session, cycle_id, "contribution")


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
    lang = page_lang(request)
    return render(
        request,
        "print.html",
        user,
        cycle=pub.cycle,
        scheme=pub.scheme,
        categories=compare.ranking(pub.result),
        computed_at=pub.computed_at,
        progress=compare.progress(pub.result, pub.scheme),
        contribution=compare.contribution(pub.result, pub.scheme),
        chart=_inline(pub, "ranking", lang, t("board.ranking_chart", lang)),
    )


@router.get("/board/{cycle_id}/units/{unit}", response_class=HTMLResponse)
def unit_page(
    request: Request, cycle_id: RowId, unit: str, user: Viewer, session: DB
) -> HTMLResponse:
    pub = _published(session, user, cycle_id)
    me = _unit(pub, unit)
    lang = page_lang(request)
    lines = compare.comparison(me, pub.result.peers(unit))
    indicators = pub.scheme.indicators
    return render(
        request,
        "unit.html",
        user,
        cycle=pub.cycle,
        unit=me,
        lines=lines,
        strengths=compare.strengths(lines),
        gaps=compare.gaps(lines),
        progress=compare.progress(pub.result, pub.scheme).of_unit(unit),
        commitments=commitments.of_cycle(session, pub.cycle, unit),
        may_edit=may_edit_commitments(user, unit),
        vetoes=[indicators[v].name if v in indicators else v for v in me.vetoes],
        radar=_inline(pub, "radar", lang, t("board.radar", lang), unit),
        exact_gaps=robustness.unit_gaps(session, pub.cycle, unit, lang),
    )


#: the big screen's panels, shown in turn: the overview, then each chart on the whole screen
SCREEN_PANELS = {
    "overview": "board.screen_overview",
    "ranking": "board.screen_ranking",
    "progress": "board.screen_progress",
    "contribution": "board.screen_contribution",
}


@router.get("/board/{cycle_id}/screen", response_class=HTMLResponse)
def screen(
    request: Request,
    cycle_id: RowId,
    user: Viewer,
    session: DB,
    panel: Annotated[int, Query(ge=0, lt=len(SCREEN_PANELS))] = 0,
    rotate: Annotated[int, Query(ge=0, le=3600)] = 20,
) -> HTMLResponse:
    """The big-screen view for the office's display wall (大屏): the city overview on one
    screen, then each chart on the whole screen, in turn every ``rotate`` seconds (0 holds the
    panel) by the page's own refresh: no script at all, no login."""
    pub = _published(session, user, cycle_id)
    lang = page_lang(request)
    name = list(SCREEN_PANELS)[panel]
    progress = compare.progress(pub.result, pub.scheme)
    labels = {
        "ranking": t("board.ranking_chart", lang),
        "progress": t("board.progress", lang),
        "contribution": t("board.contribution", lang),
    }
    shown = [name] if name != "overview" else ["contribution"]
    watch = _warnings(session, pub.cycle, lang) if name == "overview" else None
    return render(
        request,
        "screen.html",
        user,
        cycle=pub.cycle,
        panel=panel,
        panel_name=name,
        titles=[t(key, lang) for key in SCREEN_PANELS.values()],
        rotate=rotate,
        next_panel=(panel + 1) % len(SCREEN_PANELS),
        computed_at=pub.computed_at,
        categories=compare.ranking(pub.result),
        progress=progress,
        tallies={uid: progress.tally(uid) for uid, _, _ in progress.units},
        charts={k: _inline(pub, k, lang, labels[k]) for k in shown},
        warnings=watch,
    )


def _warnings(session: Session, cycle: Cycle, lang: str) -> Any:
    """The monitoring of the cycle at its latest period, for the big screen: the period's name
    and each unit's count of red, amber and green warnings (None without monitoring data)."""
    if monitoring.plan_of(session, cycle) is None:
        return None
    m = monitoring.compute(session, cycle, None, date.today())
    if m is None:
        return None
    return {"period": m.plan.calendar.label(m.current, lang), "units": m.unit_counts()}


# --------------------------------------------------------------------------- files


@router.get("/board/{cycle_id}/results.csv")
def results_csv(cycle_id: RowId, user: Viewer, session: DB) -> Response:
    """The result as ``kaohe run`` writes results.csv (with a BOM: Excel then reads UTF-8)."""
    pub = _published(session, user, cycle_id)
    return Response(
        "\ufeff" + published_csv(pub.result, pub.scheme),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="results-{cycle_id}.csv"'},
    )


@router.get("/board/{cycle_id}/results.xlsx")
def results_xlsx(request: Request, cycle_id: RowId, user: Viewer, session: DB) -> Response:
    """The result as ``kaohe run`` writes results.xlsx, in the page's language."""
    pub = _published(session, user, cycle_id)
    return Response(
        published_xlsx(pub.result, pub.scheme, page_lang(request)),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="results-{cycle_id}.xlsx"'},
    )
