"""Monitoring on the platform (调度与预警): period values stored as versions of the ``values``
table (``period`` = a monitoring period's id), the core's series built from the approved ones,
last year's from the previous cycle of the same scheme, warnings, the provisional assessment,
and reviewers' acceptance of data warnings.

Period values go through the annual values' own write (:func:`kaohe.web.submissions.service.
submit` with ``period``) and review (:func:`kaohe.web.reviews.service.review`): the same
versioning, the same audit log."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import math
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table as SqlTable
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from kaohe.dataset import NOT_APPLICABLE, PRESENT, Table
from kaohe.errors import DataError, KaoheError
from kaohe.i18n import LANGUAGES, both, t
from kaohe.i18n import language as in_language
from kaohe.io.monitor_files import data_row, warning_row
from kaohe.io.series_files import series_from_tables
from kaohe.monitoring.monitor import Monitor, monitor
from kaohe.monitoring.plan import MonitorPlan, compile_monitor
from kaohe.monitoring.provisional import Provisional, assess_provisional
from kaohe.monitoring.records import CHECKS
from kaohe.monitoring.series import Key, Series, series_from_values
from kaohe.web.audit import chain as audit
from kaohe.web.cycles.service import CycleError, last_year, scheme_of
from kaohe.web.store.models import (
    AuditHead,
    Cycle,
    SchemeVersion,
    User,
    Value,
    WarningAcceptance,
    now,
)
from kaohe.web.submissions import service as submissions

NOT_APPLICABLE_TEXT = ("n/a", "na", "不适用")


class MonitoringError(CycleError):
    """A monitoring request that cannot be met (no monitoring declared, a bad key)."""


# --------------------------------------------------------------------------- the plan


def plan_of(session: Session, cycle: Cycle) -> MonitorPlan | None:
    """The cycle's monitoring plan (None when its scheme declares no ``monitoring:``)."""
    version = session.get(SchemeVersion, cycle.scheme_version_id)
    if version is None:
        return None
    key = (version.id, version.sha256)  # a stored version never changes
    with _KEPT:
        if key in _PLANS:
            return _PLANS[key]
    scheme = scheme_of(cycle, session)
    plan = None if scheme.monitoring is None else compile_monitor(scheme)
    with _KEPT:
        while len(_PLANS) >= 32:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[key] = plan
    return plan


_PLANS: dict[tuple[int, str], MonitorPlan | None] = {}
_KEPT = threading.Lock()  # guards _PLANS and _MONITORS


def require_plan(session: Session, cycle: Cycle) -> MonitorPlan:
    plan = plan_of(session, cycle)
    if plan is None:
        raise MonitoringError(both("monitoring.say.scheme_declares_none"))
    return plan


def owner_of(plan: MonitorPlan, s: int) -> str:
    """The department that reports a dispatched indicator."""
    entry = plan.entry(s)
    return entry.owner or plan.scheme.indicators[plan.indicators[s]].owner or ""


def department_series(plan: MonitorPlan, department: str | None) -> list[int]:
    """The dispatched indicators (indexes) a department reports (None: every one)."""
    return [
        s for s in range(len(plan.series)) if department is None or owner_of(plan, s) == department
    ]


def period_index(plan: MonitorPlan, period: str) -> int:
    """The index of a declared period; :class:`MonitoringError` naming the declared ones."""
    ids = plan.calendar.ids
    if period not in ids:
        # the English names the period quoted ({period!r}: '' when empty), the Chinese says 空
        shown = {"zh": period or t("monitoring.say.empty_period", "zh"), "en": period}
        said = (
            t("monitoring.say.undeclared_period", code, period=shown[code], known=", ".join(ids))
            for code in LANGUAGES
        )
        raise MonitoringError(" / ".join(said))
    return ids.index(period)


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Stored:
    """The approved period values of a cycle, as the core reads them."""

    values: dict[Key, float | None] = field(default_factory=dict)
    reported: dict[Key, dt.date] = field(default_factory=dict)
    not_applicable: frozenset[Key] = frozenset()


def approved_values(session: Session, cycle: Cycle, plan: MonitorPlan) -> Stored:
    """The newest approved version of every period value of the cycle (later versions replace
    earlier ones), with the day it was submitted (for the late check). Cells the plan does not
    know (a scheme version changed since) are left out."""
    rows = session.execute(
        select(Value.unit, Value.column, Value.period, Value.raw, Value.submitted_at)
        .where(Value.cycle_id == cycle.id, Value.period != "", Value.state == "approved")
        .order_by(Value.version)
    )
    known = _known_cells(plan)
    values: dict[Key, float | None] = {}
    reported: dict[Key, dt.date] = {}
    na: set[Key] = set()
    for unit, column, period, raw, at in rows:
        key = (column, unit, period)
        if key not in known:
            continue
        text = (raw or "").strip()
        values.pop(key, None)
        na.discard(key)
        if text.lower() in NOT_APPLICABLE_TEXT:
            na.add(key)
        elif text:
            values[key] = float(text)
        reported[key] = at.date()
    return Stored(values, reported, frozenset(na))


def _known_cells(plan: MonitorPlan) -> _Cells:
    return _Cells(plan)


class _Cells:
    """Whether a key is a (dispatched indicator, unit, period) the plan dispatches."""

    def __init__(self, plan: MonitorPlan) -> None:
        self.s = {sid: k for k, sid in enumerate(plan.series)}
        self.u = set(plan.units)
        self.p = {pid: k for k, pid in enumerate(plan.calendar.ids)}
        self.dispatched = plan.dispatched

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) != 3:
            return False
        s, p = self.s.get(key[0]), self.p.get(key[2])
        return s is not None and p is not None and key[1] in self.u and bool(self.dispatched[s, p])


def series_of(plan: MonitorPlan, stored: Stored) -> Series:
    return series_from_values(plan, stored.values, stored.reported, stored.not_applicable)


def previous_series(session: Session, cycle: Cycle, plan: MonitorPlan) -> Series | None:
    """Last year's series from the previous cycle's approved period values, each period taken
    as this year's period at the same place in the calendar (March as March)."""
    prev = last_year(session, cycle)
    if prev is None:
        return None
    prev_plan = plan_of(session, prev)
    if prev_plan is None or len(prev_plan.calendar) != len(plan.calendar):
        return None
    stored = approved_values(session, prev, prev_plan)
    here = _known_cells(plan)

    def moved(key: Key) -> Key:
        return (key[0], key[1], plan.calendar.ids[prev_plan.calendar.index(key[2])])

    values = {moved(k): v for k, v in stored.values.items() if moved(k) in here}
    na = frozenset(moved(k) for k in stored.not_applicable if moved(k) in here)
    if not values:
        return None
    return series_from_values(plan, values, {}, na)


def compute(
    session: Session, cycle: Cycle, period: str | None = None, today: dt.date | None = None
) -> Monitor | None:
    """The cycle's monitoring at ``period`` (default: the latest with an approved value), the
    data checks made on ``today`` or the day after the period's deadline, whichever is first.
    None when nothing has been approved yet.

    Kept in memory while the audit log's head is the same (every write moves it: its number
    and hash name everything the store holds), so that the pages of one state of the data
    compute it once. Not in a writer's batch: there the head row is written at its end, and
    the session sees the batch's writes before the head moves."""
    if session.info.get(audit.DEFER_HEAD) or session.new or session.dirty:
        return _compute(session, cycle, period, today)
    head = session.get(AuditHead, 1)
    key = (cycle.id, period, today, head.seq if head else 0, head.hash if head else "")
    with _KEPT:
        if key in _MONITORS:
            return _MONITORS[key]
    m = _compute(session, cycle, period, today)
    with _KEPT:  # pages are served from several threads
        while len(_MONITORS) >= 16:
            _MONITORS.pop(next(iter(_MONITORS)))
        _MONITORS[key] = m
    return m


_MONITORS: dict[tuple[Any, ...], Monitor | None] = {}


def forget() -> None:
    """Drop the warnings kept in memory (the benchmark measures them computed afresh)."""
    with _KEPT:
        _MONITORS.clear()


def _compute(
    session: Session, cycle: Cycle, period: str | None, today: dt.date | None
) -> Monitor | None:
    plan = require_plan(session, cycle)
    stored = approved_values(session, cycle, plan)
    if not stored.values and not stored.not_applicable:
        return None
    current = period_index(plan, period) if period else None
    series = series_of(plan, stored)
    m = monitor(plan, series, previous_series(session, cycle, plan), current)
    if today is not None and today < m.as_of:
        m = monitor(plan, series, m.previous, m.current, today)
    return m


def provisional(m: Monitor) -> Provisional | None:
    """The provisional assessment at the monitor's period (None if it cannot be made)."""
    try:
        return assess_provisional(m)
    except KaoheError:
        return None


# --------------------------------------------------------------------------- entry


@dataclass
class Checked:
    """Period values checked for saving: ``{(unit, series, period): raw}`` and the problems,
    each located."""

    cells: dict[tuple[str, str, str], str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def check_entered(
    plan: MonitorPlan, department: str | None, period: str, entered: dict[str, str]
) -> Checked:
    """Check a form's ``cell:unit:series`` fields for one period: the period declared, the
    indicator the department's and dispatched in the period, the unit assessed, the value a
    number (or N/A) within the entry's range."""
    out = Checked()
    try:
        p = period_index(plan, period)
    except MonitoringError as exc:
        out.errors.append(str(exc))
        return out
    mine = {plan.series[s] for s in department_series(plan, department)}
    units = plan.scheme.units
    for name, raw in entered.items():
        parts = name.split(":", 2)
        if len(parts) != 3:
            continue
        _, uid, sid = parts
        text = raw.strip()
        what = plan.name(plan.series_index(sid)) if sid in plan.series else sid
        where = f"{units[uid].name if uid in units else uid} · {what} · {plan.calendar.label(p)}"
        if uid not in units or sid not in mine:
            out.errors.append(f"{where}: {both('monitoring.say.not_your_cell')}")
            continue
        s = plan.series_index(sid)
        if not plan.dispatched[s, p]:
            said = (
                t("monitoring.say.not_dispatched", code, indicator=plan.name(s), period=label)
                for code, label in ((c, plan.calendar.label(p, c)) for c in LANGUAGES)
            )
            out.errors.append(f"{where}: {' / '.join(said)}")
            continue
        problem = value_problem(plan, s, text)
        if problem:
            out.errors.append(f"{where}: {problem}")
            continue
        out.cells[(uid, sid, period)] = text
    return out


def value_problem(plan: MonitorPlan, s: int, text: str) -> str | None:
    if text == "" or text.lower() in NOT_APPLICABLE_TEXT:
        return None
    try:
        x = float(text)
    except ValueError:
        return f"{both('monitoring.say.not_a_number')}: {text!r}"
    if not math.isfinite(x):
        return f"{both('monitoring.say.not_a_number')}: {text!r}"
    bounds = plan.entry(s).range
    if bounds is not None:
        low, high = bounds
        if (low is not None and x < low) or (high is not None and x > high):
            return f"{both('monitoring.say.out_of_range', low=low, high=high)}: {text}"
    return None


def check_tables(
    plan: MonitorPlan, department: str | None, tables: Iterable[Table], filename: str, tmp: str
) -> Checked:
    """Check an uploaded long table (unit, indicator, period, value) with the file reader of
    ``kaohe monitor`` (every bad cell located: an undeclared period, a cell entered twice…),
    then that every value is the department's."""
    out = Checked()
    try:
        series, _ = series_from_tables(plan, tables)
    except DataError as exc:
        out.errors = [str(i).replace(tmp, filename) for i in exc.issues]
        return out
    mine = {plan.series[s] for s in department_series(plan, department)}
    for (sid, uid, pid), ref in series.sources.items():
        s, u, p = plan.series_index(sid), plan.units.index(uid), plan.calendar.index(pid)
        if sid not in mine:
            where = ref.where().replace(tmp, filename)
            out.errors.append(
                f"{where}: {both('monitoring.say.not_your_series', indicator=plan.name(s))}"
            )
            continue
        status = int(series.status[s, u, p])
        if status == PRESENT:
            out.cells[(uid, sid, pid)] = number_text(float(series.values[s, u, p]))
        elif status == NOT_APPLICABLE:
            out.cells[(uid, sid, pid)] = "N/A"
    return out


def number_text(x: float) -> str:
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def newest_versions(
    session: Session, cycle: Cycle, periods: Iterable[str]
) -> dict[tuple[str, str, str], Value]:
    """The newest version of every period value of the given periods, by (unit, series,
    period)."""
    wanted = sorted(set(periods))
    if not wanted:
        return {}
    rows = session.execute(
        select(Value).where(submissions.newest(cycle.id, None), Value.period.in_(wanted))
    ).scalars()
    return {(v.unit, v.column, v.period): v for v in rows}


def save(
    session: Session, cycle: Cycle, cells: dict[tuple[str, str, str], str], user: User | None
) -> int:
    """Save the changed cells as new versions (all in the caller's transaction); how many."""
    return len(save_versions(session, cycle, cells, user))


def save_versions(
    session: Session, cycle: Cycle, cells: dict[tuple[str, str, str], str], user: User | None
) -> list[Version]:
    """Save the changed cells as new versions, set-based: each a version of its cell and an
    audit entry, as :func:`kaohe.web.submissions.service.submit` writes them one by one (the
    same rows, the same ``value.submit`` entries), sent as one batch of inserts of each. A cell
    whose text is unchanged, or empty and never entered, is left as it is. The saved versions,
    in order of (unit, indicator, period)."""
    if cycle.state != "collecting":
        raise CycleError(f"values are entered while the cycle is collecting (it is {cycle.state})")
    audit.lock(session)
    latest = newest_versions(session, cycle, {p for _, _, p in cells})
    rows: list[dict[str, Any]] = []
    at = now()
    for (uid, sid, pid), raw in sorted(cells.items()):
        old = latest.get((uid, sid, pid))
        if (old is not None and old.raw.strip() == raw) or (old is None and raw == ""):
            continue
        rows.append(
            {
                "cycle_id": cycle.id,
                "unit": uid,
                "column": sid,
                "period": pid,
                "version": (old.version if old else 0) + 1,
                "raw": raw,
                "note": "",
                "state": "submitted",
                "submitted_by": user.id if user else None,
                "submitted_at": at,
                "reviewed_by": None,
                "reviewed_at": None,
                "comment": "",
            }
        )
    if not rows:
        return []
    # one executemany without RETURNING (the driver's own: psycopg pipelines it; RETURNING
    # would make one multi-row statement per thousand rows, slow to build at 72,000), then the
    # new rows' ids in one query
    session.connection().execute(_VALUES, rows)
    wanted = {(r["unit"], r["column"], r["period"], r["version"]) for r in rows}
    found = session.execute(
        select(Value.id, Value.unit, Value.column, Value.period, Value.version).where(
            Value.cycle_id == cycle.id, Value.submitted_at == at, Value.state == "submitted"
        )
    )
    ids = {(u, c, p, v): i for i, u, c, p, v in found if (u, c, p, v) in wanted}
    saved = [
        Version(
            ids[(r["unit"], r["column"], r["period"], r["version"])],
            r["unit"],
            r["column"],
            r["period"],
            r["version"],
            r["raw"],
            "submitted",
        )
        for r in rows
    ]
    audit.record_many(
        session,
        user.username if user else "system",
        (
            (
                "value.submit",
                submissions.value_target(cycle.id, v.unit, v.column, v.period),
                None,
                {"raw": v.raw, "note": "", "version": v.version},
            )
            for v in saved
        ),
    )
    return saved


_VALUES = insert(cast(SqlTable, Value.__table__))


def review_many(
    session: Session,
    cycle: Cycle,
    ids: Iterable[int],
    approve: bool,
    user: User | None,
    mine: set[str] | None,
    comments: dict[int, str] | None = None,
) -> list[Version]:
    """Approve or return many period values at once, set-based and all or none: under the audit
    lock, the values are read as they are now (one query), each checked as
    :func:`kaohe.web.reviews.service.review` checks one — the cycle's period value, of the
    reviewer's indicators (``mine``; None: any), waiting, the newest version of its cell, not
    the reviewer's own entry, a comment when returned — then changed with one batch of updates
    and one ``value.approve``/``value.return`` audit entry each. Any problem refuses the whole
    set (:class:`CycleError`, every problem named)."""
    wanted = sorted(set(ids))
    comments = comments or {}
    audit.lock(session)
    found: dict[int, Any] = {}
    newest_ids: set[int] = set()
    for chunk in _chunks(wanted, 5000):
        for row in session.execute(
            select(
                Value.id,
                Value.cycle_id,
                Value.unit,
                Value.column,
                Value.period,
                Value.version,
                Value.raw,
                Value.state,
                Value.submitted_by,
            ).where(Value.id.in_(chunk))
        ):
            found[row.id] = row
        newest_ids.update(
            session.execute(
                select(Value.id).where(submissions.newest(cycle.id, None), Value.id.in_(chunk))
            ).scalars()
        )
    errors: list[str] = []
    for vid in wanted:
        v = found.get(vid)
        comment = comments.get(vid, "")
        if v is None or v.cycle_id != cycle.id or not v.period:
            errors.append(f"#{vid}: {both('monitoring.say.no_such_value')}")
        elif mine is not None and v.column not in mine:
            errors.append(f"#{vid}: {both('monitoring.say.not_your_value')}")
        elif v.state != "submitted":
            errors.append(f"#{vid}: {both('monitoring.say.reviewed_already', state=v.state)}")
        elif vid not in newest_ids:
            errors.append(f"#{vid}: {both('monitoring.say.replaced_since')}")
        elif user is not None and v.submitted_by == user.id:
            errors.append(f"#{vid}: {both('monitoring.say.own_entry')}")
        elif not approve and not comment.strip():
            errors.append(f"#{vid}: {both('monitoring.say.say_why_returned')}")
    if errors:
        raise CycleError("; ".join(errors))
    if not wanted:
        return []
    at = now()
    state = "approved" if approve else "returned"
    reviewer = user.id if user else None
    changes: list[dict[str, Any]] = [
        {
            "id": vid,
            "state": state,
            "reviewed_by": reviewer,
            "reviewed_at": at,
            "comment": comments.get(vid, ""),
        }
        for vid in wanted
    ]
    session.execute(update(Value), changes)
    audit.record_many(
        session,
        user.username if user else "system",
        (
            (
                "value.approve" if approve else "value.return",
                submissions.value_target(cycle.id, v.unit, v.column, v.period),
                None,
                {"version": v.version, "comment": comments.get(v.id, "")},
            )
            for v in (found[vid] for vid in wanted)
        ),
    )
    for obj in list(session.identity_map.values()):  # loaded copies are stale now
        if isinstance(obj, Value) and obj.id in found:
            session.expire(obj)
    return [
        Version(v.id, v.unit, v.column, v.period, v.version, v.raw, state)
        for v in (found[vid] for vid in wanted)
    ]


@dataclass(frozen=True)
class Version:
    """A version of a period value as :func:`save_versions` or :func:`review_many` left it."""

    id: int
    unit: str
    column: str
    period: str
    version: int
    raw: str
    state: str


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for k in range(0, len(items), size):
        yield items[k : k + size]


def waiting(session: Session, cycle: Cycle, series: set[str]) -> list[Value]:
    """Period values whose newest version waits for review, of the given indicators."""
    rows = session.execute(
        select(Value)
        .where(
            submissions.newest(cycle.id, None),
            Value.state == "submitted",
            Value.column.in_(sorted(series)),
        )
        .order_by(Value.period, Value.unit, Value.column)
    ).scalars()
    return list(rows)


# --------------------------------------------------------------------------- data warnings


AcceptKey = tuple[str, str, str, str]  # period, unit, indicator (series), check


def acceptances(session: Session, cycle: Cycle) -> dict[AcceptKey, WarningAcceptance]:
    rows = session.execute(
        select(WarningAcceptance).where(WarningAcceptance.cycle_id == cycle.id)
    ).scalars()
    return {(a.period, a.unit, a.indicator, a.check): a for a in rows}


def accept(
    session: Session,
    cycle: Cycle,
    plan: MonitorPlan,
    key: AcceptKey,
    comment: str,
    user: User | None,
) -> WarningAcceptance:
    """A reviewer accepts a data warning with a comment (required); accepting it again replaces
    the comment. Audited."""
    period, unit, sid, check = key
    period_index(plan, period)
    if unit not in plan.scheme.units or sid not in plan.series or check not in CHECKS:
        raise MonitoringError(f"{both('monitoring.say.no_such_warning')}: {' / '.join(key)}")
    if not comment.strip():
        raise MonitoringError(both("monitoring.say.say_why"))
    audit.lock(session)
    found = acceptances(session, cycle).get(key)
    before = {"comment": found.comment} if found else None
    if found is None:
        found = WarningAcceptance(
            cycle_id=cycle.id, period=period, unit=unit, indicator=sid, check=check, comment=""
        )
        session.add(found)
    found.comment = comment.strip()
    found.accepted_by = user.id if user else None
    found.accepted_at = now()
    session.flush()
    audit.record(
        session,
        user.username if user else "system",
        "monitoring.accept",
        f"cycle:{cycle.id}/{unit}/{sid}@{period}#{check}",
        before=before,
        after={"comment": found.comment},
    )
    return found


# --------------------------------------------------------------------------- lists


@dataclass(frozen=True)
class Filters:
    department: str = ""
    unit: str = ""
    colour: str = ""
    period: str = ""


def warning_rows(m: Monitor, filters: Filters, lang: str) -> list[dict[str, Any]]:
    """The early warnings up to the monitor's period (of ``filters.period`` only when given),
    filtered, as rows of ``warnings.csv`` with each reason in ``lang``; red first."""
    plan = m.plan
    p = plan.calendar.index(filters.period) if filters.period in plan.calendar.ids else None
    order = {"red": 0, "amber": 1, "green": 2, "none": 3}
    with in_language(lang):
        rows = [
            {**warning_row(m, w), "department": owner_of(plan, plan.series_index(w.series))}
            for w in m.warnings(p)
            if (not filters.unit or w.unit == filters.unit)
            and (not filters.colour or w.colour == filters.colour)
            and (
                not filters.department
                or owner_of(plan, plan.series_index(w.series)) == filters.department
            )
        ]
    rows.sort(key=lambda r: (r["period"], order.get(r["colour"], 9)), reverse=False)
    rows.sort(key=lambda r: r["period"], reverse=True)
    return rows


def data_rows(
    m: Monitor, accepted: dict[AcceptKey, WarningAcceptance], filters: Filters, lang: str
) -> list[dict[str, Any]]:
    """The data warnings, filtered like :func:`warning_rows`, each with its acceptance."""
    plan = m.plan
    with in_language(lang):
        out = []
        for d in m.data_warnings():
            dept = owner_of(plan, plan.series_index(d.series))
            if filters.unit and d.unit != filters.unit:
                continue
            if filters.department and dept != filters.department:
                continue
            if filters.period and d.period != filters.period:
                continue
            acc = accepted.get((d.period, d.unit, d.series, d.check))
            out.append(
                {
                    **data_row(m, d),
                    "department": dept,
                    "accepted": acc is not None,
                    "comment": acc.comment if acc else "",
                }
            )
    return out


# --------------------------------------------------------------------------- files

TEMPLATE_HEADERS = ("考核对象 [unit]", "名称 [name]", "调度指标 [indicator]", "监测期 [period]")


def period_template(
    plan: MonitorPlan,
    department: str | None,
    period: str,
    latest: dict[tuple[str, str, str], Value],
    lang: str = "zh",
) -> bytes:
    """The department's workbook for one period: the long table the upload (and ``kaohe
    monitor``) reads, a row per unit and indicator dispatched in the period, the values entered
    so far filled in; a sheet ``说明`` says what to fill."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    p = period_index(plan, period)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{period}"[:31]
    ws.append([*TEMPLATE_HEADERS, "数值 [value]", "计量单位 [note]"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for s in department_series(plan, department):
        if not plan.dispatched[s, p]:
            continue
        sid = plan.series[s]
        for u, uid in enumerate(plan.units):
            if not plan.applies[s, u]:
                continue
            old = latest.get((uid, sid, period))
            raw: Any = old.raw if old else None
            with contextlib.suppress(ValueError):
                raw = float(raw) if raw not in (None, "") else None
            ws.append(
                [
                    uid,
                    plan.scheme.units[uid].name,
                    sid,
                    period,
                    raw,
                    plan.unit_of_measure(s) or "",
                ]
            )
    for col, width in zip("ABCDEF", (14, 14, 22, 12, 12, 12), strict=True):
        ws.column_dimensions[col].width = width
    notes = wb.create_sheet("说明")
    label = plan.calendar.label(p, lang)
    day = plan.calendar.deadlines[p].isoformat()
    notes.append([t("monitoring.say.notes_period", lang, label=label, period=period)])
    notes.append([t("monitoring.say.notes_deadline", lang, day=day)])
    notes.append([t("monitoring.say.notes_how", lang)])
    for s in department_series(plan, department):
        if plan.dispatched[s, p]:
            kind = t(f"monitoring.say.kind_{plan.kind_of(s)}", lang)
            notes.append([plan.series[s], plan.name(s), kind])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_text(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    """A CSV of ``rows`` (full precision; cells that a spreadsheet would run as formulas
    quoted with a leading apostrophe)."""
    from kaohe.io.cells import safe_row

    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow(safe_row(["" if row.get(c) is None else row[c] for c in columns]))
    return buf.getvalue()


def warnings_xlsx(
    m: Monitor, rows: list[dict[str, Any]], data: list[dict[str, Any]], lang: str
) -> bytes:
    """The warnings workbook of ``kaohe monitor`` (the period's, all, the data warnings and the
    provisional ranking) for the rows shown."""
    from kaohe.io.monitor_files import write_xlsx

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "warnings.xlsx"
        with in_language(lang):
            write_xlsx(m, provisional(m), rows, data, path, lang)
        return path.read_bytes()
