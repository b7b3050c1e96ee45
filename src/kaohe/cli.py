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
from kaohe.errors import KaoheError

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])

#: The platform's commands: name → (module, attribute, the first paragraph of its help).
#: They are imported only when run (or asked for help), so that the engine's commands and
#: ``kaohe --help`` do not load the web stack; a test checks the lines match the commands.
PLATFORM_COMMANDS: dict[str, tuple[str, str, str]] = {
    "audit": ("kaohe.web.commands", "audit_group", "The audit log: ``kaohe audit verify``."),
    "backup": (
        "kaohe.web.commands",
        "backup_command",
        (
            "Write the whole database (KAOHE_DATABASE_URL) into FILE: every table's rows "
            "read at one instant, the schema revision and a SHA-256 of the content; FILE "
            "appears complete or not at all (an existing FILE is replaced)."
        ),
    ),
    "cadres": (
        "kaohe.web.personnel_commands",
        "cadres_group",
        "Leadership teams and cadres on the platform: ``kaohe cadres import|grade``.",
    ),
    "cycle": (
        "kaohe.web.commands",
        "cycle_group",
        "A cycle as files: ``kaohe cycle export`` / ``kaohe cycle import``.",
    ),
    "db": ("kaohe.web.commands", "db", "The database: ``kaohe db upgrade``."),
    "demo": (
        "kaohe.web.commands",
        "demo",
        (
            "A fresh demo: the Ulanqab example with a year of illustrative data entered, "
            "reviewed, computed and published, an account for every role; then serve the "
            "site."
        ),
    ),
    "restore": (
        "kaohe.web.commands",
        "restore_command",
        (
            "Load a backup FILE into the database of KAOHE_DATABASE_URL, all or nothing: "
            "its checksum and schema revision are checked, a new database is created at the"
            " backup's schema, and the result is identical to the database that was backed "
            "up."
        ),
    ),
    "rulebook": (
        "kaohe.web.personnel_commands",
        "rulebook_group",
        "The results rulebook (考核结果运用): ``kaohe rulebook check|apply|evaluate``.",
    ),
    "serve": (
        "kaohe.web.commands",
        "serve",
        "Serve the platform on the database of KAOHE_DATABASE_URL (default: SQLite kaohe.db).",
    ),
    "users": ("kaohe.web.commands", "users", "Accounts: add, disable, enable, reset-password."),
}


class _Kaohe(click.Group):
    """The ``kaohe`` group: the engine's commands, and the platform's imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *PLATFORM_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in PLATFORM_COMMANDS:
            import importlib

            module, attr, _ = PLATFORM_COMMANDS[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(n) for n in self.list_commands(ctx))
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                rows.append((name, self.commands[name].get_short_help_str(limit)))
            else:
                stub = click.Command(name, help=PLATFORM_COMMANDS[name][2])
                rows.append((name, stub.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


LANG = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Language of labels (default: KAOHE_LANG or zh).",
)


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
        from kaohe.i18n import language
        from kaohe.terminal import print_issues

        try:
            with language(kwargs.get("lang")):  # --lang, else KAOHE_LANG, else Chinese
                return fn(*args, **kwargs)
        except KaoheError as exc:
            print_issues(_err_console(), exc.issues, "errors_found", kwargs.get("lang"))
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
        from kaohe.terminal import print_issues

        print_issues(_err_console(), warnings, "warnings_found", lang, style="yellow")


def _load(scheme_path: Path, data_path: Path, lang: str | None) -> Any:
    from kaohe.engine import assess
    from kaohe.io.data_files import load_data
    from kaohe.io.scheme_file import load_scheme

    scheme = load_scheme(scheme_path)
    data, warnings = load_data(scheme, data_path)
    _warn(warnings, lang)
    return assess(scheme, data)


@main.command()
@click.argument("scheme", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path))
@out_option("Folder to write results.csv, results.xlsx and explain.json into.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the ranking tables.")
@LANG
@reports_errors
def run(scheme: Path, data: Path, out: Path, quiet: bool, lang: str | None) -> None:
    """Assess: compute every unit's points, ranks and grade, and write the results.

    \b
    Writes, all or nothing:
      OUT/results.csv   one row per unit (UTF-8, full precision)
      OUT/results.xlsx  the same for print, one sheet per category, and every indicator's points
      OUT/explain.json  every unit's every point, line by line, and its grade decision

    \b
    Example:
      kaohe run examples/ulanqab/scheme.yaml examples/ulanqab/data.xlsx -o out
    """
    from kaohe.i18n import t
    from kaohe.io.results_files import write_results
    from kaohe.terminal import print_ranking

    results = _load(scheme, data, lang)
    write_results(results, out, lang)
    console = _console()
    if not quiet:
        print_ranking(console, results, lang)
    console.print(t("written", lang, path=out))


@main.command()
@click.argument("scheme", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path), required=False)
@LANG
@reports_errors
def check(scheme: Path, data: Path | None, lang: str | None) -> None:
    """Validate a scheme (and, if given, a data file) without computing.

    \b
    Every problem is listed with its file, line or sheet/row/column, and field, e.g.
      scheme.yaml:42: indicators.gdp_growth.weights.ecology: weight must be ≥ 0, got -3

    \b
    Example:
      kaohe check examples/ulanqab/scheme.yaml examples/ulanqab/data.xlsx
    """
    from kaohe.i18n import t
    from kaohe.io.data_files import load_data
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
        ds, warnings = load_data(s, data)
        _warn(warnings, lang)
        console.print(t("data_ok", lang, cells=int((ds.status == 0).sum())))


@main.command()
@click.argument("scheme", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path))
@click.argument("unit")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@LANG
@reports_errors
def explain(scheme: Path, data: Path, unit: str, as_json: bool, lang: str | None) -> None:
    """Print one unit's full explanation: every indicator's value, rule, arithmetic and points,
    every subtotal, why it got its grade, and its gaps (晒差距): what each single indicator would
    take to move it up one place or one grade. UNIT is the unit's id or name.

    \b
    Example:
      kaohe explain examples/ulanqab/scheme.yaml examples/ulanqab/data.xlsx 集宁区
    """
    from kaohe.terminal import print_explanation, print_gaps

    results = _load(scheme, data, lang)
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
      kaohe panel examples/ulanqab/scheme.yaml 2024=data2024.xlsx 2025=data2025.xlsx -o out
    """
    from kaohe.i18n import t
    from kaohe.io.data_files import load_panel
    from kaohe.io.panel_files import write_panel
    from kaohe.io.scheme_file import load_scheme
    from kaohe.panel import assess_panel
    from kaohe.terminal import print_trends

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
        raise click.BadParameter(
            "the template is an Excel workbook: give a .xlsx file name", param_hint="--out"
        )
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
    from kaohe.io.data_files import load_data
    from kaohe.io.robustness_files import write_robustness
    from kaohe.io.scheme_file import load_scheme
    from kaohe.robustness.analysis import analyse
    from kaohe.robustness.options import spec_with

    s = load_scheme(scheme)
    ds, warnings = load_data(s, data)
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
    from kaohe.terminal import print_robustness

    print_robustness(console, rr, lang)
    console.print(t("robustness_written", lang, path=out))


if __name__ == "__main__":  # pragma: no cover
    main()
