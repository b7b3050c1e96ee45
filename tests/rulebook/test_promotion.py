"""The promotion pool and the share of promotions that went to excellent cadres."""

from __future__ import annotations

import pandas as pd
import pytest

from kaohe.errors import DataError
from kaohe.i18n import language

from .helpers import history, results, run

UNITS = results(("u1", "x", 1, 1, "excellent"), ("u2", "x", 2, 2, "good"))


def _promotion_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """52 promotions in 2024, 20 of them of people graded excellent in 2023 (the article's 20 =
    38%); 5 more were excellent only in 2024; 3 promotions of 2023 are not counted."""
    people = [f"q{k:02d}" for k in range(52)]
    rows = []
    for k, p in enumerate(people):
        unit = "u1" if k < 26 else "u2"
        rows.append((p, 2023, unit, "excellent" if k < 20 else "good"))
        rows.append((p, 2024, unit, "excellent" if 20 <= k < 25 else "good"))
    promoted = pd.DataFrame(
        [
            {"person_id": p, "year": 2024, "unit": "u1" if k < 26 else "u2", "position": "副县长"}
            for k, p in enumerate(people)
        ]
        + [{"person_id": p, "year": 2023, "unit": "u1", "position": "科长"} for p in people[:3]]
    )
    return history(*rows), promoted


def test_it_reproduces_twenty_promoted_excellent_cadres_as_38_percent() -> None:
    h, promoted = _promotion_case()
    d = run({"s": {"type": "promotion_statistics"}}, results=UNITS, history=h, promotions=promoted)
    summary, *people = d.rule("s").decisions
    assert (summary.subject_kind, summary.value) == ("all", 20 / 52)
    assert summary.text() == "全市2024 年提拔使用 52 人，其中2023年度考核优秀 20 人，占 38%"
    with language("en"):
        assert summary.text() == (
            "all units, 2024: 52 promoted, of whom 20 graded excellent in 2023: 38%"
        )
    assert len(people) == 20
    assert {p.action for p in people} == {"promoted_excellent"}
    assert sum(link.value for link in summary.inputs) == 20  # type: ignore[misc]


def test_it_counts_the_current_year_and_splits_by_unit_when_asked() -> None:
    h, promoted = _promotion_case()
    rule = {
        "type": "promotion_statistics",
        "include_current": True,
        "by_unit": True,
        "list_people": False,
        "percent_decimals": 1,
    }
    d = run({"s": rule}, results=UNITS, history=h, promotions=promoted)
    assert [(x.subject, x.value) for x in d.rule("s")] == [
        ("*", 25 / 52),
        ("u1", 25 / 26),
        ("u2", 0.0),
    ]
    assert d.rule("s").decisions[0].text().endswith("其中2023、2024年度考核优秀 25 人，占 48.1%")


def test_statistics_need_the_promotions() -> None:
    h, _ = _promotion_case()
    with pytest.raises(DataError, match="give the recorded promotions"):
        run({"s": {"type": "promotion_statistics"}}, results=UNITS, history=h)


def _pool_history() -> pd.DataFrame:
    h = history(
        ("a", 2023, "u1", "excellent"),
        ("a", 2024, "u1", "excellent"),
        ("b", 2023, "u1", "good"),
        ("b", 2024, "u2", "excellent"),
        ("c", 2024, "u2", "excellent"),  # under investigation
        ("d", 2023, "u2", "excellent"),  # left: no row this year
        ("e", 2024, "u2", "excellent"),  # one year at level
    )
    h["status"] = ["", "", "", "", "under_investigation", "", None]
    h["years_at_level"] = [3, 4, 5, 6, 5, 2, 1]
    h["name"] = ["甲", "甲", "乙", "乙", "丙", "丁", "戊"]
    return h


def test_the_pool_lists_excellent_cadres_who_meet_the_conditions() -> None:
    h = _pool_history()
    d = run({"p": {"type": "promotion_pool"}}, results=UNITS, history=h)
    assert [(x.subject, x.unit) for x in d.rule("p")] == [("a", "u1"), ("b", "u2"), ("e", "u2")]
    d = run(
        {"p": {"type": "promotion_pool", "window": 2, "min_excellent": 2}},
        results=UNITS,
        history=h,
    )
    assert [x.subject for x in d.rule("p")] == ["a"]
    (a,) = d.rule("p").decisions
    assert a.text() == "甲（U1）近 2 年中 2 年考核优秀（2023、2024），列入提拔使用人选"
    d = run(
        {"p": {"type": "promotion_pool", "min_years_at_level": 2, "excluded_statuses": []}},
        results=UNITS,
        history=h,
    )
    assert [x.subject for x in d.rule("p")] == ["a", "b", "c"]


def test_min_years_at_level_needs_its_column() -> None:
    h = _pool_history().drop(columns=["years_at_level"])
    with pytest.raises(DataError, match="needs a years_at_level column"):
        run({"p": {"type": "promotion_pool", "min_years_at_level": 2}}, results=UNITS, history=h)
