"""Cycle export and import: the files kaohe run reads, giving the same results bit for bit."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select

from kaohe.cli.main import main
from kaohe.errors import DataError
from kaohe.web.audit import verification
from kaohe.web.cycles.exchange import export_cycle, import_cycle
from kaohe.web.results import service as results
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import AuditEntry, Cycle, SchemeVersion, Value

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ulanqab"


def kaohe_run(scheme: Path, data: Path, out: Path) -> Result:
    return CliRunner().invoke(main, ["run", str(scheme), str(data), "-q", "-o", str(out)])


def _export(url: str, folder: Path) -> int:
    eng = open_engine(url)
    try:
        with transaction(session_factory(eng)) as s:
            cycle_id = s.execute(select(Cycle.id).order_by(Cycle.id)).scalars().first()
            assert cycle_id is not None
            export_cycle(s, cycle_id, folder)
        return cycle_id
    finally:
        eng.dispose()


def test_it_exports_what_kaohe_run_reads(demo_url: str, tmp_path: Path) -> None:
    _export(demo_url, tmp_path / "cycle")
    assert sorted(p.name for p in (tmp_path / "cycle").iterdir()) == [
        "data.csv",
        "results.csv",
        "scheme.yaml",
    ]
    assert (tmp_path / "cycle/scheme.yaml").read_bytes() == (EXAMPLE / "scheme.yaml").read_bytes()
    header = (tmp_path / "cycle/data.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("unit,")
    assert "awards:国家级" in header
    assert "peace_building:note" in header
    r = kaohe_run(tmp_path / "cycle/scheme.yaml", tmp_path / "cycle/data.csv", tmp_path / "out")
    assert r.exit_code == 0, r.output
    exported = (tmp_path / "cycle/results.csv").read_bytes()
    assert (tmp_path / "out/results.csv").read_bytes() == exported
    # and the same as kaohe run on the example's own data file
    r = kaohe_run(EXAMPLE / "scheme.yaml", EXAMPLE / "data.csv", tmp_path / "example")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "example/results.csv").read_bytes() == exported


def test_it_imports_an_exported_cycle_with_the_same_results(
    demo_url: str, engine: Engine, tmp_path: Path
) -> None:
    source_id = _export(demo_url, tmp_path / "cycle")
    with transaction(session_factory(engine)) as s:
        done = import_cycle(s, tmp_path / "cycle", "imported 2022")
    assert done.results_match is True
    assert done.values > 300
    src = open_engine(demo_url)
    try:
        with transaction(session_factory(src)) as s:
            source = s.get(Cycle, source_id)
            assert source is not None
            snap = results.latest_results(s, source)
            assert snap is not None
            expected = json.loads(snap.rows)
    finally:
        src.dispose()
    with transaction(session_factory(engine)) as s:
        cycle = s.get(Cycle, done.cycle_id)
        assert cycle is not None
        assert (cycle.name, cycle.state) == ("imported 2022", "reviewing")
        snap = results.latest_results(s, cycle)
        assert snap is not None
        assert json.loads(snap.rows) == expected
        assert verification.verify(s).ok
        actors = set(s.execute(select(AuditEntry.actor)).scalars())
        assert actors == {"import"}
        pending = s.execute(select(func.count()).where(Value.state != "approved")).scalar_one()
        assert pending == 0
        export_cycle(s, done.cycle_id, tmp_path / "again")
    for name in ("scheme.yaml", "data.csv", "results.csv"):
        again = (tmp_path / "again" / name).read_bytes()
        assert again == (tmp_path / "cycle" / name).read_bytes(), name


def test_it_refuses_a_bad_data_file_and_writes_nothing(
    demo_url: str, engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "cycle"
    _export(demo_url, folder)
    data = folder / "data.csv"
    with data.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index("gdp_growth")] = "six"
    with data.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with transaction(session_factory(engine)) as s, pytest.raises(DataError) as info:
        import_cycle(s, folder)
    text = str(info.value)
    assert "data.csv row 2, column" in text
    assert "(gdp_growth): text in a number cell: 'six'" in text
    with transaction(session_factory(engine)) as s:
        assert s.execute(select(func.count()).select_from(SchemeVersion)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Cycle)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == 0
    (folder / "data.csv").unlink()
    with transaction(session_factory(engine)) as s, pytest.raises(DataError, match="not found"):
        import_cycle(s, folder)


def test_it_exports_and_imports_through_the_commands(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("KAOHE_DATABASE_URL", demo_url)
    r = runner.invoke(main, ["cycle", "export", "1", "-o", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    assert "exported cycle 1" in r.output
    r = runner.invoke(main, ["cycle", "export", "999", "-o", str(tmp_path / "d")])
    assert r.exit_code == 1
    assert "no cycle 999" in r.output
    assert not (tmp_path / "d").exists()
    monkeypatch.setenv("KAOHE_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    r = runner.invoke(main, ["cycle", "import", str(tmp_path / "c"), "--name", "from files"])
    assert r.exit_code == 0, r.output
    assert "imported cycle 1 (from files)" in r.output
    assert "differ" not in r.output
    (tmp_path / "c/scheme.yaml").write_text("name: [", encoding="utf-8")
    r = runner.invoke(main, ["cycle", "import", str(tmp_path / "c")])
    assert r.exit_code == 1
    assert "scheme.yaml" in r.output
    assert "Example:" in runner.invoke(main, ["cycle", "export", "--help", "--lang", "en"]).output
    assert "Example:" in runner.invoke(main, ["cycle", "import", "--help", "--lang", "en"]).output
