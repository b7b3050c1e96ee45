"""Properties that must hold for every scheme and every dataset, checked with Hypothesis.

The expected behaviour comes from docs/scheme.md and docs/rules.md: bounds of each rule,
monotonicity in the indicator's direction, independence from the order of units, weight 0 being
worth nothing, quotas never exceeded, grades following the order of scores except where a gate,
veto or minimum intervenes, bit-for-bit reproducibility, and a sum root adding its subtotals.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaohe import Results, assess, build_scheme
from kaohe.dataset import Dataset

from .scheme_factory import run, scheme_dict

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values: round numbers (ties, exact edges) and arbitrary floats
NUM = st.one_of(
    st.integers(-50, 150).map(float),
    st.floats(-1000, 1000, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)
POS = st.one_of(
    st.integers(1, 150).map(float),
    st.floats(0.01, 1000, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)
FULL = st.one_of(st.sampled_from([1.0, 5.0, 10.0, 12.5, 100.0]), st.floats(0.5, 100))
RATE = st.floats(0, 5, allow_subnormal=False)
DIRECTION = st.sampled_from(["higher", "lower"])
PEERS = st.sampled_from([None, "category", "all"])


def tol(x: float) -> float:
    return 1e-9 * (1.0 + abs(x))


def _peers(rule: dict[str, Any], peers: str | None) -> dict[str, Any]:
    if peers is not None:
        rule["peers"] = peers
    return rule


@st.composite
def ordered_pair(draw: st.DrawFn, lo: float = -100, hi: float = 100) -> tuple[float, float]:
    a = draw(st.floats(lo, hi, allow_subnormal=False))
    b = draw(st.floats(lo, hi, allow_subnormal=False))
    if a == b:
        b = a + 1.0
    return (min(a, b), max(a, b))


def one_indicator(spec: dict[str, Any], categories: list[str]) -> dict[str, Any]:
    """Units u0… (in the given categories) and one indicator ``x``."""
    units = {f"u{i}": c for i, c in enumerate(categories)}
    return scheme_dict({"x": spec}, units=units)


def points_of(raw: dict[str, Any], values: list[float]) -> np.ndarray:
    data = {f"u{i}": {"x": v} for i, v in enumerate(values)}
    res = run(raw, data)
    return np.asarray(res.points[:, res.plan.ind_index("x")])


# =========================================================================== (a) bounds


@st.composite
def bounded_rule(draw: st.DrawFn, rtype: str) -> tuple[dict[str, Any], Any]:
    """(indicator spec, check(points) -> bool) with the bounds stated in docs/rules.md."""
    fm = draw(FULL)
    direction = draw(DIRECTION)
    spec: dict[str, Any] = {"weights": fm, "direction": direction}
    if rtype == "linear":
        measure = draw(st.sampled_from(["difference", "percent"]))
        spec["target"] = draw(POS if measure == "percent" else NUM)
        bonus = draw(st.floats(0, 5))
        floor = draw(st.floats(-10, fm))
        rule: dict[str, Any] = {
            "type": "linear",
            "measure": measure,
            "step": draw(st.floats(0.1, 10)),
            "below_rate": draw(RATE),
            "above_rate": draw(RATE),
            "bonus_max": bonus,
            "floor": floor,
            "steps": draw(st.sampled_from(["continuous", "whole"])),
        }
        if draw(st.booleans()):
            rule["base"] = draw(st.floats(-20, fm + 20))
        lo, hi = floor, fm + bonus
    elif rtype == "proportional":
        spec["target"] = draw(POS)
        cap = draw(st.floats(0.5, 2))
        floor = draw(st.one_of(st.floats(-5, 0), st.floats(0, 1).map(lambda f: f * fm * cap)))
        rule = {"type": "proportional", "cap_ratio": cap, "floor": floor}
        lo, hi = floor, fm * cap
    elif rtype == "bands":
        spec["target"] = draw(POS)
        use_min = draw(st.booleans())
        k = draw(st.integers(1, 4))
        edges = draw(st.lists(st.floats(0, 200), min_size=k, max_size=k, unique=True))
        by_share = draw(st.booleans())
        outs = draw(
            st.lists(st.floats(0, 1) if by_share else st.floats(-5, fm), min_size=k, max_size=k)
        )
        key = "min" if use_min else "max"
        kind = "share" if by_share else "points"
        else_points = draw(st.floats(-5, fm))
        rule = {
            "type": "bands",
            "measure": draw(st.sampled_from(["completion", "value"])),
            "bands": [{key: e, kind: o} for e, o in zip(edges, outs, strict=True)],
            "else_points": else_points,
        }
        allowed = [o * fm if by_share else o for o in outs] + [else_points]
        return spec | {"rule": rule}, lambda p: any(abs(p - a) <= tol(a) for a in allowed)
    elif rtype == "rank_step":
        top = draw(st.one_of(st.none(), st.floats(0, fm)))
        top_eff = fm if top is None else top
        floor = draw(st.floats(-5, top_eff))
        rule = {"type": "rank_step", "step": draw(RATE), "floor": floor}
        if top is not None:
            rule["top"] = top
        rule = _peers(rule, draw(PEERS))
        lo, hi = floor, top_eff
    elif rtype == "efficacy":
        base = draw(st.floats(0, 100))
        span = draw(st.floats(1, 100))
        point = st.one_of(
            st.sampled_from(["peer_best", "peer_worst", "peer_average", "target"]), NUM
        )
        spec["target"] = draw(NUM)
        rule = {
            "type": "efficacy",
            "satisfactory": draw(point),
            "unacceptable": draw(point),
            "base": base,
            "span": span,
        }
        rule = _peers(rule, draw(PEERS))
        lo, hi = fm * base / (base + span), fm
    elif rtype == "goalposts":
        lower, upper = draw(ordered_pair())
        rule = {"type": "goalposts", "lower": lower, "upper": upper}
        lo, hi = 0.0, fm
        if draw(st.booleans()):
            to = draw(st.tuples(st.floats(-50, 50), st.floats(-50, 50)))
            rule["to"] = list(to)
            lo, hi = min(to), max(to)
    elif rtype == "minmax":
        rule = _peers({"type": "minmax"}, draw(PEERS))
        lo, hi = 0.0, fm
        if draw(st.booleans()):
            to = draw(st.tuples(st.floats(-50, 50), st.floats(-50, 50)))
            rule["to"] = list(to)
            lo, hi = min(to), max(to)
    else:  # pragma: no cover
        raise AssertionError(rtype)
    return spec | {"rule": rule}, lambda p: lo - tol(lo) <= p <= hi + tol(hi)


BOUNDED = ["linear", "proportional", "bands", "rank_step", "efficacy", "goalposts", "minmax"]


@pytest.mark.parametrize("rtype", BOUNDED)
@FAST
@given(data=st.data())
def test_it_keeps_points_within_the_rules_floor_and_cap(rtype: str, data: st.DataObject) -> None:
    spec, within = data.draw(bounded_rule(rtype), label="indicator")
    n = data.draw(st.integers(1, 7), label="units")
    cats = data.draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n), label="cats")
    values = data.draw(st.lists(NUM, min_size=n, max_size=n), label="values")
    pts = points_of(one_indicator(spec, cats), values)
    bad = [(v, p) for v, p in zip(values, pts, strict=True) if not within(float(p))]
    assert not bad, f"points outside the rule's bounds (value, points): {bad}"


# =========================================================================== (b) monotone


@st.composite
def monotone_rule(draw: st.DrawFn, rtype: str, n: int) -> tuple[dict[str, Any], str]:
    """(indicator spec, value kind 'num' | 'pos') for a scheme whose parameters are sensible:
    tables that reward better places more, satisfactory values on the better side."""
    fm = draw(FULL)
    direction = "higher" if rtype == "time_progress" else draw(DIRECTION)
    d = 1 if direction == "higher" else -1
    spec: dict[str, Any] = {"weights": fm, "direction": direction}
    values = "num"
    peers = draw(PEERS)
    if rtype == "target_met":
        spec["target"] = draw(NUM)
        rule: dict[str, Any] = {"type": "target_met", "else_points": draw(st.floats(0, fm))}
    elif rtype == "proportional":
        spec["target"] = draw(POS)
        rule = {"type": "proportional", "cap_ratio": draw(st.floats(0.5, 2))}
    elif rtype in ("linear", "baseline"):
        measure = draw(st.sampled_from(["difference", "percent"]))
        if measure == "percent":
            values = "pos"
        refs = ["target", "previous", "peer_average", "peer_median", "peer_best", "number"]
        if rtype == "baseline":
            refs = ["baseline", "peer_average"]
        ref = draw(st.sampled_from(refs))
        rule = {
            "type": rtype,
            "measure": measure,
            "step": draw(st.floats(0.1, 10)),
            "below_rate": draw(RATE),
            "above_rate": draw(RATE),
            "bonus_max": draw(st.floats(0, 5)),
            "floor": draw(st.floats(-10, 0)),
            "steps": draw(st.sampled_from(["continuous", "whole"])),
        }
        if rtype == "baseline":
            rule["base"] = draw(st.floats(0, fm))
        pick = POS if measure == "percent" else NUM
        if ref == "number":
            rule["reference"] = draw(pick)
        else:
            rule["reference"] = ref
            if ref in ("target", "baseline", "previous"):
                spec[ref] = {f"u{i}": draw(pick) for i in range(n)}
        rule = _peers(rule, peers)
    elif rtype == "bands":
        spec["target"] = draw(POS)
        measure = draw(st.sampled_from(["completion", "value"]))
        # min bands reward a high measure; max bands (by value) a low one: pair them with the
        # direction they express. The more demanding band gives at least as many points.
        use_min = measure == "completion" or d > 0
        k = draw(st.integers(1, 4))
        edges = sorted(draw(st.lists(st.floats(-100, 200), min_size=k, max_size=k, unique=True)))
        outs = sorted(draw(st.lists(st.floats(0, fm), min_size=k, max_size=k)))
        if not use_min:
            outs = outs[::-1]  # the smallest max is the most demanding
        rule = {
            "type": "bands",
            "measure": measure,
            "bands": [
                {"min" if use_min else "max": e, "points": o}
                for e, o in zip(edges, outs, strict=True)
            ],
            "else_points": draw(st.floats(-5, min(outs))),
        }
    elif rtype == "rank_table":
        k = draw(st.integers(1, 5))
        if draw(st.booleans()):
            table = sorted(draw(st.lists(st.floats(0, fm), min_size=k, max_size=k)), reverse=True)
            rule = {"type": "rank_table", "points": table}
            last = table[-1]
        else:
            table = sorted(draw(st.lists(st.floats(0, 1), min_size=k, max_size=k)), reverse=True)
            rule = {"type": "rank_table", "shares": table}
            last = table[-1] * fm
        rule["rest"] = draw(st.floats(-5, last))
        rule["ties"] = draw(st.sampled_from(["shared", "average"]))
        rule = _peers(rule, peers)
    elif rtype == "rank_step":
        top = draw(st.one_of(st.none(), st.floats(0, fm)))
        rule = {"type": "rank_step", "step": draw(RATE), "floor": draw(st.floats(-5, 0))}
        if top is not None:
            rule["top"] = top
        rule = _peers(rule, peers)
    elif rtype == "ratio_to_best":
        values = "pos"
        rule = _peers({"type": "ratio_to_best"}, peers)
    elif rtype == "efficacy":
        s: float | str
        u: float | str
        if draw(st.booleans()):
            a, b = draw(ordered_pair())
            s, u = (b, a) if d > 0 else (a, b)  # satisfactory on the better side
        else:
            s = draw(st.sampled_from(["peer_best", "peer_average"]))
            u = draw(st.sampled_from(["peer_worst", "peer_average"]))
            if s == u:
                s = "peer_best"
        rule = {
            "type": "efficacy",
            "satisfactory": s,
            "unacceptable": u,
            "base": draw(st.floats(0, 100)),
            "span": draw(st.floats(1, 100)),
        }
        rule = _peers(rule, peers)
    elif rtype == "rank_improvement":
        spec = {"direction": direction, "previous": {f"u{i}": draw(NUM) for i in range(n)}}
        rule = {"type": "rank_improvement", "rate": draw(RATE), "fall_rate": draw(RATE)}
        if draw(st.booleans()):
            rule["cap"] = draw(st.floats(0, 10))
        if draw(st.booleans()):
            rule["floor"] = draw(st.floats(-10, 0))
        rule = _peers(rule, peers)
    elif rtype == "time_progress":
        spec["target"] = draw(POS)
        rule = {
            "type": "time_progress",
            "start": "2024-01-01",
            "end": "2024-12-31",
            "as_of": draw(
                st.sampled_from(
                    ["2023-12-01", "2024-01-01", "2024-07-01", "2024-12-31", "2025-03-01"]
                )
            ),
            "scoring": draw(st.sampled_from(["proportional", "met"])),
            "cap_ratio": draw(st.floats(0.5, 2)),
            "else_points": draw(st.floats(0, fm)),
        }
    elif rtype == "rescale":
        lo, hi = draw(ordered_pair())
        rule = {"type": "rescale", "from": [lo, hi]}
        if draw(st.booleans()):
            rule["to"] = list(draw(ordered_pair(-50, 50)))
    elif rtype in ("minmax", "rank_percentile"):
        rule = _peers({"type": rtype}, peers)
        if draw(st.booleans()):
            rule["to"] = list(draw(ordered_pair(-50, 50)))
    elif rtype == "zscore":
        rule = _peers(
            {"type": "zscore", "mean": draw(st.floats(-50, 50)), "sd": draw(st.floats(0.1, 20))},
            peers,
        )
    elif rtype == "goalposts":
        lower, upper = draw(ordered_pair())
        rule = {
            "type": "goalposts",
            "lower": lower,
            "upper": upper,
            "truncate": draw(st.booleans()),
        }
        if draw(st.booleans()):
            rule["to"] = list(draw(ordered_pair(-50, 50)))
    elif rtype == "distance_to_target":
        spec["target"] = draw(NUM)
        rule = _peers({"type": "distance_to_target", "cap": draw(st.booleans())}, peers)
        if draw(st.booleans()):
            rule["to"] = list(draw(ordered_pair(-50, 50)))
    else:  # pragma: no cover
        raise AssertionError(rtype)
    return spec | {"rule": rule}, values


MONOTONE = [
    "target_met",
    "proportional",
    "linear",
    "baseline",
    "bands",
    "time_progress",
    "rescale",
    "goalposts",
    # peer-relative: a unit's own points
    "rank_table",
    "rank_step",
    "ratio_to_best",
    "efficacy",
    "rank_improvement",
    "minmax",
    "zscore",
    "distance_to_target",
    "rank_percentile",
]


@pytest.mark.parametrize("rtype", MONOTONE)
@FAST
@given(data=st.data())
def test_it_never_lowers_a_units_points_for_a_better_value(rtype: str, data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 6), label="units")
    spec, kind = data.draw(monotone_rule(rtype, n), label="indicator")
    cats = data.draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n), label="cats")
    values = data.draw(st.lists(POS if kind == "pos" else NUM, min_size=n, max_size=n))
    i = data.draw(st.integers(0, n - 1), label="unit raised")
    delta = data.draw(POS, label="raised by")
    raw = one_indicator(spec, cats)
    before = points_of(raw, values)[i]
    after = points_of(raw, [v + delta if k == i else v for k, v in enumerate(values)])[i]
    if spec["direction"] == "higher":
        assert after >= before - tol(before), f"raising the value lowered points {before}→{after}"
    else:
        assert after <= before + tol(before), f"raising the value raised points {before}→{after}"


@pytest.mark.parametrize("cap", [True, False], ids=["cap", "no-cap"])
def test_it_never_lowers_distance_to_target_points_for_a_unit_that_moves_beyond_its_target(
    cap: bool,
) -> None:
    # The shrunk counterexample of the property above, by hand: target 80, u1 at 80 and u2 at
    # 90. worst = 80 = t, so both score 1 → 10 points. u1 improves to 85: the worst is now 85,
    # beyond the target, and (x − worst)/(t − worst) = (85 − 85)/(80 − 85) = 0. Both units meet
    # the target before and after ("reaching the target is enough"); u1 must keep its 10.
    raw = one_indicator(
        {"weights": 10, "target": 80, "rule": {"type": "distance_to_target", "cap": cap}},
        ["a", "a"],
    )
    assert points_of(raw, [80, 90]).tolist() == [10.0, 10.0]
    assert points_of(raw, [85, 90])[0] >= 10.0


@FAST
@given(
    deductions=st.lists(st.floats(0, 30), min_size=1, max_size=5),
    more=st.floats(0.01, 30),
    cap=st.one_of(st.none(), st.floats(0, 10)),
)
def test_it_never_raises_points_for_a_larger_judgement_deduction(
    deductions: list[float], more: float, cap: float | None
) -> None:
    rule: dict[str, Any] = {"type": "judgement", "reason_required": False}
    if cap is not None:
        rule["max_deduction"] = cap
    raw = one_indicator({"weights": 10, "rule": rule}, ["a"] * len(deductions))
    before = points_of(raw, deductions)[0]
    after = points_of(raw, [deductions[0] + more, *deductions[1:]])[0]
    assert after <= before + tol(before)


@FAST
@given(
    counts=st.lists(st.integers(0, 5), min_size=3, max_size=3),
    level=st.integers(0, 2),
    cap=st.one_of(st.none(), st.floats(0, 20)),
    bonus=st.booleans(),
)
def test_it_moves_points_one_way_when_an_item_count_rises(
    counts: list[int], level: int, cap: float | None, bonus: bool
) -> None:
    levels = {"l0": 3.0, "l1": 2.0, "l2": 1.0}
    rtype = "bonus_items" if bonus else "count_deduction"
    rule: dict[str, Any] = {"type": rtype, "levels": levels}
    if cap is not None:
        rule["cap"] = cap
    raw = scheme_dict({"x": {"rule": rule}})

    def pts(c: list[int]) -> float:
        res = run(raw, {"u1": {f"x:l{k}": v for k, v in enumerate(c)}})
        return float(res.points[0, 0])

    before = pts(counts)
    after = pts([c + 1 if k == level else c for k, c in enumerate(counts)])
    if bonus:
        assert after >= before
    else:
        assert after <= before


# =========================================================================== whole schemes


@st.composite
def whole_scheme(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A scheme with peer and non-peer rules, a bonus, a veto, quotas and a gate, and its data."""
    n_cat = draw(st.integers(1, 3))
    cats = [f"c{k}" for k in range(n_cat)]
    n = draw(st.integers(n_cat, 10))
    unit_cat = [cats[k] if k < n_cat else draw(st.sampled_from(cats)) for k in range(n)]
    units = {f"u{k}": c for k, c in enumerate(unit_cat)}
    w = {c: draw(st.sampled_from([10, 20, 30])) for c in cats}
    indicators: dict[str, Any] = {
        "p": {"parent": "D1", "weights": w, "target": 50, "rule": {"type": "proportional"}},
        "r": {
            "parent": "D1",
            "weights": 20,
            "rule": {"type": "rank_table", "shares": [1, 0.8, 0.6], "rest": 5},
        },
        "m": {"parent": "D2", "weights": 30, "rule": {"type": "minmax", "peers": "all"}},
        "lin": {
            "parent": "D2",
            "weights": 20,
            "direction": "lower",
            "rule": {"type": "linear", "reference": "peer_average", "rate": 0.5, "bonus_max": 2},
        },
        "b": {"rule": {"type": "bonus_items", "levels": {"a": 2, "b": 1}}},
        "v": {"rule": {"type": "veto", "effect": draw(st.sampled_from(["void", "bar_top"]))}},
    }
    grades = [
        {"id": "g0", "name": "优秀", "quota": {"share": draw(st.sampled_from([0.2, 0.3, 0.5]))}},
        {"id": "g1", "name": "良好", "quota": {"count": draw(st.integers(0, 3))}},
        {"id": "g2", "name": "一般"},
    ]
    grading = {
        "scope": draw(st.sampled_from(["category", "overall"])),
        "rounding": draw(st.sampled_from(["floor", "ceil", "half_up", "half_even"])),
        "tie_break": draw(st.sampled_from([["id"], ["indicator:p", "id"], ["name"]])),
        "grades": grades,
        "gates": [
            {
                "id": "gate",
                "name": "门槛",
                "max_grade": "g1",
                "require_min_points": {"p": draw(st.sampled_from([0, 5, 10]))},
            }
        ],
    }
    ranking = {
        "basis": draw(st.sampled_from(["share", "points"])),
        "ties": draw(st.sampled_from(["shared", "break"])),
        "tie_break": draw(st.sampled_from([["id"], ["dimension:D2", "name"]])),
    }
    raw = scheme_dict(
        indicators,
        units=units,
        names={u: f"单位{k:02d}" for k, u in enumerate(units)},
        dimensions={"D1": {}, "D2": {}},
        grading=grading,
        ranking=ranking,
    )
    # coarse data make ties (in points, totals and ranks) common
    coarse = draw(st.booleans())
    small = st.integers(0, 3 if coarse else 60).map(float)
    data = {
        u: {
            "p": draw(small),
            "r": draw(small),
            "m": draw(small if coarse else NUM),
            "lin": draw(small),
            "b:a": draw(st.integers(0, 2)),
            "b:b": draw(st.integers(0, 2)),
            "v": draw(st.sampled_from(["是", "否", None, None, None])),
        }
        for u in units
    }
    return raw, data


def per_unit(res: Results) -> dict[str, tuple[Any, ...]]:
    return {
        u: (
            float(res.score[i]),
            float(res.share[i]),
            int(res.rank_in_category[i]),
            int(res.rank[i]),
            res.grade(i),
            bool(res.void[i]),
        )
        for i, u in enumerate(res.units)
    }


# =========================================================================== (c) permutation


@SLOW
@given(case=whole_scheme(), data=st.data())
def test_it_gives_each_unit_the_same_results_whatever_the_order_of_units(
    case: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject
) -> None:
    raw, values = case
    order = data.draw(st.permutations(list(raw["units"])), label="order")
    shuffled = {**raw, "units": {u: raw["units"][u] for u in order}}
    a, b = run(raw, values), run(shuffled, values)
    assert b.units == tuple(order)
    ra, rb = per_unit(a), per_unit(b)
    for u in raw["units"]:
        sa, sb = ra[u], rb[u]
        assert sa[0] == pytest.approx(sb[0], abs=1e-9), u
        assert sa[1] == pytest.approx(sb[1], abs=1e-9), u
        assert sa[2:] == sb[2:], u
        ia, ib = a.unit_index(u), b.unit_index(u)
        assert np.allclose(a.points[ia], b.points[ib], equal_nan=True, atol=1e-9), u
        assert np.allclose(
            a.aggregates.values[ia], b.aggregates.values[ib], equal_nan=True, atol=1e-9
        ), u


# =========================================================================== (d) weight 0


@st.composite
def zero_weight_rule(draw: st.DrawFn) -> dict[str, Any]:
    return draw(
        st.sampled_from(
            [
                {"target": 10, "rule": {"type": "linear", "rate": 1, "bonus_max": 5}},
                {"target": 10, "rule": {"type": "proportional", "cap_ratio": 1.5}},
                {"rule": {"type": "rank_table", "points": [3, 2, 1], "rest": 0}},
                {"rule": {"type": "minmax", "to": [1, 9]}},
                {"rule": {"type": "zscore", "mean": 50, "sd": 10}},
                {"rule": {"type": "goalposts", "lower": 0, "upper": 10, "to": [2, 4]}},
            ]
        )
    )


@SLOW
@given(
    n=st.integers(2, 8),
    extra=zero_weight_rule(),
    parent=st.sampled_from(["sum", "mean", "geometric"]),
    data=st.data(),
)
def test_it_ignores_the_values_of_an_indicator_weighted_zero_everywhere(
    n: int, extra: dict[str, Any], parent: str, data: st.DataObject
) -> None:
    units = {f"u{k}": data.draw(st.sampled_from(["a", "b"])) for k in range(n)}
    used = sorted(set(units.values()))
    indicators = {
        "p": {
            "parent": "D",
            "weights": dict.fromkeys(used, 2),
            "target": 10,
            "rule": {"type": "proportional"},
        },
        "r": {"parent": "D", "weights": 1, "rule": {"type": "rank_percentile", "to": [1, 100]}},
        "zero": {"parent": "D", "weights": dict.fromkeys(used, 0), **extra},
    }
    grading = {
        "grades": [
            {"id": "g0", "name": "优秀", "quota": {"share": 0.4}},
            {"id": "g1", "name": "一般"},
        ]
    }
    raw = scheme_dict(
        indicators,
        units=units,
        dimensions={"D": {"aggregation": parent}},
        grading=grading,
        ranking={"ties": data.draw(st.sampled_from(["shared", "break"]))},
    )
    base = {u: {"p": data.draw(st.integers(1, 10)), "r": data.draw(NUM)} for u in units}
    z1 = data.draw(st.lists(NUM, min_size=n, max_size=n), label="zero values 1")
    z2 = data.draw(st.lists(NUM, min_size=n, max_size=n), label="zero values 2")
    r1 = run(raw, {u: {**base[u], "zero": z1[k]} for k, u in enumerate(units)})
    r2 = run(raw, {u: {**base[u], "zero": z2[k]} for k, u in enumerate(units)})
    assert np.array_equal(r1.score, r2.score)
    assert np.array_equal(r1.rank, r2.rank)
    assert np.array_equal(r1.rank_in_category, r2.rank_in_category)
    assert r1.grade_index is not None
    assert r2.grade_index is not None
    assert np.array_equal(r1.grade_index, r2.grade_index)
    if parent == "sum":
        j = r1.plan.ind_index("zero")
        assert np.all(r1.points[:, j] == 0)


# =========================================================================== grading cases


@st.composite
def grading_case(draw: st.DrawFn) -> dict[str, Any]:
    """Scores (whole points), categories, grades with quotas and minimums, a gate, a veto."""
    n_cat = draw(st.integers(1, 3))
    cats = [f"c{k}" for k in range(n_cat)]
    full = {c: draw(st.sampled_from([50, 100])) for c in cats}
    n = draw(st.integers(n_cat, 14))
    cat_of = [cats[k] if k < n_cat else draw(st.sampled_from(cats)) for k in range(n)]
    units = [f"u{k:02d}" for k in range(n)]
    score = [draw(st.integers(0, full[c] // 10)) * 10 for c in cat_of]  # ties are common
    scope = draw(st.sampled_from(["category", "overall"]))
    n_grades = draw(st.integers(2, 4))
    grades: list[dict[str, Any]] = []
    for k in range(n_grades - 1):
        g: dict[str, Any] = {"id": f"g{k}", "name": f"等次{k}"}
        quota = draw(st.sampled_from(["none", "share", "count", "per_category"]))
        if quota == "share":
            g["quota"] = {"share": draw(st.integers(0, 20)) / 20}
        elif quota == "count" or (quota == "per_category" and scope != "category"):
            g["quota"] = {"count": draw(st.integers(0, 5))}
        elif quota == "per_category":
            g["quota"] = {"count": {c: draw(st.integers(0, 4)) for c in cats}}
        if draw(st.integers(0, 3)) == 0:
            g["min_score"] = draw(st.integers(0, 10)) * 10
        if draw(st.integers(0, 3)) == 0:
            g["min_share"] = draw(st.integers(0, 10)) / 10
        grades.append(g)
    grades.append({"id": f"g{n_grades - 1}", "name": "最后"})
    gate = draw(st.booleans())
    veto = draw(st.sampled_from(["none", "void", "bar_top", "max_grade"]))
    return {
        "cats": cats,
        "full": full,
        "units": units,
        "cat_of": cat_of,
        "score": score,
        "scope": scope,
        "basis": draw(st.sampled_from(["share", "points"])),
        "rounding": draw(st.sampled_from(["floor", "ceil", "half_up", "half_even"])),
        "grades": grades,
        "gate_grade": draw(st.integers(0, n_grades - 1)) if gate else None,
        "gate_value": [draw(st.integers(0, 10)) for _ in units],
        "veto": veto,
        "veto_grade": draw(st.integers(0, n_grades - 1)),
        "vetoed": [draw(st.integers(0, 4)) == 0 for _ in units] if veto != "none" else [],
    }


def assess_grading_case(c: dict[str, Any]) -> Results:
    indicators: dict[str, Any] = {
        "s": {
            "weights": dict(c["full"]),
            "target": dict(c["full"]),
            "rule": {"type": "proportional"},
        },
        # measured, worth nothing: the gate asks for its target of 5
        "g": {"weights": 0, "target": 5, "rule": {"type": "target_met"}},
    }
    gates = []
    if c["gate_grade"] is not None:
        gates = [
            {
                "id": "gate",
                "name": "门槛",
                "max_grade": f"g{c['gate_grade']}",
                "require_target_met": ["g"],
            }
        ]
    if c["veto"] != "none":
        rule: dict[str, Any] = {"type": "veto", "effect": c["veto"]}
        if c["veto"] == "max_grade":
            rule["max_grade"] = f"g{c['veto_grade']}"
        indicators["v"] = {"rule": rule}
    raw = scheme_dict(
        indicators,
        units=dict(zip(c["units"], c["cat_of"], strict=True)),
        categories=dict(c["full"]),
        grading={
            "scope": c["scope"],
            "rounding": c["rounding"],
            "tie_break": ["id"],
            "grades": c["grades"],
            "gates": gates,
        },
        ranking={"basis": c["basis"]},
    )
    data: dict[str, dict[str, Any]] = {}
    for k, u in enumerate(c["units"]):
        data[u] = {"s": c["score"][k], "g": c["gate_value"][k]}
        if c["veto"] != "none":
            data[u]["v"] = 1 if c["vetoed"][k] else 0
    return run(raw, data)


def expected_limit(grade: dict[str, Any], n: int, rounding: str, cat: str) -> int | None:
    """A quota as a count, computed exactly (docs/scheme.md, grading.rounding)."""
    q = grade.get("quota")
    if q is None:
        return None
    if "count" in q:
        return int(q["count"][cat] if isinstance(q["count"], dict) else q["count"])
    exact = Fraction(str(q["share"])) * n
    if rounding == "floor":
        return math.floor(exact)
    if rounding == "ceil":
        return math.ceil(exact)
    if rounding == "half_up":
        return math.floor(exact + Fraction(1, 2))
    return round(exact)  # Fraction rounds half to even


def groups_in_order(c: dict[str, Any]) -> dict[str, list[int]]:
    """Each grading group's units in grading order: basis descending, void last, then id."""
    by_cat = c["scope"] == "category"
    basis = "points" if by_cat else c["basis"]
    void = [
        c["veto"] == "void" and (c["vetoed"][k] if c["vetoed"] else False)
        for k in range(len(c["units"]))
    ]

    def key(k: int) -> tuple[Any, ...]:
        s = Fraction(c["score"][k])
        v = s if basis == "points" else s / c["full"][c["cat_of"][k]]
        return (void[k], -v if not void[k] else 0, c["units"][k])

    out: dict[str, list[int]] = {}
    for k in sorted(range(len(c["units"])), key=key):
        out.setdefault(c["cat_of"][k] if by_cat else "all", []).append(k)
    return out


def held(c: dict[str, Any], k: int) -> bool:
    """A gate or veto holds the unit, or it misses a minimum of some grade."""
    if c["gate_grade"] is not None and c["gate_value"][k] < 5:
        return True
    if c["veto"] != "none" and c["vetoed"][k]:
        return True
    score = Fraction(c["score"][k])
    share = score / c["full"][c["cat_of"][k]]
    for g in c["grades"]:
        if "min_score" in g and score < g["min_score"]:
            return True
        if "min_share" in g and share < Fraction(str(g["min_share"])):
            return True
    return False


# =========================================================================== (e) quotas


@SLOW
@given(case=grading_case())
def test_it_never_gives_a_grade_to_more_units_than_its_quota(case: dict[str, Any]) -> None:
    res = assess_grading_case(case)
    assert res.grade_index is not None
    for group, members in groups_in_order(case).items():
        for gi, grade in enumerate(case["grades"]):
            cat = case["cat_of"][members[0]]
            limit = expected_limit(grade, len(members), case["rounding"], cat)
            if limit is None:
                continue
            held_by = [case["units"][k] for k in members if res.grade_index[k] == gi]
            assert len(held_by) <= limit, (group, grade["id"], limit, held_by)


@SLOW
@given(case=grading_case())
def test_it_fills_each_quota_in_order_when_nothing_holds_a_unit_back(
    case: dict[str, Any],
) -> None:
    # no gate, veto or minimum: each grade takes the next min(limit, remaining) units in order
    case = {
        **case,
        "gate_grade": None,
        "veto": "none",
        "vetoed": [],
        "grades": [
            {k: v for k, v in g.items() if k not in ("min_score", "min_share")}
            for g in case["grades"]
        ],
    }
    res = assess_grading_case(case)
    assert res.grade_index is not None
    for members in groups_in_order(case).values():
        expected: list[int] = []
        for gi, grade in enumerate(case["grades"]):
            cat = case["cat_of"][members[0]]
            limit = expected_limit(grade, len(members), case["rounding"], cat)
            room = len(members) - len(expected)
            take = room if limit is None or gi == len(case["grades"]) - 1 else min(limit, room)
            expected += [gi] * take
        assert [int(res.grade_index[k]) for k in members] == expected


# =========================================================================== (f) grade order


@SLOW
@given(case=grading_case())
def test_it_grades_in_the_order_of_scores_unless_a_gate_veto_or_minimum_applies(
    case: dict[str, Any],
) -> None:
    res = assess_grading_case(case)
    assert res.grade_index is not None
    for members in groups_in_order(case).values():
        for pos, k in enumerate(members):
            d = res.explain(case["units"][k]).grade_decision
            assert d is not None
            assert d["position"] == pos + 1, "the grading order is not score, then id"
            if held(case, k):
                continue
            for later in members[pos + 1 :]:
                assert res.grade_index[k] <= res.grade_index[later], (
                    f"{case['units'][k]} is ahead of {case['units'][later]} and held by nothing, "
                    f"but has a worse grade"
                )


# =========================================================================== (g) reproducible


@SLOW
@given(case=whole_scheme())
def test_it_gives_bit_identical_results_when_assessing_twice(
    case: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    raw, values = case
    scheme = build_scheme(raw)
    data = Dataset.from_mapping(scheme, values)
    first = assess(scheme, data)
    again = assess(scheme, data)
    rebuilt = run(raw, values)
    for other in (again, rebuilt):
        for name in (
            "points",
            "flags",
            "score",
            "share",
            "void",
            "rank_in_category",
            "rank",
            "grade_index",
        ):
            x, y = getattr(first, name), getattr(other, name)
            assert x.dtype == y.dtype, name
            assert x.tobytes() == y.tobytes(), name
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
        assert first.aggregates.values.tobytes() == other.aggregates.values.tobytes()
        assert first.aggregates.scale.tobytes() == other.aggregates.scale.tobytes()
        assert [e.to_dict() for e in first.explain_all()] == [
            e.to_dict() for e in other.explain_all()
        ]


# =========================================================================== (h) sum root


@st.composite
def sum_tree(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """A sum root over 1–3 dimensions (with renormalised gaps, nested dimensions, bonus and
    deduction items, caps and floors) and maybe indicators at the root; every top-level child
    has something present. Returns the scheme, the data and the root's children."""
    n = draw(st.integers(1, 4))
    units = [f"u{k}" for k in range(n)]
    indicators: dict[str, Any] = {}
    dimensions: dict[str, Any] = {}
    data: dict[str, dict[str, Any]] = {u: {} for u in units}
    top: list[str] = []

    def base(iid: str, parent: str | None, optional: bool) -> None:
        spec: dict[str, Any] = {
            "weights": draw(st.integers(1, 30)),
            "target": 10,
            "rule": {"type": "proportional", "cap_ratio": 1.2},
        }
        if parent:
            spec["parent"] = parent
        if optional:
            spec["missing"] = "renormalise"
        indicators[iid] = spec
        for u in units:
            present = not optional or draw(st.booleans())
            data[u][iid] = draw(st.integers(0, 15)) if present else None

    def item(iid: str, parent: str | None) -> None:
        bonus = draw(st.booleans())
        rule = (
            {"type": "bonus_items", "levels": {"x": 2}}
            if bonus
            else {"type": "count_deduction", "per_count": 3}
        )
        indicators[iid] = {"rule": rule, **({"parent": parent} if parent else {})}
        for u in units:
            data[u][iid + (":x" if bonus else "")] = draw(st.integers(0, 3))

    for d in range(draw(st.integers(1, 3))):
        did = f"D{d}"
        dim: dict[str, Any] = {}
        if draw(st.booleans()):
            dim["cap"] = draw(st.integers(5, 40))
        if draw(st.booleans()):
            dim["floor"] = -draw(st.integers(0, 10))
        dimensions[did] = dim
        top.append(did)
        base(f"{did}a", did, optional=False)
        for k in range(draw(st.integers(0, 2))):
            base(f"{did}o{k}", did, optional=True)
        if draw(st.booleans()):
            dimensions[f"{did}n"] = {"parent": did}
            base(f"{did}n0", f"{did}n", optional=True)
            base(f"{did}n1", f"{did}n", optional=True)
        if draw(st.booleans()):
            item(f"{did}i", did)
    if draw(st.booleans()):
        base("rootbase", None, optional=False)
        top.append("rootbase")
    if draw(st.booleans()):
        item("rootitem", None)
        top.append("rootitem")
    raw = scheme_dict(indicators, units=dict.fromkeys(units, "c"), dimensions=dimensions)
    return raw, data, top


@FAST
@given(case=sum_tree())
def test_it_makes_the_score_the_sum_of_the_top_level_subtotals(
    case: tuple[dict[str, Any], dict[str, Any], list[str]],
) -> None:
    raw, data, top = case
    res = run(raw, data)
    for i in range(len(res.units)):
        parts = []
        for node in top:
            if node in res.plan.indicators:
                parts.append(float(res.points[i, res.plan.ind_index(node)]))
            else:
                parts.append(res.subtotal(i, node))
        assert not any(math.isnan(p) for p in parts)
        assert res.score[i] == pytest.approx(math.fsum(parts), abs=1e-9)
