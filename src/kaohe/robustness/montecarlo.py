"""Uncertainty analysis: ranks and grades of every unit over Monte Carlo samples of the weights.

Samples are processed in chunks (bounded memory) on a small pool of threads, each chunk with
its own random generator spawned from the seed (so results do not depend on the threads'
timing). Per chunk: the ranking key of every unit (one matrix product per category, the units
laid out category by category), one sort per sample, and one compiled pass down each sorted row
(:func:`kaohe.robustness.kernels.walk`) for overall ranks, ranks within the category, grades
under quota and the rank shift. BLAS is held to one thread inside the pool: the pool is the
parallelism.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from kaohe.aggregation import aggregate_samples
from kaohe.grading import quota_limit
from kaohe.plan import Plan
from kaohe.robustness import kernels
from kaohe.robustness.evaluate import LinearForm, Structure, coefficients

Vec = NDArray[np.float64]
IntVec = NDArray[np.int64]
Sampler = Callable[[np.random.Generator, int], Vec]
A = TypeVar("A", bound=NDArray[Any])


@dataclass(frozen=True)
class Grading:
    """What grading needs, fixed across samples: groups, caps, quotas, thresholds."""

    groups: IntVec  # [U] quota group of each unit (its category, or 0 for all)
    cap: IntVec  # [U] best grade index a unit may get (gates, vetoes)
    limits: IntVec  # [groups, G] quota count (−1: no quota)
    min_score: list[float | None]
    min_share: list[float | None]

    @property
    def n_grades(self) -> int:
        return int(self.limits.shape[1])


def grading_inputs(plan: Plan, cap: IntVec) -> Grading | None:
    """Quotas (as counts per group), caps and minimums of the scheme's grading."""
    g = plan.scheme.grading
    if g is None:
        return None
    by_category = g.scope == "category"
    groups = plan.cat_index if by_category else np.zeros(len(plan.units), dtype=np.int64)
    n_groups = int(groups.max()) + 1
    limits = np.full((n_groups, len(g.grades)), -1, dtype=np.int64)
    for gid in range(n_groups):
        n = int(np.count_nonzero(groups == gid))
        name = plan.categories[gid] if by_category else None
        for k, gr in enumerate(g.grades):
            lim = quota_limit(gr, n, g.rounding, name).limit
            limits[gid, k] = -1 if lim is None else lim
    return Grading(
        groups.astype(np.int64),
        np.asarray(cap, dtype=np.int64),
        limits,
        [gr.min_score for gr in g.grades],
        [gr.min_share for gr in g.grades],
    )


@dataclass(frozen=True)
class Tally:
    """Every sample's outcome for every unit, as compact integers [samples, positions].

    Columns are *layout positions* (units grouped by category); ``perm[p]`` is the unit at
    position p. :meth:`per_unit` maps a per-position result back to the units' order.
    """

    rank: NDArray[np.integer]  # [S, U] overall rank − 1
    rank_in_category: NDArray[np.integer]  # [S, U] rank within the category − 1
    grade: NDArray[np.int8]  # [S, U] grade index (0 when the scheme has no grades)
    abs_shift: Vec  # [S] mean |overall rank − nominal rank| of each sample
    perm: IntVec  # layout position → unit index
    category_size: int | None = None  # units in the largest category (None: not known)

    @property
    def samples(self) -> int:
        return int(self.rank.shape[0])

    def per_unit(self, values: A) -> A:
        """Rows (or entries) given per layout position, reordered to the units' order."""
        out: A = np.empty_like(values)
        out[self.perm] = values
        return out

    def column(self, unit: int) -> int:
        """The layout position (column) of a unit."""
        return int(np.flatnonzero(self.perm == unit)[0])


@dataclass(frozen=True)
class _Layout:
    """Units laid out category by category: each category's totals are one contiguous block."""

    perm: IntVec  # layout position → unit index
    cats: IntVec  # category at each position
    groups: IntVec  # quota group at each position
    bounds: IntVec  # category c occupies positions bounds[c]:bounds[c + 1]
    xs: list[Vec]  # per category: the columns' values [J, U_c], contiguous
    nominal0: IntVec
    void: NDArray[np.bool_]
    cap: IntVec
    dtype: type


def simulate(
    st: Structure,
    form: LinearForm,
    sampler: Sampler,
    samples: int,
    seed: int,
    nominal_rank: IntVec,
    void: NDArray[np.bool_],
    grading: Grading | None,
    basis: str,
    chunk: int | None = None,
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
) -> Tally:
    """Draw ``samples`` multiplier sets with ``sampler`` and tally every unit's outcome."""
    plan = st.plan
    n = len(plan.units)
    lay = _layout(st, form, nominal_rank, void, grading)
    chunk = chunk or default_chunk(n)
    starts = list(range(0, samples, chunk))
    seeds = np.random.SeedSequence(seed).spawn(len(starts))
    rank: NDArray[np.integer] = np.empty((samples, n), dtype=lay.dtype)
    in_cat: NDArray[np.integer] = np.empty((samples, n), dtype=lay.dtype)
    grade = np.zeros((samples, n), dtype=np.int8)
    shift = np.empty(samples)

    def work(i: int) -> int:
        size = min(chunk, samples - starts[i])
        mult = sampler(np.random.default_rng(seeds[i]), size)
        _chunk(st, form, lay, mult, grading, basis, starts[i], rank, in_cat, grade, shift)
        return size

    with (
        threadpool_limits(limits=1, user_api="blas"),
        ThreadPoolExecutor(max_workers=max(1, workers)) as pool,
    ):
        for done in pool.map(work, range(len(starts))):
            if progress:
                progress(done)
    largest = int(np.diff(lay.bounds).max(initial=0))
    return Tally(rank, in_cat, grade, shift, lay.perm, largest)


def _layout(
    st: Structure,
    form: LinearForm,
    nominal_rank: IntVec,
    void: NDArray[np.bool_],
    grading: Grading | None,
) -> _Layout:
    plan = st.plan
    n = len(plan.units)
    perm = np.argsort(plan.cat_index, kind="stable")
    cats = plan.cat_index[perm].astype(np.int64)
    bounds = np.r_[0, np.cumsum(np.bincount(cats, minlength=len(plan.categories)))]
    xs = [
        np.ascontiguousarray(form.X[perm[bounds[c] : bounds[c + 1]]].T)
        for c in range(len(plan.categories))
    ]
    groups = grading.groups[perm] if grading else np.zeros(n, dtype=np.int64)
    cap = grading.cap[perm] if grading else np.zeros(n, dtype=np.int64)
    dtype = np.int16 if n < 2**15 else np.int32
    return _Layout(
        perm,
        cats,
        groups.astype(np.int64),
        bounds.astype(np.int64),
        xs,
        (np.asarray(nominal_rank)[perm] - 1).astype(np.int64),
        np.asarray(void)[perm],
        cap.astype(np.int64),
        dtype,
    )


def _chunk(
    st: Structure,
    form: LinearForm,
    lay: _Layout,
    mult: Vec,
    grading: Grading | None,
    basis: str,
    row0: int,
    rank: NDArray[np.integer],
    in_cat: NDArray[np.integer],
    grade: NDArray[np.int8],
    shift: Vec,
) -> None:
    n_s, n = mult.shape[0], lay.perm.size
    n_c = len(lay.xs)
    n_g = grading.n_grades if grading else 1
    key = np.empty((n_s, n))  # −(points × scale): an ascending sort puts the best first
    if st.linear:
        eff, full = coefficients(st, form, mult)
        scale = _scale(full, basis)
        for c in range(n_c):
            a, b = int(lay.bounds[c]), int(lay.bounds[c + 1])
            np.matmul(eff[:, c, :] * -scale[:, c][:, None], lay.xs[c], out=key[:, a:b])
    else:  # the engine's arithmetic node by node, one sample per row
        totals, fulls = aggregate_samples(st.plan, st.points, mult, st.slot_of)
        rows = [int(lay.perm[lay.bounds[c]]) for c in range(n_c)]
        full = fulls[:, rows]
        scale = _scale(full, basis)
        key[:] = -(totals[:, lay.perm] * scale[:, lay.cats])
    bar = _bars(grading, n_g, scale, full)
    key[:, lay.void] = np.inf
    order = np.argsort(key, axis=1)  # the one sort
    if grading is None:
        limits = np.full((1, 1), -1, dtype=np.int64)
        groups = np.zeros(n, dtype=np.int64)
    else:
        limits, groups = grading.limits, lay.groups
    kernels.walk(
        order,
        lay.bounds,
        groups,
        int(limits.shape[0]),
        lay.cap,
        limits,
        key,
        bar,
        lay.nominal0,
        rank,
        in_cat,
        grade,
        shift,
        row0,
    )


def _scale(full: Vec, basis: str) -> Vec:
    """1 / full marks when ranking on the share of full marks, else 1."""
    if basis != "share":
        return np.ones_like(full)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale: Vec = np.where(full > 0, 1.0 / full, 1.0)
    return scale


def _bars(grading: Grading | None, n_g: int, scale: Vec, full: Vec) -> Vec:
    """[S, C, G]: the key at or below which a unit of category c meets grade k's minimum in
    sample s (+inf: no minimum). The key is −(points × scale); points = share × full."""
    bar = np.full((*full.shape, n_g), np.inf)
    if grading is None:
        return bar
    for k in range(n_g):
        m_share, m_score = grading.min_share[k], grading.min_score[k]
        if m_share is not None:
            bar[:, :, k] = np.minimum(bar[:, :, k], -(m_share - 1e-12) * full * scale)
        if m_score is not None:
            bar[:, :, k] = np.minimum(bar[:, :, k], -(m_score - 1e-9) * scale)
    return bar


def default_chunk(n_units: int, budget_mb: float = 24.0) -> int:
    """Samples per chunk so that one (samples × units) float array stays near ``budget_mb``."""
    return max(16, min(4096, int(budget_mb * 1e6 / (8 * max(n_units, 1)))))


@dataclass(frozen=True)
class RankSummary:
    """Per unit, in the units' order: ranks at the 5th, 50th and 95th percentiles (1-based, the
    inverted-CDF quantile) and the share of samples ranked in the top k, overall and within the
    category; and the share of samples giving each grade."""

    median: IntVec
    low: IntVec  # 5th percentile (the better end)
    high: IntVec  # 95th percentile
    top: Vec  # [U, len(tops)]
    median_in_category: IntVec
    low_in_category: IntVec
    high_in_category: IntVec
    top_in_category: Vec
    grade: Vec  # [U, G]


def summarise(tally: Tally, tops: list[int], n_grades: int) -> RankSummary:
    """Quantiles, top-k shares and grade shares of every unit (in the units' order)."""
    n = tally.rank.shape[1]
    g = max(n_grades, 1)
    q = np.array([0.05, 0.5, 0.95])
    t = np.array(tops or [1], dtype=np.int64)
    by_k = np.argsort(t, kind="stable")  # the kernel takes the k ascending
    q_out = np.zeros((n, 3), dtype=np.int64)
    qc_out = np.zeros((n, 3), dtype=np.int64)
    top_out = np.zeros((n, t.size))
    topc_out = np.zeros((n, t.size))
    grade_out = np.zeros((n, g), dtype=np.int64)
    # ranks of n units are below n, and ranks in a category below its size; the kernel checks
    # every value against the bounds it is given (a tally built by hand may hold others: then
    # find them, or refuse)
    size, size_c = n, tally.category_size or n
    args = (g, q, t[by_k], q_out, top_out, qc_out, topc_out, grade_out)
    fits = kernels.summaries(tally.rank, tally.rank_in_category, tally.grade, size, size_c, *args)
    if not fits:
        size = int(tally.rank.max(initial=0)) + 1
        size_c = int(tally.rank_in_category.max(initial=0)) + 1
        low = min(int(tally.rank.min(initial=0)), int(tally.rank_in_category.min(initial=0)))
        if low < 0 or tally.grade.min(initial=0) < 0 or tally.grade.max(initial=0) >= g:
            raise ValueError("ranks and grades out of range")
        kernels.summaries(tally.rank, tally.rank_in_category, tally.grade, size, size_c, *args)
    top_out[:, by_k], topc_out[:, by_k] = top_out.copy(), topc_out.copy()
    q_out, qc_out = tally.per_unit(q_out), tally.per_unit(qc_out)
    top_out, topc_out = tally.per_unit(top_out), tally.per_unit(topc_out)
    probs = tally.per_unit(grade_out) / tally.samples
    k = len(tops)
    return RankSummary(
        q_out[:, 1],
        q_out[:, 0],
        q_out[:, 2],
        top_out[:, :k],
        qc_out[:, 1],
        qc_out[:, 0],
        qc_out[:, 2],
        topc_out[:, :k],
        probs,
    )
