"""No text Kaohe writes runs as a formula (issue 16, item 8): names from a scheme and an upload
came out as live ``=HYPERLINK(…)`` and ``=cmd|' /C calc'!A0`` cells in results.csv/.xlsx and
people.xlsx. Every CSV and XLSX writer passes its cells through ``kaohe.io.cells.safe_text``."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from kaohe.cli.main import main
from kaohe.io.cadre_files import load_people, read_frames, write_people
from kaohe.io.cells import FORMULA_PREFIXES, plain_text, safe_frame, safe_row, safe_text

from .io_helpers import write_csv, write_text

HYPERLINK = '=HYPERLINK("http://x","y")'
CALC = "=cmd|' /C calc'!A0"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ulanqab"

QUOTED = HYPERLINK.replace('"', '\\"')
EVIL_SCHEME = f"""\
name: "{QUOTED}"
categories:
  development: {{name: "@SUM(1+1)*cmd|' /C calc'!A0", full_marks: 100}}
units:
  jining: {{name: "{QUOTED}", category: development}}
  fengzhen: {{name: "{CALC}", category: development}}
  zhuozi: {{name: "+1+2", category: development}}
  liangcheng: {{name: "-1+2", category: development}}
dimensions:
  economy: {{name: "\\t=1+1"}}
indicators:
  gdp:
    name: "=1+1"
    parent: economy
    weights: 100
    target: 6
    rule: {{type: linear, rate: 30, floor: -50}}
grading:
  grades:
    - {{id: excellent, name: "=2+2", quota: {{count: 1}}}}
    - {{id: good, name: "\\r=3+3"}}
"""


def inert(text: Any) -> bool:
    """A cell value a spreadsheet will not run: not text, or text not starting a formula."""
    return not isinstance(text, str) or not text.startswith(FORMULA_PREFIXES)


def assert_inert_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    bad = [c for r in rows for c in r if not inert(c) and not _number(c)]
    assert not bad, f"{path.name}: live formulas {bad}"
    return rows


def assert_inert_xlsx(path: Path) -> list[Any]:
    wb = load_workbook(path)  # formulas as written, not values
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], f"{path.name}: formulas"
    bad = [c.value for c in cells if c.data_type == "s" and not inert(c.value)]
    assert not bad, f"{path.name}: text that runs {bad}"
    return [c.value for c in cells]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        (CALC, "'" + CALC),
        ("+1+2", "'+1+2"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("集宁区", "集宁区"),
        ("a=b", "a=b"),
        ("-3.5", "-3.5"),  # text that is a number is read as that number: nothing runs
        ("+2e3", "+2e3"),
        (-3.5, -3.5),  # a number is a number cell
        (0, 0),
        (None, None),
        (True, True),
    ],
)
def test_safe_text_neutralises_formula_prefixes_only(value: Any, written: Any) -> None:
    assert safe_text(value) == written
    assert type(safe_text(value)) is type(written)
    assert plain_text(safe_text(value)) == value


def test_plain_text_leaves_other_apostrophes() -> None:
    assert plain_text("'quoted'") == "'quoted'"
    assert plain_text("'") == "'"
    assert safe_row(["=x", 1.5]) == ["'=x", 1.5]


def test_safe_frame_covers_cells_and_headers() -> None:
    import pandas as pd

    frame = pd.DataFrame({"=h": ["=x", "ok"], "n": [-1.0, 2.0]})
    out = safe_frame(frame)
    assert list(out.columns) == ["'=h", "n"]
    assert out["'=h"].tolist() == ["'=x", "ok"]
    assert out["n"].tolist() == [-1.0, 2.0]
    assert frame["=h"].tolist() == ["=x", "ok"]  # the input is not changed


@pytest.fixture
def evil_run(tmp_path: Path) -> tuple[Path, Path, Path]:
    scheme = write_text(tmp_path / "scheme.yaml", EVIL_SCHEME)
    data = write_csv(
        tmp_path / "data.csv",
        ["unit", "gdp"],
        [["jining", 7], ["fengzhen", 5.9], ["zhuozi", 2], ["liangcheng", 6]],
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(scheme), str(data), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return scheme, data, out


def test_results_csv_and_xlsx_hold_the_names_inert(evil_run: tuple[Path, Path, Path]) -> None:
    _, _, out = evil_run
    rows = assert_inert_csv(out / "results.csv")
    names = {r[0]: r[1] for r in rows[1:]}
    assert names["jining"] == "'" + HYPERLINK
    assert names["fengzhen"] == "'" + CALC
    scores = {r[0]: float(r[3]) for r in rows[1:]}
    assert scores["zhuozi"] < 0  # 100 − 30 × 4 = −20: a negative number, written as a number
    values = assert_inert_xlsx(out / "results.xlsx")
    assert "'" + HYPERLINK in values
    assert "'" + CALC in values
    assert -20 in values  # a number cell, not text
    doc = json.loads((out / "explain.json").read_text(encoding="utf-8"))
    assert doc["units"][0]["name"] in (HYPERLINK, CALC, "+1+2", "-1+2")  # JSON keeps the text


def test_every_other_writer_holds_them_inert(
    evil_run: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    scheme, data, _ = evil_run
    runner = CliRunner()
    template = tmp_path / "template.xlsx"
    assert runner.invoke(main, ["template", str(scheme), "-o", str(template)]).exit_code == 0
    assert "'" + HYPERLINK in assert_inert_xlsx(template)
    panel = tmp_path / "panel"
    done = runner.invoke(
        main, ["panel", str(scheme), f"2023={data}", f"2024={data}", "-o", str(panel), "-q"]
    )
    assert done.exit_code == 0, done.output
    assert_inert_csv(panel / "results.csv")
    assert_inert_csv(panel / "trends.csv")
    robust = tmp_path / "robust"
    done = runner.invoke(
        main, ["robustness", str(scheme), str(data), "-o", str(robust), "--samples", "20"]
    )
    assert done.exit_code == 0, done.output
    assert_inert_csv(robust / "ranks.csv")


def test_rulebook_decisions_hold_the_names_inert(
    evil_run: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, _, out = evil_run
    book = write_text(
        tmp_path / "rulebook.yaml",
        """\
        name: "=SUM(1)"
        rules:
          reward:
            type: material_reward
            name: "=1+1"
            public: true
            by_grade: {excellent: 50}
        """.replace("        ", ""),
    )
    decided = tmp_path / "decided"
    done = CliRunner().invoke(
        main,
        ["rulebook", "apply", str(book), "--results", str(out / "results.csv"), "-o", str(decided)],
    )
    assert done.exit_code == 0, done.output
    assert_inert_csv(decided / "decisions.csv")
    assert_inert_csv(decided / "public.csv")
    assert_inert_xlsx(decided / "decisions.xlsx")


def test_people_files_hold_cadre_names_inert_and_read_back(tmp_path: Path) -> None:
    cadres = tmp_path / "cadres.csv"
    text = (EXAMPLE / "cadres" / "cadres.csv").read_text(encoding="utf-8")
    cadres.write_text(text.replace("金勇", HYPERLINK.replace('"', '""').join('""')), "utf-8")
    shutil.copy(EXAMPLE / "cadres" / "teams.csv", tmp_path / "teams.csv")
    people = load_people(cadres, tmp_path / "teams.csv")
    assert HYPERLINK in people.cadres["name"].tolist()
    written = write_people(people, tmp_path / "people.xlsx")
    assert "'" + HYPERLINK in assert_inert_xlsx(written)
    again = load_people(written)  # Kaohe reads its own file back as it was
    assert HYPERLINK in again.cadres["name"].tolist()
    cells = [c for frame, _ in read_frames(written) for c in frame.to_numpy().ravel().tolist()]
    assert HYPERLINK in cells  # read back as it was, without the apostrophe that kept it inert
    assert "'" + HYPERLINK not in cells
