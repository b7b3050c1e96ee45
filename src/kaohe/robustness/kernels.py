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


@njit(nogil=True, cache=True)
def walk(
    order: Any,
    cats: Any,
    groups: Any,
    n_groups: int,
    n_cats: int,
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

    cats[u]: category of unit u; groups[u]: its quota group (its category, or 0 for all);
    cap[u]: best grade index allowed; limits[g, k]: quota of grade k in group g (−1: none);
    key[s, u]: the sort key of unit u (lower is better); bar[s, c, k]: the key at or below which
    a unit of category c meets grade k's minimum (+inf: none). Outputs go to row ``row0 + s``.
    """
    n_s, n_u = order.shape
    last = limits.shape[1] - 1
    used = np.zeros((n_groups, last + 1), dtype=np.int64)
    first_open = np.zeros(n_groups, dtype=np.int64)
    counters = np.zeros(n_cats, dtype=np.int64)
    for s in range(n_s):
        used[:] = 0
        counters[:] = 0
        first_open[:] = 0
        total = 0
        r = row0 + s
        # row views: one base address per row instead of 2-D index arithmetic per cell
        o, m, kr = order[s], bar[s], key[s]
        ro, co, go = rank_out[r], cat_out[r], grade_out[r]
        for j in range(n_u):
            u = o[j]
            c = cats[u]
            rc = counters[c]
            counters[c] = rc + 1
            ro[u] = j
            co[u] = rc
            total += abs(j - nominal0[u])
            q = groups[u]
            k = max(first_open[q], cap[u])
            while k < last:
                lim = limits[q, k]
                if (lim < 0 or used[q, k] < lim) and kr[u] <= m[c, k]:
                    break
                k += 1
            if k < last:
                used[q, k] += 1
                f = first_open[q]
                while f < last and limits[q, f] >= 0 and used[q, f] >= limits[q, f]:
                    f += 1
                first_open[q] = f
            go[u] = k
        shift_out[r] = total / n_u


@njit(nogil=True, cache=True)
def _quantiles(
    counts: Any, n_s: int, quantiles: Any, tops: Any, q_out: Any, top_out: Any, u: int
) -> None:
    for qi in range(quantiles.shape[0]):
        need = max(1, int(np.ceil(quantiles[qi] * n_s - 1e-9)))
        cum = 0
        for r in range(counts.shape[0]):
            cum += counts[r]
            if cum >= need:
                q_out[u, qi] = r + 1
                break
    for ti in range(tops.shape[0]):
        cum = 0
        for r in range(min(tops[ti], counts.shape[0])):
            cum += counts[r]
        top_out[u, ti] = cum / n_s


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
) -> None:
    """Per unit (column of the [S, U] arrays of 0-based ranks and grades), in one pass: the
    inverted-CDF quantiles (1-based ranks) and top-k shares, overall and within the category,
    and how many samples gave each grade. Units are taken in blocks of adjacent columns, so
    that each row is read a cache line at a time. Every rank must be below ``size`` and every
    grade below ``n_grades`` (the caller checks: no bounds are checked here)."""
    n_s, n_u = rank.shape
    width = 16
    n_blocks = (n_u + width - 1) // width
    for b in prange(n_blocks):
        u0 = b * width
        u1 = min(n_u, u0 + width)
        counts = np.zeros((u1 - u0, size), dtype=np.int32)
        counts_c = np.zeros((u1 - u0, size), dtype=np.int32)
        counts_g = np.zeros((u1 - u0, n_grades), dtype=np.int64)
        for s in range(n_s):
            for u in range(u0, u1):
                counts[u - u0, rank[s, u]] += 1
                counts_c[u - u0, in_cat[s, u]] += 1
                counts_g[u - u0, grade[s, u]] += 1
        for u in range(u0, u1):
            grade_out[u, :] = counts_g[u - u0]
            _quantiles(counts[u - u0], n_s, quantiles, tops, q_out, top_out, u)
            _quantiles(counts_c[u - u0], n_s, quantiles, tops, qc_out, topc_out, u)
