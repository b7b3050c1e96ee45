"""Reading data files (CSV or Excel) into tables, and tables into a validated dataset.

CSV: UTF-8 (with or without a byte-order mark); GB18030 — what Chinese Excel saves — is accepted
with a warning. Excel: every worksheet is read, except those named ``说明`` or starting with
``_`` (instructions). Both wide (one row per unit, one column per indicator) and long
(``unit, indicator, value, note``) layouts are accepted, in any mix of sheets.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from kaohe.dataset import Dataset, Table, dataset_from_tables, split_years, year_column
from kaohe.errors import DataError, Issue
from kaohe.scheme import Scheme

SKIPPED_SHEETS = frozenset({"说明", "readme", "instructions"})


def read_tables(path: str | Path) -> tuple[list[Table], list[Issue]]:
    """The tables of a data file, and warnings about how it was read."""
    path = Path(path)
    if not path.exists():
        raise DataError(Issue("file not found", file=str(path)))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path), []
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path)
    if suffix == ".xls":
        raise DataError(
            Issue("the old .xls format is not read; save the file as .xlsx", file=str(path))
        )
    raise DataError(Issue(f"unknown data file type {suffix!r}; use .csv or .xlsx", file=str(path)))


def load_data(scheme: Scheme, path: str | Path) -> tuple[Dataset, list[Issue]]:
    """Read and validate a data file against a scheme; (dataset, warnings).

    A year column is allowed when the file holds one year; several years need ``kaohe panel``.
    """
    tables, warnings = data_tables(path)
    dataset, more = dataset_from_tables(scheme, tables)
    return dataset, warnings + more


def data_tables(path: str | Path) -> tuple[list[Table], list[Issue]]:
    """The tables of a data file of one year (a year column is allowed when it holds one
    year), and warnings about how it was read."""
    tables, warnings = read_tables(path)
    if any(year_column(t) is not None for t in tables):
        years = split_years(tables)
        if len(years) > 1:
            raise DataError(
                Issue(
                    f"the file holds {len(years)} years ({', '.join(sorted(years))})"
                    ": assess them with kaohe panel",
                    file=str(path),
                )
            )
        tables = next(iter(years.values()), [])
    return tables, warnings


def load_panel(
    scheme: Scheme, sources: Sequence[str | Path]
) -> tuple[dict[str, Dataset], list[Issue]]:
    """Read the data of several years: files with a year column, or ``YEAR=FILE`` each.

    Every bad cell of every year is reported at once; nothing is returned unless all are valid.
    """
    tables: dict[str, list[Table]] = {}
    warnings: list[Issue] = []
    errors: list[Issue] = []
    for source in sources:
        year, path = _year_and_path(str(source))
        read, more = read_tables(path)
        warnings += more
        try:
            for y, ts in split_years(read, year).items():
                tables.setdefault(y, []).extend(ts)
        except DataError as exc:
            errors += exc.issues
    if errors:
        raise DataError(errors)
    if not tables:
        raise DataError(Issue("no rows of data in " + ", ".join(map(str, sources))))
    out: dict[str, Dataset] = {}
    for y in sorted(tables):
        try:
            out[y], more = dataset_from_tables(scheme, tables[y])
            warnings += [replace(w, message=f"{y}: {w.message}") for w in more]
        except DataError as exc:
            errors += [replace(i, message=f"{y}: {i.message}") for i in exc.issues]
    if errors:
        raise DataError(errors)
    return out, warnings


def _year_and_path(source: str) -> tuple[str | None, Path]:
    head, sep, tail = source.partition("=")
    if sep and head.strip() and not Path(source).exists():
        return head.strip(), Path(tail)
    return None, Path(source)


def _read_csv(path: Path) -> tuple[list[Table], list[Issue]]:
    raw = path.read_bytes()
    warnings: list[Issue] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise DataError(
                Issue(
                    f"not UTF-8 text (byte {exc.start}); save the file as CSV UTF-8", file=str(path)
                )
            ) from None
        warnings.append(
            Issue("read as GB18030 (not UTF-8); prefer saving as CSV UTF-8", file=str(path))
        )
    if not text.strip():
        raise DataError(Issue("the file is empty", file=str(path)))
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff(text)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    body = [(n + 2, [c if c.strip() else None for c in r]) for n, r in enumerate(rows[1:])]
    return [Table(path.name, rows[0], body, file=str(path))], warnings


def _sniff(text: str) -> str:
    first = text.splitlines()[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_xlsx(path: Path) -> list[Table]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(Issue(f"not a readable .xlsx workbook: {exc}", file=str(path))) from None
    tables = []
    try:
        for ws in wb.worksheets:
            if ws.title.lower() in SKIPPED_SHEETS or ws.title.startswith("_"):
                continue
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            start = next((k for k, r in enumerate(rows) if any(_filled(c) for c in r)), None)
            if start is None:
                continue
            header = [_text(c) for c in rows[start]]
            body: list[tuple[int, list[Any]]] = [
                (start + 2 + n, r) for n, r in enumerate(rows[start + 1 :])
            ]
            tables.append(
                Table(
                    f"{path.name}[{ws.title}]",
                    header,
                    body,
                    file=str(path),
                    sheet=ws.title,
                    header_row=start + 1,
                )
            )
    finally:
        wb.close()
    if not tables:
        raise DataError(Issue("the workbook has no sheet with data", file=str(path)))
    return tables


def _filled(c: Any) -> bool:
    return c is not None and not (isinstance(c, str) and not c.strip())


def _text(c: Any) -> Any:
    return c.strip() if isinstance(c, str) else c
