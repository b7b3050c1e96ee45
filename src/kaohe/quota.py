"""A quota: a share of the participants turned into a whole number by a stated rounding rule.

One function for every quota Kaohe counts — the engine's grade quotas (:mod:`kaohe.grading`),
the cadres' top grade and regular-check cap (:mod:`kaohe.cadres`) and the rulebook's excellent
places (:mod:`kaohe.rulebook.tilt`) — so that they cannot round differently. A quota over a pool
of units (:func:`pooled_quota`) adds its units' exact quotas and rounds once, by the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

Rounding = Literal["floor", "ceil", "half_up", "half_even"]


def exact_quota(share: ArrayLike, n: ArrayLike) -> NDArray[np.float64]:
    """``share × n`` rounded to 9 decimals, so that 0.29 × 100 is 29 and not 28.999…, and
    0.3 × 10 is 3 and not 3.0000000000000004 (the value the explanations print)."""
    return np.round(np.asarray(share, dtype=np.float64) * np.asarray(n, dtype=np.float64), 9)


def quota_counts(share: ArrayLike, n: ArrayLike, rounding: str) -> NDArray[np.int64]:
    """``share × n`` (as :func:`exact_quota`) rounded by ``floor``, ``ceil``, ``half_up``
    (2.5 → 3) or ``half_even`` (2.5 → 2, 3.5 → 4); vectorised over ``share`` and ``n``, a
    0-d array for two numbers (``int()`` of it is the count)."""
    return round_quota(exact_quota(share, n), rounding)


def round_quota(exact: ArrayLike, rounding: str) -> NDArray[np.int64]:
    """An exact quota (already rounded to 9 decimals) made whole by the rounding rule."""
    value: NDArray[np.float64] = np.asarray(exact, dtype=np.float64)
    out: NDArray[np.float64]
    if rounding == "floor":
        out = np.floor(value)
    elif rounding == "ceil":
        out = np.ceil(value)
    elif rounding == "half_up":
        out = np.floor(value + 0.5)
    elif rounding == "half_even":
        out = np.rint(value)
    else:
        raise ValueError(f"unknown rounding {rounding!r}")
    return out.astype(np.int64)


@dataclass(frozen=True)
class PooledQuota:
    """The quota of each pool: ``exact`` (Σ share × participants, to 9 decimals), ``counts``
    (that rounded by the rule) and ``terms`` — per pool, its (share, participants) by share
    ascending, the participants of the units sharing a share added up (what an explanation
    prints: ``6 × 30% + 4 × 50%``)."""

    exact: NDArray[np.float64]
    counts: NDArray[np.int64]
    terms: tuple[tuple[tuple[float, int], ...], ...]


def pooled_quota(share: ArrayLike, n: ArrayLike, pool: ArrayLike, rounding: str) -> PooledQuota:
    """The quota of pools of units: unit ``k`` has its ``share[k]`` and ``n[k]`` participants
    and is in pool ``pool[k]`` (0, 1, …). A pool's exact quota is Σ share × participants over
    the units grouped by share — one share × the pool's participants when they share one, so a
    pool of one unit counts exactly as :func:`quota_counts` — rounded to 9 decimals, then made
    whole once by the rule (never unit by unit)."""
    s = np.asarray(share, dtype=np.float64).ravel()
    k = np.asarray(n, dtype=np.float64).ravel()
    p = np.asarray(pool, dtype=np.int64).ravel()
    n_pools = int(p.max()) + 1 if p.size else 0
    pairs, inverse = np.unique(np.stack([p.astype(np.float64), s]), axis=1, return_inverse=True)
    inverse = inverse.ravel()
    summed = np.bincount(inverse, weights=k, minlength=pairs.shape[1])
    group_pool = pairs[0].astype(np.int64)
    group_share = pairs[1]
    added = np.bincount(group_pool, weights=group_share * summed, minlength=n_pools)
    exact: NDArray[np.float64] = np.asarray(np.round(added, 9), dtype=np.float64)
    terms: list[list[tuple[float, int]]] = [[] for _ in range(n_pools)]
    for gp, gs, gn in zip(group_pool.tolist(), group_share.tolist(), summed.tolist(), strict=True):
        terms[gp].append((gs, int(gn)))
    return PooledQuota(exact, round_quota(exact, rounding), tuple(tuple(t) for t in terms))
