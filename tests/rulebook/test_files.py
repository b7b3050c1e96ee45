"""The rulebook file: every error located at its line; decisions written to CSV and Excel."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kaohe.io.rulebook_files import load_rulebook, parse_rulebook_text, write_decisions
from kaohe.rulebook import RULE_TYPES, RulebookError, RulebookInputs, evaluate

from .helpers import history, results

GOOD = """\
name: test
rules:
  tilt:
    type: excellent_share_tilt
    base_share: 0.2
    public: true
  quota:
    type: rank_quota_allocation
    name: 职级职数
    total: 5
    min: 1
"""


def _error(text: str) -> str:
    with pytest.raises(RulebookError) as exc:
        parse_rulebook_text(text, "rb.yaml")
    return str(exc.value)


def test_it_reads_a_good_rulebook() -> None:
    book = parse_rulebook_text(GOOD)
    assert list(book.rules) == ["tilt", "quota"]
    assert book.rules["tilt"].public
    assert not book.rules["quota"].public


def test_an_unknown_key_is_refused_at_its_line_with_the_keys_allowed() -> None:
    msg = _error(GOOD.replace("    total: 5", "    totl: 5"))
    assert (
        "rb.yaml:10: rules.quota.totl: unknown key 'totl' (did you mean 'total'?); allowed:" in msg
    )


def test_an_unknown_key_in_a_condition_is_refused() -> None:
    text = GOOD + "    weights:\n      - when: {rank_below: 3}\n        weight: 2\n"
    assert "rb.yaml:13: rules.quota.weights.0.when.rank_below: unknown key" in _error(text)


def test_a_wrong_type_is_refused_at_its_line() -> None:
    msg = _error(GOOD.replace("base_share: 0.2", "base_share: twenty"))
    assert "rb.yaml:5: rules.tilt.base_share: base_share must be a number, got 'twenty'" in msg


def test_an_unknown_rule_type_is_refused_with_the_types_allowed() -> None:
    msg = _error(GOOD.replace("type: excellent_share_tilt", "type: excellence_tilt"))
    assert "rb.yaml:4: rules.tilt.type: unknown rule type 'excellence_tilt'; allowed:" in msg
    assert all(t in msg for t in RULE_TYPES)


def test_min_above_max_is_refused_at_the_line_of_min() -> None:
    msg = _error(GOOD.replace("    min: 1", "    min: {a: 3}\n    max: 2"))
    assert "rb.yaml:11: rules.quota.min.a: min 3 is above max 2 for 'a'" in msg


def test_a_commendation_can_only_be_replaced_by_a_merit_rule() -> None:
    text = GOOD + "  c:\n    type: commendation\n    replaced_by: [quota]\n"
    assert "rb.yaml:14: rules.c.replaced_by.0: 'quota' is a rank_quota_allocation rule" in _error(
        text
    )


def test_an_infeasible_total_is_located_in_the_file_when_evaluated(tmp_path: Path) -> None:
    path = tmp_path / "rulebook.yaml"
    path.write_text(GOOD.replace("total: 5", "total: 2"), encoding="utf-8")
    book = load_rulebook(path)
    units = results(("a", "x", 1, 1, "good"), ("b", "x", 2, 2, "good"), ("c", "x", 3, 3, "fair"))
    with pytest.raises(RulebookError) as exc:
        evaluate(book, RulebookInputs(results=units))
    assert str(exc.value) == (
        f"{path}:11: rules.quota.min: total 2 cannot be shared: "
        "the minimums add up to 3, more than the total 2"
    )


def test_duplicate_keys_and_bad_yaml_are_located() -> None:
    assert "rb.yaml:7: rules.tilt.public: duplicate key 'public' (first on line 6)" in _error(
        GOOD.replace("    public: true", "    public: true\n    public: false")
    )
    assert "rb.yaml:" in _error("name: [")


def test_decisions_are_written_to_csv_and_one_sheet_per_rule(tmp_path: Path) -> None:
    book = parse_rulebook_text(
        GOOD + "  c:\n    type: commendation\n    name: 嘉奖\n    public: true\n"
    )
    units = results(("a", "x", 1, 1, "excellent"), ("b", "x", 2, 2, "good"))
    h = history(("p1", 2024, "a", "excellent"), ("p2", 2024, "b", "good"))
    decisions = evaluate(book, RulebookInputs(results=units, history=h))
    out = write_decisions(decisions, tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == [
        "decisions.csv",
        "decisions.xlsx",
        "public.csv",
    ]
    with (out / "decisions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["rule"], r["subject"], r["value"]) for r in rows] == [
        ("tilt", "a", "0.2"),
        ("tilt", "b", "0.2"),
        ("quota", "a", "3"),
        ("quota", "b", "2"),
        ("c", "p1", "2024"),
    ]
    assert rows[-1]["inputs"] == "history[p1@2024/a].grade=excellent"
    with (out / "public.csv").open(encoding="utf-8") as fh:
        assert {r["rule"] for r in csv.DictReader(fh)} == {"tilt", "c"}
    wb = load_workbook(out / "decisions.xlsx")
    assert wb.sheetnames == ["规则一览", "tilt", "职级职数", "嘉奖"]
    assert wb["嘉奖"]["H2"].value == "p1（A）2024 年度考核等次为优秀，给予嘉奖"
    write_decisions(decisions, tmp_path / "out", language="en")  # replaces its own files
    wb = load_workbook(out / "decisions.xlsx")
    assert wb.sheetnames[0] == "Rules"
    assert wb["嘉奖"]["H2"].value == "p1 (A) was graded excellent in 2024: commendation"
