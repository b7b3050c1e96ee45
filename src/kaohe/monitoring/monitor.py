"""The monitoring of one cycle at one period: every array of progress and every data check.

:func:`monitor` takes the plan, this year's series and (optionally) last year's, and returns a
frozen :class:`Monitor` holding, for every dispatched indicator × unit × period, the level to
date, the period flow, last year's level, the year-on-year growth, the share of the annual target
reached, the time-proportional target, the measure and colour of the warning, and the verdict of
every data check. Its records (:meth:`Monitor.warnings`, :meth:`Monitor.data_warnings`) carry the
reason in words, rendered in the language in force when read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from kaohe.errors import DataError, Issue
from kaohe.i18n import Msg
from kaohe.monitoring import progress as pg
from kaohe.monitoring.data_checks import DataFlags, check_data, due_cells
from kaohe.monitoring.plan import MonitorPlan
from kaohe.monitoring.series import Series, levels

if TYPE_CHECKING:
    from kaohe.monitoring.records import DataWarning, EarlyWarning

Cube = NDArray[np.float64]
Vec = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Monitor:
    """Progress and warnings of every dispatched indicator, unit and period."""

    plan: MonitorPlan
    series: Series
    previous: Series | None
    current: int  # the period the monitoring is at (records stop there)
    as_of: dt.date  # the day the data checks are made
    level: Cube  # the level to date (cumulative, stock) or the value (rate)
    flow: Cube  # the period's flow (cumulative and flow kinds)
    previous_level: Cube  # last year's level at the same period
    growth: Cube  # year-on-year growth in %
    compared: Cube  # what is held against the target (level, growth or value)
    shares: Vec  # [S, P] the profile's share of the year
    expected: Cube  # the time-proportional target of the compared value
    share: Cube  # level ÷ annual target (levels only)
    expected_share: Cube  # expected ÷ annual target (levels only)
    ratio: Cube
    gap: Cube
    rank: Cube  # place within the category (NaN: not ranked)
    measure: Cube  # what the threshold reads
    colour: NDArray[np.int8]  # see kaohe.monitoring.progress.COLOURS
    data: DataFlags

    def __post_init__(self) -> None:
        for arr in vars(self).values():
            if isinstance(arr, np.ndarray):
                arr.flags.writeable = False

    @property
    def period(self) -> str:
        return self.plan.calendar.ids[self.current]

    def due(self) -> NDArray[np.bool_]:
        """[S, U, P] cells due by the current period (dispatched, applicable)."""
        return due_cells(self.plan, self.current)

    def warnings(self, period: int | None = None) -> list[EarlyWarning]:
        """One record per due cell (of one period, or of every period up to the current)."""
        from kaohe.monitoring.records import early_warnings

        return early_warnings(self, period)

    def data_warnings(self) -> list[DataWarning]:
        """One record per failed data check, up to the current period."""
        from kaohe.monitoring.records import data_warnings

        return data_warnings(self)

    def counts(self, period: int | None = None) -> dict[str, int]:
        """How many cells of each colour in a period (default: the current one)."""
        p = self.current if period is None else period
        due = self.due()[:, :, p]
        codes = self.colour[:, :, p][due]
        return {name: int((codes == k).sum()) for k, name in enumerate(pg.COLOURS)}

    def unit_counts(self, period: int | None = None) -> dict[str, dict[str, int]]:
        """:meth:`counts` unit by unit (the big screen's line per unit)."""
        p = self.current if period is None else period
        due = self.due()[:, :, p]
        out = {}
        for u, uid in enumerate(self.plan.units):
            codes = self.colour[:, u, p][due[:, u]]
            out[uid] = {name: int((codes == k).sum()) for k, name in enumerate(pg.COLOURS)}
        return out


def monitor(
    plan: MonitorPlan,
    series: Series,
    previous: Series | None = None,
    current: int | None = None,
    as_of: dt.date | None = None,
) -> Monitor:
    """Compute progress and warnings. ``current`` is the period index monitored (default: the
    latest with a reported value); ``as_of`` the day of the data checks (default: the day after
    the current period's deadline, so that every value due by then and missing is late)."""
    for s in (series, previous):
        if s is not None and not s.fits(plan):
            raise DataError(Issue(str(Msg("mon.err.other_plan"))))
    if current is None:
        current = latest_period(series)
    if as_of is None:
        as_of = plan.calendar.deadlines[current] + dt.timedelta(days=1)
    level, flow = levels(plan, np.asarray(series.values))
    if previous is not None:
        prev_level, _ = levels(plan, np.asarray(previous.values))
    else:
        prev_level = np.full(level.shape, np.nan)
    grown = pg.growth(level, prev_level)
    grown = np.where((plan.compared == 2)[:, None, None], np.nan, grown)  # rates are growths
    shares = pg.profile(plan, prev_level if previous is not None else None)
    start = pg.closing_level(
        prev_level if previous is not None else None, plan.dispatched, len(plan.units)
    )
    expect = pg.expected(plan, shares, start)
    value = pg.compared(plan, level, grown)
    ratio = pg.ratio(value, expect, plan.direction)
    gap = pg.gap(plan, value, expect)
    rank = pg.ranks(plan, ratio, gap, value)
    measure = pg.measures(plan, ratio, gap, rank)
    target = plan.target[:, :, None]
    is_level = (plan.compared == 0)[:, None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(is_level & (target > 0), level / target, np.nan)
        expected_share = np.where(is_level & (target > 0), expect / target, np.nan)
    flags = check_data(
        plan, series, level, flow, pg.normalising_shares(plan, shares), current, as_of
    )
    return Monitor(
        plan=plan,
        series=series,
        previous=previous,
        current=current,
        as_of=as_of,
        level=level,
        flow=flow,
        previous_level=prev_level,
        growth=grown,
        compared=value,
        shares=shares,
        expected=expect,
        share=share,
        expected_share=expected_share,
        ratio=ratio,
        gap=gap,
        rank=rank,
        measure=measure,
        colour=pg.colours(plan, measure),
        data=flags,
    )


def latest_period(series: Series) -> int:
    """The last period with any reported value (the first period when there is none)."""
    reported = np.flatnonzero(series.present.any(axis=(0, 1)))
    return int(reported[-1]) if reported.size else 0
