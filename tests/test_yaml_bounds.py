"""Every YAML file Kaohe reads is bounded before it is built: size, nesting depth and alias
expansion (issue 16, item 5). A "billion laughs" file of a few hundred bytes ended
``kaohe check`` with a MemoryError at 3 GB; it must end with a located message instead."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kaohe.cadres.design import AppraisalDesign
from kaohe.cli.main import main
from kaohe.errors import SchemeError
from kaohe.io import yamlfile
from kaohe.io.cadre_files import load_design, parse_design
from kaohe.io.rulebook_files import load_rulebook, parse_rulebook_text
from kaohe.io.scheme_file import load_scheme, parse_scheme_text
from kaohe.io.yamlfile import load_yaml, load_yaml_bytes, yaml_bound_issues
from kaohe.rulebook.model import RulebookError

ATTACK = Path(__file__).resolve().parent / "attack"
LAUGHS = ATTACK / "billion_laughs.yaml"  # 9 levels of 9 aliases: 9^9 strings

#: The same bomb with mappings and merge keys (``<<``), which PyYAML flattens by copying.
MERGE_BOMB = "a: &a {k0: lol, k1: lol, k2: lol, k3: lol}\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} {{"
    + ", ".join(f"x{m}: *{chr(97 + n)}" for m in range(9))
    + "}\n"
    for n in range(8)
)


def test_the_billion_laughs_file_is_small() -> None:
    assert LAUGHS.stat().st_size < 500


def test_kaohe_check_refuses_a_billion_laughs_at_its_line_in_both_languages() -> None:
    for lang, words in (("zh", "别名"), ("en", "aliases (*name) repeat too much")):
        result = CliRunner().invoke(main, ["check", str(LAUGHS), "--lang", lang])
        assert result.exit_code == 1
        assert not isinstance(result.exception, MemoryError)
        assert f"billion_laughs.yaml:6: {words}" in result.output  # the alias over the bound


@pytest.mark.parametrize(
    "load",
    [
        lambda: load_scheme(LAUGHS),
        lambda: parse_scheme_text(LAUGHS.read_text(), "uploaded.yaml"),
        lambda: load_rulebook(LAUGHS),
        lambda: parse_rulebook_text(MERGE_BOMB, "rulebook.yaml"),
        lambda: load_design(LAUGHS, AppraisalDesign),
        lambda: parse_design(MERGE_BOMB, AppraisalDesign, "appraisal.yaml"),
    ],
    ids=["scheme", "scheme text", "rulebook", "rulebook text", "design", "design text"],
)
def test_every_yaml_reader_refuses_the_bombs(load: object) -> None:
    with pytest.raises((SchemeError, RulebookError)) as info:
        load()  # type: ignore[operator]
    (issue,) = info.value.issues
    assert issue.line is not None
    assert "10000" in issue.message


def test_uploaded_bytes_are_bounded_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    value, _, issues = load_yaml_bytes(LAUGHS.read_bytes(), "upload.yaml")
    assert value is None
    assert issues[0].file == "upload.yaml"
    monkeypatch.setattr(yamlfile, "MAX_YAML_BYTES", 100)
    value, _, issues = load_yaml_bytes(b"\xff" * 101, "upload.yaml")  # not even decoded
    assert value is None
    assert "MB" in issues[0].message
    _, _, issues = load_yaml_bytes(b"\xff\xfe", "upload.yaml")
    assert "UTF-8" in issues[0].message


def test_a_file_too_large_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlfile, "MAX_YAML_BYTES", 1000)
    big = tmp_path / "scheme.yaml"
    big.write_text("name: x\n" + "# padding\n" * 200, encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        load_scheme(big)
    assert info.value.issues[0].file == str(big)
    assert "MB" in info.value.issues[0].message
    assert yaml_bound_issues("x: " + "é" * 600, "s.yaml")  # 1,200 bytes in 603 characters


def test_deep_nesting_is_refused_at_the_line_that_goes_too_deep() -> None:
    deep = "top:\n" + "".join(" " * (2 * k + 2) + f"k{k}:\n" for k in range(80)) + "  x: 1\n"
    _, _, issues = load_yaml(deep, "deep.yaml")
    assert issues[0].line == yamlfile.MAX_YAML_DEPTH + 1
    assert "64" in issues[0].message
    _, _, issues = load_yaml("[" * 200 + "]" * 200, "flow.yaml")
    assert issues[0].line == 1


def test_an_alias_inside_what_it_names_is_refused() -> None:
    _, _, issues = load_yaml("a: &a [1, *a]\n", "loop.yaml")
    assert "*a" in issues[0].message
    assert issues[0].line == 1


def test_modest_aliases_and_merge_keys_still_work() -> None:
    text = "w: &w {development: 60, ecology: 30}\nx: *w\ny: {<<: *w, agriculture: 40}\n"
    value, lines, issues = load_yaml(text, "ok.yaml")
    assert issues == []
    assert value == {
        "w": {"development": 60, "ecology": 30},
        "x": {"development": 60, "ecology": 30},
        "y": {"development": 60, "ecology": 30, "agriculture": 40},
    }
    assert lines.line_of("y.agriculture") == 3


def test_the_bound_counts_every_repeated_node() -> None:
    one = "a: &a [" + ", ".join(["1"] * 99) + "]\n"  # 100 nodes
    fits = one + "".join(f"b{k}: *a\n" for k in range(yamlfile.MAX_ALIAS_NODES // 100))
    assert yaml_bound_issues(fits, "fits.yaml") == []
    assert yaml_bound_issues(fits + "c: *a\n", "over.yaml")
