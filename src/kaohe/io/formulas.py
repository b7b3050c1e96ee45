"""Formula cells without a saved value, found in a workbook's XML.

A cell holding a formula keeps the value the spreadsheet computed beside it; Kaohe reads that
value (openpyxl's ``data_only``). A workbook written by a program, or saved with calculation
turned off, may hold the formula alone: read for its value, the cell is empty, and a county's
score would change without a word. Every workbook Kaohe reads (data files, cadre files) is
checked for such cells, and they are refused with their sheet, row and column.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from kaohe.errors import Issue
from kaohe.i18n import t

_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CHUNK = 1 << 20


def uncached_formulas(source: IO[bytes]) -> list[tuple[int, int, str]]:
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


_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def workbook_formula_issues(path: Path, columns: Mapping[str, Callable[[int], str]]) -> list[Issue]:
    """The formula cells without a saved value of the sheets named in ``columns`` (sheet name
    → how to name a column at an index from 0) of the workbook at ``path``, read from its
    archive (the sheet's part as the workbook's relationships name it), sheet by sheet in the
    workbook's order, each an issue at its sheet, row and column."""
    found: list[Issue] = []
    with zipfile.ZipFile(path) as archive:
        for title, part in _sheet_parts(archive):
            column = columns.get(title)
            if column is None or part not in archive.NameToInfo:
                continue
            with archive.open(part) as source:
                cells = uncached_formulas(source)
            found += [
                Issue(
                    t("data.formula_uncached", f=f"={f}" if f else t("data.shared_formula")),
                    file=str(path),
                    sheet=title,
                    row=r,
                    column=column(c),
                )
                for r, c, f in cells
            ]
    return found


def _sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part in the archive) of every sheet of a workbook, in its order."""
    book = "xl/workbook.xml"
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") or "" for r in rels.iter(_RELS)}
    out = []
    for sheet in ElementTree.fromstring(archive.read(book)).iter(_SHEET):
        target = targets.get(sheet.get(_REL_ID))
        if target is None:
            continue
        part = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(posixpath.dirname(book), target))
        )
        out.append((sheet.get("name") or "", part))
    return out
