"""``kaohe demo`` prints every account it made, each with its password and role (issue 15: it
printed four and a pattern for the rest)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from kaohe.cli.main import main
from kaohe.io.scheme_file import load_scheme
from kaohe.web import demo

SCHEME = Path(__file__).resolve().parents[2] / "examples" / "ulanqab" / "scheme.yaml"


def test_the_demo_prints_every_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = demo.demo_accounts(load_scheme(SCHEME))
    assert len(made) > 4

    def loaded(engine: Any) -> tuple[Any, list[demo.Account]]:
        return SimpleNamespace(name="2022"), made

    monkeypatch.setattr(demo, "load_demo", loaded)
    done = CliRunner().invoke(main, ["demo", "--db", str(tmp_path / "d.db"), "--no-serve"])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    for a in made:
        assert any(line.split()[:3] == [a.username, a.password, a.role] for line in lines), (
            a.username
        )
    roles = {a.role for a in made}
    assert roles == {"office", "reporter", "reviewer", "unit"}
