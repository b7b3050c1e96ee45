"""Every ``--help`` example of the platform's commands runs as written on the demo database
(tests/test_help_examples.py runs those of the file commands on the example's files): with
``KAOHE_DATABASE_URL`` the demo's, in a folder holding the files the examples name."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from kaohe.cli.main import main

from ..test_help_examples import NO_EXAMPLE, PLATFORM, TEMPLATES, _commands, _examples

ROOT = Path(__file__).resolve().parents[2]
CADRES = ROOT / "examples" / "ulanqab" / "cadres"
#: examples not run here, with why
SERVING = {"demo": "makes its own database and serves it", "serve": "serves until stopped"}
PASSWORD = "a-new-long-password\n"
#: run last, after what they read (a token is revoked once made)
LAST = ("users revoke-token",)


def _platform_examples() -> list[tuple[str, str]]:
    """(command, example line) of the platform's commands, in the commands' order."""
    out = [
        (name, line)
        for name, cmd in _commands(main)
        for line in _examples(cmd)
        if name not in SERVING
        and (name in PLATFORM or line.startswith(TEMPLATES[1:]))  # kaohe report 1, cadres grade 1
    ]
    return sorted(out, key=lambda c: c[0] in LAST)


def test_the_platform_examples_are_found() -> None:
    names = {name for name, _ in _platform_examples()}
    assert names == PLATFORM - set(SERVING) - NO_EXAMPLE | {"report", "cadres grade"}


def test_every_platform_example_runs_on_the_demo(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAOHE_DATABASE_URL", demo_url)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    designs = tmp_path / "designs"
    designs.mkdir()
    for name in ("grading.yaml", "appraisal.yaml", "checks.yaml"):
        shutil.copy(CADRES / name, designs / name)
    for name in ("people.xlsx", "ballots.csv", "checks.csv", "office.csv", "promotions.csv"):
        shutil.copy(CADRES / name, tmp_path / name)
    history = pd.read_csv(CADRES / "grade_history.csv", dtype=str)  # the years before the cycle's
    history[history["year"].astype(int) < 2022].to_csv(tmp_path / "grade_history.csv", index=False)
    runner = CliRunner()
    added = runner.invoke(
        main,
        [
            "users",
            "add",
            "wang",
            "--role",
            "reporter",
            "--department",
            "stats",
            "--password",
            "a-long-password",
        ],
    )
    assert added.exit_code == 0, added.output
    failed = []
    for name, line in _platform_examples():
        for part in line.split("&&"):
            # a password asked for (users reset-password) is typed twice
            done = runner.invoke(main, shlex.split(part)[1:], input=PASSWORD * 2)
            if done.exit_code != 0:
                failed.append(f"{name}: {part.strip()}\n{done.output}{done.exception!r}")
    assert not failed, "\n\n".join(failed)
