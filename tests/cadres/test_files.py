"""Files of people, ballots and checks: all-or-nothing, every problem located by file, sheet,
row and column; exports read back the same."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kaohe.cadres.checks import CHECK_COLUMNS
from kaohe.cadres.design import AppraisalDesign, ChecksDesign
from kaohe.errors import DataError, SchemeError
from kaohe.io.cadre_files import (
    load_ballots,
    load_checks,
    load_design,
    load_people,
    write_people,
    write_table,
)

from .helpers import appraisal_design

TEAMS = "team_id,unit,name\nt1,jining,集宁区领导班子\nt2,fengzhen,丰镇市领导班子\n"
CADRES = (
    "干部编号 [cadre_id],name,unit,team_id,position,rank_level,status,status_start,status_end\n"
    "c1,张三,jining,t1,书记,一级巡视员,正常,,\n"
    "c2,李四,fengzhen,t2,市长,二级巡视员,处分影响期,2022-03-01,2023-02-28\n"
)


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def test_it_reads_people_and_writes_them_back(tmp_path: Path) -> None:
    p = load_people(_write(tmp_path, "cadres.csv", CADRES), _write(tmp_path, "teams.csv", TEAMS))
    assert p.cadres["status"].tolist() == ["normal", "discipline"]
    out = write_people(p, tmp_path / "people.xlsx")
    again = load_people(out)
    pd.testing.assert_frame_equal(again.cadres, p.cadres)
    pd.testing.assert_frame_equal(again.teams, p.teams)


def test_a_bad_people_file_is_rejected_whole_with_every_cell(tmp_path: Path) -> None:
    bad = CADRES + "c1,,nowhere,t9,,,fired,2022-13-01,\nc4,王五,jining,t2,,,立案审查,,\n"
    with pytest.raises(DataError) as exc:
        load_people(
            _write(tmp_path, "cadres.csv", bad),
            _write(tmp_path, "teams.csv", TEAMS),
            units=["jining", "fengzhen"],
        )
    where = {(i.file, i.row, i.column) for i in exc.value.issues}
    f = str(tmp_path / "cadres.csv")
    assert where == {
        (f, 4, "cadre_id"),  # c1 twice
        (f, 4, "name"),
        (f, 4, "unit"),
        (f, 4, "team_id"),
        (f, 4, "status"),
        (f, 4, "status_start"),
        (f, 5, "team_id"),  # t2 belongs to fengzhen
        (f, 5, "status_start"),  # an investigation needs its opening date
    }


def test_errors_in_a_workbook_name_the_sheet(tmp_path: Path) -> None:
    teams = pd.DataFrame({"team_id": ["t1", "t1"], "unit": ["u", "u"], "name": ["a", "b"]})
    cadres = pd.DataFrame({"cadre_id": ["c1"], "name": ["x"], "unit": ["u"], "team_id": ["t1"]})
    path = tmp_path / "people.xlsx"
    with pd.ExcelWriter(path) as xw:
        teams.to_excel(xw, sheet_name="领导班子", index=False)
        cadres.to_excel(xw, sheet_name="干部", index=False)
    with pytest.raises(DataError) as exc:
        load_people(path)
    (issue,) = exc.value.issues
    assert str(issue) == (
        f"{path}[领导班子] row 3, column team_id: team 't1' appears twice (first on row 2)"
    )


def test_ballot_and_check_files_are_located(tmp_path: Path) -> None:
    ballots = "ballot_id,subject_id,group,总体评价\n1,c1,leaders,好\n2,c1,peers,优\n"
    with pytest.raises(DataError) as exc:
        load_ballots(_write(tmp_path, "ballots.csv", ballots), appraisal_design(), ["c1"])
    (issue,) = exc.value.issues
    assert (issue.file, issue.row, issue.column) == (str(tmp_path / "ballots.csv"), 3, "总体评价")
    checks = "cadre_id,year,quarter,grade\nc1,2022,1,好\nc1,二〇二二,2,好\n"
    with pytest.raises(DataError) as exc:
        load_checks(_write(tmp_path, "checks.csv", checks), ChecksDesign(), {"c1": "u"})
    (issue,) = exc.value.issues
    assert (issue.row, issue.column) == (3, "year")
    assert set(CHECK_COLUMNS) >= {"cadre_id", "year", "quarter", "grade"}


def test_an_unknown_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown column 'nmae'"):
        load_people(_write(tmp_path, "c.csv", "cadre_id,nmae,name,unit\nc1,x,x,u\n"))


def test_design_errors_carry_the_line(tmp_path: Path) -> None:
    text = "cycle: '2022'\ngroups:\n  leaders:\n    name: 领导\n    weight: -1\nitems: {}\n"
    with pytest.raises(SchemeError) as exc:
        load_design(_write(tmp_path, "appraisal.yaml", text), AppraisalDesign)
    lines = [(i.line, i.path) for i in exc.value.issues]
    assert (5, "groups.leaders.weight") in lines


def test_tables_are_written_as_csv_or_excel(tmp_path: Path) -> None:
    frame = pd.DataFrame({"cadre_id": ["c1"], "score": [90.5]})
    text = write_table(frame, tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "干部编号 [cadre_id],得分 [score]"
    back = pd.read_excel(write_table(frame, tmp_path / "t.xlsx"))
    assert back.columns.tolist() == ["干部编号 [cadre_id]", "得分 [score]"]
