"""A worksheet as data, written by XlsxWriter (fast, row by row) or into an openpyxl sheet.

Kaohe's printed tables share one look: an optional bold title, a header row (bold, shaded,
bordered, wrapped), number formats per column below it, the panes frozen under the header and
right of the names, the header repeated on every printed page, landscape, one page wide. A
:class:`Sheet` says what a table holds; :func:`write_book` writes sheets with XlsxWriter in
constant memory (results.xlsx for 3,000 units × 100 indicators), :func:`fill` writes one into
a worksheet of an openpyxl workbook that other code builds.

Every cell goes in by its type: text is always written as text (never run as a formula; it has
been through :func:`kaohe.io.cells.safe_text`), numbers as numbers, ``None`` and non-finite
numbers as blank cells.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from kaohe.io.cells import safe_row

HEADER_FILL = "DDE6F0"
BORDER = "999999"
#: a fixed creation time: the same results give the same file, byte for byte
CREATED = dt.datetime(2000, 1, 1)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: ``rows`` from its first row (a title row, a blank row, then the header
    where :attr:`title` is given; else the header first)."""

    name: str
    heads: Sequence[str]
    rows: Iterable[Sequence[Any]]
    title: str | None = None
    #: column (from 1) → number format of the body rows
    formats: dict[int, str] = field(default_factory=dict)
    #: column (from 1) → width in characters; columns not named: 14 for the first two, else 12
    widths: dict[int, float] = field(default_factory=dict)
    freeze_column: int = 3

    @property
    def header_row(self) -> int:
        return 3 if self.title is not None else 1

    def width(self, column: int) -> float:
        return self.widths.get(column, 14 if column <= 2 else 12)


def sheet_title(name: str) -> str:
    """A worksheet name Excel accepts: no ``[]:*?/\\``, at most 31 characters."""
    bad = set("[]:*?/\\")
    return "".join("_" if ch in bad else ch for ch in name)[:31]


def write_book(sheets: Iterable[Sheet], path: Path | IO[bytes]) -> None:
    """The sheets, in order, as one workbook (XlsxWriter, constant memory)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"constant_memory": True, "in_memory": False})
    book.set_properties({"created": CREATED})
    head = book.add_format(
        {
            "bold": True,
            "bg_color": "#" + HEADER_FILL,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "border": 1,
            "border_color": "#" + BORDER,
        }
    )
    title = book.add_format({"bold": True, "font_size": 13})
    numbers: dict[str, Any] = {}
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name)
        ncols = len(sheet.heads)
        for c in range(1, ncols + 1):
            ws.set_column(c - 1, c - 1, sheet.width(c))
        h = sheet.header_row
        ws.freeze_panes(h, sheet.freeze_column - 1)
        ws.repeat_rows(h - 1)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        if sheet.title is not None:
            ws.write_string(0, 0, sheet.title, title)
        for c, text in enumerate(safe_row(sheet.heads)):
            ws.write_string(h - 1, c, str(text), head)
        fmts = {
            c - 1: numbers.setdefault(f, book.add_format({"num_format": f}))
            for c, f in sheet.formats.items()
        }
        for r, line in enumerate(sheet.rows, start=h):
            for c, value in enumerate(safe_row(line)):
                _cell(ws, r, c, value, fmts.get(c))
    book.close()


def _cell(ws: Any, r: int, c: int, value: Any, fmt: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    elif isinstance(value, int | float):
        if math.isfinite(value):
            ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def fill(ws: Any, sheet: Sheet) -> None:
    """Write ``sheet`` into ``ws``, a worksheet of an openpyxl workbook."""
    from openpyxl.styles import Font

    h = sheet.header_row
    if sheet.title is not None:
        ws.cell(row=1, column=1, value=sheet.title).font = Font(bold=True, size=13)
        ws.append([])
    ws.append(safe_row(sheet.heads))
    style_header(ws, h, len(sheet.heads))
    for n, line in enumerate(sheet.rows, start=h + 1):
        ws.append(safe_row(line))
        for c, f in sheet.formats.items():
            ws.cell(row=n, column=c).number_format = f
    print_setup(ws, h, len(sheet.heads), sheet)


def style_header(ws: Any, row: int, ncols: int) -> None:
    """The header look on row ``row`` of an openpyxl worksheet."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color=BORDER)
    for c in range(1, ncols + 1):
        cell = ws.cell(row=row, column=c)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)


def print_setup(ws: Any, header_row: int, ncols: int, sheet: Sheet | None = None) -> None:
    """Frozen panes, the header on every printed page, landscape one page wide, the widths
    (of ``sheet``, or the defaults) of an openpyxl worksheet."""
    from openpyxl.utils import get_column_letter

    freeze = sheet.freeze_column if sheet is not None else 3
    ws.freeze_panes = ws.cell(row=header_row + 1, column=freeze)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for c in range(1, ncols + 1):
        width = sheet.width(c) if sheet is not None else (14 if c <= 2 else 12)
        ws.column_dimensions[get_column_letter(c)].width = width
