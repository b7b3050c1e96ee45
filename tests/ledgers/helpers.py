"""Small ledgers and schemes shared by the ledger tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kaohe import build_scheme
from kaohe.ledgers.matters import Event, Matter
from kaohe.ledgers.projects import Project, StageChange
from kaohe.ledgers.stages import Stage
from kaohe.scheme import Scheme

D = dt.date


def project(pid: str, unit: str, *stages: tuple[Stage, dt.date | None], **kw: Any) -> Project:
    """A project from its (stage, date) history."""
    history = tuple(
        StageChange(s, d, kw.pop("reason", "") if s == "dropped" else "") for s, d in stages
    )
    return Project(pid, kw.pop("name", pid.upper()), unit, history, **kw)


def scheme(indicators: dict[str, Any], **extra: Any) -> Scheme:
    """Two units in one category, a 10-point base indicator, a bonus and a deduction
    dimension, and the ``indicators`` given; the period is 2022."""
    raw = {
        "name": "ledger test",
        "period": {"start": "2022-01-01", "end": "2022-12-31"},
        "categories": {"c": {"name": "类别"}},
        "units": {"a": {"name": "甲县", "category": "c"}, "b": {"name": "乙县", "category": "c"}},
        "dimensions": {
            k: v
            for k, v in (
                ("bonus", {"name": "加分项", "cap": 5}),
                ("deduction", {"name": "扣分项", "floor": -5}),
            )
            if any(i.get("parent") == k for i in indicators.values())
        },
        "indicators": {
            "x": {"name": "基础", "weights": 10, "target": 1, "rule": {"type": "proportional"}},
            **indicators,
        },
        **extra,
    }
    return build_scheme(raw)


SEPTEMBER_END = D(2022, 9, 30)


def challenge(mid: str, level: str, *events: Event, deadline: dt.date = SEPTEMBER_END) -> Matter:
    return Matter(
        mid, "challenge", f"课题 {mid}", D(2022, 1, 10), deadline, level=level, events=events
    )


def task(mid: str, unit: str, deadline: dt.date, *events: Event, **kw: Any) -> Matter:
    return Matter(
        mid,
        "supervision",
        f"督办 {mid}",
        D(2022, 2, 1),
        deadline,
        units=(unit,),
        leader="L",
        events=events,
        **kw,
    )


def case(mid: str, unit: str, deadline: dt.date, *events: Event) -> Matter:
    return Matter(
        mid,
        "case",
        f"包案 {mid}",
        D(2022, 2, 1),
        deadline,
        units=(unit,),
        leader="L",
        events=events,
    )
