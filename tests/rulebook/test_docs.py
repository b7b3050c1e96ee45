"""docs/rulebook.md: every rule type and key documented, and the worked example executed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from kaohe.rulebook import RULE_CLASSES, RulebookInputs, build_rulebook, evaluate
from kaohe.rulebook.model import RiseReward, When

from .helpers import results

DOC = Path(__file__).resolve().parents[2] / "docs" / "rulebook.md"
TEXT = DOC.read_text(encoding="utf-8")


def _sections() -> dict[str, str]:
    parts = re.split(r'<a id="([^"]+)"></a>', TEXT)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.mark.parametrize("rtype", list(RULE_CLASSES))
def test_every_rule_type_and_key_is_documented(rtype: str) -> None:
    body = _sections()[rtype]
    for name, field in RULE_CLASSES[rtype].model_fields.items():
        key = field.alias or name
        if key in ("type", "name", "description", "public"):
            assert f"`{key}`" in TEXT
            continue
        assert f"`{key}`" in body, f"docs/rulebook.md: {rtype}.{key} is not documented"


def test_conditions_and_rises_are_documented() -> None:
    for model in (When, RiseReward):
        for name in model.model_fields:
            assert f"`{name}`" in TEXT, name


def test_the_worked_example_gives_the_table() -> None:
    example = TEXT[TEXT.index("## Worked example") :]
    book = build_rulebook(yaml.safe_load(re.search(r"```yaml\n(.*?)```", example, re.S)[1]))  # type: ignore[index]
    lines = [ln for ln in example.splitlines() if ln.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = [
        dict(zip(header, (c.strip() for c in ln.strip("|").split("|")), strict=True))
        for ln in lines[1:]
    ]
    rows = [r for r in rows if r["unit"] and not set(r["unit"]) <= {"-"}]
    now = results(
        *[
            (r["unit"], r["category"], int(r["rank"]), int(r["rank_in_category"]), r["grade"])
            for r in rows
        ]
    )
    before = results(
        *[(r["unit"], r["category"], int(r["previous rank"]), 1, "good") for r in rows]
    )
    d = evaluate(book, RulebookInputs(results=now, previous=before))
    for r in rows:
        assert d.shares("tilt")[r["unit"]] == float(r["tilt"])
        assert d.counts("quota")[r["unit"]] == int(r["quota"])
        assert d.values("reward").get(r["unit"]) == (float(r["reward"]) if r["reward"] else None)
    quoted = re.search(r"^> (.*)$", example, re.M)[1]  # type: ignore[index]
    assert d.rule("quota").decisions[0].text() == quoted
