"""Review: reviewers approve or return their department's submitted values."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.i18n import both, t
from kaohe.scheme import Scheme, resolve_value
from kaohe.web import clock, lists
from kaohe.web.cycles.service import ConflictError, CycleError
from kaohe.web.deps import (
    DB,
    Access,
    Fields,
    RowId,
    flash_after,
    page_lang,
    page_offset,
    render,
    row_id,
    save_in_batch,
    work_cycle,
)
from kaohe.web.evidence import service as evidence
from kaohe.web.reviews import service as reviews
from kaohe.web.store import writer
from kaohe.web.store.models import Cycle, User, Value
from kaohe.web.submissions.service import entry_columns, newest

router = APIRouter(include_in_schema=False)  # pages: the API is documented


Reviewer = Annotated[User | None, Depends(Access("values.review"))]


@router.get("/cycles/{cycle_id}/review", response_class=HTMLResponse)
def review_page(request: Request, cycle_id: RowId, user: Reviewer, session: DB) -> HTMLResponse:
    """The newest submitted version of each of the department's cells, none pre-selected, in
    the scheme's order of units and indicators; a cell's earlier versions as its history."""
    cycle, scheme = work_cycle(session, cycle_id, user)
    return _review_view(request, session, cycle, scheme, user)


def _review_view(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    sent: Fields | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The review page; after a refused form, with what was ticked and typed kept and each
    problem beside its field (``errors``: field name → message; ``""`` for the whole form)."""
    found = _waiting(request, session, cycle, scheme, user)
    columns, labels, everyone = found.columns, found.labels, found.everyone
    waiting, w = lists.sliced(found.shown, page_offset(request))
    base = f"/cycles/{cycle.id}/review"
    query = found.filters
    history: dict[tuple[str, str], list[Value]] = {}
    cells = {(v.unit, v.column) for v in waiting if v.version > 1}  # a first has no history
    if cells:
        earlier = session.execute(
            select(Value)
            .where(
                Value.cycle_id == cycle.id,
                Value.period == "",
                Value.column.in_({c for _, c in cells}),
                Value.unit.in_({u for u, _ in cells}),
                Value.version < max(v.version for v in waiting),
            )
            .order_by(Value.version.desc())
        ).scalars()
        newest_of = {(v.unit, v.column): v.version for v in waiting}
        for v in earlier:
            if (v.unit, v.column) in cells and v.version < newest_of[(v.unit, v.column)]:
                history.setdefault((v.unit, v.column), []).append(v)
    names = found.names
    files = evidence.of_values(session, [v.id for v in waiting])
    return render(
        request,
        "review.html",
        user,
        cycle=cycle,
        waiting=waiting,
        names=names,
        labels=labels,
        history=history,
        files=files,
        context=_context(session, cycle, scheme, columns, waiting),
        waiting_all=len(everyone),
        choose_units=[(u, names[u]) for u in scheme.units if u in found.units],
        choose_indicators=[
            (iid, scheme.indicators[iid].name)
            for iid in dict.fromkeys(iid for iid, _, _ in columns)
            if iid in found.indicators
        ],
        only_unit=query.get("unit", ""),
        only_indicator=query.get("indicator", ""),
        search=query.get("q", ""),
        filter_errors=found.errors,
        window=w,
        links=w.links(base, query),
        export={
            "csv": lists.href(base + ".csv", query),
            "xlsx": lists.href(base + ".xlsx", query),
        },
        ticked={v for k, v in sent or [] if k == "value"},
        typed=dict(sent or []),
        field_errors=errors or {},
        status_code=status_code,
    )


#: what the review list reads of each waiting value
WAITING = (
    Value.id,
    Value.unit,
    Value.column,
    Value.raw,
    Value.version,
    Value.submitted_by,
    Value.submitted_at,
)


@dataclass
class Waiting:
    """The department's waiting values in the scheme's order (``everyone``) and those the
    query's filters keep (``shown``)."""

    columns: list[tuple[str, str, str]]
    labels: dict[str, str]
    names: dict[str, str]
    everyone: list[Any]  # rows of WAITING
    shown: list[Any]
    filters: dict[str, str]
    errors: dict[str, str]
    units: set[str]  # the units and indicators with a value waiting (the filters' choices)
    indicators: set[str]


def _waiting(
    request: Request, session: Session, cycle: Cycle, scheme: Scheme, user: User | None
) -> Waiting:
    """What the review list holds: the newest submitted version of each of the department's
    cells, in the scheme's order of units and indicators, filtered by the query's ``unit``,
    ``indicator`` and ``q`` (part of the unit's or indicator's name, or of the value)."""
    columns = entry_columns(scheme, user)
    labels = {key: header for _, key, header in columns}
    keys = list(labels)
    # rows, not entities: a department's list is thousands long, a page shows fifty
    waiting = session.execute(
        select(*WAITING).where(newest(cycle.id), Value.state == "submitted", Value.column.in_(keys))
    ).all()
    order = {uid: i for i, uid in enumerate(scheme.units)}
    place = {key: i for i, key in enumerate(keys)}
    everyone = sorted(waiting, key=lambda v: (order.get(v.unit, len(order)), place[v.column]))
    lang = page_lang(request)
    errors: dict[str, str] = {}
    params = request.query_params
    only_unit = lists.choice(params, "unit", scheme.units, errors, lang)
    only_indicator = lists.choice(params, "indicator", scheme.indicators, errors, lang)
    search = lists.text(params, "q")
    indicator_of = {key: iid for iid, key, _ in columns}
    names = {uid: u.name for uid, u in scheme.units.items()}
    shown = [
        v
        for v in everyone
        if (not only_unit or v.unit == only_unit)
        and (not only_indicator or indicator_of.get(v.column) == only_indicator)
        and lists.found(search, names.get(v.unit), labels.get(v.column), v.raw)
    ]
    filters = lists.query(unit=only_unit, indicator=only_indicator, q=search)
    units = {v.unit for v in everyone}
    indicators = {indicator_of.get(v.column, "") for v in everyone}
    return Waiting(columns, labels, names, everyone, shown, filters, errors, units, indicators)


def _export(
    request: Request, session: Session, cycle_id: int, user: User | None, kind: str
) -> Response:
    cycle, scheme = work_cycle(session, cycle_id, user)
    lang = page_lang(request)
    found = _waiting(request, session, cycle, scheme, user)
    shown = found.shown[: lists.EXPORT_LIMIT]
    context = _context(session, cycle, scheme, found.columns, shown)
    people = {int(i): str(d) for i, d in session.execute(select(User.id, User.display_name))}
    rows = []
    for v in shown:
        cx = context.get(v.id, {})
        peers = (
            t("review.peers_range", lang, low=cx["low"], high=cx["high"], n=cx["n"])
            if cx.get("low")
            else ""
        )
        rows.append(
            [
                found.names.get(v.unit, v.unit),
                found.labels.get(v.column, v.column),
                v.raw,
                cx.get("measure", ""),
                cx.get("last", ""),
                peers,
                v.version,
                people.get(v.submitted_by, "") if v.submitted_by else "",
                clock.local_time(v.submitted_at),
            ]
        )
    heads = [t(h, lang) for h in EXPORT_HEADS]
    return lists.export(kind, "review", t("review.list_sheet", lang), heads, rows)


EXPORT_HEADS = (
    "unit",
    "web.indicator",
    "web.value",
    "review.unit_of_measure",
    "review.last_year",
    "review.peers",
    "web.version",
    "review.submitted_by",
    "review.submitted_at",
)


@router.get("/cycles/{cycle_id}/review.csv", response_model=None)
def review_csv(request: Request, cycle_id: RowId, user: Reviewer, session: DB) -> Response:
    """The review list as the page filters it (every page), UTF-8 with BOM."""
    return _export(request, session, cycle_id, user, "csv")


@router.get("/cycles/{cycle_id}/review.xlsx", response_model=None)
def review_xlsx(request: Request, cycle_id: RowId, user: Reviewer, session: DB) -> Response:
    """The review list as the page filters it (every page), as a workbook."""
    return _export(request, session, cycle_id, user, "xlsx")


@router.post("/cycles/{cycle_id}/review", response_model=None)
async def review_submit(request: Request, cycle_id: RowId, user: Reviewer) -> Response:
    return await save_in_batch(_review_save, request, cycle_id, user)


def _context(
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    columns: list[tuple[str, str, str]],
    waiting: list[Any],
) -> dict[int, dict[str, str]]:
    """Beside each waiting value (by its id): the indicator's name and unit of measure, last
    year's value where the scheme gives one, and the range of the newest numeric values of the
    same column among the unit's peers (units of its category; the unit itself left out)."""
    indicator_of = {key: iid for iid, key, _ in columns}
    shown = {v.column for v in waiting}
    latest = (
        session.execute(
            select(Value.unit, Value.column, Value.raw).where(
                newest(cycle.id), Value.column.in_(sorted(shown))
            )
        ).all()
        if shown
        else []
    )
    numbers: dict[tuple[str, str], list[float]] = {}  # (column, category) → [(unit, value)]
    for uid, key, raw in latest:
        unit = scheme.units.get(uid)
        number = _number(raw)
        if unit is not None and number is not None:
            numbers.setdefault((key, unit.category), []).append(number)
    out: dict[int, dict[str, str]] = {}
    for v in waiting:
        iid = indicator_of.get(v.column, "")
        ind = scheme.indicators.get(iid)
        unit = scheme.units.get(v.unit)
        if ind is None or unit is None:
            continue
        last = resolve_value(ind.previous, v.unit, unit.category) if v.column == iid else None
        peers = list(numbers.get((v.column, unit.category), []))
        mine = _number(v.raw)
        if mine is not None and mine in peers:
            peers.remove(mine)  # the unit's own value is not its peer
        out[v.id] = {
            "indicator": ind.name,
            "measure": ind.unit_of_measure,
            "last": "" if last is None else f"{last:g}",
            "low": f"{min(peers):g}" if peers else "",
            "high": f"{max(peers):g}" if peers else "",
            "n": str(len(peers)),
        }
    return out


def _number(raw: str) -> float | None:
    try:
        number = float(raw.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _review_save(
    request: Request,
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    user: User | None,
    fields: Fields,
) -> Response:
    form = dict(fields)
    keys = {k for _, k, _ in entry_columns(scheme, user)}
    approve = form.get("decision") == "approve"
    comment = form.get("comment", "").strip()
    lang = page_lang(request)
    chosen = [row_id(v) for k, v in fields if k == "value"]
    if not chosen:
        refusal = {"": t("web.review_none_chosen", lang)}
        raise writer.Refused(
            lambda s: _review_view(request, s, cycle, scheme, user, fields, refusal, 422)
        )
    if not approve and not comment:  # a return says why: beside each cell without a reason
        silent = {
            f"comment:{vid}": t("web.return_needs_reason", lang)
            for vid in chosen
            if vid is not None and not form.get(f"comment:{vid}", "").strip()
        }
        if silent:
            silent[""] = t("web.return_needs_reason_form", lang)
            raise writer.Refused(
                lambda s: _review_view(request, s, cycle, scheme, user, fields, silent, 422)
            )
    try:
        for vid in chosen:
            value = session.get(Value, vid) if vid is not None else None
            if value is None or value.cycle_id != cycle.id or value.column not in keys:
                raise HTTPException(403, both("web.say.not_your_value"))
            # the cell's own comment, else the one for the whole batch
            said = form.get(f"comment:{value.id}", "").strip() or comment
            reviews.review(session, value, approve, user, said)
    except (CycleError, ValueError) as exc:  # the writer rolls the batch's savepoint back
        message = {"": str(exc)}
        status = 409 if isinstance(exc, ConflictError) else 422
        raise writer.Refused(
            lambda s: _review_view(request, s, cycle, scheme, user, fields, message, status)
        ) from None
    flash_after(request, "web.flash_approved" if approve else "web.flash_returned", n=len(chosen))
    back = lists.href(f"/cycles/{cycle.id}/review", dict(request.query_params))
    return RedirectResponse(back, status_code=303)  # the same filters and page
