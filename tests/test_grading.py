"""Ranks and grades, checked against tables computed by hand from docs/scheme.md.

Most schemes here have one base indicator ``s`` whose value is the unit's points (proportional,
target = full marks), so the scores are exactly the numbers written in each table.
"""

from __future__ import annotations

from typing import Any

import pytest

from .scheme_factory import by_unit, grades_of, run, scheme_dict, score_scheme, two_grades

FULL = {"a": 20, "b": 50}
SIX = {
    "a1": ("a", 18),  # share 0.9
    "a2": ("a", 10),  # 0.5
    "a3": ("a", 10),  # 0.5
    "b1": ("b", 40),  # 0.8
    "b2": ("b", 45),  # 0.9
    "b3": ("b", 25),  # 0.5
}

THREE_GRADES = [
    {"id": "excellent", "name": "优秀", "quota": {"count": 2}},
    {"id": "good", "name": "良好", "quota": {"count": 1}},
    {"id": "fair", "name": "一般"},
]

# --------------------------------------------------------------------------- ranks


@pytest.mark.parametrize(
    ("basis", "ties", "in_category", "overall"),
    [
        (
            "share",
            "shared",
            {"a1": 1, "a2": 2, "a3": 2, "b2": 1, "b1": 2, "b3": 3},
            {"a1": 1, "b2": 1, "b1": 3, "a2": 4, "a3": 4, "b3": 4},
        ),
        (
            "points",
            "shared",
            {"a1": 1, "a2": 2, "a3": 2, "b2": 1, "b1": 2, "b3": 3},
            {"b2": 1, "b1": 2, "b3": 3, "a1": 4, "a2": 5, "a3": 5},
        ),
        (
            "share",
            "break",
            {"a1": 1, "a2": 2, "a3": 3, "b2": 1, "b1": 2, "b3": 3},
            {"a1": 1, "b2": 2, "b1": 3, "a2": 4, "a3": 5, "b3": 6},
        ),
        (
            "points",
            "break",
            {"a1": 1, "a2": 2, "a3": 3, "b2": 1, "b1": 2, "b3": 3},
            {"b2": 1, "b1": 2, "b3": 3, "a1": 4, "a2": 5, "a3": 6},
        ),
    ],
    ids=["share-shared", "points-shared", "share-break-by-id", "points-break-by-id"],
)
def test_it_ranks_within_category_on_points_and_overall_on_the_basis(
    basis: str, ties: str, in_category: dict[str, int], overall: dict[str, int]
) -> None:
    raw, data = score_scheme(SIX, FULL, ranking={"basis": basis, "ties": ties})
    res = run(raw, data)
    assert by_unit(res, res.rank_in_category) == in_category
    assert by_unit(res, res.rank) == overall


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sentences asserted here are the English ones (Chinese is checked separately)."""
    monkeypatch.setenv("KAOHE_LANG", "en")


def test_it_shares_ranks_one_two_two_four() -> None:
    scores = {"u1": ("c", 90), "u2": ("c", 80), "u3": ("c", 80), "u4": ("c", 70)}
    res = run(*score_scheme(scores, {"c": 100}))
    assert by_unit(res, res.rank) == {"u1": 1, "u2": 2, "u3": 2, "u4": 4}
    assert by_unit(res, res.rank_in_category) == {"u1": 1, "u2": 2, "u3": 2, "u4": 4}


def test_it_ties_scores_that_differ_only_by_floating_point_noise() -> None:
    # u1: 0.1 + 0.2 = 0.30000000000000004; u2: 0.3 + 0 = 0.3 — equal after rounding to 9 places
    raw = scheme_dict(
        {
            "x": {"weights": 1, "target": 10, "rule": {"type": "proportional"}},
            "y": {"weights": 1, "target": 10, "rule": {"type": "proportional"}},
        },
        units={"u1": "c", "u2": "c"},
    )
    res = run(raw, {"u1": {"x": 1, "y": 2}, "u2": {"x": 3, "y": 0}})
    assert res.score[0] != res.score[1]  # the premise: the sums differ in the last bit
    assert res.rank.tolist() == [1, 1]
    assert res.rank_in_category.tolist() == [1, 1]


# ---- tie-break keys (ranking and grading): two units with equal totals

TIE_SCHEME: dict[str, Any] = {
    "indicators": {
        "x": {"parent": "D1", "weights": 10, "target": 10, "rule": {"type": "proportional"}},
        "y": {"parent": "D2", "weights": 10, "target": 10, "rule": {"type": "proportional"}},
        # measured, worth nothing; lower is better
        "z": {"weights": 0, "direction": "lower", "target": 1, "rule": {"type": "proportional"}},
    },
    "dimensions": {"D1": {}, "D2": {}},
}


def tie_case(
    chain: list[str], grading: bool, p: tuple[float, float, float], q: tuple[float, float, float]
) -> Any:
    extra: dict[str, Any] = {"ranking": {"ties": "break", "tie_break": chain}}
    if grading:
        extra = {
            "grading": {"tie_break": chain, "grades": two_grades({"count": 1})},
        }
    raw = scheme_dict(
        TIE_SCHEME["indicators"],
        units={"p": "c", "q": "c"},
        names={"p": "Zeta", "q": "Alpha"},
        dimensions=TIE_SCHEME["dimensions"],
        **extra,
    )
    data = {u: dict(zip("xyz", v, strict=True)) for u, v in (("p", p), ("q", q))}
    return run(raw, data)


TIE_CASES = [
    # (chain, p's x, y, z; q's x, y, z; who comes first, the key that decided)
    (["id"], (6, 4, 1), (4, 6, 1), "p", "id"),
    (["name"], (6, 4, 1), (4, 6, 1), "q", "name"),  # Alpha before Zeta
    (["indicator:x"], (4, 6, 1), (6, 4, 1), "q", "indicator:x"),  # 6 points of x beat 4
    (["indicator:x", "id"], (12, 0, 1), (15, 0, 1), "p", "id"),  # x: 10 points each → id
    (["value:x"], (12, 0, 1), (15, 0, 1), "q", "value:x"),  # raw 15 beats 12
    (["value:z"], (5, 5, 5), (5, 5, 3), "q", "value:z"),  # lower is better: 3 beats 5
    (["dimension:D2"], (6, 4, 1), (4, 6, 1), "q", "dimension:D2"),  # D2 6 beats 4
    (["dimension:D1"], (4, 6, 1), (6, 4, 1), "q", "dimension:D1"),
]
TIE_IDS = [
    "id",
    "name",
    "indicator",
    "indicator-tied-then-id",
    "value-higher",
    "value-lower-is-better",
    "dimension-D2",
    "dimension-D1",
]


@pytest.mark.parametrize(("chain", "p", "q", "first", "key"), TIE_CASES, ids=TIE_IDS)
def test_it_breaks_rank_ties_with_the_keys_in_order(
    chain: list[str],
    p: tuple[float, float, float],
    q: tuple[float, float, float],
    first: str,
    key: str,
) -> None:
    res = tie_case(chain, False, p, q)
    assert res.score[0] == res.score[1] == pytest.approx(10.0)  # the premise: a tie
    other = "q" if first == "p" else "p"
    assert by_unit(res, res.rank) == {first: 1, other: 2}
    assert by_unit(res, res.rank_in_category) == {first: 1, other: 2}


@pytest.mark.parametrize(("chain", "p", "q", "first", "key"), TIE_CASES, ids=TIE_IDS)
def test_it_breaks_grade_ties_with_the_keys_in_order(
    chain: list[str],
    p: tuple[float, float, float],
    q: tuple[float, float, float],
    first: str,
    key: str,
) -> None:
    res = tie_case(chain, True, p, q)
    other = "q" if first == "p" else "p"
    assert grades_of(res) == {first: "excellent", other: "fair"}
    d = res.explain(first).grade_decision
    assert d is not None
    assert d["position"] == 1
    assert list(d["tied_with"]) == [other]
    assert d["tie_break"] == key
    assert res.explain(other).grade_decision["position"] == 2


# --------------------------------------------------------------------------- quotas


def ladder(n: int) -> dict[str, tuple[str, float]]:
    """n units with distinct scores 100, 99.5, 99, … (u000 the best)."""
    return {f"u{i:03d}": ("c", 100 - 0.5 * i) for i in range(n)}


@pytest.mark.parametrize(
    ("share", "n", "rounding", "count", "rule"),
    [
        (0.3, 11, "floor", 3, "30% of 11 = 3.3 → floor → 3"),
        (0.3, 11, "ceil", 4, "30% of 11 = 3.3 → ceil → 4"),
        (0.3, 11, "half_up", 3, "30% of 11 = 3.3 → half_up → 3"),
        (0.3, 11, "half_even", 3, "30% of 11 = 3.3 → half_even → 3"),
        (0.25, 10, "floor", 2, "25% of 10 = 2.5 → floor → 2"),
        (0.25, 10, "ceil", 3, "25% of 10 = 2.5 → ceil → 3"),
        (0.25, 10, "half_up", 3, "25% of 10 = 2.5 → half_up → 3"),
        (0.25, 10, "half_even", 2, "25% of 10 = 2.5 → half_even → 2"),
        (0.35, 10, "half_even", 4, "35% of 10 = 3.5 → half_even → 4"),
        (0.45, 10, "half_up", 5, "45% of 10 = 4.5 → half_up → 5"),
        (0.45, 10, "half_even", 4, "45% of 10 = 4.5 → half_even → 4"),
        # 0.29 × 100 is 28.999999999999996 in floating point: it must still give 29
        (0.29, 100, "floor", 29, "29% of 100 = 29 → floor → 29"),
        (0.57, 100, "floor", 57, "57% of 100 = 57 → floor → 57"),
        # 0.1 × 30 is 3.0000000000000004: ceil must still give 3
        (0.1, 30, "ceil", 3, "10% of 30 = 3 → ceil → 3"),
        (0.07, 100, "ceil", 7, "7% of 100 = 7 → ceil → 7"),
        (0.2, 4, "floor", 0, "20% of 4 = 0.8 → floor → 0"),
    ],
    ids=lambda v: str(v),
)
def test_it_turns_a_quota_share_into_a_count_by_the_rounding_rule(
    share: float, n: int, rounding: str, count: int, rule: str
) -> None:
    raw, data = score_scheme(
        ladder(n),
        {"c": 100},
        grading={"rounding": rounding, "grades": two_grades({"share": share})},
    )
    res = run(raw, data)
    g = grades_of(res)
    best = [f"u{i:03d}" for i in range(count)]
    assert sorted(u for u, k in g.items() if k == "excellent") == best
    d = res.explain("u000").grade_decision
    assert d is not None
    assert d["quotas"][0]["limit"] == count
    assert d["quotas"][0]["rule"] == rule
    assert d["quotas"][1]["limit"] is None


def test_it_fills_successive_quotas_down_the_order() -> None:
    grading = {
        "grades": [
            {"id": "excellent", "name": "优秀", "quota": {"share": 0.2}},
            {"id": "good", "name": "良好", "quota": {"share": 0.3}},
            {"id": "fair", "name": "一般"},
        ]
    }
    res = run(*score_scheme(ladder(10), {"c": 100}, grading=grading))
    assert [res.grade(i) for i in range(10)] == ["excellent"] * 2 + ["good"] * 3 + ["fair"] * 5


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (
            2,
            {
                "a1": "excellent",
                "a2": "excellent",
                "a3": "fair",
                "b2": "excellent",
                "b1": "excellent",
                "b3": "fair",
            },
        ),
        (
            {"a": 1, "b": 2},
            {
                "a1": "excellent",
                "a2": "fair",
                "a3": "fair",
                "b2": "excellent",
                "b1": "excellent",
                "b3": "fair",
            },
        ),
        (
            {"a": 0, "b": 3},
            {
                "a1": "fair",
                "a2": "fair",
                "a3": "fair",
                "b2": "excellent",
                "b1": "excellent",
                "b3": "excellent",
            },
        ),
    ],
    ids=["count-2-in-each-category", "counts-1-and-2", "counts-0-and-3"],
)
def test_it_applies_a_quota_count_in_each_category(count: object, expected: dict[str, str]) -> None:
    # a: a1 18, then a2 = a3 = 10 (a2 first by id); b: b2 45, b1 40, b3 25
    raw, data = score_scheme(SIX, FULL, grading={"grades": two_grades({"count": count})})
    assert grades_of(run(raw, data)) == expected


@pytest.mark.parametrize(
    ("scope", "basis", "excellent", "group", "size"),
    [
        ("category", "share", {"a1", "b2"}, "a", 3),  # 50% of 3 = 1.5 → 1 in each category
        ("overall", "share", {"a1", "b2", "b1"}, "all", 6),  # 0.9, 0.9, 0.8 of full marks
        ("overall", "points", {"b2", "b1", "b3"}, "all", 6),  # 45, 40, 25 points
    ],
    ids=["scope-category", "scope-overall-on-share", "scope-overall-on-points"],
)
def test_it_applies_quotas_within_the_grading_scope(
    scope: str, basis: str, excellent: set[str], group: str, size: int
) -> None:
    raw, data = score_scheme(
        SIX,
        FULL,
        grading={"scope": scope, "grades": two_grades({"share": 0.5})},
        ranking={"basis": basis},
    )
    res = run(raw, data)
    assert {u for u, g in grades_of(res).items() if g == "excellent"} == excellent
    d = res.explain("a1").grade_decision
    assert d is not None
    assert d["group"] == group
    assert d["group_size"] == size
    assert d["basis"] == ("points" if scope == "category" else basis)


# --------------------------------------------------------------------------- minimums


def test_it_gives_the_next_grade_to_a_unit_below_the_minimum_score() -> None:
    scores = {"u1": ("c", 95), "u2": ("c", 92), "u3": ("c", 85), "u4": ("c", 80)}
    grading = {"grades": two_grades({"count": 3}, min_score=90)}
    res = run(*score_scheme(scores, {"c": 100}, grading=grading))
    assert grades_of(res) == {"u1": "excellent", "u2": "excellent", "u3": "fair", "u4": "fair"}
    d = res.explain("u3").grade_decision
    assert d is not None
    assert [g for g, _ in d["skipped"]] == ["excellent"]
    why = d["skipped"][0][1]
    assert "85" in why
    assert "90" in why


def test_it_lets_a_unit_below_the_minimum_fall_to_the_next_grade_with_its_own_quota() -> None:
    # excellent: 1 place, at least 90; good: 2 places. 85 misses excellent and takes good.
    grading = {
        "grades": [
            {"id": "excellent", "name": "优秀", "quota": {"count": 1}, "min_score": 90},
            {"id": "good", "name": "良好", "quota": {"count": 2}},
            {"id": "fair", "name": "一般"},
        ]
    }
    scores = {"u1": ("c", 85), "u2": ("c", 80), "u3": ("c", 75), "u4": ("c", 70)}
    res = run(*score_scheme(scores, {"c": 100}, grading=grading))
    assert grades_of(res) == {"u1": "good", "u2": "good", "u3": "fair", "u4": "fair"}


def test_it_passes_the_place_of_a_unit_below_min_score_to_the_next_unit() -> None:
    # overall on share: a1 (45 of 50 = 0.9) comes first but has fewer than 50 points;
    # b1 (60 of 100 = 0.6) is next and takes the single excellent place
    scores = {"a1": ("a", 45), "b1": ("b", 60), "b2": ("b", 55)}
    grading = {"scope": "overall", "grades": two_grades({"count": 1}, min_score=50)}
    res = run(*score_scheme(scores, {"a": 50, "b": 100}, grading=grading))
    assert grades_of(res) == {"a1": "fair", "b1": "excellent", "b2": "fair"}
    assert res.explain("a1").grade_decision["position"] == 1  # type: ignore[index]
    assert res.explain("b1").grade_decision["position"] == 2  # type: ignore[index]


def test_it_passes_the_place_of_a_unit_below_min_share_to_the_next_unit() -> None:
    # overall on points: b1 60 (0.6), b2 50 (0.5), a1 45 (0.9); at least 80% of full marks
    scores = {"a1": ("a", 45), "b1": ("b", 60), "b2": ("b", 50)}
    grading = {"scope": "overall", "grades": two_grades({"count": 1}, min_share=0.8)}
    res = run(
        *score_scheme(scores, {"a": 50, "b": 100}, grading=grading, ranking={"basis": "points"})
    )
    assert grades_of(res) == {"a1": "excellent", "b1": "fair", "b2": "fair"}
    d = res.explain("b1").grade_decision
    assert d is not None
    assert d["skipped"][0][0] == "excellent"
    assert "60%" in d["skipped"][0][1]
    assert "80%" in d["skipped"][0][1]
    assert res.explain("a1").grade_decision["position"] == 3  # type: ignore[index]


# --------------------------------------------------------------------------- gates

GATE_UNITS = {
    # s points, gdp value (target 6, 10 points if met)
    "u1": (90, 5),  # 90 + 0 = 90: first, but misses the gdp target
    "u2": (78, 7),  # 88
    "u3": (75, 6),  # 85: equal to the target counts as met
    "u4": (60, 8),  # 70
}


def gate_scheme(gates: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    raw = scheme_dict(
        {
            "s": {"weights": 90, "target": 90, "rule": {"type": "proportional"}},
            "gdp": {
                "name": "地区生产总值增速",
                "weights": 10,
                "target": 6,
                "rule": {"type": "target_met"},
            },
        },
        units=dict.fromkeys(GATE_UNITS, "c"),
        categories={"c": 100},
        grading={
            "grades": [
                {"id": "excellent", "name": "优秀", "quota": {"share": 0.5}},
                {"id": "good", "name": "良好", "quota": {"count": 1}},
                {"id": "fair", "name": "一般"},
            ],
            "gates": gates,
        },
    )
    data = {u: {"s": s, "gdp": g} for u, (s, g) in GATE_UNITS.items()}
    return raw, data


@pytest.mark.parametrize(
    "gate",
    [
        {"require_target_met": ["gdp"]},
        {"require_min_points": {"gdp": 10}},
    ],
    ids=["require-target-met", "require-min-points"],
)
def test_it_caps_the_grade_of_a_unit_failing_a_gate_and_passes_its_place_on(
    gate: dict[str, Any],
) -> None:
    gates = [{"id": "award_gate", "name": "评优门槛", "max_grade": "good", **gate}]
    res = run(*gate_scheme(gates))
    free = run(*gate_scheme([]))
    assert grades_of(free) == {"u1": "excellent", "u2": "excellent", "u3": "good", "u4": "fair"}
    # u1 is held at good; its excellent place passes to u3; good's one place is u1's
    assert grades_of(res) == {"u1": "good", "u2": "excellent", "u3": "excellent", "u4": "fair"}
    # points and ranks are unchanged by a gate
    assert res.score.tolist() == pytest.approx([90.0, 88.0, 85.0, 70.0])
    assert res.score.tolist() == free.score.tolist()
    assert res.points.tolist() == free.points.tolist()
    assert res.rank.tolist() == [1, 2, 3, 4]
    d = res.explain("u1").grade_decision
    assert d is not None
    assert [h["source"] for h in d["gates"]] == ["award_gate"]
    assert d["gates"][0]["max_grade"] == "good"
    assert [g for g, _ in d["skipped"]] == ["excellent"]
    assert "评优门槛" in d["skipped"][0][1]
    assert res.explain("u3").grade_decision["gates"] == ()  # type: ignore[index]


def test_it_says_why_a_target_gate_failed() -> None:
    gates = [{"id": "g", "name": "评优门槛", "max_grade": "good", "require_target_met": ["gdp"]}]
    res = run(*gate_scheme(gates))
    reason = res.explain("u1").grade_decision["gates"][0]["reason"]  # type: ignore[index]
    assert "地区生产总值增速" in reason
    assert "5" in reason
    assert "6" in reason


@pytest.mark.parametrize(
    ("value", "gated"),
    [(0.6, True), (0.5, False), (0.4, False)],
    ids=["above-target-fails", "at-target-meets", "below-target-meets"],
)
def test_it_meets_a_lower_is_better_target_at_or_below_it(value: float, gated: bool) -> None:
    raw = scheme_dict(
        {
            "s": {"weights": 100, "target": 100, "rule": {"type": "proportional"}},
            "energy": {
                "weights": 0,
                "direction": "lower",
                "target": 0.5,
                "rule": {"type": "target_met"},
            },
        },
        units={"u1": "c", "u2": "c"},
        grading={
            "grades": two_grades({"count": 1}),
            "gates": [
                {
                    "id": "g",
                    "name": "能耗门槛",
                    "max_grade": "fair",
                    "require_target_met": ["energy"],
                }
            ],
        },
    )
    res = run(raw, {"u1": {"s": 90, "energy": value}, "u2": {"s": 80, "energy": 0.1}})
    assert grades_of(res) == (
        {"u1": "fair", "u2": "excellent"} if gated else {"u1": "excellent", "u2": "fair"}
    )


def test_it_ignores_a_gate_indicator_that_does_not_apply_to_the_unit() -> None:
    # grain applies only to category farm; the development unit cannot fail its target
    raw = scheme_dict(
        {
            "s": {"weights": 100, "target": 100, "rule": {"type": "proportional"}},
            "grain": {"weights": {"farm": 0}, "target": 10, "rule": {"type": "target_met"}},
        },
        units={"dev": "development", "farm1": "farm"},
        grading={
            "scope": "category",
            "grades": two_grades({"count": 1}),
            "gates": [
                {
                    "id": "g",
                    "name": "粮食门槛",
                    "max_grade": "fair",
                    "require_target_met": ["grain"],
                }
            ],
        },
    )
    res = run(raw, {"dev": {"s": 90}, "farm1": {"s": 90, "grain": 5}})
    assert grades_of(res) == {"dev": "excellent", "farm1": "fair"}


# --------------------------------------------------------------------------- vetoes

FOUR = {"u1": ("c", 95), "u2": ("c", 90), "u3": ("c", 85), "u4": ("c", 0)}
FOUR_GRADES = [
    {"id": "excellent", "name": "优秀", "quota": {"count": 2}},
    {"id": "good", "name": "良好", "quota": {"count": 1}},
    {"id": "fair", "name": "一般", "quota": {"count": 1}},
    {"id": "poor", "name": "较差"},
]


def veto_run(rule: dict[str, Any]) -> Any:
    raw, data = score_scheme(
        FOUR,
        {"c": 100},
        grading={"grades": FOUR_GRADES},
        extra={"v": {"name": "安全生产", "rule": {"type": "veto", **rule}}},
    )
    data["u1"]["v"] = "是"
    data["u2"]["v"] = "否"
    return run(raw, data)


def test_it_voids_the_score_of_a_vetoed_unit_and_ranks_it_last() -> None:
    res = veto_run({"effect": "void"})
    assert by_unit(res, res.score) == {"u1": 0.0, "u2": 90.0, "u3": 85.0, "u4": 0.0}
    assert res.void.tolist() == [True, False, False, False]
    # u1 is after u4, which has 0 points too but no veto
    assert by_unit(res, res.rank) == {"u2": 1, "u3": 2, "u4": 3, "u1": 4}
    assert by_unit(res, res.rank_in_category) == {"u2": 1, "u3": 2, "u4": 3, "u1": 4}
    # last grade for u1; excellent goes to u2 and u3, good to u4; fair stays empty
    assert grades_of(res) == {"u1": "poor", "u2": "excellent", "u3": "excellent", "u4": "good"}
    assert res.rows()[0]["vetoed"] == "v"
    ex = res.explain("u1")
    assert ex.void is True
    assert ex.vetoes == ["v"]
    assert ex.grade_decision is not None
    assert ex.grade_decision["position"] == 4
    assert [h["source"] for h in ex.grade_decision["gates"]] == ["v"]


def test_it_bars_a_unit_with_a_bar_top_veto_from_the_top_grade_only() -> None:
    res = veto_run({"effect": "bar_top"})
    assert by_unit(res, res.score) == {"u1": 95.0, "u2": 90.0, "u3": 85.0, "u4": 0.0}
    assert by_unit(res, res.rank) == {"u1": 1, "u2": 2, "u3": 3, "u4": 4}
    assert res.void.tolist() == [False] * 4
    # u1 gets the second grade; its excellent place passes on to u3
    assert grades_of(res) == {"u1": "good", "u2": "excellent", "u3": "excellent", "u4": "fair"}
    d = res.explain("u1").grade_decision
    assert d is not None
    assert [g for g, _ in d["skipped"]] == ["excellent"]
    assert d["gates"][0]["max_grade"] == "good"


def test_it_caps_the_grade_at_the_one_a_max_grade_veto_names() -> None:
    res = veto_run({"effect": "max_grade", "max_grade": "fair"})
    assert by_unit(res, res.score) == {"u1": 95.0, "u2": 90.0, "u3": 85.0, "u4": 0.0}
    assert grades_of(res) == {"u1": "fair", "u2": "excellent", "u3": "excellent", "u4": "good"}
    d = res.explain("u1").grade_decision
    assert d is not None
    assert [g for g, _ in d["skipped"]] == ["excellent", "good"]


# --------------------------------------------------------------------------- the decision


def test_it_records_the_position_quota_arithmetic_and_skipped_grades() -> None:
    res = run(
        *score_scheme(
            ladder(11),
            {"c": 100},
            grading={
                "grades": [
                    {"id": "excellent", "name": "优秀", "quota": {"share": 0.3}},
                    {"id": "good", "name": "良好", "quota": {"share": 0.2}},
                    {"id": "fair", "name": "一般"},
                ]
            },
        )
    )
    # 30% of 11 = 3.3 → 3 excellent; 20% of 11 = 2.2 → 2 good; the 6th unit is fair
    d = res.explain("u005").grade_decision
    assert d is not None
    assert d["grade"] == "fair"
    assert d["grade_name"] == "一般"
    assert d["group"] == "c"
    assert d["position"] == 6
    assert d["group_size"] == 11
    assert d["basis"] == "points"
    assert d["basis_value"] == pytest.approx(97.5)
    assert [(q["grade"], q["limit"], q["rule"]) for q in d["quotas"]] == [
        ("excellent", 3, "30% of 11 = 3.3 → floor → 3"),
        ("good", 2, "20% of 11 = 2.2 → floor → 2"),
        ("fair", None, "no quota"),
    ]
    assert next((g, "3" in why) for g, why in d["skipped"]) == ("excellent", True)
    assert [g for g, _ in d["skipped"]] == ["excellent", "good"]
    assert "2" in d["skipped"][1][1]
    assert d["tied_with"] == ()
    assert d["tie_break"] is None
    top = res.explain("u000").grade_decision
    assert top is not None
    assert (top["position"], top["grade"], top["skipped"]) == (1, "excellent", ())


def test_it_records_the_units_tied_with_it_and_the_key_that_ordered_them() -> None:
    scores = {"u1": ("c", 80), "u2": ("c", 90), "u3": ("c", 80), "u4": ("c", 80)}
    res = run(*score_scheme(scores, {"c": 100}, grading={"grades": two_grades({"count": 2})}))
    # u2 first; u1, u3, u4 tie on 80 and are ordered by id: u1 takes the second place
    assert grades_of(res) == {"u1": "excellent", "u2": "excellent", "u3": "fair", "u4": "fair"}
    d = res.explain("u3").grade_decision
    assert d is not None
    assert d["position"] == 3
    assert set(d["tied_with"]) == {"u1", "u4"}
    assert d["tie_break"] == "id"
    assert res.explain("u2").grade_decision["tied_with"] == ()  # type: ignore[index]


def test_it_explains_the_quota_and_the_grade_in_chinese_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KAOHE_LANG")
    res = run(*score_scheme(ladder(11), {"c": 100}, grading={"grades": two_grades({"share": 0.3})}))
    d = res.explain("u005").grade_decision
    assert d is not None
    assert d["quotas"][0]["rule"] == "11 × 30% = 3.3 → 向下取整 → 3"
    assert d["skipped"][0][1] == "名额 3 个已由排名在前的单位占满"
    assert "第 6 名（共 11 个" in d["summary"]
    english = res.explain("u005", lang="en").grade_decision
    assert english is not None
    assert english["quotas"][0]["rule"] == "30% of 11 = 3.3 → floor → 3"
