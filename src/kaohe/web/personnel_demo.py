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
import zlib
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from kaohe.engine import assess
from kaohe.io.data_files import load_panel
from kaohe.io.results_files import write_csv
from kaohe.web import personnel, personnel_arena
from kaohe.web.cycles import scheme_of
from kaohe.web.personnel_compute import compute
from kaohe.web.store import Cycle

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
    scheme = scheme_of(cycle, session)
    panel, _ = load_panel(scheme, [example / "panel.csv"])
    path = folder / "results-2021.csv"
    write_csv(assess(scheme, panel["2021"]), path)
    return path.read_text(encoding="utf-8")


def _past(path: Path, folder: Path) -> tuple[Path, Path]:
    """2020–2021 of the example's history (2022 is computed by the demo), each row with an
    illustrative years_at_level; and every ninth cadre of 2021 promoted in 2022."""
    h = pd.read_csv(path, dtype=str)
    h = h[h["year"].astype(int) < 2022].copy()
    h["years_at_level"] = [
        zlib.crc32(p.encode()) % 5 + int(y) - 2020
        for p, y in zip(h["person_id"], h["year"], strict=True)
    ]
    cadres = h[(h["year"] == "2021") & (h["kind"] == "cadre")].iloc[::9]
    promotions = pd.DataFrame(
        {"person_id": cadres["person_id"], "year": 2022, "unit": cadres["unit"], "position": "副职"}
    )
    out = folder / "grade_history_2020_2021.csv", folder / "promotions_2022.csv"
    h.to_csv(out[0], index=False)
    promotions.to_csv(out[1], index=False)
    return out
