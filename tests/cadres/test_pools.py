"""A quota over a pool of units (issue 15: every team had 好名额 1 × 30% = 0.3 → 0): per unit
(the default), all units together, or named pools — hand-computed, explained, validated."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaohe.cadres.annual import component_frame, grade_cadres, grade_teams
from kaohe.cadres.design import GradingDesign, build_design
from kaohe.cadres.people import build_people
from kaohe.cadres.words import join
from kaohe.errors import DataError, SchemeError
from kaohe.i18n import language

from .helpers import grading_design, people

#: u1: c01 c02 · u2: c03 c04 c05 · u3: c06 · u4: c07 … c10 — scores 95, 93, … 77 by id
UNITS = {"u1": 2, "u2": 3, "u3": 1, "u4": 4}
NAMED = {
    "north": {"name": "北片", "units": ["u1", "u2"]},
    "south": {"name": "南片", "units": ["u3", "u4"]},
}


def _scores(n: int) -> pd.DataFrame:
    ids = [f"c{i + 1:02d}" for i in range(n)]
    return component_frame(
        appraisal={c: 95 - 2 * k for k, c in enumerate(ids)},
        office={c: 95 - 2 * k for k, c in enumerate(ids)},
    )


def _top(quota: dict[str, Any], **kw: Any) -> list[str]:
    g = grade_cadres(people(UNITS), _scores(10), grading_design(quota), **kw)
    f = g.frame
    return sorted(f[f["grade"] == "excellent"]["cadre_id"])


@pytest.mark.parametrize(
    ("pool", "rounding", "top"),
    [
        # per unit: 0.6 → 0, 0.9 → 0, 0.3 → 0, 1.2 → 1: only u4's first
        ("unit", "floor", ["c07"]),
        # per unit, half up: 0.6 → 1, 0.9 → 1, 0.3 → 0, 1.2 → 1
        ("unit", "half_up", ["c01", "c03", "c07"]),
        # all ten together: 10 × 30% = 3 → 3, the three best wherever they are
        ("all", "floor", ["c01", "c02", "c03"]),
        ("all", "ceil", ["c01", "c02", "c03"]),
        # north (u1, u2) 5 × 30% = 1.5 → 1; south (u3, u4) 5 × 30% = 1.5 → 1
        (NAMED, "floor", ["c01", "c06"]),
        # … half up → 2 each
        (NAMED, "half_up", ["c01", "c02", "c06", "c07"]),
    ],
)
def test_the_quota_of_a_pool_is_counted_over_its_units(
    pool: Any, rounding: str, top: list[str]
) -> None:
    assert _top({"share": 0.3, "rounding": rounding, "pool": pool}) == top


def test_the_frame_holds_the_pools_participants_and_quota() -> None:
    g = grade_cadres(people(UNITS), _scores(10), grading_design({"share": 0.3, "pool": NAMED}))
    f = g.frame.set_index("cadre_id")
    assert list(f["pool"]) == ["north"] * 5 + ["south"] * 5
    assert list(f["participants"]) == [5] * 10
    assert list(f["quota"]) == [1] * 10
    assert list(f["position"]) == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]  # within the pool
    # a per-unit quota keeps its frame as it was (no pool column)
    per_unit = grade_cadres(people(UNITS), _scores(10), grading_design({"share": 0.3}))
    assert "pool" not in per_unit.frame.columns


def test_the_explanation_gives_the_pools_arithmetic() -> None:
    g = grade_cadres(people(UNITS), _scores(10), grading_design({"share": 0.3, "pool": "all"}))
    with language("zh"):
        text = join(g.explain("c03"))
    assert "在全部 4 个单位参评的 10 个对象中排第 3 名" in text
    assert "优秀名额按全部 4 个单位合计：10 × 30% = 3 → 向下取整 → 3" in text
    with language("en"):
        text = join(g.explain("c04"))
    assert "placed 4 of 10 assessed in all 4 units" in text
    assert "优秀 quota pooled over all 4 units: 30% of 10 = 3 → floor → 3" in text
    assert "the 优秀 quota of 3 is taken by those placed above" in text
    g = grade_cadres(people(UNITS), _scores(10), grading_design({"share": 0.3, "pool": NAMED}))
    with language("zh"):
        assert "优秀名额按名额池北片（2 个单位）合计：5 × 30% = 1.5 → 向下取整 → 1" in join(
            g.explain("c02")
        )


def test_a_pool_with_tilted_units_adds_each_units_exact_quota() -> None:
    # u4 tilted to 50%: 6 × 30% + 4 × 50% = 1.8 + 2 = 3.8 → floor → 3
    g = grade_cadres(
        people(UNITS),
        _scores(10),
        grading_design({"share": 0.3, "pool": "all"}),
        top_shares={"u4": 0.5},
    )
    f = g.frame
    assert sorted(f[f["grade"] == "excellent"]["cadre_id"]) == ["c01", "c02", "c03"]
    assert set(f["quota"]) == {3}
    with language("zh"):
        text = join(g.explain("c07"))
    assert "优秀名额按全部 4 个单位合计：6 × 30% + 4 × 50% = 3.8 → 向下取整 → 3" in text
    assert "本单位比例经倾斜为 50%" in text


def test_ties_at_a_pools_boundary_are_across_its_units() -> None:
    # c02 (u1) and c03 (u2) tied at 93 on the boundary of a pool quota of 2
    comp = _scores(10)
    comp.loc["c03"] = comp.loc["c02"]
    quota = {"share": 0.2, "pool": "all", "ties": "exclude"}  # 10 × 20% = 2
    g = grade_cadres(people(UNITS), comp, grading_design(quota))
    f = g.frame.set_index("cadre_id")
    assert f.loc["c01", "grade"] == "excellent"
    assert [f.loc["c02", "grade"], f.loc["c03", "grade"]] == ["competent", "competent"]
    with language("zh"):
        assert "与 1 人同分处于名额边界，按规定均不评为优秀" in join(g.explain("c02"))
    g = grade_cadres(people(UNITS), comp, grading_design({**quota, "ties": "break"}))
    f = g.frame.set_index("cadre_id")
    assert (f.loc["c02", "grade"], f.loc["c03", "grade"]) == ("excellent", "competent")
    with language("en"):
        assert "tied with c03" in join(g.explain("c02"))


def _teams(n: int) -> tuple[Any, pd.DataFrame]:
    units = [f"u{k + 1:02d}" for k in range(n)]
    teams = pd.DataFrame({"team_id": [f"{u}-team" for u in units], "unit": units, "name": units})
    cadres = pd.DataFrame({"cadre_id": ["x"], "name": ["x"], "unit": [units[0]]})
    comp = component_frame(unit={f"{u}-team": 90 - k for k, u in enumerate(units)})
    return build_people(cadres, teams), comp


def _team_design(pool: Any) -> GradingDesign:
    return build_design(
        GradingDesign,
        {
            "year": 2022,
            "team": {
                "grades": [
                    {"id": "good", "name": "好"},
                    {"id": "fairly_good", "name": "较好", "min_score": 60},
                    {"id": "poor", "name": "较差"},
                ],
                "components": {"unit": {"name": "单位考核结果", "weight": 1}},
                "quota": {"share": 0.3, "rounding": "half_up", "participants": "all", "pool": pool},
            },
        },
    )


def test_eleven_teams_pooled_get_three_good_grades() -> None:
    p, comp = _teams(11)
    alone = grade_teams(p, comp, _team_design("unit")).frame
    assert set(alone["grade"]) == {"fairly_good"}  # 1 × 30% = 0.3 → 0 in every unit
    pooled = grade_teams(p, comp, _team_design("all")).frame
    assert list(pooled["grade"]) == ["good"] * 3 + ["fairly_good"] * 8  # 11 × 30% = 3.3 → 3
    assert set(pooled["quota"]) == {3}
    assert set(pooled["participants"]) == {11}


def test_a_unit_in_two_pools_is_refused_where_it_is_written() -> None:
    pools = {"a": {"name": "甲", "units": ["u1", "u2"]}, "b": {"name": "乙", "units": ["u2"]}}
    with pytest.raises(SchemeError) as err:
        grading_design({"pool": pools})
    text = str(err.value)
    assert "cadre.quota" in text
    assert "unit 'u2' is in two pools: a, b" in text


@pytest.mark.parametrize(
    ("pool", "where"),
    [
        ("county", "cadre.quota.pool"),
        ({"a": {"name": "甲", "units": []}}, "cadre.quota.pool.a.units"),
        ({"a": {"units": ["u1"]}}, "cadre.quota.pool.a.name"),
    ],
)
def test_a_bad_pool_is_refused_with_its_place(pool: Any, where: str) -> None:
    with pytest.raises(SchemeError) as err:
        grading_design({"pool": pool})
    assert where in str(err.value)


def test_a_unit_in_no_pool_is_refused_with_its_subjects() -> None:
    pools = {"north": NAMED["north"]}
    with pytest.raises(DataError) as err:
        grade_cadres(people(UNITS), _scores(10), grading_design({"pool": pools}))
    text = str(err.value)
    assert "unit 'u3' is in none of the quota's pools (north): c06" in text
    assert "unit 'u4' is in none of the quota's pools (north): c07, c08, c09, c10" in text


@st.composite
def pooled_cohorts(
    draw: st.DrawFn,
) -> tuple[dict[str, int], list[float], dict[str, float], Any, dict[str, object]]:
    units = {f"u{k}": draw(st.integers(1, 9)) for k in range(draw(st.integers(1, 6)))}
    n = sum(units.values())
    scores = draw(
        st.lists(st.sampled_from([50.0, 70.0, 80.0, 85.0, 90.0, 95.0]), min_size=n, max_size=n)
    )
    tilt = {u: draw(st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.5])) for u in units}
    kind = draw(st.sampled_from(["unit", "all", "named"]))
    pool: Any = kind
    if kind == "named":
        k = draw(st.integers(1, len(units)))
        where = {u: draw(st.integers(0, k - 1)) for u in units}
        pool = {
            f"p{j}": {"name": f"p{j}", "units": [u for u in units if where[u] == j]}
            for j in range(k)
            if any(where[u] == j for u in units)
        }
    quota: dict[str, object] = {
        "rounding": draw(st.sampled_from(["floor", "half_up", "ceil"])),
        "ties": draw(st.sampled_from(["break", "exclude"])),
        "participants": draw(st.sampled_from(["graded", "all"])),
        "pool": pool,
    }
    return units, scores, tilt, pool, quota


def _reference_quota(shares: dict[str, float], counts: dict[str, int], rounding: str) -> int:
    """Σ share × participants over the pool's units, in exact decimals, then the rule."""
    exact = sum((Decimal(str(shares[u])) * n for u, n in counts.items()), Decimal(0))
    if rounding == "floor":
        return math.floor(exact)
    if rounding == "ceil":
        return math.ceil(exact)
    return math.floor(exact + Decimal("0.5"))


@given(pooled_cohorts(), st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None)
def test_no_pool_ever_grants_more_than_its_quota(case: Any, rnd: Any) -> None:
    units, scores, tilt, pool, quota = case
    p = people(units)
    ids = p.cadres["cadre_id"].tolist()
    comp = component_frame(appraisal=dict(zip(ids, scores, strict=True)))
    g = grade_cadres(p, comp, grading_design(quota), top_shares=tilt)
    f = g.frame
    if pool == "unit":
        pools = {u: [u] for u in units}
    elif pool == "all":
        pools = {"all": list(units)}
    else:
        pools = {pid: spec["units"] for pid, spec in pool.items()}
    for members in pools.values():
        rows = f[f["unit"].isin(members)]
        limit = _reference_quota(tilt, {u: units[u] for u in members}, str(quota["rounding"]))
        top = int((rows["grade"] == "excellent").sum())
        assert top <= limit
        assert set(rows["quota"]) == {limit}
        if quota["ties"] == "break":  # every place is given that the scores allow
            assert top == min(limit, len(rows))
    # the same people and scores in another order give every person the same grade
    order = list(range(len(ids)))
    rnd.shuffle(order)
    shuffled = type(p)(p.teams, p.cadres.iloc[order].reset_index(drop=True))
    g2 = grade_cadres(shuffled, comp.iloc[::-1], grading_design(quota), top_shares=tilt)
    a = dict(zip(f["cadre_id"], f["grade"], strict=True))
    b = dict(zip(g2.frame["cadre_id"], g2.frame["grade"], strict=True))
    assert a == b
