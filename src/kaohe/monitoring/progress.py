"""Progress against the target (比进度): growth on last year, the share of the annual target
reached, the time-proportional target, and the warning colour of every cell.

All functions take and return arrays ``[S, U, P]`` (``[S, U]`` for per-year quantities,
``[S, P]`` for profiles); NaN means "not known", never zero.

* year-on-year growth ``g = 100 × (level / level last year − 1)`` (in %), defined when last year's
  level for the same period is known and positive;
* the time-proportional target (序时进度) of the annual target ``T`` at a period whose profile
  share is ``σ``: ``T × σ`` (path ``proportional``), ``T`` (``flat``), or ``L₀ + (T − L₀) × σ``
  from last year's closing level ``L₀`` (``from_start``);
* the measure a threshold reads: ``ratio`` — the value over the expected one (the inverse when
  lower is better); ``gap`` — the difference in percentage points of the annual target (a level)
  or in the value's own unit (a growth or a rate), positive when ahead; ``rank`` — the place
  within the category on the progress ratio (a level) or the gap (a growth or a rate).

Measures are compared with the band edges after rounding to 9 decimals, so that a value exactly
at an edge (38/50 = 0.76, 45/50 = 0.9) falls on the side a person expects.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from kaohe.monitoring.calendar import linear_shares
from kaohe.monitoring.plan import MonitorPlan
from kaohe.rules.base import group_rank

Cube = NDArray[np.float64]
Mask = NDArray[np.bool_]
Vec = NDArray[np.float64]

NONE, RED, AMBER, GREEN = 0, 1, 2, 3
COLOURS = ("none", "red", "amber", "green")
DECIMALS = 9


def growth(level: Cube, previous: Cube) -> Cube:
    """Year-on-year growth in % (NaN where last year's level is unknown or not positive)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out: Cube = np.where(previous > 0, 100.0 * (level / previous - 1.0), np.nan)
    return out


def shares_from_previous(previous: Cube, dispatched: Mask) -> Vec:
    """[S, P] last year's own shape: the running total of the units whose every dispatched value
    is known, over that total at the last dispatch (NaN when no unit is complete)."""
    due = np.broadcast_to(dispatched[:, None, :], previous.shape)
    complete = np.all(np.isfinite(previous) | ~due, axis=-1)  # [S, U]
    total = np.where(complete[:, :, None], previous, 0.0).sum(axis=1)  # [S, P]
    last = np.argmax(np.where(dispatched, np.arange(dispatched.shape[1]), -1), axis=1)
    closing = total[np.arange(total.shape[0]), last]
    with np.errstate(divide="ignore", invalid="ignore"):
        out: Vec = np.where(
            (complete.any(axis=1) & (closing > 0))[:, None], total / closing[:, None], np.nan
        )
    return np.where(dispatched, np.clip(out, 0.0, 1.0), np.nan)


def profile(plan: MonitorPlan, previous_level: Cube | None) -> Vec:
    """[S, P] the share of the year each period closes, last year's shape filled in."""
    shares = np.array(plan.shares)
    if plan.from_previous.any() and previous_level is not None:
        own = shares_from_previous(previous_level, plan.dispatched)
        shares[plan.from_previous] = own[plan.from_previous]
    return shares


def closing_level(previous_level: Cube | None, dispatched: Mask, n_units: int) -> Vec:
    """[S, U] last year's level at its last dispatch (the level the year starts from)."""
    if previous_level is None:
        return np.full((dispatched.shape[0], n_units), np.nan)
    last = np.argmax(np.where(dispatched, np.arange(dispatched.shape[1]), -1), axis=1)
    out: Vec = np.take_along_axis(previous_level, last[:, None, None], axis=-1)[..., 0]
    return out


def expected(plan: MonitorPlan, shares: Vec, start: Vec) -> Cube:
    """[S, U, P] the time-proportional target of the compared value."""
    target = plan.target[:, :, None]
    sigma = shares[:, None, :]
    path = plan.path[:, None, None]
    begin = start[:, :, None]
    out: Cube = np.where(
        path == 0, target * sigma, np.where(path == 1, target, begin + (target - begin) * sigma)
    )
    due = np.broadcast_to((plan.dispatched[:, None, :] & plan.applies[:, :, None]), out.shape)
    return np.where(due, out, np.nan)


def compared(plan: MonitorPlan, level: Cube, grown: Cube) -> Cube:
    """[S, U, P] what is held against the target: the level, its growth, or the value."""
    return np.where((plan.compared == 1)[:, None, None], grown, level)


def ratio(value: Cube, expect: Cube, direction: Vec) -> Cube:
    """Value ÷ expected (expected ÷ value when lower is better); when the divisor is not
    positive: +∞ if the expectation is met, −∞ if not."""
    d = direction[:, None, None]
    num = np.where(d > 0, value, expect)
    den = np.where(d > 0, expect, value)
    met = d * (value - expect) >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out: Cube = np.where(den > 0, num / den, np.where(met, np.inf, -np.inf))
    return np.where(np.isnan(value) | np.isnan(expect), np.nan, out)


def gap(plan: MonitorPlan, value: Cube, expect: Cube) -> Cube:
    """Ahead (+) or behind (−) the expected value: in percentage points of the annual target
    for a level, in the value's own unit for a growth or a rate."""
    d = plan.direction[:, None, None]
    diff = d * (value - expect)
    target = np.abs(plan.target)[:, :, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        of_target = np.where(target > 0, 100.0 * diff / target, np.nan)
    out: Cube = np.where((plan.compared == 0)[:, None, None], of_target, diff)
    return out


def ranks(plan: MonitorPlan, progress_ratio: Cube, progress_gap: Cube, value: Cube) -> Cube:
    """[S, U, P] the place within the category (1 = furthest ahead; ties share the best place)
    on the progress ratio (a level), the gap (a growth or a rate), or the value itself when the
    indicator has no target."""
    has_target = np.asarray(np.isfinite(plan.target).any(axis=1))[:, None, None]
    level = (plan.compared == 0)[:, None, None]
    key = np.where(
        has_target,
        np.where(level, progress_ratio, progress_gap),
        plan.direction[:, None, None] * value,
    )
    key = np.round(key, DECIMALS)
    n_s, n_u, n_p = key.shape
    flat = np.asarray(np.moveaxis(key, 1, 2), dtype=np.float64).reshape(-1)  # [S, P, U]
    groups = (
        np.arange(n_s * n_p)[:, None] * len(plan.categories) + plan.cat_index[None, :]
    ).reshape(-1)
    valid = ~np.isnan(flat)
    out = group_rank(flat, valid, groups)
    return np.moveaxis(out.reshape(n_s, n_p, n_u), 2, 1)


def colours(plan: MonitorPlan, measure: Cube) -> NDArray[np.int8]:
    """[S, U, P] the colour code of each measure (NONE where it is not known)."""
    m = np.round(measure, DECIMALS)
    green = np.round(plan.green, DECIMALS)[:, None, None]
    amber = np.round(plan.amber, DECIMALS)[:, None, None]
    by_rank = (plan.measure == 2)[:, None, None]
    is_green = np.where(by_rank, m <= green, m >= green)
    is_amber = np.where(by_rank, m <= amber, m >= amber)
    out = np.where(is_green, GREEN, np.where(is_amber, AMBER, RED)).astype(np.int8)
    out[np.isnan(m)] = NONE
    return out


def measures(plan: MonitorPlan, progress_ratio: Cube, progress_gap: Cube, rank: Cube) -> Cube:
    """[S, U, P] the value each indicator's threshold reads."""
    code = plan.measure[:, None, None]
    out: Cube = np.where(code == 0, progress_ratio, np.where(code == 1, progress_gap, rank))
    return out


def normalising_shares(plan: MonitorPlan, shares: Vec) -> Vec:
    """[S, P] the profile, with the linear one where last year's shape is not known."""
    return np.where(np.isnan(shares), linear_shares(plan.calendar)[None, :], shares)
