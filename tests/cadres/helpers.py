"""Small builders shared by the cadre tests (hand-made designs and people)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kaohe.cadres.design import AppraisalDesign, GradingDesign, build_design
from kaohe.cadres.people import People, build_people

CADRE_GRADES: list[dict[str, Any]] = [
    {"id": "excellent", "name": "优秀"},
    {"id": "competent", "name": "称职", "min_score": 60},
    {"id": "basic", "name": "基本称职", "min_score": 50},
    {"id": "incompetent", "name": "不称职"},
]


def appraisal_design(**extra: Any) -> AppraisalDesign:
    raw: dict[str, Any] = {
        "cycle": "2022",
        "groups": {
            "leaders": {"name": "领导", "weight": 0.3, "min_sample": 1},
            "peers": {"name": "同事", "weight": 0.4, "min_sample": 2, "headcount": 3},
            "subordinates": {"name": "下属", "weight": 0.3, "min_sample": 2},
        },
        "items": {"overall": {"name": "总体评价"}},
    }
    raw.update(extra)
    return build_design(AppraisalDesign, raw)


def grading_design(quota: dict[str, Any] | None = None, **cadre: Any) -> GradingDesign:
    section: dict[str, Any] = {
        "grades": CADRE_GRADES,
        "components": {
            "appraisal": {"name": "民主测评", "weight": 0.6},
            "office": {"name": "组织评价", "weight": 0.4},
        },
        "quota": quota or {},
    }
    section.update(cadre)
    return build_design(GradingDesign, {"year": 2022, "cadre": section})


def number(frame: pd.DataFrame, row: str | int, column: str) -> float:
    """The number in ``frame`` at (``row``, ``column``), typed (``.loc`` gives any scalar)."""
    return float(frame[column].astype(float)[row])


def people(units: dict[str, int], **columns: list[Any]) -> People:
    """``units``: unit → number of cadres, ids c01, c02 … in order."""
    ids: list[str] = []
    unit: list[str] = []
    for u, n in units.items():
        for _ in range(n):
            ids.append(f"c{len(ids) + 1:02d}")
            unit.append(u)
    frame = pd.DataFrame({"cadre_id": ids, "name": ids, "unit": unit, **columns})
    return build_people(frame)
