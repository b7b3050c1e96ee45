"""The illustrative Ulanqab cadre example is reproducible and its files read back valid."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from kaohe.cadres.design import AppraisalDesign
from kaohe.io.cadre_files import load_ballots, load_design, load_people

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ulanqab" / "cadres"


def test_the_example_is_reproduced_by_its_generator(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_cadres", EXAMPLE / "make_cadres.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in ("cadres.csv", "ballots.csv", "checks.csv", "grade_history.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLE / name).read_bytes(), name
    h = pd.read_csv(tmp_path / "grade_history.csv")
    assert set(h["year"]) == {2020, 2021, 2022}
    assert set(h["kind"]) == {"cadre", "team"}
    units = set(h["unit"])
    assert len(units) == 11


def test_the_example_files_are_valid() -> None:
    people = load_people(EXAMPLE / "people.xlsx")
    assert 200 <= len(people.cadres) <= 500
    assert len(people.teams) == 11
    design = load_design(EXAMPLE / "appraisal.yaml", AppraisalDesign)
    ballots = load_ballots(EXAMPLE / "ballots.csv", design, set(people.cadres["cadre_id"]))
    assert len(ballots) > 1000
