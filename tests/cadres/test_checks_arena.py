"""Regular checks with a capped top grade, and the arena contest — computed by hand."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import pytest

from kaohe.cadres.arena import build_marks, run_arena
from kaohe.cadres.checks import build_checks, cap_checks, checks_summary
from kaohe.cadres.design import ArenaDesign, ChecksDesign, build_design
from kaohe.cadres.words import join
from kaohe.errors import DataError, SchemeError
from kaohe.i18n import language

from .helpers import number

UNITS = dict.fromkeys("abcdefg", "u1") | {"h": "u2", "i": "u2"}


def _checks() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cadre_id": list("abcdefghi"),
            "year": 2022,
            "quarter": ["1", "Q1", "1", "1", "1", "1", "1", "1", "1"],
            "grade": ["好", "好", "good", "较好", "好", "一般", "较差", "好", "好"],
            "score": [90, 95, 93, 80, 91, 70, 60, 88, 87],
        }
    )


def test_it_reports_unit_quarters_over_the_cap() -> None:
    d = ChecksDesign(top_share=0.3)  # u1: 7 × 30% = 2.1 → 2, four 好; u2: 2 × .3 → 0, two 好
    capped = cap_checks(build_checks(_checks(), d, UNITS), d)
    assert capped.over[["unit", "checked", "top", "limit"]].values.tolist() == [
        ["u1", 7, 4, 2],
        ["u2", 2, 2, 0],
    ]
    assert capped.lowered.empty
    with language("en"):
        assert "u1 2022 Q1: 4 rated 好, over the cap of 2 (30% of 7 → floor)" in join(
            capped.explain_over()
        )


def test_it_enforces_the_cap_by_score() -> None:
    d = ChecksDesign(top_share=0.3, cap="enforce", rounding="half_up")  # u2: 0.6 → 1
    capped = cap_checks(build_checks(_checks(), d, UNITS), d)
    final = dict(zip(capped.checks["cadre_id"], capped.checks["grade"], strict=True))
    # u1 好 by score: b 95, c 93, e 91, a 90 → e and a lowered; u2: h 88 kept, i lowered
    assert sorted(c for c, g in final.items() if g == "good") == ["b", "c", "h"]
    assert sorted(capped.lowered["cadre_id"]) == ["a", "e", "i"]
    summary = checks_summary(capped.checks, d, 2022)
    assert summary.loc["a", "points"] == 85
    assert summary.loc["a", "below_top"] == 1


def test_it_rejects_bad_checks_with_their_cells() -> None:
    bad = _checks()
    bad.loc[1, "quarter"] = "5"
    bad.loc[2, "grade"] = "优"
    bad.loc[3, "cadre_id"] = "zz"
    bad.loc[4, ["cadre_id", "quarter"]] = ["a", "1"]
    with pytest.raises(DataError) as exc:
        build_checks(bad, ChecksDesign(cap="enforce").model_copy(), UNITS)
    text = [str(i) for i in exc.value.issues]
    assert any(t.startswith("row 3, column quarter: a quarter is 1, 2, 3 or 4") for t in text)
    assert any(t.startswith("row 4, column grade: invalid grade '优'") for t in text)
    assert any(t.startswith("row 5, column cadre_id: unknown cadre 'zz'") for t in text)
    assert "row 6, column quarter: this cadre already has a check for this quarter" in text


ARENA = {
    "criteria": {
        "speech": {"name": "演讲", "weight": 60},
        "answers": {"name": "答辩", "weight": 40, "max": 50},
    },
    "panels": {
        "site": {"name": "现场评审", "share": 0.5, "drop_extremes": True, "min_judges": 3},
        "field": {"name": "实地察看", "share": 0.5},
    },
}


def _marks(rows: Sequence[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["contestant_id", "panel", "judge_id", "演讲", "answers"])


def test_the_arena_drops_the_highest_and_lowest_mark() -> None:
    d = build_design(ArenaDesign, ARENA)
    rows = []
    # judge total = 100 × (0.6 × speech / 100 + 0.4 × answers / 50)
    for c, marks in {"A": [90, 80, 70, 60, 85], "B": [88, 88, 88, 88, 88]}.items():
        rows += [(c, "site", f"j{k}", m, m / 2) for k, m in enumerate(marks)]
        rows.append((c, "实地察看", "f1", 80, 40))
    res = run_arena(build_marks(_marks(rows), d), d)
    t = res.table.set_index("contestant_id")
    # A: site drops 90 and 60 → (80 + 70 + 85) / 3 = 78.333…; field 80 → 79.17
    assert math.isclose(number(t, "A", "site.score"), 235 / 3)
    assert t.loc["A", "score"] == 79.17
    assert t.loc["B", "score"] == 84
    assert t["rank"].to_dict() == {"B": 1, "A": 2}
    with language("zh"):
        assert "现场评审：去掉最高分 90 和最低分 60 后 3 位评委平均 78.33" in join(res.explain("A"))


def test_arena_ties_are_shared_or_broken() -> None:
    raw = {
        **ARENA,
        "panels": {"site": {"name": "现场", "share": 0.5}, "field": {"name": "实地", "share": 0.5}},
    }
    rows = [
        ("A", "site", "j", 80, 40),
        ("A", "field", "j", 60, 30),
        ("B", "site", "j", 60, 30),
        ("B", "field", "j", 80, 40),
        ("C", "site", "j", 50, 25),
        ("C", "field", "j", 50, 25),
    ]
    d = build_design(ArenaDesign, raw)
    assert run_arena(build_marks(_marks(rows), d), d).table["rank"].tolist() == [1, 1, 3]
    d = build_design(ArenaDesign, {**raw, "ties": "break"})
    t = run_arena(build_marks(_marks(rows), d), d).table
    assert t[["contestant_id", "rank"]].values.tolist() == [["A", 1], ["B", 2], ["C", 3]]


def test_the_arena_renormalises_or_refuses_a_missing_panel() -> None:
    rows = [("A", "site", f"j{k}", 70, 35) for k in range(3)]
    d = build_design(ArenaDesign, ARENA)
    with pytest.raises(DataError, match="panel 'field' has 0 judge"):
        build_marks(_marks(rows), d)
    d = build_design(ArenaDesign, {**ARENA, "missing_panel": "renormalise"})
    assert run_arena(build_marks(_marks(rows), d), d).table.loc[0, "score"] == 70


def test_arena_design_errors_are_located() -> None:
    raw = {**ARENA, "panels": {"site": {"name": "现场", "share": 1, "drop_extremes": True}}}
    with pytest.raises(SchemeError, match="min_judges ≥ 3"):
        build_design(ArenaDesign, raw)
    with pytest.raises(SchemeError, match="unknown key 'weigth' \\(did you mean 'weight'\\?\\)"):
        build_design(ArenaDesign, {**ARENA, "criteria": {"x": {"name": "x", "weigth": 1}}})


def test_marks_out_of_range_are_refused() -> None:
    d = build_design(ArenaDesign, {**ARENA, "missing_panel": "renormalise"})
    rows = [("A", "site", f"j{k}", 70, 60) for k in range(3)]
    with pytest.raises(DataError, match="row 2, column answers: a mark is 0 to 50, got 60"):
        build_marks(_marks(rows), d)
