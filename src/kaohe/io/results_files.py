"""Writing results: ``results.csv``, ``results.xlsx`` and ``explain.json``, all or nothing.

The CSV keeps full precision (every float written so that it reads back identical); the
workbook is for print, rounded to the scheme's ``decimals``, with Chinese headers (or English).
Both are written from typed rows (:class:`kaohe.publication.ResultRow`), so an engine run
(``kaohe run``) and a published snapshot (the board's downloads) give the same files.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from kaohe import __version__
from kaohe.i18n import t
from kaohe.io.atomic import atomic_dir
from kaohe.io.cells import safe_row, safe_text
from kaohe.io.sheets import Sheet, fill, sheet_title, write_book
from kaohe.publication import Publication, ResultRow, parse_row
from kaohe.results import RESULT_COLUMNS, Results
from kaohe.scheme import Scheme

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


def in_reading_order(scheme: Scheme, rows: Iterable[ResultRow]) -> list[ResultRow]:
    """:func:`ranked_rows`'s order for typed rows."""
    cat_order = {c: k for k, c in enumerate(scheme.categories)}
    return sorted(rows, key=lambda r: (r.rank, cat_order.get(r.category, len(cat_order)), r.unit))


def typed_rows(results: Results) -> list[ResultRow]:
    """The engine's rows as typed rows, in the scheme's order of units."""
    return [parse_row(r, f"rows[{k}]") for k, r in enumerate(results.rows())]


def write_csv(results: Results, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        write_csv_rows(fh, results.scheme, typed_rows(results))


def write_csv_rows(fh: IO[str], scheme: Scheme, rows: Sequence[ResultRow]) -> None:
    """results.csv: the columns of :data:`~kaohe.results.RESULT_COLUMNS`, then each dimension's
    subtotal; units by rank; every float as it reads back identical; text made inert."""
    dims = list(scheme.dimensions)
    w = csv.writer(fh)
    w.writerow(safe_row([*RESULT_COLUMNS, *dims]))
    for row in in_reading_order(scheme, rows):
        line = row.as_dict()
        w.writerow(
            safe_row("" if line.get(c) is None else line[c] for c in (*RESULT_COLUMNS, *dims))
        )


def published_csv(pub: Publication, scheme: Scheme) -> str:
    """A published result's results.csv, as ``kaohe run`` writes it."""
    out = io.StringIO(newline="")
    write_csv_rows(out, scheme, pub.rows)
    return out.getvalue()


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
                fh.write(f"{',' if k else ''}\n{pad} {_compact_fast(unit)}")
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


#: In orjson's output, what Python's ``json`` may write otherwise: a number in exponent form
#: (``9.2e-6``; Python: ``9.2e-06``), below 1e-4 written out (``0.000033``; Python:
#: ``3.3e-05``) or with 17 digits or more before its point (Python: ``1e+16``); not 17 digits
#: after it (``0.33799999999999997``: the same in both). Text can hold these too: a false alarm
#: only costs that unit the slower path.
_MAY_DIFFER = re.compile(rb"\de[-+\d]|(?<![\d.])-?0\.0000|(?<![\d.])-?\d{17}")


def _compact_fast(value: Any) -> str:
    """:func:`_compact`'s text, by orjson (~8× faster on the explanations of a unit) where its
    output is Python's to the byte: orjson writes the same shortest digits as ``repr`` and the
    same escapes, and differs only in how it writes very small and very large numbers (and
    refuses what ``json`` converts: numpy scalars, integers of more than 64 bits, keys that are
    not text) — such a unit goes through ``json``. One difference is left: NaN and ±∞, which
    ``json`` refuses here (``allow_nan=False``), orjson writes as null — what the records'
    ``to_dict`` make of them before (every non-finite number is None there)."""
    try:
        out = orjson.dumps(value)
    except TypeError:
        return _compact(value)
    if _MAY_DIFFER.search(out):
        return _compact(value)
    return out.decode("utf-8")


# --------------------------------------------------------------------------- workbook


@dataclass(frozen=True)
class ResultTables:
    """What results.xlsx shows, from an engine run or from a published snapshot."""

    scheme: Scheme
    rows: Sequence[ResultRow]  # the scheme's order of units
    points: Callable[[], Iterator[Sequence[float | None]]]  # per row, per scheme indicator
    weights: Callable[[], Mapping[str, Mapping[str, float]]]  # category → indicator → share

    @classmethod
    def of_results(cls, results: Results) -> ResultTables:
        def points() -> Iterator[list[float | None]]:
            for row in results.points.tolist():
                yield [None if p != p else p for p in row]  # NaN: does not apply

        return cls(results.scheme, typed_rows(results), points, results.effective_weights)

    @classmethod
    def of_publication(cls, pub: Publication, scheme: Scheme) -> ResultTables:
        return cls(
            scheme,
            pub.rows,
            lambda: iter(pub.points(list(scheme.indicators))),
            lambda: pub.effective_weights,
        )


def write_xlsx(results: Results, path: Path, language: str | None = None) -> None:
    write_workbook(ResultTables.of_results(results), path, language)


def published_xlsx(pub: Publication, scheme: Scheme, language: str | None = None) -> bytes:
    """A published result's results.xlsx, as ``kaohe run`` writes it."""
    out = io.BytesIO()
    write_workbook(ResultTables.of_publication(pub, scheme), out, language)
    return out.getvalue()


def write_workbook(tables: ResultTables, path: Path | IO[bytes], language: str | None) -> None:
    """results.xlsx: every unit by rank, a sheet per category, points, the weights in force."""
    s = tables.scheme
    rows = in_reading_order(s, tables.rows)
    title = t("results_title", language)
    sheets = [results_table(s, rows, language, title, t("all_units", language))]
    for cid, cat in s.categories.items():
        mine = sorted(
            (r for r in rows if r.category == cid), key=lambda r: (r.rank_in_category, r.unit)
        )
        sheets.append(
            results_table(s, mine, language, f"{cat.name} · {title}", sheet_title(cat.name))
        )
    sheets.append(_points_table(tables, language))
    sheets.append(_weights_table(s, tables.weights(), language))
    write_book(sheets, path)


def _results_sheet(
    ws: Any, results: Results, rows: list[dict[str, Any]], language: str | None, title: str
) -> None:
    """:func:`results_sheet` for rows as :meth:`~kaohe.results.Results.rows` gives them."""
    results_sheet(ws, results.scheme, [parse_row(r) for r in rows], language, title)


def results_sheet(
    ws: Any, s: Scheme, rows: Sequence[ResultRow], language: str | None, title: str
) -> None:
    """:func:`results_table` into a worksheet of an openpyxl workbook."""
    fill(ws, results_table(s, rows, language, title, ws.title))


RESULT_HEADS = (
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


def results_table(
    s: Scheme, rows: Sequence[ResultRow], language: str | None, title: str, name: str
) -> Sheet:
    """A title, then a header of names (not ids) and one line per unit, rounded for print."""
    dims = list(s.dimensions)
    heads = [t(k, language) for k in RESULT_HEADS] + [s.dimensions[d].name for d in dims]
    numfmt = _decimals(s)

    def lines() -> Iterator[list[Any]]:
        for r in rows:
            vetoes = "、".join(s.indicators[v].name if v in s.indicators else v for v in r.vetoed)
            yield [
                r.unit,
                r.name,
                s.categories[r.category].name,
                r.score,
                r.full_marks,
                r.share,
                r.rank_in_category,
                r.rank,
                r.grade_name or "",
                vetoes,
                *[r.subtotals.get(d) for d in dims],
            ]

    formats = dict.fromkeys((4, 5, *range(11, 11 + len(dims))), numfmt)
    formats[6] = "0.0%"
    return Sheet(name, heads, lines(), title=safe_text(f"{s.name} — {title}"), formats=formats)


def _decimals(s: Scheme) -> str:
    return "0." + "0" * s.decimals if s.decimals else "0"


def _points_table(tables: ResultTables, language: str | None) -> Sheet:
    s = tables.scheme
    inds = list(s.indicators)
    heads = [t("unit_id", language), t("name", language), t("category", language)]
    heads += [s.indicators[i].name for i in inds]
    rows = (
        [r.unit, r.name, s.categories[r.category].name, *vals]
        for r, vals in zip(tables.rows, tables.points(), strict=True)
    )
    numfmt = _decimals(s)
    formats = dict.fromkeys(range(4, 4 + len(inds)), numfmt)
    return Sheet(t("indicator_points", language), heads, rows, formats=formats)


def _weights_table(
    s: Scheme, weights: Mapping[str, Mapping[str, float]], language: str | None
) -> Sheet:
    """Each indicator's share of the total, by category (the weights in force)."""
    cats = list(weights)
    rows = []
    for ind_id, ind in s.indicators.items():
        row = [weights[c].get(ind_id) for c in cats]
        if any(v is not None for v in row):
            rows.append([ind.name, *row])
    return Sheet(
        t("effective_weights", language),
        [t("indicator", language), *[s.categories[c].name for c in cats]],
        rows,
        formats=dict.fromkeys(range(2, 2 + len(cats)), "0.00%"),
        widths={1: 30},
        freeze_column=2,
    )
