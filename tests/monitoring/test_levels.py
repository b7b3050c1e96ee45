"""Levels, flows and year-on-year growth against hand-computed tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kaohe.errors import DataError
from kaohe.i18n import language
from kaohe.monitoring.series import (
    cumulative_from_flow,
    flow_from_cumulative,
    previous_dispatch,
    series_from_values,
)

from .helpers import cell, plan, run

NAN = math.nan


def _same(got: object, expected: list[float]) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), expected, rtol=0, atol=1e-12)


def test_year_on_year_from_levels_with_a_missing_month() -> None:
    """Cumulative revenue (亿元) of 甲县 with March not reported, against last year's:

    | month | level | last year | growth % | flow |
    |---|---|---|---|---|
    | 1 | 10 | 8 | 25 | 10 |
    | 2 | 22 | 20 | 10 | 12 |
    | 3 | — | 30 | — | — |
    | 4 | 45 | 40 | 12.5 | — (March unknown) |
    """
    p = plan()
    m = run(p, {("revenue", "a"): [10, 22, None, 45]}, {("revenue", "a"): [8, 20, 30, 40]}, 3)
    s, u, _ = cell(m, "revenue", "a", 1)
    _same(m.level[s, u, :4], [10, 22, NAN, 45])
    _same(m.previous_level[s, u, :4], [8, 20, 30, 40])
    _same(m.growth[s, u, :4], [25, 10, NAN, 12.5])
    _same(m.flow[s, u, :4], [10, 12, NAN, NAN])
    march = m.warnings(2)[0]
    assert (march.unit, march.colour, march.value) == ("a", "none", None)
    with language("zh"):
        assert str(march.reason) == "本期未报送"


def test_the_same_year_as_flows_loses_every_level_after_the_missing_month() -> None:
    """乙县 reports period flows 10, 12, —, 11: its level is known to February only."""
    p = plan({"indicators": {"revenue": {"kind": "flow"}}})
    m = run(p, {("revenue", "b"): [10, 12, None, 11]}, {("revenue", "b"): [8, 12, 10, 10]}, 3)
    s, u, _ = cell(m, "revenue", "b", 1)
    _same(m.level[s, u, :4], [10, 22, NAN, NAN])
    _same(m.previous_level[s, u, :4], [8, 20, 30, 40])
    _same(m.growth[s, u, :4], [25, 10, NAN, NAN])
    april = m.warnings(3)[u]
    assert april.colour == "none"
    with language("en"):
        assert str(april.reason) == "an earlier period is missing: the level to date is not known"


def test_cumulative_and_flow_entries_of_the_same_year_agree() -> None:
    """Levels 10, 22, 35, 45 entered as levels, or as flows 10, 12, 13, 10: the same levels,
    growth, time-proportional targets, measures and colours (last year's file in the same kind)."""
    levels = {("revenue", u): [10, 22, 35, 45] for u in "abcd"}
    flows = {("revenue", u): [10, 12, 13, 10] for u in "abcd"}
    before_levels = {("revenue", u): [9, 20, 30, 41] for u in "abcd"}
    before_flows = {("revenue", u): [9, 11, 10, 11] for u in "abcd"}
    cum = run(plan(), levels, before_levels)
    flo = run(plan({"indicators": {"revenue": {"kind": "flow"}}}), flows, before_flows)
    for name in ("level", "flow", "growth", "expected", "share", "measure"):
        np.testing.assert_array_equal(getattr(cum, name)[0], getattr(flo, name)[0], err_msg=name)
    np.testing.assert_array_equal(cum.colour[0], flo.colour[0])
    _same(cum.flow[0, 0, :4], [10, 12, 13, 10])
    _same(flo.level[0, 0, :4], [10, 22, 35, 45])


def test_a_quarterly_indicator_in_a_monthly_calendar_has_one_flow_per_quarter() -> None:
    dispatched = np.array([[m in (2, 5, 8, 11) for m in range(12)]])
    prev = previous_dispatch(dispatched)
    assert prev[0].tolist() == [-1, -1, -1, 2, 2, 2, 5, 5, 5, 8, 8, 8]
    flows = np.full((1, 1, 12), np.nan)
    flows[0, 0, [2, 5, 8, 11]] = [30, 25, 20, 45]
    level = cumulative_from_flow(flows, dispatched)
    _same(level[0, 0, [2, 5, 8, 11]], [30, 55, 75, 120])
    assert np.isnan(level[0, 0, [0, 1, 3, 4]]).all()
    _same(flow_from_cumulative(level, dispatched)[0, 0, [2, 5, 8, 11]], [30, 25, 20, 45])


def test_a_rate_is_its_own_growth_and_has_no_flow() -> None:
    p = plan(
        {
            "indicators": {"growth": {"kind": "rate", "threshold": "g"}},
            "thresholds": {"g": {"measure": "gap", "green": 0, "amber": -2}},
        }
    )
    m = run(p, {("growth", "a"): [9.0, 8.5]}, current=1)
    assert np.isnan(m.growth[0, 0, :2]).all()
    assert np.isnan(m.flow[0, 0, :2]).all()
    _same(m.compared[0, 0, :2], [9.0, 8.5])
    _same(m.gap[0, 0, :2], [-1.0, -1.5])
    assert [w.colour for w in m.warnings(1) if w.unit == "a"] == ["amber"]
    with language("zh"):
        assert str(m.warnings(1)[0].reason) == "本期 8.5%，低于目标 10% 共 1.5 个百分点"


def test_a_growth_needs_last_years_level() -> None:
    p = plan()
    m = run(p, {("fai", "a"): [10, 21]}, {("fai", "a"): [None, 20]}, 1)
    s, u, _ = cell(m, "fai", "a", 1)
    _same(m.growth[s, u, :2], [NAN, 5.0])
    jan = next(w for w in m.warnings(0) if w.series == "fai" and w.unit == "a")
    with language("zh"):
        assert str(jan.reason) == "上年同期无数据，无法计算同比增速"
    feb = next(w for w in m.warnings(1) if w.series == "fai" and w.unit == "a")
    assert feb.colour == "red"  # 5% against 10%: 5 points below, amber down to −2
    with language("en"):
        assert str(feb.reason) == "5% year on year, 5 points below the target 10%"


def test_values_outside_the_plan_are_named() -> None:
    p = plan({"indicators": {"revenue": {"kind": "cumulative", "periods": ["2022-06"]}}})
    with pytest.raises(DataError) as err, language("en"):
        series_from_values(p, {("revenue", "a", "2022-05"): 1.0, ("revenue", "x", "2022-06"): 2.0})
    assert len(err.value.issues) == 2
    assert "revenue / a / 2022-05" in str(err.value)
