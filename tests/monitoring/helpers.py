"""A small scheme with a monitoring section, and series built from tables of numbers."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from kaohe import build_scheme
from kaohe.monitoring.monitor import Monitor, monitor
from kaohe.monitoring.plan import MonitorPlan, compile_monitor
from kaohe.monitoring.series import Series, series_from_values
from kaohe.scheme import Scheme

UNITS = ("a", "b", "c", "d")
MONTHS = tuple(f"2022-{m:02d}" for m in range(1, 13))

#: Two categories of two units; revenue (points in proportion to the target, 60) and a growth
#: (40 points, −2 per point below the target of 10%).
BASE: dict[str, Any] = {
    "name": "监测测试方案",
    "period": {"start": "2022-01-01", "end": "2022-12-31"},
    "categories": {"dev": {"name": "开发区"}, "eco": {"name": "生态区"}},
    "units": {
        "a": {"name": "甲县", "category": "dev"},
        "b": {"name": "乙县", "category": "dev"},
        "c": {"name": "丙县", "category": "eco"},
        "d": {"name": "丁县", "category": "eco"},
    },
    "indicators": {
        "revenue": {
            "name": "一般公共预算收入",
            "unit_of_measure": "亿元",
            "weights": 60,
            "target": 120,
            "rule": {"type": "proportional"},
        },
        "growth": {
            "name": "固定资产投资增速",
            "unit_of_measure": "%",
            "weights": 40,
            "target": 10,
            "rule": {"type": "linear", "rate": 2},
        },
    },
}

MONITORING: dict[str, Any] = {
    "indicators": {
        "revenue": {"kind": "cumulative"},
        "fai": {
            "indicator": "growth",
            "name": "固定资产投资额（累计）",
            "unit_of_measure": "亿元",
            "kind": "cumulative",
            "compare": "growth",
            "threshold": "growth",
        },
    },
    "thresholds": {"growth": {"measure": "gap", "green": 0, "amber": -2}},
}


def raw_scheme(monitoring: Mapping[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    raw["monitoring"] = copy.deepcopy(dict(monitoring if monitoring is not None else MONITORING))
    raw.update(copy.deepcopy(top))
    return raw


def scheme(monitoring: Mapping[str, Any] | None = None, **top: Any) -> Scheme:
    return build_scheme(raw_scheme(monitoring, **top))


def plan(monitoring: Mapping[str, Any] | None = None, **top: Any) -> MonitorPlan:
    return compile_monitor(scheme(monitoring, **top))


def series(plan: MonitorPlan, table: Mapping[tuple[str, str], Sequence[float | None]]) -> Series:
    """``{(indicator entry, unit): [value of month 1, 2, …]}`` (None: not reported)."""
    values: dict[tuple[str, str, str], float | None] = {}
    periods = plan.calendar.ids
    for (sid, uid), row in table.items():
        for p, v in zip(periods, row, strict=False):
            if v is not None:
                values[(sid, uid, p)] = v
    return series_from_values(plan, values)


def run(
    plan: MonitorPlan,
    now: Mapping[tuple[str, str], Sequence[float | None]],
    before: Mapping[tuple[str, str], Sequence[float | None]] | None = None,
    current: int | None = None,
) -> Monitor:
    prev = series(plan, before) if before is not None else None
    return monitor(plan, series(plan, now), prev, current)


def cell(m: Monitor, sid: str, uid: str, month: int) -> tuple[int, int, int]:
    """The array index of (indicator entry, unit, month)."""
    return m.plan.series_index(sid), m.plan.units.index(uid), month - 1
