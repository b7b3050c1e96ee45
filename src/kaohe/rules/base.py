"""What a rule receives and returns, the registry of rule implementations, and peer statistics.

A rule works on one indicator for all units at once: it receives vectors (one entry per unit)
and returns the *raw* points, the bounds they are clamped to, and the named intermediate terms an
explanation needs. Clamping and flagging are done once, here, for every rule.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
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


Compute = Callable[[Any, RuleInput], RuleOutput]
Formula = Callable[[Any, dict[str, float]], str]


@dataclass(frozen=True)
class RuleImpl:
    compute: Compute
    formula: Formula


REGISTRY: dict[str, RuleImpl] = {}

R = TypeVar("R", bound=RuleBase)


def rule(name: str, formula: Formula) -> Callable[[Compute], Compute]:
    """Register the vectorised implementation of rule type ``name``."""

    def deco(fn: Compute) -> Compute:
        REGISTRY[name] = RuleImpl(fn, formula)
        return fn

    return deco


# --------------------------------------------------------------------------- helpers


def fmt(x: float | None) -> str:
    """A number as a person writes it: no trailing zeros, at most 6 decimals."""
    if x is None or x != x:
        return "—"
    if x in (math.inf, -math.inf):
        return "∞" if x > 0 else "−∞"
    s = f"{x:.6f}".rstrip("0").rstrip(".")
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
