"""Material rewards by grade and for moving up the ranking (进位奖)."""

from __future__ import annotations

import pytest

from kaohe.errors import DataError

from .helpers import results, run

NOW = results(
    ("a", "x", 1, 1, "excellent"),
    ("b", "x", 2, 2, "good"),
    ("c", "y", 3, 1, "good", "eco_damage"),
    ("d", "y", 4, 2, "fair"),
    ("e", "x", 5, 3, "fair"),
)
BEFORE = results(
    ("b", "x", 1, 1, "excellent"),
    ("d", "x", 2, 1, "good"),
    ("c", "y", 3, 1, "good"),
    ("a", "x", 4, 2, "good"),
)
RULE = {
    "type": "material_reward",
    "by_grade": {"excellent": 50, "良好": 20},
    "rise": {"per_place": 5, "cap": 10},
}


def test_it_pays_by_grade_and_per_place_gained_with_a_cap() -> None:
    d = run({"r": RULE}, results=NOW, previous=BEFORE)
    # a: 50 + min(3 × 5, 10); b: good 20, fell; c: vetoed; d: fell 2 → 4; e: not ranked before
    assert d.values("r") == {"a": 60.0, "b": 20.0}
    a = d.rule("r").decisions[0]
    assert a.text() == (
        "A：等次优秀奖励 50、进位奖：总排名由第 4 名升至第 1 名，前进 3 位 × 5 = 15，封顶 10，"
        "合计 60 万元"
    )
    assert [(x.source, x.field, x.value) for x in a.inputs] == [
        ("results", "grade", "excellent"),
        ("previous", "rank", 4),
        ("results", "rank", 1),
    ]


def test_a_vetoed_unit_gets_nothing_unless_the_rule_says_otherwise() -> None:
    rule = {**RULE, "by_grade": {"good": 20}, "exclude_vetoed": False}
    d = run({"r": rule}, results=NOW, previous=BEFORE)
    assert d.values("r")["c"] == 20.0


def test_the_rise_in_category_counts_only_units_that_stayed_in_their_category() -> None:
    rule = {"type": "material_reward", "rise": {"per_place": 3, "rank": "category"}}
    before = results(
        ("a", "x", 4, 3, "good"),
        ("b", "x", 1, 1, "excellent"),
        ("d", "x", 2, 2, "good"),  # d moved from x to y: no rise in category
        ("e", "x", 5, 5, "fair"),
    )
    d = run({"r": rule}, results=NOW, previous=before)
    assert d.values("r") == {"a": 6.0, "e": 6.0}


def test_min_places_holds_back_small_rises() -> None:
    rule = {"type": "material_reward", "rise": {"per_place": 3, "min_places": 4}}
    assert run({"r": rule}, results=NOW, previous=BEFORE).values("r") == {}


def test_a_rise_reward_needs_the_previous_results() -> None:
    with pytest.raises(DataError, match="give the previous cycle's results"):
        run({"r": RULE}, results=NOW)
