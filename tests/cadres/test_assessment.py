"""The year's assessment of people in one call (kaohe.cadres.assess_cadres), no database: a small
year computed by hand, then what the call refuses, and invariants (Hypothesis)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.cadres import (
    CadreDesigns,
    CadreInputs,
    assess_cadres,
    build_ballots,
    build_checks,
    build_design,
    build_people,
    build_scores,
    component_frame,
    grade_cadres,
)
from kaohe.cadres.design import AppraisalDesign, ChecksDesign, GradingDesign
from kaohe.cadres.words import join
from kaohe.errors import DataError
from kaohe.i18n import language
from kaohe.rulebook import build_rulebook

from .helpers import number

APPRAISAL = build_design(
    AppraisalDesign,
    {
        "cycle": "2022",
        "groups": {"leaders": {"name": "领导", "weight": 1, "min_sample": 1}},
        "items": {"overall": {"name": "总体评价"}},
    },
)
CHECKS = build_design(
    ChecksDesign,
    {
        "grades": [
            {"id": "good", "name": "好", "points": 100},
            {"id": "fair", "name": "一般", "points": 80},
            {"id": "poor", "name": "差", "points": 50},
        ],
        "top_share": None,
    },
)
GRADING_RAW: dict[str, Any] = {
    "year": 2022,
    "cadre": {
        "grades": [
            {"id": "excellent", "name": "优秀", "min_score": 80},
            {"id": "competent", "name": "称职", "min_score": 60},
            {"id": "basic", "name": "基本称职", "min_score": 50},
            {"id": "incompetent", "name": "不称职"},
        ],
        "components": {
            "appraisal": {"name": "民主测评", "weight": 0.4},
            "checks": {"name": "平时考核", "weight": 0.2},
            "unit": {"name": "单位考核结果", "weight": 0.2},
            "office": {"name": "组织评价", "weight": 0.2},
        },
        "quota": {"share": 0.2, "rounding": "floor"},
    },
    "team": {
        "grades": [
            {"id": "good", "name": "好"},
            {"id": "fairly_good", "name": "较好", "min_score": 70},
            {"id": "average", "name": "一般"},
        ],
        "components": {
            "unit": {"name": "单位考核结果", "weight": 0.5},
            "office": {"name": "组织评价", "weight": 0.5},
        },
        "quota": {"share": 0.3, "rounding": "half_up", "participants": "all"},
    },
}
GRADING = build_design(GradingDesign, GRADING_RAW)
RULEBOOK = build_rulebook(
    {
        "name": "test",
        "rules": {
            "tilt": {
                "type": "excellent_share_tilt",
                "base_share": 0.2,
                "raise": [{"when": {"rank_at_most": 1}, "share": 0.5}],
            },
            "commend": {"type": "commendation"},
            "pool": {"type": "promotion_pool", "min_years_at_level": 2},
        },
    }
)
DESIGNS = CadreDesigns(GRADING, APPRAISAL, CHECKS, rulebook=RULEBOOK)

# u1 is first of the units (score 90 of 100 → 90%), u2 second (60 of 80 → 75%)
RESULTS = pd.DataFrame(
    {
        "unit": ["u1", "u2"],
        "name": ["一区", "二区"],
        "category": ["c", "c"],
        "score": [90.0, 60.0],
        "full_marks": [100.0, 80.0],
        "rank_in_category": [1, 2],
        "rank": [1, 2],
        "grade": ["excellent", "good"],
    }
).set_index("unit")
PEOPLE = build_people(
    pd.DataFrame(
        {
            "cadre_id": ["a1", "a2", "a3", "a4", "a5", "b1", "b2", "b3"],
            "name": ["甲一", "甲二", "甲三", "甲四", "甲五", "乙一", "乙二", "乙三"],
            "unit": ["u1"] * 5 + ["u2"] * 3,
            "team_id": ["t1"] * 5 + ["t2"] * 3,
            "status": ["normal"] * 3 + ["investigation"] + ["normal"] * 4,
            "status_start": [None] * 3 + ["2022-09-01"] + [None] * 4,
        }
    ),
    pd.DataFrame({"team_id": ["t1", "t2"], "unit": ["u1", "u2"], "name": ["一区班子", "二区班子"]}),
)
SUBJECTS = [*PEOPLE.cadres["cadre_id"], *PEOPLE.teams["team_id"]]
# one leaders' ballot each (b3 has none): 好 100, 较好 80, 一般 60
VOTES = [("a1", "好"), ("a1", "好"), ("a2", "好"), ("a2", "较好"), ("a3", "较好"), ("a4", "好")]
VOTES += [("a5", "一般"), ("b1", "好"), ("b2", "较好"), ("b2", "较好")]
BALLOTS = build_ballots(
    pd.DataFrame(
        {
            "ballot_id": [str(k) for k in range(len(VOTES))],
            "subject_id": [s for s, _ in VOTES],
            "group": "leaders",
            "总体评价": [v for _, v in VOTES],
        }
    ),
    APPRAISAL,
    SUBJECTS,
)
# a1 100, a2 (100 + 80) / 2 = 90, a3 80, a5 50, b1 100, b2 80, b3 80; a4 none
MARKS = [("a1", 1, "好"), ("a1", 2, "好"), ("a2", 1, "好"), ("a2", 2, "一般"), ("a3", 1, "一般")]
MARKS += [("a5", 1, "差"), ("b1", 1, "好"), ("b2", 1, "一般"), ("b3", 1, "一般")]
UNIT_OF = dict(zip(PEOPLE.cadres["cadre_id"], PEOPLE.cadres["unit"], strict=True))
CHECK_ROWS = build_checks(
    pd.DataFrame(
        {
            "cadre_id": [c for c, _, _ in MARKS],
            "year": 2022,
            "quarter": [q for _, q, _ in MARKS],
            "grade": [g for _, _, g in MARKS],
        }
    ),
    CHECKS,
    UNIT_OF,
)
OFFICE = {"a1": 90, "a2": 95, "a3": 70, "a4": 99, "a5": 60, "b1": 80, "b2": 90, "b3": 10}
SCORES = {
    "cadre": pd.DataFrame({"office": OFFICE}, dtype=float),
    "team": pd.DataFrame({"office": {"t1": 80.0, "t2": 70.0}}),
}
HISTORY = pd.DataFrame(
    [
        ("a1", "cadre", 2021, "u1", "competent", 1),  # a year at the level by 2021: 2 in 2022
        ("a2", "cadre", 2020, "u1", "competent", 3),  # 3 by 2020: 5 in 2022
        ("a2", "cadre", 2021, "u1", "competent", None),  # no value: the 2020 one carries on
        ("a3", "cadre", 2022, "u1", "excellent", 4),  # this year, imported before: replaced
        ("b1", "cadre", 2021, "u2", "excellent", 0),
    ],
    columns=["person_id", "kind", "year", "unit", "grade", "years_at_level"],
)
INPUTS = CadreInputs(
    PEOPLE,
    results=RESULTS,
    ballots=BALLOTS,
    checks=CHECK_ROWS,
    scores=SCORES,
    history=HISTORY,
)


def _grades(frame: pd.DataFrame, id_column: str) -> dict[str, str]:
    return dict(zip(frame[id_column], frame["grade"], strict=True))


def test_it_grades_the_year_from_designs_and_inputs() -> None:
    """Composite = 0.4 appraisal + 0.2 checks + 0.2 unit + 0.2 office (renormalised over what is
    there): a1 40 + 20 + 18 + 18 = 96; a2 36 + 18 + 18 + 19 = 91; a3 32 + 16 + 18 + 14 = 80;
    a5 24 + 10 + 18 + 12 = 64; b1 40 + 20 + 15 + 16 = 91; b2 32 + 16 + 15 + 18 = 81; b3 has no
    ballot: (16 + 15 + 2) / 0.6 = 55. a4 is under investigation: pending."""
    res = assess_cadres(DESIGNS, INPUTS)
    assert res.cadres is not None
    f = res.cadres.frame.set_index("cadre_id")
    expected = {"a1": 96, "a2": 91, "a3": 80, "a5": 64, "b1": 91, "b2": 81, "b3": 55}
    for cid, score in expected.items():
        assert math.isclose(number(f, cid, "score"), score), cid
    # u1 is ranked first: the tilt raises its share to 50%, 50% of the 4 graded = 2 (a1, a2);
    # u2 keeps 20%: 0.6 → 0, so b1 (91) is competent however high
    assert res.top_shares == {"u1": 0.5, "u2": 0.2}
    assert _grades(res.cadres.frame, "cadre_id") == {
        "a1": "excellent",
        "a2": "excellent",
        "a3": "competent",
        "a4": "pending",
        "a5": "competent",
        "b1": "competent",
        "b2": "competent",
        "b3": "basic",
    }
    assert f["quota"].to_dict() == {c: 2 if c[0] == "a" else 0 for c in f.index}
    # teams: 0.5 unit + 0.5 office: t1 45 + 40 = 85, t2 37.5 + 35 = 72.5; 30% of 1 → 0
    assert res.teams is not None
    t = res.teams.frame.set_index("team_id")
    assert t["score"].to_dict() == {"t1": 85.0, "t2": 72.5}
    assert _grades(res.teams.frame, "team_id") == {"t1": "fairly_good", "t2": "fairly_good"}
    with language("en"):
        assert "renormalised" in join(res.cadres.explain("b3"))
        assert "under investigation" in join(res.cadres.explain("a4"))


def test_it_is_the_cores_step_by_step() -> None:
    """The call gives what grading the components by hand gives, bit for bit."""
    res = assess_cadres(DESIGNS, INPUTS)
    ids = PEOPLE.cadres["cadre_id"]
    appraisal = res.appraisal
    assert appraisal is not None
    assert res.checks_summary is not None
    comps = component_frame(
        appraisal=appraisal.scores().reindex(ids),
        checks=res.checks_summary["points"],
        unit=pd.Series(ids.map(UNIT_OF).map({"u1": 90.0, "u2": 75.0}).to_numpy(), index=ids),
        office=SCORES["cadre"]["office"],
    ).reindex(pd.Index(ids))
    by_hand = grade_cadres(
        PEOPLE,
        comps,
        GRADING,
        top_shares={"u1": 0.5, "u2": 0.2},
        checks=res.checks_summary,
        checks_design=CHECKS,
    )
    assert res.cadres is not None
    pd.testing.assert_frame_equal(res.cadres.frame, by_hand.frame)


def test_it_writes_the_year_into_the_history_the_rulebook_reads() -> None:
    res = assess_cadres(DESIGNS, INPUTS)
    h = res.history
    this = h[h["year"] == 2022].set_index("person_id")
    # a3's imported 2022 row is replaced by the grade computed; every graded person has a row
    assert sorted(this.index) == sorted(SUBJECTS)
    assert this.loc["a3", "grade"] == "competent"
    assert this.loc["a4", "grade"] == "pending"
    assert this.loc["a4", "status"] == "under_investigation"  # the rulebook's word
    assert this.loc["t1", "name"] == "一区班子"
    # years at the level carried on from the latest earlier row holding one
    assert number(this, "a1", "years_at_level") == 2
    assert number(this, "a2", "years_at_level") == 5
    assert number(this, "b1", "years_at_level") == 1
    assert math.isnan(number(this, "a3", "years_at_level"))  # only this year's row had one
    earlier = h[h["year"] < 2022]
    assert len(earlier) == 4
    assert set(earlier["name"]) == {"甲一", "甲二", "乙一"}


def test_it_decides_with_the_rulebook_on_the_year_it_graded() -> None:
    res = assess_cadres(DESIGNS, INPUTS)
    assert res.decisions is not None
    tilt = res.decisions.rule("tilt").decisions
    assert [(d.subject, d.value) for d in tilt] == [("u1", 0.5), ("u2", 0.2)]
    assert [d.subject for d in res.decisions.rule("commend").decisions] == ["a1", "a2"]
    # excellent in 2022 and at least 2 years at the level: a1 (2) and a2 (5)
    assert [d.subject for d in res.decisions.rule("pool").decisions] == ["a1", "a2"]
    grades_only = assess_cadres(DESIGNS, INPUTS, decide=False)
    assert grades_only.decisions is None
    assert grades_only.cadres is not None
    assert res.cadres is not None
    pd.testing.assert_frame_equal(grades_only.cadres.frame, res.cadres.frame)


def test_without_the_rulebook_the_designs_share_holds() -> None:
    res = assess_cadres(CadreDesigns(GRADING, APPRAISAL, CHECKS), INPUTS)
    assert res.top_shares is None
    assert res.decisions is None
    assert res.cadres is not None
    # 20% of 4 graded in u1 → 0: nobody excellent
    assert "excellent" not in set(res.cadres.frame["grade"])


def test_a_component_given_by_no_input_is_missing() -> None:
    """No ballots: the appraisal is missing for everyone and the other weights renormalised:
    a1 (20 + 18 + 18) / 0.6 = 93.33."""
    no_ballots = CadreInputs(PEOPLE, results=RESULTS, checks=CHECK_ROWS, scores=SCORES)
    res = assess_cadres(DESIGNS, no_ballots, decide=False)
    assert res.cadres is not None
    assert res.appraisal is None
    f = res.cadres.frame.set_index("cadre_id")
    assert number(f, "a1", "score") == 93.33


def test_without_the_arena_marks_a_scores_table_may_give_the_arena_component() -> None:
    """As on the platform, whose arena contest is ranked apart from the grades: ``arena`` read
    from a scores table like ``office``; the team grades are those with the numbers under
    ``office``."""
    team = {**GRADING_RAW["team"], "components": {"unit": {"name": "单位", "weight": 0.5}}}
    team["components"]["arena"] = {"name": "擂台比武", "weight": 0.5}
    grading = build_design(GradingDesign, {**GRADING_RAW, "team": team})
    scores = {**SCORES, "team": SCORES["team"].rename(columns={"office": "arena"})}
    res = assess_cadres(
        CadreDesigns(grading, APPRAISAL, CHECKS, rulebook=RULEBOOK),
        CadreInputs(**{**vars(INPUTS), "scores": scores}),
    )
    base = assess_cadres(DESIGNS, INPUTS)
    assert res.teams is not None
    assert base.teams is not None
    assert res.teams.frame["score"].tolist() == base.teams.frame["score"].tolist()
    assert _grades(res.teams.frame, "team_id") == _grades(base.teams.frame, "team_id")


def test_caps_decided_elsewhere_hold_a_grade_down() -> None:
    caps = {"cadre": {"a1": ("competent", "组织决定")}}
    res = assess_cadres(DESIGNS, CadreInputs(**{**vars(INPUTS), "caps": caps}))
    assert res.cadres is not None
    got = _grades(res.cadres.frame, "cadre_id")
    assert (got["a1"], got["a2"], got["a3"]) == ("competent", "excellent", "excellent")


@pytest.mark.parametrize(
    ("designs", "inputs", "message"),
    [
        (
            CadreDesigns(GRADING),
            CadreInputs(PEOPLE, results=RESULTS, ballots=BALLOTS),
            "ballots are given without their design",
        ),
        (
            CadreDesigns(GRADING),
            CadreInputs(PEOPLE),
            "the grading design's component 'unit' reads the unit results",
        ),
        (
            CadreDesigns(GRADING, rulebook=RULEBOOK),
            CadreInputs(PEOPLE),
            "the rulebook reads the unit results",
        ),
        (
            CadreDesigns(GRADING),
            CadreInputs(PEOPLE, results=RESULTS, scores={"cadre": pd.DataFrame({"unit": {}})}),
            "cadre scores give unit, which are computed from the inputs",
        ),
        (
            CadreDesigns(GRADING),
            CadreInputs(PEOPLE, results=RESULTS, scores={"staff": pd.DataFrame()}),
            "scores of unknown kind 'staff'",
        ),
        (
            CadreDesigns(build_design(GradingDesign, {**GRADING_RAW, "team": None})),
            CadreInputs(build_people(PEOPLE.cadres.iloc[0:0]), results=RESULTS),
            "nobody to grade",
        ),
    ],
    ids=["ballots-no-design", "unit-no-results", "rulebook-no-results", "computed", "kind", "none"],
)
def test_it_refuses_inputs_that_do_not_fit(
    designs: CadreDesigns, inputs: CadreInputs, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        assess_cadres(designs, inputs)


def test_a_bad_earlier_history_is_reported_at_its_own_row() -> None:
    bad = pd.concat([HISTORY, HISTORY.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="person 'a1' \\(cadre\\) has two rows for 2021"):
        assess_cadres(DESIGNS, CadreInputs(**{**vars(INPUTS), "history": bad}))


def test_other_scores_are_checked_whole() -> None:
    frame = pd.DataFrame({"cadre_id": ["a1", "a1", "zz", "a2"], "office": ["90", "91", "80", "x"]})
    with pytest.raises(DataError) as exc:
        build_scores(frame, GRADING, PEOPLE)
    text = "\n".join(str(i) for i in exc.value.issues)
    assert "'a1' appears twice" in text
    assert "unknown cadre 'zz'" in text
    assert "row 5" in text  # the bad number, on its own row
    kind, scores = build_scores(
        pd.DataFrame({"team_id": ["t2"], "office": ["70"]}), GRADING, PEOPLE
    )
    assert kind == "team"
    assert scores["office"].to_dict() == {"t2": 70.0}
    with pytest.raises(DataError, match="unknown column 'unit'"):
        build_scores(pd.DataFrame({"cadre_id": ["a1"], "unit": ["1"]}), GRADING, PEOPLE)


# --------------------------------------------------------------------------- invariants


@given(st.randoms(use_true_random=False))
@settings(max_examples=15, deadline=None)
def test_the_roster_order_changes_nobodys_grade(rnd: Any) -> None:
    """Grades are decided unit by unit on the scores and the tie-break keys: shuffling the
    roster (and the scores tables) gives everyone the same score and grade."""
    order = list(range(len(PEOPLE.cadres)))
    rnd.shuffle(order)
    shuffled = build_people(PEOPLE.cadres.iloc[order].reset_index(drop=True), PEOPLE.teams)
    scores = {k: v.sample(frac=1, random_state=rnd.randint(0, 999)) for k, v in SCORES.items()}
    base = assess_cadres(DESIGNS, INPUTS)
    res = assess_cadres(
        DESIGNS, CadreInputs(**{**vars(INPUTS), "people": shuffled, "scores": scores})
    )
    assert base.cadres is not None
    assert res.cadres is not None
    a = base.cadres.frame.set_index("cadre_id").sort_index()
    b = res.cadres.frame.set_index("cadre_id").sort_index()
    pd.testing.assert_frame_equal(a, b)
    assert base.decisions is not None
    assert res.decisions is not None
    assert len(base.decisions) == len(res.decisions)


@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=8, max_size=8))
@settings(max_examples=25, deadline=None)
def test_the_history_has_one_row_per_person_and_year(office: list[float]) -> None:
    scores = {"cadre": pd.DataFrame({"office": dict(zip(OFFICE, office, strict=True))})}
    res = assess_cadres(DESIGNS, CadreInputs(**{**vars(INPUTS), "scores": scores}))
    h = res.history
    assert not h.duplicated(["person_id", "kind", "year"]).any()
    this = h[h["year"] == 2022]
    assert len(this) == len(PEOPLE.cadres) + len(PEOPLE.teams)
    assert res.cadres is not None
    top = res.cadres.frame.groupby("unit")["grade"].apply(lambda g: int((g == "excellent").sum()))
    assert top["u1"] <= 2
    assert top["u2"] == 0
    assert np.all(
        np.isin(
            this["grade"],
            [
                "excellent",
                "competent",
                "basic",
                "incompetent",
                "pending",
                "good",
                "fairly_good",
                "average",
            ],
        )
    )
