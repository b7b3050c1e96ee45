"""``kaohe monitor`` end to end: the files it writes, its refusals, and the Ulanqab example."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from kaohe.cli.main import main

from .helpers import raw_scheme

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ulanqab"


def _invoke(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(main, [*args])
    assert result.exit_code == code, (result.output, result.exception)
    return result


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    scheme = tmp_path / "scheme.yaml"
    scheme.write_text(yaml.safe_dump(raw_scheme(), allow_unicode=True), encoding="utf-8")
    lines = ["unit,indicator,period,value"]
    before = ["unit,indicator,period,value"]
    for u, pace in zip("abcd", (0.8, 1.0, 1.1, 0.95), strict=True):
        for m in range(1, 7):
            lines.append(f"{u},revenue,2022-{m:02d},{120 * pace * m / 12:.4f}")
            lines.append(f"{u},fai,2022-{m:02d},{10 * m * (1 + 0.1 * pace):.4f}")
            before.append(f"{u},fai,2021-{m:02d},{10 * m}")
    series = tmp_path / "series.csv"
    series.write_text("\n".join(lines) + "\n", encoding="utf-8")
    previous = tmp_path / "previous.csv"
    previous.write_text("\n".join(before) + "\n", encoding="utf-8")
    return scheme, series, previous


def test_it_writes_every_file(files: tuple[Path, Path, Path], tmp_path: Path) -> None:
    scheme, series, previous = files
    out = tmp_path / "out"
    result = _invoke(
        "monitor", str(scheme), str(series), "--previous", str(previous), "-o", str(out)
    )
    assert "6月预警汇总（截至 2022-07-11）" in result.output
    assert "暂定排名（非正式结果" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "charts",
        "data_warnings.csv",
        "monitor.xlsx",
        "provisional.csv",
        "provisional.json",
        "warnings.csv",
    ]
    assert sorted(p.name for p in (out / "charts").iterdir()) == ["fai.png", "revenue.png"]
    rows = _rows(out / "warnings.csv")
    assert len(rows) == 2 * 4 * 6
    a_june = next(
        r for r in rows if (r["unit"], r["indicator"], r["period"]) == ("a", "revenue", "2022-06")
    )
    assert (a_june["colour"], a_june["expected"]) == ("red", "60.0")
    assert a_june["reason"] == "累计完成年度目标 40%，低于序时进度 50% 共 10 个百分点"
    prov = _rows(out / "provisional.csv")
    assert {r["provisional"] for r in prov} == {"true"}
    assert {r["period"] for r in prov} == {"2022-06"}
    doc = json.loads((out / "provisional.json").read_text(encoding="utf-8"))
    assert doc["provisional"] is True
    assert doc["values_used"] == {
        "revenue": "2022-06",
        "growth": "2022-06",
    }
    wb = load_workbook(out / "monitor.xlsx")
    assert wb.sheetnames == ["6月预警", "全部预警", "数据预警", "暂定"]
    assert str(wb["暂定"]["A1"].value).startswith("监测测试方案 — 暂定排名（非正式结果")
    first = [c.value for c in wb["6月预警"][2]]
    assert first[3] == "红"  # red first


def test_an_earlier_period_in_english(files: tuple[Path, Path, Path], tmp_path: Path) -> None:
    scheme, series, previous = files
    out = tmp_path / "out"
    result = _invoke(
        "monitor",
        str(scheme),
        str(series),
        "--previous",
        str(previous),
        "-o",
        str(out),
        "--period",
        "3月",
        "--lang",
        "en",
        "-q",
    )
    assert re.search(
        r"Monitoring written to .*out \(24 progress records, \d+ red; 0 data warnings\)",
        result.output,
    )
    rows = _rows(out / "warnings.csv")
    assert {r["period"] for r in rows} == {"2022-01", "2022-02", "2022-03"}
    assert any(r["reason"].endswith("below the time-proportional 25%") for r in rows)
    assert _rows(out / "provisional.csv")[0]["period"] == "2022-03"


def test_bad_data_writes_nothing(files: tuple[Path, Path, Path], tmp_path: Path) -> None:
    scheme, series, _ = files
    series.write_text(
        series.read_text(encoding="utf-8") + "a,revenue,2022-13,1\na,revenue,2022-01,x\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = _invoke("monitor", str(scheme), str(series), "-o", str(out), "--lang", "en", code=1)
    assert "2 problem(s) found:" in result.output
    assert "column C (period): undeclared monitoring period '2022-13'" in result.output
    assert "column D (value): not a number in a value cell: 'x'" in result.output
    assert not out.exists()


def test_an_unknown_period_and_a_scheme_without_monitoring(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    scheme, series, _ = files
    result = _invoke(
        "monitor", str(scheme), str(series), "-o", str(tmp_path / "o"), "--period", "13月", code=1
    )
    assert "未知的监测期 13月" in result.output
    raw = raw_scheme()
    del raw["monitoring"]
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    result = _invoke("monitor", str(plain), str(series), "-o", str(tmp_path / "o"), code=1)
    assert "方案中没有 monitoring（调度与预警）部分" in result.output


def test_help_has_an_example() -> None:
    result = _invoke("monitor", "--help")
    assert (
        "kaohe monitor examples/ulanqab/scheme.yaml examples/ulanqab/dispatch.csv" in result.output
    )


# --------------------------------------------------------------------------- the example


@pytest.fixture(scope="module")
def ulanqab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ulanqab") / "monitor"
    _invoke(
        "monitor",
        str(EXAMPLE / "scheme.yaml"),
        str(EXAMPLE / "dispatch.csv"),
        "--previous",
        str(EXAMPLE / "dispatch_2021.csv"),
        "--period",
        "2022-06",
        "-o",
        str(out),
        "-q",
    )
    return out


def test_the_ulanqab_example_shows_units_ahead_and_behind(ulanqab: Path) -> None:
    june = [r for r in _rows(ulanqab / "warnings.csv") if r["period"] == "2022-06"]
    revenue = {r["name"]: r["colour"] for r in june if r["indicator"] == "budget_revenue"}
    assert "green" in revenue.values()
    assert "red" in revenue.values()
    assert revenue["化德县"] == "none"  # not reported in June
    fai = [r for r in june if r["indicator"] == "fai"]
    assert all(r["growth"] for r in fai)  # year on year from last year's file
    kinds = {r["indicator"]: r["kind"] for r in june}
    assert kinds["signed_projects"] == "flow"
    assert kinds["reserve_projects"] == "stock"
    assert sum(r["colour"] == "red" for r in june) >= 1


def test_the_ulanqab_example_shows_each_data_warning(ulanqab: Path) -> None:
    checks = {(r["name"], r["indicator"], r["check"]) for r in _rows(ulanqab / "data_warnings.csv")}
    assert ("化德县", "budget_revenue", "late") in checks
    assert ("商都县", "fai", "decreasing") in checks
    assert ("四子王旗", "signed_projects", "own_history") in checks


def test_the_ulanqab_provisional_ranking(ulanqab: Path) -> None:
    rows = _rows(ulanqab / "provisional.csv")
    assert len(rows) == 11
    assert {r["provisional"] for r in rows} == {"true"}
    assert sorted(int(r["rank"]) for r in rows) == list(range(1, 12))
    doc = json.loads((ulanqab / "provisional.json").read_text(encoding="utf-8"))
    assert doc["values_used"]["gdp_growth"] == "2022-06"
    assert len(list((ulanqab / "charts").iterdir())) == 9


def test_the_dispatch_files_are_those_make_dispatch_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("make_dispatch", EXAMPLE / "make_dispatch.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.syspath_prepend(str(EXAMPLE))
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "CURRENT", tmp_path / "dispatch.csv")
    monkeypatch.setattr(module, "PREVIOUS", tmp_path / "dispatch_2021.csv")
    module.main()
    for name in ("dispatch.csv", "dispatch_2021.csv"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (EXAMPLE / name).read_text(
            encoding="utf-8"
        )
    sys.modules.pop("make_data", None)
