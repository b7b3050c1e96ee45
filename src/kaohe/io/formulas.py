"""Formula cells without a saved value, found in a workbook's XML.

A cell holding a formula keeps the value the spreadsheet computed beside it; Kaohe reads that
value (openpyxl's ``data_only``). A workbook written by a program, or saved with calculation
turned off, may hold the formula alone: read for its value, the cell is empty, and a county's
score would change without a word. Every workbook Kaohe reads (data files, cadre files) is
checked for such cells, and they are refused with their sheet, row and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, BinaryIO
from xml.etree import ElementTree

from kaohe.errors import Issue
from kaohe.i18n import t

_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CHUNK = 1 << 20


def uncached_formulas(source: BinaryIO) -> list[tuple[int, int, str]]:
    """Cells of a worksheet's XML that hold a formula but no saved value, as (row, column
    index from 0, formula): Excel saves the value it computed with the formula; a file written
    by a program (or saved with calculation off) may have none, and would read as blank.

    Reading is bounded in memory: the XML is scanned in 1 MB chunks for a formula at all (most
    data files have none), and only then parsed, element by element."""
    from openpyxl.utils.cell import column_index_from_string

    tail = b""
    while chunk := source.read(_CHUNK):
        if _FORMULA.search(tail + chunk):
            break
        tail = chunk[-16:]
    else:
        return []
    source.seek(0)
    found: list[tuple[int, int, str]] = []
    row, col = 0, -1
    for event, el in ElementTree.iterparse(source, events=("start", "end")):
        tag = el.tag.rpartition("}")[2]
        if event == "start":
            if tag == "row":
                row, col = int(el.get("r") or row + 1), -1
            elif tag == "c":
                ref = el.get("r")
                col = column_index_from_string(ref.rstrip("0123456789")) - 1 if ref else col + 1
            continue
        if tag == "c":
            kids = {k.tag.rpartition("}")[2]: k for k in el}
            value = kids.get("v")
            # an empty value is saved only for a formula giving empty text (t="str")
            if "f" in kids and (value is None or (not value.text and el.get("t") != "str")):
                found.append((row, col, kids["f"].text or ""))
            el.clear()
        elif tag == "row":
            el.clear()
    return found


def formula_issues(ws: Any, file: str, column: Callable[[int], str]) -> list[Issue]:
    """The formula cells without a saved value of a read-only worksheet (openpyxl), each an
    issue at its sheet, row and column (``column`` names the column at an index from 0)."""
    try:
        source = ws._get_source()  # openpyxl's read-only sheet: its XML in the archive
    except AttributeError:  # pragma: no cover - another openpyxl: nothing to scan
        return []
    with source:
        cells = uncached_formulas(source)
    return [
        Issue(
            t("data.formula_uncached", f=f"={f}" if f else t("data.shared_formula")),
            file=file,
            sheet=ws.title,
            row=r,
            column=column(c),
        )
        for r, c, f in cells
    ]
