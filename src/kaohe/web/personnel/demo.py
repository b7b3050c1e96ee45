"""The demo's cadres: the ILLUSTRATIVE Ulanqab cadres example (``examples/ulanqab/cadres``)
imported into the demo cycle through the same functions as the pages and the CLI, then graded
with the example rulebook — so that the demo shows commendations, merits, allocations and the
rest.

Then the example's ILLUSTRATIVE arena contest (``cadres/arena.yaml``, ``cadres/arena_marks.csv``:
the eleven county party secretaries' 擂台比武) is loaded and ranked, its ranks on the board.

Made up here, and said so: the years each cadre has held their rank level (the promotion pool
reads them), a few promotions in 2022, and last year's unit results (the 2021 row of the
example's panel, assessed by the engine) for the rule on rising in the ranking.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from kaohe.web.personnel import arena as personnel_arena
from kaohe.web.personnel import service as personnel
from kaohe.web.personnel.compute import compute
from kaohe.web.store.models import Cycle

ACTOR = "office"


def load_cadres(session: Session, cycle: Cycle, example: Path) -> None:
    """Designs, people, ballots, checks, the office's scores, two past years of grades and
    illustrative promotions; then grades and decisions of 2022."""
    cadres = example / "cadres"
    with tempfile.TemporaryDirectory(prefix="kaohe-demo-") as tmp:
        folder = Path(tmp)
        texts = {w: (cadres / f"{w}.yaml").read_text(encoding="utf-8") for w in DESIGNS}
        texts["rulebook"] = (example / "rulebook.yaml").read_text(encoding="utf-8")
        texts["previous_results"] = _last_year(session, cycle, example, folder)
        personnel.store_designs(session, cycle, texts, ACTOR)
        personnel.import_people(session, cycle, cadres / "people.xlsx", ACTOR)
        personnel.import_ballots(session, cycle, cadres / "ballots.csv", ACTOR)
        personnel.import_checks(session, cycle, cadres / "checks.csv", ACTOR)
        personnel.import_scores(session, cycle, cadres / "office.csv", ACTOR)
        history, promotions = _past(cadres / "grade_history.csv", folder)
        personnel.import_history(session, cycle, history, ACTOR)
        personnel.import_promotions(session, cycle, promotions, ACTOR)
    compute(session, cycle, ACTOR)
    arena = (cadres / "arena.yaml").read_text(encoding="utf-8")
    personnel_arena.store_design(session, cycle, arena, ACTOR)
    personnel_arena.import_marks(session, cycle, cadres / "arena_marks.csv", ACTOR)
    personnel_arena.compute(session, cycle, ACTOR)


DESIGNS = ("appraisal", "checks", "grading")


def _last_year(session: Session, cycle: Cycle, example: Path, folder: Path) -> str:
    """Last year's unit results: the example's cadres/results_2021.csv (the 2021 row of its
    panel, as the engine assesses it)."""
    return (example / "cadres" / "results_2021.csv").read_text(encoding="utf-8")


def _past(path: Path, folder: Path) -> tuple[Path, Path]:
    """2020–2021 of the example's history (2022 is computed by the demo), with its
    illustrative years_at_level; and the example's promotions of 2022."""
    h = pd.read_csv(path, dtype=str)
    out = folder / "grade_history_2020_2021.csv"
    h[h["year"].astype(int) < 2022].to_csv(out, index=False)
    return out, path.with_name("promotions.csv")
