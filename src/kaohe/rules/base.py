"""What a rule receives and returns, the registry of rule implementations, and peer statistics.

A rule works on one indicator for all units at once: it receives vectors (one entry per unit)
and returns the *raw* points, the bounds they are clamped to, and the named intermediate terms an
explanation needs. Clamping and flagging are done once, here, for every rule.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from kaohe.errors import ComputationError, Issue
from kaohe.rulespec import Kind, RuleBase

Vec = NDArray[np.float64]
Mask = NDArray[np.bool_]


@dataclass(frozen=True)
class RuleInput:
    """Everything a rule may read, one entry per unit (all units of the scheme)."""

    indicator: str
    x: Vec  # raw value; NaN where absent
    valid: Mask  # applies to the unit and a value is present: the unit is a peer
    full: Vec  # full marks F of the indicator in the unit's category (0 for extra items)
    direction: int  # +1 higher is better, −1 lower is better
    groups: NDArray[np.int64]  # peer group of each unit (category index, or 0 for all)
    target: Vec
    baseline: Vec
    previous: Vec
    kind: Kind
    as_of: dt.date | None = None
    items: Vec | None = None  # [units, items] counts, for itemised rules
    item_points: Vec | None = None  # [items] points per counted item
    unit_ids: tuple[str, ...] = ()


@dataclass
class RuleOutput:
    """Raw points before clamping, the clamp bounds, and the terms of the arithmetic."""

    raw: Vec
    lo: Vec | float = -np.inf
    hi: Vec | float = np.inf
    terms: dict[str, Vec] = field(default_factory=dict)
    #: units whose points the rule itself held at its top / bottom (a truncation inside the
    #: rule, e.g. goalposts): flagged ``capped`` / ``floored`` like a clamp by the bounds
    capped: Mask | None = None
    floored: Mask | None = None
    #: the values the rule compared where peer precision changed any (:func:`peer_values`),
    #: else None: the last step from a unit's value to the value its points come from
    compared: Vec | None = None


Compute = Callable[[Any, RuleInput], RuleOutput]
Formula = Callable[[Any, dict[str, float]], str]


@dataclass(frozen=True)
class RuleImpl:
    compute: Compute
    formula: Formula


REGISTRY: dict[str, RuleImpl] = {}

R = TypeVar("R", bound=RuleBase)


def rule(name: str, formula: Formula) -> Callable[[Compute], Compute]:
    """Register the vectorised implementation of rule type ``name``.

    A rule that compares a unit with its peers (:func:`compares_peers`) is given the values
    with their ties at the precision of peer comparisons made exact (:func:`peer_values`), so
    that every such rule ties what ties on paper, in one place."""

    def deco(fn: Compute) -> Compute:
        def compute(r: Any, inp: RuleInput) -> RuleOutput:
            if not compares_peers(r):
                return fn(r, inp)
            x = peer_values(inp.x, inp.valid, inp.groups)
            snapped = x is not inp.x
            inp = replace(inp, x=x)
            if r.type == "rank_improvement":  # last year's ranks too
                before = inp.valid & ~np.isnan(inp.previous)
                inp = replace(inp, previous=peer_values(inp.previous, before, inp.groups))
            out = fn(r, inp)
            if snapped:
                out.compared = x
            return out

        REGISTRY[name] = RuleImpl(compute, formula)
        return fn

    return deco


# --------------------------------------------------------------------------- peer precision

#: Peer-relative rules compare values rounded to this many significant digits (docs/scheme.md):
#: 7 / 1 and 0.7 / 0.1 (6.999999999999999) are the same value, as they are on paper.
PEER_DIGITS = 12

_POW10 = np.array([float(10**k) for k in range(23)])  # exact up to 10^22 (5^22 < 2^53)


def compares_peers(r: RuleBase) -> bool:
    """Does the rule compare a unit's value with its peers' (ranks, best, worst, averages)?"""
    refs = [getattr(r, k) for k in ("reference", "satisfactory", "unacceptable") if hasattr(r, k)]
    if refs:
        return any(isinstance(v, str) and v.startswith("peer_") for v in refs)
    return r.peer_relative


def peer_values(x: Vec, valid: Mask, groups: NDArray[np.int64]) -> Vec:
    """The values a peer-relative rule works on: peers of a group whose values differ but are
    equal at :data:`PEER_DIGITS` significant digits all get that one rounded value; every
    other value (values exactly equal included) is kept bit for bit."""
    use = valid & ~np.isnan(x)
    if not _near_ties(x[use]):
        return x
    r = comparable(x)
    idx = np.flatnonzero(use)
    order = idx[np.lexsort((r[idx], groups[idx]))]
    rs, gs, xs = r[order], groups[order], x[order]
    start = np.r_[True, (rs[1:] != rs[:-1]) | (gs[1:] != gs[:-1])]
    first = np.flatnonzero(start)
    run = np.cumsum(start) - 1
    differ = np.minimum.reduceat(xs, first) != np.maximum.reduceat(xs, first)
    snap = np.zeros(x.shape, dtype=bool)
    snap[order] = differ[run]
    out: Vec = np.where(snap, r, x)
    return out


def _near_ties(v: Vec) -> bool:
    """Could two of the values ``v`` differ and still be equal at :data:`PEER_DIGITS` digits?
    (Such values differ by less than one unit of their 12th digit, under 1e-11 of their size.)"""
    if v.size < 2:
        return False
    s = np.sort(v)
    d = s[1:] - s[:-1]
    size = np.maximum(np.abs(s[1:]), np.abs(s[:-1]))
    return bool(np.any((d > 0) & (d <= 10.0 ** (1 - PEER_DIGITS) * size)))


def comparable(x: Vec) -> Vec:
    """``x`` rounded to :data:`PEER_DIGITS` significant digits (NaN, ±∞ and 0 unchanged).

    A value written with at most that many digits is returned bit for bit: the rounded
    integer is exact and one correctly rounded division (or product) by an exact power of ten
    gives back the double nearest to the decimal — the value as read. Only the noise of a
    derived value (a ratio, a mean) is rounded away."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    ok = np.isfinite(x) & (a > 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e = np.floor(np.log10(np.where(ok, a, 1.0)))
        k = (PEER_DIGITS - 1 - e).astype(np.int64)
        kk = np.clip(k, -22, 22)
        p = _POW10[np.abs(kk)]
        res = np.where(kk >= 0, np.rint(x * p) / p, np.rint(x / p) * p)
    out: Vec = np.where(ok, res, x)
    for i in np.flatnonzero(ok & (k != kk)).tolist():  # below 1e-11 or above 1e33: by text
        out[i] = float(f"{x[i]:.{PEER_DIGITS}g}")
    return out


# --------------------------------------------------------------------------- helpers


_INF = math.inf


def fmt(x: float | None) -> str:
    """A number as a person writes it: no trailing zeros, at most 6 decimals."""
    if x != x or x is None:  # NaN (None != None is False)
        return "—"
    if x == _INF or x == -_INF:
        return "∞" if x > 0 else "−∞"
    s = f"{x:.6f}".rstrip("0")  # called for every number of every explanation: kept lean
    if s[-1] == ".":
        s = s[:-1]
    if s[0] == "-":
        return "0" if s == "-0" else "−" + s[1:]
    return s


def peer_stat(x: Vec, valid: Mask, groups: NDArray[np.int64], stat: Callable[[Vec], float]) -> Vec:
    """For each unit, ``stat`` of the valid values in its peer group (NaN for an empty group)."""
    out = np.full(x.shape, np.nan)
    for g in np.unique(groups):
        members = groups == g
        vals = x[members & valid]
        out[members] = stat(vals) if vals.size else np.nan
    return out


def peer_count(valid: Mask, groups: NDArray[np.int64]) -> Vec:
    return peer_stat(valid.astype(np.float64), np.ones_like(valid), groups, np.sum)


def group_rank(score: Vec, valid: Mask, groups: NDArray[np.int64], ties: str = "min") -> Vec:
    """Rank (1 = highest ``score``) within each group among valid units; NaN elsewhere.

    ``ties='min'`` gives tied units the best rank they share (1, 2, 2, 4); ``'average'`` the mean
    of the ranks they occupy (1, 2.5, 2.5, 4).
    """
    n = score.shape[0]
    out = np.full(n, np.nan)
    idx = np.flatnonzero(valid)
    if idx.size == 0:
        return out
    s = score[idx]
    g = groups[idx]
    order = np.lexsort((-s, g))
    ss, gs = s[order], g[order]
    m = order.size
    pos = np.arange(m)
    new_group = np.empty(m, dtype=bool)
    new_group[0] = True
    new_group[1:] = gs[1:] != gs[:-1]
    new_run = new_group.copy()
    new_run[1:] |= ss[1:] != ss[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    run_start = np.maximum.accumulate(np.where(new_run, pos, 0))
    if ties == "average":
        end_run = np.empty(m, dtype=bool)
        end_run[-1] = True
        end_run[:-1] = new_run[1:]
        run_end = np.minimum.accumulate(np.where(end_run, pos, m)[::-1])[::-1]
        ranks = (run_start + run_end) / 2.0 - group_start + 1
    else:
        ranks = (run_start - group_start + 1).astype(np.float64)
    out[idx[order]] = ranks
    return out


def reference_values(ref: object, inp: RuleInput) -> Vec:
    """A per-unit reference: a declared per-unit input, a peer statistic, or a constant."""
    if isinstance(ref, int | float):
        return np.full(inp.x.shape, float(ref))
    if ref in ("target", "baseline", "previous"):
        vals: Vec = getattr(inp, str(ref))
        return vals
    d = inp.direction
    if ref == "peer_average":
        return peer_stat(inp.x, inp.valid, inp.groups, np.mean)
    if ref == "peer_median":
        return peer_stat(inp.x, inp.valid, inp.groups, np.median)
    if ref in ("peer_best", "peer_worst"):
        best = ref == "peer_best"
        fn = np.max if (d > 0) == best else np.min
        return peer_stat(inp.x, inp.valid, inp.groups, fn)
    raise ValueError(f"unknown reference {ref!r}")  # pragma: no cover - validated in the scheme


def fail(inp: RuleInput, mask: Mask, message: str) -> None:
    """Raise a :class:`ComputationError` naming the units where ``mask`` holds."""
    bad = [inp.unit_ids[i] for i in np.flatnonzero(mask)] if inp.unit_ids else []
    shown = ", ".join(bad[:6]) + (" …" if len(bad) > 6 else "")
    raise ComputationError(Issue(f"{message} (units: {shown})", path=f"indicators.{inp.indicator}"))


def safe_div(a: Vec, b: Vec | float) -> Vec:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out: Vec = np.divide(a, b)
    return out
