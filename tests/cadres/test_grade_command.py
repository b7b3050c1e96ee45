"""``kaohe cadres grade`` from files (no database): the small year of test_assessment written out
as files, graded by the command, read back; located errors; nothing written on failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from kaohe.cadres import assess_cadres
from kaohe.cli.main import main
from kaohe.io.cadre_files import read_frames
from kaohe.io.cadre_year_files import load_designs, load_inputs

from .helpers import number
from .test_assessment import GRADING_RAW, HISTORY, MARKS, OFFICE, RESULTS, VOTES

APPRAISAL_RAW = {
    "cycle": "2022",
    "groups": {"leaders": {"name": "领导", "weight": 1, "min_sample": 1}},
    "items": {"overall": {"name": "总体评价"}},
}
CHECKS_RAW = {
    "grades": [
        {"id": "good", "name": "好", "points": 100},
        {"id": "fair", "name": "一般", "points": 80},
        {"id": "poor", "name": "差", "points": 50},
    ],
    "top_share": None,
}
RULEBOOK_RAW = {
    "name": "test",
    "rules": {
        "tilt": {
            "type": "excellent_share_tilt",
            "base_share": 0.2,
            "raise": [{"when": {"rank_at_most": 1}, "share": 0.5}],
        },
        "commend": {"type": "commendation", "public": True},
        "pool": {"type": "promotion_pool", "min_years_at_level": 2},
    },
}
CADRES = """cadre_id,name,unit,team_id,status,status_start
a1,甲一,u1,t1,正常,
a2,甲二,u1,t1,正常,
a3,甲三,u1,t1,正常,
a4,甲四,u1,t1,立案审查,2022-09-01
a5,甲五,u1,t1,正常,
b1,乙一,u2,t2,正常,
b2,乙二,u2,t2,正常,
b3,乙三,u2,t2,正常,
"""
TEAMS = "team_id,unit,name\nt1,u1,一区班子\nt2,u2,二区班子\n"


def kaohe(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _year(folder: Path) -> dict[str, Path]:
    """The designs and files of the small year, written into ``folder``."""
    designs = folder / "designs"
    designs.mkdir()
    for name, raw in (
        ("grading", GRADING_RAW),
        ("appraisal", APPRAISAL_RAW),
        ("checks", CHECKS_RAW),
        ("rulebook", RULEBOOK_RAW),
    ):
        (designs / f"{name}.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    files = {
        "people": folder / "cadres.csv",
        "teams": folder / "teams.csv",
        "results": folder / "results.csv",
        "ballots": folder / "ballots.csv",
        "checks": folder / "checks.csv",
        "scores": folder / "office.csv",
        "history": folder / "history.csv",
    }
    files["people"].write_text(CADRES, "utf-8")
    files["teams"].write_text(TEAMS, "utf-8")
    RESULTS.to_csv(files["results"])
    pd.DataFrame(
        {
            "ballot_id": range(len(VOTES)),
            "subject_id": [s for s, _ in VOTES],
            "group": "领导",
            "总体评价": [v for _, v in VOTES],
        }
    ).to_csv(files["ballots"], index=False)
    pd.DataFrame(
        {
            "cadre_id": [c for c, _, _ in MARKS],
            "year": 2022,
            "quarter": [f"Q{q}" for _, q, _ in MARKS],
            "grade": [g for _, _, g in MARKS],
        }
    ).to_csv(files["checks"], index=False)
    pd.DataFrame({"cadre_id": list(OFFICE), "office": list(OFFICE.values())}).to_csv(
        files["scores"], index=False
    )
    HISTORY.to_csv(files["history"], index=False)
    return {"designs": designs, **files}


def _args(paths: dict[str, Path], **drop: bool) -> list[Any]:
    out: list[Any] = ["cadres", "grade"]
    for k, v in paths.items():
        if not drop.get(k):
            out += [f"--{k}", v]
    return out


def test_it_grades_a_year_from_files(tmp_path: Path) -> None:
    paths = _year(tmp_path)
    out = tmp_path / "out"
    result = kaohe(*_args(paths), "-o", out, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "8 cadres: 优秀 2, 称职 4, 基本称职 1, 待定 1" in result.output
    assert "2 leadership teams: 较好 2" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "decisions.csv",
        "decisions.xlsx",
        "grade_history.csv",
        "grades.xlsx",
        "public.csv",
    ]
    sheets = {src.sheet: f for f, src in read_frames(out / "grades.xlsx")}
    cadres = sheets["干部"].set_index("cadre_id")
    # the grades of test_assessment, computed there by hand
    assert cadres["grade"].to_dict() == {
        "a1": "excellent",
        "a2": "excellent",
        "a3": "competent",
        "a4": "pending",
        "a5": "competent",
        "b1": "competent",
        "b2": "competent",
        "b3": "basic",
    }
    assert number(cadres, "a1", "score") == 96
    assert "renormalised" in str(cadres.loc["b3", "explanation"])  # --lang en
    assert set(sheets["领导班子"]["grade"]) == {"fairly_good"}
    history = read_frames(out / "grade_history.csv")[0][0]
    this = history[history["year"] == "2022"].set_index("person_id")
    assert this.loc["a3", "grade"] == "competent"  # the imported 2022 row replaced
    assert this.loc["a2", "years_at_level"] == "5"
    decisions = pd.read_csv(out / "decisions.csv", dtype=str)
    assert decisions[decisions["rule"] == "pool"]["subject"].tolist() == ["a1", "a2"]
    public = pd.read_csv(out / "public.csv", dtype=str)
    assert set(public["rule"]) == {"commend"}


def test_the_command_writes_what_the_core_computes(tmp_path: Path) -> None:
    paths = _year(tmp_path)
    out = tmp_path / "out"
    assert kaohe(*_args(paths), "-o", out).exit_code == 0
    designs = load_designs(paths["designs"])
    files = {k: v for k, v in paths.items() if k not in ("designs", "people", "scores")}
    inputs = load_inputs(designs, paths["people"], scores=[paths["scores"]], **files)
    res = assess_cadres(designs, inputs)
    assert res.cadres is not None
    ws = load_workbook(out / "grades.xlsx")["干部"]
    scores = [r[3] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert scores == res.cadres.frame["score"].tolist()  # numbers, in full precision


def test_without_a_rulebook_no_decisions_are_written(tmp_path: Path) -> None:
    paths = _year(tmp_path)
    (paths["designs"] / "rulebook.yaml").unlink()
    out = tmp_path / "out"
    result = kaohe(*_args(paths), "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["grade_history.csv", "grades.xlsx"]
    cadres = read_frames(out / "grades.xlsx")[0][0]
    assert "excellent" not in set(cadres["grade"])  # 20% of 4 in u1, untilted: 0


def test_every_bad_file_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    paths = _year(tmp_path)
    paths["ballots"].write_text("ballot_id,subject_id,group,总体评价\n1,a1,领导,很好\n", "utf-8")
    paths["checks"].write_text("cadre_id,year,quarter,grade\nzz,2022,5,好\n", "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "grades.xlsx").write_bytes(b"last year's")
    result = kaohe(*_args(paths), "-o", out)
    assert result.exit_code == 1
    text = result.output
    assert "ballots.csv 第 2 行，列 总体评价" in text  # the CLI says the place in zh (issue 15)
    assert "checks.csv 第 2 行，列 cadre_id" in text
    assert "checks.csv 第 2 行，列 quarter" in text
    assert (out / "grades.xlsx").read_bytes() == b"last year's"


def test_a_bad_design_is_reported_at_its_line(tmp_path: Path) -> None:
    paths = _year(tmp_path)
    (paths["designs"] / "checks.yaml").write_text("grades: []\ntop_share: 2\n", "utf-8")
    result = kaohe(*_args(paths), "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "checks.yaml:2" in result.output
    assert not (tmp_path / "out").exists()


def test_it_says_which_mode_it_needs(tmp_path: Path) -> None:
    result = kaohe("cadres", "grade")
    assert result.exit_code == 2
    assert "give CYCLE (the platform), or --designs, --people and -o (files)" in result.output
    people = tmp_path / "cadres.csv"
    people.write_text(CADRES, "utf-8")
    result = kaohe("cadres", "grade", "1", "--people", people)
    assert result.exit_code == 2
    assert "CYCLE grades on the platform; --people: files mode" in result.output


def test_its_help_shows_both_modes_with_an_example() -> None:
    result = kaohe("cadres", "grade", "--help", "--lang", "en")
    assert result.exit_code == 0
    assert "Example" in result.output
    assert "kaohe cadres grade --designs" in result.output
    assert "kaohe cadres grade 1" in result.output
