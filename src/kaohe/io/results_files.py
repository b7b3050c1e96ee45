"""Writing results: ``results.csv``, ``results.xlsx`` and ``explain.json``, all or nothing.

The CSV keeps full precision (every float written so that it reads back identical); the
workbook is for print, rounded to the scheme's ``decimals``, with Chinese headers (or English).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from kaohe import __version__
from kaohe.i18n import t
from kaohe.io.atomic import atomic_dir
from kaohe.io.cells import safe_row, safe_text
from kaohe.results import RESULT_COLUMNS, Results

OUTPUT_FILES = ("results.csv", "results.xlsx", "explain.json")


def write_results(results: Results, out: str | Path, language: str | None = None) -> Path:
    """Write every results file into the folder ``out`` atomically; return its path."""
    out = Path(out)
    with atomic_dir(out, OUTPUT_FILES) as tmp:
        write_csv(results, tmp / "results.csv")
        write_xlsx(results, tmp / "results.xlsx", language)
        write_explain(results, tmp / "explain.json", language)
    return out


def ranked_rows(results: Results) -> list[dict[str, Any]]:
    """Rows in reading order: by overall rank, then category order, then unit id."""
    rows = results.rows()
    cat_order = {c: k for k, c in enumerate(results.scheme.categories)}
    return sorted(rows, key=lambda r: (r["rank"], cat_order[r["category"]], r["unit"]))


def write_csv(results: Results, path: Path) -> None:
    columns = [*RESULT_COLUMNS, *results.dimensions]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(safe_row(columns))
        for row in ranked_rows(results):
            w.writerow(safe_row("" if row[c] is None else row[c] for c in columns))


def explain_document(results: Results, language: str | None = None) -> dict[str, Any]:
    """Every unit's explanation and the scheme's categories and weights, as plain data."""
    doc = explain_head(results)
    doc["units"] = [e.to_dict() for e in results.explain_all(language)]
    return doc


def explain_head(results: Results) -> dict[str, Any]:
    """The explain document without its units."""
    s = results.scheme
    return {
        "generator": f"kaohe {__version__}",
        "scheme": s.name,
        "period": s.period.label,
        "categories": {
            cid: {"name": c.name, "full_marks": _full(results, cid)}
            for cid, c in s.categories.items()
        },
        "effective_weights": results.effective_weights(),
        "screened": list(results.screened),
    }


def _full(results: Results, cid: str) -> float | None:
    idx = np.flatnonzero(results.plan.cat_index == results.plan.categories.index(cid))
    return float(results.full_marks[idx[0]]) if idx.size else None


def write_explain(results: Results, path: Path, language: str | None = None) -> None:
    """explain.json: the document's head indented, then each unit on a line of its own,
    written as it is explained (compact: 300,000 explanations indented would take longer to
    write than all the rest, and held at once would take gigabytes)."""
    doc: dict[str, Any] = explain_head(results)
    doc["units"] = (e.to_dict() for e in results.explain_all(language))
    write_document(doc, path)


def write_document(doc: dict[str, Any], path: Path) -> None:
    """A JSON document whose ``units`` (a list or any iterable; also in ``years``) are one line
    each, written unit by unit."""
    with path.open("w", encoding="utf-8") as fh:
        _write(fh, doc, 0)
        fh.write("\n")


def _write(fh: Any, doc: dict[str, Any], depth: int) -> None:
    pad = " " * (depth + 1)
    fh.write("{")
    for n, (key, value) in enumerate(doc.items()):
        fh.write(f"{',' if n else ''}\n{pad}{_compact(key)}: ")
        if key == "units" and not isinstance(value, dict | str):
            fh.write("[")
            for k, unit in enumerate(value):
                fh.write(f"{',' if k else ''}\n{pad} {_compact(unit)}")
            fh.write(f"\n{pad}]")
        elif key == "years" and isinstance(value, dict):
            fh.write("{")
            for k, (year, sub) in enumerate(value.items()):
                fh.write(f"{',' if k else ''}\n{pad} {_compact(year)}: ")
                _write(fh, sub, depth + 2)
            fh.write(f"\n{pad}}}")
        else:
            fh.write(json.dumps(value, ensure_ascii=False, allow_nan=False))
    fh.write("\n" + " " * depth + "}")


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


# --------------------------------------------------------------------------- workbook


def write_xlsx(results: Results, path: Path, language: str | None = None) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = t("all_units", language)
    rows = ranked_rows(results)
    _results_sheet(ws, results, rows, language, t("results_title", language))
    for cid, cat in results.scheme.categories.items():
        sheet = wb.create_sheet(_sheet_title(cat.name))
        mine = sorted(
            (r for r in rows if r["category"] == cid),
            key=lambda r: (r["rank_in_category"], r["unit"]),
        )
        _results_sheet(
            sheet, results, mine, language, f"{cat.name} · {t('results_title', language)}"
        )
    _points_sheet(wb.create_sheet(t("indicator_points", language)), results, language)
    _weights_sheet(wb.create_sheet(t("effective_weights", language)), results, language)
    wb.save(path)


def _sheet_title(name: str) -> str:
    bad = set("[]:*?/\\")
    return "".join("_" if ch in bad else ch for ch in name)[:31]


def _style_header(ws: Any, row: int, ncols: int) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="999999")
    for c in range(1, ncols + 1):
        cell = ws.cell(row=row, column=c)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)


def _print_setup(ws: Any, header_row: int, ncols: int) -> None:
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for c in range(1, ncols + 1):
        ws.column_dimensions[get_column_letter(c)].width = 12 if c > 2 else 14


def _results_sheet(
    ws: Any, results: Results, rows: list[dict[str, Any]], language: str | None, title: str
) -> None:
    from openpyxl.styles import Font

    s = results.scheme
    dims = list(results.dimensions)
    heads = [
        t(k, language)
        for k in (
            "unit_id",
            "name",
            "category",
            "score",
            "full_marks",
            "share",
            "rank_in_category",
            "rank",
            "grade",
            "vetoed",
        )
    ]
    heads += [s.dimensions[d].name for d in dims]
    ws.cell(row=1, column=1, value=safe_text(f"{s.name} — {title}")).font = Font(bold=True, size=13)
    ws.append([])
    ws.append(safe_row(heads))
    _style_header(ws, 3, len(heads))
    numfmt = "0." + "0" * s.decimals if s.decimals else "0"
    for n, r in enumerate(rows, start=4):  # the title, a blank row, the header, then units
        vetoes = "、".join(s.indicators[v].name for v in r["vetoed"].split(";") if v)
        line = [
            r["unit"],
            r["name"],
            s.categories[r["category"]].name,
            r["score"],
            r["full_marks"],
            r["share"],
            r["rank_in_category"],
            r["rank"],
            r["grade_name"] or "",
            vetoes,
            *[r[d] for d in dims],
        ]
        ws.append(safe_row(line))
        for c in (4, 5, *range(11, 11 + len(dims))):
            ws.cell(row=n, column=c).number_format = numfmt
        ws.cell(row=n, column=6).number_format = "0.0%"
    _print_setup(ws, 3, len(heads))


def _points_sheet(ws: Any, results: Results, language: str | None) -> None:
    s = results.scheme
    inds = list(results.indicators)
    heads = [t("unit_id", language), t("name", language), t("category", language)]
    heads += [f"{s.indicators[i].name}" for i in inds]
    ws.append(safe_row(heads))
    _style_header(ws, 1, len(heads))
    numfmt = "0." + "0" * s.decimals if s.decimals else "0"
    for i, uid in enumerate(results.units):
        u = s.units[uid]
        vals = [None if np.isnan(p) else float(p) for p in results.points[i]]
        ws.append(safe_row([uid, u.name, s.categories[u.category].name, *vals]))
        for c in range(4, 4 + len(inds)):
            ws.cell(row=i + 2, column=c).number_format = numfmt  # (max_row is O(cells))
    _print_setup(ws, 1, len(heads))


def _weights_sheet(ws: Any, results: Results, language: str | None) -> None:
    """Each indicator's share of the total, by category (the weights in force)."""
    s = results.scheme
    weights = results.effective_weights()
    cats = list(weights)
    ws.append(safe_row([t("indicator", language), *[s.categories[c].name for c in cats]]))
    _style_header(ws, 1, 1 + len(cats))
    n = 1
    for iid, ind in s.indicators.items():
        row = [weights[c].get(iid) for c in cats]
        if any(v is not None for v in row):
            ws.append(safe_row([ind.name, *row]))
            n += 1
            for k in range(2, 2 + len(cats)):
                ws.cell(row=n, column=k).number_format = "0.00%"
    ws.column_dimensions["A"].width = 30
