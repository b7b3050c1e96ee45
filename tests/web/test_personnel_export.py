"""The roster exported (page and command) as the workbook the import reads again — on SQLite and
PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from kaohe.cli.main import main
from kaohe.io.cadre_files import load_people
from kaohe.web.app import create_app
from kaohe.web.personnel import compute as pc
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction

from .test_site import client


@pytest.fixture(scope="module")
def app(demo_url: str) -> Any:
    return create_app(Settings(database_url=demo_url))


def _stored(url: str) -> Any:
    engine = open_engine(url)
    with transaction(session_factory(engine)) as s:
        people = pc.read_people(s)
    engine.dispose()
    return people


def _same(a: Any, b: Any) -> None:
    for name in ("teams", "cadres"):
        x = getattr(a, name).reset_index(drop=True)
        y = getattr(b, name).reset_index(drop=True)
        pd.testing.assert_frame_equal(x, y, check_dtype=False)


def test_the_office_downloads_the_roster_that_imports_again(
    app: Any, demo_url: str, tmp_path: Path
) -> None:
    r = client(app, "office").get("/cycles/1/personnel/people.xlsx")
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith("attachment;")
    path = tmp_path / "people.xlsx"
    path.write_bytes(r.content)
    stored = _stored(demo_url)
    assert len(stored.cadres) > 300
    _same(load_people(path), stored)
    for role in ("reporter", "reviewer", "unit"):
        assert client(app, role).get("/cycles/1/personnel/people.xlsx").status_code == 403


def test_kaohe_cadres_export_writes_the_same_roster(demo_url: str, tmp_path: Path) -> None:
    env = {"KAOHE_DATABASE_URL": demo_url}
    out = tmp_path / "名册.xlsx"
    r = CliRunner().invoke(main, ["cadres", "export", "-o", str(out)], env=env)
    assert r.exit_code == 0, r.output
    assert "cadres and" in r.output
    _same(load_people(out), _stored(demo_url))
    r = CliRunner().invoke(main, ["cadres", "export", "-o", str(tmp_path / "x.csv")], env=env)
    assert r.exit_code == 1
    assert "write an .xlsx workbook" in r.output
