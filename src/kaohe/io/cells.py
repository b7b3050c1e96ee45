"""Cells written to spreadsheets and CSV files, made inert: no text Kaohe writes runs as a formula.

A unit name from a scheme, a cadre's name from an upload or a reporter's note can be
``=HYPERLINK("http://x","y")`` or ``=cmd|' /C calc'!A0``; opened in Excel or LibreOffice, a
cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula
(CSV injection). Every CSV and XLSX writer of Kaohe passes its cells through :func:`safe_text`,
which prefixes such text with ``'`` (the OWASP recommendation); numbers, dates and booleans are
left as they are, and so is text that is just a number (``-3.5``), which a spreadsheet reads as
that number. :func:`plain_text` undoes the prefix when Kaohe reads its own files back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import pandas as pd

#: What a spreadsheet takes as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

T = TypeVar("T")


def safe_text(value: T) -> T | str:
    """``value``, or ``'`` + ``value`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _is_number(value):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row of cells, each through :func:`safe_text`."""
    return [safe_text(v) for v in values]


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table with every text cell (and header) through :func:`safe_text`."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    out = frame.copy()
    for col in out.columns:
        if is_object_dtype(out[col].dtype) or is_string_dtype(out[col].dtype):
            out[col] = out[col].map(safe_text)
    out.columns = [safe_text(c) for c in out.columns]
    return out


def plain_text(value: T) -> T | str:
    """The text :func:`safe_text` was given: a read cell ``'=…`` back to ``=…`` (other cells,
    a lone ``'`` included, unchanged)."""
    if (
        isinstance(value, str)
        and value.startswith("'")
        and value[1:].startswith(FORMULA_PREFIXES)
        and not _is_number(value[1:])
    ):
        return value[1:]
    return value


def _is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None
