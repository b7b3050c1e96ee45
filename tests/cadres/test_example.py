"""The illustrative Ulanqab cadre example is reproducible and its files read back valid."""

from __future__ import annotations

import importlib.util
import tempfile
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
    for name in ("cadres.csv", "ballots.csv", "checks.csv", "grade_history.csv", "promotions.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLE / name).read_bytes(), name
    h = pd.read_csv(tmp_path / "grade_history.csv")
    assert set(h["year"]) == {2020, 2021, 2022}
    assert set(h["kind"]) == {"cadre", "team"}
    units = set(h["unit"])
    assert len(units) == 11


def test_last_years_results_are_the_engines_on_the_panels_2021() -> None:
    """cadres/results_2021.csv (the rulebook's previous results) is the 2021 row of the
    example's panel.csv as the engine assesses it."""
    from kaohe.engine import assess
    from kaohe.io.data_files import load_panel
    from kaohe.io.results_files import write_csv
    from kaohe.io.scheme_file import load_scheme

    scheme = load_scheme(EXAMPLE.parent / "scheme.yaml")
    panel, _ = load_panel(scheme, [EXAMPLE.parent / "panel.csv"])
    out = Path(tempfile.mkdtemp()) / "results.csv"
    write_csv(assess(scheme, panel["2021"]), out)
    assert out.read_bytes() == (EXAMPLE / "results_2021.csv").read_bytes()


def test_the_example_files_are_valid() -> None:
    people = load_people(EXAMPLE / "people.xlsx")
    assert 200 <= len(people.cadres) <= 500
    assert len(people.teams) == 11
    design = load_design(EXAMPLE / "appraisal.yaml", AppraisalDesign)
    ballots = load_ballots(EXAMPLE / "ballots.csv", design, set(people.cadres["cadre_id"]))
    assert len(ballots) > 1000


def test_the_examples_teams_are_graded_in_one_pool() -> None:
    """The eleven leadership teams share the quota of 好: 11 × 30% = 3.3 → half up → 3 (alone,
    each would have 1 × 30% = 0.3 → 0)."""
    from kaohe.cadres.design import GradingDesign

    grading = load_design(EXAMPLE / "grading.yaml", GradingDesign)
    assert grading.team is not None
    assert grading.team.quota.pool == "all"
    teams = pd.read_excel(EXAMPLE / "team_grades_2022.xlsx")
    assert list(teams.columns[:3]) == ["班子编号 [team_id]", "单位 [unit]", "名额池 [pool]"]
    assert set(teams["优秀名额 [quota]"]) == {3}
    best = teams.sort_values("得分 [score]", ascending=False)
    assert list(best["等次 [grade]"]) == ["good"] * 3 + ["fairly_good"] * 8
    assert "好名额按全部 11 个单位合计：11 × 30% = 3.3 → 四舍五入 → 3" in str(best.iloc[0, -1])
