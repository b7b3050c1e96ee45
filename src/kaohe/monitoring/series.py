"""Values per (dispatched indicator, unit, period), and the conversions between their kinds.

A :class:`Series` holds what was reported, in the plan's order, as arrays ``[S, U, P]``: the
value (NaN where none), the state of the cell (present, missing, not applicable — as in
:mod:`kaohe.dataset`), the day it was reported when known (the platform knows it; a file may
say it), and where each value came from.

Conversions, over the periods in which an indicator is dispatched (an indicator dispatched
quarterly in a monthly calendar has one flow per quarter: the value since the last dispatch):

* a **cumulative level** (to date) gives the period flow as the difference from the level at the
  previous dispatch (the first dispatch: the level itself);
* a **period flow** gives the level to date as the running sum (one missing flow leaves every
  later level unknown: it is never guessed);
* a **stock** and a **rate** are levels already; they have no flow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from kaohe.dataset import MISSING, NOT_APPLICABLE, PRESENT, CellRef
from kaohe.errors import DataError, Issue
from kaohe.i18n import Msg
from kaohe.monitoring.plan import MonitorPlan

Vec = NDArray[np.float64]
Cube = NDArray[np.float64]  # [S, U, P]
Mask = NDArray[np.bool_]

NOT_REPORTED = np.datetime64("NaT", "D")
#: A value cell's key: (indicator entry, unit, period).
Key = tuple[str, str, str]


@dataclass(frozen=True)
class Series:
    """Reported values of every dispatched indicator, unit and period, in plan order."""

    series: tuple[str, ...]
    units: tuple[str, ...]
    periods: tuple[str, ...]
    values: Cube
    status: NDArray[np.int8]
    reported: NDArray[np.datetime64]  # the day each value was reported (NaT: not known)
    sources: Mapping[Key, CellRef] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for arr in (self.values, self.status, self.reported):
            arr.flags.writeable = False
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    @property
    def present(self) -> Mask:
        mask: Mask = self.status == PRESENT
        return mask

    def fits(self, plan: MonitorPlan) -> bool:
        return (self.series, self.units, self.periods) == (
            plan.series,
            plan.units,
            plan.calendar.ids,
        )


def empty_cube(plan: MonitorPlan) -> tuple[Cube, NDArray[np.int8], NDArray[np.datetime64]]:
    shape = (len(plan.series), len(plan.units), len(plan.calendar))
    return (
        np.full(shape, np.nan),
        np.full(shape, MISSING, dtype=np.int8),
        np.full(shape, NOT_REPORTED, dtype="datetime64[D]"),
    )


def series_from_values(
    plan: MonitorPlan,
    values: Mapping[Key, float | None],
    reported: Mapping[Key, dt.date] | None = None,
    not_applicable: frozenset[Key] = frozenset(),
) -> Series:
    """A series from ``{(indicator entry, unit, period id): value}`` (e.g. the platform's
    approved values); ``None`` is no value. Raises :class:`DataError` naming every key that is
    not an entry, unit or period of the plan, or a period the entry is not dispatched in."""
    cube, status, days = empty_cube(plan)
    s_of = {s: k for k, s in enumerate(plan.series)}
    u_of = {u: k for k, u in enumerate(plan.units)}
    p_of = {p: k for k, p in enumerate(plan.calendar.ids)}
    issues: list[Issue] = []
    for key in (*values, *not_applicable, *(reported or {})):
        s, u, p = s_of.get(key[0]), u_of.get(key[1]), p_of.get(key[2])
        if s is None or u is None or p is None or not plan.dispatched[s, p]:
            issues.append(Issue(str(Msg("mon.err.bad_key", key=" / ".join(key)))))
    if issues:
        raise DataError(issues)
    for (sid, uid, pid), value in values.items():
        if value is not None:
            idx = (s_of[sid], u_of[uid], p_of[pid])
            cube[idx], status[idx] = float(value), PRESENT
    for sid, uid, pid in not_applicable:
        status[s_of[sid], u_of[uid], p_of[pid]] = NOT_APPLICABLE
    for (sid, uid, pid), day in (reported or {}).items():
        days[s_of[sid], u_of[uid], p_of[pid]] = np.datetime64(day.isoformat(), "D")
    return Series(plan.series, plan.units, plan.calendar.ids, cube, status, days)


# --------------------------------------------------------------------------- conversions


def previous_dispatch(dispatched: Mask) -> NDArray[np.int64]:
    """[S, P]: the index of the last dispatched period before each period (−1: none)."""
    p = dispatched.shape[-1]
    idx = np.where(dispatched, np.arange(p), -1)
    last = np.maximum.accumulate(idx, axis=-1)
    out = np.full(dispatched.shape, -1, dtype=np.int64)
    out[..., 1:] = last[..., :-1]
    return out


def cumulative_from_flow(flow: Cube, dispatched: Mask) -> Cube:
    """Levels to date from flows ``[S, U, P]`` (NaN from the first missing flow on, and in the
    periods an indicator is not dispatched in)."""
    due = np.broadcast_to(dispatched[:, None, :], flow.shape)
    level: Cube = np.cumsum(np.where(due, flow, 0.0), axis=-1)
    level[~due] = np.nan
    return level


def flow_from_cumulative(level: Cube, dispatched: Mask) -> Cube:
    """Flows from levels to date ``[S, U, P]``: the change since the previous dispatch."""
    prev = previous_dispatch(dispatched)
    before = take_periods(level, prev)
    first = np.broadcast_to((prev < 0)[:, None, :], level.shape)
    flow: Cube = np.where(first, level, level - before)
    due = np.broadcast_to(dispatched[:, None, :], level.shape)
    flow[~due] = np.nan
    return flow


def take_periods(cube: Cube, index: NDArray[np.int64]) -> Cube:
    """``cube[s, u, index[s, p]]`` for every (s, u, p); NaN where the index is −1."""
    idx = np.broadcast_to(np.maximum(index, 0)[:, None, :], cube.shape)
    out: Cube = np.take_along_axis(cube, idx, axis=-1)
    return np.where(np.broadcast_to((index < 0)[:, None, :], cube.shape), np.nan, out)


def levels(plan: MonitorPlan, values: Cube) -> tuple[Cube, Cube]:
    """(level to date, period flow) of reported values, by each indicator's kind."""
    kind = plan.kind[:, None, None]
    cum = kind == 0
    flow_kind = kind == 1
    as_level = cumulative_from_flow(values, plan.dispatched)
    as_flow = flow_from_cumulative(values, plan.dispatched)
    level: Cube = np.where(flow_kind, as_level, values)
    flow: Cube = np.where(cum, as_flow, np.where(flow_kind, values, np.nan))
    due = np.broadcast_to(plan.dispatched[:, None, :], values.shape)
    level[~due] = np.nan
    return level, flow
