"""The time-proportional target, its profiles and paths, and the warning bands at their edges."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from kaohe.i18n import language
from kaohe.monitoring.calendar import day_shares, linear_shares, month_position, period_ends
from kaohe.monitoring.monitor import Monitor

from .helpers import MONITORING, plan, run

REVENUE_ONLY: dict[str, Any] = {"indicators": {"revenue": {"kind": "cumulative"}}}


def _at_june(monitoring: Mapping[str, Any], levels: dict[str, float], **kw: Any) -> Monitor:
    """Revenue to date in June (all months before it on the straight path) for each unit."""
    p = plan(monitoring, **kw)
    table = {("revenue", u): [v * k / 6 for k in range(1, 7)] for u, v in levels.items()}
    return run(p, table, current=5)


def test_linear_shares_count_months() -> None:
    p = plan()
    np.testing.assert_array_equal(linear_shares(p.calendar), np.arange(1, 13) / 12)
    assert month_position(dt.date(2022, 6, 15), dt.date(2022, 1, 1)) == 5.5
    days = day_shares(p.calendar)
    assert days[5] == 181 / 365
    assert days[-1] == 1.0


def test_quarters_and_a_span_that_ends_mid_quarter() -> None:
    ends = period_ends(dt.date(2022, 1, 1), dt.date(2022, 11, 15), 3)
    assert ends == (
        dt.date(2022, 3, 31),
        dt.date(2022, 6, 30),
        dt.date(2022, 9, 30),
        dt.date(2022, 11, 15),
    )
    p = plan({**REVENUE_ONLY, "periods": "quarters"})
    assert p.calendar.ids == ("2022-Q1", "2022-Q2", "2022-Q3", "2022-Q4")
    np.testing.assert_array_equal(p.shares[0], [0.25, 0.5, 0.75, 1.0])


def test_the_issues_sentence() -> None:
    """Target 100, 38 to date in June: 38% against 50%, 12 points behind, red."""
    m = _at_june(REVENUE_ONLY, {"a": 38}, indicators={**_targets(100)})
    w = m.warnings(5)[0]
    assert (w.colour, w.share, w.expected_share, w.expected) == ("red", 0.38, 0.5, 50.0)
    with language("zh"):
        assert str(w.reason) == "累计完成年度目标 38%，低于序时进度 50% 共 12 个百分点"
    with language("en"):
        assert str(w.reason) == (
            "38% of the annual target reached to date, 12 points below the time-proportional 50%"
        )


def _targets(target: float) -> dict[str, dict[str, Any]]:
    from .helpers import BASE

    inds = {k: dict(v) for k, v in BASE["indicators"].items()}
    inds["revenue"]["target"] = target
    return inds


@pytest.mark.parametrize(
    ("level", "ratio", "colour"),
    [
        (60.0, 1.0, "green"),  # exactly the path: green
        (54.0, 0.9, "amber"),  # exactly 90%: amber
        (53.99, 53.99 / 60, "red"),
        (66.0, 1.1, "green"),
    ],
)
def test_ratio_bands_at_their_edges(level: float, ratio: float, colour: str) -> None:
    m = _at_june(REVENUE_ONLY, {"a": level})
    w = m.warnings(5)[0]
    assert w.expected == 60.0
    assert math.isclose(w.measure or 0, ratio)
    assert w.colour == colour


@pytest.mark.parametrize(
    ("level", "gap", "colour"),
    [(60.0, 0.0, "green"), (48.0, -10.0, "amber"), (47.99, -10.008333333, "red")],
)
def test_gap_bands_at_their_edges(level: float, gap: float, colour: str) -> None:
    """Gap in points of the annual target: 48 of 120 is 40% against 50%, −10 points."""
    mon = {**REVENUE_ONLY, "thresholds": {"default": {"measure": "gap"}}}
    w = _at_june(mon, {"a": level}).warnings(5)[0]
    assert math.isclose(w.measure or 0, gap, abs_tol=1e-6)
    assert w.colour == colour


def test_rank_bands_within_the_category() -> None:
    """By rank (green 1st, amber 2nd): 甲 and 乙 tie at the top of 开发区, 丙 leads 丁."""
    mon = {
        **REVENUE_ONLY,
        "thresholds": {"default": {"measure": "rank", "green": 1, "amber": 1}},
    }
    m = _at_june(mon, {"a": 50, "b": 50, "c": 70, "d": 40})
    got = {w.unit: (w.rank, w.colour) for w in m.warnings(5)}
    assert got == {"a": (1, "green"), "b": (1, "green"), "c": (1, "green"), "d": (2, "red")}
    with language("zh"):
        d = next(w for w in m.warnings(5) if w.unit == "d")
        assert str(d.reason).endswith("；在同类单位中排第 2 位（共 2 个）")


def test_a_seasonal_profile_sets_the_path() -> None:
    """Weights 1,1,2,2,2,2,1,1,1,1,1,1 (16): June closes 10/16 of the year; 120 × 0.625 = 75;
    70 to date is 93.3% of it: amber."""
    mon = {
        "indicators": {"revenue": {"kind": "cumulative", "profile": "season"}},
        "profiles": {"season": {"shares": [1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1]}},
    }
    p = plan(mon)
    np.testing.assert_allclose(p.shares[0], np.cumsum([1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1]) / 16)
    m = run(p, {("revenue", "a"): [5, 10, 20, 35, 50, 70]})
    w = m.warnings(5)[0]
    assert (w.expected, w.colour) == (75.0, "amber")
    assert math.isclose(w.measure or 0, 70 / 75)


def test_last_years_shape_as_the_profile() -> None:
    """Last year's flows of the complete units add up to 10, 30, 60, 100 by quarter (丁 misses
    a quarter and is left out of the shape): the path is 10%, 30%, 60%, 100%."""
    mon = {
        "periods": "quarters",
        "indicators": {"revenue": {"kind": "flow", "profile": "ly"}},
        "profiles": {"ly": {"from": "previous"}},
    }
    p = plan(mon)
    before: dict[tuple[str, str], list[float | None]] = {
        ("revenue", "a"): [5, 10, 15, 20],
        ("revenue", "b"): [5, 10, 15, 20],
        ("revenue", "d"): [1, None, 1, 1],
    }
    m = run(p, {("revenue", "a"): [10, 23]}, before, current=1)
    np.testing.assert_allclose(m.shares[0], [0.1, 0.3, 0.6, 1.0])
    w = m.warnings(1)[0]
    assert w.expected == pytest.approx(36.0)  # 120 × 30%
    assert w.measure == pytest.approx(33 / 36)
    assert w.colour == "amber"


def test_without_last_year_the_shape_is_unknown() -> None:
    mon = {
        "indicators": {"revenue": {"kind": "cumulative", "profile": "ly"}},
        "profiles": {"ly": {"from": "previous"}},
    }
    m = run(plan(mon), {("revenue", "a"): [10]})
    w = m.warnings(0)[0]
    assert w.colour == "none"
    with language("zh"):
        assert str(w.reason) == "缺少上年数据，无法计算序时进度"


def test_a_stock_from_last_years_closing_level() -> None:
    """Stock 80 last December, target 120: June's path is 80 + 40 × 0.5 = 100; 95 is amber."""
    mon = {"indicators": {"revenue": {"kind": "stock", "path": "from_start"}}}
    before = {("revenue", "a"): [70] * 11 + [80]}
    m = run(plan(mon), {("revenue", "a"): [82, 85, 88, 90, 92, 95]}, before)
    w = m.warnings(5)[0]
    assert (w.expected, w.colour) == (100.0, "amber")
    assert w.growth == pytest.approx(100 * (95 / 70 - 1))
    with language("zh"):
        assert str(w.reason) == "当前完成年度目标 79.2%，低于序时进度 83.3% 共 4.2 个百分点"


def test_a_flat_stock_is_held_against_the_whole_target() -> None:
    mon = {"indicators": {"revenue": {"kind": "stock"}}}
    m = run(plan(mon), {("revenue", "a"): [120]})
    w = m.warnings(0)[0]
    assert (w.expected, w.colour) == (120.0, "green")
    with language("zh"):
        assert str(w.reason) == "当前完成年度目标 100%，恰好达到目标进度 100%"


def test_lower_is_better_inverts_the_ratio() -> None:
    """Energy use under a ceiling of 120 a year: 50 by June (path 60) is 60/50 = 1.2, green;
    66 is 60/66 = 0.909, amber."""
    inds = _targets(120)
    inds["revenue"]["direction"] = "lower"
    inds["revenue"]["rule"] = {"type": "linear", "rate": 1}
    m = _at_june(REVENUE_ONLY, {"a": 50, "b": 66}, indicators=inds)
    got = {w.unit: (round(w.measure or 0, 6), w.colour) for w in m.warnings(5) if w.value}
    assert got == {"a": (1.2, "green"), "b": (round(60 / 66, 6), "amber")}


def test_an_indicator_scored_by_time_progress_keeps_its_own_span() -> None:
    """A three-year task (2021–2023) is 1/3 + 1/2 × 1/3 done by June 2022 on its own span."""
    inds = _targets(90)
    inds["revenue"]["rule"] = {"type": "time_progress", "start": "2021-01-01", "end": "2023-12-31"}
    period = {"start": "2022-01-01", "end": "2022-12-31", "as_of": "2022-12-31"}
    p = plan(REVENUE_ONLY, indicators=inds, period=period)
    assert p.shares[0, 5] == pytest.approx((365 + 181) / 1095)


def test_counts_and_the_default_of_the_current_period() -> None:
    m = run(plan(MONITORING), {("revenue", u): [10, 20, 30] for u in "abcd"})
    assert m.period == "2022-03"
    assert m.as_of == dt.date(2022, 4, 11)
    assert m.counts() == {"none": 4, "red": 0, "amber": 0, "green": 4}
    per_unit = m.unit_counts()
    assert list(per_unit) == ["a", "b", "c", "d"]
    assert {k: sum(c[k] for c in per_unit.values()) for k in m.counts()} == m.counts()
