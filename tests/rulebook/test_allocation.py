"""Rank-quota allocation by the largest-remainder method, with minimums and maximums."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.rulebook import InfeasibleError, RulebookError, largest_remainder

from .helpers import results, run


@pytest.mark.parametrize(
    ("total", "weights", "lo", "hi", "counts"),
    [
        (10, [3, 2, 2, 1], None, None, [4, 3, 2, 1]),  # 3.75 2.5 2.5 1.25: tie to the first
        (10, [1, 1, 1], None, None, [4, 3, 3]),  # 3.33 each, the extra place to the first
        (20, [6, 3, 1], [0, 0, 3], [8, None, None], [8, 9, 3]),  # a capped at 8, c held at 3
        (7, [5, 1, 1], None, [3, None, None], [3, 2, 2]),
        (5, [1, 1, 0], None, [2, 2, None], [2, 2, 1]),  # weight 0 takes what is left
        (6, [0, 0, 0], None, None, [2, 2, 2]),  # no weight at all: equal shares
        (9, [2, 1], [0, 4], None, [5, 4]),  # 6 / 3 → b held at its minimum 4
        (0, [1, 2], None, None, [0, 0]),
    ],
)
def test_it_shares_the_total_by_largest_remainders(
    total: int,
    weights: list[int],
    lo: list[int] | None,
    hi: list[int | None] | None,
    counts: list[int],
) -> None:
    alloc = largest_remainder(total, weights, lo, hi)
    assert list(alloc.counts) == counts
    assert sum(alloc.quotas) == total


def test_it_records_quotas_and_bounds_exactly() -> None:
    alloc = largest_remainder(20, [6, 3, 1], [0, 0, 3], [8, None, None])
    assert alloc.quotas == (Fraction(8), Fraction(9), Fraction(3))
    assert alloc.bound == ("max", None, None)  # c's λ × w is exactly its minimum 3
    assert alloc.per_weight == Fraction(3)
    held = largest_remainder(9, [2, 1], [0, 4])
    assert held.bound == (None, "min")
    assert held.per_weight == Fraction(5, 2)


@pytest.mark.parametrize(
    ("lo", "hi", "message"),
    [
        ([4, 4], None, "the minimums add up to 8, more than the total 7"),
        (None, [3, 3], "the maximums add up to 6, less than the total 7"),
        ([3, 0], [2, 9], "minimum 3 is above maximum 2"),
    ],
)
def test_it_refuses_bounds_that_make_the_total_impossible(
    lo: list[int] | None, hi: list[int | None] | None, message: str
) -> None:
    with pytest.raises(InfeasibleError, match=message):
        largest_remainder(7, [1, 1], lo, hi)


UNITS = results(
    ("a", "x", 1, 1, "excellent"),
    ("b", "x", 2, 2, "good"),
    ("c", "y", 3, 1, "good"),
    ("d", "y", 4, 2, "poor"),
)


def test_the_rule_weights_by_grade_and_rank_first_row_winning() -> None:
    d = run(
        {
            "q": {
                "type": "rank_quota_allocation",
                "total": 10,
                "weights": [
                    {"when": {"rank_at_most": 1}, "weight": 3},
                    {"when": {"grade": "good"}, "weight": 2},
                ],
                "min": 1,
                "max": {"a": 4},
            }
        },
        results=UNITS,
    )
    assert d.counts("q") == {"a": 4, "b": 3, "c": 2, "d": 1}
    b, c = d.rule("q").decisions[1:3]
    assert "余数 0.5 排第 2 位，得 1 个余额 → 3 个职数" in b.text()
    assert "余数 0.5 未得余额 → 2 个职数" in c.text()


def test_the_rule_multiplies_by_headcount_and_reads_category_bounds() -> None:
    d = run(
        {
            "q": {
                "type": "rank_quota_allocation",
                "total": 12,
                "by_headcount": True,
                "weights": [{"when": {"grade": "excellent"}, "weight": 2}],
                "min": {"y": 2, "default": 0},
            }
        },
        results=UNITS,
        headcount={"a": 10, "b": 10, "c": 5, "d": 5},
    )
    # weights 20, 10, 5, 5 of 40: 6, 3, 1.5, 1.5 → c and d held at 2, the rest 8 as 16:8
    assert d.counts("q") == {"a": 5, "b": 3, "c": 2, "d": 2}
    assert sum(d.counts("q").values()) == 12


def test_the_rule_names_the_bound_that_makes_the_total_impossible() -> None:
    with pytest.raises(RulebookError) as exc:
        run({"q": {"type": "rank_quota_allocation", "total": 3, "min": 1}}, results=UNITS)
    assert exc.value.issues[0].path == "rules.q.min"
    assert "the minimums add up to 4, more than the total 3" in str(exc.value)


def test_the_rule_refuses_an_unknown_unit_in_its_bounds() -> None:
    with pytest.raises(RulebookError, match=r"rules\.q\.max\.zz: 'zz' is neither"):
        run({"q": {"type": "rank_quota_allocation", "total": 3, "max": {"zz": 1}}}, results=UNITS)


@st.composite
def cases(draw: st.DrawFn) -> tuple[int, list[int], list[int], list[int | None]]:
    n = draw(st.integers(1, 10))
    weights = draw(st.lists(st.integers(0, 30), min_size=n, max_size=n))
    lo = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    hi: list[int | None] = [
        draw(st.one_of(st.none(), st.integers(lo[i], lo[i] + 8))) for i in range(n)
    ]
    top = sum(h for h in hi if h is not None) if all(h is not None for h in hi) else sum(lo) + 60
    total = draw(st.integers(sum(lo), top))
    return total, weights, lo, hi


@settings(max_examples=300, deadline=None)
@given(cases())
def test_the_sum_is_the_total_and_every_unit_is_within_bounds(
    case: tuple[int, list[int], list[int], list[int | None]],
) -> None:
    total, weights, lo, hi = case
    alloc = largest_remainder(total, weights, lo, hi)
    assert sum(alloc.counts) == total
    for c, q, a, b in zip(alloc.counts, alloc.quotas, lo, hi, strict=True):
        assert a <= c
        assert b is None or c <= b
        assert q.numerator // q.denominator <= c <= -(-q.numerator // q.denominator)


@settings(max_examples=300, deadline=None)
@given(cases(), st.data())
def test_more_weight_never_means_fewer_places(
    case: tuple[int, list[int], list[int], list[int | None]], data: st.DataObject
) -> None:
    total, weights, lo, hi = case
    i = data.draw(st.integers(0, len(weights) - 1))
    more = list(weights)
    more[i] += data.draw(st.integers(1, 20))
    assert (
        largest_remainder(total, more, lo, hi).counts[i]
        >= largest_remainder(total, weights, lo, hi).counts[i]
    )
