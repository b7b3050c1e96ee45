"""The ``kaohe`` command: help with examples, exit codes, problems on stderr, all-or-nothing writes.

Bad input never crashes and never half-writes: ``kaohe run`` either replaces its output folder
with complete results or leaves it exactly as it was.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from kaohe import assess, load_scheme
from kaohe.cli.main import main
from kaohe.errors import OutputError
from kaohe.io.atomic import atomic_dir
from kaohe.io.data_files import load_data

from .io_helpers import (
    DATA_SCHEME,
    GOOD_HEADER,
    GOOD_ROWS,
    MINIMAL,
    line_of,
    write_csv,
    write_text,
)

RESULT_COLUMNS = [
    "unit",
    "name",
    "category",
    "score",
    "full_marks",
    "share",
    "rank_in_category",
    "rank",
    "grade",
    "grade_name",
    "vetoed",
]
DIMENSIONS = ["economy", "green", "work", "extra"]


def kaohe(*args: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def crashed(result: Result) -> bool:
    """An exception other than the deliberate exit escaped the command."""
    return result.exception is not None and not isinstance(result.exception, SystemExit)


@pytest.fixture
def scheme_path(tmp_path: Path) -> Path:
    return write_text(tmp_path / "scheme.yaml", DATA_SCHEME)


@pytest.fixture
def good_data(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "data.csv", GOOD_HEADER, GOOD_ROWS)


@pytest.fixture
def bad_data(tmp_path: Path) -> Path:
    body = [list(r) for r in GOOD_ROWS]
    body[0][1] = "abc"  # jining gdp_growth, row 2 column B
    body[3][3] = 140  # zhuozi forest_cover, row 5 column D
    return write_csv(tmp_path / "bad.csv", GOOD_HEADER, body)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below a folder, by relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    """Temporary files or folders (names starting with a dot) left in a folder."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


# --------------------------------------------------------------------------- help


def test_it_shows_how_to_start_in_the_main_help() -> None:
    result = kaohe("--help")
    assert result.exit_code == 0
    assert "kaohe run " in result.output
    for command in ("run", "check", "explain", "template"):
        assert command in result.output


@pytest.mark.parametrize("command", ["run", "check", "explain", "template"])
def test_it_shows_an_example_in_every_commands_help(command: str) -> None:
    result = kaohe(command, "--help", "--lang", "en")
    assert result.exit_code == 0
    assert "Example" in result.output
    assert "示例" in kaohe(command, "--help", "--lang", "zh").output
    assert f"kaohe {command} " in result.output


def test_it_shows_the_version() -> None:
    from kaohe import __version__

    result = kaohe("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


# --------------------------------------------------------------------------- check


def test_it_checks_a_good_scheme_and_data_with_exit_0(scheme_path: Path, good_data: Path) -> None:
    result = kaohe("check", scheme_path, good_data, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "Scheme is valid: 4 units, 2 categories, 7 indicators" in result.stdout
    assert "Data are valid" in result.stdout


def test_it_checks_a_scheme_alone(scheme_path: Path) -> None:
    result = kaohe("check", scheme_path, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Scheme is valid: 4 units, 2 categories, 7 indicators" in result.stdout


def test_it_lists_every_scheme_problem_on_stderr_with_exit_1(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("ecology: 30}", "ecology: -3}")
        .replace("name: 示例考核方案\n", "name: 示例考核方案\nscal: 10\n")
        .replace("quota: {share: 0.3}", "quota: {share: 3}")
    )
    path = write_text(tmp_path / "scheme.yaml", text)
    result = kaohe("check", path, "--lang", "en")
    assert result.exit_code == 1
    expected = [
        f"{path}:{line_of(text, 'scal: 10')}: scal: unknown key 'scal' (did you mean 'scale'?)",
        f"{path}:{line_of(text, 'ecology: -3')}: indicators.gdp_growth.weights.ecology: "
        "weight must be ≥ 0, got -3",
        f"{path}:{line_of(text, 'share: 3')}: grading.grades.0.quota.share: share must be ≤ 1, "
        "got 3",
    ]
    for line in expected:
        assert line in result.stderr, result.stderr
    assert result.stderr.splitlines()[0] == "3 problem(s) found:"
    assert "weight must be" not in result.stdout
    assert not crashed(result)


def test_it_lists_every_bad_cell_on_stderr_with_exit_1(scheme_path: Path, bad_data: Path) -> None:
    result = kaohe("check", scheme_path, bad_data, "--lang", "en")  # zh: tests/test_cli_issues.py
    assert result.exit_code == 1
    assert f"{bad_data} row 2, column B (gdp_growth): text in a number cell: 'abc'" in (
        result.stderr
    )
    assert (
        f"{bad_data} row 5, column D (forest_cover): 140 is outside the range [0, 100] "
        "declared for 森林覆盖率" in result.stderr
    )
    assert not crashed(result)


def test_it_prints_warnings_but_exits_0(scheme_path: Path, tmp_path: Path) -> None:
    body = [list(r) for r in GOOD_ROWS]
    body[2][2] = 50  # siziwang (ecology) industry (development only)
    data = write_csv(tmp_path / "data.csv", GOOD_HEADER, body)
    result = kaohe("check", scheme_path, data, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "工业增加值 does not apply to 重点生态功能区" in result.stderr
    zh = kaohe("check", scheme_path, data, "--lang", "zh")
    assert "“工业增加值”不适用于重点生态功能区；该值不予采用" in zh.stderr


def test_it_names_a_scheme_file_that_does_not_exist(tmp_path: Path) -> None:
    result = kaohe("check", tmp_path / "nope.yaml")
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope.yaml'}: 找不到文件" in result.stderr


# ------------------------------------------------------------------- run: nothing on failure


def test_it_writes_nothing_when_the_data_are_bad(
    tmp_path: Path, scheme_path: Path, bad_data: Path
) -> None:
    out = tmp_path / "out"
    result = kaohe("run", scheme_path, bad_data, "-o", out, "--lang", "en")
    assert result.exit_code == 1
    assert "text in a number cell" in result.stderr
    assert not out.exists()
    assert leftovers(tmp_path) == []
    assert not crashed(result)


def test_it_writes_nothing_when_the_scheme_is_bad(tmp_path: Path, good_data: Path) -> None:
    scheme = write_text(tmp_path / "scheme.yaml", DATA_SCHEME.replace("weights: 10", "weights: -1"))
    out = tmp_path / "out"
    result = kaohe("run", scheme, good_data, "-o", out)
    assert result.exit_code == 1
    assert "indicators.work_eval.weights" in result.stderr
    assert not out.exists()


def test_it_keeps_an_existing_output_folder_untouched_when_the_data_are_bad(
    tmp_path: Path, scheme_path: Path, good_data: Path, bad_data: Path
) -> None:
    out = tmp_path / "out"
    assert kaohe("run", scheme_path, good_data, "-o", out).exit_code == 0
    before = tree(out)
    assert set(before) == {"results.csv", "results.xlsx", "explain.json"}
    result = kaohe("run", scheme_path, bad_data, "-o", out)
    assert result.exit_code == 1
    assert tree(out) == before
    assert leftovers(tmp_path) == []


def test_it_writes_nothing_when_the_computation_fails(tmp_path: Path) -> None:
    scheme = write_text(
        tmp_path / "scheme.yaml",
        "name: 几何\naggregation: geometric\ncategories:\n  c: {name: 类}\n"
        "units:\n  a: {name: 甲, category: c}\n  b: {name: 乙, category: c}\n"
        "indicators:\n"
        "  x: {name: X, weights: 1, target: 10, rule: {type: proportional}}\n"
        "  y: {name: Y, weights: 1, target: 10, rule: {type: proportional}}\n",
    )
    data = write_text(tmp_path / "data.csv", "unit,x,y\na,0,5\nb,5,5\n")
    out = tmp_path / "out"
    result = kaohe("run", scheme, data, "-o", out)
    assert result.exit_code == 1
    assert "geometric" in result.stderr
    assert "for a" in result.stderr
    assert not out.exists()
    assert not crashed(result)


def test_it_names_a_data_file_that_does_not_exist(tmp_path: Path, scheme_path: Path) -> None:
    out = tmp_path / "out"
    result = kaohe("run", scheme_path, tmp_path / "nope.xlsx", "-o", out)
    assert result.exit_code == 1
    assert "nope.xlsx: 找不到文件" in result.stderr
    assert not out.exists()


def test_it_refuses_an_output_path_that_is_a_file_without_crashing(
    tmp_path: Path, scheme_path: Path, good_data: Path
) -> None:
    out = write_text(tmp_path / "results", "not a folder")
    result = kaohe("run", scheme_path, good_data, "-o", out, "-q")
    assert not crashed(result), repr(result.exception)
    assert result.exit_code == 1
    assert str(out) in result.stderr
    assert out.read_text() == "not a folder"


def test_it_does_not_delete_other_files_in_the_output_folder(
    tmp_path: Path, scheme_path: Path, good_data: Path
) -> None:
    # `-o ~/Documents` must not wipe the folder: only kaohe's own files may be replaced
    out = tmp_path / "documents"
    out.mkdir()
    (out / "工作总结.docx").write_bytes(b"precious")
    result = kaohe("run", scheme_path, good_data, "-o", out, "-q")
    assert not crashed(result), repr(result.exception)
    assert (out / "工作总结.docx").read_bytes() == b"precious"


def test_it_refuses_the_current_folder_as_output_without_crashing_or_litter(
    tmp_path: Path, scheme_path: Path, good_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mine.txt").write_text("keep")
    monkeypatch.chdir(tmp_path)
    result = kaohe("run", scheme_path, good_data, "-o", ".", "-q")
    assert not crashed(result), repr(result.exception)
    assert (tmp_path / "mine.txt").read_text() == "keep"
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- run: results


def run_ok(scheme: Path, data: Path, out: Path, *more: str) -> Result:
    result = kaohe("run", scheme, data, "-o", out, *more)
    assert result.exit_code == 0, result.output
    return result


def test_it_writes_the_three_result_files(
    tmp_path: Path, scheme_path: Path, good_data: Path
) -> None:
    out = tmp_path / "out"
    result = run_ok(scheme_path, good_data, out)
    assert sorted(p.name for p in out.iterdir()) == ["explain.json", "results.csv", "results.xlsx"]
    assert "集宁区" in result.stdout  # the ranking tables
    assert leftovers(tmp_path) == []


def test_it_prints_no_tables_when_quiet(tmp_path: Path, scheme_path: Path, good_data: Path) -> None:
    result = run_ok(scheme_path, good_data, tmp_path / "out", "-q")
    assert "集宁区" not in result.stdout
    assert str(tmp_path / "out") in result.stdout


def test_it_gives_byte_identical_results_when_run_twice(
    tmp_path: Path, scheme_path: Path, good_data: Path
) -> None:
    run_ok(scheme_path, good_data, tmp_path / "a", "-q")
    first = tree(tmp_path / "a")
    run_ok(scheme_path, good_data, tmp_path / "a", "-q")
    run_ok(scheme_path, good_data, tmp_path / "b", "-q")
    for name in ("results.csv", "explain.json"):
        assert tree(tmp_path / "a")[name] == first[name]
        assert tree(tmp_path / "b")[name] == first[name]


def test_it_writes_results_csv_in_utf8_with_the_documented_columns(
    tmp_path: Path, scheme_path: Path, good_data: Path
) -> None:
    out = tmp_path / "out"
    run_ok(scheme_path, good_data, out, "-q")
    raw = (out / "results.csv").read_bytes()
    text = raw.decode("utf-8")  # strict: fails on anything else
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert table[0] == [*RESULT_COLUMNS, *DIMENSIONS]
    assert len(table) == 1 + 4
    assert [r[0] for r in table[1:]] == ["jining", "siziwang", "zhuozi", "fengzhen"]  # rank order
    assert [int(r[7]) for r in table[1:]] == [1, 2, 3, 4]
    assert "集宁区" in text


def test_it_keeps_full_precision_in_results_csv(
    tmp_path: Path, scheme_path: Path, good_data: Path
) -> None:
    body = [list(r) for r in GOOD_ROWS]
    body[1][2] = 100 / 3  # fengzhen industry: an endless fraction of its target
    data = write_csv(tmp_path / "data.csv", GOOD_HEADER, body)
    out = tmp_path / "out"
    run_ok(scheme_path, data, out, "-q")
    rows = {r["unit"]: r for r in csv.DictReader((out / "results.csv").open(encoding="utf-8"))}
    scheme = load_scheme(scheme_path)
    expected = {r["unit"]: r for r in assess(scheme, load_data(scheme, data)[0]).rows()}
    for unit, row in rows.items():
        assert float(row["score"]) == expected[unit]["score"]
        assert float(row["economy"]) == expected[unit]["economy"]


def spoilt_run(tmp_path: Path, scheme_path: Path) -> Path:
    """Results with every kind of gap: N/A, not applicable by category, a void veto."""
    body = [list(r) for r in GOOD_ROWS]
    body[3][3] = "N/A"  # zhuozi forest_cover
    body[3][11] = "是"  # zhuozi vetoed
    data = write_csv(tmp_path / "data.csv", GOOD_HEADER, body)
    out = tmp_path / "out"
    run_ok(scheme_path, data, out, "-q")
    return out


def test_it_writes_explain_json_as_valid_json_without_nan(
    tmp_path: Path, scheme_path: Path
) -> None:
    out = spoilt_run(tmp_path, scheme_path)

    def refuse(token: str) -> None:
        raise AssertionError(f"explain.json holds {token}")

    doc = json.loads((out / "explain.json").read_text(encoding="utf-8"), parse_constant=refuse)
    assert [u["unit"] for u in doc["units"]] == ["jining", "fengzhen", "siziwang", "zhuozi"]
    zhuozi = next(u for u in doc["units"] if u["unit"] == "zhuozi")
    assert zhuozi["void"] is True
    forest = next(i for i in zhuozi["indicators"] if i["indicator"] == "forest_cover")
    assert forest["value"] is None
    assert forest["status"] == "not_applicable"


def test_it_marks_a_vetoed_unit_in_results_csv(tmp_path: Path, scheme_path: Path) -> None:
    out = spoilt_run(tmp_path, scheme_path)
    rows = list(csv.DictReader((out / "results.csv").open(encoding="utf-8")))
    assert rows[-1]["unit"] == "zhuozi"  # a void score ranks last
    assert rows[-1]["vetoed"] == "safety_veto"
    assert all(r["vetoed"] == "" for r in rows[:-1])


def xlsx_headers(path: Path) -> list[Any]:
    ws = load_workbook(path).worksheets[0]
    return [c.value for c in ws[3]]


def test_it_writes_english_headers_in_results_xlsx_with_lang_en(
    tmp_path: Path, scheme_path: Path, good_data: Path
) -> None:
    run_ok(scheme_path, good_data, tmp_path / "en", "-q", "--lang", "en")
    wb = load_workbook(tmp_path / "en" / "results.xlsx")
    assert wb.sheetnames[0] == "All units"
    assert xlsx_headers(tmp_path / "en" / "results.xlsx")[:10] == [
        "Id",
        "Name",
        "Category",
        "Score",
        "Full marks",
        "Share",
        "Rank in category",
        "Overall rank",
        "Grade",
        "Vetoes",
    ]


def test_it_writes_chinese_headers_in_results_xlsx_by_default(
    tmp_path: Path, scheme_path: Path, good_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KAOHE_LANG", raising=False)
    run_ok(scheme_path, good_data, tmp_path / "zh", "-q")
    path = tmp_path / "zh" / "results.xlsx"
    assert load_workbook(path).sheetnames[:3] == ["总表", "重点开发区", "重点生态功能区"]
    assert xlsx_headers(path)[:4] == ["编号", "名称", "类别", "得分"]


def test_it_creates_the_output_folder_readable_like_any_other(
    tmp_path: Path, scheme_path: Path, good_data: Path, umask_022: None
) -> None:
    out = tmp_path / "out"
    run_ok(scheme_path, good_data, out, "-q")
    assert out.stat().st_mode & 0o777 == 0o755
    assert (out / "results.csv").stat().st_mode & 0o777 == 0o644


# --------------------------------------------------------------------------- explain


def test_it_explains_a_unit_named_by_id_or_by_name(scheme_path: Path, good_data: Path) -> None:
    by_id = kaohe("explain", scheme_path, good_data, "fengzhen", "--json")
    by_name = kaohe("explain", scheme_path, good_data, "丰镇市", "--json")
    assert by_id.exit_code == 0, by_id.output
    assert by_name.exit_code == 0, by_name.output
    assert json.loads(by_id.stdout) == json.loads(by_name.stdout)
    assert json.loads(by_id.stdout)["unit"] == "fengzhen"


def test_it_prints_an_explanation_for_people(scheme_path: Path, good_data: Path) -> None:
    result = kaohe("explain", scheme_path, good_data, "jining")
    assert result.exit_code == 0, result.output
    assert "集宁区" in result.stdout
    assert "地区生产总值增速" in result.stdout


@pytest.mark.parametrize(("asked", "hint"), [("jinin", "jining"), ("丰镇", "丰镇市")])
def test_it_hints_at_the_unit_meant_when_explaining_an_unknown_one(
    scheme_path: Path, good_data: Path, asked: str, hint: str
) -> None:
    result = kaohe("explain", scheme_path, good_data, asked)
    assert result.exit_code == 1
    assert f"unknown unit '{asked}' (did you mean '{hint}'?)" in result.stderr
    assert not crashed(result)


# --------------------------------------------------------------------------- atomic_dir


def test_atomic_dir_creates_the_folder_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("new")
        assert not target.exists()
    assert tree(target) == {"a.txt": b"new"}
    assert leftovers(tmp_path) == []


def write_then_fail(target: Path, error: BaseException) -> None:
    with atomic_dir(target) as tmp:
        (tmp / "results.csv").write_text("new, half written")
        raise error


def test_atomic_dir_leaves_no_folder_when_the_body_fails(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with pytest.raises(RuntimeError, match="boom"):
        write_then_fail(target, RuntimeError("boom"))
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_dir_keeps_the_old_folder_when_the_body_fails(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "results.csv").write_text("old")
    (target / "sub").mkdir()
    (target / "sub" / "x").write_text("old too")
    with pytest.raises(KeyboardInterrupt):
        write_then_fail(target, KeyboardInterrupt())
    assert tree(target) == {"results.csv": b"old", "sub/x": b"old too"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_atomic_dir_replaces_the_old_folder_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "results.csv").write_text("old")
    with atomic_dir(target) as tmp:
        (tmp / "results.csv").write_text("new")
        assert (target / "results.csv").read_text() == "old"
    assert (target / "results.csv").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_atomic_dir_refuses_a_path_that_is_a_file(tmp_path: Path) -> None:
    target = write_text(tmp_path / "out", "a file")
    with pytest.raises(OutputError, match="not a folder"), atomic_dir(target):
        pass
    assert target.read_text() == "a file"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_atomic_dir_creates_missing_parent_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out"
    with atomic_dir(target) as tmp:
        (tmp / "x").write_text("1")
    assert (target / "x").read_text() == "1"


def test_the_platform_commands_are_listed_without_importing_them() -> None:
    """``kaohe --help`` shows the platform's commands from the catalogue (``cli.help.<name>``),
    so the web stack is imported only to run one; the table names each command's object."""
    import importlib
    import subprocess
    import sys

    from kaohe.cli.main import PLATFORM_COMMANDS

    for name, (module, attr) in PLATFORM_COMMANDS.items():
        assert getattr(importlib.import_module(module), attr).name == name
    code = (
        "import sys\n"
        "from kaohe.cli.main import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.exit('sqlalchemy' in sys.modules or 'fastapi' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
    assert kaohe("users", "--help").exit_code == 0  # imported on first use
