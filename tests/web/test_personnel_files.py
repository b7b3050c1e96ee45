"""The platform and the command line grade alike: the demo's stored grades, grade history and
rulebook decisions equal what ``kaohe cadres grade`` (files mode, no database) writes from the
same inputs — the platform's designs, the example's files, and the results, history and
promotions the demo keeps, exported (SQLite and PostgreSQL)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.cli.main import main
from kaohe.io.cadre_files import read_frames
from kaohe.web.personnel import compute as pc
from kaohe.web.personnel.service import need_designs
from kaohe.web.results import service as results_
from kaohe.web.store.bulk import read_frame
from kaohe.web.store.engine import open_engine, session_factory
from kaohe.web.store.models import AnnualGrade, Cycle, RulebookDecision

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ulanqab"
CADRES = EXAMPLE / "cadres"


def _export_inputs(s: Session, folder: Path) -> dict[str, Path]:
    """The demo cycle's designs and stored inputs as the files of ``kaohe cadres grade``."""
    cycle = s.get(Cycle, 1)
    assert cycle is not None
    record = need_designs(s, cycle).record
    designs = folder / "designs"
    designs.mkdir()
    for what in ("appraisal", "checks", "grading", "rulebook"):
        (designs / f"{what}.yaml").write_text(getattr(record, what), encoding="utf-8")
    snap = results_.latest_results(s, cycle)
    assert snap is not None
    assert record.previous_results
    paths = {
        "designs": designs,
        "people": CADRES / "people.xlsx",
        "ballots": CADRES / "ballots.csv",
        "checks": CADRES / "checks.csv",
        "scores": CADRES / "office.csv",
        "results": folder / "results.csv",
        "previous": folder / "previous.csv",
        "history": folder / "history.csv",
        "promotions": folder / "promotions.csv",
    }
    pd.DataFrame(results_.snapshot_rows(snap)).to_csv(paths["results"], index=False)
    paths["previous"].write_text(record.previous_results, encoding="utf-8")
    history = read_frame(
        s,
        "SELECT person_key, kind, year, unit, grade, years_at_level FROM grade_history "
        "WHERE source = 'imported' ORDER BY id",
        ("person_id", "kind", "year", "unit", "grade", "years_at_level"),
        floats=("years_at_level",),
    )
    history.to_csv(paths["history"], index=False)
    pc.read_promotions(s).to_csv(paths["promotions"], index=False)
    return paths


def _stored(s: Session) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    cycle = s.get(Cycle, 1)
    assert cycle is not None
    run = pc.latest_computation(s, cycle)
    assert run is not None
    grades = pd.DataFrame(
        [
            (g.kind, g.subject_key, g.unit, g.score, g.grade, g.position, g.share, g.quota)
            for g in s.execute(
                select(AnnualGrade)
                .where(AnnualGrade.computation_id == run.id)
                .order_by(AnnualGrade.id)
            ).scalars()
        ],
        columns=["kind", "id", "unit", "score", "grade", "position", "share", "quota"],
    )
    decisions = pd.DataFrame(
        [
            (d.rule, d.subject_kind, d.subject, d.unit, d.action, d.value)
            for d in s.execute(
                select(RulebookDecision)
                .where(RulebookDecision.computation_id == run.id)
                .order_by(RulebookDecision.position)
            ).scalars()
        ],
        columns=["rule", "subject_kind", "subject", "unit", "action", "value"],
    )
    history = read_frame(
        s,
        "SELECT person_key, kind, year, unit, grade, years_at_level FROM grade_history "
        "WHERE source = 'computed' ORDER BY id",
        ("person_id", "kind", "year", "unit", "grade", "years_at_level"),
        floats=("years_at_level",),
    )
    return grades, decisions, history


def _number(v: Any) -> float:
    return math.nan if v is None or v == "" else float(v)


def _same_numbers(a: pd.Series, b: pd.Series) -> bool:
    x, y = [_number(v) for v in a], [_number(v) for v in b]
    return len(x) == len(y) and all(
        (math.isnan(p) and math.isnan(q)) or p == q for p, q in zip(x, y, strict=True)
    )


def test_the_demo_keeps_what_kaohe_cadres_grade_computes_from_the_same_inputs(
    demo_url: str, tmp_path: Path
) -> None:
    engine = open_engine(demo_url)
    try:
        with session_factory(engine)() as s:
            paths = _export_inputs(s, tmp_path)
            grades, decisions, history = _stored(s)
    finally:
        engine.dispose()
    out = tmp_path / "out"
    args: list[str] = ["cadres", "grade", "-o", str(out)]
    for k, v in paths.items():
        args += [f"--{k}", str(v)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output

    sheets = {src.sheet: f for f, src in read_frames(out / "grades.xlsx")}
    for kind, sheet in (("cadre", "干部"), ("team", "领导班子")):
        mine = grades[grades["kind"] == kind].reset_index(drop=True)
        theirs = sheets[sheet]
        assert len(mine) == len(theirs) > 0, kind
        assert mine["id"].tolist() == theirs[f"{kind}_id"].tolist(), kind
        assert mine["grade"].tolist() == theirs["grade"].tolist(), kind
        assert mine["unit"].tolist() == theirs["unit"].tolist(), kind
        for col, their in (("score", "score"), ("share", "share"), ("quota", "quota")):
            assert _same_numbers(mine[col], theirs[their]), (kind, col)
        # the place within the quota's pool where the design pools it (the example's teams)
        place = "position_in_pool" if "pool" in theirs.columns else "position_in_unit"
        assert _same_numbers(mine["position"], theirs[place]), kind

    written = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)
    assert len(written) == len(decisions) > 0
    for col in ("rule", "subject_kind", "subject", "unit", "action"):
        assert written[col].tolist() == decisions[col].fillna("").tolist(), col

    year = read_frames(out / "grade_history.csv")[0][0].fillna("")
    year = year[year["year"] == "2022"].reset_index(drop=True)
    assert year["person_id"].tolist() == history["person_id"].tolist()
    assert year["grade"].tolist() == history["grade"].fillna("").tolist()
    assert _same_numbers(year["years_at_level"], history["years_at_level"])
