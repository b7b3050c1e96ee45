"""The command line: kaohe run/check/explain with ledgers, and kaohe ledgers …"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from kaohe.cli.main import main
from kaohe.io.ledger_files import load_matters
from kaohe.rulebook.decisions import DECISION_COLUMNS

E = Path(__file__).resolve().parents[2] / "examples" / "ulanqab" / "ledgers"
SCHEME, DATA = str(E / "scheme.yaml"), str(E / "data.csv")
LEDGERS = ["--projects", str(E / "projects.xlsx"), "--matters", str(E / "matters.xlsx")]


def _run(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == code, (result.output, result.exception)
    return result


def test_run_derives_the_indicators_from_the_ledgers(tmp_path: Path) -> None:
    _run("run", SCHEME, DATA, *LEDGERS, "-o", str(tmp_path / "out"), "-q")
    with (tmp_path / "out" / "results.csv").open(encoding="utf-8") as fh:
        rows = {r["unit"]: r for r in csv.DictReader(fh)}
    assert len(rows) == 11
    doc = json.loads((tmp_path / "out" / "explain.json").read_text("utf-8"))
    shangdu = next(u for u in doc["units"] if u["unit"] == "shangdu")
    rate = next(i for i in shangdu["indicators"] if i["indicator"] == "project_start_rate")
    assert rate["derivation"]["arithmetic"].startswith("17 ÷ 18 × 100")
    missed = rate["derivation"]["groups"][1]["records"]
    assert [r["id"] for r in missed] == ["SD-018"]


def test_explain_lists_the_records_behind_a_derived_value() -> None:
    out = _run("explain", SCHEME, DATA, "商都县", *LEDGERS).stdout
    assert "台账记录" in out
    assert "SD-018" in out
    assert "BA-031" in out  # an overdue case behind the deduction
    en = _run("explain", SCHEME, DATA, "shangdu", *LEDGERS, "--lang", "en").stdout
    assert "Ledger records" in en
    assert "not counted 1: SD-018" in en


def test_a_derived_scheme_without_its_ledgers_is_refused_naming_them(tmp_path: Path) -> None:
    result = _run("run", SCHEME, DATA, "-o", str(tmp_path / "o"), code=1)
    assert "project_start_rate" in result.stderr
    assert "该指标由项目台账派生，请提供台账文件" in result.stderr


def test_a_derived_indicator_typed_in_the_data_file_is_refused(tmp_path: Path) -> None:
    typed = str(E.parent / "data.csv")  # the main example's data: it has project_start_rate
    result = _run("check", SCHEME, typed, *LEDGERS, "--lang", "en", code=1)
    assert "indicator project_start_rate is derived from a ledger" in result.stderr
    assert "data.csv row 1, column" in result.stderr


def test_ledgers_check_reports_the_files_or_every_problem(tmp_path: Path) -> None:
    ok = _run("ledgers", "check", *LEDGERS, "--scheme", SCHEME).stdout
    assert "583 个项目" in ok
    bad = tmp_path / "p.csv"
    bad.write_text("id,name,unit,started_on\np1,x,nowhere,2022-13-01\n", encoding="utf-8")
    result = _run("ledgers", "check", "--projects", str(bad), "--scheme", SCHEME, code=1)
    assert f"{bad} 第 2 行，列 C (unit): 未知单位“nowhere”" in result.stderr  # the place in zh too
    assert f"{bad} 第 2 行，列 D (started_on)" in result.stderr


def test_ledgers_summary_prints_and_writes_the_funnels(tmp_path: Path) -> None:
    out = tmp_path / "summary.xlsx"
    text = _run("ledgers", "summary", *LEDGERS, "--scheme", SCHEME, "-o", str(out)).stdout
    assert "各单位项目阶段（截至 2022-12-31）" in text
    assert "新能源专班" in text
    assert "talks-2022" in text
    titles = load_workbook(out).sheetnames
    assert len(titles) == 5


def test_ledgers_overdue_lists_matters_by_how_late_they_are(tmp_path: Path) -> None:
    text = _run(
        "ledgers",
        "overdue",
        "--matters",
        str(E / "matters.xlsx"),
        "--scheme",
        SCHEME,
        "--as-of",
        "2022-09-30",
        "--lang",
        "en",
    ).stdout
    assert "Overdue and due soon" in text
    assert "days overdue" in text
    out = tmp_path / "late.csv"
    _run(
        "ledgers",
        "overdue",
        "--matters",
        str(E / "matters.xlsx"),
        "--as-of",
        "2022-09-30",
        "-o",
        str(out),
    )
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) > 1


def test_ledgers_talks_creates_the_talks_of_the_accountability_list(tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.csv"
    with decisions.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(DECISION_COLUMNS)
        w.writerow(
            [
                "talks",
                "accountability_list",
                "unit",
                "huade",
                "化德县",
                "huade",
                "talk",
                "谈心谈话",
                "",
                "较差",
            ]
        )
        w.writerow(
            [
                "quota",
                "rank_quota_allocation",
                "unit",
                "jining",
                "集宁区",
                "jining",
                "rank_quota",
                "3",
                "",
                "",
            ]
        )
    out = tmp_path / "talks.xlsx"
    text = _run(
        "ledgers",
        "talks",
        str(decisions),
        "--batch",
        "t",
        "--opened",
        "2023-01-10",
        "--deadline",
        "2023-02-28",
        "-o",
        str(out),
    ).stdout
    assert "1" in text
    talks = load_matters([out]).matters
    assert [(m.id, m.kind, m.units, m.subject) for m in talks] == [
        ("t-001", "talk", ("huade",), "化德县领导班子")
    ]
    _run("ledgers", "check", "--matters", str(out), "--scheme", SCHEME)


def test_ledgers_template_writes_a_blank_workbook(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    _run("ledgers", "template", "projects", "--year", "2022", "-o", str(out), "--lang", "en")
    header = [c.value for c in load_workbook(out)["projects"][1]]
    assert header[0] == "ID [id]"
    assert header[-1] == "Completed 2022-12 [completed:2022-12]"


@pytest.mark.parametrize("command", ["check", "summary", "overdue", "talks", "template"])
def test_every_ledgers_command_has_help_with_an_example(command: str) -> None:
    text = _run("ledgers", command, "--help", "--lang", "en").stdout
    assert "Example:" in text
    assert "kaohe ledgers " + command in text
