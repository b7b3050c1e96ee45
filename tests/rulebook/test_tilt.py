"""Excellent-share tilt: shares by table, caps, and the count for n participants."""

from __future__ import annotations

import pytest

from kaohe.i18n import language
from kaohe.rulebook import excellent_count

from .helpers import results, run

UNITS = results(
    ("a", "x", 1, 1, "excellent"),
    ("b", "x", 2, 2, "good"),
    ("c", "y", 5, 1, "good"),
    ("d", "y", 8, 2, "poor"),
)
TILT = {
    "type": "excellent_share_tilt",
    "base_share": 0.2,
    "raise": [
        {"when": {"grade": "优秀"}, "share": 0.3},
        {"when": {"rank_in_category_at_most": 1}, "share": 0.25},
    ],
    "max_share": 0.28,
}


def test_it_raises_the_share_by_the_highest_matching_row_and_caps_it() -> None:
    d = run({"tilt": TILT}, results=UNITS)
    assert d.shares("tilt") == {"a": 0.28, "b": 0.2, "c": 0.25, "d": 0.2}


@pytest.mark.parametrize(
    ("share", "n", "rounding", "min_count", "count"),
    [
        (0.2, 15, "floor", 0, 3),
        (0.2, 14, "floor", 0, 2),  # 2.8
        (0.2, 14, "half_up", 0, 3),
        (0.2, 12, "half_up", 0, 2),  # 2.4
        (0.25, 10, "half_up", 0, 3),  # 2.5 up
        (0.25, 10, "half_even", 0, 2),  # 2.5 to even
        (0.3, 10, "ceil", 0, 3),  # 0.3 × 10 is 3, not 3.0000000000000004
        (0.7, 10, "ceil", 0, 7),
        (0.29, 100, "floor", 0, 29),
        (0.2, 3, "floor", 1, 1),  # 0.6 → 0, raised to the minimum
        (0.2, 0, "floor", 1, 0),  # never more than the participants
    ],
)
def test_it_counts_the_excellent_places(
    share: float, n: int, rounding: str, min_count: int, count: int
) -> None:
    assert excellent_count(share, n, rounding, min_count) == count  # type: ignore[arg-type]


def test_it_states_the_count_when_the_headcount_is_known() -> None:
    d = run({"tilt": TILT}, results=UNITS, headcount={"a": 15, "b": 14})
    a = d.rule("tilt").decisions[0]
    assert str(a.explanation) == (
        "A 等次为优秀：优秀比例由基准 20% 提高到 28%（上限 28%）；"
        "参评 15 人 × 28% = 4.2，向下取整 → 优秀名额 4 人"
    )
    with language("en"):
        assert "15 participants × 28% = 4.2, rounded down → 4 excellent place(s)" in a.text()
    assert ("headcount", 15) in [(link.field, link.value) for link in a.inputs]


def test_it_explains_a_unit_at_the_base_share() -> None:
    d = run({"tilt": TILT}, results=UNITS)
    assert d.rule("tilt").decisions[3].text() == "D 未达到倾斜条件：优秀比例为基准 20%"
