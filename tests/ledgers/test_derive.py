"""Indicators derived from the ledgers, against hand-computed tables.

The register (two units, 2022):

=====  ====  ===============================================================  =========  =====
id     unit  history                                                          planned    total
=====  ====  ===============================================================  =========  =====
p1     a     reserve 2021-10-01, signed 02-01, started 04-15, completed 11-30  start 03-31  10
p2     a     reserve (undated), signed 03-01, dropped 07-01 (资金未落实)        start 05-31   5
p3     a     reserve 06-01                                                                  0.5
p4     b     started (undated: carried over), under construction 03-01                      20
p5     b     reserve (undated), signed 09-01                                  start 10-31   3
p6     b     reserve 2021-05-01                                                              2
=====  ====  ===============================================================  =========  =====

p1 completed 1 + 1 + 2 in April, May and November; p4 completed 6 in the year (no months).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from kaohe.dataset import Table
from kaohe.engine import assess
from kaohe.errors import DataError
from kaohe.ledgers.derive import derive
from kaohe.ledgers.frames import compile_matters, compile_projects, day
from kaohe.ledgers.matters import Event
from kaohe.ledgers.merge import dataset_with_ledgers
from kaohe.ledgers.problems import LedgerError
from kaohe.ledgers.summary import funnel, matter_counts, month_ends, stage_counts

from .helpers import D, case, challenge, project, scheme, task

REGISTER = (
    project(
        "p1",
        "a",
        ("reserve", D(2021, 10, 1)),
        ("signed", D(2022, 2, 1)),
        ("started", D(2022, 4, 15)),
        ("completed", D(2022, 11, 30)),
        planned=(("started", D(2022, 3, 31)),),
        total_investment=10.0,
        planned_investment=4.0,
        monthly=(("2022-04", 1.0), ("2022-05", 1.0), ("2022-11", 2.0)),
    ),
    project(
        "p2",
        "a",
        ("reserve", None),
        ("signed", D(2022, 3, 1)),
        ("dropped", D(2022, 7, 1)),
        reason="资金未落实",
        planned=(("started", D(2022, 5, 31)),),
        total_investment=5.0,
    ),
    project("p3", "a", ("reserve", D(2022, 6, 1)), total_investment=0.5),
    project(
        "p4",
        "b",
        ("started", None),
        ("under_construction", D(2022, 3, 1)),
        total_investment=20.0,
        completed_investment=6.0,
    ),
    project(
        "p5",
        "b",
        ("reserve", None),
        ("signed", D(2022, 9, 1)),
        planned=(("started", D(2022, 10, 31)),),
        total_investment=3.0,
    ),
    project("p6", "b", ("reserve", D(2021, 5, 1)), total_investment=2.0),
)

MATTERS = (
    challenge(
        "c1",
        "重大",
        Event("claim", D(2022, 2, 1), unit="a", text="方案"),
        Event("claim", D(2022, 2, 2), unit="b", text="方案"),
        Event("submit", D(2022, 5, 1), unit="a", text="成果"),
        Event("accept", D(2022, 6, 1), unit="a"),
    ),
    challenge(
        "c2",
        "一般",
        Event("claim", D(2022, 3, 1), unit="a", text="方案"),
        Event("submit", D(2022, 11, 1), unit="a", text="成果"),
        Event("accept", D(2022, 11, 15), unit="a"),
        deadline=D(2022, 12, 31),
    ),
    task("t1", "a", D(2022, 6, 30), Event("close", D(2022, 6, 20), evidence=("报告",))),
    task(
        "t2",
        "b",
        D(2022, 6, 30),
        Event("delay", D(2022, 6, 25), text="审批", deadline=D(2022, 8, 31)),
    ),
    case("k1", "b", D(2022, 5, 31), Event("resolve", D(2022, 5, 15), text="化解")),
    case("k2", "b", D(2022, 10, 31)),
    case("k3", "a", D(2022, 12, 31)),
)

START_RATE = {
    "name": "重大项目开复工率",
    "weights": 10,
    "target": 100,
    "rule": {"type": "proportional"},
    "derive": {
        "ledger": "projects",
        "measure": "share",
        "where": {"reached": "started"},
        "of": {"planned": "started"},
        "scale": 100,
    },
}
BONUS = {
    "name": "揭榜领题加分",
    "parent": "bonus",
    "rule": {"type": "bonus_items", "levels": {"重大": 1, "一般": 0.5}, "evidence_required": True},
    "derive": {
        "ledger": "matters",
        "item": "level",
        "where": {"kinds": ["challenge"], "done": True},
    },
}
OVERDUE = {
    "name": "逾期事项",
    "parent": "deduction",
    "rule": {"type": "count_deduction", "per_count": 0.5, "cap": 3},
    "derive": {"ledger": "matters", "where": {"kinds": ["supervision", "case"], "overdue": True}},
}


def _derived(indicators: dict[str, Any], on: dt.date | None = None) -> dict[str, list[float]]:
    s = scheme(
        {
            k: {"name": k, "weights": 1, "rule": {"type": "ratio_to_best"}, **v}
            for k, v in indicators.items()
        }
    )
    units = tuple(s.units)
    d = derive(s, compile_projects(REGISTER, units), compile_matters(MATTERS, units), on)
    return {k: v.values.tolist() for k, v in d.indicators.items()}


def _nan_equal(a: list[float], b: list[float]) -> bool:
    return all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


# --------------------------------------------------------------------------- projects


def test_stage_counts_by_month_end() -> None:
    frame = compile_projects(REGISTER)
    dates = [D(2022, 1, 31), D(2022, 3, 31), D(2022, 6, 30), D(2022, 9, 30), D(2022, 12, 31)]
    # reserve, signed, started, under construction, completed, dropped
    expected = [
        [4, 0, 1, 0, 0, 0],  # p3 not yet registered; p4 carried over as started
        [2, 2, 0, 1, 0, 0],
        [3, 1, 1, 1, 0, 0],  # p3 registered, p1 started
        [2, 1, 1, 1, 0, 1],  # p2 dropped, p5 signed
        [2, 1, 0, 1, 1, 1],  # p1 completed
    ]
    assert stage_counts(frame, dates).tolist() == expected
    assert month_ends(D(2022, 1, 1), D(2022, 12, 31))[:3] == [
        D(2022, 1, 31),
        D(2022, 2, 28),
        D(2022, 3, 31),
    ]


@pytest.mark.parametrize(
    ("on", "a", "b"),
    [
        (D(2022, 4, 10), 0.0, math.nan),  # p1 planned by 03-31, not started yet; b: none planned
        (D(2022, 6, 30), 50.0, math.nan),  # p1 started; p2 planned by 05-31, not started
        (D(2022, 12, 31), 50.0, 0.0),  # p2 dropped: still counted as planned; p5 not started
    ],
)
def test_the_start_rate_follows_projects_moving_stages(on: dt.date, a: float, b: float) -> None:
    got = _derived({"rate": {"derive": START_RATE["derive"]}}, on)["rate"]
    assert _nan_equal(got, [a, b]), got


def test_counts_sums_and_windows() -> None:
    derived = {
        "signed": {"derive": {"ledger": "projects", "where": {"entered": "signed"}}},
        "reserve": {
            "derive": {"ledger": "projects", "where": {"stage": ["reserve"], "min_investment": 1}}
        },
        "invested": {
            "derive": {"ledger": "projects", "measure": "sum", "field": "completed_investment"}
        },
        "dropped": {"derive": {"ledger": "projects", "where": {"stage": ["dropped"]}}},
    }
    year = _derived(derived, D(2022, 12, 31))
    assert year == {
        "signed": [2.0, 1.0],  # p1, p2 | p5 (p4 was never signed in the period)
        "reserve": [0.0, 1.0],  # p3 is below 1 | p6
        "invested": [4.0, 6.0],  # p1's months | p4's year
        "dropped": [1.0, 0.0],
    }
    half = _derived(derived, D(2022, 6, 30))
    assert half["invested"] == [2.0, 6.0]  # April and May only; p4 has no months
    assert half["signed"] == [2.0, 0.0]


def test_the_explanation_lists_the_projects_counted_and_not() -> None:
    s = scheme({"rate": START_RATE})
    d = derive(s, compile_projects(REGISTER, tuple(s.units), "projects.xlsx"), None, None)
    prov = d.indicators["rate"].provenance[0]
    assert prov is not None
    assert str(prov.arithmetic) == "1 ÷ 2 × 100 = 50"
    counted, missed = prov.groups
    assert counted.ids == ("p1",)
    assert missed.ids == ("p2",)
    assert "终止 2022-07-01（资金未落实）" in missed.notes[0]
    assert "计划开工 2022-05-31" in missed.notes[0]


# --------------------------------------------------------------------------- matters


def test_bonus_from_accepted_challenges_and_deduction_for_overdue_matters() -> None:
    s = scheme({"rate": START_RATE, "challenges": BONUS, "overdue": OVERDUE})
    units = tuple(s.units)
    derived = derive(
        s, compile_projects(REGISTER, units, "p.xlsx"), compile_matters(MATTERS, units, "m.xlsx")
    )
    items = derived.indicators["challenges"].items
    assert items is not None
    assert {k: v.tolist() for k, v in items.items()} == {"重大": [1.0, 0.0], "一般": [1.0, 0.0]}
    assert derived.indicators["overdue"].values.tolist() == [0.0, 2.0]  # b: t2 (delayed), k2
    data, _ = dataset_with_ledgers(
        s, [Table("d.csv", ["unit", "x"], [(2, ["a", 1]), (3, ["b", 1])], file="d.csv")], derived
    )
    res = assess(s, data)
    pts = dict(zip(res.plan.indicators, res.points[0].tolist(), strict=True))
    assert (pts["x"], pts["rate"], pts["challenges"], pts["overdue"]) == (10.0, 5.0, 1.5, 0.0)
    pts_b = dict(zip(res.plan.indicators, res.points[1].tolist(), strict=True))
    assert (pts_b["x"], pts_b["rate"], pts_b["challenges"], pts_b["overdue"]) == (
        10.0,
        0.0,
        0.0,
        -1.0,
    )
    assert res.score.tolist() == [16.5, 9.0]
    e = res.explain("a").to_dict()
    bonus = next(i for i in e["indicators"] if i["indicator"] == "challenges")
    assert bonus["derivation"]["groups"][0]["records"][0]["id"] == "c1"
    assert bonus["source"] == "m.xlsx"
    assert "c1" in bonus["note"]
    assert "c2" in bonus["note"]


def test_overdue_and_due_soon_at_a_date() -> None:
    frame = compile_matters(MATTERS, ("a", "b"))
    july = matter_counts(frame, D(2022, 7, 31), soon=31)
    supervision = 0
    assert july.overdue[1, supervision] == 0
    assert july.due_soon[1, supervision] == 1
    dec = matter_counts(frame, D(2022, 12, 31), soon=7)
    case_ = 3
    assert dec.overdue[:, case_].tolist() == [0, 1]  # k3 is due that very day: not overdue
    assert dec.due_soon[:, case_].tolist() == [1, 0]
    assert dec.done[:, case_].tolist() == [0, 1]


def test_the_resolution_rate_of_leader_taken_cases() -> None:
    rate = {
        "derive": {
            "ledger": "matters",
            "measure": "share",
            "where": {"done": True},
            "of": {"kinds": ["case"]},
            "scale": 100,
        }
    }
    assert _derived({"rate": rate}, D(2022, 12, 31))["rate"] == [0.0, 50.0]
    assert _nan_equal(_derived({"rate": rate}, D(2022, 1, 31))["rate"], [math.nan, math.nan])


def test_the_funnel_adds_up_per_unit_and_in_all() -> None:
    f = funnel(compile_projects(REGISTER), D(2022, 12, 31), "unit", D(2022, 1, 1))
    assert f.keys == ("a", "b")
    assert f.counts.tolist() == [[1, 0, 0, 0, 1, 1], [1, 1, 0, 1, 0, 0], [2, 1, 0, 1, 1, 1]]
    assert f.entered[:, 1].tolist() == [2, 1, 3]  # signed in the period
    assert f.invested.tolist() == [4.0, 6.0, 10.0]


# --------------------------------------------------------------------------- refusals


def test_an_item_the_rule_does_not_know_is_refused_with_the_record() -> None:
    odd = (
        *MATTERS,
        challenge(
            "c9",
            "省级",
            Event("claim", D(2022, 2, 1), unit="a", text="x"),
            Event("submit", D(2022, 3, 1), unit="a", text="y"),
            Event("accept", D(2022, 3, 2), unit="a"),
        ),
    )
    s = scheme({"challenges": BONUS})
    with pytest.raises(LedgerError) as err:
        derive(s, None, compile_matters(odd, tuple(s.units)))
    assert [(p.record, p.key) for p in err.value.problems] == [("c9", "err.derive.item")]


def test_a_missing_ledger_or_date_is_named() -> None:
    s = scheme({"rate": START_RATE})
    with pytest.raises(LedgerError, match=r"项目台账|project register"):
        derive(s, None, None)
    undated = scheme({"rate": START_RATE}, period={})
    with pytest.raises(LedgerError, match="as_of"):
        derive(undated, compile_projects(REGISTER, tuple(undated.units)), None)


def test_a_derived_indicator_typed_in_a_data_file_is_refused_at_its_column() -> None:
    s = scheme({"rate": START_RATE})
    d = derive(s, compile_projects(REGISTER, tuple(s.units)), None)
    table = Table(
        "d.csv", ["unit", "x", "rate"], [(2, ["a", 1, 90]), (3, ["b", 1, 80])], file="d.csv"
    )
    with pytest.raises(DataError) as err:
        dataset_with_ledgers(s, [table], d)
    issue = err.value.issues[0]
    assert (issue.file, issue.row, issue.column) == ("d.csv", 1, "C (rate)")


def test_an_empty_base_is_an_error_unless_the_scheme_says_what_it_means() -> None:
    table = Table("d.csv", ["unit", "x"], [(2, ["a", 1]), (3, ["b", 1])], file="d.csv")
    s = scheme({"rate": START_RATE})
    d = derive(s, compile_projects(REGISTER, tuple(s.units)), None, D(2022, 6, 30))
    with pytest.raises(DataError, match="乙县") as err:
        dataset_with_ledgers(s, [table], d)
    assert err.value.issues[0].path == "indicators.rate.derive"
    lenient = {**START_RATE, "derive": {**START_RATE["derive"], "empty": 100}}  # type: ignore[dict-item]
    s2 = scheme({"rate": lenient})
    d2 = derive(s2, compile_projects(REGISTER, tuple(s2.units)), None, D(2022, 6, 30))
    data, _ = dataset_with_ledgers(s2, [table], d2)
    assert np.asarray(data.values)[:, 1].tolist() == [50.0, 100.0]
    assert day(D(1970, 1, 2)) == 1
