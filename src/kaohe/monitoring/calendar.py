"""The monitoring periods of a cycle, and the time-proportional share of the year at each.

A :class:`Calendar` is the resolved list of periods: generated months (ids ``2022-01`` …) or
quarters (``2022-Q1`` …) between the section's ``start`` and ``end``, or the named dates a scheme
lists; each with its date (the end of the period) and the deadline of its values.

The share of the year a period closes (序时进度) comes from a profile:

* ``linear`` — the months elapsed since the start, counted by calendar month (a month's days
  count as fractions of that month): month k of 12 is exactly k/12, 30 June is 1/2;
* ``days`` — the days elapsed, both ends included, over the days of the span;
* declared ``shares`` — one weight per period, cumulated and divided by their total.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaohe.errors import Issue, SchemeError
from kaohe.i18n import Msg, t
from kaohe.monitoring.declaration import Monitoring
from kaohe.scheme import Period

Vec = NDArray[np.float64]


@dataclass(frozen=True)
class Calendar:
    """The periods of one monitoring year, in order."""

    start: dt.date
    end: dt.date
    ids: tuple[str, ...]
    names: tuple[str, ...]  # as declared ("" for generated months and quarters)
    kinds: tuple[str, ...]  # month | quarter | date
    dates: tuple[dt.date, ...]  # the last day each period covers
    deadlines: tuple[dt.date, ...]

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, period: str) -> int:
        return self.ids.index(period)

    def label(self, p: int, language: str | None = None) -> str:
        """The name people read: the declared one, else 3月 / Mar, 第2季度 / Q2."""
        if self.names[p]:
            return self.names[p]
        date = self.dates[p]
        if self.kinds[p] == "month":
            return t("monitor.months", language).split(",")[date.month - 1]
        if self.kinds[p] == "quarter":
            return t("monitor.quarter", language, q=(date.month - 1) // 3 + 1)
        return self.ids[p]

    def day(self, p: int) -> np.datetime64:
        return np.datetime64(self.dates[p].isoformat(), "D")


def span(mon: Monitoring, period: Period) -> tuple[dt.date, dt.date]:
    """The first and last day monitored: the section's, else the scheme's ``period``."""
    start = mon.start or period.start
    end = mon.end or period.end
    if start is None or end is None:
        raise SchemeError(Issue(str(Msg("mon.err.no_span")), path="monitoring.start"))
    return start, end


def build_calendar(mon: Monitoring, period: Period) -> Calendar:
    """The periods of a (checked) monitoring section."""
    start, end = span(mon, period)
    late = dt.timedelta(days=mon.deadline_days)
    if isinstance(mon.periods, list):
        ps = mon.periods
        return Calendar(
            start,
            end,
            tuple(p.id for p in ps),
            tuple(p.name for p in ps),
            ("date",) * len(ps),
            tuple(p.date for p in ps),
            tuple(p.deadline or p.date + late for p in ps),
        )
    step = 1 if mon.periods == "months" else 3
    dates = period_ends(start, end, step)
    if step == 1:
        ids = tuple(f"{d.year}-{d.month:02d}" for d in dates)
    else:
        ids = tuple(f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in dates)
    kind = "month" if step == 1 else "quarter"
    return Calendar(
        start,
        end,
        ids,
        ("",) * len(dates),
        (kind,) * len(dates),
        dates,
        tuple(d + late for d in dates),
    )


def period_ends(start: dt.date, end: dt.date, months: int) -> tuple[dt.date, ...]:
    """The last day of every month (``months=1``) or calendar quarter (3) from the one holding
    ``start`` to the one holding ``end`` (the last cut at ``end``)."""
    y, m = start.year, start.month
    m += (-m) % months  # the month that closes the first period
    out: list[dt.date] = []
    while True:
        out.append(min(month_end(y, m), end))
        if out[-1] >= end:
            return tuple(out)
        m += months
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _cal.monthrange(year, month)[1])


# --------------------------------------------------------------------------- profiles


def month_position(day: dt.date, start: dt.date) -> float:
    """Months from the start of ``start`` to the end of ``day``, each month's days as fractions
    of that month (31 January from 1 January is 1, 30 June is 6)."""
    whole = 12 * (day.year - start.year) + (day.month - start.month)
    into = day.day / _cal.monthrange(day.year, day.month)[1]
    before = (start.day - 1) / _cal.monthrange(start.year, start.month)[1]
    return whole + into - before


def linear_shares(cal: Calendar) -> Vec:
    """The share of the monitored year elapsed at each period's date, by months."""
    total = month_position(cal.end, cal.start)
    return _bounded(np.array([month_position(d, cal.start) / total for d in cal.dates]))


def day_shares(cal: Calendar) -> Vec:
    """The share of the monitored year's days elapsed at each period's date."""
    total = (cal.end - cal.start).days + 1
    return _bounded(np.array([((d - cal.start).days + 1) / total for d in cal.dates]))


def declared_shares(weights: Sequence[float]) -> Vec:
    """Cumulative shares of per-period weights: the last is exactly 1."""
    cs = np.cumsum(np.asarray(weights, dtype=np.float64))
    return _bounded(cs / cs[-1])


def _bounded(x: Vec) -> Vec:
    return np.clip(x, 0.0, 1.0)
