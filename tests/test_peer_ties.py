"""Ties on derived values: peer-relative rules compare values at 12 significant digits.

u1 reports 7 for a population of 1, u2 0.7 for a population of 0.1: both are 7 per head on
paper, but 0.7 / 0.1 is 6.999999999999999 in binary. Every rule that compares a unit with its
peers must treat them as equal (docs/scheme.md, "Peer comparisons"). The expected points are
computed by hand with u1 = u2 = 7, u3 = 5, u4 = 3 (F = 10 unless the row says otherwise).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaohe.rules.base import PEER_DIGITS, comparable, peer_values

from .scheme_factory import run, scheme_dict

UNITS = {"u1": "c", "u2": "c", "u3": "c", "u4": "c"}
POPULATION = {"u1": 1.0, "u2": 0.1, "u3": 1.0, "u4": 1.0}
REPORTED = {"u1": 7.0, "u2": 0.7, "u3": 5.0, "u4": 3.0}

CASES: list[tuple[str, dict[str, Any], list[float]]] = [
    # ranks 1, 1, 3, 4 (u2 would be 2nd without the tie)
    ("rank_table", {"rule": {"type": "rank_table", "points": [10, 8, 6, 4]}}, [10, 10, 6, 4]),
    # the tied pair shares places 1 and 2: (10 + 8) / 2
    (
        "rank_table_average",
        {"rule": {"type": "rank_table", "points": [10, 8, 6, 4], "ties": "average"}},
        [9, 9, 6, 4],
    ),
    ("rank_step", {"rule": {"type": "rank_step", "step": 1}}, [10, 10, 8, 7]),
    # 10 × x / 7
    ("ratio_to_best", {"rule": {"type": "ratio_to_best"}}, [10, 10, 50 / 7, 30 / 7]),
    # 60 + 40 × (x − 3) / (7 − 3), as a share of 100 of F
    ("efficacy", {"rule": {"type": "efficacy"}}, [10, 10, 8, 6]),
    # 10 × (x − 3) / (7 − 3)
    ("minmax", {"rule": {"type": "minmax"}}, [10, 10, 5, 0]),
    ("distance_to_max", {"rule": {"type": "distance_to_max"}}, [10, 10, 5, 0]),
    ("fraction_of_max", {"rule": {"type": "fraction_of_max"}}, [10, 10, 50 / 7, 30 / 7]),
    ("distance_to_target", {"target": 7, "rule": {"type": "distance_to_target"}}, [10, 10, 5, 0]),
    (
        "distance_to_reference",
        {"rule": {"type": "distance_to_reference", "unit": "u1"}},
        [10, 10, 5, 0],
    ),
    # F = 9: peers strictly below / 3
    ("rank_percentile", {"weights": 9, "rule": {"type": "rank_percentile"}}, [6, 6, 3, 0]),
    ("rank", {"weights": 1, "rule": {"type": "rank"}}, [3, 3, 2, 1]),
    ("borda", {"weights": 1, "rule": {"type": "borda"}}, [2, 2, 1, 0]),
    # peer average 5.5: 5 + (x − 5.5) × 1
    (
        "linear_peer_average",
        {"rule": {"type": "linear", "reference": "peer_average", "base": 5, "rate": 1}},
        [6.5, 6.5, 4.5, 2.5],
    ),
    # peer median 6: 5 + (x − 6) × 1
    (
        "baseline_peer_median",
        {"rule": {"type": "baseline", "reference": "peer_median", "base": 5, "rate": 1}},
        [6, 6, 4, 2],
    ),
    # last year 4th, 3rd, 2nd, 1st; now 1st, 1st, 3rd, 4th: places gained × 1, at least 0
    (
        "rank_improvement",
        {
            "weights": None,
            "previous": {"u1": 5, "u2": 6, "u3": 7, "u4": 8},
            "rule": {"type": "rank_improvement", "rate": 1},
        },
        [3, 2, 0, 0],
    ),
]


def _run(spec: dict[str, Any]) -> Any:
    indicator = {"weights": 10, "denominator": "population", **spec}
    if indicator["weights"] is None:  # a bonus item: no full marks
        del indicator["weights"]
    raw = scheme_dict(
        {"x": indicator},
        units=UNITS,
        categories={"c": None},
    )
    for u, pop in POPULATION.items():
        raw["units"][u]["attributes"] = {"population": pop}
    return run(raw, {u: {"x": v} for u, v in REPORTED.items()})


@pytest.mark.parametrize(("case", "spec", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_peer_relative_rule_ties_denominated_values_that_are_equal_on_paper(
    case: str, spec: dict[str, Any], expected: list[float]
) -> None:
    res = _run(spec)
    j = res.indicators.index("x")
    used = res.prepared.values[:, j]
    assert used[1] == 0.7 / 0.1 != 7.0  # the value really is 6.999999999999999
    points = res.points[:, j]
    if expected[0] == expected[1]:
        assert points[0] == points[1], f"{case}: u1 {points[0]!r} and u2 {points[1]!r} differ"
    np.testing.assert_allclose(points, expected, rtol=0, atol=1e-12)


def test_the_zscore_of_tied_values_is_the_same() -> None:
    res = _run({"rule": {"type": "zscore"}})
    z = res.points[:, 0]
    # mean 5.5, sample sd √(11/3): z = 1.5 / √(11/3) for both
    assert z[0] == z[1]
    assert z[0] == pytest.approx(1.5 / np.sqrt(11 / 3), abs=1e-12)


def test_a_tie_break_on_a_value_compares_it_at_the_same_precision() -> None:
    # equal totals (s); x is worth nothing but breaks ties: 7 and 0.7 / 0.1 tie on it too,
    # so the next key, the name, decides: u2 (named A) before u1 (named B)
    raw = scheme_dict(
        {
            "s": {"weights": 10, "target": 10, "rule": {"type": "proportional"}},
            "x": {"weights": 0, "denominator": "population", "rule": {"type": "minmax"}},
        },
        units={"u1": "c", "u2": "c"},
        categories={"c": None},
        names={"u1": "B", "u2": "A"},
        ranking={"ties": "break", "tie_break": ["value:x", "name"]},
    )
    raw["units"]["u1"]["attributes"] = {"population": 1.0}
    raw["units"]["u2"]["attributes"] = {"population": 0.1}
    res = run(raw, {"u1": {"s": 8, "x": 7}, "u2": {"s": 8, "x": 0.7}})
    assert res.rank.tolist() == [2, 1]


def test_distinct_values_are_kept_bit_for_bit() -> None:
    x = np.array([0.1 + 0.2, 1 / 3, 7.0, np.nan, 2.0 / 3.0])
    valid = ~np.isnan(x)
    out = peer_values(x, valid, np.zeros(5, dtype=np.int64))
    assert out[0] == 0.1 + 0.2  # 0.30000000000000004: no peer ties it, nothing is rounded
    np.testing.assert_array_equal(out, x)


def test_values_tied_in_another_peer_group_are_not_touched() -> None:
    x = np.array([7.0, 0.7 / 0.1, 7.0, 0.7 / 0.1])
    groups = np.array([0, 1, 1, 2])
    out = peer_values(x, np.ones(4, dtype=bool), groups)
    assert out.tolist() == [7.0, 7.0, 7.0, 0.7 / 0.1]


@given(
    st.lists(
        st.decimals(
            min_value=-1e15, max_value=1e15, places=4, allow_nan=False, allow_infinity=False
        ),
        min_size=1,
        max_size=20,
    )
)
def test_a_value_written_with_at_most_twelve_digits_is_compared_as_it_is(values: list[Any]) -> None:
    typed = np.array([float(f"{float(v):.{PEER_DIGITS}g}") for v in values])
    np.testing.assert_array_equal(comparable(typed), typed)
    assert np.array_equal(comparable(comparable(typed)), comparable(typed))


@given(st.floats(min_value=1e-300, max_value=1e300), st.integers(min_value=-5, max_value=5))
def test_a_value_and_its_noisy_copy_compare_equal(x: float, ulps: int) -> None:
    noisy = x
    for _ in range(abs(ulps)):
        noisy = float(np.nextafter(noisy, np.inf if ulps > 0 else 0.0))
    a, b = comparable(np.array([x, noisy]))
    # a few ulps apart: equal at 12 digits unless they straddle a rounding boundary
    assert abs(a - b) <= 10 ** -(PEER_DIGITS - 1) * abs(x)
