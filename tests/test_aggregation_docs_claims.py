"""What docs/scheme.md and docs/rules.md say about full marks, ties and the results table."""

from __future__ import annotations

import pytest

from kaohe import SchemeError, build_scheme

from .scheme_factory import run, scheme_dict

PROP100 = {"target": 100, "rule": {"type": "proportional"}}


def test_a_mean_dimension_in_a_sum_scheme_is_worth_scale_and_the_message_says_why() -> None:
    raw = scheme_dict(
        {"x": {"parent": "A", "weights": 1, **PROP100}, "z": {"weights": 70, **PROP100}},
        categories={"c": 170},
        dimensions={"A": {"aggregation": "mean", "weights": 30}},
    )
    with pytest.raises(SchemeError) as err:
        build_scheme(raw)
    (issue,) = [i for i in err.value.issues if i.path == "dimensions.A.weights"]
    assert "indicators add up to" not in issue.message
    assert "mean dimension is worth the weighted mean of its children's full marks, 100" in (
        issue.message
    )
    assert "scale, 100" in issue.message


@pytest.mark.parametrize(("scale", "full"), [(100, 170.0), (30, 100.0)])
def test_scale_sets_the_worth_of_a_mean_dimension_in_a_sum_scheme(scale: int, full: float) -> None:
    # A = mean of x (worth scale); z = 70: full marks 70 + scale
    raw = scheme_dict(
        {"x": {"parent": "A", "weights": 1, **PROP100}, "z": {"weights": 70, **PROP100}},
        categories={"c": full},
        dimensions={"A": {"aggregation": "mean"}},
        scale=scale,
    )
    res = run(raw, {"u1": {"x": 50, "z": 100}})
    assert res.full_marks[0] == pytest.approx(full)
    assert res.subtotal(0, "A") == pytest.approx(scale / 2)


def test_scale_sets_an_indicators_full_marks_under_a_geometric_parent() -> None:
    raw = scheme_dict(
        {
            "x": {"parent": "G", "weights": 1, **PROP100},
            "y": {"parent": "G", "weights": 1, **PROP100},
        },
        dimensions={"G": {"aggregation": "geometric"}},
        scale=10,
    )
    res = run(raw, {"u1": {"x": 40, "y": 90}})
    assert res.points[0].tolist() == pytest.approx([4.0, 9.0])  # F = scale = 10
    assert res.subtotal(0, "G") == pytest.approx(6.0)  # √(4 × 9)
    assert res.full_marks[0] == pytest.approx(10.0)


def test_average_ties_past_the_end_of_a_rank_table_take_rest() -> None:
    # u1 first; u2–u4 tied for second occupy places 2, 3, 4: (8 + 0 + 0) / 3
    raw = scheme_dict(
        {
            "x": {
                "weights": 10,
                "rule": {"type": "rank_table", "points": [10, 8], "ties": "average"},
            }
        },
        units={"u1": "c", "u2": "c", "u3": "c", "u4": "c"},
    )
    res = run(raw, {"u1": {"x": 90}, "u2": {"x": 85}, "u3": {"x": 85}, "u4": {"x": 85}})
    assert res.points[:, 0].tolist() == pytest.approx([10.0, 8 / 3, 8 / 3, 8 / 3])


def test_the_vetoed_column_holds_the_veto_indicators_id() -> None:
    raw = scheme_dict(
        {
            "x": {"weights": 10, **PROP100},
            "accident": {"name": "安全事故", "rule": {"type": "veto", "effect": "bar_top"}},
            "pollution": {"name": "环境事件", "rule": {"type": "veto", "effect": "bar_top"}},
        },
        units={"u1": "c", "u2": "c"},
    )
    res = run(raw, {"u1": {"x": 50, "accident": "是", "pollution": "是"}, "u2": {"x": 50}})
    frame = res.to_pandas()
    assert frame.loc["u1", "vetoed"] == "accident;pollution"
    assert frame.loc["u2", "vetoed"] == ""
