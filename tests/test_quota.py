"""One quota count for the engine, the cadres and the rulebook (kaohe.quota), hand-computed."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.quota import exact_quota, pooled_quota, quota_counts


@pytest.mark.parametrize(
    ("share", "n", "rounding", "count"),
    [
        (0.29, 100, "floor", 29),  # 28.999999999999996 before the 9 decimals
        (0.3, 10, "ceil", 3),  # 3.0000000000000004 before
        (0.3, 11, "floor", 3),  # 3.3
        (0.3, 11, "ceil", 4),
        (0.3, 11, "half_up", 3),
        (0.25, 10, "half_up", 3),  # 2.5 up
        (0.25, 10, "half_even", 2),  # 2.5 to even
        (0.35, 10, "half_even", 4),  # 3.5 to even
        (0.2, 0, "ceil", 0),
        (1.0, 7, "floor", 7),
    ],
)
def test_it_counts_a_quota_by_its_rounding_rule(
    share: float, n: int, rounding: str, count: int
) -> None:
    assert int(quota_counts(share, n, rounding)) == count


def test_it_counts_every_unit_at_once() -> None:
    got = quota_counts([0.2, 0.25, 0.3], [11, 10, 10], "half_up")
    assert got.tolist() == [2, 3, 3]  # 2.2, 2.5, 3
    assert got.dtype == np.int64


def test_it_refuses_an_unknown_rounding() -> None:
    with pytest.raises(ValueError, match="unknown rounding 'nearest'"):
        quota_counts(0.2, 10, "nearest")


def _reference(share: float, n: int, rounding: str) -> int:
    """What the engine and the rulebook computed before the count was shared (Python's
    decimal-exact round to 9 places, then the rule)."""
    exact = round(share * n, 9)
    if rounding == "floor":
        return math.floor(exact)
    if rounding == "ceil":
        return math.ceil(exact)
    if rounding == "half_up":
        return math.floor(exact + 0.5)
    return round(exact)


@given(
    st.one_of(st.floats(0, 1), st.integers(0, 1000).map(lambda k: k / 1000)),
    st.integers(0, 1_000_000),
    st.sampled_from(["floor", "ceil", "half_up", "half_even"]),
)
@settings(max_examples=500, deadline=None)
def test_it_counts_as_the_engine_and_the_rulebook_did(share: float, n: int, rounding: str) -> None:
    assert int(quota_counts(share, n, rounding)) == _reference(share, n, rounding)
    assert 0 <= int(quota_counts(share, n, rounding)) <= n
    assert math.isclose(float(exact_quota(share, n)), round(share * n, 9), abs_tol=1e-9)


def test_a_pool_counts_the_sum_of_its_units_exact_quotas() -> None:
    # pool 0: units of 1 and 2 at 30% → 3 × 30% = 0.9; pool 1: 4 at 50% and 6 at 30% → 3.8
    got = pooled_quota([0.3, 0.3, 0.5, 0.3], [1, 2, 4, 6], [0, 0, 1, 1], "floor")
    assert got.exact.tolist() == [0.9, 3.8]
    assert got.counts.tolist() == [0, 3]
    assert got.terms == (((0.3, 3),), ((0.3, 6), (0.5, 4)))
    assert pooled_quota([0.3] * 11, [1] * 11, [0] * 11, "half_up").counts.tolist() == [3]


@given(
    st.lists(
        st.tuples(
            st.integers(0, 1000).map(lambda k: k / 1000), st.integers(0, 10_000), st.integers(0, 4)
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(["floor", "ceil", "half_up", "half_even"]),
)
@settings(max_examples=300, deadline=None)
def test_a_pool_of_one_unit_counts_as_that_unit(
    units: list[tuple[float, int, int]], rounding: str
) -> None:
    share = [s for s, _, _ in units]
    n = [k for _, k, _ in units]
    alone = pooled_quota(share, n, list(range(len(units))), rounding)
    assert alone.counts.tolist() == quota_counts(share, n, rounding).tolist()
    assert alone.exact.tolist() == exact_quota(share, n).tolist()  # bit for bit
    pool = [p for _, _, p in units]
    pooled = pooled_quota(share, n, pool, rounding)
    for p in set(pool):
        members = [k for k, q in enumerate(pool) if q == p]
        exact = sum(Fraction(str(share[k])) * n[k] for k in members)
        assert abs(float(pooled.exact[p]) - float(exact)) < 1e-6
        assert 0 <= int(pooled.counts[p]) <= sum(n[k] for k in members)
