"""Ledger files: read all or nothing, every problem located; written and read back."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from kaohe.errors import DataError
from kaohe.i18n import language
from kaohe.io.ledger_files import load_matters, load_projects
from kaohe.io.ledger_sheets import write_matters, write_projects, write_template

from .helpers import D
from .test_derive import MATTERS, REGISTER

UNITS = {"a": "甲县", "b": "乙县"}


def _csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


BAD_REGISTER = [
    [
        "项目编号 [id]",
        "项目名称",
        "所属单位",
        "当前阶段",
        "总投资",
        "签约日期",
        "开工日期",
        "终止日期",
        "终止原因",
        "颜色",
    ],
    ["p1", "风电", "甲县", "开工", "10", "2022-02-01", "2022-03-01", "", "", ""],
    ["p2", "光伏", "丙县", "签约", "十", "2022-02-30", "", "", "", ""],
    ["p3", "物流", "a", "开工", "3", "2022-05-01", "2022-04-01", "", "", ""],
    ["p1", "", "b", "在建", "3", "", "", "", "", ""],
    ["p5", "仓储", "b", "终止", "3", "2022-02-01", "", "", "", ""],
    ["p6", "冷链", "b", "完工", "3", "", "", "", "撤资", ""],
]


def test_a_bad_register_is_refused_with_every_problem_located(tmp_path: Path) -> None:
    path = _csv(tmp_path / "projects.csv", BAD_REGISTER)
    with language("zh"), pytest.raises(DataError) as err:
        load_projects(path, UNITS)
    found = [(i.row, i.column, i.message) for i in err.value.issues]
    assert all(i.file == str(path) for i in err.value.issues)
    assert found == [
        (1, "J (颜色)", found[0][2]),
        (3, "C (所属单位)", "未知单位“丙县”"),
        (3, "E (总投资)", "须为数字，实为“十”"),
        (3, "F (签约日期)", "须为日期，如 2022-03-01，实为“2022-02-30”"),
        (4, "G (开工日期)", "开工日期 2022-04-01 早于签约日期 2022-05-01"),
        (5, "A (id)", "编号 p1 重复（首次出现在第 2 行）"),
        (5, "B (项目名称)", "此项必填"),
        (6, "H (终止日期)", "当前阶段为终止，但没有该阶段的日期"),
        (7, "D (当前阶段)", found[-2][2]),
        (7, "I (终止原因)", "填写了终止原因，但项目没有终止日期"),
    ]
    assert "未知列“颜色”" in found[0][2]
    assert "“完工”不是可选值" in found[-2][2]


def test_the_same_problems_read_in_english(tmp_path: Path) -> None:
    path = _csv(tmp_path / "projects.csv", BAD_REGISTER)
    with language("en"), pytest.raises(DataError) as err:
        load_projects(path, UNITS)
    text = str(err.value)
    assert "unknown unit '丙县'" in text
    assert "must be a number, got '十'" in text
    assert "started on 2022-04-01 is before signed on 2022-05-01" in text
    assert "the id p1 appears twice (first on row 2)" in text


def test_a_register_without_its_required_columns_names_them(tmp_path: Path) -> None:
    path = _csv(tmp_path / "p.csv", [["id", "名称"], ["p1", "x"]])
    with language("en"), pytest.raises(DataError) as err:
        load_projects(path)
    messages = [i.message for i in err.value.issues]
    assert any("the column unit is missing" in m for m in messages)
    assert any("the column name is missing" in m for m in messages)


def test_the_register_reads_back_what_was_written(tmp_path: Path) -> None:
    for name in ("projects.xlsx", "projects.csv"):
        path = write_projects(REGISTER, tmp_path / name)
        got = load_projects(path, UNITS).projects
        assert got == REGISTER, name


def test_the_matters_read_back_what_was_written(tmp_path: Path) -> None:
    path = write_matters(MATTERS, tmp_path / "matters.xlsx")
    files = load_matters([path], UNITS)
    assert files.matters == MATTERS
    assert files.rows["c1"].row == 2
    assert files.rows["c1"].sheet == "事项"


BAD_MATTERS = {
    "事项": [
        ["编号", "类型", "事项名称", "交办日期", "办结期限", "责任单位", "责任领导", "对象"],
        ["m1", "督办", "任务", "2022-03-01", "2022-06-30", "甲县", "张", ""],
        ["m2", "谈心谈话", "谈话", "2022-03-01", "2022-04-30", "甲县", "", ""],
        ["m3", "表彰", "?", "2022-03-01", "", "", "", ""],
    ],
    "进展": [
        ["事项编号", "日期", "动作", "单位", "经办人", "内容", "新期限", "佐证材料"],
        ["m1", "2022-05-01", "销号", "", "", "", "", ""],
        ["m1", "2022-04-01", "延期", "", "", "原因", "2022-05-30", ""],
        ["m9", "2022-04-01", "进展", "", "", "x", "", ""],
        ["m2", "2022-04-01", "谈话", "", "书记", "谈了", "", ""],
    ],
    "名单": [["名单", "销号日期"], ["t22", "2022-03-15"]],
}


def test_bad_matters_are_refused_with_every_problem_at_its_sheet_row_and_column(
    tmp_path: Path,
) -> None:
    sheets = {**BAD_MATTERS, "名单": [["名单", "销号日期"], ["", "2022-03-15"]]}
    path = _xlsx(tmp_path / "matters.xlsx", sheets)
    with language("zh"), pytest.raises(DataError) as err:
        load_matters([path], UNITS)
    found = [(i.sheet, i.row, i.column) for i in err.value.issues]
    assert found == [
        ("事项", 3, "H (对象)"),  # a talk needs whom
        ("事项", 4, "B (类型)"),  # not a kind
        ("进展", 2, "H (佐证材料)"),  # closed (after the delay: events by date) without evidence
        ("进展", 3, "G (新期限)"),  # the delay moves the deadline earlier
        ("进展", 4, "A (事项编号)"),  # no such matter
        ("名单", 2, "A (名单)"),  # the list's id is required
    ]


def test_a_talk_list_closed_with_a_talk_not_recorded_is_refused(tmp_path: Path) -> None:
    rows = {k: [list(r) for r in v] for k, v in BAD_MATTERS.items()}
    rows["事项"] = [
        *rows["事项"][:2],
        ["m2", "谈心谈话", "谈话", "2022-03-01", "2022-04-30", "甲县", "", "甲县领导班子", "t22"],
    ]
    rows["事项"][0] = [*rows["事项"][0], "名单"]
    rows["进展"] = [rows["进展"][0], ["m2", "2022-04-01", "谈话", "", "书记", "谈了", "", ""]]
    path = _xlsx(tmp_path / "m.xlsx", rows)
    with (
        language("en"),
        pytest.raises(
            DataError, match="the talk with 甲县领导班子 in list t22 is not recorded"
        ) as err,
    ):
        load_matters([path], UNITS)
    assert (err.value.issues[0].sheet, err.value.issues[0].row) == ("名单", 2)
    rows["名单"][1][1] = "2022-04-02"
    files = load_matters([_xlsx(tmp_path / "m2.xlsx", rows)], UNITS)
    assert [c.batch for c in files.closures] == ["t22"]


def test_matters_may_come_as_csv_files_named_for_their_tables(tmp_path: Path) -> None:
    a = _csv(tmp_path / "事项.csv", BAD_MATTERS["事项"][:2])
    b = _csv(
        tmp_path / "events.csv",
        [BAD_MATTERS["进展"][0], ["m1", "2022年5月1日", "close", "", "", "", "", "报告.pdf"]],
    )
    files = load_matters([a, b], UNITS)
    assert files.matters[0].events[0].on == D(2022, 5, 1)
    assert files.matters[0].units == ("a",)  # written by name
    odd = _csv(tmp_path / "other.csv", [["x"], ["1"]])
    with pytest.raises(DataError, match="other"):
        load_matters([a, odd], UNITS)


def test_the_templates_are_read_back_empty_or_refused_for_what_is_missing(tmp_path: Path) -> None:
    path = write_template("projects", tmp_path / "t.xlsx", ["2022-01", "2022-02"])
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["项目"]
    header = [c.value for c in ws[1]]
    assert header[0] == "编号 [id]"
    assert header[-1] == "2022-02完成投资 [completed:2022-02]"
    ws.append(
        [
            "p1",
            "风电",
            "a",
            "",
            "",
            "",
            "开工",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "2022-03-01",
        ]
    )
    wb.save(path)
    got = load_projects(path).projects[0]
    assert got.stage == "started"
    assert got.entered("started") == D(2022, 3, 1)
    mpath = write_template("matters", tmp_path / "m.xlsx")
    assert load_matters([mpath]).matters == ()  # a blank template is a valid, empty ledger


def test_a_nul_character_in_a_register_is_refused_at_its_cell(tmp_path: Path) -> None:
    path = tmp_path / "projects.csv"
    path.write_text(
        "编号,项目名称,所属单位\np1,风电,甲县\np2,光\x00伏,乙县\n", encoding="utf-8", newline=""
    )
    with pytest.raises(DataError) as bad, language("en"):
        load_projects(path, UNITS)
    text = str(bad.value)
    assert "row 3, column B" in text
    assert "NUL" in text


def test_a_nul_character_in_a_matter_sheet_is_refused_at_its_cell(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "事项.csv",
        [
            ["编号", "类型", "事项名称", "交办日期", "办结期限", "责任单位", "责任领导"],
            ["m1", "督办", "修路\x00", "2022-01-05", "2022-06-30", "甲县", "张三"],
        ],
    )
    with pytest.raises(DataError) as bad, language("en"):
        load_matters([path], UNITS)
    assert "row 2, column C" in str(bad.value)
    assert "NUL" in str(bad.value)


def test_a_malformed_csv_file_is_refused_with_its_row(tmp_path: Path) -> None:
    # a quoted field longer than the csv module reads (csv.Error): a located refusal
    path = tmp_path / "projects.csv"
    path.write_text(
        '编号,项目名称,所属单位\np1,风电,甲县\np2,"' + "长" * 200_000 + '",乙县\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError) as bad, language("en"):
        load_projects(path, UNITS)
    text = str(bad.value)
    assert "projects.csv" in text
    assert "row 3" in text
