"""Every example in a command's ``--help`` runs as written on the shipped example files
(issue 15: the rulebook's example named a results file that did not exist). The examples of
the platform's commands, which need a database or serve a site, are run against a real one in
tests/web/test_commands.py and tests/web/test_cycle_report.py; they are listed here with why."""

from __future__ import annotations

import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kaohe.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
#: commands whose examples need the platform's database (or serve it): not run here
PLATFORM = {
    "demo",
    "serve",
    "backup",
    "restore",
    "cycle export",
    "cycle import",
    "cadres import",
    "cadres export",
    "rulebook evaluate",
    "users add",
    "users reset-password",
    "users revoke-token",
    "users set-role",
    "users token",
    "users unlock",
}
#: commands whose --help has no example yet (issue 15): the list may only shrink
NO_EXAMPLE = {
    "audit verify",
    "db upgrade",
    "restore",
    "users add",
    "users disable",
    "users enable",
    "users tokens",
}
#: example lines that show a form with placeholders (SCHEME, a year's file) or a platform cycle
TEMPLATES = ("kaohe panel SCHEME", "kaohe report 1 ", "kaohe cadres grade 1 ")


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, click.Command]]:
    ctx = click.Context(group)
    out = []
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None
        if isinstance(cmd, click.Group):
            out += _commands(cmd, (*path, name))
        else:
            out.append((" ".join((*path, name)), cmd))
    return out


def _examples(cmd: click.Command) -> list[str]:
    """The example command lines of a command's help (continued lines joined)."""
    text = (cmd.help or "").split("Example", 1)
    if len(text) < 2:
        return []
    lines, current = [], ""
    for raw in text[1].splitlines()[1:]:
        line = raw.strip()
        if not line:
            continue
        current = f"{current} {line}".strip() if current else line
        if current.endswith("\\"):
            current = current[:-1].strip()
            continue
        if current.startswith("kaohe "):
            lines.append(current.split("  #")[0].strip())
        current = ""
    return lines


CASES = [
    (name, line)
    for name, cmd in _commands(main)
    if name not in PLATFORM
    for line in _examples(cmd)
    if not line.startswith(TEMPLATES)
]


def test_the_examples_are_found() -> None:
    names = {name for name, _ in CASES}
    assert {"run", "explain", "rulebook apply", "cadres grade", "report", "monitor"} <= names


def test_every_command_has_an_example_but_the_listed() -> None:
    """A command's help shows how it is run (those of the platform are run on the demo by
    tests/web/test_help_examples_platform.py)."""
    without = {name for name, cmd in _commands(main) if not _examples(cmd)}
    assert without == NO_EXAMPLE, "update NO_EXAMPLE: it lists the commands without an example"


@pytest.mark.parametrize("name", sorted({n for n, _ in CASES}))
def test_every_example_of_a_command_runs(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the examples' outputs (out/, decisions/…) are written here
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    runner = CliRunner()
    for command, line in CASES:
        if command != name:
            continue
        for part in line.split("&&"):
            args = shlex.split(part)[1:]
            done = runner.invoke(main, args, catch_exceptions=False)
            assert done.exit_code == 0, f"{line}\n{done.output}"
