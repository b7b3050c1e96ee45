"""Ids as real data has them (issue 10): administrative division codes (``150902``) and codes
with dots and dashes (``ZZA.VHHD``) are accepted, written as numbers in YAML or cells, and come
back unchanged from every output (results.csv, results.xlsx, explain.json)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from kaohe.cli.main import main

from .io_helpers import line_of, only, scheme_issues, write_text, write_xlsx

SCHEME = """\
name: 实际编码
categories:
  150900: {name: 乌兰察布市}
  ZZA.VHHD: {name: 国际}
units:
  150902: {name: 集宁区, category: 150900}
  "010203": {name: 前导零, category: 150900}
  ZZA.VHHD: {name: Somewhere, category: ZZA.VHHD}
  CN-15_a: {name: 内蒙古, category: ZZA.VHHD}
indicators:
  gdp.growth:
    name: 增速
    weights: 100
    target: 5
    rule: {type: proportional}
"""
UNITS = ["150902", "010203", "ZZA.VHHD", "CN-15_a"]


@pytest.fixture
def out(tmp_path: Path) -> Path:
    scheme = write_text(tmp_path / "scheme.yaml", SCHEME)
    data = write_xlsx(  # ids as a workbook holds them: numbers where they look like numbers
        tmp_path / "data.xlsx",
        {
            "data": [
                ["unit", "gdp.growth"],
                [150902, 4],
                ["010203", 5],
                ["ZZA.VHHD", 6],
                ["CN-15_a", 2.5],
            ]
        },
    )
    folder = tmp_path / "out"
    done = CliRunner().invoke(main, ["run", str(scheme), str(data), "-o", str(folder), "-q"])
    assert done.exit_code == 0, done.output
    return folder


def test_real_ids_come_back_from_every_output(out: Path) -> None:
    with (out / "results.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["unit"] for r in rows) == sorted(UNITS)
    assert {r["unit"]: r["category"] for r in rows}["150902"] == "150900"
    sheet = load_workbook(out / "results.xlsx").worksheets[0]
    ids = [sheet.cell(row=r, column=1).value for r in range(4, 4 + len(UNITS))]
    assert all(isinstance(i, str) for i in ids)  # text cells
    assert sorted(str(i) for i in ids) == sorted(UNITS)  # leading zero kept
    doc = json.loads((out / "explain.json").read_text(encoding="utf-8"))
    assert sorted(u["unit"] for u in doc["units"]) == sorted(UNITS)
    assert doc["units"][0]["indicators"][0]["indicator"] == "gdp.growth"


def test_explain_finds_a_unit_by_a_digits_id(out: Path, tmp_path: Path) -> None:
    args = ["explain", str(tmp_path / "scheme.yaml"), str(tmp_path / "data.xlsx"), "150902"]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    assert "集宁区" in done.output


def test_other_characters_are_still_refused_at_their_line(tmp_path: Path) -> None:
    text = SCHEME.replace("CN-15_a: {name: 内蒙古", "CN/15: {name: 内蒙古")
    issue = only(scheme_issues(tmp_path, text))
    assert "'CN/15' is not a valid id" in issue.message
    assert issue.line == line_of(text, "CN/15")
