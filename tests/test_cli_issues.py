"""``kaohe check``'s problem lines in the language chosen (issue 15): the place (row, column),
the field and the message in Chinese by default and with ``--lang zh``, in English with
``--lang en``; the core's messages are :class:`kaohe.i18n.Said` (English as text, any language
at the edge), so the entry form and the upload show them in the page's language too."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kaohe.cli.main import main
from kaohe.dataset import cell_problem, parse_number
from kaohe.errors import Issue
from kaohe.i18n import Said, said
from kaohe.io.scheme_file import load_scheme

from .io_helpers import DATA_SCHEME, GOOD_HEADER, GOOD_ROWS, write_csv, write_text


def kaohe(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def scheme_path(tmp_path: Path) -> Path:
    return write_text(tmp_path / "scheme.yaml", DATA_SCHEME)


@pytest.fixture
def bad_data(tmp_path: Path) -> Path:
    body = [list(r) for r in GOOD_ROWS]
    body[0][1] = "六点五"  # jining gdp_growth, row 2 column B
    body[1][1] = "5,2"  # row 3 column B
    body[3][3] = 140  # zhuozi forest_cover, row 5 column D
    return write_csv(tmp_path / "bad.csv", GOOD_HEADER, body)


def test_the_bad_cells_are_listed_in_chinese_by_default(
    scheme_path: Path, bad_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KAOHE_LANG", raising=False)
    for args in ((), ("--lang", "zh")):
        result = kaohe("check", scheme_path, bad_data, *args)
        assert result.exit_code == 1
        err = result.stderr
        assert f"{bad_data} 第 2 行，列 B (gdp_growth): 数字单元格中填了文字“六点五”" in err
        assert f"{bad_data} 第 3 行，列 B (gdp_growth): “5,2”：逗号只用于每三位数字之间" in err
        assert f"{bad_data} 第 5 行，列 D (forest_cover): 140 超出了为“森林覆盖率”规定的范围" in err
        assert "text in a number cell" not in err
        assert " row " not in err


def test_the_bad_cells_are_listed_in_english_with_lang_en(
    scheme_path: Path, bad_data: Path
) -> None:
    result = kaohe("check", scheme_path, bad_data, "--lang", "en")
    assert result.exit_code == 1
    err = result.stderr
    assert f"{bad_data} row 2, column B (gdp_growth): text in a number cell: '六点五'" in err
    assert f"{bad_data} row 3, column B (gdp_growth): '5,2': a comma is read only" in err
    assert "140 is outside the range [0, 100] declared for 森林覆盖率" in err
    assert "数字单元格" not in err


def test_the_schemes_problems_are_listed_in_the_language_chosen(tmp_path: Path) -> None:
    bad = DATA_SCHEME.replace(
        "weights: {development: 60, ecology: 30}", "weights: {development: -3}", 1
    )
    assert bad != DATA_SCHEME
    path = write_text(tmp_path / "scheme.yaml", bad)
    zh = kaohe("check", path, "--lang", "zh").stderr
    en = kaohe("check", path, "--lang", "en").stderr
    assert "权重必须 ≥ 0，实为 -3" in zh
    assert "weight must be ≥ 0, got -3" in en
    assert "weight must be" not in zh


def test_kaohe_env_sets_the_language_of_the_problems(
    scheme_path: Path, bad_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAOHE_LANG", "en")
    assert "text in a number cell" in kaohe("check", scheme_path, bad_data).stderr
    assert "数字单元格" in kaohe("check", scheme_path, bad_data, "--lang", "zh").stderr


def test_a_cells_problem_is_english_text_and_any_language_at_the_edge() -> None:
    problem = parse_number("六点五")[2]
    assert problem == "text in a number cell: '六点五'"  # the library's text, as before
    assert isinstance(problem, Said)
    assert said(problem, "zh") == "数字单元格中填了文字“六点五”"
    assert said(problem, "en") == problem
    assert pickle.loads(pickle.dumps(problem)).text("zh") == said(problem, "zh")
    percent = parse_number("6.5%")[2]
    assert percent is not None
    assert said(percent, "zh") == "数字单元格中填了文字“6.5%”；请填 6.5（计量单位已在方案中注明）"
    assert said("plain text", "zh") == "plain text"


def test_the_entry_forms_check_names_the_indicator_in_the_language_chosen(
    tmp_path: Path,
) -> None:
    scheme = load_scheme(write_text(tmp_path / "scheme.yaml", DATA_SCHEME))
    problem = cell_problem(scheme, "forest_cover", "140")
    assert problem is not None
    assert said(problem, "zh") == "140 超出了为“森林覆盖率”规定的范围 [0, 100]"
    assert said(problem, "en") == "140 is outside the range [0, 100] declared for 森林覆盖率"


def test_an_issues_place_is_said_in_the_language_chosen() -> None:
    issue = Issue(Said("cell.empty_unit"), file="d.xlsx", sheet="市统计局", row=5, column="D (x)")
    assert (
        issue.text("zh")
        == "d.xlsx[市统计局] 第 5 行，列 D (x): 考核对象单元格为空：每行都需要考核对象的编号或名称"
    )
    assert issue.text("en") == str(issue)
    assert Issue("m", file="s.yaml", line=4).text("zh") == "s.yaml:4: m"
    assert Issue("m", line=4).text("zh") == "第 4 行: m"


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ulanqab"


def test_the_commands_summaries_are_in_the_language_chosen(tmp_path: Path) -> None:
    book = EXAMPLE / "rulebook.yaml"
    zh = kaohe("rulebook", "check", book, "--lang", "zh").output
    en = kaohe("rulebook", "check", book, "--lang", "en").output
    assert "条规则，有效" in zh
    assert "rules, valid" in en
    wrong = kaohe("template", EXAMPLE / "scheme.yaml", "-o", tmp_path / "t.csv", "--lang", "zh")
    assert "填报模板是 Excel 工作簿" in wrong.output
    alone = ("report", EXAMPLE / "scheme.yaml", EXAMPLE / "data.xlsx", "-o", tmp_path / "r")
    assert "须配合 --rulebook 使用" in kaohe(*alone, "--year", "2022", "--lang", "zh").output
    assert "go with --rulebook" in kaohe(*alone, "--year", "2022", "--lang", "en").output
    bad = write_text(
        tmp_path / "bad.yaml",
        "name: x\nrules:\n  q:\n    type: rank_quota_allocation\n    totl: 3\n",
    )
    assert "rules.q.total: 此键必须填写" in kaohe("rulebook", "check", bad, "--lang", "zh").output


def test_the_schemes_meaning_is_checked_in_the_language_chosen(tmp_path: Path) -> None:
    bad = DATA_SCHEME.replace(
        "development: {name: 重点开发区}", "development: {name: 重点开发区, full_marks: 90}", 1
    )
    path = write_text(tmp_path / "scheme.yaml", bad)
    zh = kaohe("check", path, "--lang", "zh").stderr
    en = kaohe("check", path, "--lang", "en").stderr
    assert "categories.development.full_marks: 适用于重点开发区的指标合计" in zh
    assert "但 full_marks 写的是 90" in zh
    assert "the indicators that apply to 重点开发区 are worth" in en
