"""``kaohe ledgers …``: the project register and the follow-up matters on files — check them,
summarise them (stage funnels, stage counts by month, matters per unit), list what is overdue
or due soon, create the talks of the rulebook's accountability list, write blank templates.
A thin shell over :mod:`kaohe.ledgers` and :mod:`kaohe.io.ledger_files`."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table as RichTable

from kaohe.cli.main import DATE, LANG, _console, reports_errors
from kaohe.cli.words import Group
from kaohe.i18n import t
from kaohe.ledgers.report import Sheet
from kaohe.ledgers.words import word

FILE = click.Path(path_type=Path)


@click.group(cls=Group, name="ledgers", context_settings={"help_option_names": ["-h", "--help"]})
def ledgers_group() -> None:
    """The ledgers (台账): the project register and the follow-up matters.

    \b
    kaohe ledgers check     validate the files; every problem located
    kaohe ledgers summary   stage funnels per unit and task force, stage counts by month,
                            matters per unit and kind, talk lists
    kaohe ledgers overdue   matters and milestones overdue or due soon
    kaohe ledgers talks     the talks of the rulebook's accountability list, as a matters file
    kaohe ledgers template  a blank register or matters workbook

    Indicators derived from the ledgers are assessed by kaohe run … --projects … --matters ….
    """


def _scheme_option(fn: Any) -> Any:
    return click.option(
        "--scheme",
        type=FILE,
        default=None,
        help="A scheme: units are checked against it (by id or name) and shown by name.",
    )(fn)


def _files(fn: Any) -> Any:
    fn = click.option(
        "--matters", type=FILE, multiple=True, help="Follow-up matters file(s) (repeatable)."
    )(fn)
    return click.option("--projects", type=FILE, default=None, help="The project register.")(fn)


def _units(scheme: Path | None) -> tuple[Any, dict[str, str] | None]:
    if scheme is None:
        return None, None
    from kaohe.io.scheme_file import load_scheme

    s = load_scheme(scheme)
    return s, {u: x.name for u, x in s.units.items()}


def _read(
    projects: Path | None, matters: Sequence[Path], names: dict[str, str] | None
) -> tuple[Any, Any]:
    from kaohe.io.ledger_files import read_ledgers

    return read_ledgers(projects, matters, names)


def _dates(
    scheme: Any, as_of: dt.datetime | None, start: dt.datetime | None
) -> tuple[dt.date, dt.date]:
    """(start, date): the options, else the scheme's period, else today and its 1 January."""
    on = as_of.date() if as_of else None
    if on is None and scheme is not None:
        on = scheme.period.as_of or scheme.period.end
    on = on or dt.date.today()
    first = start.date() if start else (scheme.period.start if scheme is not None else None)
    return first or dt.date(on.year, 1, 1), on


def print_sheet(console: Console, sheet: Sheet) -> None:
    table = RichTable(title=sheet.title, title_justify="left", header_style="bold")
    for h in sheet.header:
        table.add_column(h, overflow="fold")
    for row in sheet.rows:
        table.add_row(*("" if c is None else str(c) for c in row))
    console.print(table)


@ledgers_group.command("check")
@_files
@_scheme_option
@LANG
@reports_errors
def check(
    projects: Path | None, matters: tuple[Path, ...], scheme: Path | None, lang: str | None
) -> None:
    """Validate a register and/or matter files, all or nothing: every problem is listed with
    its file, sheet, row and column.

    \b
    Example:
      kaohe ledgers check --projects examples/ulanqab/ledgers/projects.xlsx \\
          --matters examples/ulanqab/ledgers/matters.xlsx --scheme examples/ulanqab/scheme.yaml
    """
    if projects is None and not matters:
        raise click.UsageError(t("cli.say.give_ledgers"))
    _, names = _units(scheme)
    pf, mf = _read(projects, matters, names)
    console = _console()
    if pf is not None:
        console.print(word("rep.checked_projects", file=pf.source, n=len(pf.projects)))
    if mf is not None:
        events = sum(len(m.events) for m in mf.matters)
        console.print(
            word(
                "rep.checked_matters",
                file=mf.source,
                n=len(mf.matters),
                events=events,
                lists=len(mf.closures),
            )
        )


@ledgers_group.command("summary")
@_files
@_scheme_option
@click.option("--as-of", type=DATE, help="The date (default: the scheme's period, or today).")
@click.option("--start", type=DATE, help="Start of the period (default: the scheme's, or 1 Jan).")
@click.option(
    "--by",
    type=click.Choice(["unit", "task_force", "sector", "level"]),
    multiple=True,
    help="Funnels by these groups (default: unit and task_force).",
)
@click.option("--soon", type=int, default=7, show_default=True, help="Days counted as due soon.")
@click.option("-o", "--out", type=FILE, default=None, help="Also write the tables to .xlsx.")
@LANG
@reports_errors
def summary(
    projects: Path | None,
    matters: tuple[Path, ...],
    scheme: Path | None,
    as_of: dt.datetime | None,
    start: dt.datetime | None,
    by: tuple[str, ...],
    soon: int,
    out: Path | None,
    lang: str | None,
) -> None:
    """What the ledgers show on a date: the stage funnel (储备 签约 开工 在建 竣工 终止) per unit
    and per investment task force, with what entered each stage in the period and the
    investment; the stages at each month's end; the matters per unit and kind (done, open,
    overdue, due soon); the talk lists and whether they can be closed.

    \b
    Example:
      kaohe ledgers summary --projects examples/ulanqab/ledgers/projects.xlsx \\
          --matters examples/ulanqab/ledgers/matters.xlsx \\
          --scheme examples/ulanqab/scheme.yaml --as-of 2022-06-30 -o summary.xlsx
    """
    from kaohe.ledgers import report
    from kaohe.ledgers.frames import compile_matters, compile_projects
    from kaohe.ledgers.summary import funnel, matter_counts, talk_lists

    if projects is None and not matters:
        raise click.UsageError(t("cli.say.give_ledgers"))
    s, names = _units(scheme)
    pf, mf = _read(projects, matters, names)
    first, on = _dates(s, as_of, start)
    units = tuple(names) if names else None
    sheets: list[Sheet] = []
    if pf is not None:
        frame = compile_projects(pf.projects, units, pf.source)
        for group in by or ("unit", "task_force"):
            sheets.append(report.funnel_sheet(funnel(frame, on, group, first), names))  # type: ignore[arg-type]
        sheets.append(report.monthly_sheet(frame, first, on))
    if mf is not None:
        mframe = compile_matters(mf.matters, units, mf.source)
        sheets.append(report.matters_sheet(matter_counts(mframe, on, soon), names))
        lists = talk_lists(mf.matters, on, mf.closures)
        if lists:
            sheets.append(report.talks_sheet(lists))
    _show(sheets, out)


def _show(sheets: list[Sheet], out: Path | None) -> None:
    from kaohe.io.ledger_sheets import write_report

    console = _console()
    for sheet in sheets:
        print_sheet(console, sheet)
    if out is not None:
        write_report(sheets, out)
        console.print(word("rep.written", path=out))


@ledgers_group.command("overdue")
@click.option("--matters", type=FILE, multiple=True, required=True, help="Matter file(s).")
@_scheme_option
@click.option("--as-of", type=DATE, help="The date (default: the scheme's period, or today).")
@click.option("--soon", type=int, default=7, show_default=True, help="Days counted as due soon.")
@click.option("-o", "--out", type=FILE, default=None, help="Also write the list (.xlsx or .csv).")
@LANG
@reports_errors
def overdue(
    matters: tuple[Path, ...],
    scheme: Path | None,
    as_of: dt.datetime | None,
    soon: int,
    out: Path | None,
    lang: str | None,
) -> None:
    """Every matter overdue on the date (most overdue first) and due within --soon days, for
    each unit taking part, and the milestones not done by their date.

    \b
    Example:
      kaohe ledgers overdue --matters examples/ulanqab/ledgers/matters.xlsx \\
          --scheme examples/ulanqab/scheme.yaml --as-of 2022-09-30 --soon 14
    """
    from kaohe.ledgers.frames import compile_matters
    from kaohe.ledgers.report import due_sheet
    from kaohe.ledgers.summary import due_list

    s, names = _units(scheme)
    _, mf = _read(None, matters, names)
    _, on = _dates(s, as_of, None)
    frame = compile_matters(mf.matters, tuple(names) if names else None, mf.source)
    items = due_list(frame, on, soon)
    if not items:
        _console().print(word("rep.nothing_due"))
        return
    _show([due_sheet(items, names)], out)


@ledgers_group.command("talks")
@click.argument("decisions", type=FILE)
@click.option("--batch", required=True, help="The talk list's id, e.g. talks-2022.")
@click.option("--opened", type=DATE, required=True, help="The date the list is issued.")
@click.option("--deadline", type=DATE, required=True, help="The date every talk is due.")
@click.option("--leader", default="", help="The leader responsible for the list.")
@click.option("-o", "--out", type=FILE, required=True, help="The matters workbook to write.")
@LANG
@reports_errors
def talks(
    decisions: Path,
    batch: str,
    opened: dt.datetime,
    deadline: dt.datetime,
    leader: str,
    out: Path,
    lang: str | None,
) -> None:
    """Create the talks (谈心谈话) of the rulebook's accountability list: one pending talk per
    unit or person listed in DECISIONS (the decisions.csv of `kaohe rulebook apply`), in one
    talk list that closes only when every talk is recorded. Record each talk (who talked,
    when, the outcome) as a 谈话 event in the 进展 sheet of the file written.

    \b
    Example:
      kaohe run examples/ulanqab/scheme.yaml examples/ulanqab/data.csv -o out
      kaohe rulebook apply examples/ulanqab/rulebook.yaml --results out/results.csv \\
          --previous examples/ulanqab/cadres/results_2021.csv \\
          --history examples/ulanqab/cadres/grade_history.csv \\
          --promotions examples/ulanqab/cadres/promotions.csv -o decisions/
      kaohe ledgers talks decisions/decisions.csv --batch talks-2022 \\
          --opened 2023-01-10 --deadline 2023-02-28 -o talks.xlsx
    """
    from kaohe.io.ledger_sheets import write_matters
    from kaohe.ledgers.talks import talks_from

    sources = _talk_sources(decisions)
    matters = talks_from(sources, batch, opened.date(), deadline.date(), leader)
    write_matters(matters, out)
    _console().print(word("rep.talks_written", n=len(matters), path=out))


def _talk_sources(path: Path) -> list[Any]:
    from kaohe.errors import DataError, Issue
    from kaohe.ledgers.talks import TalkSource

    if not path.exists():
        raise DataError(Issue("file not found", file=str(path)))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    need = {"rule", "subject_kind", "subject", "name", "unit", "action", "explanation"}
    if not rows or not need <= set(rows[0]):
        missing = ", ".join(sorted(need - set(rows[0] if rows else ())))
        raise DataError(Issue(f"not a decisions.csv (missing: {missing})", file=str(path)))
    return [
        TalkSource(
            r["rule"], r["subject_kind"], r["subject"], r["name"], r["unit"], r["explanation"]
        )
        for r in rows
        if r["action"] == "talk"
    ]


@ledgers_group.command("template")
@click.argument("kind", type=click.Choice(["projects", "matters"]))
@click.option("--year", type=int, help="Add a column of completed investment for each month.")
@click.option("-o", "--out", type=FILE, required=True, help="The .xlsx file to write.")
@LANG
@reports_errors
def template(kind: str, year: int | None, out: Path, lang: str | None) -> None:
    """Write a blank register (projects) or matters workbook, headers in the language chosen
    with their keys (``签约日期 [signed_on]``), and the choices of the list columns.

    \b
    Example:
      kaohe ledgers template projects --year 2022 -o 项目台账.xlsx
      kaohe ledgers template matters -o 督办事项.xlsx
    """
    from kaohe.io.ledger_sheets import write_template

    months = [f"{year}-{m:02d}" for m in range(1, 13)] if year else []
    write_template(kind, out, months)  # type: ignore[arg-type]
    _console().print(word("rep.written", path=out))
