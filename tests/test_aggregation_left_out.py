"""A dimension whose base indicators are all absent is left out of its parent, items or not.

Hand-computed from docs/scheme.md ("Missing values and not applicable"): the parent renormalises
over the dimensions present, and the points of the left-out dimension's bonus and deduction
items are still added to the parent, outside its full marks. Indicators are ``proportional``
with target 10, so a value v earns F × v / 10 points.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kaohe import ComputationError
from kaohe.aggregation import aggregate_samples

from .scheme_factory import run, scheme_dict

PROP10 = {"target": 10, "rule": {"type": "proportional"}}
AWARD = {"type": "bonus_items", "levels": {"award": 2}}
INCIDENT = {"type": "count_deduction", "per_count": 3}

# root (100) = d1 (x 50) + d2 (y 30, z 20, an award item, an incident item)
ITEMS = scheme_dict(
    {
        "x": {"parent": "d1", "weights": 50, **PROP10},
        "y": {"parent": "d2", "weights": 30, "missing": "renormalise", **PROP10},
        "z": {"parent": "d2", "weights": 20, **PROP10},
        "award": {"parent": "d2", "rule": AWARD},
        "incident": {"parent": "d2", "rule": INCIDENT},
    },
    units={f"u{k}": "c" for k in range(1, 7)},
    categories={"c": 100},
    dimensions={"d1": {}, "d2": {}},
)
ITEMS_DATA: dict[str, dict[str, object]] = {
    "u1": {"x": 8, "y": "N/A", "z": "N/A"},
    "u2": {"x": 8, "y": "N/A", "z": "N/A", "award:award": 1},
    "u3": {"x": 8, "y": None, "z": "N/A", "award:award": 1},
    "u4": {"x": 8, "y": "N/A", "z": "N/A", "incident": 1},
    "u5": {"x": 8, "y": 10, "z": "N/A", "award:award": 1},
    "u6": {"x": 8, "y": 5, "z": 5},
}


@pytest.mark.parametrize(
    ("unit", "d2", "score", "root_scale"),
    [
        # d2 left out: 40 × 100/50 = 80 (not 40 + 0 = 40, half the score lost)
        ("u1", None, 80.0, 2.0),
        # d2 left out, its award still counts at the root: 40 × 100/50 + 2 = 82
        ("u2", None, 82.0, 2.0),
        # missing under renormalise and N/A alike: 82
        ("u3", None, 82.0, 2.0),
        # a deduction of a left-out dimension counts too: 80 − 3 = 77
        ("u4", None, 77.0, 2.0),
        # y present: d2 = 30 × 50/30 + 2 = 52, nothing left out at the root: 40 + 52 = 92
        ("u5", 52.0, 92.0, 1.0),
        # everything present: d2 = 15 + 10 = 25; 40 + 25 = 65
        ("u6", 25.0, 65.0, 1.0),
    ],
    ids=["empty-items", "bonus", "missing-renormalise", "deduction", "one-present", "all"],
)
def test_it_leaves_out_a_dimension_whose_base_indicators_are_all_absent_even_with_items(
    unit: str, d2: float | None, score: float, root_scale: float
) -> None:
    res = run(ITEMS, ITEMS_DATA)
    i = res.unit_index(unit)
    if d2 is None:
        assert math.isnan(res.subtotal(i, "d2"))
    else:
        assert res.subtotal(i, "d2") == pytest.approx(d2)
    assert res.subtotal(i, "d1") == pytest.approx(40.0)
    assert res.score[i] == pytest.approx(score)
    assert res.full_marks[i] == pytest.approx(100.0)
    assert res.aggregates.scale[i, -1] == pytest.approx(root_scale)


def test_the_explanation_shows_the_left_out_dimension_and_the_items_points() -> None:
    res = run(ITEMS, ITEMS_DATA)
    e = res.explain("u2")
    dims = {d.dimension: d for d in e.dimensions}
    assert dims["d2"].value is None
    award = next(x for x in e.indicators if x.indicator == "award")
    assert award.points == pytest.approx(2.0)


# root (100) = x 50 + outer (w 30 + inner (y 20, an award item))
NESTED = scheme_dict(
    {
        "x": {"weights": 50, **PROP10},
        "w": {"parent": "outer", "weights": 30, **PROP10},
        "y": {"parent": "inner", "weights": 20, **PROP10},
        "award": {"parent": "inner", "rule": AWARD},
    },
    units={"u1": "c", "u2": "c", "u3": "c"},
    categories={"c": 100},
    dimensions={"outer": {}, "inner": {"parent": "outer"}},
)


@pytest.mark.parametrize(
    ("unit", "row", "inner", "outer", "score"),
    [
        # inner left out inside outer: outer = 30 × 50/30 + 2 = 52; 50 + 52 = 102
        ("u1", {"x": 10, "w": 10, "y": "N/A", "award:award": 1}, None, 52.0, 102.0),
        # award 2 × 2 = 4 carried into outer, renormalised without it: 15 × 50/30 + 4 = 29
        ("u2", {"x": 10, "w": 5, "y": "N/A", "award:award": 2}, None, 29.0, 79.0),
        # y present: inner = 10 + 2 = 12; outer = 15 + 12 = 27; 50 + 27 = 77
        ("u3", {"x": 10, "w": 5, "y": 5, "award:award": 1}, 12.0, 27.0, 77.0),
    ],
    ids=["carried-two-levels", "carried-and-renormalised", "present"],
)
def test_it_carries_the_items_of_a_left_out_dimension_up_more_than_one_level(
    unit: str, row: dict[str, object], inner: float | None, outer: float, score: float
) -> None:
    others = {u: {"x": 1, "w": 1, "y": 1} for u in ("u1", "u2", "u3")}
    res = run(NESTED, {**others, unit: row})
    i = res.unit_index(unit)
    if inner is None:
        assert math.isnan(res.subtotal(i, "inner"))
    else:
        assert res.subtotal(i, "inner") == pytest.approx(inner)
    assert res.subtotal(i, "outer") == pytest.approx(outer)
    assert res.score[i] == pytest.approx(score)


def test_a_floor_on_a_left_out_dimension_bounds_its_carried_items() -> None:
    raw = scheme_dict(
        {
            "x": {"weights": 50, **PROP10},
            "y": {"parent": "d", "weights": 50, **PROP10},
            "incident": {"parent": "d", "rule": INCIDENT},
        },
        units={"u1": "c", "u2": "c"},
        categories={"c": 100},
        dimensions={"d": {"floor": -2}},
    )
    # d left out; its deduction −3 is floored at d's floor −2: 40 × 100/50 − 2 = 78
    res = run(raw, {"u1": {"x": 8, "y": "N/A", "incident": 1}, "u2": {"x": 8, "y": 10}})
    assert res.score[0] == pytest.approx(78.0)
    assert bool(res.aggregates.floored[0, res.plan.node_index("d")])
    assert res.score[1] == pytest.approx(90.0)


def test_a_unit_with_only_items_left_is_refused_not_scored_on_its_items() -> None:
    raw = scheme_dict(
        {
            "y": {"parent": "d", "weights": 100, **PROP10},
            "award": {"parent": "d", "rule": AWARD},
        },
        units={"u1": "c", "u2": "c"},
        categories={"c": 100},
        dimensions={"d": {}},
    )
    with pytest.raises(ComputationError, match="no score could be computed for u1"):
        run(raw, {"u1": {"y": "N/A", "award:award": 1}, "u2": {"y": 5}})


def test_the_robustness_sampler_leaves_the_dimension_out_the_same_way() -> None:
    res = run(ITEMS, ITEMS_DATA)
    plan = res.plan
    mult = np.ones((2, len(plan.categories), 0))
    totals, fulls = aggregate_samples(plan, res.points, mult, {})
    assert totals.shape == (2, len(plan.units))
    np.testing.assert_array_equal(totals[0], res.score)
    np.testing.assert_array_equal(totals[1], res.score)
    np.testing.assert_array_equal(fulls[0], res.full_marks)
