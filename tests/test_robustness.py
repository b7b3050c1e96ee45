"""The robustness analysis: exactness at zero uncertainty, sampling on the simplex, the two
evaluation paths agreeing, reproducibility, Sobol indices of inert inputs, the compiled walk's two
paths against the engine's allocation, the summaries, and the command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe import assess, build_scheme, load_data, load_scheme
from kaohe.aggregation import aggregate_samples
from kaohe.cli.main import main
from kaohe.dataset import Dataset
from kaohe.robustness.analysis import analyse
from kaohe.robustness.evaluate import coefficients, linear_form, slots_for, structure
from kaohe.robustness.montecarlo import grading_inputs, simulate, summarise
from kaohe.robustness.sampling import nominal_shares, sample_multipliers
from kaohe.scheme import Alternatives, Robustness, Sensitivity, WeightUncertainty

ROOT = Path(__file__).resolve().parent.parent
ULANQAB = ROOT / "examples" / "ulanqab"


@pytest.fixture(scope="module")
def ulanqab() -> tuple[Any, Any]:
    s = load_scheme(ULANQAB / "scheme.yaml")
    return s, load_data(s, ULANQAB / "data.xlsx")


def composite(
    values: dict[str, list[float]], weights: list[float] | None = None, aggregation: str = "mean"
) -> tuple[Any, Dataset]:
    """A two-dimension composite index over min-max normalised indicators."""
    n = len(next(iter(values.values())))
    w = weights or [1.0] * len(values)
    inds = {
        k: {
            "name": k,
            "parent": "d0" if j % 2 == 0 else "d1",
            "weights": w[j],
            "rule": {"type": "minmax", "to": [1, 100]},
        }
        for j, k in enumerate(values)
    }
    scheme = build_scheme(
        {
            "name": "composite",
            "categories": {"a": {"name": "A"}, "b": {"name": "B"}},
            "units": {
                f"u{i}": {"name": f"U{i}", "category": "a" if i % 2 else "b"} for i in range(n)
            },
            "aggregation": "mean",
            "dimensions": {
                "d0": {"name": "D0", "aggregation": aggregation},
                "d1": {"name": "D1", "aggregation": aggregation},
            },
            "indicators": inds,
            "peers": "all",
            "grading": {
                "grades": [
                    {"id": "top", "name": "优", "quota": {"share": 0.3}},
                    {"id": "rest", "name": "其他"},
                ]
            },
        }
    )
    data = Dataset.from_mapping(
        scheme, {f"u{i}": {k: v[i] for k, v in values.items()} for i in range(n)}
    )
    return scheme, data


VALUES = st.lists(st.floats(0, 100, allow_nan=False), min_size=6, max_size=6)


@settings(max_examples=25, deadline=None)
@given(st.lists(VALUES, min_size=3, max_size=4))
def test_it_returns_the_nominal_ranks_and_grades_with_zero_uncertainty(
    cols: list[list[float]],
) -> None:
    scheme, data = composite({f"x{j}": c for j, c in enumerate(cols)})
    spec = Robustness(samples=20, weights=None)
    rr = analyse(scheme, data, spec, keep_tally=True)
    res = rr.nominal
    assert rr.tally is not None
    ranks = rr.tally.per_unit(rr.tally.rank.T).T + 1
    # ties in the nominal ranking are broken apart by the sort: compare the sorted scores
    key = np.round(res.share, 9)
    for s in range(ranks.shape[0]):
        assert np.all(np.diff(key[np.argsort(ranks[s])]) <= 1e-12)
    if len(set(key.tolist())) == len(key):  # no ties: exactly the nominal ranks and grades
        assert res.grade_index is not None
        assert np.array_equal(rr.summary.median, res.rank)
        assert np.array_equal(rr.summary.low, rr.summary.high)
        assert np.array_equal(rr.summary.grade.argmax(axis=1), res.grade_index)
        assert np.all(rr.summary.grade.max(axis=1) == 1.0)
        assert rr.mean_abs_shift == 0.0


@settings(max_examples=20, deadline=None)
@given(st.lists(VALUES, min_size=3, max_size=4), st.integers(0, 10_000))
def test_it_keeps_at_least_ninety_percent_of_sampled_ranks_in_the_interval(
    cols: list[list[float]], seed: int
) -> None:
    scheme, data = composite({f"x{j}": c for j, c in enumerate(cols)})
    rr = analyse(
        scheme,
        data,
        Robustness(samples=200, seed=seed, weights=WeightUncertainty(concentration=5)),
        keep_tally=True,
    )
    assert rr.tally is not None
    ranks = rr.tally.per_unit(rr.tally.rank.T).T + 1  # [samples, units]
    sm = rr.summary
    assert np.all(sm.low <= sm.median)
    assert np.all(sm.median <= sm.high)
    inside = ((ranks >= sm.low) & (ranks <= sm.high)).mean(axis=0)
    assert np.all(inside >= 0.9 - 1e-12)


def test_it_samples_the_weights_on_the_simplex_around_the_nominal_shares(
    ulanqab: tuple[Any, Any],
) -> None:
    scheme, data = ulanqab
    res = assess(scheme, data)
    slots = slots_for(res.plan, "all")
    shares = nominal_shares(res.plan, slots)
    mult = sample_multipliers(np.random.default_rng(7), 20_000, shares, slots, "dirichlet", 40.0)
    drawn = mult * shares[None, :, :]
    for node in {sl.node for sl in slots}:
        ks = [k for k, sl in enumerate(slots) if sl.node == node]
        for c in range(len(res.plan.categories)):
            live = shares[c, ks] > 0
            if live.sum() < 2:
                continue
            total = drawn[:, c, ks].sum(axis=1)
            assert np.allclose(total, 1.0)  # every draw is on the simplex
            assert np.allclose(drawn[:, c, ks].mean(axis=0), shares[c, ks], atol=0.01)


def test_it_gives_the_same_totals_on_the_linear_and_the_general_path() -> None:
    rng = np.random.default_rng(3)
    scheme, data = composite(
        {f"x{j}": rng.uniform(0, 100, 8).tolist() for j in range(4)}, weights=[1, 2, 3, 4]
    )
    res = assess(scheme, data)
    slots = slots_for(res.plan, "all")
    stc = structure(res.plan, np.asarray(res.points), np.asarray(res.aggregates.values), slots)
    assert stc.linear
    form = linear_form(stc)
    mult = sample_multipliers(rng, 50, nominal_shares(res.plan, slots), slots, "dirichlet", 5.0)
    eff, full = coefficients(stc, form, mult)
    linear = np.einsum("scj,uj->scu", eff, form.X)[:, res.plan.cat_index, np.arange(8)]
    general, general_full = aggregate_samples(res.plan, np.asarray(res.points), mult, stc.slot_of)
    assert np.allclose(linear, general, rtol=1e-12, atol=1e-12)
    assert np.allclose(full[:, res.plan.cat_index], general_full)


def test_it_reproduces_the_engine_for_the_example_at_nominal_weights(
    ulanqab: tuple[Any, Any],
) -> None:
    scheme, data = ulanqab
    res = assess(scheme, data)
    slots = slots_for(res.plan, "all")
    stc = structure(res.plan, np.asarray(res.points), np.asarray(res.aggregates.values), slots)
    assert not stc.linear  # caps and floors: the general path
    assert res.decisions is not None
    grading = grading_inputs(res.plan, res.decisions.cap)
    ones = np.ones((5, len(res.plan.categories), len(slots)))
    tally = simulate(
        stc,
        linear_form(stc),
        lambda rng, n: ones[:n],
        5,
        1,
        res.rank,
        res.void,
        grading,
        scheme.ranking.basis,
    )
    assert np.array_equal(tally.per_unit(tally.rank[0]) + 1, res.rank)
    assert np.array_equal(tally.per_unit(tally.rank_in_category[0]) + 1, res.rank_in_category)
    assert res.grade_index is not None
    assert np.array_equal(tally.per_unit(tally.grade[0]), res.grade_index)


def test_it_is_reproducible_whatever_the_threads(ulanqab: tuple[Any, Any]) -> None:
    scheme, data = ulanqab
    spec = Robustness(samples=600, seed=11)
    one = analyse(scheme, data, spec, workers=1, keep_tally=True)
    two = analyse(scheme, data, spec, workers=2, keep_tally=True)
    assert one.tally is not None
    assert two.tally is not None
    assert np.array_equal(one.tally.rank, two.tally.rank)
    assert np.array_equal(one.tally.grade, two.tally.grade)
    other = analyse(scheme, data, Robustness(samples=600, seed=12), keep_tally=True)
    assert other.tally is not None
    assert not np.array_equal(one.tally.rank, other.tally.rank)


def test_it_gives_an_input_that_changes_nothing_sobol_indices_of_zero() -> None:
    rng = np.random.default_rng(5)
    scheme, data = composite({f"x{j}": rng.uniform(0, 100, 10).tolist() for j in range(4)})
    # no value is missing, so the imputation alternatives change nothing
    spec = Robustness(
        samples=100,
        seed=2,
        weights=WeightUncertainty(method="uniform", range=0.5),
        alternatives=Alternatives(imputation=["mean", "median"]),
        sensitivity=Sensitivity(samples=64, units=3),
    )
    rr = analyse(scheme, data, spec)
    rows = [r for r in rr.sensitivity if r.input == "imputation"]
    assert rows
    assert all(abs(r.st) < 1e-9 for r in rows)
    assert all(abs(r.s1) < 1e-9 for r in rows)
    shift = [
        r for r in rr.sensitivity if r.output == "mean_abs_shift" and r.input.startswith("weights")
    ]
    assert max(r.st for r in shift) > 0.05  # the weights do move the ranks


def test_it_summarises_quantiles_by_the_inverted_cdf() -> None:
    from kaohe.robustness.montecarlo import Tally

    # one unit, ranks 1..20 once each (0-based 0..19): p05 = 1, median = 10, p95 = 19
    ranks = np.arange(20, dtype=np.int16)[:, None]
    t = Tally(ranks, ranks, np.zeros((20, 1), dtype=np.int8), np.zeros(20), np.array([0]))
    sm = summarise(t, [1, 5], 1)
    assert (int(sm.low[0]), int(sm.median[0]), int(sm.high[0])) == (1, 10, 19)
    assert sm.top[0].tolist() == pytest.approx([0.05, 0.25])


def test_it_summarises_ranks_in_category_beyond_the_size_it_was_told() -> None:
    from kaohe.robustness.montecarlo import Tally

    ranks = np.arange(20, dtype=np.int16)[:, None]
    grades = np.zeros((20, 1), dtype=np.int8)
    told = Tally(ranks, ranks, grades, np.zeros(20), np.array([0]), category_size=4)
    sm = summarise(told, [1, 5], 1)
    want = summarise(Tally(ranks, ranks, grades, np.zeros(20), np.array([0])), [1, 5], 1)
    assert (int(sm.low_in_category[0]), int(sm.high_in_category[0])) == (1, 19)
    assert sm.top_in_category.tolist() == want.top_in_category.tolist()


def test_it_writes_the_robustness_files_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "robust"
    result = CliRunner().invoke(
        main,
        [
            "robustness",
            str(ULANQAB / "scheme.yaml"),
            str(ULANQAB / "data.xlsx"),
            "-o",
            str(out),
            "--samples",
            "300",
            "--drop",
            "dimensions",
            "--sensitivity",
            "16",
            "--top",
            "1,3",
        ],
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "rank_intervals.png",
        "ranks.csv",
        "robustness.json",
        "sensitivity.csv",
        "sensitivity.png",
    ]
    doc = json.loads((out / "robustness.json").read_text(encoding="utf-8"))
    assert doc["samples"] == 300
    assert len(doc["units"]) == 11
    assert {"p_top1", "p_top3", "median_rank", "rank_p05", "rank_p95"} <= set(doc["units"][0])
    assert doc["factors"]["drop"][0] == "none"
    header = (out / "ranks.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("unit,name,category,nominal_rank,median_rank")


def test_it_refuses_bad_robustness_options_with_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "robustness",
            str(ULANQAB / "scheme.yaml"),
            str(ULANQAB / "data.xlsx"),
            "-o",
            str(tmp_path / "r"),
            "--normalisation",
            "minmax,nonsense",
        ],
    )
    assert result.exit_code == 1
    assert "robustness.alternatives.normalisation" in result.output
    assert not (tmp_path / "r").exists()


def _walk_reference(
    order: Any, cats: Any, groups: Any, cap: Any, limits: Any, key: Any, bar: Any, nominal0: Any
) -> tuple[Any, Any, Any, Any]:
    """Unit by unit, as the engine allocates: the best grade at or below the cap whose quota in
    the group is open and whose minimum the unit meets; else the last grade."""
    n_s, n_u = order.shape
    last = limits.shape[1] - 1
    rank = np.zeros((n_s, n_u), dtype=np.int64)
    in_cat, grade = np.zeros_like(rank), np.zeros_like(rank)
    shift = np.zeros(n_s)
    for s in range(n_s):
        used = np.zeros_like(limits)
        seen = np.zeros(cats.max() + 1, dtype=np.int64)
        for j, u in enumerate(order[s]):
            c, q = cats[u], groups[u]
            rank[s, u], in_cat[s, u] = j, seen[c]
            seen[c] += 1
            shift[s] += abs(j - nominal0[u]) / n_u
            k = cap[u]
            while k < last:
                lim = limits[q, k]
                if (lim < 0 or used[q, k] < lim) and key[s, u] <= bar[s, c, k]:
                    break
                k += 1
            if k < last:
                used[q, k] += 1
            grade[s, u] = k
    return rank, in_cat, grade, shift


def _walk_case(
    rng: np.random.Generator, sizes: list[int], n_s: int, n_k: int, by_category: bool
) -> tuple[Any, ...]:
    """Random inputs of the walk: void (+inf) and NaN keys, quotas (none, zero, small), caps,
    minimums (none: +inf), negative nominal ranks."""
    n_u = sum(sizes)
    cats = np.repeat(np.arange(len(sizes)), sizes)
    groups = cats.copy() if by_category else np.zeros(n_u, dtype=np.int64)
    n_q = int(groups.max()) + 1
    key = rng.normal(size=(n_s, n_u))
    key[rng.random((n_s, n_u)) < 0.05] = np.inf  # void units
    key[rng.random((n_s, n_u)) < 0.03] = np.nan
    limits = rng.integers(-1, 4, size=(n_q, n_k))
    bar = rng.normal(0.3, 1.0, size=(n_s, len(sizes), n_k))
    bar[rng.random(bar.shape) < 0.3] = np.inf  # no minimum
    cap = rng.integers(0, n_k, size=n_u)
    nominal0 = rng.permutation(n_u) - int(rng.integers(0, 2))
    order = np.argsort(key, axis=1)
    bounds = np.r_[0, np.cumsum(sizes)].astype(np.int64)
    return order, bounds, cats, groups, n_q, cap, limits, key, bar, nominal0


def _walk_run(walk: Any, case: tuple[Any, ...]) -> tuple[Any, Any, Any, Any]:
    order, bounds, _, groups, n_q, cap, limits, key, bar, nominal0 = case
    n_s, n_u = order.shape
    rank = np.full((n_s + 2, n_u), -7, dtype=np.int16)  # rows 0 and n_s + 1 stay untouched
    in_cat, grade = np.full_like(rank, -7), np.full((n_s + 2, n_u), -7, dtype=np.int8)
    shift = np.full(n_s + 2, -7.0)
    walk(order, bounds, groups, n_q, cap, limits, key, bar, nominal0, rank, in_cat, grade, shift, 1)
    assert (rank[[0, -1]] == -7).all()
    assert (in_cat[[0, -1]] == -7).all()
    assert (grade[[0, -1]] == -7).all()
    assert (shift[[0, -1]] == -7).all()
    return rank[1:-1], in_cat[1:-1], grade[1:-1], shift[1:-1]


@pytest.mark.parametrize("kernel", ["walk", "walk_small", "walk_general"])
@pytest.mark.parametrize("by_category", [True, False])
def test_it_allocates_grades_under_quota_caps_and_minimums_as_the_engine(
    by_category: bool, kernel: str
) -> None:
    from kaohe.robustness import kernels

    rng = np.random.default_rng(4)
    case = _walk_case(rng, [7, 12, 5], 40, 4, by_category)
    order, _, cats, groups, _, cap, limits, key, bar, nominal0 = case
    limits[0, 1] = 0  # a grade with no place at all
    got = _walk_run(getattr(kernels, kernel), case)
    want = _walk_reference(order, cats, groups, cap, limits, key, bar, nominal0)
    assert np.array_equal(got[0], want[0])
    assert np.array_equal(got[1], want[1])
    assert np.array_equal(got[2], want[2])
    assert np.allclose(got[3], want[3])
    assert set(np.unique(got[2])) >= {0, limits.shape[1] - 1}


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 9), min_size=1, max_size=6),
    n_k=st.integers(1, 18),
    by_category=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_it_walks_alike_on_the_small_and_the_general_path(
    sizes: list[int], n_k: int, by_category: bool, seed: int
) -> None:
    """The register-held walk (at most 4 categories and groups, 16 grades) gives exactly what
    the general one and the engine's unit-by-unit allocation give; the dispatcher picks it."""
    from kaohe.robustness import kernels

    case = _walk_case(np.random.default_rng(seed), sizes, 9, n_k, by_category)
    order, _, cats, groups, n_q, cap, limits, key, bar, nominal0 = case
    want = _walk_reference(order, cats, groups, cap, limits, key, bar, nominal0)
    general = _walk_run(kernels.walk_general, case)
    runs = [general, _walk_run(kernels.walk, case)]
    small = kernels.fits_small(sum(sizes), len(sizes), n_q, n_k)
    assert small == (len(sizes) <= 4 and n_k <= 16)
    if small:
        runs.append(_walk_run(kernels.walk_small, case))
    for got in runs:
        for a, b in zip(got[:3], want[:3], strict=True):
            assert np.array_equal(a, b)
        assert np.allclose(got[3], want[3])
        assert np.array_equal(got[3], general[3])  # the same integer sum, the same division


def test_it_reads_a_nan_minimum_as_none() -> None:
    from kaohe.robustness import kernels

    case = _walk_case(np.random.default_rng(8), [6, 9, 4], 30, 5, True)
    bar = case[8]
    bar[np.random.default_rng(9).random(bar.shape) < 0.3] = np.nan
    none = list(case)
    none[8] = np.where(np.isnan(bar), np.inf, bar)
    for walk in (kernels.walk_small, kernels.walk_general):
        for a, b in zip(_walk_run(walk, case), _walk_run(walk, tuple(none)), strict=True):
            assert np.array_equal(a, b)


def test_it_gives_top_k_shares_in_the_order_asked() -> None:
    from kaohe.robustness.montecarlo import Tally

    ranks = np.arange(20, dtype=np.int16)[:, None]
    t = Tally(ranks, ranks, np.zeros((20, 1), dtype=np.int8), np.zeros(20), np.array([0]))
    sm = summarise(t, [5, 1, 50], 1)
    assert sm.top[0].tolist() == pytest.approx([0.25, 0.05, 1.0])
