"""Invariants, for any input Hypothesis finds: the top grade never exceeds its quota; the weights
used sum to 1; results do not depend on the order of rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.cadres.annual import component_frame, grade_cadres
from kaohe.cadres.appraisal import appraise, build_ballots
from kaohe.quota import quota_counts

from .helpers import appraisal_design, grading_design, people

CHOICES = ["好", "较好", "一般", "差"]


@st.composite
def cohorts(
    draw: st.DrawFn,
) -> tuple[dict[str, int], list[float], dict[str, float], dict[str, object]]:
    units = {f"u{k}": draw(st.integers(1, 12)) for k in range(draw(st.integers(1, 4)))}
    n = sum(units.values())
    scores = draw(
        st.lists(
            st.sampled_from([50.0, 60.0, 70.0, 80.0, 85.0, 90.0, 95.0]), min_size=n, max_size=n
        )
    )
    tilt = {u: draw(st.sampled_from([0.0, 0.2, 0.25, 0.3, 0.5, 1.0])) for u in units}
    quota: dict[str, object] = {
        "rounding": draw(st.sampled_from(["floor", "half_up", "ceil"])),
        "ties": draw(st.sampled_from(["break", "exclude"])),
        "participants": draw(st.sampled_from(["graded", "all"])),
    }
    return units, scores, tilt, quota


@given(cohorts(), st.randoms(use_true_random=False))
@settings(max_examples=150, deadline=None)
def test_top_grades_never_exceed_the_quota_and_ignore_row_order(case, rnd) -> None:  # type: ignore[no-untyped-def]
    units, scores, tilt, quota = case
    p = people(units)
    ids = p.cadres["cadre_id"].tolist()
    comp = component_frame(appraisal=dict(zip(ids, scores, strict=True)))
    g = grade_cadres(p, comp, grading_design(quota), top_shares=tilt)
    f = g.frame
    for u, n in units.items():
        top = int((f[(f["unit"] == u)]["grade"] == "excellent").sum())
        assert top <= quota_counts(tilt[u], n, str(quota["rounding"]))
    # the same people and scores in another order give every person the same grade
    order = list(range(len(ids)))
    rnd.shuffle(order)
    shuffled = type(p)(p.teams, p.cadres.iloc[order].reset_index(drop=True))
    g2 = grade_cadres(shuffled, comp.iloc[::-1], grading_design(quota), top_shares=tilt)
    a = dict(zip(f["cadre_id"], f["grade"], strict=True))
    b = dict(zip(g2.frame["cadre_id"], g2.frame["grade"], strict=True))
    assert a == b


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C"]),
            st.sampled_from(["leaders", "peers", "subordinates"]),
            st.sampled_from(CHOICES),
        ),
        min_size=1,
        max_size=40,
    ),
    st.randoms(use_true_random=False),
)
@settings(max_examples=150, deadline=None)
def test_weights_used_sum_to_one_and_row_order_does_not_matter(ballots, rnd) -> None:  # type: ignore[no-untyped-def]
    d = appraisal_design(
        groups={
            "leaders": {"name": "领导", "weight": 0.3, "min_sample": 1},
            "peers": {"name": "同事", "weight": 0.4, "min_sample": 2},
            "subordinates": {"name": "下属", "weight": 0.3, "min_sample": 2},
        }
    )
    frame = pd.DataFrame(ballots, columns=["subject_id", "group", "overall"])
    frame.insert(0, "ballot_id", [str(k) for k in range(len(frame))])
    res = appraise(build_ballots(frame, d), d, ["A", "B", "C"])
    scored = ~np.isnan(res.score)
    assert np.allclose(res.weights[scored].sum(1), 1.0)
    assert np.all(res.weights[~scored] == 0)
    assert np.all((res.score[scored] >= 0) & (res.score[scored] <= 100 + 1e-9))
    order = list(range(len(frame)))
    rnd.shuffle(order)
    again = appraise(build_ballots(frame.iloc[order], d), d, ["A", "B", "C"])
    assert np.allclose(res.score, again.score, equal_nan=True)
