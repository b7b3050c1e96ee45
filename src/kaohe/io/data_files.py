"""Reading data files (CSV or Excel) into tables, and tables into a validated dataset.

CSV: UTF-8 (with or without a byte-order mark); GB18030 — what Chinese Excel saves — is accepted
with a warning. Excel: every worksheet is read, except those named ``说明`` or starting with
``_`` (instructions). Both wide (one row per unit, one column per indicator) and long
(``unit, indicator, value, note``) layouts are accepted, in any mix of sheets.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from kaohe.dataset import (
    Dataset,
    RowBound,
    Table,
    column_label,
    dataset_from_tables,
    row_bound,
    split_years,
    year_column,
)
from kaohe.errors import DataError, Issue
from kaohe.i18n import Said, t
from kaohe.io.cells import plain_text
from kaohe.io.formulas import workbook_formula_issues
from kaohe.scheme import Scheme

SKIPPED_SHEETS = frozenset({"说明", "readme", "instructions"})


def read_tables(path: str | Path, bound: RowBound | None = None) -> tuple[list[Table], list[Issue]]:
    """The tables of a data file, and warnings about how it was read.

    ``bound`` (e.g. :func:`kaohe.dataset.row_bound` of the scheme) gives, from a table's
    header, the most filled rows it can usefully hold; reading stops past it, and the table
    records where (``Table.cut``, reported by :func:`kaohe.dataset.check_tables`), so a huge
    file is never read whole (every row past it would be an error)."""
    path = Path(path)
    if not path.exists():
        raise DataError(Issue(Said("file.not_found"), file=str(path)))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, bound), []
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path, bound)
    if suffix == ".xls":
        raise DataError(Issue(Said("file.xls"), file=str(path)))
    raise DataError(Issue(Said("file.unknown_type", suffix=suffix), file=str(path)))


def load_data(scheme: Scheme, path: str | Path) -> tuple[Dataset, list[Issue]]:
    """Read and validate a data file against a scheme; (dataset, warnings).

    A year column is allowed when the file holds one year; several years need ``kaohe panel``.
    """
    tables, warnings = data_tables(path, row_bound(scheme))
    dataset, more = dataset_from_tables(scheme, tables)
    return dataset, warnings + more


def data_tables(path: str | Path, bound: RowBound | None = None) -> tuple[list[Table], list[Issue]]:
    """The tables of a data file of one year (a year column is allowed when it holds one
    year), and warnings about how it was read; reading stops at ``bound``."""
    tables, warnings = read_tables(path, bound)
    if any(year_column(t) is not None for t in tables):
        years = split_years(tables)
        if len(years) > 1:
            raise DataError(
                Issue(
                    Said("file.years", n=len(years), years=", ".join(sorted(years))),
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
        read, more = read_tables(path, row_bound(scheme))
        warnings += more
        try:
            for y, ts in split_years(read, year).items():
                tables.setdefault(y, []).extend(ts)
        except DataError as exc:
            errors += exc.issues
    if errors:
        raise DataError(errors)
    if not tables:
        raise DataError(Issue(Said("file.no_rows", sources=", ".join(map(str, sources)))))
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


#: Encodings a CSV file is read in, by its first bytes (a byte-order mark) or in this order.
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _read_csv(path: Path, bound: RowBound | None = None) -> tuple[list[Table], list[Issue]]:
    """A CSV file, streamed: UTF-8 (or UTF-16 with its byte-order mark), else GB18030 — what
    Chinese Excel saves, GBK included — with a warning naming it. Reading stops at ``bound``."""
    with path.open("rb") as fh:
        head = fh.read(4)
    encodings = [enc for bom, enc in _BOMS if head.startswith(bom)] or ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            with path.open(encoding=encoding, newline="") as fh:
                table = _csv_table(path, fh, bound)
        except UnicodeDecodeError:
            continue
        warnings = []
        if encoding == "gb18030":
            warnings.append(Issue(t("data.read_as_gb18030"), file=str(path)))
        return [table], warnings
    raise DataError(Issue(t("data.not_text"), file=str(path)))


def _csv_table(path: Path, fh: Any, bound: RowBound | None) -> Table:
    first = fh.readline()
    if "\x00" in first:  # UTF-16 without its mark, or not text at all
        raise DataError(Issue(t("data.not_text"), file=str(path)))
    fh.seek(0)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff(first)
    rows = csv.reader(fh, delimiter=delimiter)
    header = next(rows, None)
    if header is None:
        raise DataError(Issue(Said("file.empty"), file=str(path)))
    limit = bound(header) if bound is not None else None
    body: list[tuple[int, list[Any]]] = []
    cut = None
    filled = 0
    try:
        for n, r in enumerate(rows):
            cells = [(plain_text(c) if c[:1] == "'" else c) if c.strip() else None for c in r]
            if limit is not None and any(c is not None for c in cells):
                filled += 1
                if filled > limit:
                    cut = _too_many_rows(str(path), None, n + 2, limit)
                    break
            body.append((n + 2, cells))
    except csv.Error as exc:  # a field over the csv module's limit, a stray quote…
        text = t("data.csv_malformed", why=str(exc))
        raise DataError(Issue(text, file=str(path), row=len(body) + 2)) from None
    if not any(h.strip() for h in header) and all(all(c is None for c in r) for _, r in body):
        raise DataError(Issue(Said("file.empty"), file=str(path)))
    return Table(path.name, header, body, file=str(path), cut=cut)


def _too_many_rows(file: str, sheet: str | None, row: int, limit: int) -> Issue:
    return Issue(t("data.too_many_rows", n=f"{limit:,}"), file=file, sheet=sheet, row=row)


def _sniff(first: str) -> str:
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_xlsx(path: Path, bound: RowBound | None = None) -> list[Table]:
    """Every worksheet of a workbook (python-calamine: its cells parsed in Rust, ~40× faster
    than openpyxl's XML reader at 3,000 × 100), cells as openpyxl's ``data_only`` reading gives
    them (:func:`_cell`), then every formula cell without a saved value refused, found in the
    sheets' XML (:func:`kaohe.io.formulas.workbook_formula_issues`)."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine's errors: not a zip, not a workbook, a broken part
        raise DataError(Issue(Said("file.not_xlsx", error=str(exc)), file=str(path))) from None
    tables: list[Table] = []
    columns: dict[str, partial[str]] = {}
    try:
        for meta in wb.sheets_metadata:
            title = meta.name
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue  # a chart sheet holds no cells (openpyxl's ``worksheets`` skip it)
            if title.lower() in SKIPPED_SHEETS or title.startswith("_"):
                continue
            rows = wb.get_sheet_by_name(title).to_python(skip_empty_area=False)
            table = _sheet_table(path, title, rows, bound)
            if table is None:
                continue
            tables.append(table)
            columns[title] = partial(_column_of, table)
        problems = workbook_formula_issues(path, columns)
    except DataError:
        raise
    except Exception as exc:  # a sheet calamine cannot parse
        raise DataError(Issue(Said("file.not_xlsx", error=str(exc)), file=str(path))) from None
    finally:
        wb.close()
    if problems:
        raise DataError(problems)
    if not tables:
        raise DataError(Issue(Said("file.no_sheet"), file=str(path)))
    return tables


def _column_of(table: Table, k: int) -> str:
    return column_label(k, table)


def _cell(c: Any) -> Any:
    """A cell as calamine gives it, as openpyxl's read-only ``data_only`` reading gives it: an
    empty cell None (calamine: ``""``), a whole number an ``int`` (what openpyxl reads from
    ``<v>5</v>``), a date alone a ``datetime`` at midnight; text, booleans, other numbers,
    times and datetimes as they are."""
    cls = c.__class__
    if cls is float:
        return int(c) if c.is_integer() and -1e16 < c < 1e16 else c
    if cls is str:
        if not c:
            return None
        return plain_text(c) if c[0] == "'" else c
    if cls is dt.date:
        return dt.datetime(c.year, c.month, c.day)
    return c


def _sheet_table(
    path: Path, title: str, sheet: Sequence[Sequence[Any]], bound: RowBound | None
) -> Table | None:
    """One worksheet's table (None if the sheet is empty), its rows from the sheet's first,
    read up to ``bound``."""
    rows = enumerate(sheet, start=1)
    start, first = next(((k, r) for k, r in rows if any(_filled(c) for c in r)), (0, None))
    if first is None:
        return None
    header = [_text(_cell(c)) for c in first]
    limit = bound(header) if bound is not None else None
    body: list[tuple[int, list[Any]]] = []
    cut = None
    filled = 0
    for k, r in rows:
        cells = [_cell(c) for c in r]
        if limit is not None and any(_filled(c) for c in cells):
            filled += 1
            if filled > limit:
                cut = _too_many_rows(str(path), title, k, limit)
                break
        body.append((k, cells))
    return Table(
        f"{path.name}[{title}]",
        header,
        body,
        file=str(path),
        sheet=title,
        header_row=start,
        cut=cut,
    )


def _filled(c: Any) -> bool:
    return c is not None and not (isinstance(c, str) and not c.strip())


def _text(c: Any) -> Any:
    return c.strip() if isinstance(c, str) else c
