"""``kaohe template``: the data-entry workbook, one sheet per owner department, and back again.

The template must read back with ``load_data`` as it is, once filled: that round trip is the
contract between the office that writes the scheme and the departments that report the data.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from kaohe import load_scheme
from kaohe.cli.main import main
from kaohe.dataset import MISSING, PRESENT
from kaohe.io.data_files import load_data

from .io_helpers import DATA_SCHEME, MINIMAL, write_text

DEPARTMENT_SHEETS = ["市统计局", "市林草局", "考核办"]
UNITS = ["jining", "fengzhen", "siziwang", "zhuozi"]
GREY = "BFBFBF"


@pytest.fixture
def scheme_path(tmp_path: Path) -> Path:
    return write_text(tmp_path / "scheme.yaml", DATA_SCHEME)


@pytest.fixture
def template(tmp_path: Path, scheme_path: Path) -> Path:
    out = tmp_path / "填报模板.xlsx"
    result = CliRunner().invoke(main, ["template", str(scheme_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def headers(ws: Any) -> list[str]:
    return [c.value for c in ws[1]]


def ids_in(ws: Any) -> list[str]:
    """The bracketed codes of a sheet's headers, e.g. ``gdp_growth`` or ``awards:national``."""
    out = []
    for h in headers(ws):
        m = re.search(r"\[([^\]]+)\]\s*$", str(h))
        assert m, f"header {h!r} has no [id]"
        out.append(m.group(1))
    return out


def column_of(ws: Any, code: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(ids_in(ws).index(code) + 1)


def row_of(ws: Any, unit: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == unit)


def validation_of(ws: Any, cell: str) -> Any:
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) <= 1
    return found[0] if found else None


def is_grey(cell: Any) -> bool:
    return (
        cell.fill is not None
        and cell.fill.fill_type == "solid"
        and GREY in str(cell.fill.fgColor.rgb)
    )


# --------------------------------------------------------------------------- layout


def test_it_writes_an_instruction_sheet_then_one_sheet_per_department(template: Path) -> None:
    wb = load_workbook(template)
    assert wb.sheetnames == ["说明", *DEPARTMENT_SHEETS]


def test_it_puts_only_a_departments_own_indicators_on_its_sheet(template: Path) -> None:
    wb = load_workbook(template)
    base = {name: {c.split(":")[0] for c in ids_in(wb[name])[3:]} for name in DEPARTMENT_SHEETS}
    assert base == {
        "市统计局": {"gdp_growth", "industry"},
        "市林草局": {"forest_cover"},
        "考核办": {"work_eval", "awards", "incidents", "safety_veto"},
    }


def test_it_lists_the_units_as_rows_with_name_and_category(template: Path) -> None:
    ws = load_workbook(template)["市林草局"]
    assert ids_in(ws)[:3] == ["unit", "name", "category"]
    rows = [[c.value for c in r[:3]] for r in ws.iter_rows(min_row=2)]
    assert rows == [
        ["jining", "集宁区", "重点开发区"],
        ["fengzhen", "丰镇市", "重点开发区"],
        ["siziwang", "四子王旗", "重点生态功能区"],
        ["zhuozi", "卓资县", "重点生态功能区"],
    ]


def test_it_shows_the_unit_of_measure_and_the_id_in_each_header(template: Path) -> None:
    ws = load_workbook(template)["市统计局"]
    assert headers(ws)[3:] == [
        "地区生产总值增速（%） [gdp_growth]",
        "工业增加值（亿元） [industry]",
    ]


def test_it_gives_each_item_and_note_its_own_column(template: Path) -> None:
    ws = load_workbook(template)["考核办"]
    assert ids_in(ws)[3:] == [
        "work_eval",
        "work_eval:note",
        "awards:national",
        "awards:city",
        "awards:note",
        "incidents:warning",
        "incidents:criminal",
        "incidents:note",
        "safety_veto",
    ]


def test_it_puts_indicators_without_an_owner_on_a_sheet_of_their_own(tmp_path: Path) -> None:
    scheme = write_text(tmp_path / "scheme.yaml", MINIMAL)
    out = tmp_path / "t.xlsx"
    result = CliRunner().invoke(main, ["template", str(scheme), "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["说明", "未指定部门"]
    assert ids_in(wb["未指定部门"])[3:] == ["gdp_growth", "forest_cover"]


def test_it_describes_every_indicator_on_the_instruction_sheet(template: Path) -> None:
    ws = load_workbook(template)["说明"]
    codes = [r[0].value for r in ws.iter_rows()]
    for iid in ("gdp_growth", "industry", "forest_cover", "work_eval", "safety_veto"):
        assert iid in codes


# --------------------------------------------------------------------------- validation


def test_it_limits_number_cells_to_the_declared_range(template: Path) -> None:
    ws = load_workbook(template)["市统计局"]
    col = column_of(ws, "gdp_growth")
    for unit in UNITS:
        dv = validation_of(ws, f"{col}{row_of(ws, unit)}")
        assert dv is not None
        # a custom formula (so that N/A passes too), anchored at the column's first cell
        assert dv.type == "custom"
        assert f"ISNUMBER({col}2)" in dv.formula1
        assert f"{col}2>=-50" in dv.formula1
        assert f"{col}2<=50" in dv.formula1


def test_it_limits_count_cells_to_whole_numbers_at_least_zero(template: Path) -> None:
    ws = load_workbook(template)["考核办"]
    for code in ("awards:national", "awards:city", "incidents:warning", "incidents:criminal"):
        dv = validation_of(ws, f"{column_of(ws, code)}2")
        assert dv is not None, code
        assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")


def test_it_offers_yes_or_no_for_a_veto(template: Path) -> None:
    ws = load_workbook(template)["考核办"]
    dv = validation_of(ws, f"{column_of(ws, 'safety_veto')}3")
    assert dv is not None
    assert dv.type == "list"
    assert set(dv.formula1.strip('"').split(",")) == {"是", "否"}


def test_it_accepts_only_deductions_of_zero_or_more_for_a_judgement(template: Path) -> None:
    ws = load_workbook(template)["考核办"]
    col = column_of(ws, "work_eval")
    dv = validation_of(ws, f"{col}2")
    assert dv is not None
    assert dv.type == "custom"
    assert f"{col}2>=0" in dv.formula1
    assert "<=" not in dv.formula1


def test_it_shows_an_error_message_when_a_cell_is_refused(template: Path) -> None:
    ws = load_workbook(template)["市林草局"]
    dv = validation_of(ws, f"{column_of(ws, 'forest_cover')}2")
    assert dv is not None
    assert dv.showErrorMessage
    assert "0" in dv.error
    assert "100" in dv.error


def test_it_lets_n_a_through_the_validation_of_a_number_cell(template: Path) -> None:
    # The 说明 sheet says “确不适用可填 N/A（不适用）”, and the reader takes N/A; a 'stop'
    # validation of type decimal makes Excel refuse exactly that entry.
    wb = load_workbook(template)
    assert any("N/A" in str(r[0].value) for r in wb["说明"].iter_rows())
    ws = wb["市林草局"]
    dv = validation_of(ws, f"{column_of(ws, 'forest_cover')}2")
    assert dv is not None
    lets_text_through = dv.errorStyle in ("warning", "information") or (
        dv.type == "custom" and "N/A" in str(dv.formula1)
    )
    assert lets_text_through, (dv.type, dv.errorStyle, dv.formula1)


def test_it_greys_out_cells_of_indicators_that_do_not_apply(template: Path) -> None:
    ws = load_workbook(template)["市统计局"]
    col = column_of(ws, "industry")  # development only
    assert [is_grey(ws[f"{col}{row_of(ws, u)}"]) for u in UNITS] == [False, False, True, True]
    # a greyed cell is not offered for entry either
    assert validation_of(ws, f"{col}{row_of(ws, 'siziwang')}") is None
    assert validation_of(ws, f"{col}{row_of(ws, 'jining')}") is not None
    gdp = column_of(ws, "gdp_growth")  # every category
    assert not any(is_grey(ws[f"{gdp}{row_of(ws, u)}"]) for u in UNITS)


# --------------------------------------------------------------------------- round trip


def fill(template: Path, out: Path, values: dict[tuple[str, str], Any]) -> Path:
    """Type values into the template by (unit, column code), as a department would."""
    wb = load_workbook(template)
    done = set()
    for ws in wb.worksheets[1:]:
        codes = ids_in(ws)
        for (unit, code), v in values.items():
            if code in codes:
                ws[f"{column_of(ws, code)}{row_of(ws, unit)}"] = v
                done.add((unit, code))
    assert done == set(values), set(values) - done
    wb.save(out)
    return out


FILLED: dict[tuple[str, str], Any] = {
    ("jining", "gdp_growth"): 7.2,
    ("fengzhen", "gdp_growth"): 5.5,
    ("siziwang", "gdp_growth"): 4,
    ("zhuozi", "gdp_growth"): -1.5,
    ("jining", "industry"): 120,
    ("fengzhen", "industry"): 90,
    ("jining", "forest_cover"): 15,
    ("fengzhen", "forest_cover"): 12,
    ("siziwang", "forest_cover"): 30,
    ("zhuozi", "forest_cover"): "N/A",
    ("fengzhen", "work_eval"): 2,
    ("fengzhen", "work_eval:note"): "材料报送迟延",
    ("jining", "awards:national"): 1,
    ("jining", "awards:note"): "国务院表彰文件",
    ("fengzhen", "incidents:warning"): 2,
    ("zhuozi", "safety_veto"): "是",
    ("jining", "safety_veto"): "否",
}


def test_it_reads_a_filled_template_back_with_the_values_entered(
    tmp_path: Path, template: Path, scheme_path: Path
) -> None:
    scheme = load_scheme(scheme_path)
    ds, warnings = load_data(scheme, fill(template, tmp_path / "filled.xlsx", FILLED))
    assert warnings == []

    def v(unit: str, iid: str) -> float:
        return float(ds.values[ds.units.index(unit), ds.indicators.index(iid)])

    def st(unit: str, iid: str) -> int:
        return int(ds.status[ds.units.index(unit), ds.indicators.index(iid)])

    assert [v(u, "gdp_growth") for u in UNITS] == [7.2, 5.5, 4, -1.5]
    assert [v(u, "industry") for u in ["jining", "fengzhen"]] == [120, 90]
    assert st("zhuozi", "forest_cover") != PRESENT  # N/A
    assert v("siziwang", "forest_cover") == 30
    assert v("fengzhen", "work_eval") == 2
    assert ds.notes[("fengzhen", "work_eval")] == "材料报送迟延"
    assert ds.notes[("jining", "awards")] == "国务院表彰文件"
    assert ds.items["awards"][ds.units.index("jining")][0] == 1
    assert ds.items["incidents"][ds.units.index("fengzhen")][0] == 2
    assert v("zhuozi", "safety_veto") == 1
    assert v("jining", "safety_veto") == 0
    assert st("fengzhen", "safety_veto") == MISSING
    assert ds.sources[("jining", "gdp_growth")].sheet == "市统计局"


def test_it_locates_a_bad_entry_in_a_filled_template(
    tmp_path: Path, template: Path, scheme_path: Path
) -> None:
    from kaohe.errors import DataError

    scheme = load_scheme(scheme_path)
    path = fill(template, tmp_path / "filled.xlsx", {**FILLED, ("siziwang", "gdp_growth"): "四"})
    with pytest.raises(DataError) as info:
        load_data(scheme, path)
    issue = next(i for i in info.value.issues if "text in a number cell" in i.message)
    assert (issue.sheet, issue.row, issue.column) == ("市统计局", 4, "D (gdp_growth)")


def test_it_reads_an_empty_template_as_missing_values_not_as_errors_of_form(
    tmp_path: Path, template: Path, scheme_path: Path
) -> None:
    from kaohe.errors import DataError

    scheme = load_scheme(scheme_path)
    with pytest.raises(DataError) as info:
        load_data(scheme, template)
    messages = [i.message for i in info.value.issues]
    assert messages
    assert all(m.startswith("missing value for") for m in messages), messages


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("name", ["template.xls", "template.csv", "template"])
def test_it_refuses_an_output_name_that_is_not_xlsx(
    tmp_path: Path, scheme_path: Path, name: str
) -> None:
    out = tmp_path / name
    result = CliRunner().invoke(main, ["template", str(scheme_path), "-o", str(out)])
    assert result.exit_code != 0
    assert ".xlsx" in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [scheme_path]


def test_it_writes_no_template_for_an_invalid_scheme(tmp_path: Path) -> None:
    scheme = write_text(tmp_path / "scheme.yaml", MINIMAL.replace("ecology: 30}", "ecology: -3}"))
    out = tmp_path / "t.xlsx"
    result = CliRunner().invoke(main, ["template", str(scheme), "-o", str(out), "--lang", "en"])
    assert result.exit_code == 1
    assert "weight must be ≥ 0, got -3" in result.output
    assert not out.exists()


def test_it_writes_the_template_readable_like_any_other_file(
    tmp_path: Path, scheme_path: Path
) -> None:
    # an atomic write must not leave the temporary file's private mode (0600) behind
    old = os.umask(0o022)
    try:
        out = tmp_path / "t.xlsx"
        result = CliRunner().invoke(main, ["template", str(scheme_path), "-o", str(out)])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o644


def test_it_replaces_an_existing_template_whole(
    tmp_path: Path, template: Path, scheme_path: Path
) -> None:
    template.write_bytes(b"old")
    result = CliRunner().invoke(main, ["template", str(scheme_path), "-o", str(template)])
    assert result.exit_code == 0, result.output
    assert load_workbook(template).sheetnames[0] == "说明"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([template.name, scheme_path.name])


def test_an_indicator_counted_from_a_ledger_is_nobodys_to_enter() -> None:
    from kaohe.io.scheme_file import load_scheme
    from kaohe.io.template import departments

    scheme = load_scheme(
        Path(__file__).resolve().parents[1] / "examples/ulanqab/ledgers/scheme.yaml"
    )
    derived = {iid for iid, ind in scheme.indicators.items() if ind.derive is not None}
    assert derived  # the example counts its project indicators from the register
    entered = {iid for iids in departments(scheme).values() for iid in iids}
    assert not entered & derived
    assert entered | derived == set(scheme.indicators)
