"""晒差距: the least single-indicator improvement that moves a unit up, by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from kaohe import assess, build_scheme
from kaohe.cli.main import main
from kaohe.dataset import Dataset


def two_units(
    rule: dict[str, Any],
    x: tuple[float, float],
    deduction: tuple[float, float],
    direction: str = "higher",
) -> Any:
    """Units a and b; x scored by ``rule`` (weight 10, target 10); y a judgement worth 10."""
    scheme = build_scheme(
        {
            "name": "t",
            "categories": {"c": {"name": "C"}},
            "units": {"a": {"name": "A", "category": "c"}, "b": {"name": "B", "category": "c"}},
            "indicators": {
                "x": {
                    "name": "X",
                    "weights": 10,
                    "target": 10,
                    "direction": direction,
                    "rule": rule,
                },
                "y": {
                    "name": "Y",
                    "weights": 10,
                    "rule": {"type": "judgement", "reason_required": False},
                },
            },
            "grading": {
                "grades": [
                    {"id": "top", "name": "优", "quota": {"count": 1}},
                    {"id": "rest", "name": "其他"},
                ]
            },
        }
    )
    data = Dataset.from_mapping(
        scheme, {"a": {"x": x[0], "y": deduction[0]}, "b": {"x": x[1], "y": deduction[1]}}
    )
    return assess(scheme, data)


LINEAR = {"type": "linear", "below_rate": 1, "above_rate": 0.5, "bonus_max": 5}


# Scores are compared at ranking.decimals (9) places, so "more than" means more by 5e-10: the
# thresholds below sit within about 1e-9 above the exact figure.


def test_it_finds_the_value_that_moves_a_unit_up_on_a_linear_rule() -> None:
    # a: 10 + 10 = 20; b: x 8 → 10 − 2 = 8, + 10 = 18. b must exceed 20 (a tie keeps a ahead,
    # by id): x's points > 10  ⇔  10 + 0.5 (x − 10) > 10  ⇔  x > 10
    res = two_units(LINEAR, (10, 8), (0, 0))
    gap = next(g for g in res.gaps("b") if g.indicator == "x")
    assert gap.value == 8
    assert gap.place_value is not None
    assert 10 < gap.place_value < 10 + 1e-8
    assert gap.place_change == pytest.approx(2)
    assert gap.grade_value == gap.place_value  # passing a also takes the one top place
    assert res.gaps("a")[0].place_note == "first"


def test_it_says_when_a_capped_indicator_cannot_close_the_gap() -> None:
    # at most 10 + 1 = 11 points from x; b's y lost 2 (8): b reaches at most 19 < a's 20
    rule = {**LINEAR, "bonus_max": 1}
    res = two_units(rule, (10, 8), (0, 2))
    gap = next(g for g in res.gaps("b") if g.indicator == "x")
    assert gap.place_value is None
    assert gap.place_note == "unreachable"
    assert gap.grade_note == "unreachable"


def test_it_stops_at_the_breakpoint_of_a_peer_relative_rule() -> None:
    # rank table 10 / 5 on x. a: x 5 (first) → 10, y −2 → 18; b: x 3 → 5, y 0 → 15.
    # At x = 5 the two tie for first and both get 10: b has 20 > 18 — the gap closes exactly there
    res = two_units({"type": "rank_table", "points": [10, 5]}, (5, 3), (2, 0))
    gap = next(g for g in res.gaps("b") if g.indicator == "x")
    # peers are compared at 12 significant digits (docs/scheme.md): the least value that ties a
    # at 5 is 5 less under one unit of its 12th digit, and no value below that
    assert gap.place_value == pytest.approx(5.0, rel=1e-11)
    assert gap.place_value <= 5.0


def test_it_moves_a_lower_is_better_indicator_down() -> None:
    # proportional, lower is better: points = 10 × target / x (capped at 10). a: x 10 → 10 + 10;
    # b: x 20 → 5 + y 10 = 15... b can reach at most 20 = a: a tie keeps a ahead — unreachable;
    # with a deduction of 1 for a (19), b passes once 10·10/x + 10 > 19 ⇔ x < 10/0.9 = 11.11…
    res = two_units({"type": "proportional"}, (10, 20), (1, 0), direction="lower")
    gap = next(g for g in res.gaps("b") if g.indicator == "x")
    assert gap.place_value is not None
    assert gap.place_value == pytest.approx(100 / 9, rel=1e-8)
    assert gap.place_value < 100 / 9
    assert gap.place_change is not None
    assert gap.place_change < 0


def test_it_checks_its_answer_with_the_engine() -> None:
    rng = np.random.default_rng(4)
    for _ in range(5):
        xa, xb = rng.uniform(5, 15, 2)
        res = two_units(LINEAR, (float(xa), float(xb)), (0.0, float(rng.uniform(0, 3))))
        behind = "b" if res.rank[1] > res.rank[0] else "a"
        gap = next(g for g in res.gaps(behind) if g.indicator == "x")
        if gap.place_value is None:
            continue
        k = res.units.index(behind)
        xs = [float(xa), float(xb)]
        xs[k] = gap.place_value
        after = two_units(LINEAR, (xs[0], xs[1]), (0.0, float(res.data.values[1, 1])))
        assert after.decisions is not None
        assert after.decisions[k].position == 1  # first in the grading order
        xs[k] = float(np.nextafter(gap.place_value, -np.inf))
        before = two_units(LINEAR, (xs[0], xs[1]), (0.0, float(res.data.values[1, 1])))
        assert before.decisions is not None
        assert before.decisions[k].position == 2


def test_it_prints_the_gaps_in_kaohe_explain(tmp_path: Any) -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "examples" / "ulanqab"
    result = CliRunner().invoke(
        main, ["explain", str(root / "scheme.yaml"), str(root / "data.xlsx"), "jining", "--json"]
    )
    assert result.exit_code == 0, result.output
    import json

    doc = json.loads(result.output)
    gaps = {g["indicator"]: g for g in doc["gaps"]}
    assert gaps
    assert all(g["place_value"] is not None or g["place_note"] for g in gaps.values())


def test_a_threshold_shown_to_a_person_is_rounded_in_the_better_direction() -> None:
    from kaohe.gaps import round_toward

    assert round_toward(102.169142, 0, "higher") == 103  # 103 projects, not 102.169142
    assert round_toward(103.0000000001, 0, "higher") == 103  # float noise is not a step
    assert round_toward(3.920743, 2, "lower") == 3.92  # lower is better: down
    assert round_toward(16.268926, 2, "higher") == 16.27
    assert round_toward(7.7, 2, "higher") == 7.7
    assert round_toward(-5.379257, 2, "lower") == -5.38
