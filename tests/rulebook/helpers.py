"""Small tables for the rulebook tests: results of units, grade histories, promotions."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kaohe.rulebook import Decisions, RulebookInputs, build_rulebook, evaluate

GRADE_NAMES = {"excellent": "优秀", "good": "良好", "fair": "一般", "poor": "较差", "": ""}


def results(*rows: tuple[Any, ...]) -> pd.DataFrame:
    """Rows of (unit, category, rank, rank_in_category, grade[, vetoed]) → a results table
    shaped like ``Results.to_pandas()`` (indexed by unit)."""
    out = []
    for r in rows:
        unit, cat, rank, ric, grade = r[:5]
        vetoed = r[5] if len(r) > 5 else ""
        out.append(
            {
                "unit": unit,
                "name": unit.upper(),
                "category": cat,
                "score": 100.0 - rank,
                "share": (100.0 - rank) / 100,
                "rank_in_category": ric,
                "rank": rank,
                "grade": grade or None,
                "grade_name": GRADE_NAMES[grade] or None,
                "vetoed": vetoed,
            }
        )
    return pd.DataFrame(out).set_index("unit")


def history(*rows: tuple[Any, ...], kind: str = "cadre") -> pd.DataFrame:
    """Rows of (person_id, year, unit, grade) → a grade history."""
    return pd.DataFrame(
        [{"person_id": p, "kind": kind, "year": y, "unit": u, "grade": g} for p, y, u, g in rows]
    )


def run(rules: dict[str, Any], **inputs: Any) -> Decisions:
    book = build_rulebook({"name": "test", "rules": rules})
    return evaluate(book, RulebookInputs(**inputs))
