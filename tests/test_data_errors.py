"""Data files at the edge: every bad cell named by file, sheet, row and column, all at once.

The data file is CSV (UTF-8, GB18030 with a warning) or .xlsx, wide or long. Each test starts
from a complete, valid table for the scheme ``DATA_SCHEME`` and spoils one thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kaohe import Scheme, load_scheme
from kaohe.dataset import MISSING, NOT_APPLICABLE, PRESENT
from kaohe.errors import Issue
from kaohe.io.data_files import load_data

from .io_helpers import (
    DATA_SCHEME,
    GOOD_HEADER,
    GOOD_ROWS,
    data_issues,
    only,
    shown,
    write_csv,
    write_text,
    write_xlsx,
)

UNITS = ["jining", "fengzhen", "siziwang", "zhuozi"]


@pytest.fixture
def scheme(tmp_path: Path) -> Scheme:
    return load_scheme(write_text(tmp_path / "scheme.yaml", DATA_SCHEME))


def rows(
    changes: dict[tuple[str, str], Any] | None = None,
    header: Sequence[str] = GOOD_HEADER,
    drop_units: Sequence[str] = (),
    drop_columns: Sequence[str] = (),
) -> tuple[list[str], list[list[Any]]]:
    """The good table with cells changed (by unit id and column), units or columns dropped."""
    body = [list(r) for r in GOOD_ROWS if r[0] not in drop_units]
    for (unit, col), value in (changes or {}).items():
        row = next(r for r in body if r[0] == unit)
        row[GOOD_HEADER.index(col)] = value
    keep = [k for k, h in enumerate(GOOD_HEADER) if h not in drop_columns]
    head = [list(header)[k] for k in keep]
    return head, [[r[k] for k in keep] for r in body]


def csv_file(tmp_path: Path, name: str = "data.csv", **kw: Any) -> Path:
    head, body = rows(**kw)
    return write_csv(tmp_path / name, head, body)


def value(ds: Any, unit: str, iid: str) -> float:
    return float(ds.values[ds.units.index(unit), ds.indicators.index(iid)])


def status(ds: Any, unit: str, iid: str) -> int:
    return int(ds.status[ds.units.index(unit), ds.indicators.index(iid)])


def with_message(issues: list[Issue], words: str) -> Issue:
    found = [i for i in issues if words in i.message]
    assert found, f"no issue saying {words!r} among:\n{shown(issues)}"
    return found[0]


# --------------------------------------------------------------------------- baseline


def test_it_reads_the_good_table(tmp_path: Path, scheme: Scheme) -> None:
    ds, warnings = load_data(scheme, csv_file(tmp_path))
    assert warnings == []
    assert value(ds, "jining", "gdp_growth") == 7.2
    assert value(ds, "fengzhen", "work_eval") == 2
    assert ds.notes[("fengzhen", "work_eval")] == "材料报送迟延"
    assert ds.notes[("jining", "awards")] == "国务院表彰文件"


# --------------------------------------------------------------------------- units


def test_it_rejects_an_unknown_unit_with_a_hint(tmp_path: Path, scheme: Scheme) -> None:
    path = csv_file(tmp_path, changes={("jining", "unit"): "jinning"})
    issues = data_issues(scheme, path)
    issue = with_message(issues, "unknown unit")
    assert issue.file == str(path)
    assert issue.row == 2
    assert issue.column == "A (unit)"
    assert issue.message == "unknown unit 'jinning' (did you mean 'jining'?)"
    assert (
        str(issue)
        == f"{path} row 2, column A (unit): unknown unit 'jinning' (did you mean 'jining'?)"
    )


def test_it_hints_at_a_unit_name_close_to_the_one_written(tmp_path: Path, scheme: Scheme) -> None:
    path = csv_file(tmp_path, changes={("siziwang", "unit"): "四子王"})
    issue = with_message(data_issues(scheme, path), "unknown unit")
    assert issue.row == 4
    assert "did you mean '四子王旗'?" in issue.message


def test_it_reads_units_named_by_their_chinese_name(tmp_path: Path, scheme: Scheme) -> None:
    names = {"jining": "集宁区", "fengzhen": "丰镇市", "siziwang": "四子王旗", "zhuozi": "卓资县"}
    path = csv_file(tmp_path, changes={(u, "unit"): n for u, n in names.items()})
    ds, _ = load_data(scheme, path)
    assert value(ds, "siziwang", "forest_cover") == 30
    assert value(ds, "jining", "gdp_growth") == 7.2


def test_it_names_a_unit_with_no_row_and_the_file(tmp_path: Path, scheme: Scheme) -> None:
    path = csv_file(tmp_path, drop_units=["siziwang"])
    issue = only(data_issues(scheme, path))
    assert "no data for unit 四子王旗 (siziwang)" in issue.message
    assert issue.file == str(path)


def test_it_rejects_the_same_unit_twice_in_a_sheet(tmp_path: Path, scheme: Scheme) -> None:
    head, body = rows()
    body.append(list(body[0]))  # jining again, on row 6
    path = write_csv(tmp_path / "data.csv", head, body)
    issue = only(data_issues(scheme, path))
    assert issue.row == 6
    assert issue.column == "A (unit)"
    assert "unit jining appears twice in this sheet (first on row 2)" in issue.message


def test_it_rejects_a_row_with_an_empty_unit_cell(tmp_path: Path, scheme: Scheme) -> None:
    head, body = rows()
    body.append([None, 5, *([None] * (len(head) - 2))])
    path = write_csv(tmp_path / "data.csv", head, body)
    issue = only(data_issues(scheme, path))
    assert issue.row == 6
    assert "empty unit cell" in issue.message


def test_it_rejects_a_table_without_a_unit_column(tmp_path: Path, scheme: Scheme) -> None:
    header = ["单位代码", *GOOD_HEADER[1:]]
    path = csv_file(tmp_path, header=header)
    issues = data_issues(scheme, path)
    issue = with_message(issues, "no unit column")
    assert issue.file == str(path)
    assert issue.row == 1
    assert "考核对象" in issue.message


# --------------------------------------------------------------------------- columns


def test_it_rejects_an_unknown_indicator_column_with_a_hint(tmp_path: Path, scheme: Scheme) -> None:
    header = [h if h != "industry" else "industy" for h in GOOD_HEADER]
    path = csv_file(tmp_path, header=header)
    issues = data_issues(scheme, path)
    issue = with_message(issues, "unknown indicator")
    assert issue.row == 1
    assert issue.column == "C (industy)"
    assert issue.message == "unknown indicator 'industy' (did you mean 'industry'?)"


def test_it_hints_at_an_indicator_name_close_to_the_header(tmp_path: Path, scheme: Scheme) -> None:
    header = [h if h != "forest_cover" else "森林覆盖" for h in GOOD_HEADER]
    issue = with_message(
        data_issues(scheme, csv_file(tmp_path, header=header)), "unknown indicator"
    )
    assert issue.column == "D (森林覆盖)"
    assert "did you mean '森林覆盖率'?" in issue.message


def test_it_rejects_an_unknown_item_column_listing_the_items(
    tmp_path: Path, scheme: Scheme
) -> None:
    header = [h if h != "awards:city" else "awards:county" for h in GOOD_HEADER]
    issue = with_message(data_issues(scheme, csv_file(tmp_path, header=header)), "unknown item")
    assert issue.column == "H (awards:county)"
    assert "awards:national" in issue.message
    assert "awards:city" in issue.message


def test_it_asks_for_item_columns_when_a_counted_indicator_has_one_column(
    tmp_path: Path, scheme: Scheme
) -> None:
    head, body = rows()
    head.append("incidents")
    for r in body:
        r.append(None)
    issue = only(data_issues(scheme, write_csv(tmp_path / "data.csv", head, body)))
    assert issue.row == 1
    assert "incidents:warning" in issue.message
    assert "incidents:criminal" in issue.message


def test_it_names_a_required_indicator_with_no_column_its_units_and_the_file(
    tmp_path: Path, scheme: Scheme
) -> None:
    path = csv_file(tmp_path, drop_columns=["forest_cover"])
    issue = only(data_issues(scheme, path))
    assert "no column for indicator 森林覆盖率 (forest_cover)" in issue.message
    assert "jining, fengzhen, siziwang, zhuozi" in issue.message
    assert issue.file == str(path)


def test_it_names_only_the_units_an_indicator_applies_to(tmp_path: Path, scheme: Scheme) -> None:
    issue = only(data_issues(scheme, csv_file(tmp_path, drop_columns=["industry"])))
    assert "no column for indicator 工业增加值 (industry)" in issue.message
    assert "jining, fengzhen" in issue.message
    assert "siziwang" not in issue.message


def test_it_reads_headers_by_id_by_chinese_name_and_by_bracketed_id(
    tmp_path: Path, scheme: Scheme
) -> None:
    header = list(GOOD_HEADER)
    header[GOOD_HEADER.index("unit")] = "考核对象 [unit]"
    header[GOOD_HEADER.index("gdp_growth")] = "地区生产总值增速"
    header[GOOD_HEADER.index("forest_cover")] = "森林覆盖率（%） [forest_cover]"
    header[GOOD_HEADER.index("awards:national")] = "表彰奖励·national [awards:national]"
    head, body = rows(header=header)
    head.insert(1, "名称")
    head.insert(2, "类别")
    for r in body:
        r.insert(1, "某地")
        r.insert(2, "某类")
    ds, warnings = load_data(scheme, write_csv(tmp_path / "data.csv", head, body))
    assert warnings == []
    assert value(ds, "jining", "gdp_growth") == 7.2
    assert value(ds, "zhuozi", "forest_cover") == 40
    assert ds.items["awards"][ds.units.index("jining")][0] == 1


# --------------------------------------------------------------------------- number cells


def test_it_rejects_text_in_a_number_cell_naming_sheet_row_and_column(
    tmp_path: Path, scheme: Scheme
) -> None:
    path = write_xlsx(
        tmp_path / "data.xlsx",
        {
            "市统计局": [
                ["unit", "name", "category", "gdp_growth", "industry"],
                ["jining", "集宁区", "重点开发区", 7.2, 120],
                ["fengzhen", "丰镇市", "重点开发区", 5.5, 90],
                ["siziwang", "四子王旗", "重点生态功能区", 4, None],
                ["zhuozi", "卓资县", "重点生态功能区", "abc", None],
            ],
            "其他": [["unit", *GOOD_HEADER[3:]], *[[r[0], *r[3:]] for r in GOOD_ROWS]],
        },
    )
    issue = with_message(data_issues(scheme, path), "text in a number cell")
    assert (issue.file, issue.sheet, issue.row, issue.column) == (
        str(path),
        "市统计局",
        5,
        "D (gdp_growth)",
    )
    assert str(issue) == (
        f"{path}[市统计局] row 5, column D (gdp_growth): text in a number cell: 'abc'"
    )


def test_it_suggests_dropping_the_percent_sign(tmp_path: Path, scheme: Scheme) -> None:
    path = csv_file(tmp_path, changes={("fengzhen", "gdp_growth"): "5.5%"})
    issue = with_message(data_issues(scheme, path), "text in a number cell")
    assert (issue.row, issue.column) == (3, "B (gdp_growth)")
    assert issue.message.startswith("text in a number cell: '5.5%'")
    assert "write 5.5" in issue.message


def test_it_reads_thousands_separators_in_numbers(tmp_path: Path, scheme: Scheme) -> None:
    path = csv_file(tmp_path, changes={("jining", "industry"): "1,234.5"})
    ds, _ = load_data(scheme, path)
    assert value(ds, "jining", "industry") == 1234.5


@pytest.mark.parametrize("written", ["6,5", "12,34", "1,2345"])
def test_it_never_reads_a_decimal_comma_as_a_thousands_separator(
    tmp_path: Path, scheme: Scheme, written: str
) -> None:
    # "6,5" is 6.5 in much of the world: read as 65 it would be silently wrong, so it is refused
    path = csv_file(tmp_path, changes={("jining", "industry"): written})
    issue = with_message(data_issues(scheme, path), "a comma is read only")
    assert "write the decimal point as '.'" in issue.message


def test_it_rejects_a_value_outside_the_declared_range(tmp_path: Path, scheme: Scheme) -> None:
    path = csv_file(tmp_path, changes={("zhuozi", "forest_cover"): 140})
    issue = with_message(data_issues(scheme, path), "outside the range")
    assert (issue.row, issue.column) == (5, "D (forest_cover)")
    assert issue.message == "140 is outside the range [0, 100] declared for 森林覆盖率"


def test_it_accepts_the_edges_of_the_range(tmp_path: Path, scheme: Scheme) -> None:
    path = csv_file(
        tmp_path, changes={("zhuozi", "forest_cover"): 100, ("siziwang", "forest_cover"): 0}
    )
    ds, _ = load_data(scheme, path)
    assert value(ds, "zhuozi", "forest_cover") == 100
    assert value(ds, "siziwang", "forest_cover") == 0


def test_it_names_sheet_row_and_column_of_a_missing_required_value(
    tmp_path: Path, scheme: Scheme
) -> None:
    path = write_xlsx(
        tmp_path / "data.xlsx",
        {"data": [GOOD_HEADER, *rows(changes={("fengzhen", "gdp_growth"): None})[1]]},
    )
    issue = only(data_issues(scheme, path))
    assert (issue.file, issue.sheet, issue.row, issue.column) == (
        str(path),
        "data",
        3,
        "B (gdp_growth)",
    )
    assert "missing value for 地区生产总值增速 (gdp_growth) of 丰镇市" in issue.message
    assert "N/A" in issue.message


def test_it_locates_a_missing_value_in_a_csv_too(tmp_path: Path, scheme: Scheme) -> None:
    path = csv_file(tmp_path, changes={("zhuozi", "forest_cover"): None})
    issue = only(data_issues(scheme, path))
    assert (issue.file, issue.row, issue.column) == (str(path), 5, "D (forest_cover)")


@pytest.mark.parametrize("token", ["N/A", "n/a", "不适用"])
def test_it_reads_na_as_not_applicable(tmp_path: Path, scheme: Scheme, token: str) -> None:
    path = csv_file(tmp_path, changes={("fengzhen", "forest_cover"): token})
    ds, _ = load_data(scheme, path)
    assert status(ds, "fengzhen", "forest_cover") == NOT_APPLICABLE
    assert status(ds, "jining", "forest_cover") == PRESENT


def test_it_warns_of_and_ignores_a_value_for_an_indicator_that_does_not_apply(
    tmp_path: Path, scheme: Scheme
) -> None:
    path = csv_file(tmp_path, changes={("siziwang", "industry"): 50})
    ds, warnings = load_data(scheme, path)
    warning = only(warnings)
    assert (warning.file, warning.row, warning.column) == (str(path), 4, "C (industry)")
    assert "工业增加值 does not apply to 重点生态功能区" in warning.message
    assert "ignored" in warning.message
    assert status(ds, "siziwang", "industry") == MISSING
    assert np.isnan(value(ds, "siziwang", "industry"))


def test_it_rejects_a_value_in_a_column_without_a_header(tmp_path: Path, scheme: Scheme) -> None:
    head, body = rows()
    body[0].append(99)  # jining, one cell beyond the last header (column M)
    path = write_csv(tmp_path / "data.csv", head, body)
    issue = only(data_issues(scheme, path))
    assert (issue.file, issue.row) == (str(path), 2)
    assert issue.column is not None
    assert issue.column.startswith("M")


def test_it_rejects_a_yes_no_cell_where_a_number_belongs(tmp_path: Path, scheme: Scheme) -> None:
    # an Excel TRUE in a growth-rate cell is not 1 %
    head, body = rows(changes={("jining", "gdp_growth"): True})
    path = write_xlsx(tmp_path / "data.xlsx", {"data": [head, *body]})
    issue = only(data_issues(scheme, path))
    assert (issue.sheet, issue.row, issue.column) == ("data", 2, "B (gdp_growth)")


def test_it_says_where_the_first_of_two_values_in_a_csv_is(tmp_path: Path, scheme: Scheme) -> None:
    head, body = rows()
    head.append("gdp_growth")
    for r in body:
        r.append(r[1])
    body[1][-1] = 1  # fengzhen: 5.5 in column B, 1 in column M
    path = write_csv(tmp_path / "data.csv", head, body)
    issue = only(data_issues(scheme, path))
    assert (issue.row, issue.column) == (3, "M (gdp_growth)")
    assert "a second value for fengzhen / gdp_growth" in issue.message
    assert "the first is at row 3, column B (gdp_growth)" in issue.message


# --------------------------------------------------------------------------- counted items


@pytest.mark.parametrize(("cell", "shown_as"), [(1.5, "1.5"), (-1, "-1")])
def test_it_rejects_a_count_that_is_not_a_whole_number_at_least_zero(
    tmp_path: Path, scheme: Scheme, cell: float, shown_as: str
) -> None:
    path = csv_file(tmp_path, changes={("fengzhen", "incidents:warning"): cell})
    issue = only(data_issues(scheme, path))
    assert (issue.row, issue.column) == (3, "J (incidents:warning)")
    assert issue.message == f"a count must be a whole number ≥ 0, got {shown_as}"


def test_it_requires_a_reason_for_a_judgement_deduction(tmp_path: Path, scheme: Scheme) -> None:
    path = csv_file(tmp_path, changes={("fengzhen", "work_eval:note"): None})
    issue = only(data_issues(scheme, path))
    assert (issue.file, issue.row, issue.column) == (str(path), 3, "E (work_eval)")
    assert "a deduction needs its reason in the note (work_eval:note)" in issue.message


def test_it_rejects_a_negative_judgement_deduction(tmp_path: Path, scheme: Scheme) -> None:
    path = csv_file(tmp_path, changes={("fengzhen", "work_eval"): -2})
    issue = only(data_issues(scheme, path))
    assert (issue.row, issue.column) == (3, "E (work_eval)")
    assert "points deducted (≥ 0), got -2" in issue.message


def test_it_requires_evidence_for_a_bonus_when_the_rule_says_so(
    tmp_path: Path, scheme: Scheme
) -> None:
    path = csv_file(tmp_path, changes={("jining", "awards:note"): None})
    issue = only(data_issues(scheme, path))
    assert issue.file == str(path)
    assert issue.row == 2
    assert issue.column is not None
    assert "awards" in issue.column
    assert "bonus points need evidence named in the note (awards:note)" in issue.message


# --------------------------------------------------------------------------- vetoes


@pytest.mark.parametrize(("cell", "expected"), [("是", 1.0), ("否", 0.0), (1, 1.0), (0, 0.0)])
def test_it_reads_veto_cells(tmp_path: Path, scheme: Scheme, cell: Any, expected: float) -> None:
    path = csv_file(tmp_path, changes={("fengzhen", "safety_veto"): cell})
    ds, _ = load_data(scheme, path)
    assert value(ds, "fengzhen", "safety_veto") == expected
    assert status(ds, "fengzhen", "safety_veto") == PRESENT


def test_it_reads_an_empty_veto_cell_as_not_triggered(tmp_path: Path, scheme: Scheme) -> None:
    ds, _ = load_data(scheme, csv_file(tmp_path))
    assert status(ds, "fengzhen", "safety_veto") == MISSING


def test_it_rejects_a_veto_cell_that_is_neither_yes_nor_no(tmp_path: Path, scheme: Scheme) -> None:
    path = csv_file(tmp_path, changes={("fengzhen", "safety_veto"): "可能"})
    issue = only(data_issues(scheme, path))
    assert (issue.row, issue.column) == (3, "L (safety_veto)")
    assert "'可能'" in issue.message
    assert "是/否" in issue.message


def test_it_rejects_a_veto_number_other_than_one_or_zero(tmp_path: Path, scheme: Scheme) -> None:
    path = csv_file(tmp_path, changes={("fengzhen", "safety_veto"): 2})
    issue = only(data_issues(scheme, path))
    assert (issue.row, issue.column) == (3, "L (safety_veto)")
    assert issue.message == "a veto is 是/否 (1/0), got 2"


# --------------------------------------------------------------------------- several sheets


def department_sheets(gdp_in_second: Any = None) -> dict[str, list[list[Any]]]:
    """The good data split into department sheets (as the template lays them out)."""

    def part(cols: list[str]) -> list[list[Any]]:
        idx = [GOOD_HEADER.index(c) for c in cols]
        return [["unit", *cols], *[[r[0], *[r[k] for k in idx]] for r in GOOD_ROWS]]

    stats = part(["gdp_growth", "industry"])
    forestry = part(["forest_cover"])
    if gdp_in_second is not None:
        forestry[0].append("gdp_growth")
        for r, v in zip(forestry[1:], gdp_in_second, strict=True):
            r.append(v)
    office = part(list(GOOD_HEADER[4:]))
    return {"市统计局": stats, "市林草局": forestry, "考核办": office}


def test_it_reads_a_units_values_spread_over_department_sheets(
    tmp_path: Path, scheme: Scheme
) -> None:
    ds, warnings = load_data(scheme, write_xlsx(tmp_path / "data.xlsx", department_sheets()))
    assert warnings == []
    assert value(ds, "jining", "gdp_growth") == 7.2
    assert value(ds, "zhuozi", "forest_cover") == 40
    assert ds.sources[("jining", "forest_cover")].sheet == "市林草局"


def test_it_accepts_the_same_value_given_in_two_sheets(tmp_path: Path, scheme: Scheme) -> None:
    sheets = department_sheets(gdp_in_second=[7.2, 5.5, 4, 3])
    ds, _ = load_data(scheme, write_xlsx(tmp_path / "data.xlsx", sheets))
    assert value(ds, "jining", "gdp_growth") == 7.2


def test_it_rejects_conflicting_values_for_one_cell_across_sheets(
    tmp_path: Path, scheme: Scheme
) -> None:
    sheets = department_sheets(gdp_in_second=[7.2, 5.0, 4, 3])
    path = write_xlsx(tmp_path / "data.xlsx", sheets)
    issue = only(data_issues(scheme, path))
    assert (issue.sheet, issue.row, issue.column) == ("市林草局", 3, "C (gdp_growth)")
    assert "a second value for fengzhen / gdp_growth" in issue.message
    assert "[市统计局] row 3, column B (gdp_growth)" in issue.message


def test_it_skips_the_instruction_sheet_and_underscore_sheets(
    tmp_path: Path, scheme: Scheme
) -> None:
    sheets: dict[str, list[list[Any]]] = {
        "说明": [["填报说明"], ["unit", "gdp_growth"], ["不存在的单位", "abc"]],
        "_lists": [["nonsense", "header"], [1, 2]],
        **department_sheets(),
    }
    ds, warnings = load_data(scheme, write_xlsx(tmp_path / "data.xlsx", sheets))
    assert warnings == []
    assert value(ds, "fengzhen", "gdp_growth") == 5.5


def test_it_finds_the_header_below_empty_rows_of_a_sheet(tmp_path: Path, scheme: Scheme) -> None:
    head, body = rows(changes={("zhuozi", "gdp_growth"): "abc"})
    path = write_xlsx(tmp_path / "data.xlsx", {"data": [[], [], head, *body]})
    issue = with_message(data_issues(scheme, path), "text in a number cell")
    # the header is on row 3, so zhuozi (the 4th unit) is on row 7
    assert (issue.row, issue.column) == (7, "B (gdp_growth)")


# --------------------------------------------------------------------------- long format


def long_rows(skip: Sequence[tuple[str, str]] = ()) -> list[list[Any]]:
    out: list[list[Any]] = []
    for r in GOOD_ROWS:
        for col, cell in zip(GOOD_HEADER[1:], r[1:], strict=True):
            if cell is None or col.endswith(":note") or (r[0], col) in skip:
                continue
            note = None
            base = col.partition(":")[0]
            if base in ("work_eval", "awards"):
                note = r[GOOD_HEADER.index(f"{base}:note")]
            out.append([r[0], col, cell, note])
    return out


@pytest.mark.parametrize(
    "header", [["unit", "indicator", "value", "note"], ["考核对象", "指标", "数值", "备注"]]
)
def test_it_reads_the_long_format(tmp_path: Path, scheme: Scheme, header: list[str]) -> None:
    path = write_csv(tmp_path / "long.csv", header, long_rows())
    ds, warnings = load_data(scheme, path)
    assert warnings == []
    assert value(ds, "jining", "gdp_growth") == 7.2
    assert value(ds, "fengzhen", "work_eval") == 2
    assert ds.notes[("fengzhen", "work_eval")] == "材料报送迟延"
    assert ds.items["incidents"][ds.units.index("fengzhen")].tolist()[0] == 1


def test_it_locates_bad_cells_of_the_long_format(tmp_path: Path, scheme: Scheme) -> None:
    body = [*long_rows(), ["zhuozi", "forest_cvr", 3, None]]
    body[0][2] = "七"
    path = write_csv(tmp_path / "long.csv", ["unit", "indicator", "value", "note"], body)
    issues = data_issues(scheme, path)
    bad_value = with_message(issues, "text in a number cell")
    assert (bad_value.row, bad_value.column) == (2, "C (value)")
    bad_ind = with_message(issues, "unknown indicator")
    assert (bad_ind.row, bad_ind.column) == (len(body) + 1, "B (indicator)")
    assert "did you mean 'forest_cover'?" in bad_ind.message


def test_it_names_the_missing_value_of_the_long_format(tmp_path: Path, scheme: Scheme) -> None:
    path = write_csv(
        tmp_path / "long.csv",
        ["unit", "indicator", "value"],
        [r[:3] for r in long_rows(skip=[("zhuozi", "gdp_growth")])],
    )
    issues = data_issues(scheme, path)
    issue = with_message(issues, "missing value for 地区生产总值增速")
    assert "卓资县" in issue.message
    assert issue.file == str(path)


def test_it_rejects_a_long_table_without_a_value_column(tmp_path: Path, scheme: Scheme) -> None:
    path = write_csv(tmp_path / "long.csv", ["unit", "indicator"], [["jining", "gdp_growth"]])
    issue = with_message(data_issues(scheme, path), "long table")
    assert issue.row == 1
    assert "value" in issue.message


# --------------------------------------------------------------------------- encodings and files


def test_it_reads_a_csv_with_a_byte_order_mark(tmp_path: Path, scheme: Scheme) -> None:
    head, body = rows()
    path = write_csv(tmp_path / "data.csv", head, body, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    ds, warnings = load_data(scheme, path)
    assert warnings == []
    assert value(ds, "jining", "gdp_growth") == 7.2


def test_it_reads_a_gb18030_csv_with_a_warning(tmp_path: Path, scheme: Scheme) -> None:
    names = {"jining": "集宁区", "fengzhen": "丰镇市", "siziwang": "四子王旗", "zhuozi": "卓资县"}
    head, body = rows(changes={(u, "unit"): n for u, n in names.items()})
    head[0] = "考核对象"
    path = write_csv(tmp_path / "data.csv", head, body, encoding="gb18030")
    ds, warnings = load_data(scheme, path)
    warning = only(warnings)
    assert warning.file == str(path)
    assert "GB18030" in warning.message
    assert ds.notes[("fengzhen", "work_eval")] == "材料报送迟延"


def test_it_reads_a_semicolon_separated_csv(tmp_path: Path, scheme: Scheme) -> None:
    head, body = rows()
    text = "\n".join(";".join("" if c is None else str(c) for c in r) for r in [head, *body])
    ds, _ = load_data(scheme, write_text(tmp_path / "data.csv", text + "\n"))
    assert value(ds, "zhuozi", "forest_cover") == 40


def test_it_refuses_an_old_xls_file_saying_what_to_do(tmp_path: Path, scheme: Scheme) -> None:
    path = tmp_path / "data.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    issue = only(data_issues(scheme, path))
    assert issue.file == str(path)
    assert ".xls" in issue.message
    assert "save the file as .xlsx" in issue.message


@pytest.mark.parametrize("name", ["data.ods", "data.json", "data"])
def test_it_refuses_an_unknown_file_type_naming_the_accepted_ones(
    tmp_path: Path, scheme: Scheme, name: str
) -> None:
    path = write_text(tmp_path / name, "{}")
    issue = only(data_issues(scheme, path))
    assert issue.file == str(path)
    assert "unknown data file type" in issue.message
    assert ".csv" in issue.message
    assert ".xlsx" in issue.message


def test_it_refuses_a_file_named_xlsx_that_is_not_a_workbook(
    tmp_path: Path, scheme: Scheme
) -> None:
    path = write_text(tmp_path / "data.xlsx", "unit,gdp_growth\njining,7\n")
    issue = only(data_issues(scheme, path))
    assert issue.file == str(path)
    assert "not a readable .xlsx workbook" in issue.message


def test_it_names_a_data_file_that_does_not_exist(tmp_path: Path, scheme: Scheme) -> None:
    issue = only(data_issues(scheme, tmp_path / "nope.csv"))
    assert issue.file == str(tmp_path / "nope.csv")
    assert "not found" in issue.message


@pytest.mark.parametrize("text", ["", "\n", "  \n\n"])
def test_it_rejects_an_empty_csv(tmp_path: Path, scheme: Scheme, text: str) -> None:
    path = write_text(tmp_path / "data.csv", text)
    issue = only(data_issues(scheme, path))
    assert issue.file == str(path)
    assert "empty" in issue.message


def test_it_rejects_a_workbook_with_no_data(tmp_path: Path, scheme: Scheme) -> None:
    path = write_xlsx(tmp_path / "data.xlsx", {"说明": [["只有说明"]], "Sheet1": []})
    issue = only(data_issues(scheme, path))
    assert issue.file == str(path)
    assert "no sheet with data" in issue.message


def test_it_reads_a_csv_holding_only_a_header_as_no_units(tmp_path: Path, scheme: Scheme) -> None:
    path = write_csv(tmp_path / "data.csv", GOOD_HEADER, [])
    issues = data_issues(scheme, path)
    assert len([i for i in issues if "no data for unit" in i.message]) == 4, shown(issues)


# --------------------------------------------------------------------------- all at once


def test_it_reports_every_bad_cell_at_once(tmp_path: Path, scheme: Scheme) -> None:
    path = csv_file(
        tmp_path,
        changes={
            ("jining", "gdp_growth"): "abc",
            ("fengzhen", "forest_cover"): 140,
            ("siziwang", "awards:city"): 0.5,
            ("zhuozi", "safety_veto"): "maybe",
            ("fengzhen", "work_eval:note"): None,
        },
    )
    issues = data_issues(scheme, path)
    found = {(i.row, i.column) for i in issues}
    assert found == {
        (2, "B (gdp_growth)"),
        (3, "D (forest_cover)"),
        (4, "H (awards:city)"),
        (5, "L (safety_veto)"),
        (3, "E (work_eval)"),
    }, shown(issues)


def test_it_reports_bad_cells_of_every_sheet_at_once(tmp_path: Path, scheme: Scheme) -> None:
    sheets = department_sheets()
    sheets["市统计局"][2][1] = "x"  # fengzhen gdp_growth
    sheets["市林草局"][4][1] = -5  # zhuozi forest_cover
    path = write_xlsx(tmp_path / "data.xlsx", sheets)
    issues = data_issues(scheme, path)
    assert {(i.sheet, i.row, i.column) for i in issues} >= {
        ("市统计局", 3, "B (gdp_growth)"),
        ("市林草局", 5, "B (forest_cover)"),
    }, shown(issues)


@pytest.mark.parametrize(
    ("cell", "what"),
    [("abc", "text in a number cell"), ("7%", "text in a number cell"), (80, "outside the range")],
)
def test_it_reports_a_bad_cell_once_not_also_as_a_missing_value(
    tmp_path: Path, scheme: Scheme, cell: Any, what: str
) -> None:
    # the cell holds a value, a bad one: "missing value … requires one" would mislead
    path = csv_file(tmp_path, changes={("fengzhen", "gdp_growth"): cell})
    issue = only(data_issues(scheme, path))
    assert (issue.row, issue.column) == (3, "B (gdp_growth)")
    assert what in issue.message


def test_it_reports_a_bad_cell_of_the_long_format_once(tmp_path: Path, scheme: Scheme) -> None:
    body = long_rows()
    body[0][2] = "七"  # jining gdp_growth
    path = write_csv(tmp_path / "long.csv", ["unit", "indicator", "value", "note"], body)
    issue = only(data_issues(scheme, path))
    assert (issue.row, issue.column) == (2, "C (value)")


def test_it_locates_a_missing_value_in_the_sheet_where_its_column_is(
    tmp_path: Path, scheme: Scheme
) -> None:
    sheets = department_sheets()
    sheets["市林草局"][4][1] = None  # zhuozi forest_cover, row 5, column B
    path = write_xlsx(tmp_path / "data.xlsx", sheets)
    issue = only(data_issues(scheme, path))
    assert "missing value for 森林覆盖率 (forest_cover) of 卓资县" in issue.message
    assert (issue.sheet, issue.row, issue.column) == ("市林草局", 5, "B (forest_cover)")
