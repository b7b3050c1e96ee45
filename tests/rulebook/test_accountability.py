"""The accountability list: units and cadres at the bottom, or vetoed, with the reason."""

from __future__ import annotations

from .helpers import history, results, run


def test_it_lists_bottom_grades_and_vetoes_with_the_reason() -> None:
    units = results(
        ("a", "x", 1, 1, "excellent"),
        ("b", "x", 2, 2, "good", "eco_damage"),
        ("c", "y", 3, 1, "poor", "major_accident;petition"),
        ("d", "y", 4, 2, "poor"),
    )
    h = history(("p1", 2024, "c", "不称职"), ("p2", 2024, "a", "称职"), ("p3", 2023, "d", "不称职"))
    rule = {
        "type": "accountability_list",
        "unit_grades": ["较差"],
        "person_grades": ["不称职", "基本称职"],
    }
    d = run({"t": rule}, results=units, history=h)
    assert [(x.subject_kind, x.subject) for x in d.rule("t")] == [
        ("unit", "b"),
        ("unit", "c"),
        ("unit", "d"),
        ("person", "p1"),
    ]
    texts = [x.text() for x in d.rule("t")]
    assert texts[0] == "B：被一票否决（eco_damage），列入谈心谈话名单"
    assert texts[1] == "C：考核等次为较差、被一票否决（major_accident;petition），列入谈心谈话名单"
    assert texts[3] == "p1（C）2024 年度考核等次为不称职，列入谈心谈话名单"


def test_vetoes_can_be_left_out_and_no_history_is_needed_for_units() -> None:
    units = results(("a", "x", 1, 1, "good", "eco_damage"), ("b", "x", 2, 2, "poor"))
    rule = {"type": "accountability_list", "unit_grades": ["poor"], "vetoed": False}
    d = run({"t": rule}, results=units)
    assert [x.subject for x in d.rule("t")] == ["b"]
