"""Writing a monitoring (``kaohe monitor``), all or nothing, into one folder:

* ``warnings.csv`` — every due unit × indicator × period up to the current one: the values, the
  year-on-year growth, the share of the annual target, the time-proportional target, the colour
  and the reason (UTF-8, full precision);
* ``data_warnings.csv`` — every failed data check (late, decreasing, jumps) with its reason;
* ``provisional.csv`` and ``provisional.json`` — the provisional ranking at the current period
  (every row and the document marked ``provisional``), and its explanations;
* ``monitor.xlsx`` — for print: the current period's warnings (red first, coloured), all
  warnings, the data warnings and the provisional ranking;
* ``charts/<indicator>.png`` — per dispatched indicator, a line per unit against its target path,
  the points in their warning colours (see :mod:`kaohe.io.monitor_charts`).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from kaohe import __version__
from kaohe.i18n import language as in_language
from kaohe.i18n import t
from kaohe.io.atomic import atomic_dir
from kaohe.io.results_files import _results_sheet, explain_document, ranked_rows
from kaohe.io.sheets import print_setup, sheet_title, style_header
from kaohe.monitoring.monitor import Monitor
from kaohe.monitoring.provisional import Provisional
from kaohe.monitoring.records import DataWarning, EarlyWarning
from kaohe.results import RESULT_COLUMNS

OUTPUT_FILES = (
    "warnings.csv",
    "data_warnings.csv",
    "provisional.csv",
    "provisional.json",
    "monitor.xlsx",
    "charts",
)
WARNING_COLUMNS = (
    "period",
    "period_name",
    "unit",
    "name",
    "category",
    "indicator",
    "indicator_name",
    "tracks",
    "kind",
    "colour",
    "value",
    "level",
    "flow",
    "previous",
    "growth",
    "target",
    "expected",
    "share",
    "expected_share",
    "measure",
    "rank",
    "reason",
)
DATA_COLUMNS = (
    "period",
    "period_name",
    "unit",
    "name",
    "indicator",
    "indicator_name",
    "check",
    "value",
    "reference",
    "reason",
)
#: Fills of the warning colours in the workbook (and of the charts' markers).
FILLS = {"green": "C6EFCE", "amber": "FFEB9C", "red": "FFC7CE", "none": "EDEDED"}
SEVERITY = {"red": 0, "amber": 1, "green": 2, "none": 3}


def write_monitor(
    m: Monitor, prov: Provisional | None, out: str | Path, language: str | None = None
) -> Path:
    """Write every monitoring file into the folder ``out`` atomically; return its path."""
    from kaohe.io.monitor_charts import chart_indicator

    out = Path(out)
    with in_language(language), atomic_dir(out, OUTPUT_FILES) as tmp:
        warnings = m.warnings()
        data = m.data_warnings()
        rows = [warning_row(m, w) for w in warnings]
        data_rows = [data_row(m, d) for d in data]
        write_table(tmp / "warnings.csv", WARNING_COLUMNS, rows)
        write_table(tmp / "data_warnings.csv", DATA_COLUMNS, data_rows)
        if prov is not None:
            write_provisional_csv(prov, tmp / "provisional.csv")
            write_provisional_json(prov, tmp / "provisional.json", language)
        write_xlsx(m, prov, rows, data_rows, tmp / "monitor.xlsx", language)
        (tmp / "charts").mkdir()
        for s, sid in enumerate(m.plan.series):
            chart_indicator(m, s, tmp / "charts" / f"{sid}.png", language)
    return out


def warning_row(m: Monitor, w: EarlyWarning) -> dict[str, Any]:
    plan = m.plan
    s = plan.series_index(w.series)
    unit = plan.scheme.units[w.unit]
    return {
        "period": w.period,
        "period_name": plan.calendar.label(plan.calendar.index(w.period)),
        "unit": w.unit,
        "name": unit.name,
        "category": unit.category,
        "indicator": w.series,
        "indicator_name": plan.name(s),
        "tracks": w.indicator,
        "kind": plan.kind_of(s),
        "colour": w.colour,
        "value": w.value,
        "level": w.level,
        "flow": w.flow,
        "previous": w.previous,
        "growth": w.growth,
        "target": w.target,
        "expected": w.expected,
        "share": w.share,
        "expected_share": w.expected_share,
        "measure": w.measure,
        "rank": w.rank,
        "reason": str(w.reason),
    }


def data_row(m: Monitor, d: DataWarning) -> dict[str, Any]:
    plan = m.plan
    return {
        "period": d.period,
        "period_name": plan.calendar.label(plan.calendar.index(d.period)),
        "unit": d.unit,
        "name": plan.scheme.units[d.unit].name,
        "indicator": d.series,
        "indicator_name": plan.name(plan.series_index(d.series)),
        "check": d.check,
        "value": d.value,
        "reference": d.reference,
        "reason": str(d.reason),
    }


def write_table(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for row in rows:
            w.writerow(["" if row[c] is None else row[c] for c in columns])


def provisional_columns(prov: Provisional) -> list[str]:
    return ["provisional", "period", *RESULT_COLUMNS, *prov.results.dimensions]


def write_provisional_csv(prov: Provisional, path: Path) -> None:
    """The provisional ranking: every row says ``provisional`` and the period."""
    rows = [{"provisional": "true", "period": prov.period, **r} for r in ranked_rows(prov.results)]
    write_table(path, tuple(provisional_columns(prov)), rows)


def write_provisional_json(prov: Provisional, path: Path, language: str | None = None) -> None:
    doc = {
        "provisional": True,
        "period": prov.period,
        "as_of": prov.as_of.isoformat(),
        "values_used": prov.used,
        "left_out": list(prov.left_out),
        "generator": f"kaohe {__version__}",
        **explain_document(prov.results, language),
    }
    with path.open("w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1, allow_nan=False)
        fh.write("\n")


# --------------------------------------------------------------------------- workbook


def write_xlsx(
    m: Monitor,
    prov: Provisional | None,
    rows: list[dict[str, Any]],
    data_rows: list[dict[str, Any]],
    path: Path,
    language: str | None,
) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    label = m.plan.calendar.label(m.current, language)
    ws.title = sheet_title(t("monitor.warnings_title", language, period=label))
    now = sorted(
        (r for r in rows if r["period"] == m.period),
        key=lambda r: (SEVERITY[r["colour"]], r["indicator"], r["unit"]),
    )
    _warnings_sheet(ws, now, language)
    _warnings_sheet(wb.create_sheet(t("monitor.all_warnings", language)), rows, language)
    _data_sheet(wb.create_sheet(t("monitor.data_warnings", language)), data_rows, language)
    if prov is not None:
        sheet = wb.create_sheet(t("monitor.provisional", language))
        _provisional_sheet(sheet, prov, label, language)
    wb.save(path)


#: (row key, header label, number format) of the warning sheets.
_SHEET_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("period_name", "monitor.period", None),
    ("name", "name", None),
    ("indicator_name", "monitor.indicator", None),
    ("colour", "monitor.colour", None),
    ("value", "monitor.value", "0.00"),
    ("level", "monitor.level", "0.00"),
    ("flow", "monitor.flow", "0.00"),
    ("previous", "monitor.previous", "0.00"),
    ("growth", "monitor.growth", "0.0"),
    ("target", "monitor.target", "0.00"),
    ("expected", "monitor.expected", "0.00"),
    ("share", "monitor.share", "0.0%"),
    ("expected_share", "monitor.expected_share", "0.0%"),
    ("measure", "monitor.measure", "0.00"),
    ("rank", "monitor.rank", None),
    ("reason", "monitor.reason", None),
)


def _warnings_sheet(ws: Any, rows: list[dict[str, Any]], language: str | None) -> None:
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    ws.append([t(label, language) for _, label, _ in _SHEET_COLUMNS])
    style_header(ws, 1, len(_SHEET_COLUMNS))
    colour_col = 1 + [key for key, _, _ in _SHEET_COLUMNS].index("colour")
    for r in rows:
        line = [r[key] for key, _, _ in _SHEET_COLUMNS]
        line[colour_col - 1] = t(f"monitor.{r['colour']}", language)
        ws.append(line)
        n = ws.max_row
        ws.cell(row=n, column=colour_col).fill = PatternFill("solid", fgColor=FILLS[r["colour"]])
        for c, (_, _, fmt) in enumerate(_SHEET_COLUMNS, start=1):
            if fmt is not None:
                ws.cell(row=n, column=c).number_format = fmt
    print_setup(ws, 1, len(_SHEET_COLUMNS))
    ws.column_dimensions[get_column_letter(len(_SHEET_COLUMNS))].width = 60


def _data_sheet(ws: Any, rows: list[dict[str, Any]], language: str | None) -> None:
    heads = ["monitor.period", "name", "monitor.indicator", "monitor.check"]
    heads += ["monitor.value", "monitor.reference", "monitor.reason"]
    ws.append([t(h, language) for h in heads])
    style_header(ws, 1, len(heads))
    for r in rows:
        check = t(f"monitor.check.{r['check']}", language)
        ws.append(
            [
                r["period_name"],
                r["name"],
                r["indicator_name"],
                check,
                r["value"],
                r["reference"],
                r["reason"],
            ]
        )
    print_setup(ws, 1, len(heads))
    ws.column_dimensions["G"].width = 70


def _provisional_sheet(ws: Any, prov: Provisional, label: str, language: str | None) -> None:
    """The provisional ranking, as ``kaohe run`` prints results, under a title saying so."""
    title = t("monitor.provisional_title", language, period=label)
    _results_sheet(ws, prov.results, ranked_rows(prov.results), language, title)
