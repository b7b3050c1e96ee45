"""docs/ledgers.md documents every key of ``derive:`` and every column of the ledger files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kaohe.io.ledger_files import TABLES
from kaohe.ledgers.matters import ACTIONS, KINDS, STATES
from kaohe.ledgers.spec import MODELS
from kaohe.ledgers.stages import STAGES

from ..doc_examples import sections

DOC = (Path(__file__).resolve().parents[2] / "docs" / "ledgers.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_every_derive_key_is_documented(model: type) -> None:
    text = sections(DOC)
    anchor = model.__name__.lower()
    assert anchor in text, f'docs/ledgers.md has no section <a id="{anchor}">'
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        key = field.alias or name
        assert re.search(rf"\|\s*`{re.escape(key)}`", text[anchor]) or f"`{key}`" in text[anchor], (
            f"docs/ledgers.md: {model.__name__}.{key} is not in the section's table"
        )


@pytest.mark.parametrize("table", list(TABLES))
def test_every_file_column_is_documented(table: str) -> None:
    columns, _ = TABLES[table]
    missing = [c for c in columns if f"`{c}`" not in DOC]
    assert not missing, f"docs/ledgers.md: columns of {table} not documented: {missing}"


def test_every_stage_kind_state_and_action_is_documented() -> None:
    missing: list[str] = [x for x in (*STAGES, *KINDS, *ACTIONS) if f"`{x}`" not in DOC]
    missing += [s for s in STATES if s not in DOC]
    assert not missing
