"""Input that used to be read wrong without a word is refused, located (issue 16, item 9):
the same unit on two rows (by id twice, or by id and by name), and an xlsx formula cell
without a saved value (read as empty: a county's score changed from 93.54 to 90.54)."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from kaohe import Scheme, load_scheme
from kaohe.dataset import Table, check_tables
from kaohe.errors import DataError
from kaohe.io.cadre_files import load_people
from kaohe.io.data_files import load_data, read_tables
from kaohe.io.formulas import uncached_formulas

from .io_helpers import DATA_SCHEME, GOOD_HEADER, GOOD_ROWS, data_issues, write_csv, write_text

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ulanqab"


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return load_scheme(write_text(tmp_path / "scheme.yaml", DATA_SCHEME))


def test_a_unit_by_id_and_again_by_name_is_refused_with_both_rows(
    tmp_path: Path, scheme: Scheme
) -> None:
    body = [list(r) for r in GOOD_ROWS]
    again = list(body[1])
    again[0] = "丰镇市"  # fengzhen's name, on row 6
    body.append(again)
    path = write_csv(tmp_path / "data.csv", GOOD_HEADER, body)
    (issue,) = data_issues(scheme, path)
    assert (issue.row, issue.column) == (6, "A (unit)")
    assert "unit fengzhen appears twice in this sheet (first on row 3)" in issue.message
    assert "丰镇市" in issue.message


def test_a_unit_three_times_names_every_repeat(tmp_path: Path, scheme: Scheme) -> None:
    body = [list(r) for r in GOOD_ROWS]
    body += [["jining", *body[0][1:]], ["集宁区", *body[0][1:]]]
    issues = data_issues(scheme, write_csv(tmp_path / "data.csv", GOOD_HEADER, body))
    assert [(i.row, "first on row 2" in i.message) for i in issues] == [(6, True), (7, True)]


def test_check_tables_is_the_check_of_a_partial_upload(scheme: Scheme) -> None:
    """The platform's upload of one department's columns makes the same check, alone."""
    table = Table(
        "upload.xlsx[市统计局]",
        ["unit", "gdp_growth"],
        [(2, ["jining", 7]), (3, ["集宁区", 7.5]), (4, ["nowhere", 1])],
        file="upload.xlsx",
        sheet="市统计局",
    )
    (issue,) = check_tables(scheme, [table])
    assert str(issue).startswith("upload.xlsx[市统计局] row 3, column A (unit): unit jining")
    long = Table("long.csv", ["unit", "indicator", "value"], [(2, ["jining", "x", 1])] * 2)
    assert check_tables(scheme, [long]) == []  # one value per row: repeats are fine


def _with_formula(path: Path, cell: str, value: str | None) -> Path:
    """Rewrite the workbook so that ``cell`` holds ``=1+2`` with the saved value ``value``
    (None: no saved value, as a program writing formulas leaves it)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.worksheets[0][cell] = "=1+2"
    buf = io.BytesIO()
    wb.save(buf)
    out = path.with_name(f"formula-{value}.xlsx")
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/") and value is not None:
                # the empty value as openpyxl writes it, with lxml (<v />) or without (<v></v>)
                saved = f"<f>1+2</f><v>{value}</v>".encode()
                data = data.replace(b"<f>1+2</f><v />", saved).replace(b"<f>1+2</f><v></v>", saved)
            dst.writestr(item, data)
    return out


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "data"
    ws.append(GOOD_HEADER)
    for row in GOOD_ROWS:
        ws.append(list(row))
    wb.save(tmp_path / "data.xlsx")
    return tmp_path / "data.xlsx"


def test_a_formula_without_a_saved_value_is_refused_at_its_cell(
    workbook: Path, scheme: Scheme
) -> None:
    path = _with_formula(workbook, "B3", None)
    with pytest.raises(DataError) as info:
        read_tables(path)
    (issue,) = info.value.issues
    assert (issue.sheet, issue.row, issue.column) == ("data", 3, "B (gdp_growth)")
    assert "=1+2" in issue.message
    (issue,) = data_issues(scheme, path)  # kaohe run / check
    assert issue.row == 3


def test_a_formula_with_its_saved_value_reads_as_that_value(workbook: Path, scheme: Scheme) -> None:
    data, _ = load_data(scheme, _with_formula(workbook, "B3", "3"))
    assert data.values[data.units.index("fengzhen"), data.indicators.index("gdp_growth")] == 3


def test_formulas_are_found_in_any_namespace_and_without_cell_references() -> None:
    xml = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<x:sheetData><x:row r="4"><x:c><x:v>1</x:v></x:c><x:c><x:f t="shared" si="0"/></x:c>'
        b'<x:c t="str"><x:f>""</x:f><x:v></x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    assert uncached_formulas(io.BytesIO(xml)) == [(4, 1, "")]  # "" evaluated to "" is a value
    validation = b'<worksheet><dataValidation><formula1>"a,b"</formula1></dataValidation>'
    assert uncached_formulas(io.BytesIO(validation)) == []


def test_the_example_workbooks_read_as_before() -> None:
    scheme = load_scheme(EXAMPLE / "scheme.yaml")
    data, _ = load_data(scheme, EXAMPLE / "data.xlsx")
    same, _ = load_data(scheme, EXAMPLE / "data.csv")
    assert np.array_equal(data.values, same.values, equal_nan=True)


def test_a_cadre_workbook_with_a_formula_without_value_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "people.xlsx"
    shutil.copy(EXAMPLE / "cadres" / "people.xlsx", source)
    path = _with_formula(source, "B2", None)
    with pytest.raises(DataError) as info:
        load_people(path)
    assert any(i.row == 2 and i.sheet is not None for i in info.value.issues)
