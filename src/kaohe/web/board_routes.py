"""The public board (亮晒比): published cycles, 比位次 ranks, a page per unit (晒成绩/晒差距)."""

from __future__ import annotations

import csv
import io
import statistics
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.results import RESULT_COLUMNS
from kaohe.web.app import DB, Access, RowId, render
from kaohe.web.cycles import latest_results, snapshot_explain, snapshot_rows
from kaohe.web.permissions import can_see_cycle
from kaohe.web.store import PUBLISHED_STATES, Cycle, ResultSnapshot, User

router = APIRouter(include_in_schema=False)  # pages: the API is documented
VIEW = Access("board.view")


@router.get("/", include_in_schema=False)
def home(user: Annotated[User | None, Depends(VIEW)]) -> RedirectResponse:
    return RedirectResponse("/board", status_code=303)


@router.get("/board", response_class=HTMLResponse)
def board(
    request: Request,
    user: Annotated[User | None, Depends(VIEW)],
    session: DB,
) -> HTMLResponse:
    cycles = (
        session.execute(
            select(Cycle).where(Cycle.state.in_(PUBLISHED_STATES)).order_by(Cycle.id.desc())
        )
        .scalars()
        .all()
    )
    return render(request, "board.html", user, cycles=cycles)


def _published(
    session: Session, user: User | None, cycle_id: RowId
) -> tuple[Cycle, ResultSnapshot]:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not can_see_cycle(user, cycle):
        raise HTTPException(404, "没有这个考核 / no such assessment")
    snap = latest_results(session, cycle)
    if snap is None:
        raise HTTPException(404, "结果尚未计算 / no results yet")
    return cycle, snap


@router.get("/board/{cycle_id}", response_class=HTMLResponse)
def ranking(
    request: Request,
    cycle_id: RowId,
    user: Annotated[User | None, Depends(VIEW)],
    session: DB,
) -> HTMLResponse:
    cycle, snap = _published(session, user, cycle_id)
    doc = snapshot_explain(snap)
    rows = snapshot_rows(snap)
    categories = []
    for cid, cat in doc["categories"].items():
        mine = sorted(
            (r for r in rows if r["category"] == cid),
            key=lambda r: (r["rank_in_category"], r["unit"]),
        )
        categories.append({"id": cid, "name": cat["name"], "full": cat["full_marks"], "rows": mine})
    overall = sorted(rows, key=lambda r: (r["rank"], r["unit"]))
    return render(
        request,
        "ranking.html",
        user,
        cycle=cycle,
        categories=categories,
        overall=overall,
        computed_at=snap.computed_at,
    )


@router.get("/board/{cycle_id}/results.csv")
def results_csv(
    cycle_id: RowId,
    user: Annotated[User | None, Depends(VIEW)],
    session: DB,
) -> Response:
    _, snap = _published(session, user, cycle_id)
    rows = snapshot_rows(snap)
    extra = [k for k in (rows[0] if rows else {}) if k not in RESULT_COLUMNS]
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([*RESULT_COLUMNS, *extra])
    for r in sorted(rows, key=lambda r: (r["rank"], r["unit"])):
        w.writerow(["" if r.get(c) is None else r[c] for c in (*RESULT_COLUMNS, *extra)])
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="results-{cycle_id}.csv"'},
    )


@router.get("/board/{cycle_id}/units/{unit}", response_class=HTMLResponse)
def unit_page(
    request: Request,
    cycle_id: RowId,
    unit: str,
    user: Annotated[User | None, Depends(VIEW)],
    session: DB,
) -> HTMLResponse:
    cycle, snap = _published(session, user, cycle_id)
    doc = snapshot_explain(snap)
    units = {u["unit"]: u for u in doc["units"]}
    if unit not in units:
        raise HTTPException(404, "没有这个考核对象 / no such unit")
    me = units[unit]
    peers = [u for u in doc["units"] if u["category"] == me["category"]]
    lines = comparison(me, peers)
    strengths = sorted(
        (x for x in lines if x["above_median"] > 0), key=lambda x: -x["above_median"]
    )[:5]
    gaps = sorted((x for x in lines if x["below_best"] > 0), key=lambda x: -x["below_best"])[:5]
    return render(
        request,
        "unit.html",
        user,
        cycle=cycle,
        unit=me,
        lines=lines,
        strengths=strengths,
        gaps=gaps,
    )


def comparison(me: dict[str, Any], peers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per indicator of ``me``: its points against its category's best and median points."""
    by_ind: dict[str, list[float]] = {}
    for p in peers:
        for ind in p["indicators"]:
            if ind["points"] is not None:
                by_ind.setdefault(ind["indicator"], []).append(float(ind["points"]))
    out = []
    for ind in me["indicators"]:
        pts = by_ind.get(ind["indicator"], [])
        mine = ind["points"]
        best = max(pts) if pts else None
        median = statistics.median(pts) if pts else None
        out.append(
            {
                "id": ind["indicator"],
                "name": ind["name"],
                "value": ind["value"],
                "points": mine,
                "full": ind["full"],
                "best": best,
                "median": median,
                "above_median": (mine - median) if mine is not None and median is not None else 0.0,
                "below_best": (best - mine) if mine is not None and best is not None else 0.0,
                "arithmetic": ind["arithmetic"],
            }
        )
    return out
