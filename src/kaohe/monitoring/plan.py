"""A scheme's monitoring section compiled to arrays: one row per dispatched indicator.

Like :class:`kaohe.plan.Plan`, a :class:`MonitorPlan` depends on the scheme alone, so one plan
serves every month's data and last year's. Indices: ``s`` a dispatched indicator (a *series*),
``u`` a unit, ``p`` a period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaohe.errors import Issue, SchemeError
from kaohe.i18n import Msg
from kaohe.monitoring.calendar import (
    Calendar,
    build_calendar,
    day_shares,
    declared_shares,
    linear_shares,
)
from kaohe.monitoring.declaration import MonitoredIndicator, Monitoring
from kaohe.rules.target import elapsed_share
from kaohe.rulespec import TimeProgress
from kaohe.scheme import Scheme, resolve_value

Vec = NDArray[np.float64]

KINDS = ("cumulative", "flow", "rate", "stock")
COMPARED = ("level", "growth", "value")
PATHS = ("proportional", "flat", "from_start")
MEASURES = ("ratio", "gap", "rank")


@dataclass(frozen=True)
class MonitorPlan:
    """Everything the monitoring arithmetic reads, derived from the scheme alone."""

    scheme: Scheme
    monitoring: Monitoring
    calendar: Calendar
    series: tuple[str, ...]  # the monitoring section's indicator entries, in order
    indicators: tuple[str, ...]  # the scheme indicator each entry tracks
    units: tuple[str, ...]
    categories: tuple[str, ...]
    cat_index: NDArray[np.int64]  # [U]
    kind: NDArray[np.int8]  # [S] index into KINDS
    compared: NDArray[np.int8]  # [S] index into COMPARED
    path: NDArray[np.int8]  # [S] index into PATHS
    direction: Vec  # [S] +1 higher is better, −1 lower
    dispatched: NDArray[np.bool_]  # [S, P] values are due in this period
    applies: NDArray[np.bool_]  # [S, U] the indicator applies to the unit's category
    target: Vec  # [S, U] the annual target (NaN: none)
    shares: Vec  # [S, P] the profile's share of the year (NaN: from last year's data)
    from_previous: NDArray[np.bool_]  # [S] the profile is last year's own shape
    measure: NDArray[np.int8]  # [S] index into MEASURES
    green: Vec  # [S]
    amber: Vec  # [S]

    def entry(self, s: int) -> MonitoredIndicator:
        return self.monitoring.indicators[self.series[s]]

    def series_index(self, series: str) -> int:
        return self.series.index(series)

    def name(self, s: int) -> str:
        """The entry's name, else the name of the indicator it tracks."""
        return self.entry(s).name or self.scheme.indicators[self.indicators[s]].name

    def unit_of_measure(self, s: int) -> str:
        own = self.entry(s).unit_of_measure
        return (
            own if own is not None else self.scheme.indicators[self.indicators[s]].unit_of_measure
        )

    def kind_of(self, s: int) -> str:
        return KINDS[int(self.kind[s])]

    def compared_of(self, s: int) -> str:
        return COMPARED[int(self.compared[s])]

    def measure_of(self, s: int) -> str:
        return MEASURES[int(self.measure[s])]


def compile_monitor(scheme: Scheme) -> MonitorPlan:
    """The monitoring plan of a scheme whose ``monitoring`` section has been checked."""
    mon = scheme.monitoring
    if mon is None:
        raise SchemeError(Issue(str(Msg("mon.err.no_section")), path="monitoring"))
    cal = build_calendar(mon, scheme.period)
    series = tuple(mon.indicators)
    entries = [mon.indicators[s] for s in series]
    indicators = tuple(e.indicator or s for s, e in zip(series, entries, strict=True))
    units = tuple(scheme.units)
    cats = tuple(scheme.categories)
    cat_index = np.array([cats.index(scheme.units[u].category) for u in units], dtype=np.int64)
    thresholds = [mon.threshold_for(e) for e in entries]
    bands = np.array([th.bands for th in thresholds], dtype=np.float64).reshape(-1, 2)
    plan = MonitorPlan(
        scheme=scheme,
        monitoring=mon,
        calendar=cal,
        series=series,
        indicators=indicators,
        units=units,
        categories=cats,
        cat_index=cat_index,
        kind=_codes([e.kind for e in entries], KINDS),
        compared=_codes([e.compared for e in entries], COMPARED),
        path=_codes([e.target_path for e in entries], PATHS),
        direction=np.array(
            [1.0 if scheme.indicators[i].direction == "higher" else -1.0 for i in indicators]
        ),
        dispatched=np.array([dispatch_mask(e, cal) for e in entries], dtype=bool).reshape(
            len(series), len(cal)
        ),
        applies=np.array(
            [
                [scheme.indicators[i].applies_to(scheme.units[u].category) for u in units]
                for i in indicators
            ],
            dtype=bool,
        ).reshape(len(series), len(units)),
        target=_targets(scheme, entries, indicators, units),
        shares=np.array(
            [_shares(scheme, mon, e, i, cal) for e, i in zip(entries, indicators, strict=True)]
        ).reshape(len(series), len(cal)),
        from_previous=np.array(
            [_profile_source(mon, e) == "previous" for e in entries], dtype=bool
        ),
        measure=_codes([th.measure for th in thresholds], MEASURES),
        green=bands[:, 0].copy(),
        amber=bands[:, 1].copy(),
    )
    for arr in vars(plan).values():
        if isinstance(arr, np.ndarray):
            arr.flags.writeable = False
    return plan


def _codes(values: list[str], table: tuple[str, ...]) -> NDArray[np.int8]:
    return np.array([table.index(v) for v in values], dtype=np.int8)


def dispatch_mask(entry: MonitoredIndicator, cal: Calendar) -> list[bool]:
    """In which periods the entry's values are due (all, unless it lists some)."""
    if entry.periods is None:
        return [True] * len(cal)
    wanted = {period_ref(cal, p) for p in entry.periods}
    return [p in wanted for p in range(len(cal))]


def period_ref(cal: Calendar, ref: str | dt.date) -> int | None:
    """The index of a period named by its id or its date, or None."""
    if isinstance(ref, str) and ref not in cal.ids:
        try:
            ref = dt.date.fromisoformat(ref)
        except ValueError:
            return None
    if isinstance(ref, dt.date):
        return cal.dates.index(ref) if ref in cal.dates else None
    return cal.ids.index(ref)


def annual_target(
    scheme: Scheme, entry: MonitoredIndicator, indicator: str, unit: str
) -> float | None:
    """The target the unit is expected to reach by the end of the year."""
    vm = entry.target if entry.target is not None else scheme.indicators[indicator].target
    return resolve_value(vm, unit, scheme.units[unit].category)


def _targets(
    scheme: Scheme,
    entries: list[MonitoredIndicator],
    indicators: tuple[str, ...],
    units: tuple[str, ...],
) -> Vec:
    out = np.full((len(entries), len(units)), np.nan)
    for s, (e, iid) in enumerate(zip(entries, indicators, strict=True)):
        ind = scheme.indicators[iid]
        for u, uid in enumerate(units):
            if ind.applies_to(scheme.units[uid].category):
                value = annual_target(scheme, e, iid, uid)
                out[s, u] = np.nan if value is None else value
    return out


def _profile_source(mon: Monitoring, entry: MonitoredIndicator) -> str:
    if entry.profile in ("linear", "days"):
        return entry.profile
    return "previous" if mon.profiles[entry.profile].source == "previous" else "shares"


def _shares(
    scheme: Scheme, mon: Monitoring, entry: MonitoredIndicator, iid: str, cal: Calendar
) -> Vec:
    """The profile's cumulative share of the year at each period (NaN: from last year)."""
    rule = scheme.indicators[iid].rule
    source = _profile_source(mon, entry)
    if source == "linear" and isinstance(rule, TimeProgress):
        # the indicator's own multi-year span (时间过半、任务过半) decides the share
        return np.array([elapsed_share(rule.start, rule.end, d) for d in cal.dates])
    if source == "linear":
        return linear_shares(cal)
    if source == "days":
        return day_shares(cal)
    if source == "previous":
        return np.full(len(cal), np.nan)
    shares = mon.profiles[entry.profile].shares
    assert shares is not None
    return declared_shares(shares)
