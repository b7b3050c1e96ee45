"""Writing a panel (several years): ``results.csv`` with a year column, ``trends.csv``,
``explain.json`` by year and ``trends.png`` (each unit's overall rank by year), all or nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from kaohe import __version__
from kaohe.i18n import t
from kaohe.io.atomic import atomic_dir
from kaohe.io.cells import safe_row
from kaohe.io.charts import pyplot, unit_label
from kaohe.io.results_files import explain_document, ranked_rows, write_document
from kaohe.panel import Panel
from kaohe.results import RESULT_COLUMNS

OUTPUT_FILES = ("results.csv", "trends.csv", "explain.json", "trends.png")
CHART_UNITS = 40  # more lines than this cannot be read


def write_panel(panel: Panel, out: str | Path, language: str | None = None) -> Path:
    """Write every panel file into the folder ``out`` atomically; return its path."""
    out = Path(out)
    with atomic_dir(out, OUTPUT_FILES) as tmp:
        write_results_csv(panel, tmp / "results.csv")
        write_trends_csv(panel, tmp / "trends.csv")
        write_explain(panel, tmp / "explain.json", language)
        chart_trends(panel, tmp / "trends.png", language)
    return out


def write_results_csv(panel: Panel, path: Path) -> None:
    """``year`` then the columns of ``kaohe run``'s results.csv, year by year in rank order."""
    columns = [*RESULT_COLUMNS, *panel.latest.dimensions]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(safe_row(["year", *columns]))
        for y in panel.years:
            for row in ranked_rows(panel.results[y]):
                w.writerow(safe_row([y, *("" if row.get(c) is None else row[c] for c in columns)]))


def write_trends_csv(panel: Panel, path: Path) -> None:
    rows = sorted(panel.trends(), key=lambda r: (r[f"rank_{panel.years[-1]}"], r["unit"]))
    columns = list(rows[0]) if rows else ["unit", "name", "category"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(safe_row(columns))
        for row in rows:
            w.writerow(safe_row("" if row[c] is None else row[c] for c in columns))


def write_explain(panel: Panel, path: Path, language: str | None = None) -> None:
    doc = {
        "generator": f"kaohe {__version__}",
        "normalise": panel.normalise,
        "years": {y: explain_document(panel.results[y], language) for y in panel.years},
    }
    write_document(doc, path)


def chart_trends(panel: Panel, path: Path, language: str | None = None) -> None:
    """Each unit's overall rank by year (best at the top), the latest best units first."""
    plt = pyplot()
    rows = sorted(panel.trends(), key=lambda r: (r[f"rank_{panel.years[-1]}"], r["unit"]))
    rows = rows[:CHART_UNITS]
    x = np.arange(len(panel.years))
    fig, ax = plt.subplots(
        figsize=(max(5.0, 1.4 * len(x) + 3), max(3.0, 0.3 * len(rows) + 1.5)), dpi=120
    )
    colours = plt.get_cmap("tab20")
    for k, r in enumerate(rows):
        ranks = [np.nan if r[f"rank_{y}"] is None else r[f"rank_{y}"] for y in panel.years]
        (line,) = ax.plot(x, ranks, "o-", linewidth=1.2, markersize=3, color=colours(k))
        ax.annotate(
            unit_label(r["name"], r["unit"]),
            (x[-1], ranks[-1]),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
            color=line.get_color(),
        )
    ax.set_xticks(x, list(panel.years))
    ax.set_xlim(-0.2, len(x) - 1 + 0.8)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.invert_yaxis()
    ax.set_xlabel(t("year", language))
    ax.set_ylabel(t("rank", language))
    ax.set_title(t("trend_title", language))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
