"""Checking tables cell by cell, vectorised, with every problem located.

The core receives tables as :class:`pandas.DataFrame`. A table read from a file carries the row
number a person sees in a ``_row`` column (:data:`ROW`) and its :class:`Source` (file and sheet);
a table built in code has neither, and its rows are numbered as in a file with one header row.
Every check marks the bad cells of a whole column at once; an :class:`~kaohe.errors.Issue` is made
only for a bad cell, so that checking millions of good rows costs a few array operations.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kaohe.errors import DataError, Issue

ROW = "_row"
BoolVec = NDArray[np.bool_]


@dataclass(frozen=True)
class Source:
    """Where a table came from (for the location of its problems)."""

    file: str | None = None
    sheet: str | None = None


@dataclass
class Problems:
    """The problems of one table, gathered column by column; :meth:`raise_if_any` at the end."""

    frame: pd.DataFrame
    source: Source = field(default_factory=Source)
    issues: list[Issue] = field(default_factory=list)

    def __post_init__(self) -> None:
        if ROW in self.frame.columns:
            self.rows: NDArray[np.int64] = self.frame[ROW].to_numpy(dtype=np.int64)
        else:
            self.rows = np.arange(len(self.frame), dtype=np.int64) + 2

    def table(self, message: str, column: str | None = None) -> None:
        """A problem of the whole table (e.g. a missing column)."""
        self.issues.append(
            Issue(message, file=self.source.file, sheet=self.source.sheet, column=column)
        )

    def cells(self, bad: BoolVec, column: str, message: str | Callable[[Any], str]) -> None:
        """One problem per bad cell of ``column``; ``message`` may be made from the cell's value."""
        where = np.flatnonzero(bad)
        if where.size == 0:
            return
        values = self.frame[column].to_numpy() if column in self.frame.columns else None
        for i in where.tolist():
            text = message if isinstance(message, str) else message(_show(values, i))
            self.issues.append(
                Issue(
                    text,
                    file=self.source.file,
                    sheet=self.source.sheet,
                    row=int(self.rows[i]),
                    column=column,
                )
            )

    def cell(self, i: int, column: str, message: str) -> None:
        """One problem at the ``i``-th row of the table."""
        self.issues.append(
            Issue(
                message,
                file=self.source.file,
                sheet=self.source.sheet,
                row=int(self.rows[i]),
                column=column,
            )
        )

    def raise_if_any(self) -> None:
        if self.issues:
            raise DataError(sorted(self.issues, key=lambda i: (i.row or 0, i.column or "")))


def _show(values: NDArray[Any] | None, i: int) -> Any:
    if values is None:
        return None
    v = values[i]
    return v.item() if isinstance(v, np.generic) else v


def text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped text, with empty cells as missing.

    The distinct values are cleaned once (a column of millions of cells holds few distinct ones:
    groups, choices, units), then spread back by their codes.
    """
    if column not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    clean = np.array(
        [u.strip() if type(u) is str else _clean(u) for u in uniques] + [None], dtype=object
    )
    clean[clean == ""] = None
    return pd.Series(clean[codes], index=frame.index, dtype=object)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp | np.datetime64):
        return value
    return str(value).strip()


def blank(series: pd.Series) -> BoolVec:
    return series.isna().to_numpy()


def require_columns(p: Problems, required: Iterable[str], allowed: Collection[str]) -> bool:
    """Report missing required columns and unknown ones; False when a required one is missing."""
    ok = True
    present = [c for c in p.frame.columns if c != ROW]
    for col in required:
        if col not in present:
            p.table(f"the column {col!r} is missing", column=col)
            ok = False
    unknown = [c for c in present if c not in allowed]
    for col in unknown:
        p.table(f"unknown column {col!r}; allowed: {', '.join(allowed)}", column=str(col))
    return ok


def required_text(p: Problems, column: str) -> pd.Series:
    s = text_column(p.frame, column)
    p.cells(blank(s), column, "this cell is required")
    return s


def duplicated_ids(p: Problems, ids: pd.Series, column: str, what: str) -> None:
    """Every repeat of an id (the first occurrence is kept) is a problem naming the first row."""
    dup = ids.duplicated(keep="first").to_numpy() & ~blank(ids)
    if not dup.any():
        return
    rows = pd.Series(p.rows, index=ids.index)
    firsts = rows.groupby(ids.fillna("").to_numpy()).transform("first").to_numpy()
    values = ids.to_numpy()
    for i in np.flatnonzero(dup).tolist():
        p.cell(i, column, f"{what} {values[i]!r} appears twice (first on row {firsts[i]})")


def unknown(p: Problems, values: pd.Series, known: Collection[str], column: str, what: str) -> None:
    bad = ~blank(values) & ~values.isin(list(known)).to_numpy()
    shown = ", ".join(sorted(known)[:12]) + (" …" if len(known) > 12 else "")
    p.cells(bad, column, lambda v: f"unknown {what} {v!r}; known: {shown}")


def date_column(p: Problems, column: str) -> pd.Series:
    """A column of dates (``2022-03-01``, ``2022/3/1`` or an Excel date); bad cells reported."""
    raw = p.frame[column] if column in p.frame.columns else pd.Series([None] * len(p.frame))
    raw = raw.where(~raw.map(lambda v: isinstance(v, str) and not v.strip()), None)
    parsed = pd.to_datetime(raw, errors="coerce", format="mixed")
    bad = raw.notna().to_numpy() & parsed.isna().to_numpy()
    p.cells(bad, column, lambda v: f"must be a date like 2022-12-31, got {v!r}")
    return parsed.dt.normalize()


def number_column(p: Problems, column: str, *, required: bool = True) -> NDArray[np.float64]:
    raw = p.frame[column] if column in p.frame.columns else pd.Series([None] * len(p.frame))
    text = raw.map(lambda v: v.strip().replace(",", "") if isinstance(v, str) else v)
    text = text.where(text.map(lambda v: v != ""), None)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    given = text.notna().to_numpy()
    p.cells(given & np.isnan(values), column, lambda v: f"must be a number, got {v!r}")
    if required:
        p.cells(~given, column, "this cell is required")
    return values
