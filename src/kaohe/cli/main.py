"""The ``kaohe`` command: a thin shell over the library. Only here do errors become messages."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from kaohe import __version__
from kaohe.cli.words import META, Group, lang_of
from kaohe.errors import KaoheError

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])

#: The platform's commands: name → (module, attribute). They are imported only when run (or
#: asked for help), so that the engine's commands and ``kaohe --help`` do not load the web stack;
#: their lines in ``kaohe --help`` are the catalogue's (``cli.help.<name>``, kaohe.cli.words).
PLATFORM_COMMANDS: dict[str, tuple[str, str]] = {
    "audit": ("kaohe.cli.platform", "audit_group"),
    "backup": ("kaohe.cli.platform", "backup_command"),
    "cadres": ("kaohe.cli.personnel", "cadres_group"),
    "cycle": ("kaohe.cli.platform", "cycle_group"),
    "db": ("kaohe.cli.platform", "db"),
    "ledgers": ("kaohe.cli.ledgers", "ledgers_group"),
    "demo": ("kaohe.cli.platform", "demo"),
    "restore": ("kaohe.cli.platform", "restore_command"),
    "rulebook": ("kaohe.cli.personnel", "rulebook_group"),
    "serve": ("kaohe.cli.platform", "serve"),
    "users": ("kaohe.cli.platform", "users"),
}


class _Kaohe(Group):
    """The ``kaohe`` group: the engine's commands, and the platform's imported on first use;
    every help in the language of ``--lang`` (anywhere on the line), else ``KAOHE_LANG``."""

    root = True

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[META] = lang_of(args)
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *PLATFORM_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in PLATFORM_COMMANDS:
            import importlib

            module, attr = PLATFORM_COMMANDS[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)


LANG = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Language of labels (default: KAOHE_LANG or zh).",
)


#: A date option's type: ``2022-12-31``.
DATE = click.DateTime(formats=["%Y-%m-%d"])


def ledger_options(fn: F) -> F:
    """``--projects``, ``--matters`` and ``--as-of``: the ledgers the scheme's derived
    indicators (``derive:``) are counted from (see docs/ledgers.md)."""
    fn = click.option(
        "--as-of",
        type=DATE,
        default=None,
        help="Count the ledgers on this date, e.g. 2022-12-31 (default: the scheme's period).",
    )(fn)
    fn = click.option(
        "--matters",
        type=click.Path(path_type=Path),
        multiple=True,
        help="Follow-up matters workbook (or CSV tables); may be repeated.",
    )(fn)
    return click.option(
        "--projects",
        type=click.Path(path_type=Path),
        default=None,
        help="The project register (Excel or CSV).",
    )(fn)


def last_year_option(fn: F) -> F:
    """``--last-year``: last year's data file, the previous values of the indicators that read
    them (``previous_from: last_year``; see docs/scheme.md)."""
    return click.option(
        "--last-year",
        "last_year",
        type=click.Path(path_type=Path),
        default=None,
        help="Last year's data file (the same layout): the previous value of every indicator "
        "with previous_from: last_year.",
    )(fn)


def _with_last_year(scheme: Any, path: Path | None) -> Any:
    """The scheme with last year's values read from ``path`` as the previous values of the
    indicators that read them (the scheme as it is without a file)."""
    from kaohe.monitoring.last_year import last_year_values, reads_last_year, with_last_year

    if path is None or not reads_last_year(scheme):
        return scheme
    from kaohe.io.data_files import load_data

    # read against this year's scheme, a gap allowed anywhere (only some columns are read)
    lenient = {
        iid: ind.model_copy(update={"missing": "renormalise"})
        if ind.effective_kind == "base"
        else ind
        for iid, ind in scheme.indicators.items()
    }
    last, _ = load_data(scheme.model_copy(update={"indicators": lenient}), path)
    return with_last_year(scheme, last_year_values(scheme, last))


def out_option(help: str) -> Callable[[F], F]:
    """The required ``-o/--out`` path of the commands that write."""
    return click.option("-o", "--out", type=click.Path(path_type=Path), required=True, help=help)


def _console() -> Console:
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:  # piped or captured: rich would assume 80 columns and crop
        console = Console(highlight=False, soft_wrap=False, width=max(console.width, 160))
    return console


def _err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def reports_errors(fn: F) -> F:
    """Turn the library's named errors into a list of problems on stderr and exit code 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from kaohe.cli.terminal import print_issues
        from kaohe.i18n import language

        ctx = click.get_current_context(silent=True)
        chosen = kwargs.get("lang") or (ctx.find_root().meta.get(META) if ctx else None)
        with language(chosen):  # --lang, else KAOHE_LANG, else Chinese
            try:
                return fn(*args, **kwargs)
            except KaoheError as exc:  # the problems said in the language chosen, too
                print_issues(_err_console(), exc.issues, "errors_found", chosen)
                sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group(cls=_Kaohe, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kaohe")
def main() -> None:
    """Kaohe (考核): differentiated performance assessment.

    \b
    Scheme (YAML) + data (CSV/Excel) → points, ranks, quota grades, explanations.
    Start with:  kaohe run examples/ulanqab/scheme.yaml examples/ulanqab/data.xlsx -o out
    """


def _warn(warnings: list[Any], lang: str | None) -> None:
    if warnings:
        from kaohe.cli.terminal import print_issues

        print_issues(_err_console(), warnings, "warnings_found", lang, style="yellow")


def _load(scheme_path: Path, data_path: Path, lang: str | None, **ledgers: Any) -> Any:
    from kaohe.engine import assess
    from kaohe.io.scheme_file import load_scheme

    scheme = _with_last_year(load_scheme(scheme_path), ledgers.pop("last_year", None))
    data, warnings = _data(scheme, data_path, **ledgers)
    _warn(warnings, lang)
    return assess(scheme, data)


def _data(
    scheme: Any,
    data_path: Path,
    projects: Path | None = None,
    matters: tuple[Path, ...] = (),
    as_of: Any = None,
) -> Any:
    """The dataset, with the indicators derived from the ledgers when there are any."""
    from kaohe.io.data_files import load_data
    from kaohe.io.ledger_files import load_assessment_data
    from kaohe.ledgers.derive import derived_indicators

    if projects is None and not matters and not derived_indicators(scheme):
        return load_data(scheme, data_path)
    day = as_of.date() if as_of is not None else None
    return load_assessment_data(scheme, data_path, projects, matters, day)


@main.command()
@click.argument("scheme", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path))
@out_option("Folder to write results.csv, results.xlsx and explain.json into.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the ranking tables.")
@ledger_options
@last_year_option
@LANG
@reports_errors
def run(scheme: Path, data: Path, out: Path, quiet: bool, lang: str | None, **ledgers: Any) -> None:
    """Assess: compute every unit's points, ranks and grade, and write the results.

    \b
    Writes, all or nothing:
      OUT/results.csv   one row per unit (UTF-8, full precision)
      OUT/results.xlsx  the same for print, one sheet per category, and every indicator's points
      OUT/explain.json  every unit's every point, line by line, and its grade decision

    \b
    Indicators the scheme derives from a ledger (derive:) are counted from
    --projects (the register) and --matters (follow-up matters) on --as-of.

    \b
    Example:
      kaohe run examples/ulanqab/scheme.yaml examples/ulanqab/data.xlsx -o out
      kaohe run examples/ulanqab/ledgers/scheme.yaml examples/ulanqab/ledgers/data.csv \\
          --projects examples/ulanqab/ledgers/projects.xlsx \\
          --matters examples/ulanqab/ledgers/matters.xlsx -o out-ledgers
    """
    from kaohe.cli.terminal import print_ranking
    from kaohe.i18n import t
    from kaohe.io.results_files import write_results

    results = _load(scheme, data, lang, **ledgers)
    write_results(results, out, lang)
    console = _console()
    if not quiet:
        print_ranking(console, results, lang)
    console.print(t("written", lang, path=out))


@main.command()
@click.argument("scheme", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path), required=False)
@ledger_options
@LANG
@reports_errors
def check(scheme: Path, data: Path | None, lang: str | None, **ledgers: Any) -> None:
    """Validate a scheme (and, if given, a data file) without computing.

    \b
    Every problem is listed with its file, line or sheet/row/column, and field, e.g.
      scheme.yaml:42: indicators.gdp_growth.weights.ecology: weight must be ≥ 0, got -3

    \b
    Example:
      kaohe check examples/ulanqab/scheme.yaml examples/ulanqab/data.xlsx
    """
    from kaohe.i18n import t
    from kaohe.io.scheme_file import load_scheme

    s = load_scheme(scheme)
    console = _console()
    console.print(
        t(
            "scheme_ok",
            lang,
            units=len(s.units),
            categories=len(s.categories),
            indicators=len(s.indicators),
        )
    )
    if data is not None:
        ds, warnings = _data(s, data, **ledgers)
        _warn(warnings, lang)
        console.print(t("data_ok", lang, cells=int((ds.status == 0).sum())))
    elif ledgers.get("projects") is not None or ledgers.get("matters"):
        from kaohe.io.ledger_files import load_ledgers

        load_ledgers(s, ledgers.get("projects"), ledgers.get("matters") or ())


@main.command()
@click.argument("scheme", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path))
@click.argument("unit")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@ledger_options
@last_year_option
@LANG
@reports_errors
def explain(
    scheme: Path, data: Path, unit: str, as_json: bool, lang: str | None, **ledgers: Any
) -> None:
    """Print one unit's full explanation: every indicator's value, rule, arithmetic and points,
    every subtotal, why it got its grade, and its gaps (晒差距): what each single indicator would
    take to move it up one place or one grade. UNIT is the unit's id or name.

    A value derived from a ledger lists the records that made it (--json: all of them).

    \b
    Example:
      kaohe explain examples/ulanqab/scheme.yaml examples/ulanqab/data.xlsx 集宁区
      kaohe explain examples/ulanqab/ledgers/scheme.yaml examples/ulanqab/ledgers/data.csv \\
          集宁区 --projects examples/ulanqab/ledgers/projects.xlsx \\
          --matters examples/ulanqab/ledgers/matters.xlsx
    """
    from kaohe.cli.terminal import print_derivations, print_explanation, print_gaps

    results = _load(scheme, data, lang, **ledgers)
    e = results.explain(unit)
    gaps = results.gaps(unit)
    if as_json:
        doc = e.to_dict()
        doc["gaps"] = [
            {**vars(g), "place_change": g.place_change, "grade_change": g.grade_change}
            for g in gaps
        ]
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    console = _console()
    print_explanation(console, results, e, lang)
    print_derivations(console, e)
    print_gaps(console, results, gaps, lang)


@main.command()
@click.argument("scheme", type=click.Path(path_type=Path))
@click.argument("data", nargs=-1, required=True)
@out_option("Folder to write results.csv, trends.csv, explain.json and trends.png into.")
@click.option(
    "--normalise",
    type=click.Choice(["within", "across"]),
    default=None,
    help="Peers within each year, or all years together (default: the scheme's panel.normalise).",
)
@click.option("-q", "--quiet", is_flag=True, help="Do not print the trends table.")
@LANG
@reports_errors
def panel(
    scheme: Path,
    data: tuple[str, ...],
    out: Path,
    normalise: str | None,
    quiet: bool,
    lang: str | None,
) -> None:
    """Assess several years with one scheme, and the trends across them.

    DATA is one or more files with a year column (year or 年度), or files given as YEAR=FILE.

    \b
    Writes, all or nothing:
      OUT/results.csv   every year's results, with a year column
      OUT/trends.csv    per unit: score and ranks by year, change, rank change, CAGR
      OUT/explain.json  every year's explanations
      OUT/trends.png    each unit's overall rank by year

    \b
    Example:
      kaohe panel examples/ulanqab/scheme.yaml examples/ulanqab/panel.csv -o panel
      kaohe panel SCHEME 2024=data2024.xlsx 2025=data2025.xlsx -o out    # one file a year
    """
    from kaohe.cli.terminal import print_trends
    from kaohe.i18n import t
    from kaohe.io.data_files import load_panel
    from kaohe.io.panel_files import write_panel
    from kaohe.io.scheme_file import load_scheme
    from kaohe.panel import assess_panel

    s = load_scheme(scheme)
    datasets, warnings = load_panel(s, data)
    _warn(warnings, lang)
    result = assess_panel(s, datasets, normalise)
    write_panel(result, out, lang)
    console = _console()
    if not quiet:
        print_trends(console, result, lang)
    console.print(t("panel_written", lang, years=len(result.years), path=out))


@main.command()
@click.argument("scheme", type=click.Path(path_type=Path))
@out_option("The .xlsx file to write.")
@LANG
@reports_errors
def template(scheme: Path, out: Path, lang: str | None) -> None:
    """Write a data-entry workbook for a scheme: one sheet per owner department with only its
    indicators, units as rows, units of measure in the headers, and Excel validation.

    \b
    Example:
      kaohe template examples/ulanqab/scheme.yaml -o 填报模板.xlsx
    """
    from kaohe.i18n import t
    from kaohe.io.scheme_file import load_scheme
    from kaohe.io.template import write_template

    if out.suffix.lower() != ".xlsx":
        raise click.BadParameter(t("cli.say.template_xlsx", lang), param_hint="--out")
    write_template(load_scheme(scheme), out)
    _console().print(t("template_written", lang, path=out))


@main.command()
@click.argument("scheme", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path))
@out_option("Folder for ranks.csv, sensitivity.csv, robustness.json and the charts.")
@click.option("--samples", type=int, help="Monte Carlo samples (scheme or 1000).")
@click.option("--seed", type=int, help="Random seed (scheme or 1): same seed, same results.")
@click.option(
    "--weights",
    type=click.Choice(["dirichlet", "uniform", "none"]),
    help="How weights vary: on the simplex around nominal, ± a range, or not at all.",
)
@click.option("--concentration", type=float, help="Dirichlet concentration (larger: closer).")
@click.option("--range", "range_", type=float, help="Uniform half-range, e.g. 0.25 for ±25%.")
@click.option(
    "--level", type=click.Choice(["indicators", "dimensions", "all"]), help="Which weights vary."
)
@click.option("--normalisation", help="Alternative normalisations, e.g. minmax,zscore.")
@click.option("--aggregation", help="Alternative aggregations, e.g. mean,geometric.")
@click.option("--imputation", help="Alternative imputations, e.g. none,median.")
@click.option(
    "--treatment", type=click.Choice(["none"]), help="Also try without outlier treatment."
)
@click.option(
    "--drop",
    type=click.Choice(["none", "indicators", "dimensions"]),
    help="Drop one indicator (or dimension) at a time.",
)
@click.option(
    "--sensitivity",
    "sens",
    type=int,
    help="Also run the Sobol sensitivity analysis with N base samples.",
)
@click.option("--top", help="Top-k probabilities to report, e.g. 1,3,10.")
@ledger_options
@LANG
@reports_errors
def robustness(
    scheme: Path,
    data: Path,
    out: Path,
    samples: int | None,
    seed: int | None,
    weights: str | None,
    concentration: float | None,
    range_: float | None,
    level: str | None,
    normalisation: str | None,
    aggregation: str | None,
    imputation: str | None,
    treatment: str | None,
    drop: str | None,
    sens: int | None,
    top: str | None,
    lang: str | None,
    **ledgers: Any,
) -> None:
    """How robust is every rank? Uncertainty analysis (rank intervals, grade and top-k
    probabilities) and, with --sensitivity, Sobol sensitivity indices of every uncertain input.

    \b
    The scheme's `robustness:` section sets the defaults; these options override it.
    Writes OUT/ranks.csv, OUT/robustness.json, OUT/rank_intervals.png (and, with
    --sensitivity, OUT/sensitivity.csv and OUT/sensitivity.png), all or nothing.

    \b
    Example:
      kaohe robustness examples/ulanqab/scheme.yaml examples/ulanqab/data.xlsx -o robust \\
          --samples 5000 --drop dimensions --sensitivity 256
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from kaohe.i18n import t
    from kaohe.io.robustness_files import write_robustness
    from kaohe.io.scheme_file import load_scheme
    from kaohe.robustness.analysis import analyse
    from kaohe.robustness.options import spec_with

    s = load_scheme(scheme)
    ds, warnings = _data(s, data, **ledgers)
    _warn(warnings, lang)
    spec = spec_with(
        s.robustness,
        samples=samples,
        seed=seed,
        weights=weights,
        concentration=concentration,
        range_=range_,
        level=level,
        normalisation=normalisation,
        aggregation=aggregation,
        imputation=imputation,
        treatment=treatment,
        drop=drop,
        sensitivity=sens,
        top=top,
    )
    console = _console()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(t("robustness_progress", lang), total=0)

        class Bar:
            def expect(self, n: int) -> None:
                bar.update(task, total=(bar.tasks[0].total or 0) + n)

            def advance(self, n: int) -> None:
                bar.advance(task, n)

        rr = analyse(s, ds, spec, progress=Bar())
    write_robustness(rr, out, lang)
    from kaohe.cli.terminal import print_robustness

    print_robustness(console, rr, lang)
    console.print(t("robustness_written", lang, path=out))


@main.command()
@click.argument("scheme", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path), required=False)
@out_option("Folder to write report.html, report.pdf, report.xlsx (and report.docx) into.")
@click.option(
    "--date",
    "date_",
    help="The report's date, YYYY-MM-DD (default: SOURCE_DATE_EPOCH, else today).",
)
@click.option(
    "--robustness",
    "samples",
    type=click.IntRange(min=10),
    help="Add the robustness summary from N Monte Carlo samples "
    "(the scheme's robustness: settings).",
)
@click.option(
    "--gaps",
    "gaps_per_unit",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Per unit, the indicators furthest below the category's best whose exact gap is computed "
    "(0: none; each is a search with the engine).",
)
@click.option(
    "--rulebook",
    type=click.Path(path_type=Path),
    help="The results rulebook: its public decisions.",
)
@click.option(
    "--previous",
    type=click.Path(path_type=Path),
    help="With --rulebook: the previous cycle's results.csv.",
)
@click.option(
    "--history", type=click.Path(path_type=Path), help="With --rulebook: grade history of people."
)
@click.option(
    "--promotions", type=click.Path(path_type=Path), help="With --rulebook: recorded promotions."
)
@click.option("--year", type=int, help="With --rulebook: the year whose grades are used.")
@click.option(
    "--series",
    type=click.Path(path_type=Path),
    help="The year's monitoring series (as kaohe monitor reads it): each unit's progress.",
)
@click.option(
    "--series-previous",
    "series_previous",
    type=click.Path(path_type=Path),
    help="With --series: last year's series, for year-on-year growth.",
)
@click.option(
    "--period", help="With --series: the period shown (default: the latest with a value)."
)
@click.option("--docx", "with_docx", is_flag=True, help="Also write report.docx (for editing).")
@click.option(
    "--no-pdf", is_flag=True, help="Do not write report.pdf (no Typst or CJK font on this machine)."
)
@LANG
@reports_errors
def report(
    scheme: Path,
    data: Path | None,
    out: Path,
    date_: str | None,
    samples: int | None,
    gaps_per_unit: int,
    rulebook: Path | None,
    previous: Path | None,
    history: Path | None,
    promotions: Path | None,
    year: int | None,
    series: Path | None,
    series_previous: Path | None,
    period: str | None,
    with_docx: bool,
    no_pdf: bool,
    lang: str | None,
) -> None:
    """Write the annual report: the method, the rankings and grades of each category with the
    quota arithmetic, a page per unit (points against the category's best and median, a radar,
    strengths, exact gaps, the year's monitoring with --series), the rulebook's public decisions
    and the robustness summary.

    \b
    Writes, all or nothing:
      OUT/report.html   self-contained (inline CSS and SVG charts, nothing fetched)
      OUT/report.pdf    A4, contents page, page numbers, the CJK font embedded
      OUT/report.xlsx   results and points, native Excel charts, frozen headers, print areas
      OUT/report.docx   with --docx: the text and tables, to edit

    \b
    The first page and each file's metadata carry Kaohe's version, the SHA-256 of every input
    and the date: the same inputs and date give byte-identical HTML and XLSX.

    With a cycle's number instead of SCHEME DATA: the report of that cycle of the platform
    (KAOHE_DATABASE_URL), of its latest computed result.

    \b
    Example:
      kaohe report examples/ulanqab/scheme.yaml examples/ulanqab/data.xlsx -o report \\
          --rulebook examples/ulanqab/rulebook.yaml \\
          --previous examples/ulanqab/cadres/results_2021.csv \\
          --history examples/ulanqab/cadres/grade_history.csv \\
          --promotions examples/ulanqab/cadres/promotions.csv --robustness 1000 --docx
      kaohe report 1 -o report-cycle-1
    """
    from kaohe.i18n import lang as current_lang
    from kaohe.i18n import t
    from kaohe.report.files import provenance, report_date, write_report

    when = report_date(date_)
    if data is None:
        _cycle_report(str(scheme), out, when, lang or current_lang(), no_pdf, with_docx)
        return
    results = _load(scheme, data, lang)
    inputs = [("scheme", scheme), ("data", data)]
    decisions = book = None
    if rulebook is not None:
        book, decisions = _rulebook_decisions(
            results, rulebook, previous, history, promotions, year
        )
        inputs += [
            (role, p)
            for role, p in (
                ("rulebook", rulebook),
                ("previous", previous),
                ("history", history),
                ("promotions", promotions),
            )
            if p
        ]
    elif any((previous, history, promotions, year)):
        raise click.UsageError(t("cli.say.with_rulebook", lang))
    robust = _robustness_of(results, samples) if samples else None
    if series is None and (series_previous or period):
        raise click.UsageError(t("cli.say.with_series", lang))
    mon = None
    if series is not None:
        mon = _monitor_of(scheme, series, series_previous, period, None, lang)
        inputs += [
            (role, p) for role, p in (("series", series), ("series_previous", series_previous)) if p
        ]
    from kaohe.report.content import build_report

    content = build_report(
        results,
        provenance(inputs, when),
        lang or current_lang(),
        gaps_per_unit=gaps_per_unit,
        decisions=decisions,
        rulebook=book,
        robustness=robust,
    )
    if mon is not None:
        from kaohe.report.progress import with_progress

        content = with_progress(content, mon)
    _print_written(write_report(content, out, pdf=not no_pdf, docx=with_docx), out, lang)


def _print_written(written: Any, out: Path, lang: str | None) -> None:
    from kaohe.i18n import t

    console = _console()
    for name, seconds in written.seconds.items():
        pages = t("cli.say.pages", lang, n=written.pages) if name == "report.pdf" else ""
        console.print(f"  {name}: {t('cli.say.seconds', lang, s=f'{seconds:.2f}')}{pages}")
    console.print(t("report_written", lang, path=out))


def _cycle_report(
    cycle_id: str, out: Path, when: Any, lang: str, no_pdf: bool, with_docx: bool
) -> None:
    """``kaohe report CYCLE``: the report of a platform cycle's latest result."""
    from kaohe.cli.database import transaction
    from kaohe.i18n import t
    from kaohe.report.files import write_report
    from kaohe.web.results.report import ReportError, cycle_report
    from kaohe.web.store.models import Cycle

    if not cycle_id.isdigit():
        raise click.UsageError(t("report.platform.usage", lang))
    with transaction() as session:
        cycle = session.get(Cycle, int(cycle_id))
        if cycle is None:
            raise click.ClickException(t("report.platform.no_cycle", lang, id=cycle_id))
        try:
            content = cycle_report(session, cycle, lang, when)
        except ReportError as exc:
            raise click.ClickException(exc.text(lang)) from None
    _print_written(write_report(content, out, pdf=not no_pdf, docx=with_docx), out, lang)


def _rulebook_decisions(
    results: Any,
    path: Path,
    previous: Path | None,
    history: Path | None,
    promotions: Path | None,
    year: int | None,
) -> tuple[Any, Any]:
    from kaohe.io.rulebook_files import load_rulebook, read_people_table, read_results_table
    from kaohe.rulebook import RulebookInputs, evaluate

    book = load_rulebook(path)
    decisions = evaluate(
        book,
        RulebookInputs(
            results=results,
            previous=read_results_table(previous) if previous else None,
            history=read_people_table(history) if history else None,
            promotions=read_people_table(promotions) if promotions else None,
            year=year,
        ),
    )
    return book, decisions


def _robustness_of(results: Any, samples: int) -> Any:
    from kaohe.robustness.analysis import analyse
    from kaohe.robustness.options import spec_with

    spec = spec_with(results.scheme.robustness, samples=samples)
    return analyse(results.scheme, results.data, spec)


@main.command()
@click.argument("scheme", type=click.Path(path_type=Path))
@click.argument("series", type=click.Path(path_type=Path))
@out_option(
    "Folder to write warnings.csv, data_warnings.csv, provisional.csv, provisional.json, "
    "monitor.xlsx and charts/ into."
)
@click.option(
    "--previous",
    type=click.Path(path_type=Path),
    help="Last year's series (the same layout), for year-on-year growth and last year's shape.",
)
@click.option(
    "--period", help="The period monitored, by id or name (default: the latest with a value)."
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The day of the late check (default: the day after the period's deadline).",
)
@click.option("-q", "--quiet", is_flag=True, help="Do not print the summary and the ranking.")
@last_year_option
@LANG
@reports_errors
def monitor(
    scheme: Path,
    series: Path,
    out: Path,
    previous: Path | None,
    period: str | None,
    as_of: Any,
    quiet: bool,
    last_year: Path | None,
    lang: str | None,
) -> None:
    """Monitor a year (调度与预警): progress of every unit on every dispatched indicator against
    its time-proportional target, warnings in green, amber and red with their reasons, warnings
    about the data (late, decreasing, jumps), and the provisional ranking at the period.

    SERIES is a long table (CSV or Excel): unit, indicator, period, value (reported optional);
    the scheme's monitoring section declares the periods and the dispatched indicators.

    \b
    Writes, all or nothing:
      OUT/warnings.csv       every unit × indicator × period up to the period, with the reason
      OUT/data_warnings.csv  late values, decreasing cumulative values, jumps
      OUT/provisional.csv    the provisional ranking (marked provisional; not the year's result)
      OUT/provisional.json   its explanations
      OUT/monitor.xlsx       the same for print, the period's red warnings first
      OUT/charts/*.png       per indicator, a line per unit against its target path

    \b
    Example:
      kaohe monitor examples/ulanqab/scheme.yaml examples/ulanqab/dispatch.csv -o monitor \\
          --previous examples/ulanqab/dispatch_2021.csv --period 2022-06
    """
    from kaohe.cli.terminal import print_monitor
    from kaohe.i18n import t
    from kaohe.io.monitor_files import write_monitor
    from kaohe.monitoring.provisional import assess_provisional

    m = _monitor_of(scheme, series, previous, period, as_of, lang, last_year)
    prov = assess_provisional(m)
    write_monitor(m, prov, out, lang)
    console = _console()
    if not quiet:
        print_monitor(console, m, prov, lang)
    reds = sum(w.colour == "red" for w in m.warnings())
    console.print(
        t(
            "monitor.written",
            lang,
            path=out,
            warnings=len(m.warnings()),
            red=reds,
            data=len(m.data_warnings()),
        )
    )


def _monitor_of(
    scheme: Path,
    series: Path,
    previous: Path | None,
    period: str | None,
    as_of: Any,
    lang: str | None,
    last_year_data: Path | None = None,
) -> Any:
    """The monitoring of the scheme's year from its series files (``kaohe monitor``, ``kaohe
    report --series``), its reading warnings printed; ``last_year_data``: last year's annual
    data file, for the provisional assessment's previous values (``--last-year``)."""
    from kaohe.io.scheme_file import load_scheme
    from kaohe.io.series_files import load_series, period_index
    from kaohe.monitoring.monitor import monitor as run_monitor
    from kaohe.monitoring.plan import compile_monitor

    plan = compile_monitor(_with_last_year(load_scheme(scheme), last_year_data))
    values, warnings = load_series(plan, series)
    last_year = None
    if previous is not None:
        last_year, more = load_series(plan, previous, year_shift=1)
        warnings += more
    _warn(warnings, lang)
    current = None if period is None else period_index(plan, period)
    return run_monitor(plan, values, last_year, current, as_of.date() if as_of else None)


if __name__ == "__main__":  # pragma: no cover
    main()
