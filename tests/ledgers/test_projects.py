"""The project register: stage transitions, histories, record checks."""

from __future__ import annotations

import pytest

from kaohe.i18n import language
from kaohe.ledgers.problems import TransitionError
from kaohe.ledgers.projects import StageChange, advance, check_project, history_from_dates
from kaohe.ledgers.stages import transition_problem

from .helpers import D, project

ALLOWED = [
    ("reserve", "signed"),
    ("reserve", "started"),  # a government-invested project is never signed
    ("signed", "started"),
    ("started", "under_construction"),
    ("started", "completed"),
    ("under_construction", "completed"),
    ("reserve", "dropped"),
    ("under_construction", "dropped"),
]
REFUSED = [
    ("started", "signed", "err.stage.back"),
    ("completed", "under_construction", "err.stage.final"),
    ("dropped", "started", "err.stage.final"),
    ("completed", "dropped", "err.stage.final"),
    ("signed", "signed", "err.stage.same"),
]


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_it_allows_forward_moves_and_dropping(old: str, new: str) -> None:
    reason = "资金未落实" if new == "dropped" else ""
    assert transition_problem(old, new, D(2022, 1, 1), D(2022, 2, 1), reason) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(("old", "new", "key"), REFUSED)
def test_it_refuses_moves_back_out_of_a_final_stage_or_in_place(
    old: str, new: str, key: str
) -> None:
    why = transition_problem(old, new, D(2022, 1, 1), D(2022, 2, 1), "")  # type: ignore[arg-type]
    assert why is not None
    assert why[0] == key


def test_it_refuses_a_stage_change_with_a_message_in_both_languages() -> None:
    p = project("p", "a", ("reserve", None), ("started", D(2022, 3, 1)))
    with pytest.raises(TransitionError) as err:
        advance(p, StageChange("signed", D(2022, 4, 1)))
    assert err.value.problems[0].key == "err.stage.back"
    with language("zh"):
        assert "阶段不能倒退：开工 → 签约" in err.value.problems[0].text()
    with language("en"):
        assert "a stage never goes back: started → signed" in err.value.problems[0].text()


def test_dropping_needs_a_reason_and_a_project_never_leaves_silently() -> None:
    p = project("p", "a", ("signed", D(2022, 2, 1)))
    with pytest.raises(TransitionError, match=r"原因|reason"):
        advance(p, StageChange("dropped", D(2022, 6, 1)))
    dropped = advance(p, StageChange("dropped", D(2022, 6, 1), "资金未落实"))
    assert dropped.stage == "dropped"
    assert [c.stage for c in dropped.history] == ["signed", "dropped"]  # still in the register
    assert dropped.stage_at(D(2022, 5, 31)) == "signed"
    with pytest.raises(TransitionError, match=r"终止|dropped"):
        advance(dropped, StageChange("started", D(2022, 7, 1)))


def test_a_change_dated_before_the_last_one_is_refused() -> None:
    p = project("p", "a", ("signed", D(2022, 5, 1)))
    with pytest.raises(TransitionError) as err:
        advance(p, StageChange("started", D(2022, 4, 1)))
    assert err.value.problems[0].key == "err.stage.date_back"


def test_the_stage_at_a_date_is_read_from_the_history() -> None:
    p = project(
        "p",
        "a",
        ("reserve", D(2021, 10, 1)),
        ("signed", D(2022, 2, 1)),
        ("started", D(2022, 4, 15)),
        ("completed", D(2022, 11, 30)),
    )
    table = [
        (D(2021, 9, 30), None),
        (D(2021, 10, 1), "reserve"),
        (D(2022, 3, 31), "signed"),
        (D(2022, 4, 15), "started"),
        (D(2022, 12, 31), "completed"),
    ]
    for on, stage in table:
        assert p.stage_at(on) == stage, on


def test_a_history_from_date_columns_is_checked_against_the_stage_column() -> None:
    history, problems = history_from_dates("p", {"signed": D(2022, 2, 1)}, "started")
    assert [p.key for p in problems] == ["err.stage.needs_date"]
    assert problems[0].field == "started_on"
    history, problems = history_from_dates(
        "p", {"signed": D(2022, 2, 1), "started": D(2022, 3, 1)}, "signed"
    )
    assert [(p.key, p.field) for p in problems] == [("err.stage.ahead", "stage")]
    history, problems = history_from_dates("p", {}, "under_construction")
    assert problems == []
    assert history == (StageChange("under_construction", None),)
    history, problems = history_from_dates("p", {"dropped": D(2022, 5, 1)}, "dropped", "撤资")
    assert problems == []
    assert [(c.stage, c.on, c.reason) for c in history] == [
        ("reserve", None, ""),
        ("dropped", D(2022, 5, 1), "撤资"),
    ]


def test_check_project_lists_every_problem_of_a_record() -> None:
    p = project(
        "p",
        "zz",
        ("signed", D(2022, 5, 1)),
        ("started", D(2022, 4, 1)),
        total_investment=-1.0,
        completed_investment=5.0,
        monthly=(("2022-01", 1.0), ("2022-13", 2.0)),
    )
    keys = sorted(pr.key for pr in check_project(p, {"a": "甲县"}))
    assert keys == sorted(
        ["err.unknown_unit", "err.stage.date_back", "err.amount", "err.month", "err.monthly_sum"]
    )


def test_monthly_investment_adds_up_to_the_year() -> None:
    p = project("p", "a", ("started", D(2022, 1, 5)), monthly=(("2022-01", 1.25), ("2022-02", 2.5)))
    assert p.invested() == 3.75
    assert check_project(p) == []
