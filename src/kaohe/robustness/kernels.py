"""Compiled inner loops of the Monte Carlo (numba, no Python objects, the GIL released).

``walk`` goes once down each sample's order of units, best first, and records in that single
pass each unit's overall rank, its rank within its category, its grade (the engine's allocation,
unit by unit: the best grade that no gate holds it below, whose minimum it meets and whose quota
is still open) and the sample's mean absolute rank shift; ``walk_small`` does it with its running
state in registers (the usual case: a few categories and grades), ``walk_general`` for any case.
``summaries`` turns the ranks and grades of every sample into each unit's quantiles, top-k
probabilities and grade counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange
from numba.cpython.unsafe.numbers import trailing_zeros as _tz

trailing_zeros: Any = _tz  # an intrinsic: count of trailing zero bits (one instruction)


@njit(nogil=True, cache=True)
def _clear_unmet(may: Any, key: Any, bar: Any, bounds: Any, last: int) -> None:
    """Clears in ``may[u]`` the bit of every grade k < last whose minimum unit u does not meet:
    its key is above bar[c, k] or NaN (a NaN bar sets no minimum). One comparison per unit
    and grade, without a branch, so that it runs on vectors."""
    for c in range(bounds.shape[0] - 1):
        a, b = bounds[c], bounds[c + 1]
        mc, kc = may[a:b], key[a:b]
        for k in range(last):
            bk = bar[c, k]
            if bk != bk:  # no minimum: only a NaN key fails it (as NaN > bk would not)
                bk = np.inf
            off = ~(np.int64(1) << k)
            for i in range(b - a):
                mc[i] &= off | -np.int64(kc[i] <= bk)  # all ones if met, else off


@njit(nogil=True, cache=True)
def _shift(ranks: Any, nominal0: Any) -> float:
    """Mean |rank − nominal rank| of one row (an integer sum: the order does not matter)."""
    n: int = ranks.shape[0]
    total: int = 0
    for u in range(n):
        total += abs(np.int64(ranks[u]) - nominal0[u])
    return total / n


@njit(nogil=True, cache=True)
def _quota_left(limits: Any, stride: int) -> Any:
    """Places left in each grade's quota, grade k of group q at q × stride + k: the quota, or
    2^62 (more than enough) where there is none and for the last grade, which never closes."""
    n_groups, n_k = limits.shape
    left = np.full(n_groups * stride, np.int64(1) << 62, dtype=np.int64)
    for q in range(n_groups):
        for k in range(n_k - 1):
            if limits[q, k] >= 0:
                left[q * stride + k] = limits[q, k]
    return left


@njit(nogil=True, cache=True)
def fits_small(n_units: int, n_cats: int, n_groups: int, n_grades: int) -> bool:
    """Whether :func:`walk_small` takes the case (the engine's usual one): each unit's grades,
    category and group in 32 bits, every group's open grades and every category's count in one
    64-bit register."""
    return n_units < 2**16 and n_cats <= 4 and n_groups <= 4 and n_grades <= 16


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
    """One pass down each row of ``order`` [S, U] (unit indices, best first: a permutation of
    0 … U − 1, as a sort gives; read as unsigned, a negative index is not wrapped around).

    Units are laid out category by category: category c holds units bounds[c]:bounds[c + 1].
    groups[u]: quota group of unit u (its category, or 0 for all); cap[u]: best grade index
    allowed; limits[g, k]: quota of grade k in group g (−1: none); key[s, u]: the sort key of
    unit u (lower is better); bar[s, c, k]: the key at or below which a unit of category c meets
    grade k's minimum (+inf: none). Outputs go to row ``row0 + s``: rank, rank in category,
    grade, and the row's mean absolute rank shift.

    Each unit gets the best grade k ≥ its cap whose quota in its group is still open and whose
    minimum it meets, else the last grade — the engine's allocation. It is found without a
    branch, on bit masks: before the walk, a vectorised pass per row marks the grades each unit
    may get (its cap, the minimums it meets); during the walk its group's mask of grades still
    open is and-ed with it, and the lowest bit set is the grade. (Branching on these conditions
    unit by unit, in a random order of categories and caps, mispredicts most of the time.) The
    shift is summed after the walk, in unit order, from the ranks just written.

    With at most 4 categories and quota groups, 16 grades and fewer than 2^16 units
    (:func:`fits_small`), the walk is :func:`walk_small`, its running state in registers but for
    the quotas' countdown; else :func:`walk_general`. Both give the same results.
    """
    n_cats, n_grades = bounds.shape[0] - 1, limits.shape[1]
    if n_grades > 63:
        raise ValueError("at most 63 grades")
    if fits_small(order.shape[1], n_cats, n_groups, n_grades):
        walk_small(
            order, bounds, groups, n_groups, cap, limits, key, bar, nominal0,
            rank_out, cat_out, grade_out, shift_out, row0,
        )  # fmt: skip
    else:
        walk_general(
            order, bounds, groups, n_groups, cap, limits, key, bar, nominal0,
            rank_out, cat_out, grade_out, shift_out, row0,
        )  # fmt: skip


@njit(nogil=True, cache=True)
def walk_small(
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
    """:func:`walk` for at most 4 categories and quota groups, 16 grades and fewer than 2^16
    units.

    Each unit's grades it may get (bits 0–15), its group (bits 16–17) and category (bits
    20–21) are one int32 per row (12 KB for 3,000 units: with the rows written it stays in L1),
    the walk's one random load. The running counts of the categories are the 16-bit fields of
    one integer (category c at bit 16c) and the open grades of the groups the bits of another
    (group q's grade k at bit 16q + k), so that no step waits on a store to memory but the
    quota's countdown, ``left[16q + k]``.
    """
    n_s, n_u = order.shape
    n_cats = bounds.shape[0] - 1
    last = limits.shape[1] - 1
    left0 = _quota_left(limits, 16)
    left = left0.copy()
    initial = np.int64(0)  # bit 16q + k: grade k of group q still open
    for i in range(left0.shape[0]):
        if left0[i] != 0:
            initial |= np.int64(1) << i
    base = np.empty(n_u, dtype=np.int32)
    for c in range(n_cats):
        for x in range(bounds[c], bounds[c + 1]):
            allow = (np.int64(-1) << min(cap[x], last)) | (np.int64(1) << last)
            base[x] = (allow & 0xFFFF) | (np.int64(groups[x]) << 16) | (np.int64(c) << 20)
    unit = np.empty(n_u, dtype=np.int32)
    for s in range(n_s):
        left[:] = left0
        opened = initial
        counts = np.int64(0)
        r = row0 + s
        # row views: one base address per row instead of 2-D index arithmetic per cell
        o, ro, co, go = order[s], rank_out[r], cat_out[r], grade_out[r]
        unit[:] = base
        _clear_unmet(unit, key[s], bar[s], bounds, last)
        for j in range(n_u):
            u = np.uintp(o[j])  # unsigned: no wrap-around of negative indices
            w = np.int64(unit[u])
            at_c = (w >> 16) & 0x30  # 16 × category
            at_q = (w >> 12) & 0x30  # 16 × group
            ro[u] = j
            co[u] = (counts >> at_c) & 0xFFFF
            counts += np.int64(1) << at_c
            g = trailing_zeros((opened >> at_q) & w & 0xFFFF)
            go[u] = g
            i = at_q | g
            n_left = left[i] - 1
            left[i] = n_left
            if n_left == 0:  # rare (a quota fills): a branch predicted well, and off the chain
                opened &= ~(np.int64(1) << i)
        shift_out[r] = _shift(ro, nominal0)


@njit(nogil=True, cache=True)
def walk_general(
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
    """:func:`walk` for any number of categories, groups and grades (up to 63): the state in
    arrays — per unit its grades (``may``) and its category and group (``info``), per category
    its count, per group its mask of open grades, per group and grade its places left."""
    n_s, n_u = order.shape
    n_cats = bounds.shape[0] - 1
    n_k = limits.shape[1]
    if n_k > 63:
        raise ValueError("at most 63 grades")
    last = n_k - 1
    left0 = _quota_left(limits, n_k)
    left = left0.copy()
    initial = np.zeros(n_groups, dtype=np.int64)  # bit k: grade k's quota still open
    for q in range(n_groups):
        for k in range(n_k):
            if left0[q * n_k + k] != 0:
                initial[q] |= np.int64(1) << k
    opened = initial.copy()
    allow = np.empty(n_u, dtype=np.int64)
    info = np.empty(n_u, dtype=np.int64)  # category | group << 32: one load instead of two
    for c in range(n_cats):
        for x in range(bounds[c], bounds[c + 1]):
            allow[x] = (np.int64(-1) << min(cap[x], last)) | (np.int64(1) << last)
            info[x] = np.int64(c) | (np.int64(groups[x]) << 32)
    may = np.empty(n_u, dtype=np.int64)
    counters = np.zeros(n_cats, dtype=np.int64)
    for s in range(n_s):
        left[:] = left0
        opened[:] = initial
        counters[:] = 0
        r = row0 + s
        o, ro, co, go = order[s], rank_out[r], cat_out[r], grade_out[r]
        may[:] = allow
        _clear_unmet(may, key[s], bar[s], bounds, last)
        for j in range(n_u):
            u = np.uintp(o[j])  # unsigned: no wrap-around of negative indices
            w = info[u]
            c = w & 0xFFFFFFFF
            q = w >> 32
            rc = counters[c]
            counters[c] = rc + 1
            ro[u] = j
            co[u] = rc
            g = trailing_zeros(opened[q] & may[u])
            go[u] = g
            i = q * n_k + g
            n_left = left[i] - 1
            left[i] = n_left
            if n_left == 0:
                opened[q] &= ~(np.int64(1) << g)
        shift_out[r] = _shift(ro, nominal0)


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
    size_c: int,
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
    are taken in blocks of 32 adjacent columns, so that each row is read a cache line at a time
    (64 bytes: 32 int16 ranks; a block of 16 would use half of each line), the lines of a row
    16 rows ahead loaded early (a column walk defeats the hardware prefetcher). Returns False (and
    leaves the outputs unfinished) if a rank is not in [0, size), a rank in the category not in
    [0, size_c) or a grade not in [0, n_grades)."""
    n_s, n_u = rank.shape
    width = 32
    n_blocks = (n_u + width - 1) // width
    bad = np.zeros(n_blocks, dtype=np.bool_)
    for b in prange(n_blocks):
        u0 = b * width
        u1 = min(n_u, u0 + width)
        counts = np.zeros((u1 - u0, size), dtype=np.int32)
        counts_c = np.zeros((u1 - u0, size_c), dtype=np.int32)
        counts_g = np.zeros((u1 - u0, n_grades), dtype=np.int64)
        off = False
        ahead = 0
        for s in range(n_s):
            ro, co, go = rank[s], in_cat[s], grade[s]
            # load both ends of the block 16 rows ahead (the block's cache lines): those misses
            # overlap with this row's work instead of each row waiting on its own
            t = min(s + 16, n_s - 1)
            ahead += rank[t, u0] + in_cat[t, u0] + grade[t, u0]
            ahead += rank[t, u1 - 1] + in_cat[t, u1 - 1] + grade[t, u1 - 1]
            for u in range(u0, u1):
                r, rc, g = ro[u], co[u], go[u]
                if r < 0 or r >= size or rc < 0 or rc >= size_c or g < 0 or g >= n_grades:
                    off = True
                    continue
                counts[u - u0, r] += 1
                counts_c[u - u0, rc] += 1
                counts_g[u - u0, g] += 1
        bad[b] = off or ahead < 0  # (a negative value sets off anyway: this keeps the loads)
        if off:
            continue
        for u in range(u0, u1):
            grade_out[u, :] = counts_g[u - u0]
            _quantiles(counts[u - u0], n_s, quantiles, tops, q_out, top_out, u)
            _quantiles(counts_c[u - u0], n_s, quantiles, tops, qc_out, topc_out, u)
    return not bad.any()
