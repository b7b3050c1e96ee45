"""Explanations are the computation (issue 10): for every rule type × every preparation step
(denominator, transform, imputation, outlier treatment), the explanation's structured terms,
evaluated by hand (``kaohe.explanation.recompute``: one number at a time, from the value entered
through each step to the rule's terms), give back the value used, the raw points and the points
to 1e-12, and every number in the text is one of those terms — the rule's arithmetic written on
the value the rule used, never on the value entered.

Then hand-computed tables: a denominated value (the report's ``ratio = 10 / 10`` for 10 / 2),
each transform, income in logs between goalposts then capped, and the located error of a value
outside a transform's domain.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaohe import assess, build_scheme, load_scheme
from kaohe.errors import DataError, KaoheError, SchemeError
from kaohe.explanation import IndicatorExplanation, recompute
from kaohe.i18n import language
from kaohe.io.data_files import load_data
from kaohe.preparation import redo_step
from kaohe.rules.base import fmt
from kaohe.rulespec import RULE_TYPES

from .scheme_factory import run, scheme_dict

TRUTH = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))

STEPS = ["denominator", "transform", "impute", "treat", "all"]
ITEMS = {"count_deduction", "bonus_items", "veto", "judgement"}
#: rules whose arithmetic writes the value itself (the others write ranks, counts, bands)
SHOWS_X = set(RULE_TYPES) - ITEMS - {"rank_table", "rank_step", "rank_percentile", "rank", "borda"}
SHOWS_X -= {"bands", "rank_improvement"}
POSITIVE = {"ratio_to_best", "fraction_of_max", "proportional", "time_progress", "linear"}
CONSTANTS = {"0", "1", "100", "0.01"}  # written by the sentences themselves ("× 100", "[0, 1]")
F = st.sampled_from([1.0, 5.0, 10.0, 12.5, 40.0])
PEERS = st.sampled_from([None, "category", "all"])


def close(a: float | None, b: float | None) -> bool:
    a = None if a is None or a != a else a
    b = None if b is None or b != b else b
    if a is None or b is None:
        return a is b
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))


# --------------------------------------------------------------------------- the generator


@st.composite
def rule_for(draw: st.DrawFn, rtype: str, n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the rule, what else the indicator needs) with parameters a scheme would have."""
    peers = draw(PEERS)
    extra: dict[str, Any] = {}
    r: dict[str, Any] = {"type": rtype}
    target = {f"u{i}": draw(st.floats(0.5, 200)) for i in range(n)}
    if rtype == "target_met":
        r["else_points"] = draw(st.floats(0, 3))
        extra["target"] = target
    elif rtype == "proportional":
        r |= {"cap_ratio": draw(st.floats(0.5, 2)), "floor": draw(st.floats(-2, 1))}
        extra["target"] = target
    elif rtype in ("linear", "baseline"):
        r |= {
            "measure": draw(st.sampled_from(["difference", "percent"])),
            "step": draw(st.floats(0.1, 10)),
            "below_rate": draw(st.floats(0, 3)),
            "above_rate": draw(st.floats(0, 3)),
            "bonus_max": draw(st.floats(0, 5)),
            "floor": draw(st.floats(-5, 1)),
            "steps": draw(st.sampled_from(["continuous", "whole"])),
        }
        if rtype == "baseline":
            r["base"] = draw(st.floats(0, 10))
            extra["baseline"] = target
        else:
            extra["target"] = target
    elif rtype == "bands":
        k = draw(st.integers(1, 3))
        edges = draw(st.lists(st.floats(0, 200), min_size=k, max_size=k, unique=True))
        key = draw(st.sampled_from(["min", "max"]))
        r |= {
            "measure": draw(st.sampled_from(["completion", "value"])),
            "bands": [{key: e, "points": draw(st.floats(0, 10))} for e in edges],
            "else_points": draw(st.floats(-2, 2)),
        }
        extra["target"] = target
    elif rtype == "rank_table":
        table = draw(st.lists(st.floats(0, 10), min_size=1, max_size=n + 1))
        r |= {"points": table, "rest": draw(st.floats(0, 1))}
        r["ties"] = draw(st.sampled_from(["shared", "average"]))
    elif rtype == "rank_step":
        r |= {"step": draw(st.floats(0, 3)), "floor": draw(st.floats(-2, 1))}
    elif rtype == "efficacy":
        point = st.sampled_from(["peer_best", "peer_worst", "peer_average", "target"])
        r |= {"satisfactory": draw(point), "unacceptable": draw(point)}
        r |= {"base": draw(st.floats(0, 80)), "span": draw(st.floats(1, 40))}
        extra["target"] = target
    elif rtype == "rank_improvement":
        r |= {"rate": draw(st.floats(0, 2)), "fall_rate": draw(st.floats(0, 2))}
        extra["previous"] = target
        extra["kind"] = "base"
    elif rtype == "count_deduction":
        r |= {"levels": {"warn": 2.0, "grave": 5.0}, "cap": draw(st.floats(1, 10))}
    elif rtype == "bonus_items":
        r |= {"levels": {"city": 1.0, "nation": 3.0}, "cap": draw(st.floats(1, 10))}
    elif rtype == "judgement":
        r["reason_required"] = False
    elif rtype == "veto":
        r["effect"] = "bar_top"
    elif rtype == "time_progress":
        r |= {"start": "2024-01-01", "end": "2024-12-31", "as_of": "2024-06-30"}
        r["scoring"] = draw(st.sampled_from(["proportional", "met"]))
        extra["target"] = target
    elif rtype == "rescale":
        r["from"] = [0, draw(st.floats(50, 500))]
    elif rtype in ("goalposts", "scaled"):
        lo = draw(st.floats(-5, 20))
        r |= {"lower": lo, "upper": lo + draw(st.floats(0.5, 100))}
        if rtype == "goalposts":
            r["truncate"] = draw(st.booleans())
    elif rtype == "distance_to_target":
        r["cap"] = draw(st.booleans())
        extra["target"] = target
    elif rtype == "distance_to_reference":
        r |= {"unit": "u0", "cap": draw(st.booleans())}
    elif rtype == "zscore":
        r |= {"mean": draw(st.floats(-5, 50)), "sd": draw(st.floats(0.5, 10))}
    scales = ("minmax", "goalposts", "distance_to_target", "rank_percentile", "scaled")
    if rtype in scales and draw(st.booleans()):
        r["to"] = [draw(st.floats(-5, 5)), draw(st.floats(5, 50))]
    if peers is not None and rtype in PEER_RULES:
        r["peers"] = peers
    return r, extra


PEER_RULES = {
    "rank_table",
    "rank_step",
    "ratio_to_best",
    "efficacy",
    "rank_improvement",
    "minmax",
    "zscore",
    "distance_to_target",
    "rank_percentile",
    "distance_to_max",
    "distance_to_reference",
    "fraction_of_max",
    "rank",
    "borda",
    "linear",
}


@st.composite
def case(draw: st.DrawFn, rtype: str, step: str) -> dict[str, Any]:
    n = draw(st.integers(4, 8))
    units = {f"u{i}": draw(st.sampled_from(["a", "b"])) for i in range(n)}
    units["u0"] = units["u1"] = "a"
    rule, extra = draw(rule_for(rtype, n))
    steps = set(STEPS[:-1]) if step == "all" else {step}
    numeric: dict[str, Any] = {}  # what both prepared indicators declare
    top: dict[str, Any] = {}
    if "denominator" in steps:
        numeric["denominator"] = "pop"
        numeric["denominator_scale"] = draw(st.sampled_from([1.0, 1000.0, 0.1]))
    if "transform" in steps:
        name = draw(st.sampled_from(["ln", "log10", "sqrt", "power", "reciprocal"]))
        tf: dict[str, Any] = {"type": name}
        if name == "power":
            tf["exponent"] = draw(st.sampled_from([2.0, 3.0, 0.5, -1.0, -0.5]))
        if draw(st.booleans()):
            tf["shift"] = draw(st.sampled_from([1.0, 0.5]))
        numeric["transform"] = tf if len(tf) > 1 or draw(st.booleans()) else name
    holes = "impute" in steps
    if holes:
        imp: dict[str, Any] = {"method": draw(st.sampled_from(["mean", "median"]))}
        imp["by"] = draw(st.sampled_from([None, "category", "region"]))
        if imp["by"] is None and draw(st.booleans()):
            imp["axis"] = "row"
        top["impute"] = {k: v for k, v in imp.items() if v is not None}
        numeric["missing"] = draw(st.sampled_from(["renormalise", "zero", "peer_average"]))
    if "treat" in steps:
        fallback = draw(st.sampled_from(["log", "boxcox", "none"]))
        treat: dict[str, Any] = {"max_points": draw(st.integers(0, 3)), "fallback": fallback}
        treat |= {"skew": 0.5, "kurtosis": 0.5}
        if fallback == "boxcox":
            treat["boxcox_lambda"] = draw(st.sampled_from([0.0, 0.5, 2.0]))
        top["treat"] = treat
    untouched = rtype in ITEMS
    x_spec: dict[str, Any] = {"weights": draw(F), "rule": rule, **extra}
    x_spec["direction"] = draw(st.sampled_from(["higher", "lower"]))
    if rtype == "time_progress":
        x_spec["direction"] = "higher"
    if not untouched:
        x_spec |= numeric
    if rtype in ITEMS - {"judgement"}:
        x_spec.pop("weights")
    indicators = {
        "x": x_spec,
        "y": {"weights": draw(F), "rule": {"type": "minmax"}, **numeric},
        "b": {"weights": 10, "rule": {"type": "judgement", "reason_required": False}},
    }
    raw = scheme_dict(indicators, units=units, preprocessing=top)
    for i, u in enumerate(units):
        raw["units"][u]["attributes"] = {"pop": draw(st.floats(0.5, 50))}
        raw["units"][u]["groups"] = {"region": "north" if i % 2 else "south"}
    positive = "transform" in steps or rtype in POSITIVE or rtype == "distance_to_reference"
    value = st.floats(0.5, 300) if positive else st.floats(-100, 300)
    data: dict[str, dict[str, Any]] = {}
    outlier = "treat" in steps and draw(st.booleans())
    for i, u in enumerate(units):
        row: dict[str, Any] = {"b": 0}
        for iid in ("x", "y"):
            v: Any = draw(value)
            if outlier and i == n - 1:
                v = 5000.0
            if holes and i > 1 and draw(st.integers(0, 3)) == 0:
                v = None
            row[iid] = v
        if rtype in ("count_deduction", "bonus_items"):
            levels = rule["levels"]
            row.pop("x")
            for k in levels:
                row[f"x:{k}"] = draw(st.integers(0, 3))
        elif rtype == "veto":
            row["x"] = draw(st.sampled_from([0, 1]))
        elif rtype == "judgement":
            row["x"] = draw(st.floats(0, 3))
        data[u] = row
    return {"raw": raw, "data": data, "lang": draw(st.sampled_from(["zh", "en"]))}


# --------------------------------------------------------------------------- the checks


NUMBER = re.compile(r"\d+(?:\.\d+)?")


def numbers(text: str) -> list[str]:
    return NUMBER.findall(text.replace("log₁₀", "log").replace("Box-Cox", "boxcox"))


def shown(values: Any) -> set[str]:
    """How each number is written (unsigned), with its neighbours ±1 (ranks, n − 1, bands)."""
    out = set(CONSTANTS)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or v != v:
            continue
        for w in (v, v - 1, v + 1):
            out.add(fmt(abs(w)).lstrip("−"))
    return out


def rule_numbers(rule: Any) -> list[float]:
    if isinstance(rule, dict):
        return [x for v in rule.values() for x in rule_numbers(v)]
    if isinstance(rule, list):
        return [x for v in rule for x in rule_numbers(v)]
    return [rule] if isinstance(rule, int | float) and not isinstance(rule, bool) else []


def check(ind: IndicatorExplanation) -> None:
    where = f"{ind.indicator}: {ind.arithmetic} (flags {ind.flags})"
    # each step, redone by hand from the value before it and its terms
    x = ind.value
    for s in ind.steps:
        x = redo_step(s, x)
        assert close(x, s["after"]), f"step {s['step']} gives {x}, shows {s['after']}; {where}"
        assert set(numbers(s["text"])) <= shown([s["before"], s["after"], *s["terms"].values()]), (
            f"step text has a number that is none of its terms: {s['text']!r}"
        )
    again = recompute(ind)
    assert close(again.value_used, ind.value_used), where
    if ind.raw_points is not None:
        assert close(again.raw_points, ind.raw_points), f"raw {again.raw_points}; {where}"
    assert close(again.points, ind.points), f"recomputed {again.points} ≠ {ind.points}; {where}"
    # the text: the steps' sentences, then the rule's arithmetic on the value used
    text = ind.arithmetic
    if ind.steps:
        assert text.startswith(ind.steps[0]["text"]), where
        for s in ind.steps:
            assert s["text"] in text, where
        text = text[text.index(ind.steps[-1]["text"]) + len(ind.steps[-1]["text"]) :]
    allowed = shown(
        [
            *ind.terms.values(),
            ind.value_used,
            ind.full,
            ind.raw_points,
            ind.points,
            *ind.bounds,
            *rule_numbers(ind.rule),
            (ind.rule.get("base") or 0) + (ind.rule.get("span") or 0),
        ]
    )
    stray = [n for n in numbers(text) if n not in allowed]
    assert not stray, f"numbers {stray} in the rule's text are none of its terms; {where}"
    if (
        ind.steps
        and ind.rule["type"] in SHOWS_X
        and ind.value_used is not None
        and "peer_average" not in ind.flags
    ):
        assert fmt(ind.value_used) in text, f"the value used is not in the text; {where}"


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("rtype", RULE_TYPES)
@TRUTH
@given(data=st.data())
def test_it_explains_every_point_by_the_arithmetic_that_gave_it(
    rtype: str, step: str, data: st.DataObject
) -> None:
    c = data.draw(case(rtype, step), label="case")
    try:
        res = run(c["raw"], c["data"])
    except KaoheError:
        return  # a case the engine refuses with a located message (tested elsewhere)
    with language(c["lang"]):
        for u in res.units:
            for ind in res.explain(u, c["lang"]).indicators:
                if ind.indicator != "b":
                    check(ind)


# --------------------------------------------------------------------------- tables


def _res(spec: dict[str, Any], values: dict[str, Any], **attrs: float) -> Any:
    units = dict.fromkeys(values, "c")
    raw = scheme_dict({"x": spec}, units=units)
    for u, a in attrs.items():
        raw["units"][u]["attributes"] = {"pop": a}
    return run(raw, {u: {"x": v} for u, v in values.items()})


def test_it_writes_a_denominated_ratio_on_the_value_divided() -> None:
    """The report: 10 per 2 people against a target of 10 was shown ``10 / 10 = 0.5``."""
    spec = {"weights": 10, "target": 10, "denominator": "pop", "rule": {"type": "proportional"}}
    res = _res(spec, {"u1": 10, "u2": 30}, u1=2, u2=4)
    e = res.explain("u1", "en").indicators[0]
    assert (e.value, e.value_used, e.points) == (10.0, 5.0, 5.0)
    assert e.arithmetic == "per pop: 10 ÷ 2 = 5; ratio = 5 / 10 = 0.5; 10 × 0.5 = 5"
    assert res.explain("u1", "zh").indicators[0].arithmetic.startswith("按pop折算 10 ÷ 2 = 5；")
    assert e.flags == ["denominated"]
    assert e.steps[0] == {
        "step": "denominated",
        "op": "divide",
        "before": 10.0,
        "after": 5.0,
        "terms": {"d": 2.0, "s": 1.0},
        "text": "per pop: 10 ÷ 2 = 5",
    }
    u2 = res.explain("u2", "en").indicators[0]  # 30 / 4 = 7.5 → 7.5 points
    assert (u2.value_used, u2.points) == (7.5, 7.5)


# each transform on its own, scored 1 point per unit of the transformed value (scaled 0…100
# onto 0…100): the points are the transformed value
TRANSFORMS = [
    # transform,                                   x,     points (by hand)
    ("ln", 1.0, 0.0),
    ("ln", math.e**2, 2.0),
    ("log10", 1000.0, 3.0),
    ("sqrt", 16.0, 4.0),
    ({"type": "power", "exponent": 3}, 2.0, 8.0),
    ({"type": "power", "exponent": 0.5}, 2.25, 1.5),
    ({"type": "power", "exponent": -1}, 4.0, 0.25),
    ("reciprocal", 8.0, 0.125),
    ({"type": "ln", "shift": 1}, 0.0, 0.0),  # ln(0 + 1): counts that may be 0
    ({"type": "sqrt", "shift": -1}, 10.0, 3.0),
]


@pytest.mark.parametrize(("transform", "x", "points"), TRANSFORMS)
def test_it_scores_the_transformed_value(transform: Any, x: float, points: float) -> None:
    rule = {"type": "scaled", "lower": 0, "upper": 100, "to": [0, 100]}
    res = _res({"weights": 100, "transform": transform, "rule": rule}, {"u1": x, "u2": 1.0})
    e = res.explain("u1", "en").indicators[0]
    assert math.isclose(e.points or 0.0, points, abs_tol=1e-12)
    assert e.value == x
    assert "transformed" in e.flags
    assert e.steps[0]["step"] == "transformed"
    assert e.arithmetic.startswith("transformed: ")


def test_it_writes_each_transform_as_a_person_would() -> None:
    rule = {"type": "scaled", "lower": 0, "upper": 100}
    cases = {
        "ln": "transformed: ln(100) = 4.60517",
        "log10": "transformed: log₁₀(100) = 2",
        "sqrt": "transformed: √(100) = 10",
        "reciprocal": "transformed: 1 / 100 = 0.01",
        "power": "transformed: 100^0.5 = 10",
        "shifted": "transformed: ln(100 + 1) = 4.615121",
    }
    specs: dict[str, Any] = {
        "power": {"type": "power", "exponent": 0.5},
        "shifted": {"type": "ln", "shift": 1},
    }
    for name, text in cases.items():
        tf = specs.get(name, name)
        res = _res({"weights": 10, "transform": tf, "rule": rule}, {"u1": 100})
        assert res.explain("u1", "en").indicators[0].steps[0]["text"] == text
    zh = _res({"weights": 10, "transform": "ln", "rule": rule}, {"u1": 100})
    assert zh.explain("u1", "zh").indicators[0].steps[0]["text"] == "变换 ln(100) = 4.60517"


# income in logs between goalposts (UNDP's HDI: $100 and $75,000), then capped:
#   index = (ln x − ln 100) / (ln 75000 − ln 100), truncated to [0, 1], × 10 points
LN100, LN75000 = 4.605170185988092, 11.225243392518447
INCOME = [
    # unit, income, ln income,           index (by hand),      points,  flags
    ("u1", 100.0, 4.605170185988092, 0.0, 0.0, []),
    ("u2", 1000.0, 6.907755278982137, 0.3478186752863497, 3.478186752863497, []),
    ("u3", 75000.0, 11.225243392518447, 1.0, 10.0, []),
    ("u4", 120000.0, 11.695247021764184, 1.0, 10.0, ["capped"]),
    ("u5", 50.0, 3.912023005428146, 0.0, 0.0, ["floored"]),
]


def test_it_puts_income_in_logs_between_goalposts_then_caps_it() -> None:
    spec = {
        "weights": 10,
        "transform": "ln",
        "rule": {"type": "goalposts", "lower": LN100, "upper": LN75000},
    }
    res = _res(spec, {u: x for u, x, *_ in INCOME})
    for u, x, ln_x, index, points, flags in INCOME:
        e = res.explain(u, "en").indicators[0]
        assert e.value == x
        assert math.isclose(e.value_used or 0.0, ln_x, rel_tol=1e-15), u
        assert math.isclose(e.terms["frac"] or 0.0, index, abs_tol=1e-15), u
        assert math.isclose(e.points or 0.0, points, abs_tol=1e-12), u
        assert sorted(e.flags) == sorted(["transformed", *flags]), u
    top = res.explain("u4", "en").indicators[0].arithmetic
    assert top.startswith("transformed: ln(120000) = 11.695247; fraction (11.695247 − 4.60517)")
    assert "capped at 10" in top


def test_it_flags_a_goalpost_truncation_as_capped_or_floored() -> None:
    """Truncated at the top: capped; at the bottom: floored; untruncated: neither."""
    rule: dict[str, Any] = {"type": "goalposts", "lower": 0, "upper": 10}
    res = _res({"weights": 10, "rule": rule}, {"u1": 12, "u2": -3, "u3": 5})
    flags = {u: res.explain(u).indicators[0].flags for u in ("u1", "u2", "u3")}
    assert flags == {"u1": ["capped"], "u2": ["floored"], "u3": []}
    free = _res({"weights": 10, "rule": rule | {"truncate": False}}, {"u1": 12, "u2": -3})
    assert [free.explain(u).indicators[0].flags for u in ("u1", "u2")] == [[], []]
    assert free.explain("u1").indicators[0].points == 12.0
    # a reversed scale: the fraction's 1 is the fewest points
    rev = _res({"weights": 10, "rule": rule | {"to": [10, 0]}}, {"u1": 12, "u2": -3})
    assert [rev.explain(u).indicators[0].flags for u in ("u1", "u2")] == [["floored"], ["capped"]]


@pytest.mark.parametrize(
    ("transform", "x", "en", "zh"),
    [
        ("ln", 0, "ln(x) needs x > 0, but x is 0", "ln(x) 要求 x > 0，而 x 为 0"),
        ("sqrt", -4, "√(x) needs x ≥ 0, but x is −4", "√(x) 要求 x ≥ 0，而 x 为 −4"),
        ("reciprocal", 0, "1 / x needs x ≠ 0, but x is 0", "1 / x 要求 x ≠ 0，而 x 为 0"),
        ({"type": "ln", "shift": 1}, -1, "ln(x + 1) needs x + 1 > 0", "ln(x + 1) 要求 x + 1 > 0"),
        (
            {"type": "power", "exponent": 0.5},
            -1,
            "x^0.5 needs x ≥ 0, but x is −1",
            "x^0.5 要求 x ≥ 0，而 x 为 −1",
        ),
    ],
)
def test_it_names_the_cell_of_a_value_outside_a_transforms_domain(
    transform: Any, x: float, en: str, zh: str
) -> None:
    spec = {"weights": 10, "transform": transform, "rule": {"type": "minmax"}}
    for lang, words in (("en", en), ("zh", zh)):
        with language(lang), pytest.raises(DataError) as err:
            _res(spec, {"u1": 5, "u2": x})
        (issue,) = err.value.issues
        assert issue.path == "indicators.x.transform"
        assert (issue.file, issue.row, issue.column) == ("data", 3, "B (x)")  # u2's cell of x
        assert words in issue.message
        assert "U2 (u2)" in issue.message
        assert "x (x)" in issue.message


def test_it_names_every_cell_outside_the_domain_and_ignores_cells_that_do_not_apply() -> None:
    raw = scheme_dict(
        {"x": {"weights": {"a": 10}, "transform": "ln", "rule": {"type": "minmax"}}},
        units={"u1": "a", "u2": "a", "u3": "a", "u4": "b"},
    )
    with pytest.raises(DataError) as err:
        run(raw, {"u1": {"x": 0}, "u2": {"x": 3}, "u3": {"x": -2}, "u4": {}})
    assert [i.row for i in err.value.issues] == [2, 4]


@pytest.mark.parametrize(
    "transform",
    [
        {"type": "power"},
        {"type": "ln", "exponent": 2},
        {"type": "power", "exponent": 0},
        "exp",
    ],
)
def test_it_refuses_a_transform_written_wrong(transform: Any) -> None:
    raw = scheme_dict({"x": {"weights": 10, "transform": transform, "rule": {"type": "minmax"}}})
    with pytest.raises(SchemeError) as err:
        build_scheme(raw)
    assert any(i.path.startswith("indicators.x.transform") for i in err.value.issues)


def test_it_refuses_a_transform_on_items_vetoes_and_judgements() -> None:
    raw = scheme_dict({"x": {"weights": 10, "transform": "ln", "rule": {"type": "judgement"}}})
    with pytest.raises(SchemeError) as err:
        build_scheme(raw)
    assert "transform" in str(err.value)


def test_it_shows_an_imputed_value_and_scores_it() -> None:
    """An empty cell imputed by the mean of its category: the explanation says so, and its
    arithmetic is on the mean (it said "no value" while the points came from the mean)."""
    raw = scheme_dict(
        {"x": {"weights": 10, "missing": "renormalise", "rule": {"type": "minmax"}}},
        units={"u1": "c", "u2": "c", "u3": "c"},
        preprocessing={"impute": {"method": "mean", "by": "category"}},
    )
    res = run(raw, {"u1": {"x": 2}, "u2": {"x": 6}, "u3": {}})
    e = res.explain("u3", "en").indicators[0]
    assert (e.status, e.value, e.value_used, e.points) == ("missing", None, 4.0, 5.0)
    assert e.flags == ["imputed"]
    assert e.arithmetic == (
        "missing: imputed as the mean of its category's units, 4; "
        "fraction (4 − 2) / (6 − 2) = 0.5; 0 + (10 − 0) × 0.5 = 5"
    )


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FOLDERS = sorted(p.parent for p in EXAMPLES.glob("*/scheme.yaml"))


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_every_point_of_every_example_is_recomputed_from_its_explanation(folder: Path) -> None:
    """Real schemes (ASEM: COINr's denominators, imputation and winsorisation):
    every indicator of every unit, its explanation redone by hand, gives its points back."""
    scheme = load_scheme(folder / "scheme.yaml")
    data_file = next(folder / n for n in ("data.xlsx", "data.csv") if (folder / n).exists())
    data, _ = load_data(scheme, data_file)
    res = assess(scheme, data)
    steps = set()
    for e in res.explain_all("en"):
        for ind in e.indicators:
            check(ind)
            steps |= {s["step"] for s in ind.steps}
    if folder.name == "asem":
        assert steps >= {"denominated", "imputed", "winsorised"}


def test_it_shows_the_value_a_peer_rule_compared_at_twelve_digits() -> None:
    """0.7 / 0.1 is 6.999999999999999 in floating point and ties 7 on paper: min–max compares
    peers at 12 significant digits, and the explanation says so as the value's last step
    (CI of 2026-12-07: a log-treated value and its near-twin gave −2e-12 when redone)."""
    spec = {"weights": 10, "rule": {"type": "minmax"}}
    res = _res(spec, {"u1": 0.7 / 0.1, "u2": 7.0, "u3": 17.0})
    e = res.explain("u1", "en").indicators[0]
    assert (e.value, e.value_used) == (6.999999999999999, 7.0)
    assert (e.terms["min"], e.points) == (7.0, 0.0)
    assert [s["step"] for s in e.steps] == ["compared"]
    assert e.arithmetic.startswith("compared with peers to 12 significant digits: 7; ")
    assert recompute(e) == (7.0, 0.0, 0.0)
    zh = res.explain("u1", "zh").indicators[0].arithmetic
    assert zh.startswith("与同类比较时取12位有效数字 7；")
    # a value its peers do not nearly tie is used as entered: no step
    assert res.explain("u3", "en").indicators[0].steps == ()
