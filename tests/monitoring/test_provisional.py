"""The provisional assessment: year-to-date values against time-proportional targets, through
the engine, hand-computed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from kaohe.monitoring.monitor import Monitor
from kaohe.monitoring.provisional import assess_provisional

from .helpers import MONITORING, plan, run

# June: revenue to date (target 120, path 60) and investment to date (last June: 100 each)
REVENUE = {"a": 54.0, "b": 66.0, "c": 60.0, "d": 30.0}
FAI = {"a": 112.0, "b": 108.0, "c": 110.0, "d": 105.0}


def _june(monitoring: Mapping[str, Any] = MONITORING, drop: str | None = None) -> Monitor:
    now: dict[tuple[str, str], list[float | None]] = {}
    before: dict[tuple[str, str], list[float | None]] = {}
    for u in "abcd":
        now[("revenue", u)] = [REVENUE[u] * k / 6 for k in range(1, 7)]
        now[("fai", u)] = [FAI[u] * k / 6 for k in range(1, 7)]
        before[("fai", u)] = [100.0 * k / 6 for k in range(1, 7)]
    if drop is not None:
        now[("revenue", drop)][5] = None
    return run(plan(monitoring), now, before, current=5)


def test_the_provisional_ranking_by_hand() -> None:
    """Revenue 60 × min(x / 60, 1); growth 40 − 2 × (10 − g), at most 40:

    | unit | revenue | growth | total | in category | overall |
    |---|---|---|---|---|---|
    | 甲 a | 54 | 12% → 40 | 94 | 2 | 3 |
    | 乙 b | 60 (66, capped) | 8% → 36 | 96 | 1 | 2 |
    | 丙 c | 60 | 10% → 40 | 100 | 1 | 1 |
    | 丁 d | 30 | 5% → 30 | 60 | 2 | 4 |
    """
    prov = assess_provisional(_june())
    rows = {r["unit"]: r for r in prov.rows()}
    got = {u: (round(r["score"], 9), r["rank_in_category"], r["rank"]) for u, r in rows.items()}
    assert got == {"a": (94, 2, 3), "b": (96, 1, 2), "c": (100, 1, 1), "d": (60, 2, 4)}
    assert all(r["provisional"] is True and r["period"] == "2022-06" for r in rows.values())
    assert prov.provisional is True
    assert prov.as_of == dt.date(2022, 6, 30)
    assert prov.used == {"revenue": "2022-06", "growth": "2022-06"}
    res = prov.results
    assert res.scheme.grading is None
    assert res.scheme.indicators["revenue"].target == dict.fromkeys("abcd", 60.0)
    assert res.scheme.indicators["growth"].target == 10
    assert res.scheme.period.as_of == dt.date(2022, 6, 30)


@pytest.mark.parametrize(("missing", "score"), [("renormalise", 75.0), ("zero", 30.0)])
def test_a_value_not_reported_follows_the_provisional_policy(missing: str, score: float) -> None:
    """丁 has no June revenue: renormalised, its 30 of 40 growth points make 75 of 100."""
    mon = {**MONITORING, "provisional": {"missing": missing}}
    prov = assess_provisional(_june(mon, drop="d"))
    d = next(r for r in prov.rows() if r["unit"] == "d")
    assert d["score"] == pytest.approx(score)


def test_a_quarterly_indicator_counts_with_its_latest_dispatch() -> None:
    mon = {
        **MONITORING,
        "indicators": {
            **MONITORING["indicators"],
            "fai": {
                **MONITORING["indicators"]["fai"],
                "periods": ["2022-03", "2022-06"],
            },
        },
    }
    p = plan(mon)
    now: dict[tuple[str, str], list[float | None]] = {
        ("revenue", u): [10.0 * k for k in range(1, 6)] for u in "abcd"
    }
    now.update({("fai", u): [None, None, 50.0] for u in "abcd"})
    before = {("fai", u): [None, None, 50.0] for u in "abcd"}
    prov = assess_provisional(run(p, now, before, current=4))
    assert prov.used == {"revenue": "2022-05", "growth": "2022-03"}
    prov_feb = assess_provisional(run(p, now, before, current=1))
    assert prov_feb.used == {"revenue": "2022-02"}
    assert tuple(prov_feb.results.scheme.indicators) == ("revenue",)
