"""The ``derive:`` declarations: what the scheme may and may not say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kaohe.errors import SchemeError
from kaohe.io.scheme_file import load_scheme

from .helpers import scheme

BONUS_RULE = {"type": "bonus_items", "levels": {"重大": 1}}


def _refused(derive: dict[str, Any], rule: dict[str, Any] | None = None) -> list[str]:
    ind = {
        "name": "派生",
        "weights": 5,
        "rule": rule or {"type": "ratio_to_best"},
        "derive": derive,
    }
    if rule is not None:
        ind = {"name": "派生", "parent": "bonus", "rule": rule, "derive": derive}
    with pytest.raises(SchemeError) as err:
        scheme({"d": ind})
    return [f"{i.path}: {i.message}" for i in err.value.issues]


@pytest.mark.parametrize(
    ("derive", "expected"),
    [
        ({"ledger": "projects", "measure": "share"}, "needs of"),
        ({"ledger": "projects", "measure": "sum"}, "needs field"),
        ({"ledger": "projects", "measure": "count", "field": "total_investment"}, "field is for"),
        ({"ledger": "projects", "measure": "ratio", "field": "total_investment"}, "needs per"),
        ({"ledger": "projects", "where": {"stage": ["开工"]}}, "indicators.d.derive.where.stage"),
        ({"ledger": "projects", "where": {"kinds": ["case"]}}, "kinds"),
        ({"ledger": "matters", "measure": "sum"}, "indicators.d.derive"),
        ({"ledger": "ledger9"}, "indicators.d.derive"),
        ({"ledger": "projects", "start": "2022-12-01", "end": "2022-01-01"}, "after end"),
        ({"ledger": "matters", "item": "level", "measure": "share", "of": {}}, "measure count"),
    ],
)
def test_a_bad_declaration_is_refused_with_its_path(derive: dict[str, Any], expected: str) -> None:
    found = _refused(derive)
    assert any(expected in f for f in found), found


def test_a_rule_counted_by_item_needs_item_and_only_it_may_have_it() -> None:
    found = _refused({"ledger": "matters", "where": {"done": True}}, BONUS_RULE)
    assert found == [
        "indicators.d.derive: 该指标的评分规则按计分项计数：derive 须写明 item（如 level）"
    ]
    found = _refused({"ledger": "matters", "item": "level"})
    assert [f.split(":")[0] for f in found] == ["indicators.d.derive.item"]


def test_a_declaration_error_is_located_at_its_line(tmp_path: Path) -> None:
    text = (
        Path(__file__).resolve().parents[2] / "examples" / "ulanqab" / "ledgers" / "scheme.yaml"
    ).read_text("utf-8")
    bad = text.replace("measure: share", "measure: shares", 1)
    path = tmp_path / "scheme.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(SchemeError) as err:
        load_scheme(path)
    issue = err.value.issues[0]
    line = next(k for k, ln in enumerate(bad.splitlines(), 1) if "measure: shares" in ln)
    assert (issue.line, issue.path) == (line, "indicators.project_start_rate.derive.measure")
