"""Hand-computed tables for the composite-index aggregations: harmonic, power, Copeland, and a
minimum data share."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from kaohe import assess, build_scheme
from kaohe.dataset import Dataset
from kaohe.errors import ComputationError, SchemeError


def _scheme(aggregation: str, n_children: int = 2, **dim: Any) -> Any:
    # the children are goalposts [0, 10] → values 0–100, so a value v scores 10·v
    inds = {
        f"x{k}": {
            "name": f"X{k}",
            "parent": "idx",
            "weights": 1,
            "rule": {"type": "goalposts", "lower": 0, "upper": 10},
        }
        for k in range(n_children)
    }
    return build_scheme(
        {
            "name": "t",
            "categories": {"c": {"name": "C"}},
            "units": {u: {"name": u, "category": "c"} for u in ("a", "b", "c")},
            "dimensions": {"idx": {"name": "Index", "aggregation": aggregation, **dim}},
            "indicators": inds,
        }
    )


def _run(scheme: Any, rows: dict[str, dict[str, Any]]) -> Any:
    return assess(scheme, Dataset.from_mapping(scheme, rows))


def test_it_takes_the_weighted_harmonic_mean() -> None:
    s = _scheme("harmonic")
    res = _run(s, {"a": {"x0": 2, "x1": 4}, "b": {"x0": 5, "x1": 5}, "c": {"x0": 1, "x1": 10}})
    # a: children 20 and 40 → 2 / (1/20 + 1/40) = 26.6667; c: 2 / (1/10 + 1/100) = 18.1818
    assert res.score.tolist() == pytest.approx([2 / (1 / 20 + 1 / 40), 50.0, 2 / 0.11])


def test_it_takes_the_weighted_power_mean() -> None:
    s = _scheme("power", power=2)
    res = _run(s, {"a": {"x0": 3, "x1": 4}, "b": {"x0": 0, "x1": 0}, "c": {"x0": 10, "x1": 0}})
    # a: √((30² + 40²)/2) = √1250 = 35.3553; c: √(100²/2) = 70.7107
    assert res.score.tolist() == pytest.approx([math.sqrt(1250), 0.0, math.sqrt(5000)])


def test_it_refuses_a_harmonic_mean_of_zero_naming_the_unit() -> None:
    s = _scheme("harmonic")
    with pytest.raises(ComputationError, match="harmonic mean needs values > 0") as err:
        _run(s, {"a": {"x0": 2, "x1": 4}, "b": {"x0": 0, "x1": 5}, "c": {"x0": 1, "x1": 1}})
    assert "b" in str(err.value)
    assert err.value.issues[0].path == "dimensions.idx.aggregation"


def test_it_scores_copeland_as_wins_minus_losses() -> None:
    s = _scheme("copeland")
    # a (30, 30), b (20, 40), c (10, 10): a–b tie (one child each); a and b beat c
    res = _run(s, {"a": {"x0": 3, "x1": 3}, "b": {"x0": 2, "x1": 4}, "c": {"x0": 1, "x1": 1}})
    assert res.score.tolist() == [1.0, 1.0, -2.0]
    assert res.rank.tolist() == [1, 1, 3]


def test_it_lets_the_heavier_children_decide_a_copeland_pair() -> None:
    s = build_scheme(
        {
            "name": "t",
            "categories": {"c": {"name": "C"}},
            "units": {u: {"name": u, "category": "c"} for u in ("a", "b")},
            "dimensions": {"idx": {"name": "Index", "aggregation": "copeland"}},
            "indicators": {
                "x0": {
                    "name": "X0",
                    "parent": "idx",
                    "weights": 2,
                    "rule": {"type": "goalposts", "lower": 0, "upper": 10},
                },
                "x1": {
                    "name": "X1",
                    "parent": "idx",
                    "weights": 1,
                    "rule": {"type": "goalposts", "lower": 0, "upper": 10},
                },
            },
        }
    )
    res = _run(s, {"a": {"x0": 5, "x1": 1}, "b": {"x0": 4, "x1": 9}})
    # a is better on x0 (weight 2), b on x1 (weight 1): margin +1 for a
    assert res.score.tolist() == [1.0, -1.0]


def test_it_leaves_a_dimension_out_below_its_minimum_data_share() -> None:
    s = _scheme("mean", n_children=3, min_share=0.6)
    rows: dict[str, dict[str, Any]] = {
        "a": {"x0": 1, "x1": 2, "x2": 3},
        "b": {"x0": 1, "x1": None, "x2": None},
        "c": {"x0": 4, "x1": 6, "x2": None},
    }
    s = build_scheme(
        {
            **s.model_dump(mode="json", by_alias=True, exclude_defaults=True),
            "indicators": {
                k: {
                    **v.model_dump(mode="json", by_alias=True, exclude_defaults=True),
                    "missing": "renormalise",
                }
                for k, v in s.indicators.items()
            },
        }
    )
    with pytest.raises(ComputationError, match="no score could be computed for b"):
        _run(s, rows)
    rows["b"] = {"x0": 1, "x1": 1, "x2": None}
    res = _run(s, rows)
    # c: two of three equal weights present (2/3 ≥ 0.6): mean of 40 and 60 = 50
    assert res.score.tolist() == pytest.approx([20.0, 10.0, 50.0])
    assert not np.isnan(res.score).any()


def test_it_refuses_a_power_mean_without_its_power() -> None:
    with pytest.raises(SchemeError, match="power"):
        _scheme("power")
