"""Compiled inner loops of the Monte Carlo (numba, no Python objects, the GIL released).

``walk`` goes once down each sample's order of units, best first, and records in that single
pass each unit's overall rank, its rank within its category, its grade (the engine's allocation,
unit by unit: the best grade that no gate holds it below, whose minimum it meets and whose quota
is still open) and the sample's mean absolute rank shift. ``rank_summary`` turns the ranks of
every sample into each unit's quantiles and top-k probabilities.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange
from numba.cpython.unsafe.numbers import trailing_zeros as _tz

trailing_zeros: Any = _tz  # an intrinsic: count of trailing zero bits (one instruction)


@njit(nogil=True, cache=True)
def walk(
    order: Any,
    bounds: Any,
    groups: Any,
    n_groups: int,
    cap: Any,
    limits: Any,
    key: Any,
    bar: Any,
    nominal0: Any,
    rank_out: Any,
    cat_out: Any,
    grade_out: Any,
    shift_out: Any,
    row0: int,
) -> None:
    """One pass down each row of ``order`` [S, U] (unit indices, best first).

    Units are laid out category by category: category c holds units bounds[c]:bounds[c + 1].
    groups[u]: quota group of unit u (its category, or 0 for all); cap[u]: best grade index
    allowed; limits[g, k]: quota of grade k in group g (−1: none); key[s, u]: the sort key of
    unit u (lower is better); bar[s, c, k]: the key at or below which a unit of category c meets
    grade k's minimum (+inf: none). Outputs go to row ``row0 + s``.

    Each unit gets the best grade k ≥ its cap whose quota in its group is still open and whose
    minimum it meets, else the last grade — the engine's allocation. It is found without a
    branch, on bit masks: before the walk, one sequential pass per row marks the grades each unit
    may get (its cap, the minimums it meets); during the walk each group's mask of grades still
    open is and-ed with it, and the lowest bit set is the grade. (Branching on these conditions
    unit by unit, in a random order of categories and caps, mispredicts most of the time.)
    """
    n_s, n_u = order.shape
    n_cats = bounds.shape[0] - 1
    last = limits.shape[1] - 1
    if last > 62:
        raise ValueError("at most 63 grades")
    # left[q, k]: places left in grade k's quota in group q (no quota: more than enough)
    plenty = np.int64(1) << 62
    left0 = np.where(limits < 0, plenty, limits).astype(np.int64)
    left0[:, last] = plenty  # the last grade takes whoever is left: it never closes
    left = left0.copy()
    opened = np.zeros(n_groups, dtype=np.int64)  # bit k: grade k's quota still open
    initial = np.zeros(n_groups, dtype=np.int64)
    for q in range(n_groups):
        for k in range(last + 1):
            if left0[q, k] != 0:
                initial[q] |= np.int64(1) << k
    # per unit: the grades its cap allows (the last always), and one word holding its nominal
    # rank, category and group (one load in the walk instead of three)
    allow = np.empty(n_u, dtype=np.int64)
    info = np.empty(n_u, dtype=np.int64)
    for c in range(n_cats):
        for u in range(bounds[c], bounds[c + 1]):
            allow[u] = (np.int64(-1) << min(cap[u], last)) | (np.int64(1) << last)
            info[u] = (nominal0[u] & 0xFFFFFFFF) | (np.int64(c) << 32) | (np.int64(groups[u]) << 48)
    may = np.empty(n_u, dtype=np.int64)  # per row: grades the unit may get
    counters = np.zeros(n_cats, dtype=np.int64)
    for s in range(n_s):
        left[:] = left0
        opened[:] = initial
        counters[:] = 0
        total = 0
        r = row0 + s
        # row views: one base address per row instead of 2-D index arithmetic per cell
        o, m, kr = order[s], bar[s], key[s]
        ro, co, go = rank_out[r], cat_out[r], grade_out[r]
        may[:] = allow
        for c in range(n_cats):
            for k in range(last):
                b = m[c, k]
                off = ~(np.int64(1) << k)
                for u in range(bounds[c], bounds[c + 1]):
                    v = kr[u]
                    may[u] &= off if (v > b or v != v) else np.int64(-1)  # NaN: not met
        for j in range(n_u):
            u = o[j]
            w = info[u]
            c = (w >> 32) & 0xFFFF
            q = w >> 48
            rc = counters[c]
            counters[c] = rc + 1
            ro[u] = j
            co[u] = rc
            total += abs(j - (((w & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000))  # signed 32 bits
            g = trailing_zeros(opened[q] & may[u])
            go[u] = g
            n_left = left[q, g] - 1
            left[q, g] = n_left
            if n_left == 0:  # rare (a quota fills): a branch predicted well, and off the chain
                opened[q] &= ~(np.int64(1) << g)
        shift_out[r] = total / n_u


@njit(nogil=True, cache=True)
def _quantiles(
    counts: Any, n_s: int, quantiles: Any, tops: Any, q_out: Any, top_out: Any, u: int
) -> None:
    """Quantiles (``quantiles`` ascending) and top-k shares from one unit's rank counts, in one
    pass up the cumulative counts that stops at the last quantile and the largest k."""
    n_q, n_t = quantiles.shape[0], tops.shape[0]
    qi, ti = 0, 0
    need = max(1, int(np.ceil(quantiles[0] * n_s - 1e-9))) if n_q else 0
    cum = 0
    for r in range(counts.shape[0]):
        while ti < n_t and tops[ti] <= r:  # top k: the samples ranked 0 … k − 1
            top_out[u, ti] = cum / n_s
            ti += 1
        if qi >= n_q and ti >= n_t:
            return
        cum += counts[r]
        while qi < n_q and cum >= need:
            q_out[u, qi] = r + 1
            qi += 1
            if qi < n_q:
                need = max(1, int(np.ceil(quantiles[qi] * n_s - 1e-9)))
    while ti < n_t:
        top_out[u, ti] = cum / n_s
        ti += 1


@njit(parallel=True, cache=True)
def summaries(
    rank: Any,
    in_cat: Any,
    grade: Any,
    size: int,
    n_grades: int,
    quantiles: Any,
    tops: Any,
    q_out: Any,
    top_out: Any,
    qc_out: Any,
    topc_out: Any,
    grade_out: Any,
) -> bool:
    """Per unit (column of the [S, U] arrays of 0-based ranks and grades), in one pass: the
    inverted-CDF quantiles (1-based ranks, ``quantiles`` ascending) and top-k shares (``tops``
    ascending), overall and within the category, and how many samples gave each grade. Units
    are taken in blocks of adjacent columns, so that each row is read a cache line at a time.
    Returns False (and leaves the outputs unfinished) if a rank is not in [0, size) or a grade
    not in [0, n_grades)."""
    n_s, n_u = rank.shape
    width = 16
    n_blocks = (n_u + width - 1) // width
    bad = np.zeros(n_blocks, dtype=np.bool_)
    for b in prange(n_blocks):
        u0 = b * width
        u1 = min(n_u, u0 + width)
        counts = np.zeros((u1 - u0, size), dtype=np.int32)
        counts_c = np.zeros((u1 - u0, size), dtype=np.int32)
        counts_g = np.zeros((u1 - u0, n_grades), dtype=np.int64)
        off = False
        for s in range(n_s):
            ro, co, go = rank[s], in_cat[s], grade[s]
            for u in range(u0, u1):
                r, rc, g = ro[u], co[u], go[u]
                if r < 0 or r >= size or rc < 0 or rc >= size or g < 0 or g >= n_grades:
                    off = True
                    continue
                counts[u - u0, r] += 1
                counts_c[u - u0, rc] += 1
                counts_g[u - u0, g] += 1
        bad[b] = off
        if off:
            continue
        for u in range(u0, u1):
            grade_out[u, :] = counts_g[u - u0]
            _quantiles(counts[u - u0], n_s, quantiles, tops, q_out, top_out, u)
            _quantiles(counts_c[u - u0], n_s, quantiles, tops, qc_out, topc_out, u)
    return not bad.any()
