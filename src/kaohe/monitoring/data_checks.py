"""Warnings about the data (数据预警): late values, decreasing cumulative series, and jumps.

* **late** — a value due in a period up to the current one that is missing when the check is
  made (``as_of`` is after the period's deadline), or that was reported after its deadline;
* **decreasing** — a cumulative level below the unit's previous reported level of the year;
* **own history** — a period's value more than ``own_factor`` times (or less than
  1/``own_factor`` of) the median of the unit's earlier values this year (at least
  ``min_history`` of them);
* **peers** — the same against the median of the other units of its category in the same period
  (at least ``min_peers`` of them), with ``peer_factor``.

Flows are compared per share of the year they cover (the flow over the profile's share of that
period), so that a quarter is not a jump against months, nor December against the seasonal
profile's small months. Stocks are compared as they are. Rates, which can be negative, are
compared by their difference: more than ``rate_points`` from the reference is a jump.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaohe.dataset import MISSING, PRESENT
from kaohe.monitoring.plan import MonitorPlan
from kaohe.monitoring.series import Series, previous_dispatch

Cube = NDArray[np.float64]
Mask = NDArray[np.bool_]
Vec = NDArray[np.float64]


@dataclass(frozen=True)
class DataFlags:
    """[S, U, P] each check's verdict, and the references the messages quote."""

    late: Mask
    decreasing: Mask
    before: Cube  # the unit's previous reported level (for a decrease)
    before_period: NDArray[np.int64]  # its period (−1: none)
    own_jump: Mask
    own_reference: Cube  # in the period's terms (a flow: the median per share × its share)
    peer_jump: Mask
    peer_reference: Cube
    compared: Cube  # the quantity the jump checks compare (flow per share, stock, rate)

    def __post_init__(self) -> None:
        for arr in vars(self).values():
            arr.flags.writeable = False


def due_cells(plan: MonitorPlan, current: int) -> Mask:
    """[S, U, P] the cells whose values are due by the current period."""
    in_time = np.arange(len(plan.calendar)) <= current
    return (plan.dispatched & in_time)[:, None, :] & plan.applies[:, :, None]


def late(plan: MonitorPlan, series: Series, current: int, as_of: dt.date) -> Mask:
    """Missing after the deadline, or reported after it."""
    due = due_cells(plan, current)
    deadlines = np.array([np.datetime64(d.isoformat(), "D") for d in plan.calendar.deadlines])
    passed = deadlines < np.datetime64(as_of.isoformat(), "D")
    missing = due & (series.status == MISSING) & passed[None, None, :]
    reported_late = due & (series.status == PRESENT) & (series.reported > deadlines[None, None, :])
    out: Mask = missing | reported_late
    return out


def decreasing(
    plan: MonitorPlan, series: Series, due: Mask
) -> tuple[Mask, Cube, NDArray[np.int64]]:
    """A cumulative level below the previous reported one: (flag, that level, its period)."""
    known = due & series.present
    n_p = known.shape[-1]
    idx = np.where(known, np.arange(n_p), -1)
    last = np.maximum.accumulate(idx, axis=-1)
    before_p = np.full(known.shape, -1, dtype=np.int64)
    before_p[..., 1:] = last[..., :-1]
    before = np.take_along_axis(series.values, np.maximum(before_p, 0), axis=-1)
    before = np.where(before_p >= 0, before, np.nan)
    cumulative = (plan.kind == 0)[:, None, None]
    flag: Mask = known & cumulative & (before_p >= 0) & (series.values < before)
    return flag, before, before_p


def jump_quantity(plan: MonitorPlan, level: Cube, flow: Cube, shares: Vec) -> tuple[Cube, Cube]:
    """What the jump checks compare — a flow per share of the year it covers, a stock or a rate
    as it is — and the factor that turns it back into this period's terms (the share covered,
    or 1), so that references are quoted as values of the period."""
    prev = previous_dispatch(plan.dispatched)
    before = np.where(prev >= 0, np.take_along_axis(shares, np.maximum(prev, 0), axis=1), 0.0)
    covered = np.where(shares - before > 0, shares - before, np.nan)[:, None, :]
    levels_kind = (plan.kind >= 2)[:, None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        q: Cube = np.where(levels_kind, level, flow / covered)
    scale: Cube = np.where(levels_kind, 1.0, np.broadcast_to(covered, level.shape))
    return q, scale


def own_reference(q: Cube, min_history: int) -> Cube:
    """[S, U, P] the median of the unit's values in earlier periods (NaN: too few)."""
    out = np.full(q.shape, np.nan)
    for p in range(1, q.shape[-1]):
        out[..., p] = _median(q[..., :p], axis=-1, least=min_history)
    return out


def peer_reference(plan: MonitorPlan, q: Cube, min_peers: int) -> Cube:
    """[S, U, P] the median of the other units of the category in the same period.

    One sort per category: each unit's median without itself is read from the sorted values,
    skipping its own place."""
    out = np.full(q.shape, np.nan)
    for c in range(len(plan.categories)):
        members = np.flatnonzero(plan.cat_index == c)
        x = q[:, members, :]  # [S, C, P]
        order = np.argsort(x, axis=1, kind="stable")  # NaN last
        ranked = np.take_along_axis(x, order, axis=1)
        place = np.empty_like(order)
        np.put_along_axis(place, order, np.arange(members.size)[None, :, None], axis=1)
        n = np.isfinite(x).sum(axis=1, keepdims=True)  # [S, 1, P]
        own = np.isfinite(x)
        others = n - own  # how many other units have a value
        lo, hi = (others - 1) // 2, others // 2
        skip = np.where(own, place, members.size)  # own place, or none to skip
        lo = np.clip(lo + (lo >= skip), 0, members.size - 1)
        hi = np.clip(hi + (hi >= skip), 0, members.size - 1)
        med = (np.take_along_axis(ranked, lo, axis=1) + np.take_along_axis(ranked, hi, axis=1)) / 2
        out[:, members, :] = np.where(others >= min_peers, med, np.nan)
    return out


def _median(x: Cube, axis: int, least: int) -> Cube:
    """The median of the finite values along ``axis`` (NaN where fewer than ``least``)."""
    ranked = np.sort(x, axis=axis)  # NaN last
    n = np.isfinite(x).sum(axis=axis, keepdims=True)
    lo = np.maximum((n - 1) // 2, 0)
    hi = n // 2
    size = x.shape[axis]
    med = (
        np.take_along_axis(ranked, np.minimum(lo, size - 1), axis=axis)
        + np.take_along_axis(ranked, np.minimum(hi, size - 1), axis=axis)
    ) / 2
    out: Cube = np.where(n >= max(least, 1), med, np.nan)
    return np.squeeze(out, axis=axis)


def jumps(plan: MonitorPlan, q: Cube, reference: Cube, factor: float | None) -> Mask:
    """Beyond ``factor`` either way (levels and flows), or beyond ``rate_points`` (rates)."""
    rate = (plan.kind == 2)[:, None, None]
    points = plan.monitoring.checks.rate_points
    with np.errstate(invalid="ignore"):
        by_points = (
            np.abs(q - reference) > points if points is not None else np.zeros(q.shape, bool)
        )
        by_factor = (
            (reference > 0) & ((q > factor * reference) | (q < reference / factor))
            if factor is not None
            else np.zeros(q.shape, bool)
        )
    out: Mask = np.where(rate, by_points, by_factor) & np.isfinite(q) & np.isfinite(reference)
    return out


def check_data(
    plan: MonitorPlan,
    series: Series,
    level: Cube,
    flow: Cube,
    shares: Vec,
    current: int,
    as_of: dt.date,
) -> DataFlags:
    """Every data check of the scheme's ``monitoring.checks``."""
    spec = plan.monitoring.checks
    due = due_cells(plan, current)
    off = np.zeros(level.shape, dtype=bool)
    dec, before, before_p = decreasing(plan, series, due)
    q, scale = jump_quantity(plan, level, flow, shares)
    q = np.where(due & series.present, q, np.nan)
    own = own_reference(q, spec.min_history)
    peers = peer_reference(plan, q, spec.min_peers)
    return DataFlags(
        late=late(plan, series, current, as_of) if spec.late else off,
        decreasing=dec if spec.decreasing else off,
        before=before,
        before_period=before_p,
        own_jump=jumps(plan, q, own, spec.own_factor) if _on(spec.own_factor, plan) else off,
        own_reference=own * scale,
        peer_jump=jumps(plan, q, peers, spec.peer_factor) if _on(spec.peer_factor, plan) else off,
        peer_reference=peers * scale,
        compared=q,
    )


def _on(factor: float | None, plan: MonitorPlan) -> bool:
    """A jump check runs when its factor is set, or when rates are compared by points."""
    return factor is not None or plan.monitoring.checks.rate_points is not None
