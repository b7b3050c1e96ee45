"""Commendations and third-class merits over multi-year histories with gaps and transfers."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from kaohe.errors import DataError

from .helpers import history, run

E = "excellent"
ROWS = [
    # p1: five excellent years in a row
    *[("p1", y, "u1", E) for y in range(2020, 2025)],
    # p2: three in a row, moving from u1 to u2 in 2024: the merit goes to u2
    ("p2", 2022, "u1", E),
    ("p2", 2023, "u1", E),
    ("p2", 2024, "u2", E),
    # p3: no row for 2023 — the run is broken
    ("p3", 2021, "u1", E),
    ("p3", 2022, "u1", E),
    ("p3", 2024, "u1", E),
    # p4: on leave in 2023 with no grade
    ("p4", 2021, "u2", E),
    ("p4", 2022, "u2", E),
    ("p4", 2023, "u2", ""),
    ("p4", 2024, "u2", E),
    # p5: a lower grade in 2023
    ("p5", 2022, "u2", E),
    ("p5", 2023, "u2", "good"),
    ("p5", 2024, "u2", E),
    # p6: exactly three
    ("p6", 2022, "u3", E),
    ("p6", 2023, "u3", E),
    ("p6", 2024, "u3", E),
    # p7: not excellent this year
    ("p7", 2023, "u3", E),
    ("p7", 2024, "u3", "good"),
]
HISTORY = pd.concat(
    [
        history(*ROWS),
        # a team's grades are not a cadre's
        history(("p7", 2022, "u3", E), ("t1", 2024, "u3", E), kind="team"),
    ],
    ignore_index=True,
)


def merits(**rule: Any) -> dict[str, Any]:
    d = run({"m": {"type": "third_class_merit", **rule}}, results=_units(), history=HISTORY)
    return {x.subject: x.unit for x in d.rule("m")}


def _units() -> pd.DataFrame:
    from .helpers import results

    return results(("u1", "x", 1, 1, E), ("u2", "x", 2, 2, "good"), ("u3", "x", 3, 3, "good"))


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # p1's 2020–2022 made a merit in 2022; 2023–2024 are only two years of a new run
        ({}, {"p2": "u2", "p6": "u3"}),
        ({"reset_after_award": False}, {"p1": "u1", "p2": "u2", "p6": "u3"}),
        ({"ungraded_years": "skip"}, {"p2": "u2", "p4": "u2", "p6": "u3"}),
        # two years: every run of this year is odd-length (p1 5, p2 3, p6 3) or too short
        ({"years": 2}, {}),
        ({"years": 2, "reset_after_award": False}, {"p1": "u1", "p2": "u2", "p6": "u3"}),
        ({"years": 1}, {"p1": "u1", "p2": "u2", "p3": "u1", "p4": "u2", "p5": "u2", "p6": "u3"}),
    ],
)
def test_it_gives_a_merit_for_consecutive_excellent_years(
    rule: dict[str, Any], expected: dict[str, str]
) -> None:
    assert merits(**rule) == expected


def test_a_text_grade_can_mark_an_ungraded_year() -> None:
    rows = [("q", 2022, "u1", E), ("q", 2023, "u1", "on_leave"), ("q", 2024, "u1", E)]
    h = history(*rows)
    d = run(
        {
            "m": {
                "type": "third_class_merit",
                "years": 2,
                "ungraded": ["on_leave"],
                "ungraded_years": "skip",
            }
        },
        results=_units(),
        history=h,
    )
    (m,) = d.rule("m").decisions
    assert m.text() == (
        "q（U1）2022—2024 年连续 2 年年度考核为优秀（2022、2024），记三等功；"
        "2023 年未定等次，不中断"
    )


def test_the_merit_follows_the_person_across_units() -> None:
    d = run({"m": {"type": "third_class_merit"}}, results=_units(), history=HISTORY)
    p2 = next(x for x in d.rule("m") if x.subject == "p2")
    assert p2.unit == "u2"
    assert [(x.year, x.unit) for x in p2.inputs] == [(2022, "u1"), (2023, "u1"), (2024, "u2")]
    assert p2.text().endswith("期间所在单位：U1→U1→U2")


def test_a_merit_replaces_the_commendation_when_the_rulebook_says_so() -> None:
    rules: dict[str, Any] = {
        "m": {"type": "third_class_merit"},
        "c": {"type": "commendation", "replaced_by": ["m"]},
    }
    d = run(rules, results=_units(), history=HISTORY)
    assert [x.subject for x in d.rule("c")] == ["p1", "p3", "p4", "p5"]
    del rules["c"]["replaced_by"]
    d = run(rules, results=_units(), history=HISTORY)
    assert [x.subject for x in d.rule("c")] == ["p1", "p2", "p3", "p4", "p5", "p6"]
    assert d.rule("c").decisions[1].text() == "p2（U2）2024 年度考核等次为优秀，给予嘉奖"


def test_team_commendations_read_only_team_grades() -> None:
    d = run({"c": {"type": "commendation", "kind": "team"}}, results=_units(), history=HISTORY)
    assert [x.subject for x in d.rule("c")] == ["t1"]


def test_the_year_can_be_chosen() -> None:
    d = run(
        {"m": {"type": "third_class_merit"}, "c": {"type": "commendation"}},
        results=_units(),
        history=HISTORY,
        year=2022,
    )
    assert [x.subject for x in d.rule("m")] == ["p1"]
    assert [x.subject for x in d.rule("c")] == ["p1", "p2", "p3", "p4", "p5", "p6"]


def test_two_rows_for_one_person_and_year_are_refused_with_their_row() -> None:
    h = history(("p1", 2023, "u1", E), ("p2", 2023, "u1", E), ("p1", 2023, "u2", "good"))
    with pytest.raises(DataError) as exc:
        run({"m": {"type": "third_class_merit"}}, results=_units(), history=h)
    issue = exc.value.issues[0]
    assert (issue.sheet, issue.row, issue.column) == ("history", 4, "year")
    assert "person 'p1' (cadre) has two rows for 2023" in issue.message


def test_shuffled_history_gives_the_same_decisions() -> None:
    rules = {"m": {"type": "third_class_merit"}, "c": {"type": "commendation"}}
    a = run(rules, results=_units(), history=HISTORY)
    b = run(rules, results=_units(), history=HISTORY.sample(frac=1, random_state=3))
    assert list(a) == list(b)
