"""A year of cadre assessment as files, for ``kaohe cadres grade``: the designs of a folder
(:func:`load_designs`), every input file checked against them and the roster with the problems of
all listed together (:func:`load_inputs`), and the output folder written all or nothing
(:func:`write_assessment`). The computation between is :func:`kaohe.cadres.assess_cadres`."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

from kaohe.cadres.assessment import CadreAssessment, CadreDesigns, CadreInputs
from kaohe.cadres.design import AppraisalDesign, ArenaDesign, ChecksDesign, GradingDesign
from kaohe.errors import DataError, Issue, KaoheError, SchemeError
from kaohe.io.atomic import atomic_dir
from kaohe.io.cadre_files import (
    CADRE_SHEETS,
    TEAM_SHEETS,
    grades_for_export,
    load_ballots,
    load_checks,
    load_design,
    load_marks,
    load_people,
    load_scores,
    write_table,
    write_workbook,
)
from kaohe.io.rulebook_files import (
    load_rulebook,
    read_people_table,
    read_results_table,
    write_csv,
    write_xlsx,
)
from kaohe.rulebook.inputs import HISTORY_COLUMNS

#: The designs of a year, each ``<name>.yaml`` in one folder (only grading.yaml is required).
DESIGN_FILES: dict[str, type[BaseModel]] = {
    "grading": GradingDesign,
    "appraisal": AppraisalDesign,
    "checks": ChecksDesign,
    "arena": ArenaDesign,
}
#: What :func:`write_assessment` writes (the decisions files only with a rulebook).
ASSESSMENT_FILES = (
    "grades.xlsx",
    "grade_history.csv",
    "decisions.csv",
    "public.csv",
    "decisions.xlsx",
)


def load_designs(folder: str | Path, rulebook: str | Path | None = None) -> CadreDesigns:
    """The designs in ``folder`` (``grading.yaml``; ``appraisal.yaml``, ``checks.yaml``,
    ``arena.yaml`` when there) and the rulebook (``rulebook``, else ``folder/rulebook.yaml``
    when there). One SchemeError lists the problems of all of them, each at its line."""
    folder = Path(folder)
    if not (folder / "grading.yaml").exists():
        raise DataError(Issue("file not found", file=str(folder / "grading.yaml")))
    issues: list[Issue] = []
    found: dict[str, Any] = {}
    for name, kind in DESIGN_FILES.items():
        path = folder / f"{name}.yaml"
        if path.exists():
            try:
                found[name] = load_design(path, kind)
            except KaoheError as exc:
                issues += [i.located(file=str(path)) for i in exc.issues]
    book = Path(rulebook) if rulebook is not None else folder / "rulebook.yaml"
    if rulebook is not None or book.exists():
        try:
            found["rulebook"] = load_rulebook(book)
        except KaoheError as exc:
            issues += [i.located(file=str(book)) for i in exc.issues]
    if issues:
        raise SchemeError(issues)
    return CadreDesigns(**found)


def load_inputs(
    designs: CadreDesigns,
    people: str | Path,
    *,
    teams: str | Path | None = None,
    results: str | Path | None = None,
    ballots: str | Path | None = None,
    checks: str | Path | None = None,
    marks: str | Path | None = None,
    scores: Collection[str | Path] = (),
    previous: str | Path | None = None,
    history: str | Path | None = None,
    promotions: str | Path | None = None,
) -> CadreInputs:
    """A year's files, each checked whole against its design and the roster; one DataError
    lists the problems of every file (the roster's alone when it is bad: the others are
    checked against it). With ``results``, every unit of the roster must be one of theirs."""
    unit_results = read_results_table(results) if results is not None else None
    units = list(unit_results.index) if unit_results is not None else None
    roster = load_people(people, teams, units)
    subjects = [*roster.cadres["cadre_id"], *roster.teams["team_id"]]
    unit_of = dict(zip(roster.cadres["cadre_id"], roster.cadres["unit"], strict=True))
    issues: list[Issue] = []
    got: dict[str, Any] = {}

    def read(key: str, path: str | Path | None, design: Any, fn: Any, *args: Any) -> None:
        if path is None:
            return
        if design is None:
            issues.append(Issue(f"no {key} design ({key}.yaml) for this file", file=str(path)))
            return
        try:
            got[key] = fn(path, design, *args)
        except KaoheError as exc:
            issues.extend(exc.issues)

    read("appraisal", ballots, designs.appraisal, load_ballots, subjects)
    read("checks", checks, designs.checks, load_checks, unit_of)
    read("arena", marks, designs.arena, load_marks)
    tables: dict[str, pd.DataFrame] = {}
    for one in scores:
        try:
            kind, frame = load_scores(one, designs.grading, roster)
        except KaoheError as exc:
            issues.extend(exc.issues)
            continue
        both = [c for c in frame.columns if c in tables.get(kind, pd.DataFrame()).columns]
        if both:
            issues.append(
                Issue(f"{', '.join(both)} given again (another scores file)", file=str(one))
            )
        tables[kind] = frame if kind not in tables else tables[kind].join(frame, how="outer")

    def table(fn: Any, path: str | Path | None) -> Any:
        if path is None:
            return None
        try:
            return fn(path)
        except KaoheError as exc:
            issues.extend(exc.issues)
            return None

    last_year = table(read_results_table, previous)
    past = table(read_people_table, history)
    promoted = table(read_people_table, promotions)
    if issues:
        raise DataError(issues)
    return CadreInputs(
        roster,
        results=unit_results,
        ballots=got.get("appraisal"),
        checks=got.get("checks"),
        marks=got.get("arena"),
        scores=tables,
        previous=last_year,
        history=past,
        promotions=promoted,
    )


def write_assessment(result: CadreAssessment, out: str | Path) -> Path:
    """Into the folder ``out``, all or nothing: ``grades.xlsx`` (a sheet of cadres and one of
    teams, each person's explanation in the language in force), ``grade_history.csv`` (the
    earlier history with this year's grades: next year's ``--history``), and with a rulebook
    ``decisions.csv``, ``public.csv`` and ``decisions.xlsx`` (as ``kaohe rulebook apply``)."""
    out = Path(out)
    sheets = {
        (CADRE_SHEETS if g.kind == "cadre" else TEAM_SHEETS)[1]: grades_for_export(g)
        for g in result.graded
    }
    keep = [c for c in (*HISTORY_COLUMNS, "years_at_level") if c in result.history.columns]
    history = result.history[keep].copy()
    if "years_at_level" in history.columns:
        level = pd.to_numeric(history["years_at_level"], errors="coerce")
        whole = level.dropna().mod(1).eq(0).all()
        history["years_at_level"] = level.astype("Int64") if whole else level  # 5, not 5.0
    with atomic_dir(out, ASSESSMENT_FILES) as tmp:
        write_workbook(sheets, tmp / "grades.xlsx")
        write_table(history, tmp / "grade_history.csv")
        if result.decisions is not None:
            write_csv(result.decisions, tmp / "decisions.csv")
            write_csv(result.decisions.public(), tmp / "public.csv")
            write_xlsx(result.decisions, tmp / "decisions.xlsx")
    return out
