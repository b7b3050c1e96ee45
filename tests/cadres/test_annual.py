"""Annual grades under quota: quotas with tilt and each rounding, boundary ties, gates — each
expected grade worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from kaohe.cadres.annual import component_frame, grade_cadres, history
from kaohe.cadres.checks import checks_summary
from kaohe.cadres.design import ChecksDesign
from kaohe.cadres.words import join
from kaohe.errors import DataError
from kaohe.i18n import language

from .helpers import grading_design, people


def _scores(n: int, start: float = 95) -> pd.DataFrame:
    ids = [f"c{i + 1:02d}" for i in range(n)]
    return component_frame(
        appraisal={c: start - 2 * k for k, c in enumerate(ids)},
        office={c: start - 2 * k for k, c in enumerate(ids)},
    )


@pytest.mark.parametrize(
    ("n", "share", "rounding", "limit"),
    [
        (7, 0.2, "floor", 1),  # 1.4
        (7, 0.2, "half_up", 1),
        (7, 0.2, "ceil", 2),
        (10, 0.25, "floor", 2),  # 2.5
        (10, 0.25, "half_up", 3),
        (10, 0.25, "ceil", 3),
        (12, 0.3, "floor", 3),  # 3.6
        (12, 0.3, "half_up", 4),
        (12, 0.3, "ceil", 4),
        (100, 0.29, "floor", 29),  # not 28.999…
        (4, 0.2, "floor", 0),
    ],
)
def test_the_top_grade_quota_follows_the_rounding_rule(
    n: int, share: float, rounding: str, limit: int
) -> None:
    g = grade_cadres(
        people({"u": n}), _scores(n), grading_design({"share": share, "rounding": rounding})
    )
    f = g.frame
    assert (f["quota"] == limit).all()
    assert list(f["grade"][:limit]) == ["excellent"] * limit
    assert "excellent" not in set(f["grade"][limit:])


def test_a_tilted_unit_gets_its_raised_share() -> None:
    # u1 and u2 with 10 cadres each; default 20% → 2; u2 tilted to 30% → 3
    p = people({"u1": 10, "u2": 10})
    comp = _scores(20)
    g = grade_cadres(p, comp, grading_design(), top_shares={"u2": 0.3})
    counts = g.frame[g.frame["grade"] == "excellent"].groupby("unit").size()
    assert counts.to_dict() == {"u1": 2, "u2": 3}
    with language("en"):
        text = join(g.explain("c11"))
    assert "excellent" not in text  # grade names come from the design
    assert "优秀 quota: 30% of 10 = 3 → floor → 3" in text
    assert "tilted to 30%" in text
    # the caller's default share replaces the design's
    g = grade_cadres(p, comp, grading_design(), top_shares={"u2": 0.3}, default_share=0.1)
    counts = g.frame[g.frame["grade"] == "excellent"].groupby("unit").size()
    assert counts.to_dict() == {"u1": 1, "u2": 3}


def _tied() -> pd.DataFrame:
    # c01 90, c02 88, c03 88 (tied at the boundary of a quota of 2), c04 70, c05 55, c06 40
    ids = ["c01", "c02", "c03", "c04", "c05", "c06"]
    values = [90, 88, 88, 70, 55, 40]
    office = [90, 80, 96, 70, 55, 40]  # breaks the tie when used as a key
    frame = component_frame(
        appraisal=dict(zip(ids, values, strict=True)), office=dict(zip(ids, values, strict=True))
    )
    frame["office"] = office
    return frame


def test_ties_at_the_boundary_exclude_all_the_tied() -> None:
    comp = _tied()
    comp["appraisal"] = [90, 280 / 3, 248 / 3, 70, 55, 40]  # 0.6 × 280/3 + 0.4 × 80 = 88 …
    g = grade_cadres(
        people({"u": 6}), comp, grading_design({"share": 0.34, "ties": "exclude"})
    )  # 6 × 34% = 2.04 → 2
    assert list(g.frame["score"]) == [90, 88, 88, 70, 55, 40]
    assert list(g.frame["grade"]) == [
        "excellent",
        "competent",
        "competent",
        "competent",
        "basic",
        "incompetent",
    ]
    with language("zh"):
        assert "与 1 人同分处于名额边界，按规定均不评为优秀" in join(g.explain("c02"))


def test_ties_at_the_boundary_broken_by_the_declared_keys() -> None:
    comp = _tied()
    comp["appraisal"] = [90, 280 / 3, 248 / 3, 70, 55, 40]
    quota = {"share": 0.34, "ties": "break", "tie_break": ["office", "id"]}
    g = grade_cadres(people({"u": 6}), comp, grading_design(quota))
    grades = dict(zip(g.frame["cadre_id"], g.frame["grade"], strict=True))
    assert grades["c01"] == grades["c03"] == "excellent"  # c03's office 96 beats c02's 80
    assert grades["c02"] == "competent"
    with language("en"):
        assert "tied with c03, ordered by 组织评价, ID" in join(g.explain("c02"))
    quota = {"share": 0.34, "ties": "break", "tie_break": ["id"]}
    g = grade_cadres(people({"u": 6}), comp, grading_design(quota))
    assert list(g.frame["grade"][:3]) == ["excellent", "excellent", "competent"]


def test_gates_hold_grades_down_and_leave_them_pending() -> None:
    status = ["investigation", "investigation", "discipline", "discipline", "probation", "normal"]
    start = ["2022-06-01", "2022-03-01", "2021-01-01", "2020-01-01", "2022-01-01", None]
    end = [None, "2022-11-30", "2022-06-30", "2021-12-31", None, None]
    p = people({"u": 6}, status=status, status_start=start, status_end=end)
    design = grading_design(
        {"share": 1.0},
        gates={
            "discipline": {"max_grade": "competent"},
            "status": {"probation": "basic"},
            "checks": {"max_below_top": 1, "max_grade": "competent"},
        },
    )
    checks = pd.DataFrame(
        {
            "cadre_id": ["c06"] * 4,
            "unit": "u",
            "year": 2022,
            "quarter": [1, 2, 3, 4],
            "grade": ["good", "fairly_good", "average", "good"],
            "score": float("nan"),
        }
    )
    summary = checks_summary(checks, ChecksDesign(), 2022)
    g = grade_cadres(p, _scores(6), design, checks=summary, checks_design=ChecksDesign())
    grades = list(g.frame["grade"])
    # c01 open case → pending; c02 closed 2022-11-30 → graded; c03 influence period overlaps
    # 2022 → at most competent; c04's ended 2021 → free; c05 probation → at most basic;
    # c06 two quarters below 好 → at most competent
    assert grades == ["pending", "excellent", "competent", "excellent", "basic", "competent"]
    with language("zh"):
        assert "等次待定：正在接受立案审查（2022-06-01起）" in join(g.explain("c01"))
        assert "处于处分影响期（2021-01-01 至 2022-06-30） → 最高为称职" in join(g.explain("c03"))
        assert "平时考核有 2 个季度低于“好”（允许至多 1 个）" in join(g.explain("c06"))
    # the pending one does not count among the participants (graded): 5 × 100% = 5
    assert set(g.frame["participants"]) == {5}


def test_the_discipline_gate_can_look_at_the_year_end_only() -> None:
    p = people(
        {"u": 2},
        status=["discipline", "normal"],
        status_start=["2021-06-01", None],
        status_end=["2022-06-30", None],
    )
    design = grading_design(
        {"share": 1.0}, gates={"discipline": {"max_grade": "competent", "when": "at_year_end"}}
    )
    assert list(grade_cadres(p, _scores(2), design).frame["grade"]) == ["excellent"] * 2


def test_missing_components_renormalise_zero_or_pend() -> None:
    comp = component_frame(appraisal={"c01": 80, "c02": 70}, office={"c01": 90})
    p = people({"u": 2})
    g = grade_cadres(p, comp, grading_design({"share": 0}))
    assert list(g.frame["score"]) == [84, 70]  # c02: appraisal alone, weight 0.6 → 1
    with language("en"):
        assert "(组织评价 missing: the other weights, 0.6 in all, renormalised to 1)" in join(
            g.explain("c02")
        )
    g = grade_cadres(p, comp, grading_design({"share": 0}, missing="zero"))
    assert list(g.frame["score"]) == [84, 42]
    g = grade_cadres(p, comp, grading_design({"share": 0}, missing="pending"))
    assert list(g.frame["grade"]) == ["competent", "pending"]


def test_the_top_grade_minimum_and_lower_thresholds() -> None:
    grades = [
        {"id": "excellent", "name": "优秀", "min_score": 85},
        {"id": "competent", "name": "称职", "min_score": 60},
        {"id": "basic", "name": "基本称职", "min_score": 50},
        {"id": "incompetent", "name": "不称职"},
    ]
    comp = component_frame(appraisal={"c01": 84, "c02": 59, "c03": 45})
    g = grade_cadres(people({"u": 3}), comp, grading_design({"share": 1.0}, grades=grades))
    assert list(g.frame["grade"]) == ["competent", "basic", "incompetent"]
    with language("en"):
        assert "composite 84 is below the minimum 85 for 优秀" in join(g.explain("c01"))
        assert "composite 59 is below the minimum 60 for 称职" in join(g.explain("c02"))


def test_external_caps_and_history() -> None:
    p = people({"u1": 2, "u2": 1})
    g = grade_cadres(
        p,
        _scores(3),
        grading_design({"share": 1.0}),
        caps={"c01": ("competent", "一票否优"), "c03": ("pending", "待复核")},
    )
    assert list(g.frame["grade"]) == ["competent", "excellent", "pending"]
    h = history(g)
    assert list(h.columns) == ["person_id", "kind", "year", "unit", "grade"]
    assert h.iloc[0].to_dict() == {
        "person_id": "c01",
        "kind": "cadre",
        "year": 2022,
        "unit": "u1",
        "grade": "competent",
    }
    with pytest.raises(DataError, match="unknown subject 'zz'"):
        grade_cadres(p, _scores(3), grading_design(), caps={"zz": ("competent", "x")})


def test_it_refuses_component_scores_of_unknown_people() -> None:
    with pytest.raises(DataError, match="unknown subject"):
        grade_cadres(people({"u": 1}), _scores(2), grading_design())
