"""Weights in force: named weight sets, equal / AHP / budget weights on a dimension, weights
from the data (entropy, CRITIC, PCA), and the effective weights reported."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kaohe import assess, build_scheme
from kaohe.dataset import Dataset
from kaohe.errors import SchemeError
from kaohe.weighting import critic, entropy

# Saaty (1990), the house example's "yard space" judgements: weights .674 .101 .226, CR .074
SAATY_YARD = [[1, 5, 4], [1 / 5, 1, 1 / 3], [1 / 4, 3, 1]]


def scheme(weighting: dict[str, Any] | None = None, **top: Any) -> Any:
    inds = {
        k: {
            "name": k,
            "parent": "idx",
            "weights": 1,
            "rule": {"type": "goalposts", "lower": 0, "upper": 10},
        }
        for k in ("a", "b", "c")
    }
    dim: dict[str, Any] = {"name": "Index", "aggregation": "mean"}
    if weighting is not None:
        dim["weighting"] = weighting
    return build_scheme(
        {
            "name": "t",
            "categories": {"k": {"name": "K"}},
            "units": {f"u{i}": {"name": f"U{i}", "category": "k"} for i in range(4)},
            "dimensions": {"idx": dim},
            "indicators": inds,
            **top,
        }
    )


VALUES = {
    "u0": {"a": 10, "b": 0, "c": 5},
    "u1": {"a": 0, "b": 10, "c": 5},
    "u2": {"a": 5, "b": 5, "c": 10},
    "u3": {"a": 2, "b": 4, "c": 0},
}


def run(s: Any) -> Any:
    return assess(s, Dataset.from_mapping(s, VALUES))


def test_it_weighs_by_the_ahp_eigenvector_of_a_textbook_matrix() -> None:
    res = run(scheme({"method": "ahp", "matrix": SAATY_YARD}))
    w = res.effective_weights()["k"]
    assert [round(w[k], 3) for k in ("a", "b", "c")] == [0.674, 0.101, 0.226]
    # u0: 100·.674 + 0 + 50·.226 — the points of each child are 10 × value
    assert res.score[0] == pytest.approx(100 * w["a"] + 50 * w["c"], rel=1e-9)


def test_it_refuses_an_inconsistent_ahp_matrix_naming_the_ratio() -> None:
    bad = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.raises(SchemeError) as err:
        scheme({"method": "ahp", "matrix": bad})
    issue = err.value.issues[0]
    assert issue.path == "dimensions.idx.weighting.matrix"
    assert "CR" in issue.message


def test_it_weighs_by_a_budget_allocation_and_equally() -> None:
    res = run(scheme({"method": "budget", "allocations": [[50, 30, 20], [30, 30, 40]]}))
    w = res.effective_weights()["k"]
    assert [w[k] for k in "abc"] == pytest.approx([0.4, 0.3, 0.3])
    eq = run(scheme({"method": "equal"})).effective_weights()["k"]
    assert [eq[k] for k in "abc"] == pytest.approx([1 / 3] * 3)


def test_it_computes_entropy_and_critic_weights_from_the_children_values() -> None:
    points = np.array([[VALUES[u][k] * 10.0 for k in "abc"] for u in sorted(VALUES)])
    for method, fn in (("entropy", entropy), ("critic", critic)):
        res = run(scheme({"method": method}))
        w = res.effective_weights()["k"]
        assert [w[k] for k in "abc"] == pytest.approx(list(fn(points)), rel=1e-12)
        assert float(np.sum(list(w.values()))) == pytest.approx(1.0)


def test_it_switches_to_a_named_weight_set() -> None:
    plain = run(scheme()).effective_weights()["k"]
    assert [plain[k] for k in "abc"] == pytest.approx([1 / 3] * 3)
    s = scheme(None, weight_sets={"a_first": {"a": 2, "b": 1, "c": 1}}, weight_set="a_first")
    w = run(s).effective_weights()["k"]
    assert [w[k] for k in "abc"] == pytest.approx([0.5, 0.25, 0.25])


def test_it_refuses_an_unknown_weight_set_or_id() -> None:
    with pytest.raises(SchemeError, match="weight set"):
        scheme(None, weight_set="nope")
    with pytest.raises(SchemeError) as err:
        scheme(None, weight_sets={"s": {"zz": 1}})
    assert err.value.issues[0].path == "weight_sets.s.zz"


def test_it_refuses_a_weighting_method_on_a_sum() -> None:
    with pytest.raises(SchemeError, match="must take a mean"):
        build_scheme(
            {
                "name": "t",
                "categories": {"k": {"name": "K"}},
                "units": {"u": {"name": "U", "category": "k"}},
                "dimensions": {"d": {"name": "D", "weighting": {"method": "equal"}}},
                "indicators": {
                    "a": {"name": "A", "parent": "d", "weights": 5, "rule": {"type": "judgement"}}
                },
            }
        )


def test_it_reports_effective_weights_of_a_points_scheme_as_shares_of_full_marks() -> None:
    s = build_scheme(
        {
            "name": "t",
            "categories": {"k": {"name": "K", "full_marks": 100}},
            "units": {"u": {"name": "U", "category": "k"}},
            "dimensions": {"d": {"name": "D"}},
            "indicators": {
                "a": {"name": "A", "parent": "d", "weights": 60, "rule": {"type": "judgement"}},
                "b": {"name": "B", "parent": "d", "weights": 40, "rule": {"type": "judgement"}},
            },
        }
    )
    res = assess(s, Dataset.from_mapping(s, {"u": {"a": None, "b": None}}))
    assert res.effective_weights() == {"k": pytest.approx({"a": 0.6, "b": 0.4})}
