"""Warnings about the data: late, decreasing, and jumps against the unit's history or peers."""

from __future__ import annotations

import datetime as dt

import pytest

from kaohe.i18n import language
from kaohe.monitoring.monitor import monitor
from kaohe.monitoring.series import series_from_values

from .helpers import plan, run

REVENUE_ONLY = {"indicators": {"revenue": {"kind": "cumulative"}}}


def _checks(m: object) -> list[tuple[str, str, str]]:
    return [(d.period, d.unit, d.check) for d in m.data_warnings()]  # type: ignore[attr-defined]


def test_a_missing_value_is_late_after_its_deadline_only() -> None:
    p = plan(REVENUE_ONLY)
    now = {("revenue", u): [10, 20] for u in "abc"}
    before_deadline = run(p, now, current=1)
    assert before_deadline.as_of == dt.date(2022, 3, 11)  # deadline 10 March, checked the 11th
    assert _checks(before_deadline) == [("2022-01", "d", "late"), ("2022-02", "d", "late")]
    on_the_day = monitor(p, before_deadline.series, current=1, as_of=dt.date(2022, 3, 10))
    assert _checks(on_the_day) == [("2022-01", "d", "late")]
    with language("zh"):
        assert str(on_the_day.data_warnings()[0].reason) == "1月的数值截至 2022-02-10 未报送"


def test_a_value_reported_after_its_deadline_is_late() -> None:
    p = plan(REVENUE_ONLY)
    values = {("revenue", u, "2022-01"): 10.0 for u in "abcd"}
    reported = {("revenue", "b", "2022-01"): dt.date(2022, 2, 14)}
    m = monitor(p, series_from_values(p, values, reported=reported))
    assert _checks(m) == [("2022-01", "b", "late")]
    with language("en"):
        assert str(m.data_warnings()[0].reason) == (
            "the value for Jan was reported on 2022-02-14, after its deadline 2022-02-10"
        )


def test_not_applicable_is_not_late() -> None:
    p = plan(REVENUE_ONLY)
    values = {("revenue", u, "2022-01"): 10.0 for u in "abc"}
    m = monitor(
        p, series_from_values(p, values, not_applicable=frozenset({("revenue", "d", "2022-01")}))
    )
    assert _checks(m) == []
    assert [w.colour for w in m.warnings() if w.unit == "d"] == ["none"]


def test_a_decreasing_cumulative_series_is_a_warning_not_silence() -> None:
    p = plan(REVENUE_ONLY)
    m = run(p, {("revenue", u): [10, 20, 19, 30] for u in "abcd"})
    dec = [d for d in m.data_warnings() if d.check == "decreasing"]
    assert [(d.period, d.unit, d.value, d.reference) for d in dec] == [
        ("2022-03", u, 19.0, 20.0) for u in "abcd"
    ]
    with language("zh"):
        assert str(dec[0].reason) == "累计值下降：3月为 19，低于2月的 20"


def test_a_flow_far_from_the_units_own_months() -> None:
    """Flows 10, 10, 10, 40: April is 4× the median of January–March (factor 3)."""
    p = plan({**REVENUE_ONLY, "checks": {"peer_factor": None}})
    m = run(p, {("revenue", u): [10, 20, 30, 70 if u == "a" else 40] for u in "abcd"})
    jumps = [d for d in m.data_warnings() if d.check == "own_history"]
    assert [(d.period, d.unit, d.value) for d in jumps] == [("2022-04", "a", 40.0)]
    assert jumps[0].reference == pytest.approx(10.0)
    with language("zh"):
        assert str(jumps[0].reason) == (
            "本期新增 40 为参照值 10 的 4 倍，超出 3 倍的范围（参照：本单位此前各期的中位数，"
            "按本期所占年度份额折算）"
        )


def test_a_quarter_is_not_a_jump_against_months() -> None:
    """A flow covering three months is compared per share of the year: 30 over a quarter is
    the same pace as 10 a month."""
    mon = {
        "indicators": {"revenue": {"kind": "flow", "periods": ["2022-01", "2022-02", "2022-05"]}}
    }
    p = plan({**mon, "checks": {"peer_factor": None}})
    m = run(p, {("revenue", "a"): [10, 10, None, None, 30]})
    assert [d.check for d in m.data_warnings() if d.unit == "a"] == []


def test_a_value_far_from_its_peers() -> None:
    """In a category of three with min_peers 2, 丙's 60 against 丁 and 戊's median 10."""
    units = {
        "a": {"name": "甲县", "category": "dev"},
        "b": {"name": "乙县", "category": "dev"},
        "c": {"name": "丙县", "category": "eco"},
        "d": {"name": "丁县", "category": "eco"},
        "e": {"name": "戊县", "category": "eco"},
    }
    p = plan({**REVENUE_ONLY, "checks": {"own_factor": None}}, units=units)
    m = run(p, {("revenue", u): [60 if u == "c" else 10] for u in "abcde"})
    assert [(d.unit, d.check, d.reference) for d in m.data_warnings()] == [("c", "peers", 10.0)]


def test_rates_jump_by_points() -> None:
    mon = {
        "indicators": {"growth": {"kind": "rate", "threshold": "g"}},
        "thresholds": {"g": {"measure": "gap"}},
        "checks": {"rate_points": 5, "peer_factor": None, "late": False},
    }
    m = run(plan(mon), {("growth", "a"): [8, 9, -1]})
    jumps = m.data_warnings()
    assert [(d.period, d.check, d.reference) for d in jumps] == [("2022-03", "own_history", 8.5)]
    with language("en"):
        assert str(jumps[0].reason) == (
            "This period's value -1 is 9.5 points from the median 8.5 of the unit's earlier "
            "periods, more than 5"
        ).replace("-1", "−1")


def test_checks_can_be_turned_off() -> None:
    mon = {
        **REVENUE_ONLY,
        "checks": {"late": False, "decreasing": False, "own_factor": None, "peer_factor": None},
    }
    m = run(plan(mon), {("revenue", "a"): [10, 9, 100]})
    assert m.data_warnings() == []
