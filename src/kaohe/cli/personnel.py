"""Commands for cadres and the results rulebook: ``kaohe cadres grade|import|export``,
``kaohe rulebook check|apply|evaluate``.

``cadres grade`` without a cycle (a thin shell over :func:`kaohe.cadres.assess_cadres` and
:mod:`kaohe.io.cadre_files`), ``rulebook check`` and ``rulebook apply`` read and write files only;
the others work on the platform's database (KAOHE_DATABASE_URL), each in one transaction: nothing
is half-written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session

from kaohe.cli.main import LANG, _console, reports_errors
from kaohe.cli.words import Group, ctx_lang
from kaohe.errors import KaoheError
from kaohe.i18n import t

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _fail(exc: Exception) -> click.ClickException:
    """The problems, each located, in the language of the command line."""
    if isinstance(exc, KaoheError):
        lang = ctx_lang(click.get_current_context(silent=True))
        return click.ClickException("\n".join(i.text(lang) for i in exc.issues))
    return click.ClickException(str(exc))


@contextmanager
def _cycle_session(cycle_id: int) -> Iterator[tuple[Session, Any]]:
    """The database in one transaction, and the cycle — to write to: a final cycle is
    refused, as on the platform (:func:`kaohe.web.policy.may_change`); errors become the
    command's message (and nothing is written)."""
    from kaohe.cli.database import transaction
    from kaohe.i18n import both
    from kaohe.web.cycles.service import CycleError
    from kaohe.web.personnel.service import PersonnelError
    from kaohe.web.policy import may_change
    from kaohe.web.store.models import Cycle

    try:
        with transaction() as session:
            cycle = session.get(Cycle, cycle_id)
            if cycle is None:
                raise PersonnelError(f"no cycle {cycle_id}")
            if not may_change(cycle.state):
                raise CycleError(both("web.cycle_final"))
            yield session, cycle
    except (KaoheError, PersonnelError, CycleError) as exc:
        raise _fail(exc) from None


@click.group(cls=Group, name="cadres")
def cadres_group() -> None:
    """Leadership teams and cadres: ``kaohe cadres grade`` (files or platform), ``import|export``.

    \b
    kaohe cadres grade --designs DIR --people F … -o OUT   a year from files, no database
    kaohe cadres grade CYCLE [-o OUT]                       on the platform, kept there
    kaohe cadres import CYCLE …, kaohe cadres export …      the platform's files
    """


@cadres_group.command("import")
@click.argument("cycle_id", type=int)
@click.option(
    "--designs",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder with appraisal.yaml, checks.yaml, grading.yaml, rulebook.yaml "
    "(and optionally previous_results.csv): stored as the cycle's new designs.",
)
@click.option(
    "--people",
    type=FILE,
    help="Teams and cadres: a workbook (sheets teams, cadres) or a cadres file (with --teams).",
)
@click.option("--teams", type=FILE, help="Teams, when --people is a cadres file.")
@click.option("--ballots", type=FILE, help="Appraisal ballots of the cycle.")
@click.option("--checks", type=FILE, help="Quarterly regular checks.")
@click.option(
    "--scores",
    type=FILE,
    multiple=True,
    help="Other grade components, e.g. the office's (cadre_id or team_id, then "
    "component columns); may be repeated.",
)
@click.option("--history", type=FILE, help="Grade history of past years.")
@click.option("--promotions", type=FILE, help="Recorded promotions.")
def cadres_import(
    cycle_id: int,
    designs: Path | None,
    people: Path | None,
    teams: Path | None,
    ballots: Path | None,
    checks: Path | None,
    scores: tuple[Path, ...],
    history: Path | None,
    promotions: Path | None,
) -> None:
    """Import a cycle's designs and files, all in one transaction: every file is checked
    whole (problems listed by file, row and column) and nothing is written unless all are
    valid. Each file is one entry in the audit log (name, SHA-256, rows).

    \b
    Example:
      kaohe cadres import 1 --designs designs/ --people people.xlsx --ballots ballots.csv \\
        --checks checks.csv --scores office.csv --history grade_history.csv \\
        --promotions promotions.csv
    """
    from kaohe.web.personnel import service as personnel

    steps: list[tuple[Callable[..., Any], Path, dict[str, Any]]] = []
    if people is not None:
        steps.append((personnel.import_people, people, {"teams": teams}))
    elif teams is not None:
        raise click.UsageError("--teams goes with --people (the cadres file)")
    for fn, path in (
        (personnel.import_ballots, ballots),
        (personnel.import_checks, checks),
        *((personnel.import_scores, s) for s in scores),
        (personnel.import_history, history),
        (personnel.import_promotions, promotions),
    ):
        if path is not None:
            steps.append((fn, path, {}))
    if not steps and designs is None:
        raise click.UsageError("give --designs or at least one file to import")
    done = []
    with _cycle_session(cycle_id) as (session, cycle):
        if designs is not None:
            record = personnel.store_designs(session, cycle, _design_texts(designs), "cli")
            done.append(f"designs: version {record.version}")
        for fn, path, extra in steps:
            done.append(str(fn(session, cycle, path, "cli", **extra)))
    for line in done:
        click.echo(line)


def _design_texts(folder: Path) -> dict[str, str]:
    from kaohe.web.personnel.service import DESIGN_FILES

    texts = {}
    for what in (*DESIGN_FILES, "previous_results"):
        suffix = ".csv" if what == "previous_results" else ".yaml"
        path = folder / f"{what}{suffix}"
        if path.exists():
            texts[what] = path.read_text(encoding="utf-8")
    return texts


@cadres_group.command("export")
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The workbook to write (.xlsx).",
)
def cadres_export(out: Path) -> None:
    """Write the roster (teams and active cadres) as a workbook that ``kaohe cadres import
    --people`` reads again.

    \b
    Example:
      kaohe cadres export -o 干部名册.xlsx
    """
    from kaohe.cli.database import transaction
    from kaohe.io.cadre_files import write_people
    from kaohe.web.personnel.service import read_people

    if out.suffix.lower() != ".xlsx":
        raise click.ClickException(f"{out}: write an .xlsx workbook")
    with transaction() as session:
        people = read_people(session)
    write_people(people, out)
    click.echo(f"{len(people.cadres)} cadres and {len(people.teams)} teams written to {out}")


#: The files mode's options of ``cadres grade``: (name, help), each a file.
GRADE_FILES = (
    ("people", "Teams and cadres: a workbook (sheets teams, cadres) or a cadres file."),
    ("teams", "Teams, when --people is a cadres file."),
    ("results", "The cycle's results.csv (kaohe run): the unit component, tilt and rulebook."),
    ("ballots", "Appraisal ballots (needs appraisal.yaml)."),
    ("checks", "Quarterly regular checks (needs checks.yaml)."),
    ("marks", "The arena contest's marks (needs arena.yaml): the component arena."),
    ("previous", "The previous cycle's results.csv, for the rulebook."),
    ("history", "Grade history of earlier years (person_id, kind, year, unit, grade …)."),
    ("promotions", "Recorded promotions, for the rulebook."),
)
#: The line that counts the grades of each kind.
GRADED = {"cadre": "cadres.graded_cadre", "team": "cadres.graded_team"}


def _grade_file_options(fn: Any) -> Any:
    fn = click.option(
        "--scores",
        type=FILE,
        multiple=True,
        help="Other grade components, e.g. the office's (cadre_id or team_id, then component "
        "columns); may be repeated.",
    )(fn)
    for name, text in reversed(GRADE_FILES):
        fn = click.option(f"--{name}", type=FILE, default=None, help=text)(fn)
    fn = click.option(
        "--rulebook",
        type=FILE,
        default=None,
        help="The results rulebook (default: DESIGNS/rulebook.yaml when there).",
    )(fn)
    return click.option(
        "--designs",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=None,
        help="Files mode: the folder of grading.yaml and, when used, appraisal.yaml, checks.yaml, "
        "arena.yaml, rulebook.yaml.",
    )(fn)


@cadres_group.command("grade")
@click.argument("cycle_id", type=int, required=False, metavar="[CYCLE]")
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Files mode: the folder to write into (required). CYCLE: also write grades.xlsx and "
    "the decisions (decisions.csv, public.csv, decisions.xlsx) into this folder.",
)
@_grade_file_options
@LANG
@reports_errors
def cadres_grade(
    cycle_id: int | None,
    out: Path | None,
    designs: Path | None,
    rulebook: Path | None,
    scores: tuple[Path, ...],
    lang: str | None,
    **files: Path | None,
) -> None:
    """Annual grades of cadres and teams, and the rulebook's decisions.

    From files (no database) with --designs: the composite of each person (appraisal from the
    ballots, regular checks, the unit's own result, the arena, other scores), the gates and the
    per-unit quota of the top grade (tilted by the rulebook), the year written into the grade
    history, then the rulebook. Every file is checked whole; OUT gets, all or nothing,
    grades.xlsx (with each person's explanation), grade_history.csv (next year's --history)
    and, with a rulebook, decisions.csv, public.csv and decisions.xlsx.

    With CYCLE instead: the cycle's grades and decisions from the platform's stored inputs and
    the cycle's latest results, kept in its database (one transaction).

    \b
    Example:
      kaohe run examples/ulanqab/scheme.yaml examples/ulanqab/data.xlsx -o out
      kaohe cadres grade --designs examples/ulanqab/cadres --results out/results.csv \\
        --people examples/ulanqab/cadres/people.xlsx \\
        --ballots examples/ulanqab/cadres/ballots.csv \\
        --checks examples/ulanqab/cadres/checks.csv \\
        --scores examples/ulanqab/cadres/office.csv \\
        --history examples/ulanqab/cadres/grade_history.csv -o grades/
      kaohe cadres grade 1 -o grades-2022/        # on the platform
    """
    if cycle_id is not None:
        given = [f"--{k}" for k, v in files.items() if v is not None]
        given += ["--designs"] * (designs is not None) + ["--rulebook"] * (rulebook is not None)
        given += ["--scores"] * bool(scores)
        if given:
            raise click.UsageError(f"CYCLE grades on the platform; {', '.join(given)}: files mode")
        _grade_platform(cycle_id, out)
    elif designs is None or out is None or files["people"] is None:
        raise click.UsageError("give CYCLE (the platform), or --designs, --people and -o (files)")
    else:
        _grade_files(designs, rulebook, scores, out, lang, files)


def _grade_platform(cycle_id: int, out: Path | None) -> None:
    from kaohe.web.personnel.compute import compute

    with _cycle_session(cycle_id) as (session, cycle):
        done = compute(session, cycle, "cli")
        if out is not None:
            _export(session, done.computation, out)
    click.echo(f"computed {done.grades} grades and {done.decisions} decisions")
    if out is not None:
        click.echo(f"written to {out}")


def _grade_files(
    designs: Path,
    rulebook: Path | None,
    scores: tuple[Path, ...],
    out: Path,
    lang: str | None,
    files: dict[str, Path | None],
) -> None:
    from kaohe.cadres import assess_cadres
    from kaohe.io.cadre_year_files import load_designs, load_inputs, write_assessment

    found = load_designs(designs, rulebook)
    people = files.pop("people")
    assert people is not None
    inputs = load_inputs(found, people, scores=scores, **files)
    result = assess_cadres(found, inputs)
    write_assessment(result, out)
    console = _console()
    for g in result.graded:
        counts = g.frame["grade"].value_counts()
        grades = [*g.design.grades, g.design.pending]
        shown = ", ".join(f"{x.name} {counts[x.id]}" for x in grades if x.id in counts)
        console.print(t(GRADED[g.kind], lang, n=len(g.frame), counts=shown))
    if result.decisions is not None:
        console.print(t("cadres.decided", lang, n=len(result.decisions)))
    console.print(t("cadres.written", lang, path=out))


def _export(session: Session, run: Any, out: Path) -> None:
    from kaohe.io.atomic import atomic_dir
    from kaohe.io.rulebook_files import OUTPUT_FILES, write_csv, write_xlsx
    from kaohe.web.personnel.compute import export_workbook, stored_decisions

    decisions = stored_decisions(session, run)
    with atomic_dir(out, (*OUTPUT_FILES, "grades.xlsx")) as tmp:
        write_csv(decisions, tmp / "decisions.csv")
        write_csv(decisions.public(), tmp / "public.csv")
        write_xlsx(decisions, tmp / "decisions.xlsx")
        export_workbook(session, run, tmp / "grades.xlsx")


@click.group(cls=Group, name="rulebook")
def rulebook_group() -> None:
    """The results rulebook (考核结果运用): ``kaohe rulebook check|apply|evaluate``."""


@rulebook_group.command("check")
@click.argument("rulebook", type=FILE)
def rulebook_check(rulebook: Path) -> None:
    """Validate a rulebook file; every problem is listed with its line.

    \b
    Example:
      kaohe rulebook check examples/ulanqab/rulebook.yaml
    """
    from kaohe.io.rulebook_files import load_rulebook

    try:
        book = load_rulebook(rulebook)
    except KaoheError as exc:
        raise _fail(exc) from None
    lang = ctx_lang(click.get_current_context(silent=True))
    click.echo(t("cli.say.rulebook_valid", lang, path=rulebook, name=book.name, n=len(book.rules)))
    for rid, rule in book.rules.items():
        public = t("cli.say.public", lang) if rule.public else ""
        click.echo(f"  {rid}: {rule.type} {rule.name or ''}{public}")


@rulebook_group.command("apply")
@click.argument("rulebook", type=FILE)
@click.option("--results", required=True, type=FILE, help="This cycle's results.csv.")
@click.option("--previous", type=FILE, help="The previous cycle's results.csv.")
@click.option("--history", type=FILE, help="Grade history (person_id, kind, year, unit, grade).")
@click.option("--promotions", type=FILE, help="Recorded promotions (person_id, year, unit).")
@click.option("--year", type=int, help="The year whose grades are used (default: the latest).")
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write decisions.csv, public.csv and decisions.xlsx into.",
)
def rulebook_apply(
    rulebook: Path,
    results: Path,
    previous: Path | None,
    history: Path | None,
    promotions: Path | None,
    year: int | None,
    out: Path,
) -> None:
    """Evaluate a rulebook on result files (no database); the three files appear together or
    not at all.

    \b
    Example:
      kaohe run examples/ulanqab/scheme.yaml examples/ulanqab/data.csv -o out
      kaohe rulebook apply examples/ulanqab/rulebook.yaml --results out/results.csv \\
        --previous examples/ulanqab/cadres/results_2021.csv \\
        --history examples/ulanqab/cadres/grade_history.csv \\
        --promotions examples/ulanqab/cadres/promotions.csv -o decisions/
    """
    from kaohe.io.rulebook_files import (
        load_rulebook,
        read_people_table,
        read_results_table,
        write_decisions,
    )
    from kaohe.rulebook import RulebookInputs, evaluate

    try:
        book = load_rulebook(rulebook)
        decisions = evaluate(
            book,
            RulebookInputs(
                results=read_results_table(results),
                previous=read_results_table(previous) if previous else None,
                history=read_people_table(history) if history else None,
                promotions=read_people_table(promotions) if promotions else None,
                year=year,
            ),
        )
        write_decisions(decisions, out)
    except (KaoheError, OSError) as exc:
        raise _fail(exc) from None
    lang = ctx_lang(click.get_current_context(silent=True))
    for o in decisions.outcomes:
        click.echo(f"  {o.rule}: {t('cli.say.decisions', lang, n=len(o))}")
    click.echo(t("cli.say.decisions_written", lang, n=len(decisions), path=out))


@rulebook_group.command("evaluate")
@click.argument("cycle_id", type=int)
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write decisions.csv, public.csv, decisions.xlsx and grades.xlsx here.",
)
def rulebook_evaluate(cycle_id: int, out: Path | None) -> None:
    """Evaluate the cycle's rulebook on the platform: grades and decisions recomputed from the
    stored inputs and results (as ``kaohe cadres grade``), and kept.

    \b
    Example:
      kaohe rulebook evaluate 1 -o decisions-2022/
    """
    from kaohe.web.personnel.compute import compute

    with _cycle_session(cycle_id) as (session, cycle):
        done = compute(session, cycle, "cli")
        if out is not None:
            _export(session, done.computation, out)
    click.echo(f"{done.decisions} decisions (from {done.grades} grades) kept")


COMMANDS = (cadres_group, rulebook_group)
