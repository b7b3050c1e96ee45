"""Points up the tree, checked against tables computed by hand from docs/scheme.md.

Most indicators here use ``proportional`` with target 10 (or 100), so that a value v earns
F × v / 10 points: the points of every leaf are easy to write down, and the tests are about
what the tree does with them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from kaohe import ComputationError, SchemeError, build_scheme

from .scheme_factory import run, scheme_dict

PROP10 = {"target": 10, "rule": {"type": "proportional"}}


def prop(parent: str | None, weights: object, **more: object) -> dict[str, object]:
    spec: dict[str, object] = {"weights": weights, **PROP10, **more}
    if parent is not None:
        spec["parent"] = parent
    return spec


# --------------------------------------------------------------------------- sums, three levels

THREE_LEVELS = scheme_dict(
    {
        "gdp": prop("growth", 30),
        "invest": prop("growth", 20),
        "industry": prop("structure", 10),
        "edu": prop("society", 40),
    },
    units={"u1": "c", "u2": "c"},
    categories={"c": 100},
    dimensions={
        "econ": {},
        "growth": {"parent": "econ"},
        "structure": {"parent": "econ"},
        "society": {},
    },
)
THREE_LEVEL_DATA = {
    "u1": {"gdp": 8, "invest": 5, "industry": 10, "edu": 9},  # 24, 10, 10, 36
    "u2": {"gdp": 10, "invest": 10, "industry": 2, "edu": 5},  # 30, 20, 2, 20
}


@pytest.mark.parametrize(
    ("unit", "node", "expected"),
    [
        ("u1", "growth", 34.0),  # 24 + 10
        ("u1", "structure", 10.0),
        ("u1", "econ", 44.0),  # 34 + 10
        ("u1", "society", 36.0),
        ("u2", "growth", 50.0),
        ("u2", "structure", 2.0),
        ("u2", "econ", 52.0),
        ("u2", "society", 20.0),
    ],
    ids=lambda v: str(v),
)
def test_it_sums_points_over_three_levels(unit: str, node: str, expected: float) -> None:
    res = run(THREE_LEVELS, THREE_LEVEL_DATA)
    i = res.unit_index(unit)
    assert res.subtotal(i, node) == pytest.approx(expected)
    assert res.aggregates.values[i, res.plan.node_index(node)] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("unit", "score", "share"),
    [("u1", 80.0, 0.80), ("u2", 72.0, 0.72)],
    ids=["u1-44+36", "u2-52+20"],
)
def test_it_makes_the_score_the_sum_of_the_top_dimensions(
    unit: str, score: float, share: float
) -> None:
    res = run(THREE_LEVELS, THREE_LEVEL_DATA)
    i = res.unit_index(unit)
    assert res.score[i] == pytest.approx(score)
    assert res.full_marks[i] == pytest.approx(100.0)
    assert res.share[i] == pytest.approx(share)


def test_it_reports_each_dimension_with_its_full_marks_in_the_explanation() -> None:
    res = run(THREE_LEVELS, THREE_LEVEL_DATA)
    dims = {d.dimension: d for d in res.explain("u1").dimensions}
    assert {k: d.full for k, d in dims.items()} == {
        "econ": 60.0,
        "growth": 50.0,
        "structure": 10.0,
        "society": 40.0,
    }
    assert dims["growth"].value == pytest.approx(34.0)
    assert dims["growth"].renormalised_by is None


# --------------------------------------------------------------------------- renormalisation

RENORM = scheme_dict(
    {
        "a": prop("d", 10, missing="renormalise"),
        "b": prop("d", 6, missing="renormalise"),
        "c": prop("d", 4, missing="renormalise"),
        "e": prop("rest", 80),
    },
    units={"u1": "c", "u2": "c", "u3": "c", "u4": "c"},
    categories={"c": 100},
    dimensions={"d": {}, "rest": {}},
)
RENORM_DATA: dict[str, dict[str, float | str | None]] = {
    "u1": {"a": 8, "b": 5, "c": None, "e": 10},  # (8 + 3) × 20/16 = 13.75
    "u2": {"a": 10, "b": 10, "c": 5, "e": 10},  # 10 + 6 + 2 = 18, nothing missing
    "u3": {"a": None, "b": 10, "c": 10, "e": 10},  # (6 + 4) × 20/10 = 20
    "u4": {"a": 5, "b": "N/A", "c": None, "e": 5},  # N/A renormalises by default: 5 × 20/10 = 10
}


@pytest.mark.parametrize(
    ("unit", "subtotal", "factor", "score"),
    [
        ("u1", 13.75, 20 / 16, 93.75),
        ("u2", 18.0, 1.0, 98.0),
        ("u3", 20.0, 20 / 10, 100.0),
        ("u4", 10.0, 20 / 10, 50.0),
    ],
    ids=["c-missing-x20/16", "all-present", "a-missing-x20/10", "b-NA-c-missing-x20/10"],
)
def test_it_renormalises_a_sum_dimension_over_the_full_marks_present(
    unit: str, subtotal: float, factor: float, score: float
) -> None:
    res = run(RENORM, RENORM_DATA)
    i = res.unit_index(unit)
    k = res.plan.node_index("d")
    assert res.subtotal(i, "d") == pytest.approx(subtotal)
    assert res.aggregates.scale[i, k] == pytest.approx(factor)
    assert res.score[i] == pytest.approx(score)
    assert res.full_marks[i] == pytest.approx(100.0)


def test_it_flags_the_renormalised_indicator_and_dimension_in_the_explanation() -> None:
    res = run(RENORM, RENORM_DATA)
    ex = res.explain("u1")
    c = next(x for x in ex.indicators if x.indicator == "c")
    assert c.status == "missing"
    assert "renormalised" in c.flags
    assert "missing" in c.flags
    assert c.points is None
    d = next(x for x in ex.dimensions if x.dimension == "d")
    assert d.renormalised_by == pytest.approx(1.25)
    na = next(x for x in res.explain("u4").indicators if x.indicator == "b")
    assert na.status == "not_applicable"
    assert "not_applicable" in na.flags
    assert "renormalised" in na.flags


ABSENT_DIM = scheme_dict(
    {
        "x": prop("d1", 60),
        "y": prop("d2", 25, missing="renormalise"),
        "z": prop("d2", 15, missing="renormalise"),
    },
    units={"u1": "c", "u2": "c"},
    categories={"c": 100},
    dimensions={"d1": {}, "d2": {}},
)


def test_it_leaves_out_a_dimension_with_nothing_present_and_renormalises_its_parent() -> None:
    # u1: x = 30 of 60; d2 has no value at all → the total is 30 × 100/60 = 50
    res = run(ABSENT_DIM, {"u1": {"x": 5}, "u2": {"x": 5, "y": 10, "z": 0}})
    i = res.unit_index("u1")
    assert math.isnan(res.subtotal(i, "d2"))
    assert res.subtotal(i, "d1") == pytest.approx(30.0)
    assert res.score[i] == pytest.approx(50.0)
    assert res.share[i] == pytest.approx(0.5)
    assert res.aggregates.scale[i, -1] == pytest.approx(100 / 60)
    # u2 has d2 present (25 + 0): no renormalisation at the root
    j = res.unit_index("u2")
    assert res.subtotal(j, "d2") == pytest.approx(25.0)
    assert res.score[j] == pytest.approx(55.0)
    assert res.aggregates.scale[j, -1] == pytest.approx(1.0)


def test_it_renormalises_an_absent_dimension_inside_a_dimension() -> None:
    # top (worth 100) = inner1 (x 30) + inner2 (y 20, absent) + w 50
    raw = scheme_dict(
        {
            "x": prop("inner1", 30),
            "y": prop("inner2", 20, missing="renormalise"),
            "w": prop("top", 50),
        },
        categories={"c": 100},
        dimensions={"top": {}, "inner1": {"parent": "top"}, "inner2": {"parent": "top"}},
    )
    # x = 6 → 18, w = 4 → 20; top = (18 + 20) × 100/80 = 47.5
    res = run(raw, {"u1": {"x": 6, "w": 4}})
    assert math.isnan(res.subtotal(0, "inner2"))
    assert res.subtotal(0, "top") == pytest.approx(47.5)
    assert res.score[0] == pytest.approx(47.5)


# --------------------------------------------------------------------------- bonus and deduction

BONUS = scheme_dict(
    {
        "a": prop(None, 100),
        "award": {"rule": {"type": "bonus_items", "levels": {"national": 3, "province": 2}}},
        "incident": {"rule": {"type": "count_deduction", "per_count": 2}},
    },
    units={"u1": "c", "u2": "c", "u3": "c"},
    categories={"c": 100},
)


@pytest.mark.parametrize(
    ("unit", "row", "score", "share"),
    [
        ("u1", {"a": 9, "award:national": 1, "award:province": 1, "incident": 1}, 93.0, 0.93),
        ("u2", {"a": 10, "award:national": 2}, 106.0, 1.06),
        ("u3", {"a": 5, "incident": 3}, 44.0, 0.44),
    ],
    ids=["90+3+2-2", "100+6-above-full-marks", "50-6"],
)
def test_it_adds_bonus_and_deduction_items_outside_full_marks(
    unit: str, row: dict[str, float], score: float, share: float
) -> None:
    others = {"u1": {"a": 1}, "u2": {"a": 1}, "u3": {"a": 1}}
    res = run(BONUS, {**others, unit: row})
    i = res.unit_index(unit)
    assert res.full_marks[i] == pytest.approx(100.0)
    assert res.score[i] == pytest.approx(score)
    assert res.share[i] == pytest.approx(share)


def test_it_does_not_count_bonus_items_towards_full_marks() -> None:
    # a (100) + bonus items: the category's full marks of 100 are met exactly
    scheme = build_scheme(BONUS)
    assert scheme.categories["c"].full_marks == 100


def test_it_adds_bonus_after_renormalising_the_base_indicators() -> None:
    # d worth 20: a (10) present with 8, b (10) missing; bonus 3 in d
    # → 8 × 20/10 + 3 = 19 (the bonus is not scaled up: 22 would be wrong)
    raw = scheme_dict(
        {
            "a": prop("d", 10),
            "b": prop("d", 10, missing="renormalise"),
            "plus": {"parent": "d", "rule": {"type": "bonus_items", "levels": {"award": 3}}},
            "rest": prop(None, 80),
        },
        categories={"c": 100},
        dimensions={"d": {}},
    )
    res = run(raw, {"u1": {"a": 8, "plus:award": 1, "rest": 10}})
    assert res.subtotal(0, "d") == pytest.approx(19.0)
    assert res.score[0] == pytest.approx(99.0)


CAPPED = scheme_dict(
    {
        "a": prop(None, 100),
        "b1": {"parent": "extra", "rule": {"type": "bonus_items", "levels": {"award": 3}}},
        "b2": {"parent": "extra", "rule": {"type": "bonus_items", "levels": {"award": 2}}},
        "d1": {"parent": "penalty", "rule": {"type": "count_deduction", "per_count": 4}},
        "d2": {"parent": "penalty", "rule": {"type": "count_deduction", "per_count": 3}},
    },
    units={"u1": "c", "u2": "c"},
    categories={"c": 100},
    dimensions={"extra": {"cap": 5}, "penalty": {"floor": -10}},
)
CAPPED_DATA = {
    # bonus 3 + 2 × 2 = 7 → capped at 5; deductions 2 × 4 + 2 × 3 = 14 → floored at −10
    "u1": {"a": 8, "b1:award": 1, "b2:award": 2, "d1": 2, "d2": 2},
    # bonus 3, deduction 4: inside the bounds
    "u2": {"a": 8, "b1:award": 1, "d1": 1},
}


@pytest.mark.parametrize(
    ("unit", "extra", "penalty", "score", "capped", "floored"),
    [
        ("u1", 5.0, -10.0, 75.0, True, True),
        ("u2", 3.0, -4.0, 79.0, False, False),
    ],
    ids=["7-capped-at-5-and-minus-14-floored-at-minus-10", "within-bounds"],
)
def test_it_caps_and_floors_a_dimension_subtotal(
    unit: str, extra: float, penalty: float, score: float, capped: bool, floored: bool
) -> None:
    res = run(CAPPED, CAPPED_DATA)
    i = res.unit_index(unit)
    assert res.subtotal(i, "extra") == pytest.approx(extra)
    assert res.subtotal(i, "penalty") == pytest.approx(penalty)
    assert res.score[i] == pytest.approx(score)
    dims = {d.dimension: d for d in res.explain(unit).dimensions}
    assert dims["extra"].capped is capped
    assert dims["penalty"].floored is floored
    assert dims["extra"].floored is False
    assert dims["penalty"].capped is False


def test_it_does_not_scale_a_bonus_dimension_when_the_root_renormalises() -> None:
    # root: d1 (60) present with 30, d2 (40) absent, a bonus dimension worth 3 and a deduction
    # dimension floored at −10 (−12 → −10). The base points are scaled 100/60; the bonus and
    # deduction subtotals are added after: 30 × 100/60 + 3 − 10 = 43.
    raw = scheme_dict(
        {
            "x": prop("d1", 60),
            "y": prop("d2", 40, missing="renormalise"),
            "b": {"parent": "extra", "rule": {"type": "bonus_items", "levels": {"award": 3}}},
            "p": {"parent": "penalty", "rule": {"type": "count_deduction", "per_count": 4}},
        },
        categories={"c": 100},
        dimensions={"d1": {}, "d2": {}, "extra": {"cap": 5}, "penalty": {"floor": -10}},
    )
    res = run(raw, {"u1": {"x": 5, "b:award": 1, "p": 3}})
    assert res.subtotal(0, "extra") == pytest.approx(3.0)
    assert res.subtotal(0, "penalty") == pytest.approx(-10.0)
    assert res.score[0] == pytest.approx(43.0)


# --------------------------------------------------------------------------- weighted means

PROP100 = {"target": 100, "rule": {"type": "proportional"}}


def mean_scheme(aggregation: str, **top: Any) -> dict[str, Any]:
    return scheme_dict(
        {
            "x": {
                "parent": "idx",
                "weights": {"a": 3, "b": 1},
                **PROP100,
                "missing": "renormalise",
            },
            "y": {
                "parent": "idx",
                "weights": {"a": 1, "b": 3},
                **PROP100,
                "missing": "renormalise",
            },
        },
        units={"ua": "a", "ub": "b", "ua2": "a"},
        categories={"a": 100, "b": 100},
        dimensions={"idx": {"aggregation": aggregation}},
        **top,
    )


@pytest.mark.parametrize(
    ("unit", "row", "expected"),
    [
        ("ua", {"x": 80, "y": 40}, 70.0),  # (3 × 80 + 1 × 40) / 4
        ("ub", {"x": 80, "y": 40}, 50.0),  # (1 × 80 + 3 × 40) / 4
        ("ua2", {"x": None, "y": 40}, 40.0),  # x absent: its weight renormalised away
    ],
    ids=["weights-3-1", "weights-1-3", "absent-child"],
)
def test_it_takes_a_weighted_mean_with_weights_by_category(
    unit: str, row: dict[str, float | None], expected: float
) -> None:
    data: dict[str, dict[str, float | None]] = {
        "ua": {"x": 1, "y": 1},
        "ub": {"x": 1, "y": 1},
        "ua2": {"x": 1, "y": 1},
    }
    data[unit] = row
    res = run(mean_scheme("mean"), data)
    i = res.unit_index(unit)
    assert res.subtotal(i, "idx") == pytest.approx(expected)
    assert res.score[i] == pytest.approx(expected)
    assert res.full_marks[i] == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("unit", "row", "expected"),
    [
        ("ua", {"x": 16, "y": 81}, 24.0),  # 16^(3/4) × 81^(1/4) = 8 × 3
        ("ub", {"x": 16, "y": 81}, 54.0),  # 16^(1/4) × 81^(3/4) = 2 × 27
        ("ua2", {"x": None, "y": 81}, 81.0),  # only y present
    ],
    ids=["weights-3-1", "weights-1-3", "absent-child"],
)
def test_it_takes_a_weighted_geometric_mean(
    unit: str, row: dict[str, float | None], expected: float
) -> None:
    data: dict[str, dict[str, float | None]] = {
        "ua": {"x": 1, "y": 1},
        "ub": {"x": 1, "y": 1},
        "ua2": {"x": 1, "y": 1},
    }
    data[unit] = row
    res = run(mean_scheme("geometric"), data)
    i = res.unit_index(unit)
    assert res.subtotal(i, "idx") == pytest.approx(expected)


def test_it_refuses_a_geometric_mean_of_zero_and_names_the_unit() -> None:
    raw = mean_scheme("geometric")
    # proportional gives 0 points for a value of 0: the geometric mean would be 0^w
    with pytest.raises(ComputationError) as err:
        run(raw, {"ua": {"x": 16, "y": 81}, "ub": {"x": 16, "y": 81}, "ua2": {"x": 0, "y": 81}})
    text = str(err.value)
    assert "ua2" in text
    assert "ua," not in text
    assert "ub" not in text
    assert err.value.issues[0].path == "dimensions.idx.aggregation"


def test_it_refuses_a_negative_child_of_a_geometric_mean() -> None:
    # a linear rule with floor −5 can go below 0 (scale 100: F = 100; 100 − 110 × 1 = −10 → −5)
    raw = scheme_dict(
        {
            "x": {
                "parent": "idx",
                "weights": 1,
                "target": 10,
                "rule": {"type": "linear", "rate": 1, "floor": -5},
            },
            "y": {"parent": "idx", "weights": 1, **PROP100},
        },
        units={"good": "c", "bad": "c"},
        dimensions={"idx": {"aggregation": "geometric"}},
    )
    with pytest.raises(ComputationError, match="bad") as err:
        run(raw, {"good": {"x": 10, "y": 50}, "bad": {"x": -100, "y": 50}})
    assert "good" not in str(err.value)


def test_it_mixes_a_sum_root_with_mean_dimensions() -> None:
    # scale 50: under a mean, an indicator is worth 50; each mean dimension is worth 50; root 100
    raw = scheme_dict(
        {
            "x": {"parent": "A", "weights": 1, **PROP100},
            "y": {"parent": "A", "weights": 1, **PROP100},
            "z": {"parent": "B", "weights": 3, **PROP100},
            "w": {"parent": "B", "weights": 1, **PROP100},
        },
        categories={"c": 100},
        dimensions={"A": {"aggregation": "mean"}, "B": {"aggregation": "mean"}},
        scale=50,
    )
    # x 80 → 40, y 40 → 20: A = 30; z 100 → 50, w 60 → 30: B = (3 × 50 + 30)/4 = 45
    res = run(raw, {"u1": {"x": 80, "y": 40, "z": 100, "w": 60}})
    assert res.points[0].tolist() == pytest.approx([40.0, 20.0, 50.0, 30.0])
    assert res.subtotal(0, "A") == pytest.approx(30.0)
    assert res.subtotal(0, "B") == pytest.approx(45.0)
    assert res.score[0] == pytest.approx(75.0)
    assert res.full_marks[0] == pytest.approx(100.0)
    assert res.share[0] == pytest.approx(0.75)


MEAN_ROOT = scheme_dict(
    {
        "x": prop("S1", 60),
        "y": prop("S1", 40),
        "z": prop("S2", 100, missing="renormalise"),
    },
    units={"u1": "c", "u2": "c"},
    categories={"c": 100},
    dimensions={"S1": {"weights": 3}, "S2": {"weights": 1}},
    aggregation="mean",
)


def test_it_takes_a_weighted_mean_of_sum_dimensions_at_the_root() -> None:
    # u1: S1 = 30 + 40 = 70, S2 = 50 → (3 × 70 + 1 × 50)/4 = 65
    # u2: S2 absent → its weight is renormalised away: 70
    res = run(MEAN_ROOT, {"u1": {"x": 5, "y": 10, "z": 5}, "u2": {"x": 5, "y": 10}})
    assert res.subtotal(0, "S1") == pytest.approx(70.0)
    assert res.score[0] == pytest.approx(65.0)
    assert res.score[1] == pytest.approx(70.0)
    assert res.full_marks[0] == pytest.approx(100.0)


# --------------------------------------------------------------------------- full marks


def _full_marks_error(weights_econ: dict[str, float], weights_eco: dict[str, float]) -> SchemeError:
    raw = scheme_dict(
        {
            "gdp": prop("economy", weights_econ),
            "forest": prop("ecology", weights_eco),
        },
        units={"jining": "development", "siziwang": "ecology"},
        categories={
            "development": {"name": "重点开发区", "full_marks": 100},
            "ecology": {"name": "重点生态功能区", "full_marks": 100},
        },
        dimensions={"economy": {}, "ecology": {}},
    )
    with pytest.raises(SchemeError) as err:
        build_scheme(raw)
    return err.value


def test_it_rejects_a_category_whose_indicators_do_not_add_up_to_its_full_marks() -> None:
    err = _full_marks_error({"development": 60, "ecology": 38}, {"development": 40, "ecology": 60})
    bad = [i for i in err.issues if i.path.endswith("full_marks")]
    assert [i.path for i in bad] == ["categories.ecology.full_marks"]
    msg = bad[0].message
    assert "重点生态功能区" in msg
    assert "98" in msg
    assert "100" in msg
    assert "economy 38" in msg
    assert "ecology 60" in msg


def test_it_accepts_full_marks_that_add_up_in_every_category() -> None:
    raw = scheme_dict(
        {"gdp": prop(None, {"a": 60, "b": 30}), "forest": prop(None, {"a": 40, "b": 70})},
        units={"u1": "a", "u2": "b"},
        categories={"a": 100, "b": 100},
    )
    assert build_scheme(raw).categories["b"].full_marks == 100


@pytest.mark.parametrize(
    ("stated", "bad_category", "numbers"),
    [
        (25, "c1", ("25", "35")),
        ({"c1": 35, "c2": 30}, "c2", ("30", "25")),
    ],
    ids=["one-number-25-vs-35", "by-category-30-vs-25"],
)
def test_it_rejects_a_dimension_whose_stated_points_disagree_with_its_indicators(
    stated: object, bad_category: str, numbers: tuple[str, str]
) -> None:
    raw = scheme_dict(
        {
            "x": prop("econ", {"c1": 20, "c2": 10}),
            "y": prop("econ", 15),
            "z": prop(None, 10),
        },
        units={"u1": "c1", "u2": "c2"},
        dimensions={"econ": {"name": "经济发展", "weights": stated}},
    )
    with pytest.raises(SchemeError) as err:
        build_scheme(raw)
    issues = [i for i in err.value.issues if i.path == "dimensions.econ.weights"]
    assert len(issues) == 1
    msg = issues[0].message
    assert "经济发展" in msg
    assert f"类别{bad_category}" in msg
    assert all(n in msg for n in numbers)


def test_it_accepts_a_dimension_whose_stated_points_agree() -> None:
    raw = scheme_dict(
        {"x": prop("econ", 20), "y": prop("econ", 15)},
        dimensions={"econ": {"weights": 35}},
        categories={"c": 35},
    )
    assert build_scheme(raw).dimensions["econ"].weights == 35


# --------------------------------------------------------------------------- share


@pytest.mark.parametrize(
    ("unit", "score", "full", "share"),
    [
        ("a1", 18.0, 20.0, 0.9),
        ("a2", 10.0, 20.0, 0.5),
        ("b1", 40.0, 50.0, 0.8),
        ("b2", 45.0, 50.0, 0.9),
    ],
    ids=lambda v: str(v),
)
def test_it_gives_the_share_as_score_over_the_category_full_marks(
    unit: str, score: float, full: float, share: float
) -> None:
    raw = scheme_dict(
        {
            "s": {
                "weights": {"a": 20, "b": 50},
                "target": {"a": 20, "b": 50},
                "rule": {"type": "proportional"},
            }
        },
        units={"a1": "a", "a2": "a", "b1": "b", "b2": "b"},
        categories={"a": 20, "b": 50},
    )
    res = run(raw, {"a1": {"s": 18}, "a2": {"s": 10}, "b1": {"s": 40}, "b2": {"s": 45}})
    i = res.unit_index(unit)
    assert res.score[i] == pytest.approx(score)
    assert res.full_marks[i] == pytest.approx(full)
    assert res.share[i] == pytest.approx(share)
    row = res.rows()[i]
    assert row["share"] == pytest.approx(share)
    assert row["full_marks"] == pytest.approx(full)


def test_it_keeps_the_subtotals_of_every_unit_in_one_array() -> None:
    res = run(THREE_LEVELS, THREE_LEVEL_DATA)
    col = res.aggregates.values[:, res.plan.node_index("econ")]
    assert np.allclose(col, [44.0, 52.0])
    assert np.allclose(res.aggregates.values[:, -1], res.score)


def test_it_leaves_out_a_dimension_that_does_not_apply_without_renormalising() -> None:
    # grain applies to farm units only: for the development unit the tree is worth 100 without it
    raw = scheme_dict(
        {
            "gdp": prop("econ", {"dev": 100, "farm": 60}),
            "grain": prop("agri", {"farm": 40}),
        },
        units={"d1": "dev", "f1": "farm"},
        categories={"dev": 100, "farm": 100},
        dimensions={"econ": {}, "agri": {}},
    )
    # d1: gdp 7 → 70 of 100; f1: gdp 7 → 42, grain 5 → 20: 62 of 100
    res = run(raw, {"d1": {"gdp": 7}, "f1": {"gdp": 7, "grain": 5}})
    assert math.isnan(res.subtotal(0, "agri"))
    assert res.aggregates.scale[0, -1] == pytest.approx(1.0)
    assert res.score.tolist() == pytest.approx([70.0, 62.0])
    assert res.full_marks.tolist() == pytest.approx([100.0, 100.0])
    assert [d.dimension for d in res.explain("d1").dimensions] == ["econ"]
