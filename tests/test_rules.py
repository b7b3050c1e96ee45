"""Every rule type against hand-computed cases written from the definitions in docs/rules.md.

The expected points were computed by hand from the formulas of docs/rules.md (the arithmetic is in
each case's id or in a comment), never taken from the engine's output. F is the indicator's weight
(its full marks) unless the case says otherwise; units are in category "a" unless listed.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from kaohe import assess
from kaohe.errors import ComputationError, DataError, KaoheError, SchemeError

from .rule_helpers import Case, build, check, dataset, params, run

NAN = math.nan
AB = {"u1": "a", "u2": "a", "u3": "b", "u4": "b"}  # two units in each of two categories

# --------------------------------------------------------------------------- target_met

TM = {"weights": 5, "target": 100, "rule": {"type": "target_met"}}
TARGET_MET = [
    Case(
        "met above, met at the target, not met just below",
        TM,
        {"u1": 120, "u2": 100, "u3": 99.9},
        {"u1": 5, "u2": 5, "u3": 0},  # 120 ≥ 100; 100 ≥ 100; 99.9 < 100
        flags={"u1": set(), "u3": set()},
    ),
    Case(
        "else_points 2 when not met",
        {**TM, "rule": {"type": "target_met", "else_points": 2}},
        {"u1": 90, "u2": 100},
        {"u1": 2, "u2": 5},
    ),
    Case(
        "lower is better: x ≤ t meets",
        {**TM, "target": 10, "direction": "lower"},
        {"u1": 8, "u2": 10, "u3": 12},
        {"u1": 5, "u2": 5, "u3": 0},  # 8 ≤ 10 met; 10 ≤ 10 met; 12 > 10 not met
    ),
    Case(
        "target by category: a 100, b 50",
        {**TM, "target": {"a": 100, "b": 50}},
        {"u1": 80, "u3": 80},
        {"u1": 0, "u3": 5},  # 80 < 100; 80 ≥ 50
        units={"u1": "a", "u3": "b"},
    ),
    Case(
        "target by unit with a default",
        {**TM, "target": {"default": 100, "u2": 50}},
        {"u1": 80, "u2": 80},
        {"u1": 0, "u2": 5},
    ),
    Case(
        "F is the weight of the unit's category: a 5, b 8",
        {**TM, "weights": {"a": 5, "b": 8}},
        {"u1": 100, "u3": 100},
        {"u1": 5, "u3": 8},
        units={"u1": "a", "u3": "b"},
    ),
    Case(
        "weight 0 in b: measured, worth nothing",
        {**TM, "weights": {"a": 5, "b": 0}},
        {"u1": 120, "u3": 120},
        {"u1": 5, "u3": 0},
        units={"u1": "a", "u3": "b"},
        flags={"u1": set(), "u3": {"zero_weight"}},
    ),
    Case(
        "under a mean parent F is the scheme's scale (50)",
        {**TM, "weights": 1, "parent": "d"},
        {"u1": 100, "u2": 99},
        {"u1": 50, "u2": 0},
        scheme={"scale": 50, "dimensions": {"d": {"name": "D", "aggregation": "mean"}}},
    ),
    Case(
        "category_rules: b scores proportionally instead",
        {**TM, "weights": 10, "category_rules": {"b": {"type": "proportional"}}},
        {"u1": 80, "u3": 80},
        {"u1": 0, "u3": 8},  # a: 80 < 100 → 0; b: 10 × 80/100
        units={"u1": "a", "u3": "b"},
    ),
]


@pytest.mark.parametrize("case", params(TARGET_MET))
def test_it_scores_target_met_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- proportional

PR = {"weights": 10, "target": 200, "rule": {"type": "proportional"}}
PROPORTIONAL = [
    Case(
        "10×150/200=7.5; 250 capped at ratio 1; 0 → 0",
        PR,
        {"u1": 150, "u2": 250, "u3": 0},
        {"u1": 7.5, "u2": 10, "u3": 0},
        flags={"u1": set(), "u2": {"capped"}},
    ),
    Case(
        "cap_ratio 1.2: 220 → 11; 250 → 1.25 capped at 1.2 → 12",
        {**PR, "rule": {"type": "proportional", "cap_ratio": 1.2}},
        {"u1": 220, "u2": 250},
        {"u1": 11, "u2": 12},
        flags={"u1": set(), "u2": {"capped"}},
    ),
    Case(
        "negative value: ratio −0.25 taken as 0",
        PR,
        {"u1": -50},
        {"u1": 0},
    ),
    Case(
        "floor 3: 10×20/200=1 floored at 3",
        {**PR, "rule": {"type": "proportional", "floor": 3}},
        {"u1": 20, "u2": 100},
        {"u1": 3, "u2": 5},
        flags={"u1": {"floored"}, "u2": set()},
    ),
    Case(
        "lower is better t/x: 50/40 capped, 50/100=0.5, x ≤ 0 fully complete",
        {**PR, "target": 50, "direction": "lower"},
        {"u1": 40, "u2": 100, "u3": 0, "u4": -5},
        {"u1": 10, "u2": 5, "u3": 10, "u4": 10},
    ),
    Case(
        "target by category: a 200, b 100; F by category a 10, b 20",
        {**PR, "target": {"a": 200, "b": 100}, "weights": {"a": 10, "b": 20}},
        {"u1": 100, "u3": 60},
        {"u1": 5, "u3": 12},  # 10 × 100/200; 20 × 60/100
        units={"u1": "a", "u3": "b"},
    ),
]


@pytest.mark.parametrize("case", params(PROPORTIONAL))
def test_it_scores_proportional_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- linear

LIN_RULE = {"type": "linear", "below_rate": 0.5, "above_rate": 0.2, "bonus_max": 1}
LIN = {"weights": 10, "target": 6.5, "rule": LIN_RULE}
LINEAR = [
    Case(
        "docs table: at t, 1 below, 1.5 above, capped, floored",
        LIN,
        {"u1": 6.5, "u2": 5.5, "u3": 8, "u4": 15, "u5": -20},
        # 10; 10 − 1×0.5; 10 + 1.5×0.2; 10 + 8.5×0.2 = 11.7 → 11; 10 − 26.5×0.5 = −3.25 → 0
        {"u1": 10, "u2": 9.5, "u3": 10.3, "u4": 11, "u5": 0},
        flags={"u1": set(), "u2": set(), "u3": set(), "u4": {"capped"}, "u5": {"floored"}},
    ),
    Case(
        "rate both ways 0.3, no bonus_max: 7.5 → 10.3 capped at 10; 4.5 → 10 − 2×0.3",
        {**LIN, "rule": {"type": "linear", "rate": 0.3}},
        {"u1": 7.5, "u2": 4.5},
        {"u1": 10, "u2": 9.4},
        flags={"u1": {"capped"}, "u2": set()},
    ),
    Case(
        "step 0.1 continuous: 6.2 is 3 steps below: 10 − 3×0.05",
        {**LIN, "rule": {"type": "linear", "step": 0.1, "below_rate": 0.05}},
        {"u1": 6.2},
        {"u1": 9.85},
    ),
    Case(
        "steps whole: −1.7 → −1 step, +2.4 → 2 steps: 10 − 0.5; 10 + 2×0.2",
        {**LIN, "rule": {**LIN_RULE, "steps": "whole"}},
        {"u1": 4.8, "u2": 8.9, "u3": 6.9},
        {"u1": 9.5, "u2": 10.4, "u3": 10},  # u3: +0.4 truncates to 0 steps
    ),
    Case(
        "steps whole of 0.1: 6.2 vs 6.5 is exactly 3 whole steps: 10 − 3×0.05",
        {**LIN, "rule": {"type": "linear", "step": 0.1, "below_rate": 0.05, "steps": "whole"}},
        {"u1": 6.2},
        {"u1": 9.85},
    ),
    Case(
        "measure percent: 190/200 → −5%, 230/200 → +15%",
        {
            "weights": 10,
            "target": 200,
            "rule": {
                "type": "linear",
                "measure": "percent",
                "below_rate": 0.1,
                "above_rate": 0.04,
                "bonus_max": 1,
            },
        },
        {"u1": 190, "u2": 230, "u3": 300},
        # 10 − 5×0.1 = 9.5; 10 + 15×0.04 = 10.6; 10 + 50×0.04 = 12 → capped 11
        {"u1": 9.5, "u2": 10.6, "u3": 11},
        flags={"u3": {"capped"}},
    ),
    Case(
        "measure percent, lower is better: 45/50 → −10% turned +10; 55/50 → −10",
        {
            "weights": 10,
            "target": 50,
            "direction": "lower",
            "rule": {
                "type": "linear",
                "measure": "percent",
                "below_rate": 0.2,
                "above_rate": 0.1,
                "bonus_max": 2,
            },
        },
        {"u1": 45, "u2": 55},
        {"u1": 11, "u2": 8},  # 10 + 10×0.1; 10 − 10×0.2
    ),
    Case(
        "lower is better: 3 vs t 5 is 2 better; 7 is 2 worse",
        {**LIN, "target": 5, "direction": "lower"},
        {"u1": 3, "u2": 7, "u3": 5},
        {"u1": 10.4, "u2": 9, "u3": 10},  # 10 + 2×0.2; 10 − 2×0.5
    ),
    Case(
        "base 8, rate 0.5, bonus_max 2: 12 → 9; 6 → 6",
        {
            "weights": 10,
            "target": 10,
            "rule": {"type": "linear", "base": 8, "rate": 0.5, "bonus_max": 2},
        },
        {"u1": 12, "u2": 6, "u3": 20},
        {"u1": 9, "u2": 6, "u3": 12},  # 8 + 2×0.5; 8 − 4×0.5; 8 + 10×0.5 = 13 → capped 12
        flags={"u3": {"capped"}},
    ),
    Case(
        "floor 5: −20 → −3.25 floored at 5",
        {**LIN, "rule": {**LIN_RULE, "floor": 5}},
        {"u1": -20, "u2": 0},
        {"u1": 5, "u2": 6.75},  # 10 − 6.5×0.5 = 6.75
        flags={"u1": {"floored"}, "u2": set()},
    ),
    Case(
        "negative floor −2: −3.25 floored at −2",
        {**LIN, "rule": {**LIN_RULE, "floor": -2}},
        {"u1": -20, "u2": -5},
        {"u1": -2, "u2": 4.25},  # 10 − 11.5×0.5 = 4.25
        flags={"u1": {"floored"}},
    ),
    Case(
        "reference a number 5: 7 → 10 + 2×1",
        {"weights": 10, "rule": {"type": "linear", "reference": 5, "rate": 1, "bonus_max": 3}},
        {"u1": 7, "u2": 4},
        {"u1": 12, "u2": 9},
    ),
    Case(
        "reference baseline by unit: u1 b=4, u2 b=6, both x=5",
        {
            "weights": 10,
            "baseline": {"u1": 4, "u2": 6},
            "rule": {"type": "linear", "reference": "baseline", "rate": 1, "bonus_max": 2},
        },
        {"u1": 5, "u2": 5},
        {"u1": 11, "u2": 9},
    ),
    Case(
        "reference previous: u1 p=5 x=4 → 10 − 2; u2 p=8 x=9 → 10 + 2",
        {
            "weights": 10,
            "previous": {"u1": 5, "u2": 8},
            "rule": {"type": "linear", "reference": "previous", "rate": 2, "bonus_max": 4},
        },
        {"u1": 4, "u2": 9},
        {"u1": 8, "u2": 12},
    ),
    Case(
        "reference peer_average: mean(2,4,9)=5",
        {
            "weights": 10,
            "rule": {"type": "linear", "reference": "peer_average", "rate": 1, "bonus_max": 5},
        },
        {"u1": 2, "u2": 4, "u3": 9},
        {"u1": 7, "u2": 9, "u3": 14},
    ),
    Case(
        "reference peer_median: median(2,4,9)=4",
        {
            "weights": 10,
            "rule": {"type": "linear", "reference": "peer_median", "rate": 1, "bonus_max": 5},
        },
        {"u1": 2, "u2": 4, "u3": 9},
        {"u1": 8, "u2": 10, "u3": 15},
    ),
    Case(
        "reference peer_median of an even count: median(1,2,4,9)=3",
        {
            "weights": 10,
            "rule": {"type": "linear", "reference": "peer_median", "rate": 1, "bonus_max": 10},
        },
        {"u1": 1, "u2": 2, "u3": 4, "u4": 9},
        {"u1": 8, "u2": 9, "u3": 11, "u4": 16},
    ),
    Case(
        "reference peer_best: best(2,4,9)=9",
        {"weights": 10, "rule": {"type": "linear", "reference": "peer_best", "rate": 1}},
        {"u1": 2, "u2": 4, "u3": 9},
        {"u1": 3, "u2": 5, "u3": 10},  # 10 − 7; 10 − 5; 10
    ),
    Case(
        "reference peer_best, lower is better: best = 2",
        {
            "weights": 10,
            "direction": "lower",
            "rule": {"type": "linear", "reference": "peer_best", "rate": 1},
        },
        {"u1": 2, "u2": 4, "u3": 9},
        {"u1": 10, "u2": 8, "u3": 3},
    ),
    Case(
        "peer_average within the category: a mean(2,4)=3, b mean(10,12)=11",
        {
            "weights": 10,
            "rule": {"type": "linear", "reference": "peer_average", "rate": 1, "bonus_max": 5},
        },
        {"u1": 2, "u2": 4, "u3": 10, "u4": 12},
        {"u1": 9, "u2": 11, "u3": 9, "u4": 11},
        units=AB,
    ),
    Case(
        "peers: all on the rule: mean(2,4,10,12)=7",
        {
            "weights": 10,
            "rule": {
                "type": "linear",
                "reference": "peer_average",
                "rate": 1,
                "bonus_max": 5,
                "peers": "all",
            },
        },
        {"u1": 2, "u2": 4, "u3": 10, "u4": 12},
        {"u1": 5, "u2": 7, "u3": 13, "u4": 15},
        units=AB,
    ),
    Case(
        "peers: all as the scheme default: mean 7",
        {
            "weights": 10,
            "rule": {"type": "linear", "reference": "peer_average", "rate": 1, "bonus_max": 5},
        },
        {"u1": 2, "u2": 4, "u3": 10, "u4": 12},
        {"u1": 5, "u2": 7, "u3": 13, "u4": 15},
        units=AB,
        scheme={"peers": "all"},
    ),
    Case(
        "peers: category on the rule overrides scheme peers all",
        {
            "weights": 10,
            "rule": {
                "type": "linear",
                "reference": "peer_average",
                "rate": 1,
                "bonus_max": 5,
                "peers": "category",
            },
        },
        {"u1": 2, "u2": 4, "u3": 10, "u4": 12},
        {"u1": 9, "u2": 11, "u3": 9, "u4": 11},
        units=AB,
        scheme={"peers": "all"},
    ),
    Case(
        "peer_average over units with a value: u3 missing (zero) is no peer: mean(2,4)=3",
        {
            "weights": 10,
            "missing": "zero",
            "rule": {"type": "linear", "reference": "peer_average", "rate": 1, "bonus_max": 5},
        },
        {"u1": 2, "u2": 4, "u3": None},
        {"u1": 9, "u2": 11, "u3": 0},
        flags={"u3": {"missing", "zero_filled"}},
    ),
    Case(
        "category_rules: b deducts 2 per point instead of 0.5",
        {**LIN, "category_rules": {"b": {"type": "linear", "below_rate": 2}}},
        {"u1": 5.5, "u3": 5.5},
        {"u1": 9.5, "u3": 8},  # a: 10 − 1×0.5; b: 10 − 1×2
        units={"u1": "a", "u3": "b"},
    ),
    Case(
        "weight 0 in b: even above the target with bonus_max, worth nothing",
        {**LIN, "weights": {"a": 10, "b": 0}},
        {"u1": 8, "u3": 8},
        {"u1": 10.3, "u3": 0},
        units={"u1": "a", "u3": "b"},
        flags={"u3": {"zero_weight"}},
    ),
]


@pytest.mark.parametrize("case", params(LINEAR))
def test_it_scores_linear_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- baseline

BL: dict[str, Any] = {"weights": 5, "rule": {"type": "baseline", "base": 4, "rate": 0.04}}
BASELINE = [
    Case(
        "docs: peer average 8: 4 ± 2×0.04",
        {**BL, "rule": {**BL["rule"], "reference": "peer_average"}},
        {"u1": 10, "u2": 8, "u3": 6},
        {"u1": 4.08, "u2": 4, "u3": 3.92},
    ),
    Case(
        "reference defaults to baseline 100: 103 → 4.12; 95 → 3.8; 150 → 6 capped at F=5",
        {**BL, "baseline": 100},
        {"u1": 103, "u2": 95, "u3": 150},
        {"u1": 4.12, "u2": 3.8, "u3": 5},
        flags={"u1": set(), "u3": {"capped"}},
    ),
    Case(
        "baseline by category: a 10, b 20; both x=15",
        {**BL, "baseline": {"a": 10, "b": 20}},
        {"u1": 15, "u3": 15},
        {"u1": 4.2, "u3": 3.8},  # 4 + 5×0.04; 4 − 5×0.04
        units={"u1": "a", "u3": "b"},
    ),
    Case(
        "measure percent: 210/200 → +5%: 4 + 5×0.1",
        {
            "weights": 5,
            "baseline": 200,
            "rule": {"type": "baseline", "base": 4, "rate": 0.1, "measure": "percent"},
        },
        {"u1": 210, "u2": 180},
        {"u1": 4.5, "u2": 3},  # 180/200 → −10%: 4 − 10×0.1
    ),
    Case(
        "lower is better: 90 vs baseline 100 is 10 better: 4 + 10×0.04",
        {**BL, "baseline": 100, "direction": "lower"},
        {"u1": 90, "u2": 110},
        {"u1": 4.4, "u2": 3.6},
    ),
    Case(
        "base, floor 3: 100 below → 4 − 4 = 0 floored at 3",
        {**BL, "baseline": 100, "rule": {**BL["rule"], "floor": 3}},
        {"u1": 0},
        {"u1": 3},
        flags={"u1": {"floored"}},
    ),
]


@pytest.mark.parametrize("case", params(BASELINE))
def test_it_scores_baseline_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- bands

BANDS3 = [{"min": 100, "share": 1}, {"min": 90, "share": 0.8}, {"min": 80, "share": 0.6}]
BD = {"weights": 10, "target": 100, "rule": {"type": "bands", "bands": BANDS3}}
MAXBANDS = [{"max": 1, "points": 10}, {"max": 3, "points": 6}, {"max": 5, "points": 3}]
BANDS = [
    Case(
        "docs: 105% full, 95% and 90% 0.8×10, 85% 0.6×10, 70% none",
        BD,
        {"u1": 105, "u2": 95, "u3": 90, "u4": 85, "u5": 70},
        {"u1": 10, "u2": 8, "u3": 8, "u4": 6, "u5": 0},
    ),
    Case(
        "points bands and else_points 2",
        {
            **BD,
            "rule": {
                "type": "bands",
                "else_points": 2,
                "bands": [{"min": 100, "points": 10}, {"min": 90, "points": 7}],
            },
        },
        {"u1": 95, "u2": 50},
        {"u1": 7, "u2": 2},
    ),
    Case(
        "completion relative to a target of 200: 190 is 95%",
        {**BD, "target": 200},
        {"u1": 190, "u2": 150},
        {"u1": 8, "u2": 0},  # 95% → 0.8×10; 75% → none
    ),
    Case(
        "lower is better: completion t/x: 50/55=90.9%, 50/40=125%, 50/62.5=80%",
        {**BD, "target": 50, "direction": "lower"},
        {"u1": 55, "u2": 40, "u3": 62.5, "u4": 100},
        {"u1": 8, "u2": 10, "u3": 6, "u4": 0},
    ),
    Case(
        "min bands listed out of order are still tried from the most demanding",
        {**BD, "rule": {"type": "bands", "bands": [BANDS3[2], BANDS3[0], BANDS3[1]]}},
        {"u1": 105, "u2": 95, "u3": 85},
        {"u1": 10, "u2": 8, "u3": 6},
    ),
    Case(
        "measure value with min bands: 95 → 1×10, 60 → 0.5×10, 59 → none",
        {
            "weights": 10,
            "rule": {
                "type": "bands",
                "measure": "value",
                "bands": [{"min": 90, "share": 1}, {"min": 60, "share": 0.5}],
            },
        },
        {"u1": 95, "u2": 60, "u3": 59},
        {"u1": 10, "u2": 5, "u3": 0},
    ),
    Case(
        "measure value with max bands: m ≤ max; edges belong to the band",
        {"weights": 10, "rule": {"type": "bands", "measure": "value", "bands": MAXBANDS}},
        {"u1": 0.5, "u2": 1, "u3": 2, "u4": 5, "u5": 6},
        {"u1": 10, "u2": 10, "u3": 6, "u4": 3, "u5": 0},
    ),
    Case(
        "max bands out of order: the smallest max is the most demanding",
        {
            "weights": 10,
            "rule": {
                "type": "bands",
                "measure": "value",
                "bands": [MAXBANDS[2], MAXBANDS[0], MAXBANDS[1]],
            },
        },
        {"u1": 0.5, "u2": 2, "u3": 4},
        {"u1": 10, "u2": 6, "u3": 3},
    ),
    Case(
        "max bands on completion: 95% ≤ 100 full, 105% ≤ 110 half, 120% none",
        {
            "weights": 10,
            "target": 100,
            "rule": {
                "type": "bands",
                "bands": [{"max": 100, "share": 1}, {"max": 110, "share": 0.5}],
            },
        },
        {"u1": 95, "u2": 105, "u3": 120},
        {"u1": 10, "u2": 5, "u3": 0},  # 95% ≤ 100; 105% ≤ 110 → 0.5×10; 120% > 110
    ),
    Case(
        "share × F of the unit's category: b worth 20, 95% → 0.8×20",
        {**BD, "weights": {"a": 10, "b": 20}},
        {"u1": 95, "u3": 95},
        {"u1": 8, "u3": 16},
        units={"u1": "a", "u3": "b"},
    ),
]


@pytest.mark.parametrize("case", params(BANDS))
def test_it_scores_bands_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- rank_table

RT: dict[str, Any] = {
    "weights": 60,
    "rule": {"type": "rank_table", "points": [60, 57, 54, 51, 48], "rest": 45},
}
P4: dict[str, Any] = {"weights": 10, "rule": {"type": "rank_table", "points": [10, 8, 6, 4]}}
RANK_TABLE = [
    Case(
        "docs: ties shared 1,2,2,4,5,6; rank 6 beyond the table gets rest",
        RT,
        {"u1": 90, "u2": 85, "u3": 85, "u4": 80, "u5": 70, "u6": 60},
        {"u1": 60, "u2": 57, "u3": 57, "u4": 51, "u5": 48, "u6": 45},
    ),
    Case(
        "ties average: u2,u3 occupy places 2,3: (57+54)/2",
        {**RT, "rule": {**RT["rule"], "ties": "average"}},
        {"u1": 90, "u2": 85, "u3": 85, "u4": 80},
        {"u1": 60, "u2": 55.5, "u3": 55.5, "u4": 51},
    ),
    Case(
        "ties average, three-way: (10+8+6)/3 = 8",
        {**P4, "rule": {**P4["rule"], "ties": "average"}},
        {"u1": 9, "u2": 9, "u3": 9, "u4": 5},
        {"u1": 8, "u2": 8, "u3": 8, "u4": 4},
    ),
    Case(
        "ties average reaching past the table: places 2,3 → (8 + rest 0)/2",
        {"weights": 10, "rule": {"type": "rank_table", "points": [10, 8], "ties": "average"}},
        {"u1": 5, "u2": 3, "u3": 3},
        {"u1": 10, "u2": 4, "u3": 4},
    ),
    Case(
        "shares × F, rest 1 in points",
        {"weights": 10, "rule": {"type": "rank_table", "shares": [1, 0.8, 0.6], "rest": 1}},
        {"u1": 9, "u2": 8, "u3": 7, "u4": 6},
        {"u1": 10, "u2": 8, "u3": 6, "u4": 1},
    ),
    Case(
        "shares × F of the category: a F=10, b F=20",
        {"weights": {"a": 10, "b": 20}, "rule": {"type": "rank_table", "shares": [1, 0.8]}},
        {"u1": 9, "u2": 8, "u3": 5, "u4": 7},
        {"u1": 10, "u2": 8, "u3": 16, "u4": 20},  # b: u4 first (20), u3 second (0.8×20)
        units=AB,
    ),
    Case(
        "lower is better: 1 best, 2 second, 3 third",
        {**P4, "direction": "lower"},
        {"u1": 3, "u2": 1, "u3": 2},
        {"u1": 6, "u2": 10, "u3": 8},
    ),
    Case(
        "peers category: each category ranked apart",
        P4,
        {"u1": 9, "u2": 5, "u3": 7, "u4": 3},
        {"u1": 10, "u2": 8, "u3": 10, "u4": 8},
        units=AB,
    ),
    Case(
        "peers all: 9,7,5,3 ranked together",
        {**P4, "rule": {**P4["rule"], "peers": "all"}},
        {"u1": 9, "u2": 5, "u3": 7, "u4": 3},
        {"u1": 10, "u2": 6, "u3": 8, "u4": 4},
        units=AB,
    ),
    Case(
        "a unit with no value is no peer: u3 ranks 2nd, not 3rd",
        {**P4, "missing": "zero"},
        {"u1": 9, "u2": None, "u3": 7},
        {"u1": 10, "u2": 0, "u3": 8},
        flags={"u2": {"missing", "zero_filled"}},
    ),
]


@pytest.mark.parametrize("case", params(RANK_TABLE))
def test_it_scores_rank_table_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- rank_step

RS = {"weights": 10, "rule": {"type": "rank_step", "step": 0.5, "floor": 8}}
RANK_STEP = [
    Case(
        "docs: 10 − 0.5×(rank−1), ties shared, 7.5 floored at 8",
        RS,
        {"u1": 9, "u2": 7, "u3": 7, "u4": 5, "u5": 3, "u6": 1},
        {"u1": 10, "u2": 9.5, "u3": 9.5, "u4": 8.5, "u5": 8, "u6": 8},
        flags={"u5": set(), "u6": {"floored"}},
    ),
    Case(
        "default floor 0: step 4: 10, 6, 2, −2 → 0",
        {"weights": 10, "rule": {"type": "rank_step", "step": 4}},
        {"u1": 4, "u2": 3, "u3": 2, "u4": 1},
        {"u1": 10, "u2": 6, "u3": 2, "u4": 0},
        flags={"u4": {"floored"}},
    ),
    Case(
        "top 9 instead of F: 9, 8, 7",
        {"weights": 10, "rule": {"type": "rank_step", "step": 1, "top": 9}},
        {"u1": 5, "u2": 4, "u3": 3},
        {"u1": 9, "u2": 8, "u3": 7},
    ),
    Case(
        "lower is better: 1 first, 2 second, 3 third",
        {"weights": 10, "direction": "lower", "rule": {"type": "rank_step", "step": 1}},
        {"u1": 1, "u2": 3, "u3": 2},
        {"u1": 10, "u2": 8, "u3": 9},
    ),
    Case(
        "peers category vs all: category ranks 1,2 in each",
        {"weights": 10, "rule": {"type": "rank_step", "step": 1}},
        {"u1": 9, "u2": 5, "u3": 7, "u4": 3},
        {"u1": 10, "u2": 9, "u3": 10, "u4": 9},
        units=AB,
    ),
    Case(
        "peers all: ranks 1,3,2,4",
        {"weights": 10, "rule": {"type": "rank_step", "step": 1, "peers": "all"}},
        {"u1": 9, "u2": 5, "u3": 7, "u4": 3},
        {"u1": 10, "u2": 8, "u3": 9, "u4": 7},
        units=AB,
    ),
]


@pytest.mark.parametrize("case", params(RANK_STEP))
def test_it_scores_rank_step_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- ratio_to_best

RB = {"weights": 10, "rule": {"type": "ratio_to_best"}}
RATIO_TO_BEST = [
    Case(
        "docs: 10×200/200, 10×150/200, 10×50/200",
        RB,
        {"u1": 200, "u2": 150, "u3": 50},
        {"u1": 10, "u2": 7.5, "u3": 2.5},
    ),
    Case(
        "lower is better: best 20: 10×20/40, 10×20/50",
        {**RB, "direction": "lower"},
        {"u1": 20, "u2": 40, "u3": 50},
        {"u1": 10, "u2": 5, "u3": 4},
    ),
    Case(
        "a negative value under a positive best: 10×(−20)/100 = −2 → 0",
        RB,
        {"u1": 100, "u2": -20},
        {"u1": 10, "u2": 0},
        flags={"u2": {"floored"}},
    ),
    Case(
        "peers category: best a 100, best b 40",
        RB,
        {"u1": 100, "u2": 50, "u3": 40, "u4": 20},
        {"u1": 10, "u2": 5, "u3": 10, "u4": 5},
        units=AB,
    ),
    Case(
        "peers all: best 100: 10, 5, 4, 2",
        {**RB, "rule": {"type": "ratio_to_best", "peers": "all"}},
        {"u1": 100, "u2": 50, "u3": 40, "u4": 20},
        {"u1": 10, "u2": 5, "u3": 4, "u4": 2},
        units=AB,
    ),
]


@pytest.mark.parametrize("case", params(RATIO_TO_BEST))
def test_it_scores_ratio_to_best_by_the_definition(case: Case) -> None:
    check(case)


@pytest.mark.parametrize(
    ("direction", "values"),
    [
        pytest.param("higher", {"u1": 0, "u2": -5}, id="higher: best 0"),
        pytest.param("higher", {"u1": -1, "u2": -5}, id="higher: best −1"),
        pytest.param("higher", {"u1": 0, "u2": 0}, id="higher: all 0"),
        pytest.param("lower", {"u1": -1, "u2": 5}, id="lower: a negative value"),
    ],
)
def test_it_refuses_ratio_to_best_without_a_meaningful_best(
    direction: str, values: dict[str, float]
) -> None:
    case = Case("err", {**RB, "direction": direction}, values, {})
    scheme = build(case)
    data = dataset(case, scheme)
    with pytest.raises(ComputationError) as info:
        assess(scheme, data)
    assert any(i.path == "indicators.x" for i in info.value.issues), info.value


# --------------------------------------------------------------------------- efficacy

EF = {"weights": 20, "rule": {"type": "efficacy", "satisfactory": 100, "unacceptable": 50}}
EFFICACY = [
    Case(
        "docs: s 100, u 50: 116 capped at 100; 84 → 16.8; 44 floored at 60",
        EF,
        {"u1": 120, "u2": 100, "u3": 80, "u4": 50, "u5": 30},
        {"u1": 20, "u2": 20, "u3": 16.8, "u4": 12, "u5": 12},
        flags={"u1": {"capped"}, "u3": set(), "u5": {"floored"}},
    ),
    Case(
        "peer defaults: s = best 50, u = worst 10: scores 60, 70, 80, 100",
        {"weights": 20, "rule": {"type": "efficacy"}},
        {"u1": 10, "u2": 20, "u3": 30, "u4": 50},
        {"u1": 12, "u2": 14, "u3": 16, "u4": 20},  # 20 × score/100
    ),
    Case(
        "peer defaults, lower is better: s = 10, u = 50: scores 100, 90, 60",
        {"weights": 20, "direction": "lower", "rule": {"type": "efficacy"}},
        {"u1": 10, "u2": 20, "u3": 50},
        # u2: 60 + 40 × (20 − 50)/(10 − 50) = 60 + 40 × 0.75 = 90 → 20 × 0.9
        {"u1": 20, "u2": 18, "u3": 12},
    ),
    Case(
        "s = u (all peers equal): everyone base + span",
        {"weights": 20, "rule": {"type": "efficacy"}},
        {"u1": 7, "u2": 7},
        {"u1": 20, "u2": 20},
    ),
    Case(
        "s = u given as numbers: everyone base + span",
        {"weights": 20, "rule": {"type": "efficacy", "satisfactory": 5, "unacceptable": 5}},
        {"u1": 3, "u2": 5, "u3": 9},
        {"u1": 20, "u2": 20, "u3": 20},
    ),
    Case(
        "base 0, span 100: score 25 → 20 × 25/100",
        {
            "weights": 20,
            "rule": {
                "type": "efficacy",
                "satisfactory": 100,
                "unacceptable": 0,
                "base": 0,
                "span": 100,
            },
        },
        {"u1": 25},
        {"u1": 5},
    ),
    Case(
        "satisfactory = target 80, unacceptable 40: 60 → score 80 → 16",
        {
            "weights": 20,
            "target": 80,
            "rule": {"type": "efficacy", "satisfactory": "target", "unacceptable": 40},
        },
        {"u1": 60},
        {"u1": 16},
    ),
    Case(
        "satisfactory = peer_average 40, u = worst 20: 60 → 140 capped at 100",
        {"weights": 20, "rule": {"type": "efficacy", "satisfactory": "peer_average"}},
        {"u1": 20, "u2": 40, "u3": 60},
        {"u1": 12, "u2": 20, "u3": 20},
        flags={"u3": {"capped"}},
    ),
    Case(
        "peers category: each category's worst 60, best 100",
        {"weights": 20, "rule": {"type": "efficacy"}},
        {"u1": 10, "u2": 30, "u3": 20, "u4": 40},
        {"u1": 12, "u2": 20, "u3": 12, "u4": 20},
        units=AB,
    ),
    Case(
        "peers all: s 40, u 10: 30 → 86.67, 20 → 73.33",
        {"weights": 20, "rule": {"type": "efficacy", "peers": "all"}},
        {"u1": 10, "u2": 30, "u3": 20, "u4": 40},
        # u2: 60 + 40×20/30 = 86.666…, × 20/100; u3: 60 + 40×10/30 = 73.333…, × 20/100
        {
            "u1": 12,
            "u2": 20 * (60 + 40 * 20 / 30) / 100,
            "u3": 20 * (60 + 40 * 10 / 30) / 100,
            "u4": 20,
        },
        units=AB,
    ),
]


@pytest.mark.parametrize("case", params(EFFICACY))
def test_it_scores_efficacy_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- rank_improvement

RI_DOC = {"rule": {"type": "rank_improvement", "rate": 1, "cap": 2, "fall_rate": 0.5, "floor": -1}}
MOVES = {  # now ranks 1,2,3,4; last year 4,3,2,1: gains +3, +1, −1, −3
    "values": {"u1": 40, "u2": 30, "u3": 20, "u4": 10},
    "previous": {"u1": 10, "u2": 20, "u3": 30, "u4": 40},
}
RANK_IMPROVEMENT = [
    Case(
        "docs: 4th→1st 3×1 capped 2; unchanged 0; 1st→4th −1.5 floored −1",
        {**RI_DOC, "previous": {"u1": 50, "u2": 95, "u3": 60, "u4": 100}},
        {"u1": 90, "u2": 80, "u3": 70, "u4": 60},
        {"u1": 2, "u2": 0, "u3": 0, "u4": -1},
        flags={"u1": {"capped"}, "u2": set(), "u4": {"floored"}},
        score={"u1": 12, "u4": 9},  # bonus added to base10's 10 points
    ),
    Case(
        "rate 0.5, no fall_rate: +3 → 1.5, +1 → 0.5, losses → floor 0",
        {"previous": MOVES["previous"], "rule": {"type": "rank_improvement", "rate": 0.5}},
        MOVES["values"],
        {"u1": 1.5, "u2": 0.5, "u3": 0, "u4": 0},
    ),
    Case(
        "fall_rate 0.5 without floor: no floor: −1 → −0.5, −3 → −1.5",
        {
            "previous": MOVES["previous"],
            "rule": {"type": "rank_improvement", "rate": 1, "fall_rate": 0.5},
        },
        MOVES["values"],
        {"u1": 3, "u2": 1, "u3": -0.5, "u4": -1.5},
    ),
    Case(
        "kind base, weight 5: cap defaults to F: 3×2 = 6 → 5; 2; losses 0",
        {
            "weights": 5,
            "kind": "base",
            "previous": MOVES["previous"],
            "rule": {"type": "rank_improvement", "rate": 2},
        },
        MOVES["values"],
        {"u1": 5, "u2": 2, "u3": 0, "u4": 0},
        flags={"u1": {"capped"}},
    ),
    Case(
        "shared ranks both years: now 1,1,3; last year 3,2,1",
        {
            "previous": {"u1": 40, "u2": 50, "u3": 60},
            "rule": {"type": "rank_improvement", "rate": 1, "fall_rate": 1},
        },
        {"u1": 50, "u2": 50, "u3": 40},
        {"u1": 2, "u2": 1, "u3": -2},
    ),
    Case(
        "lower is better: now 1,2; last year 2,1",
        {
            "direction": "lower",
            "previous": {"u1": 5, "u2": 3},
            "rule": {"type": "rank_improvement", "rate": 1},
        },
        {"u1": 1, "u2": 2},
        {"u1": 1, "u2": 0},
    ),
    Case(
        "peers category: alone in its category, no place to gain",
        {
            "previous": {"u1": 20, "u3": 10},
            "rule": {"type": "rank_improvement", "rate": 1, "fall_rate": 1},
        },
        {"u1": 10, "u3": 20},
        {"u1": 0, "u3": 0},
        units={"u1": "a", "u3": "b"},
    ),
    Case(
        "peers all: u3 overtakes u1",
        {
            "previous": {"u1": 20, "u3": 10},
            "rule": {"type": "rank_improvement", "rate": 1, "fall_rate": 1, "peers": "all"},
        },
        {"u1": 10, "u3": 20},
        {"u1": -1, "u3": 1},
        units={"u1": "a", "u3": "b"},
    ),
]


@pytest.mark.parametrize("case", params(RANK_IMPROVEMENT))
def test_it_scores_rank_improvement_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- count_deduction

CD_RULE = {
    "type": "count_deduction",
    "levels": {"warning": 2, "demerit": 4, "criminal": 12},
    "multipliers": {"member": 2},
    "cap": 10,
}
CD = {"rule": CD_RULE}
KB: dict[str, Any] = {
    "weights": 10,
    "kind": "base",
    "rule": {"type": "count_deduction", "levels": {"minor": 1, "major": 3}},
}
COUNT_DEDUCTION = [
    Case(
        "docs: −2; −(2 + 2×2); 12 capped at 10; nothing",
        CD,
        {
            "u1": {"x:warning": 1},
            "u2": {"x:warning": 1, "x:warning:member": 1},
            "u3": {"x:criminal": 1},
            "u4": {"x:warning": None},
        },
        {"u1": -2, "u2": -6, "u3": -10, "u4": 0},
        score={"u1": 8, "u2": 4, "u3": 0, "u4": 10},  # base10's 10 points minus the deduction
    ),
    Case(
        "several levels: 2×2 + 1×4 = 8; member demerit 4×2 = 8",
        CD,
        {"u1": {"x:warning": 2, "x:demerit": 1}, "u2": {"x:demerit:member": 1}},
        {"u1": -8, "u2": -8},
    ),
    Case(
        "per_count 1.5, no cap: 3 × 1.5",
        {"rule": {"type": "count_deduction", "per_count": 1.5}},
        {"u1": 3, "u2": 0, "u3": 10},
        {"u1": -4.5, "u2": 0, "u3": -15},
    ),
    Case(
        "kind base: 10 − (2×1 + 1×3) = 5; 10 − 12 floored at 0",
        KB,
        {"u1": {"x:minor": 2, "x:major": 1}, "u2": {"x:major": 4}, "u3": {"x:minor": 0}},
        {"u1": 5, "u2": 0, "u3": 10},
        flags={"u1": set(), "u2": {"floored"}},
    ),
    Case(
        "kind base, cap 4: 10 − 6 = 4, but not below 10 − 4 = 6",
        {**KB, "rule": {**KB["rule"], "cap": 4}},
        {"u1": {"x:major": 2}, "u2": {"x:minor": 3}},
        {"u1": 6, "u2": 7},
    ),
    Case(
        "kind base, floor 3: 10 − 9 = 1 floored at 3",
        {**KB, "rule": {**KB["rule"], "floor": 3}},
        {"u1": {"x:major": 3}, "u2": {"x:major": 2}},
        {"u1": 3, "u2": 4},
        flags={"u1": {"floored"}},
    ),
    Case(
        "kind base, per_count 2: 10 − 3×2",
        {"weights": 10, "kind": "base", "rule": {"type": "count_deduction", "per_count": 2}},
        {"u1": 3},
        {"u1": 4},
    ),
]


@pytest.mark.parametrize("case", params(COUNT_DEDUCTION))
def test_it_scores_count_deduction_by_the_definition(case: Case) -> None:
    check(case)


def test_it_flags_a_capped_deduction() -> None:
    """Deduction 12 capped at 10: the clamp is stated (as capped or, on points, floored)."""
    res = check(Case("cap", CD, {"u1": {"x:criminal": 1}}, {"u1": -10}))
    flags = next(e for e in res.explain("u1").indicators if e.indicator == "x").flags
    assert {"capped", "floored"} & set(flags), flags


# --------------------------------------------------------------------------- bonus_items

BI_RULE = {"type": "bonus_items", "levels": {"national": 3, "province": 2, "city": 1}}
BONUS_ITEMS = [
    Case(
        "docs: 3; 2×2 + 1; 2×3 = 6 capped at 5; none",
        {"rule": {**BI_RULE, "cap": 5}},
        {
            "u1": {"x:national": 1},
            "u2": {"x:province": 2, "x:city": 1},
            "u3": {"x:national": 2},
            "u4": {"x:city": None},
        },
        {"u1": 3, "u2": 5, "u3": 5, "u4": 0},
        flags={"u1": set(), "u3": {"capped"}},
        score={"u1": 13, "u3": 15, "u4": 10},  # added to base10's 10 points
    ),
    Case(
        "no cap: 2×3 + 1 = 7",
        {"rule": BI_RULE},
        {"u1": {"x:national": 2, "x:city": 1}},
        {"u1": 7},
    ),
    Case(
        "evidence_required: a bonus with its evidence note counts",
        {"rule": {**BI_RULE, "evidence_required": True}},
        {"u1": {"x:national": 1}, "u2": {"x:city": None}},
        {"u1": 3, "u2": 0},
        notes={("u1", "x"): "国务院表彰文件"},
    ),
    Case(
        "a cap on the dimension holding all bonus items: 3 + 3 = 6 → 4",
        {"parent": "bonus", "rule": BI_RULE},
        {"u1": {"x:national": 1, "y:national": 1}},
        {"u1": 3},
        indicators={"y": {"name": "另一加分项", "parent": "bonus", "rule": BI_RULE}},
        scheme={"dimensions": {"bonus": {"name": "加分", "cap": 4}}},
        score={"u1": 14},  # 10 + min(3 + 3, 4)
    ),
]


@pytest.mark.parametrize("case", params(BONUS_ITEMS))
def test_it_scores_bonus_items_by_the_definition(case: Case) -> None:
    check(case)


def test_it_refuses_a_bonus_without_evidence_when_evidence_is_required() -> None:
    case = Case(
        "err", {"rule": {**BI_RULE, "evidence_required": True}}, {"u1": {"x:national": 1}}, {}
    )
    with pytest.raises(DataError) as info:
        run(case)
    (issue,) = info.value.issues
    assert issue.row == 2, issue  # u1 is the first data row
    assert issue.column is not None, issue
    assert "x:national" in issue.column, issue


# --------------------------------------------------------------------------- judgement

JUDGEMENT = [
    Case(
        "docs: no deduction 10; 10 − 2; 10 − 12 floored at 0",
        {"weights": 10, "rule": {"type": "judgement"}},
        {"u1": None, "u2": 2, "u3": 12},
        {"u1": 10, "u2": 8, "u3": 0},
        notes={("u2", "x"): "材料报送迟延", ("u3", "x"): "重大工作失误"},
        flags={"u1": set(), "u2": set(), "u3": {"floored"}},
    ),
    Case(
        "max_deduction 3: 10 − 5 not below 10 − 3",
        {"weights": 10, "rule": {"type": "judgement", "max_deduction": 3}},
        {"u1": 5, "u2": 1},
        {"u1": 7, "u2": 9},
        notes={("u1", "x"): "理由", ("u2", "x"): "理由"},
        flags={"u1": {"floored"}},
    ),
    Case(
        "reason_required false: a deduction without a note",
        {"weights": 10, "rule": {"type": "judgement", "reason_required": False}},
        {"u1": 2},
        {"u1": 8},
    ),
    Case(
        "an empty cell is never missing, even with missing: error",
        {"weights": 10, "missing": "error", "rule": {"type": "judgement"}},
        {"u1": None},
        {"u1": 10},
        flags={"u1": set()},
    ),
    Case(
        "F by category: b worth 20: 20 − 5",
        {"weights": {"a": 10, "b": 20}, "rule": {"type": "judgement"}},
        {"u1": 5, "u3": 5},
        {"u1": 5, "u3": 15},
        units={"u1": "a", "u3": "b"},
        notes={("u1", "x"): "理由", ("u3", "x"): "理由"},
    ),
]


@pytest.mark.parametrize("case", params(JUDGEMENT))
def test_it_scores_judgement_by_the_definition(case: Case) -> None:
    check(case)


def test_it_refuses_a_judgement_deduction_without_a_reason() -> None:
    case = Case("err", {"weights": 10, "rule": {"type": "judgement"}}, {"u1": 2}, {})
    with pytest.raises(DataError) as info:
        run(case)
    (issue,) = info.value.issues
    assert issue.row == 2, issue
    assert issue.column is not None, issue
    assert "x" in issue.column, issue


# --------------------------------------------------------------------------- veto

G2 = {
    "grading": {
        "grades": [
            {"id": "excellent", "name": "优秀", "quota": {"share": 0.5}},
            {"id": "fair", "name": "一般"},
        ]
    }
}
G3 = {
    "grading": {
        "grades": [
            {"id": "excellent", "name": "优秀"},
            {"id": "good", "name": "良好"},
            {"id": "fair", "name": "一般"},
        ]
    }
}
VETO = [
    Case(
        "docs: void → score 0, last grade; empty not triggered; quota of 2 by id",
        {"rule": {"type": "veto", "effect": "void"}},
        {"u1": "是", "u2": "否", "u3": None, "u4": "0"},
        {"u1": 0, "u2": 0, "u3": 0, "u4": 0},
        scheme=G2,
        flags={"u1": {"vetoed"}, "u2": set()},
        score={"u1": 0, "u2": 10, "u3": 10, "u4": 10},
        grade={"u1": "fair", "u2": "excellent", "u3": "excellent", "u4": "fair"},
        rank_in_category={"u1": 4, "u2": 1},
    ),
    Case(
        "void reads 1; a void score is ranked after a real score of 0",
        {"rule": {"type": "veto"}},
        # u2's base10 judgement deducts 10: score 0 too, but u1 (void) is ranked last
        {"u1": {"x": "1"}, "u2": {"x": "0", "base10": 10}},
        {"u1": 0, "u2": 0},
        notes={("u2", "base10"): "理由"},
        scheme=G2,
        score={"u1": 0, "u2": 0},
        rank_in_category={"u1": 2, "u2": 1},
        grade={"u1": "fair"},
    ),
    Case(
        "bar_top keeps the points but bars the top grade",
        {"rule": {"type": "veto", "effect": "bar_top"}},
        {"u1": "是", "u2": "否"},
        {"u1": 0, "u2": 0},
        scheme=G3,
        score={"u1": 10, "u2": 10},
        grade={"u1": "good", "u2": "excellent"},
    ),
    Case(
        "max_grade fair caps the grade there",
        {"rule": {"type": "veto", "effect": "max_grade", "max_grade": "fair"}},
        {"u1": "是", "u2": None},
        {"u1": 0, "u2": 0},
        scheme=G3,
        score={"u1": 10, "u2": 10},
        grade={"u1": "fair", "u2": "excellent"},
    ),
]


@pytest.mark.parametrize("case", params(VETO))
def test_it_applies_veto_by_the_definition(case: Case) -> None:
    check(case)


def test_it_records_a_triggered_veto_in_the_explanation() -> None:
    res = check(Case("v", {"rule": {"type": "veto"}}, {"u1": "是", "u2": "否"}, {}))
    assert res.explain("u1").void is True
    assert res.explain("u1").vetoes
    assert res.explain("u2").void is False
    assert not res.explain("u2").vetoes


# --------------------------------------------------------------------------- time_progress

TP_RULE = {
    "type": "time_progress",
    "start": "2024-01-01",
    "end": "2024-12-31",
    "as_of": "2024-07-01",
}
TP = {"weights": 10, "target": 1000, "rule": TP_RULE}
TIME_PROGRESS = [
    Case(
        "docs: 183/366 days → expected 500: 1.2 capped, 0.8, 0.5",
        TP,
        {"u1": 600, "u2": 400, "u3": 250},
        {"u1": 10, "u2": 8, "u3": 5},
        flags={"u1": {"capped"}, "u2": set()},
    ),
    Case(
        "cap_ratio 1.2: 650/500 = 1.3 → 1.2 × 10",
        {**TP, "rule": {**TP_RULE, "cap_ratio": 1.2}},
        {"u1": 650, "u2": 550},
        {"u1": 12, "u2": 11},
    ),
    Case(
        "scoring met: 500/500 met; 499 not; else_points 3",
        {**TP, "rule": {**TP_RULE, "scoring": "met", "else_points": 3}},
        {"u1": 500, "u2": 499, "u3": 900},
        {"u1": 10, "u2": 3, "u3": 10},
    ),
    Case(
        "scoring met, default else_points 0",
        {**TP, "rule": {**TP_RULE, "scoring": "met"}},
        {"u1": 499},
        {"u1": 0},
    ),
    Case(
        "as_of after end: elapsed 1, expected 1000: 800 → 8",
        {**TP, "rule": {**TP_RULE, "as_of": "2025-03-01"}},
        {"u1": 800, "u2": 1000},
        {"u1": 8, "u2": 10},
    ),
    Case(
        "as_of before start: elapsed 0, expected 0: any progress is on track",
        {**TP, "rule": {**TP_RULE, "as_of": "2023-12-01"}},
        {"u1": 100},
        {"u1": 10},
    ),
    Case(
        "as_of = start: 1/366 day: 1/(1000/366) × 10 = 3.66",
        {**TP, "rule": {**TP_RULE, "as_of": "2024-01-01"}},
        {"u1": 1},
        {"u1": 3.66},
    ),
    Case(
        "as_of from period.as_of 2024-04-01: 92/366 days",
        {**TP, "rule": {k: v for k, v in TP_RULE.items() if k != "as_of"}},
        {"u1": 200},
        {"u1": 10 * 200 / (1000 * 92 / 366)},  # 31 + 29 + 31 + 1 = 92 days
        scheme={"period": {"as_of": "2024-04-01"}},
    ),
    Case(
        "a common year: 2023-03-31 is 90/365 days; t 365 → expected 90; 45 → 0.5",
        {
            "weights": 10,
            "target": 365,
            "rule": {
                "type": "time_progress",
                "start": "2023-01-01",
                "end": "2023-12-31",
                "as_of": "2023-03-31",
            },
        },
        {"u1": 45},
        {"u1": 5},
    ),
]


@pytest.mark.parametrize("case", params(TIME_PROGRESS))
def test_it_scores_time_progress_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- rescale

RE = {"weights": 10, "rule": {"type": "rescale", "from": [0, 100], "to": [6, 10]}}
RESCALE = [
    Case(
        "docs: [0,100] → [6,10]: 10, 6 + 4×0.5, 6",
        RE,
        {"u1": 100, "u2": 50, "u3": 0},
        {"u1": 10, "u2": 8, "u3": 6},
    ),
    Case(
        "to defaults to [0, F]: 75 → 7.5",
        {"weights": 10, "rule": {"type": "rescale"}},
        {"u1": 75},
        {"u1": 7.5},
    ),
    Case(
        "from [60,100]: 80 → 5; 50 clamped to 0; 110 clamped to 10",
        {"weights": 10, "rule": {"type": "rescale", "from": [60, 100]}},
        {"u1": 80, "u2": 50, "u3": 110},
        {"u1": 5, "u2": 0, "u3": 10},
        flags={"u1": set(), "u2": {"floored"}, "u3": {"capped"}},
    ),
    Case(
        "lower is better: fraction reversed: 0 → 10, 25 → 6 + 4×0.75, 100 → 6",
        {**RE, "direction": "lower"},
        {"u1": 0, "u2": 25, "u3": 100},
        {"u1": 10, "u2": 9, "u3": 6},
    ),
    Case(
        "to defaults to [0, F] of the category: b F=20: 50 → 10",
        {"weights": {"a": 10, "b": 20}, "rule": {"type": "rescale"}},
        {"u1": 50, "u3": 50},
        {"u1": 5, "u3": 10},
        units={"u1": "a", "u3": "b"},
    ),
]


@pytest.mark.parametrize("case", params(RESCALE))
def test_it_scores_rescale_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- minmax

MM = {"weights": 10, "rule": {"type": "minmax"}}
MINMAX = [
    Case(
        "docs: min 10, max 50: 0, 10×10/40, 10×20/40, 10",
        MM,
        {"u1": 10, "u2": 20, "u3": 30, "u4": 50},
        {"u1": 0, "u2": 2.5, "u3": 5, "u4": 10},
    ),
    Case(
        "lower is better: (max − x)/(max − min)",
        {**MM, "direction": "lower"},
        {"u1": 10, "u2": 20, "u3": 30, "u4": 50},
        {"u1": 10, "u2": 7.5, "u3": 5, "u4": 0},
    ),
    Case(
        "all peers equal: fraction 1",
        MM,
        {"u1": 7, "u2": 7},
        {"u1": 10, "u2": 10},
    ),
    Case(
        "to [4,10]: 4 + 6×0.25",
        {"weights": 10, "rule": {"type": "minmax", "to": [4, 10]}},
        {"u1": 10, "u2": 20, "u3": 50},
        {"u1": 4, "u2": 5.5, "u3": 10},
    ),
    Case(
        "peers category: a [0,10], b [20,40]",
        MM,
        {"u1": 0, "u2": 10, "u3": 20, "u4": 40},
        {"u1": 0, "u2": 10, "u3": 0, "u4": 10},
        units=AB,
    ),
    Case(
        "peers all: [0,40]",
        {"weights": 10, "rule": {"type": "minmax", "peers": "all"}},
        {"u1": 0, "u2": 10, "u3": 20, "u4": 40},
        {"u1": 0, "u2": 2.5, "u3": 5, "u4": 10},
        units=AB,
    ),
]


@pytest.mark.parametrize("case", params(MINMAX))
def test_it_scores_minmax_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- zscore

ZS: dict[str, Any] = {"weights": 100, "rule": {"type": "zscore", "mean": 50, "sd": 10}}
SD_1236 = math.sqrt(14 / 3)  # values 1,2,3,6: mean 3, squares 4+1+0+9 = 14, sample var 14/3
ZSCORE = [
    Case(
        "docs: mean 4, sd 2: z −1, 0, 1 → 40, 50, 60",
        ZS,
        {"u1": 2, "u2": 4, "u3": 6},
        {"u1": 40, "u2": 50, "u3": 60},
    ),
    Case(
        "defaults mean 0, sd 1, sample sd √(14/3)",
        {"weights": 100, "rule": {"type": "zscore"}},
        {"u1": 1, "u2": 2, "u3": 3, "u4": 6},
        {"u1": -2 / SD_1236, "u2": -1 / SD_1236, "u3": 0, "u4": 3 / SD_1236},
    ),
    Case(
        "lower is better: z negated",
        {**ZS, "direction": "lower"},
        {"u1": 2, "u2": 4, "u3": 6},
        {"u1": 60, "u2": 50, "u3": 40},
    ),
    Case(
        "sd 0: z = 0 → mean",
        ZS,
        {"u1": 5, "u2": 5},
        {"u1": 50, "u2": 50},
    ),
    Case(
        "unbounded: F 10, yet 40, 50, 60",
        {**ZS, "weights": 10},
        {"u1": 2, "u2": 4, "u3": 6},
        {"u1": 40, "u2": 50, "u3": 60},
    ),
    Case(
        "peers category: a (2,4) mean 3 sd √2; b (10,30) mean 20 sd √200",
        ZS,
        {"u1": 2, "u2": 4, "u3": 10, "u4": 30},
        {
            "u1": 50 - 10 / math.sqrt(2),
            "u2": 50 + 10 / math.sqrt(2),
            "u3": 50 - 10 * 10 / math.sqrt(200),
            "u4": 50 + 10 * 10 / math.sqrt(200),
        },
        units=AB,
    ),
    Case(
        "peers all: (2,4,10,30) mean 11.5, squares 90.25+56.25+2.25+342.25 = 491, var 491/3",
        {**ZS, "rule": {**ZS["rule"], "peers": "all"}},
        {"u1": 2, "u2": 4, "u3": 10, "u4": 30},
        {
            u: 50 + 10 * (v - 11.5) / math.sqrt(491 / 3)
            for u, v in {"u1": 2, "u2": 4, "u3": 10, "u4": 30}.items()
        },
        units=AB,
    ),
]


@pytest.mark.parametrize("case", params(ZSCORE))
def test_it_scores_zscore_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- goalposts

GP: dict[str, Any] = {"weights": 10, "rule": {"type": "goalposts", "lower": 0, "upper": 50}}
GOALPOSTS = [
    Case(
        "docs: 25 half way; 60 truncated to 1; −5 truncated to 0",
        GP,
        {"u1": 25, "u2": 60, "u3": -5},
        {"u1": 5, "u2": 10, "u3": 0},
    ),
    Case(
        "truncate false: 60 → 1.2 × 10; −5 → −0.1 × 10",
        {"weights": 10, "rule": {**GP["rule"], "truncate": False}},
        {"u1": 60, "u2": -5},
        {"u1": 12, "u2": -1},
    ),
    Case(
        "lower is better: (50 − 10)/50 = 0.8; 60 → 0; −5 → 1",
        {**GP, "direction": "lower"},
        {"u1": 10, "u2": 60, "u3": -5},
        {"u1": 8, "u2": 0, "u3": 10},
    ),
    Case(
        "to [2,10]: 2 + 8×0.5",
        {"weights": 10, "rule": {**GP["rule"], "to": [2, 10]}},
        {"u1": 25},
        {"u1": 6},
    ),
]


@pytest.mark.parametrize("case", params(GOALPOSTS))
def test_it_scores_goalposts_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- distance_to_target

DT = {"weights": 10, "target": 80, "rule": {"type": "distance_to_target"}}
DISTANCE_TO_TARGET = [
    Case(
        "docs: worst 20: 0; 30/60; 1; 80/60 capped at 1",
        DT,
        {"u1": 20, "u2": 50, "u3": 80, "u4": 100},
        {"u1": 0, "u2": 5, "u3": 10, "u4": 10},
    ),
    Case(
        "cap false: 100 → 80/60 × 10",
        {**DT, "rule": {"type": "distance_to_target", "cap": False}},
        {"u1": 20, "u2": 100},
        {"u1": 0, "u2": 10 * 80 / 60},
    ),
    Case(
        "lower is better: t 20, worst = highest 80: (50−80)/(20−80) = 0.5; 10 capped",
        {**DT, "target": 20, "direction": "lower"},
        {"u1": 80, "u2": 50, "u3": 20, "u4": 10},
        {"u1": 0, "u2": 5, "u3": 10, "u4": 10},
    ),
    Case(
        "t = worst: fraction 1 for everyone",
        {**DT, "target": 20},
        {"u1": 20, "u2": 30, "u3": 40},
        {"u1": 10, "u2": 10, "u3": 10},
    ),
    Case(
        "to [4,10]: 4 + 6×0.5",
        {**DT, "rule": {"type": "distance_to_target", "to": [4, 10]}},
        {"u1": 20, "u2": 50},
        {"u1": 4, "u2": 7},
    ),
    Case(
        "peers category: worst a 20, worst b 40",
        DT,
        {"u1": 20, "u2": 50, "u3": 40, "u4": 80},
        {"u1": 0, "u2": 5, "u3": 0, "u4": 10},
        units=AB,
    ),
    Case(
        "peers all: worst 20: b's 40 → 20/60",
        {**DT, "rule": {"type": "distance_to_target", "peers": "all"}},
        {"u1": 20, "u2": 50, "u3": 40, "u4": 80},
        {"u1": 0, "u2": 5, "u3": 10 * 20 / 60, "u4": 10},
        units=AB,
    ),
]


@pytest.mark.parametrize("case", params(DISTANCE_TO_TARGET))
def test_it_scores_distance_to_target_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- rank_percentile

RP = {"weights": 9, "rule": {"type": "rank_percentile"}}
RANK_PERCENTILE = [
    Case(
        "docs: 0/3, 1/3 (tied), 3/3",
        RP,
        {"u1": 10, "u2": 20, "u3": 20, "u4": 40},
        {"u1": 0, "u2": 3, "u3": 3, "u4": 9},
    ),
    Case(
        "a single peer: fraction 1",
        RP,
        {"u1": 5},
        {"u1": 9},
    ),
    Case(
        "lower is better: 10 has 2 of 2 worse; 20 has 1; 40 none",
        {**RP, "direction": "lower"},
        {"u1": 10, "u2": 20, "u3": 40},
        {"u1": 9, "u2": 4.5, "u3": 0},
    ),
    Case(
        "to [1,9]: 1, 1 + 8×0.5, 9",
        {"weights": 9, "rule": {"type": "rank_percentile", "to": [1, 9]}},
        {"u1": 10, "u2": 20, "u3": 30},
        {"u1": 1, "u2": 5, "u3": 9},
    ),
    Case(
        "peers category: each category 0 and 1",
        RP,
        {"u1": 10, "u2": 30, "u3": 20, "u4": 40},
        {"u1": 0, "u2": 9, "u3": 0, "u4": 9},
        units=AB,
    ),
    Case(
        "peers all: 0/3, 2/3, 1/3, 3/3",
        {"weights": 9, "rule": {"type": "rank_percentile", "peers": "all"}},
        {"u1": 10, "u2": 30, "u3": 20, "u4": 40},
        {"u1": 0, "u2": 6, "u3": 3, "u4": 9},
        units=AB,
    ),
]


@pytest.mark.parametrize("case", params(RANK_PERCENTILE))
def test_it_scores_rank_percentile_by_the_definition(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- missing / N/A

TM10 = {"weights": 10, "target": 5, "rule": {"type": "target_met"}}
MISSING = [
    Case(
        "missing zero: 0 points",
        {**TM10, "missing": "zero"},
        {"u1": 6, "u2": 4, "u3": None},
        {"u1": 10, "u2": 0, "u3": 0},
        flags={"u1": set(), "u3": {"missing", "zero_filled"}},
        score={"u3": 10},
    ),
    Case(
        "missing peer_average: (10 + 0)/2",
        {**TM10, "missing": "peer_average"},
        {"u1": 6, "u2": 4, "u3": None},
        {"u1": 10, "u2": 0, "u3": 5},
        flags={"u3": {"missing", "peer_average"}},
        score={"u3": 15},
    ),
    Case(
        "missing peer_average is the unit's category: a (10+0)/2, b 10/1",
        {**TM10, "missing": "peer_average"},
        {"u1": 6, "u2": 4, "u3": None, "u4": 6, "u5": None},
        {"u1": 10, "u2": 0, "u3": 5, "u4": 10, "u5": 10},
        units={"u1": "a", "u2": "a", "u3": "a", "u4": "b", "u5": "b"},
    ),
    Case(
        "missing renormalise: base10's 7 × (20/10)",
        {**TM10, "missing": "renormalise"},
        {"u1": 6, "u2": {"x": None, "base10": 3}},
        {"u1": 10, "u2": NAN},
        notes={("u2", "base10"): "理由"},
        flags={"u2": {"missing", "renormalised"}},
        score={"u1": 20, "u2": 14},
    ),
    Case(
        "renormalise: worth 20, present 15: (10 + 3) × 20/15",
        {"weights": 5, "target": 5, "missing": "renormalise", "rule": {"type": "target_met"}},
        {"u1": {"x": None, "y": 2}},
        {"u1": NAN},
        notes={("u1", "y"): "理由"},
        indicators={"y": {"name": "评价", "weights": 5, "rule": {"type": "judgement"}}},
        score={"u1": 13 * 20 / 15},
    ),
    Case(
        "renormalise scales base indicators only; a bonus is added after",
        {**TM10, "missing": "renormalise"},
        {"u1": {"x": None, "y:national": 1}},
        {"u1": NAN},
        indicators={"y": {"name": "加分", "rule": BI_RULE}},
        score={"u1": 10 * 20 / 10 + 3},
    ),
    Case(
        "renormalise in a weighted mean: 3×80/3, not (0 + 3×80)/4",
        {
            "weights": 1,
            "target": 5,
            "parent": "d",
            "missing": "renormalise",
            "rule": {"type": "target_met"},
        },
        {"u1": {"x": 6, "y": 20}, "u2": {"x": None, "y": 20}},
        {"u1": 100, "u2": NAN},
        notes={("u1", "y"): "理由", ("u2", "y"): "理由"},
        indicators={
            "y": {"name": "评价", "weights": 3, "parent": "d", "rule": {"type": "judgement"}}
        },
        scheme={"dimensions": {"d": {"name": "D", "aggregation": "mean"}}},
        # u1: (1×100 + 3×80)/4 = 85; u2: 3×80/3 = 80; plus base10's 10 (scale 100)
        score={"u1": 10 + 85, "u2": 10 + 80},
    ),
    Case(
        "N/A default renormalise",
        TM10,
        {"u1": 6, "u2": "N/A"},
        {"u1": 10, "u2": NAN},
        flags={"u2": {"not_applicable", "renormalised"}},
        score={"u1": 20, "u2": 20},
    ),
    Case(
        "不适用 reads as N/A",
        TM10,
        {"u1": 6, "u2": "不适用"},
        {"u1": 10, "u2": NAN},
        flags={"u2": {"not_applicable", "renormalised"}},
        score={"u2": 20},
    ),
    Case(
        "N/A zero",
        {**TM10, "not_applicable": "zero"},
        {"u1": 6, "u2": "N/A"},
        {"u1": 10, "u2": 0},
        flags={"u2": {"not_applicable", "zero_filled"}},
        score={"u2": 10},
    ),
    Case(
        "N/A peer_average: (10 + 0)/2",
        {**TM10, "not_applicable": "peer_average"},
        {"u1": 6, "u2": 4, "u3": "N/A"},
        {"u1": 10, "u2": 0, "u3": 5},
        flags={"u3": {"not_applicable", "peer_average"}},
    ),
    Case(
        "missing items default to zero (no incident)",
        {"rule": BI_RULE},
        {"u1": {"x:national": None}},
        {"u1": 0},
        score={"u1": 10},
    ),
]


@pytest.mark.parametrize("case", params(MISSING))
def test_it_handles_missing_and_not_applicable_by_the_policy(case: Case) -> None:
    check(case)


@pytest.mark.parametrize(
    "indicator",
    [
        pytest.param(TM10, id="default error for a base indicator"),
        pytest.param({**TM10, "missing": "error"}, id="missing: error"),
    ],
)
def test_it_rejects_a_missing_value_under_the_error_policy(indicator: dict[str, object]) -> None:
    case = Case("err", indicator, {"u1": 6, "u2": None}, {})
    with pytest.raises(DataError) as info:
        run(case)
    (issue,) = info.value.issues  # only u2's cell, not u1's
    assert issue.row == 3, issue  # u2 is the second data row
    assert issue.column is not None, issue
    assert "(x)" in issue.column, issue


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("indicator", "values"),
    [
        pytest.param(
            {
                "weights": 10,
                "previous": {"u1": 0, "u2": 5},
                "rule": {
                    "type": "linear",
                    "reference": "previous",
                    "measure": "percent",
                    "rate": 1,
                },
            },
            {"u1": 3, "u2": 6},
            id="linear percent of previous 0",
        ),
        pytest.param(
            {
                "weights": 10,
                "rule": {
                    "type": "linear",
                    "reference": "peer_average",
                    "measure": "percent",
                    "rate": 1,
                },
            },
            {"u1": -1, "u2": 1},
            id="linear percent of a peer average 0",
        ),
        pytest.param(
            {
                "weights": 10,
                "target": 0,
                "rule": {"type": "linear", "measure": "percent", "rate": 1},
            },
            {"u1": 3},
            id="linear percent of target 0",
        ),
        pytest.param(
            {
                "weights": 5,
                "baseline": 0,
                "rule": {"type": "baseline", "base": 4, "rate": 1, "measure": "percent"},
            },
            {"u1": 3},
            id="baseline percent of baseline 0",
        ),
    ],
)
def test_it_refuses_a_percent_of_a_zero_reference(
    indicator: dict[str, object], values: dict[str, float]
) -> None:
    with pytest.raises((ComputationError, DataError, SchemeError)) as info:
        run(Case("err", indicator, values, {}))
    assert any(i.path.startswith("indicators.x") for i in info.value.issues), info.value


@pytest.mark.parametrize(
    "indicator",
    [
        pytest.param(
            {"weights": 10, "rule": {"type": "proportional"}}, id="proportional no target"
        ),
        pytest.param(
            {"weights": 10, "target": 0, "rule": {"type": "proportional"}},
            id="proportional target 0",
        ),
        pytest.param({"weights": 5, "rule": {"type": "target_met"}}, id="target_met no target"),
        pytest.param(
            {"weights": 5, "rule": {"type": "baseline", "rate": 1}, "baseline": 3},
            id="baseline without base",
        ),
        pytest.param(
            {
                "weights": 10,
                "direction": "lower",
                "target": 10,
                "rule": {
                    "type": "time_progress",
                    "start": "2024-01-01",
                    "end": "2024-12-31",
                    "as_of": "2024-06-30",
                },
            },
            id="time_progress lower is better",
        ),
        pytest.param(
            {"weights": 10, "rule": {"type": "linear", "rate": 1, "below_rate": 1}},
            id="linear rate and below_rate",
        ),
        pytest.param(
            {
                "weights": 10,
                "category_rules": {"b": {"type": "bonus_items", "levels": {"n": 1}}},
                "rule": {"type": "judgement"},
            },
            id="category_rules changing the kind",
        ),
    ],
)
def test_it_rejects_a_rule_without_what_its_definition_needs(indicator: dict[str, object]) -> None:
    with pytest.raises(KaoheError) as info:
        run(Case("err", indicator, {"u1": 3, "u3": 3}, {}, units={"u1": "a", "u3": "b"}))
    assert any(i.path.startswith("indicators.x") for i in info.value.issues), info.value
