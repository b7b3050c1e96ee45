"""Every ``--help`` of the command line in the language chosen (issue 15: English with RST double
backticks before): each command's and option's text from the catalogues (``cli.help.*``), none
missing, no double backticks, and in Chinese no line of English prose outside the examples."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import click
import pytest
from click.testing import CliRunner

from kaohe.cli.main import main
from kaohe.cli.words import help_path, lang_of, option_help, short_help
from kaohe.i18n import LABELS


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    ctx = click.Context(group)
    out = [path]
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None
        if isinstance(cmd, click.Group):
            out += _commands(cmd, (*path, name))
        else:
            out.append((*path, name))
    return out


COMMANDS = _commands(main)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
#: three words of English prose in a row
PROSE = re.compile(r"\b[A-Za-z]{2,}[,;:]? [A-Za-z]{2,}[,;:]? [A-Za-z]{2,}\b")


def helps(path: tuple[str, ...], lang: str) -> str:
    result = CliRunner().invoke(main, [*path, "--help", "--lang", lang])
    assert result.exit_code == 0, (path, result.output, result.exception)
    return result.output


def english_lines(text: str) -> list[str]:
    """Lines of English prose in a help: not the examples (after 示例：), the usage line or a
    line of a command (``kaohe …``)."""
    found, example = [], False
    for line in text.splitlines():
        bare = line.strip()
        if not bare:
            example = False
            continue
        if bare.startswith("示例：") or example:
            example = True
            continue
        if bare.startswith(("kaohe ", "用法：", "--")) or CJK.search(bare):
            continue
        if PROSE.search(bare):
            found.append(line)
    return found


def test_every_command_is_found() -> None:
    for path in [(), ("run",), ("users", "add"), ("ledgers", "check"), ("cadres", "grade")]:
        assert path in COMMANDS
    assert len(COMMANDS) > 35


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "kaohe")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_help_is_from_the_catalogue_in_the_language_chosen(
    path: tuple[str, ...], lang: str
) -> None:
    key = "cli.help." + (".".join(path) or "kaohe")
    assert key in LABELS, f"no catalogue entry {key}"
    text = helps(path, lang)
    assert "`" not in text
    first = LABELS[key][0 if lang == "zh" else 1].split("\n")[0]
    assert first.split("：")[0].split(":")[0][:20] in text
    if lang == "zh":
        assert text.startswith("用法：")
        assert "选项：" in text
        assert not english_lines(text), english_lines(text)
    else:
        assert text.startswith("Usage:")
        assert "选项" not in text
        assert "示例" not in text


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "kaohe")
def test_every_option_has_a_catalogue_entry(path: tuple[str, ...]) -> None:
    group: click.Command = main
    ctx = click.Context(main, info_name="kaohe")
    for name in path:
        assert isinstance(group, click.Group)
        sub = group.get_command(ctx, name)
        assert sub is not None
        ctx = click.Context(sub, info_name=name, parent=ctx)
        group = sub
    where = help_path(ctx)
    assert where == (".".join(path) or "kaohe")
    for param in group.get_params(ctx):
        if isinstance(param, click.Option) and not param.hidden:
            name = "help" if param.name == "_click_default_help" else str(param.name)
            for lang in ("zh", "en"):
                assert option_help(where, name, lang).strip(), (where, name)


def test_the_language_is_read_from_the_whole_line_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert lang_of(["run", "--help", "--lang", "en"]) == "en"
    assert lang_of(["--lang=zh", "run"]) == "zh"
    assert lang_of(["run", "--", "--lang", "en"]) is None
    monkeypatch.setenv("KAOHE_LANG", "en")
    assert CliRunner().invoke(main, ["check", "--help"]).output.startswith("Usage:")
    assert CliRunner().invoke(main, ["check", "--help", "--lang", "zh"]).output.startswith("用法：")
    monkeypatch.delenv("KAOHE_LANG")
    assert CliRunner().invoke(main, ["--help"]).output.startswith("用法：")


def test_the_command_lists_fit_and_are_the_first_sentence() -> None:
    en = short_help("run", "en", 50)
    assert en.startswith("Assess: compute every unit's")
    assert en.endswith("...")
    assert len(en) <= 50
    zh = short_help("run", "zh", 60)
    assert zh == "考核：计算每个考核对象的得分、排名和等次，并写出结果"
    assert short_help("report", "zh", 20).endswith("…") or len(short_help("report", "zh", 20)) <= 10


def test_the_main_help_starts_fast_without_the_platform() -> None:
    """``kaohe --help`` reads the catalogue but imports no web stack (measured: about 0.5 s)."""
    code = (
        "import sys\n"
        "from kaohe.cli.main import main\n"
        "try:\n"
        "    main(['--help', '--lang', 'zh'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('sqlalchemy', 'fastapi', 'babel', 'numpy', 'pandas')\n"
        "bad = [m for m in heavy if m in sys.modules]\n"
        "print(bad, file=sys.stderr)\n"
        "sys.exit(1 if bad else 0)"
    )
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "用法：" in done.stdout
    assert time.perf_counter() - start < 5
