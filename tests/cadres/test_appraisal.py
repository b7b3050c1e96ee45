"""Democratic appraisal against scores computed by hand (weights renormalised over the groups
that voted)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kaohe.cadres.appraisal import appraise, build_ballots
from kaohe.cadres.words import join
from kaohe.errors import DataError
from kaohe.i18n import language

from .helpers import appraisal_design, number

# A: leaders 好 100, 较好 80 → 90; peers 一般 60, 好 100 → 80; subordinates none.
#    renormalised over 0.3 + 0.4 = 0.7: 90 × 3/7 + 80 × 4/7 = 84.2857…
# B: leaders 好 → 100; peers 较好, 较好 → 80; subordinates one 差 (below its minimum of 2).
#    not_voted: 100 × 3/7 + 80 × 4/7 = 88.5714…;  counted: 100 × .3 + 80 × .4 + 0 × .3 = 62
BALLOTS = pd.DataFrame(
    {
        "ballot_id": [f"b{i}" for i in range(1, 10)],
        "subject_id": ["A", "A", "A", "A", "B", "B", "B", "B", "C"],
        "group": ["leaders", "领导", "peers", "peers", "leaders", "同事", "peers", "下属", "peers"],
        "overall": ["好", "较好", "一般", "good", "好", "较好", "fairly_good", "差", "好"],
    }
)


def test_it_renormalises_over_the_groups_that_voted() -> None:
    d = appraisal_design()
    res = appraise(build_ballots(BALLOTS, d), d, ["A", "B", "C", "D"])
    t = res.table.set_index("subject_id")
    assert math.isclose(number(t, "A", "score"), 90 * 3 / 7 + 80 * 4 / 7)
    assert math.isclose(number(t, "B", "score"), 100 * 3 / 7 + 80 * 4 / 7)
    assert t.loc["B", "subordinates.n"] == 1
    assert t.loc["B", "subordinates.weight"] == 0
    # C: one peer ballot, below the peers' minimum of 2: no group voted
    assert math.isnan(number(t, "C", "score"))
    assert math.isnan(number(t, "D", "score"))
    assert math.isclose(number(t, "A", "leaders.weight"), 3 / 7)


def test_it_counts_a_short_group_when_the_design_says_so() -> None:
    d = appraisal_design(below_minimum="counted")
    res = appraise(build_ballots(BALLOTS, d), d)
    t = res.table.set_index("subject_id")
    assert math.isclose(number(t, "B", "score"), 62)
    assert math.isclose(number(t, "C", "score"), 100)  # peers alone, weight 0.4 → 1


def test_it_shows_the_renormalisation() -> None:
    d = appraisal_design()
    res = appraise(build_ballots(BALLOTS, d), d)
    with language("en"):
        text = join(res.explain("A"))
    assert "Subordinates" not in text  # names come from the design
    assert "下属: did not vote" in text
    assert "renormalised to 1" in text
    assert "领导 0.3/0.7 = 0.4286" in text
    assert "score = 90 × 0.4286 + 80 × 0.5714 = 84.29" in text
    with language("zh"):
        text = join(res.explain("B"))
    assert "下属 1 票，少于最低样本 2，视为未参评" in text
    assert "按比例折算为 1" in text


def test_it_weights_items_and_skips_abstentions() -> None:
    d = appraisal_design(
        items={"de": {"name": "德", "weight": 1}, "neng": {"name": "能", "weight": 3}},
        blank="abstain",
    )
    f = pd.DataFrame(
        {
            "ballot_id": ["1", "2"],
            "subject_id": ["A", "A"],
            "group": ["leaders", "leaders"],
            "德": ["好", None],
            "neng": ["一般", "较好"],
        }
    )
    res = appraise(build_ballots(f, d), d)
    # ballot 1: (100 × 1 + 60 × 3) / 4 = 70; ballot 2: only 能 → 80; mean 75
    assert math.isclose(number(res.table, 0, "leaders.mean"), 75)


def _errors(frame: pd.DataFrame, **kw: object) -> list[str]:
    with pytest.raises(DataError) as exc:
        build_ballots(frame, appraisal_design(**kw), ["A", "B"])
    return [str(i) for i in exc.value.issues]


def test_it_rejects_bad_ballots_listing_every_problem() -> None:
    f = pd.DataFrame(
        {
            "ballot_id": ["1", "1", "3", "4", "5", "6", "7", "8"],
            "subject_id": ["A", "A", "X", "A", "A", "A", "A", "A"],
            "group": ["leaders", "peers", "peers", "bosses", "peers", "peers", "peers", "peers"],
            "overall": ["好", "很好", "好", "好", None, "好", "好", "好"],
        }
    )
    errors = _errors(f)
    assert "row 3, column ballot_id: ballot '1' appears twice (first on row 2)" in errors
    assert any(e.startswith("row 3, column overall: invalid choice '很好'") for e in errors)
    assert any(e.startswith("row 4, column subject_id: unknown cadre or team 'X'") for e in errors)
    assert any(e.startswith("row 5, column group: unknown rater group 'bosses'") for e in errors)
    assert any(e.startswith("row 6, column overall: no choice made") for e in errors)
    # peers of A: rows 3, 6, 7, 8, 9 → the 4th and 5th exceed the headcount of 3
    over = [e for e in errors if "over-voting" in e]
    assert [e.split(",")[0] for e in over] == ["row 8", "row 9"]


def test_it_refuses_a_rater_voting_twice() -> None:
    f = pd.DataFrame(
        {
            "ballot_id": ["1", "2", "3"],
            "subject_id": ["A", "A", "B"],
            "group": ["leaders", "peers", "peers"],
            "rater": ["r1", "r1", "r1"],
            "overall": ["好", "好", "好"],
        }
    )
    assert _errors(f) == ["row 3, column rater: rater 'r1' has already rated this subject"]


def test_it_needs_raters_when_not_anonymous() -> None:
    f = BALLOTS.drop(columns=[])
    errors = _errors(f, anonymous=False)
    assert errors == ["column rater: the column 'rater' is missing"]


def test_a_subjects_own_headcount_overrides_the_groups() -> None:
    d = appraisal_design()
    f = BALLOTS[BALLOTS["subject_id"] == "A"]
    with pytest.raises(DataError, match="headcount is 1"):
        build_ballots(f, d, headcounts={("A", "peers"): 1})
