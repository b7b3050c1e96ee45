"""Every rule's arithmetic for one unit, from the terms its explanation shows — by hand.

The vectorised rules (:mod:`kaohe.rules.normalise`, ``target``, ``peer``, ``items``) compute all
units at once and keep the named terms of the arithmetic; this module is the same arithmetic
written a second time, one number at a time, from those terms alone (the value the rule used
``x``, the full marks ``F``, the direction ``direction`` = ±1, the peer statistics, ranks and
per-unit references the explanation lists, and the rule's parameters). An explanation is true
when these functions give its raw points back: ``tests/test_explain_truth.py`` checks that for
every rule type and every preparation step. Nothing here is used to score.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from kaohe.rulespec import (
    Bands,
    BonusItems,
    CountDeduction,
    DistanceToReference,
    DistanceToTarget,
    Efficacy,
    Goalposts,
    Judgement,
    Linear,
    MinMax,
    Proportional,
    RankImprovement,
    RankStep,
    RankTable,
    Rescale,
    RuleBase,
    Scaled,
    TargetMet,
    TimeProgress,
    ZScore,
)

Terms = dict[str, float]
Evaluate = Callable[[Any, Terms], float]
EVALUATE: dict[str, Evaluate] = {}


def _by_hand(*names: str) -> Callable[[Evaluate], Evaluate]:
    def deco(fn: Evaluate) -> Evaluate:
        for name in names:
            EVALUATE[name] = fn
        return fn

    return deco


def raw_points(rule: RuleBase, t: Terms) -> float:
    """The raw points (before the bounds) of ``rule`` for the terms ``t`` of one unit."""
    return EVALUATE[rule.type](rule, t)


def _div(a: float, b: float) -> float:
    """a / b as numpy divides: ±∞ or NaN for a zero divisor, never an exception."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return float(np.divide(np.float64(a), np.float64(b)))


def _onto(frac: float, t: Terms) -> float:
    return t["l"] + (t["u"] - t["l"]) * frac


def _completion(x: float, target: float, d: float) -> float:
    if d > 0:
        return _div(x, target)
    return _div(target, x) if x > 0 else math.inf


# ----------------------------------------------------------------------- target rules


@_by_hand("target_met")
def _target_met(r: TargetMet, t: Terms) -> float:
    met = t["direction"] * (t["x"] - t["target"]) >= 0
    return t["F"] if met else min(r.else_points, t["F"])


@_by_hand("proportional")
def _proportional(r: Proportional, t: Terms) -> float:
    ratio = _completion(t["x"], t["target"], t["direction"])
    return 0.0 if t["F"] == 0 else t["F"] * ratio


@_by_hand("linear", "baseline")
def _linear(r: Linear, t: Terms) -> float:
    ref = t["reference"]
    delta = (_div(t["x"], ref) - 1.0) * 100.0 if r.measure == "percent" else t["x"] - ref
    delta = t["direction"] * delta
    n = delta / r.step
    if r.steps == "whole":
        n = float(np.trunc(np.round(np.float64(n), 9)))
    base = t["F"] if r.base is None else r.base
    return base + (n * r.rate_above if n > 0 else n * r.rate_below)


@_by_hand("bands")
def _bands(r: Bands, t: Terms) -> float:
    m = t["x"]
    if r.measure == "completion":
        m = _completion(m, t["target"], t["direction"]) * 100.0
    use_min = r.bands[0].min is not None
    order = sorted(
        range(len(r.bands)),
        key=lambda i: -(r.bands[i].min or 0.0) if use_min else (r.bands[i].max or 0.0),
    )
    for i in order:  # the most demanding band first; the first one reached wins
        b = r.bands[i]
        if (m >= b.min) if use_min else (m <= b.max):  # type: ignore[operator]
            return b.points if b.points is not None else (b.share or 0.0) * t["F"]
    return r.else_points


@_by_hand("judgement")
def _judgement(r: Judgement, t: Terms) -> float:
    return t["F"] - t["deduction"]


@_by_hand("time_progress")
def _time_progress(r: TimeProgress, t: Terms) -> float:
    expected = t["target"] * t["elapsed"]
    ratio = _div(t["x"], expected) if expected > 0 else math.inf
    if r.scoring == "met":
        return t["F"] if ratio >= 1.0 else min(r.else_points, t["F"])
    return 0.0 if t["F"] == 0 else t["F"] * ratio


@_by_hand("rescale")
def _rescale(r: Rescale, t: Terms) -> float:
    lo_s, hi_s = r.source
    frac = (t["x"] - lo_s) / (hi_s - lo_s)
    if t["direction"] < 0:
        frac = 1.0 - frac
    return t["B"] + (t["A"] - t["B"]) * frac


# ----------------------------------------------------------------------- normalisations


@_by_hand("minmax", "distance_to_max")
def _minmax(r: MinMax, t: Terms) -> float:
    span = t["max"] - t["min"]
    num = t["x"] - t["min"] if t["direction"] > 0 else t["max"] - t["x"]
    return _onto(_div(num, span) if span > 0 else 1.0, t)


@_by_hand("zscore")
def _zscore(r: ZScore, t: Terms) -> float:
    z = t["direction"] * _div(t["x"] - t["mean"], t["sd"]) if t["sd"] > 0 else 0.0
    return r.mean + r.sd * z


@_by_hand("goalposts")
def _goalposts(r: Goalposts, t: Terms) -> float:
    num = t["x"] - r.lower if t["direction"] > 0 else r.upper - t["x"]
    frac = num / (r.upper - r.lower)
    if r.truncate:
        frac = min(max(frac, 0.0), 1.0)
    return _onto(frac, t)


@_by_hand("scaled")
def _scaled(r: Scaled, t: Terms) -> float:
    num = t["x"] - r.lower if t["direction"] > 0 else r.upper - t["x"]
    return _onto(num / (r.upper - r.lower), t)


@_by_hand("distance_to_target")
def _distance_to_target(r: DistanceToTarget, t: Terms) -> float:
    den = t["target"] - t["worst"]
    frac = _div(t["x"] - t["worst"], den) if t["direction"] * den > 0 else 1.0
    return _onto(min(frac, 1.0) if r.cap else frac, t)


@_by_hand("distance_to_reference")
def _distance_to_reference(r: DistanceToReference, t: Terms) -> float:
    den = t["reference"] - t["worst"]
    frac = 1.0 - _div(t["reference"] - t["x"], den) if den != 0 else 1.0
    return _onto(min(frac, 1.0) if r.cap else frac, t)


@_by_hand("fraction_of_max")
def _fraction_of_max(r: Any, t: Terms) -> float:
    frac = _div(t["x"], t["best"]) if t["direction"] > 0 else _div(t["best"], t["x"])
    return _onto(frac, t)


@_by_hand("rank_percentile")
def _rank_percentile(r: Any, t: Terms) -> float:
    n = t["peers"]
    return _onto(_div(t["below"], n - 1.0) if n > 1 else 1.0, t)


@_by_hand("rank")
def _rank(r: Any, t: Terms) -> float:
    return t["below"] + 1.0


@_by_hand("borda")
def _borda(r: Any, t: Terms) -> float:
    return t["below"]


# ----------------------------------------------------------------------- peer rules


def _table_entry(r: RankTable, place: float, full: float) -> float:
    table = r.points if r.points is not None else r.shares
    assert table is not None
    if not 1 <= place <= len(table):
        return r.rest
    entry = table[int(place) - 1]
    return entry * full if r.shares is not None else entry


@_by_hand("rank_table")
def _rank_table(r: RankTable, t: Terms) -> float:
    rank = t["rank"]
    if r.ties != "average":
        return _table_entry(r, rank, t["F"])
    tied = int(t["tied"])
    total = 0.0
    for j in range(tied):  # the mean of the entries of the places the tied units occupy
        total += _table_entry(r, rank + j, t["F"])
    return total / t["tied"]


@_by_hand("rank_step")
def _rank_step(r: RankStep, t: Terms) -> float:
    return t["top"] - r.step * (t["rank"] - 1.0)


@_by_hand("ratio_to_best")
def _ratio_to_best(r: Any, t: Terms) -> float:
    if t["direction"] > 0:
        ratio = _div(t["x"], t["best"])
    else:
        ratio = _div(t["best"], t["x"]) if t["x"] > 0 else 1.0
    return t["F"] * ratio


@_by_hand("efficacy")
def _efficacy(r: Efficacy, t: Terms) -> float:
    span = t["satisfactory"] - t["unacceptable"]
    ratio = _div(t["x"] - t["unacceptable"], span) if span != 0 else 1.0
    score = r.base + r.span * ratio
    return t["F"] * score / (r.base + r.span)


@_by_hand("rank_improvement")
def _rank_improvement(r: RankImprovement, t: Terms) -> float:
    gained = t["previous_rank"] - t["rank"]
    return gained * r.rate if gained > 0 else gained * r.fall_rate


# ----------------------------------------------------------------------- items


def _item_total(r: CountDeduction | BonusItems, t: Terms) -> float:
    points = r.item_points()
    if points is None:
        per = r.per_count if isinstance(r, CountDeduction) and r.per_count is not None else 0.0
        return t["count"] * per
    return sum(t.get(f"n:{k}", 0.0) * p for k, p in points.items())


@_by_hand("count_deduction")
def _count_deduction(r: CountDeduction, t: Terms) -> float:
    return t["F"] - _item_total(r, t)


@_by_hand("bonus_items")
def _bonus_items(r: BonusItems, t: Terms) -> float:
    return t["F"] + _item_total(r, t)


@_by_hand("veto")
def _veto(r: Any, t: Terms) -> float:
    return 0.0
