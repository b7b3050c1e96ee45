"""Reading monitoring data: a long table (unit, indicator, period, value) from CSV or Excel.

One row per value. Columns (headers in English or Chinese, or ``名称 [key]``): ``unit``
(考核对象: an id or a name), ``indicator`` (指标: a dispatched indicator's id or name, or the id
or name of the scheme indicator it tracks), ``period`` (监测期: a period id such as ``2022-03``,
a name, ``2022年3月``, or a date in the period), ``value`` (数值); optionally ``reported``
(报送日期: the day it was reported, for the late check), ``name``, ``category`` and ``note``,
which are read past. Every sheet of a workbook is read (except 说明 and those starting with _).

The file is read whole and checked whole: a value for an undeclared period, or for a period its
indicator is not dispatched in, a cell entered twice, an unknown unit or indicator, text in a
number cell — every such problem is reported at once, located by file, sheet, row and column, and
nothing is returned. Last year's file (``year_shift=1``) names its periods by last year's dates
(``2021-03``, ``2021年3月``) or by the year-free ids and names.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kaohe.dataset import (
    CATEGORY_HEADERS,
    INDICATOR_HEADERS,
    MISSING,
    NAME_HEADERS,
    NOT_APPLICABLE,
    NOTE_HEADERS,
    PRESENT,
    UNIT_HEADERS,
    VALUE_HEADERS,
    CellRef,
    Table,
    _blank,
    column_label,
    header_key,
    parse_number,
)
from kaohe.errors import DataError, Issue
from kaohe.i18n import Msg, t
from kaohe.io.data_files import read_tables
from kaohe.monitoring.calendar import Calendar
from kaohe.monitoring.plan import MonitorPlan
from kaohe.monitoring.series import Key, Series, empty_cube

PERIOD_HEADERS = frozenset(
    {"period", "监测期", "期别", "报告期", "月份", "时期", "month", "quarter"}
)
REPORTED_HEADERS = frozenset({"reported", "报送日期", "填报日期", "报送时间"})
SERIES_HEADERS = INDICATOR_HEADERS | {"调度指标", "series"}
ROLES: tuple[tuple[str, frozenset[str]], ...] = (
    ("unit", UNIT_HEADERS),
    ("indicator", SERIES_HEADERS),
    ("period", PERIOD_HEADERS),
    ("value", VALUE_HEADERS),
    ("reported", REPORTED_HEADERS),
    ("name", NAME_HEADERS),
    ("category", CATEGORY_HEADERS),
    ("note", NOTE_HEADERS),
)
REQUIRED = ("unit", "indicator", "period", "value")


def load_series(
    plan: MonitorPlan, path: str | Path, year_shift: int = 0
) -> tuple[Series, list[Issue]]:
    """Read and check a monitoring file against the plan; (series, warnings). ``year_shift``
    is 1 for last year's file."""
    tables, warnings = read_tables(path)
    series, more = series_from_tables(plan, tables, year_shift)
    return series, warnings + more


def series_from_tables(
    plan: MonitorPlan, tables: Iterable[Table], year_shift: int = 0
) -> tuple[Series, list[Issue]]:
    """Check tables already read; raises :class:`DataError` listing every bad cell."""
    reader = _Reader(plan, year_shift)
    for table in tables:
        reader.table(table)
    if not reader.errors and not reader.sources:
        reader.errors.append(Issue(str(Msg("mon.read.no_rows")), file=reader.files()))
    if reader.errors:
        raise DataError(reader.errors)
    return reader.series(), reader.warnings


# --------------------------------------------------------------------------- periods


def period_keys(cal: Calendar, year_shift: int = 0) -> dict[str, int]:
    """Every text that names a period (lower case), for a file of the year ``year_shift``
    years back. Texts naming two periods are dropped (ambiguous)."""
    out: dict[str, set[int]] = {}
    for p in range(len(cal)):
        names = {cal.label(p, "zh"), cal.label(p, "en")}
        if cal.kinds[p] == "date" or year_shift == 0:
            names.add(cal.ids[p])
        date = _shift(cal.dates[p], year_shift)
        names |= _date_names(date, cal.kinds[p])
        for name in names:
            out.setdefault(name.strip().lower(), set()).add(p)
    return {k: next(iter(v)) for k, v in out.items() if len(v) == 1 and k}


def _date_names(d: dt.date, kind: str) -> set[str]:
    y, m = d.year, d.month
    names = {d.isoformat()}
    if kind == "month":
        names |= {f"{y}-{m:02d}", f"{y}-{m}", f"{y}{m:02d}", f"{y}年{m}月", f"{y}.{m:02d}"}
        names |= {f"{y}/{m:02d}", f"{y}/{m}", f"{y}年{m:02d}月"}
    elif kind == "quarter":
        q = (m - 1) // 3 + 1
        names |= {f"{y}-q{q}", f"{y}q{q}", f"{y}年第{q}季度", f"{y}年{q}季度", f"{y} q{q}"}
    return names


def _shift(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def period_example(cal: Calendar, p: int, year_shift: int) -> str:
    """How to write a period in a file of that year (e.g. 2021-03 in last year's)."""
    d = _shift(cal.dates[p], year_shift)
    if cal.kinds[p] == "month":
        return f"{d.year}-{d.month:02d}"
    if cal.kinds[p] == "quarter":
        return f"{d.year}-Q{(d.month - 1) // 3 + 1}"
    return cal.ids[p]


def period_of_date(cal: Calendar, d: dt.date, year_shift: int) -> int | None:
    """The period holding a date (a month or quarter calendar), or dated that day."""
    for p in range(len(cal)):
        end = _shift(cal.dates[p], year_shift)
        kind = cal.kinds[p]
        if kind == "date" and d == end:
            return p
        if kind == "month" and (d.year, d.month) == (end.year, end.month):
            return p
        if kind == "quarter" and d.year == end.year and (d.month - 1) // 3 == (end.month - 1) // 3:
            return p
    return None


def as_date(raw: Any) -> dt.date | None:
    """A date cell (Excel date, or text like 2022-07-10 / 2022/7/10), or None."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip().replace("/", "-").replace(".", "-")
    try:
        y, m, d = (int(x) for x in text.split("-"))
        return dt.date(y, m, d)
    except ValueError:
        return None


# --------------------------------------------------------------------------- the reader


@dataclass(frozen=True, slots=True)
class _Row:
    """One row of a table, its cells by role; where a cell is, worked out when it is needed."""

    table: Table
    number: int
    cells: Sequence[Any]
    cols: dict[str, int]
    letters: dict[str, str]

    def raw(self, role: str) -> Any:
        k = self.cols[role]
        return self.cells[k] if k < len(self.cells) else None

    def ref(self, role: str) -> CellRef:
        return self.table.ref(self.number, self.letters[role])

    def issue(self, role: str, msg: Msg) -> Issue:
        return self.ref(role).issue(str(msg))


@dataclass
class _Reader:
    plan: MonitorPlan
    year_shift: int
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    sources: dict[Key, CellRef] = field(default_factory=dict)
    values: dict[Key, float] = field(default_factory=dict)
    not_applicable: set[Key] = field(default_factory=set)
    reported: dict[Key, dt.date] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        plan = self.plan
        scheme = plan.scheme
        self.units = {uid: uid for uid in plan.units}
        self.units.update({u.name: uid for uid, u in scheme.units.items()})
        self.series_keys: dict[str, str] = {}
        for s, sid in enumerate(plan.series):
            iid = plan.indicators[s]
            for key in (iid, scheme.indicators[iid].name, plan.name(s), sid):
                self.series_keys[key] = sid  # the entry's own id and name win (last)
        self.periods = period_keys(plan.calendar, self.year_shift)
        self.s_of = {sid: k for k, sid in enumerate(plan.series)}
        self.u_of = {uid: k for k, uid in enumerate(plan.units)}

    def files(self) -> str | None:
        return ", ".join(dict.fromkeys(self.names)) or None

    def table(self, table: Table) -> None:
        self.names.append(table.file or table.name)
        cols = self.columns(table)
        if cols is None:
            return
        letters = {role: column_label(k, table) for role, k in cols.items()}
        for rownum, cells in table.rows:
            if not _blank(cells):
                self.row(_Row(table, rownum, cells, cols, letters))

    def columns(self, table: Table) -> dict[str, int] | None:
        cols: dict[str, int] = {}
        ok = True
        for k, head in enumerate(table.header):
            key = header_key(head)
            if not key:
                continue
            role = next((r for r, names in ROLES if key.lower() in names), None)
            ref = table.ref(table.header_row, column_label(k, table))
            if role is None:
                self.errors.append(ref.issue(str(Msg("mon.read.header", header=key))))
                ok = False
            elif role in cols:
                self.errors.append(ref.issue(str(Msg("mon.read.header_twice", role=role))))
                ok = False
            else:
                cols[role] = k
        missing = [r for r in REQUIRED if r not in cols]
        if missing:
            issue = Msg("mon.read.no_columns", missing=", ".join(missing))
            self.errors.append(table.ref(table.header_row).issue(str(issue)))
            return None
        return cols if ok else None

    def row(self, row: _Row) -> None:
        uid = self.unit(row)
        sid = self.indicator(row)
        p = self.period(row)
        value, status = self.value(row, sid)
        day = self.day(row) if "reported" in row.cols else None
        if uid is None or sid is None or p is None or status is None or status == MISSING:
            return  # an empty value cell is no value (a template row left blank)
        s = self.s_of[sid]
        if not self.plan.dispatched[s, p]:
            self.errors.append(row.ref("period").issue(self._not_dispatched(s, p)))
            return
        key = (sid, uid, self.plan.calendar.ids[p])
        ref = row.ref("value")
        if key in self.sources:
            first = self.sources[key].where(ref)
            msg = Msg("mon.read.twice", unit=uid, indicator=sid, period=key[2], first=first)
            self.errors.append(ref.issue(str(msg)))
            return
        if not self.plan.applies[s, self.u_of[uid]]:
            if status == PRESENT:
                category = self.plan.scheme.categories[self.plan.scheme.units[uid].category].name
                msg = Msg("mon.read.not_applicable", indicator=self.plan.name(s), category=category)
                self.warnings.append(ref.issue(str(msg)))
            return
        self.sources[key] = ref
        if status == NOT_APPLICABLE:
            self.not_applicable.add(key)
        else:
            assert value is not None
            self.values[key] = value
        if day is not None:
            self.reported[key] = day

    def unit(self, row: _Row) -> str | None:
        raw = row.raw("unit")
        found = self.units.get(raw) if isinstance(raw, str) else None
        if found is not None:
            return found
        text = header_key("" if raw is None else str(raw).strip())
        if not text:
            self.errors.append(row.issue("unit", Msg("mon.read.empty_cell", what=t("unit"))))
            return None
        if text in self.units:
            return self.units[text]
        hint = _hint(text, self.units)
        self.errors.append(row.issue("unit", Msg("mon.read.unknown_unit", value=text, hint=hint)))
        return None

    def indicator(self, row: _Row) -> str | None:
        raw = row.raw("indicator")
        found = self.series_keys.get(raw) if isinstance(raw, str) else None
        if found is not None:
            return found
        text = header_key("" if raw is None else str(raw).strip())
        if not text:
            msg = Msg("mon.read.empty_cell", what=t("indicator"))
            self.errors.append(row.issue("indicator", msg))
            return None
        if text in self.series_keys:
            return self.series_keys[text]
        known = ", ".join(self.plan.series)
        hint = _hint(text, self.series_keys)
        msg = Msg("mon.read.unknown_indicator", value=text, hint=hint, known=known)
        self.errors.append(row.issue("indicator", msg))
        return None

    def period(self, row: _Row) -> int | None:
        raw = row.raw("period")
        if isinstance(raw, str) and (p := self.periods.get(raw.strip().lower())) is not None:
            return p
        cal = self.plan.calendar
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            msg = Msg("mon.read.empty_cell", what=t("monitor.period"))
            self.errors.append(row.issue("period", msg))
            return None
        if isinstance(raw, dt.date):
            day = raw.date() if isinstance(raw, dt.datetime) else raw
            p = period_of_date(cal, day, self.year_shift)
        else:
            text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
            p = self.periods.get(text.strip().lower())
            if p is None and (d := as_date(text)) is not None:
                p = period_of_date(cal, d, self.year_shift)
        if p is None:
            shown = ", ".join(cal.ids[:4]) + (" … " + cal.ids[-1] if len(cal) > 4 else "")
            example = period_example(cal, 0, self.year_shift)
            msg = Msg(
                "mon.read.unknown_period", value=str(raw).strip(), known=shown, example=example
            )
            self.errors.append(row.issue("period", msg))
        return p

    def value(self, row: _Row, sid: str | None) -> tuple[float | None, int | None]:
        raw = row.raw("value")
        value, status, problem = parse_number(raw)
        if problem is not None:
            text = str(raw).strip()
            key = "mon.read.percent" if text.endswith("%") else "mon.read.not_number"
            self.errors.append(row.issue("value", Msg(key, text=text)))
            return None, None
        if status == PRESENT and sid is not None:
            bounds = self.plan.monitoring.indicators[sid].range
            assert value is not None
            if bounds is not None and not _within(value, bounds):
                shown = f"[{_bound(bounds[0])}, {_bound(bounds[1])}]"
                name = self.plan.name(self.s_of[sid])
                msg = Msg("mon.read.out_of_range", value=f"{value:g}", indicator=name, range=shown)
                self.errors.append(row.issue("value", msg))
                return None, None
        return value, status

    def day(self, row: _Row) -> dt.date | None:
        raw = row.raw("reported")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        d = as_date(raw)
        if d is None:
            msg = Msg("mon.read.bad_date", text=str(raw).strip())
            self.errors.append(row.issue("reported", msg))
        return d

    def _not_dispatched(self, s: int, p: int) -> str:
        cal = self.plan.calendar
        due = [cal.ids[k] for k in np.flatnonzero(self.plan.dispatched[s])]
        return str(
            Msg(
                "mon.read.not_dispatched",
                indicator=self.plan.name(s),
                period=cal.label(p),
                periods=", ".join(due),
            )
        )

    def series(self) -> Series:
        plan = self.plan
        cube, status, days = empty_cube(plan)
        s_of = {s: k for k, s in enumerate(plan.series)}
        u_of = {u: k for k, u in enumerate(plan.units)}
        p_of = {p: k for k, p in enumerate(plan.calendar.ids)}
        for (sid, uid, pid), value in self.values.items():
            idx = (s_of[sid], u_of[uid], p_of[pid])
            cube[idx], status[idx] = value, PRESENT
        for sid, uid, pid in self.not_applicable:
            status[s_of[sid], u_of[uid], p_of[pid]] = NOT_APPLICABLE
        for (sid, uid, pid), day in self.reported.items():
            days[s_of[sid], u_of[uid], p_of[pid]] = np.datetime64(day.isoformat(), "D")
        return Series(plan.series, plan.units, plan.calendar.ids, cube, status, days, self.sources)


def _hint(text: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(text, list(known), n=1)
    return str(Msg("mon.check.did_you_mean", name=close[0])) if close else ""


def _within(value: float, bounds: tuple[float | None, float | None]) -> bool:
    lo, hi = bounds
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def _bound(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def period_index(plan: MonitorPlan, period: str) -> int:
    """The index of a period named on the command line (id, name or month); DataError if none."""
    cal = plan.calendar
    if period in cal.ids:
        return cal.index(period)
    p = period_keys(cal).get(period.strip().lower())
    if p is None:
        msg = Msg("mon.read.unknown_period_option", value=period, known=", ".join(cal.ids))
        raise DataError(Issue(str(msg)))
    return p
