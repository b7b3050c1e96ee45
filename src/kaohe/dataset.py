"""The data of one assessment: a value per (unit, indicator), validated against the scheme.

:class:`Dataset` is what the engine reads: arrays in the scheme's unit and indicator order, with
the state of every cell (present, missing, declared not applicable), counted items, notes, and
where each value came from. :func:`dataset_from_tables` builds one from tables already read from
files (rows of cells with their sheet and row numbers) and reports every bad cell by location.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from kaohe.errors import DataError, Issue
from kaohe.i18n import Localised, Said
from kaohe.provenance import Provenance
from kaohe.scheme import Scheme

PRESENT, MISSING, NOT_APPLICABLE = 0, 1, 2
NA_TOKENS = frozenset({"n/a", "na", "不适用", "#n/a"})
TRUE_TOKENS = frozenset({"是", "yes", "y", "true", "√", "✓"})
FALSE_TOKENS = frozenset({"否", "no", "n", "false", "×"})
UNIT_HEADERS = frozenset({"unit", "考核对象", "单位", "unit_id"})
NAME_HEADERS = frozenset({"name", "名称", "单位名称"})
CATEGORY_HEADERS = frozenset({"category", "类别"})
INDICATOR_HEADERS = frozenset({"indicator", "指标"})
VALUE_HEADERS = frozenset({"value", "数值", "值"})
NOTE_HEADERS = frozenset({"note", "备注", "说明"})
YEAR_HEADERS = frozenset({"year", "period", "年度", "年份", "考核年度"})


@dataclass(frozen=True)
class CellRef:
    """Where a value was read: file, sheet, row (1-based, as a spreadsheet shows) and column."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def issue(self, message: str, path: str = "") -> Issue:
        return Issue(
            message, path=path, file=self.file, sheet=self.sheet, row=self.row, column=self.column
        )

    def where(self, seen_from: CellRef | None = None) -> str:
        """e.g. ``data.xlsx[市统计局] row 5, column D (gdp_growth)``; the file is left out when
        ``seen_from`` is in the same file."""
        same_file = seen_from is not None and seen_from.file == self.file
        return Issue(
            "",
            file=None if same_file else self.file,
            sheet=self.sheet,
            row=self.row,
            column=self.column,
        ).where()

    def same_table(self, other: CellRef) -> bool:
        return (self.file, self.sheet) == (other.file, other.sheet)


class _Where(Localised):
    """A cell's place as a value of a :class:`Said`: rendered in the message's language."""

    cell: CellRef
    seen_from: CellRef

    def __new__(cls, cell: CellRef, seen_from: CellRef) -> _Where:
        self = super().__new__(cls, cell.where(seen_from))
        self.cell, self.seen_from = cell, seen_from
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Where, (self.cell, self.seen_from))

    def text(self, language: str | None = None) -> str:
        same_file = self.seen_from.file == self.cell.file
        c = self.cell
        return Issue(
            "", file=None if same_file else c.file, sheet=c.sheet, row=c.row, column=c.column
        ).where_in(language)


@dataclass(frozen=True)
class Dataset:
    """Validated values for every unit and indicator of a scheme, in scheme order."""

    units: tuple[str, ...]
    indicators: tuple[str, ...]
    values: NDArray[np.float64]
    status: NDArray[np.int8]
    items: Mapping[str, NDArray[np.float64]] = field(default_factory=dict)
    notes: Mapping[tuple[str, str], str] = field(default_factory=dict)
    sources: Mapping[tuple[str, str], CellRef] = field(default_factory=dict)
    #: (unit, indicator) → the ledger records a derived value was counted from
    provenance: Mapping[tuple[str, str], Provenance] = field(default_factory=dict)

    def __post_init__(self) -> None:
        arrays: list[NDArray[Any]] = [self.values, self.status, *self.items.values()]
        for arr in arrays:
            arr.flags.writeable = False
        object.__setattr__(self, "items", MappingProxyType(dict(self.items)))
        object.__setattr__(self, "notes", MappingProxyType(dict(self.notes)))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))
        object.__setattr__(self, "provenance", MappingProxyType(dict(self.provenance)))

    @classmethod
    def from_mapping(
        cls,
        scheme: Scheme,
        data: Mapping[str, Mapping[str, Any]],
        notes: Mapping[tuple[str, str], str] | None = None,
    ) -> Dataset:
        """Build from ``{unit: {column: value}}`` (columns as in a wide file), validating it.

        ``notes`` maps (unit, indicator) to the note of that cell (a reason, evidence).
        """
        merged = {u: dict(row) for u, row in data.items()}
        for (u, iid), text in (notes or {}).items():
            merged.setdefault(u, {})[f"{iid}:note"] = text
        header = ["unit", *sorted({c for row in merged.values() for c in row})]
        rows = [(i + 2, [u, *[merged[u].get(c) for c in header[1:]]]) for i, u in enumerate(merged)]
        return dataset_from_tables(scheme, [Table("data", header, rows)])[0]


@dataclass(frozen=True)
class Table:
    """Rows read from one CSV file or one worksheet, before any interpretation."""

    name: str  # file name, or file[sheet]
    header: Sequence[Any]
    rows: Sequence[tuple[int, Sequence[Any]]]  # (row number as shown to the user, cells)
    file: str | None = None
    sheet: str | None = None
    header_row: int = 1
    cut: Issue | None = None  # the reader stopped here: more rows than a scheme can use

    def ref(self, row: int | None = None, column: str | None = None) -> CellRef:
        return CellRef(self.file or self.name, self.sheet, row, column)


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    """What a header means: a unit/name/category column, an indicator, an item, or a note."""

    role: str  # unit | name | category | year | value | item | note | indicator | long_value
    indicator: str | None = None
    item: str | None = None


_BRACKET = re.compile(r"[\[［【]([^\]］】]+)[\]］】]\s*$")


def cell_text(cell: Any) -> str:
    """A cell as text: a whole number read as a number (``150902.0`` from a workbook) reads
    ``150902``, so that ids made of digits match."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell).strip()


def header_key(header: Any) -> str:
    """The key a header names: the text in trailing [brackets] if any, else the whole text."""
    text = cell_text(header)
    m = _BRACKET.search(text)
    return m.group(1).strip() if m else text


class ColumnResolver:
    """Maps headers (ids, Chinese names, ``name [id]``, ``id:item``, ``id:note``) to columns."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.by_name = {ind.name: iid for iid, ind in scheme.indicators.items()}

    def indicator(self, key: str) -> str | None:
        if key in self.scheme.indicators:
            return key
        return self.by_name.get(key)

    def resolve(self, header: Any) -> Column | str:
        """The column, or a message saying why the header is not understood."""
        key = header_key(header)
        low = key.lower()
        if not key:
            return Said("cell.empty_header")
        for role, names in (
            ("unit", UNIT_HEADERS),
            ("name", NAME_HEADERS),
            ("category", CATEGORY_HEADERS),
            ("indicator", INDICATOR_HEADERS),
            ("long_value", VALUE_HEADERS),
            ("note", NOTE_HEADERS),
            ("year", YEAR_HEADERS),
        ):
            if low in names:
                return Column(role)
        base, sep, rest = key.partition(":")
        iid = self.indicator(base)
        if iid is None:
            return _unknown_indicator(key, self.scheme)
        if not sep:
            if self.scheme.indicators[iid].rule.item_points() is not None:
                items = ", ".join(
                    f"{iid}:{k}" for k in self.scheme.indicators[iid].rule.item_points() or {}
                )
                name = self.scheme.indicators[iid].name
                return Said("cell.by_item", iid=iid, name=name, items=items)
            return Column("value", iid)
        if rest == "note":
            return Column("note", iid)
        allowed = self.scheme.indicators[iid].rule.item_points()
        if allowed is None or rest not in allowed:
            opts: str = ", ".join(f"{iid}:{k}" for k in (allowed or {})) or Said(
                "cell.one_value", iid=iid
            )
            return Said("cell.unknown_item", key=key, iid=iid, options=opts)
        return Column("item", iid, rest)


def _unknown_indicator(key: str, scheme: Scheme) -> str:
    import difflib

    names = [*scheme.indicators, *(i.name for i in scheme.indicators.values())]
    close = difflib.get_close_matches(key, names, n=1)
    return Said("cell.unknown_indicator", key=key, hint=_did_you_mean(close))


def _did_you_mean(close: Sequence[str]) -> str:
    return Said("cell.did_you_mean", close=close[0]) if close else ""


# --------------------------------------------------------------------------- cells


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(raw: Any, boolean: bool = False) -> tuple[float | None, int, str | None]:
    """(value, status, problem) of one cell as read from a file."""
    if raw is None:
        return None, MISSING, None
    if isinstance(raw, bool):
        if boolean:
            return float(raw), PRESENT, None
        return None, MISSING, Said("cell.yes_no", raw=str(raw))
    if isinstance(raw, int | float):
        if math.isnan(raw):
            return None, MISSING, None
        if math.isinf(raw):
            return None, MISSING, Said("cell.not_finite", raw=str(raw))
        return float(raw), PRESENT, None
    text = str(raw).strip()
    if not text:
        return None, MISSING, None
    low = text.lower()
    if low in NA_TOKENS:
        return None, NOT_APPLICABLE, None
    if boolean and low in TRUE_TOKENS:
        return 1.0, PRESENT, None
    if boolean and low in FALSE_TOKENS:
        return 0.0, PRESENT, None
    cleaned = text.replace("，", ",").replace(" ", "")
    if "," in cleaned:
        if not _THOUSANDS.match(cleaned.removesuffix("%")):
            return None, MISSING, Said("cell.comma", text=text)
        cleaned = cleaned.replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        hint: str = ""
        if cleaned.endswith("%"):
            hint = Said("cell.hint_percent", number=cleaned[:-1])
        elif boolean:
            hint = Said("cell.hint_boolean")
        return None, MISSING, Said("cell.text", text=text, hint=hint)
    if not math.isfinite(value):
        return None, MISSING, Said("cell.not_finite", raw=repr(text))
    return value, PRESENT, None


def value_problem(scheme: Scheme, iid: str, col: Column, value: float) -> str | None:
    """What is wrong with a parsed value of indicator ``iid`` in column ``col``, if anything."""
    ind = scheme.indicators[iid]
    if col.role == "item":
        if value < 0 or not float(value).is_integer():
            return Said("cell.count", value=f"{value:g}")
        return None
    if ind.rule.type == "veto" and value not in (0.0, 1.0):
        return Said("cell.veto", value=f"{value:g}")
    if ind.rule.type == "judgement" and value < 0:
        return Said("cell.judgement", value=f"{value:g}")
    if ind.rule.type == "count_deduction" and value < 0:
        return Said("cell.count_deduction", value=f"{value:g}")
    if ind.range is not None:
        lo, hi = ind.range
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            shown = f"[{'' if lo is None else f'{lo:g}'}, {'' if hi is None else f'{hi:g}'}]"
            return Said("cell.range", value=f"{value:g}", range=shown, name=ind.name)
    return None


def cell_problem(scheme: Scheme, column: str, raw: Any) -> str | None:
    """What is wrong with one entered cell (``column`` as a data-file header), if anything:
    the same checks as a data file's cell, for entry forms."""
    col = ColumnResolver(scheme).resolve(column)
    if isinstance(col, str):
        return col
    if col.role == "note":
        return None  # any text: a reason, evidence
    if col.role not in ("value", "item") or col.indicator is None:
        return Said("cell.not_values", column=column)
    boolean = scheme.indicators[col.indicator].rule.type == "veto"
    value, _, problem = parse_number(raw, boolean=boolean)
    if problem is None and value is not None:
        problem = value_problem(scheme, col.indicator, col, value)
    return problem


# --------------------------------------------------------------------------- building


class _Builder:
    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.units = tuple(scheme.units)
        self.inds = tuple(scheme.indicators)
        self.u_index = {u: i for i, u in enumerate(self.units)}
        self.i_index = {k: j for j, k in enumerate(self.inds)}
        self.by_unit_name = {u.name: uid for uid, u in scheme.units.items()}
        self.values = np.full((len(self.units), len(self.inds)), np.nan)
        self.status = np.full((len(self.units), len(self.inds)), MISSING, dtype=np.int8)
        self.items: dict[str, NDArray[np.float64]] = {}
        for iid, ind in scheme.indicators.items():
            pts = ind.rule.item_points()
            if pts is not None:
                self.items[iid] = np.full((len(self.units), len(pts)), np.nan)
        self.notes: dict[tuple[str, str], str] = {}
        self.sources: dict[tuple[str, str], CellRef] = {}
        self.unit_rows: dict[str, list[CellRef]] = {}  # every row of a unit, one per table
        self.columns_seen: dict[str, list[CellRef]] = {}  # every column of an indicator
        self.bad: set[tuple[str, str]] = set()  # cells already reported as bad
        self.files: list[str] = []
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.resolver = ColumnResolver(scheme)

    def unit(self, key: Any, ref: CellRef) -> str | None:
        text = header_key(key)
        if not text:
            self.errors.append(ref.issue(Said("cell.empty_unit")))
            return None
        if text in self.scheme.units:
            return text
        if text in self.by_unit_name:
            return self.by_unit_name[text]
        import difflib

        close = difflib.get_close_matches(text, [*self.scheme.units, *self.by_unit_name], n=1)
        self.errors.append(
            ref.issue(Said("cell.unknown_unit", text=text, hint=_did_you_mean(close)))
        )
        return None

    def put(self, uid: str, col: Column, raw: Any, ref: CellRef) -> None:
        iid = col.indicator
        assert iid is not None
        ind = self.scheme.indicators[iid]
        if col.role == "note":
            text = "" if raw is None else str(raw).strip()
            if text:
                self._set_note(uid, iid, text, ref)
            return
        boolean = ind.rule.type == "veto"
        value, status, problem = parse_number(raw, boolean=boolean)
        if problem:
            self.errors.append(ref.issue(problem))
            self.bad.add((uid, iid))
            return
        category = self.scheme.units[uid].category
        if not ind.applies_to(category):
            if status == PRESENT:
                self.warnings.append(
                    ref.issue(
                        Said(
                            "cell.not_applicable",
                            name=ind.name,
                            category=self.scheme.categories[category].name,
                        )
                    )
                )
            return
        if status == PRESENT:
            assert value is not None
            problem = value_problem(self.scheme, iid, col, value)
            if problem:
                self.errors.append(ref.issue(problem))
                self.bad.add((uid, iid))
                return
        self._store(uid, iid, col, value, status, ref)

    def _store(
        self, uid: str, iid: str, col: Column, value: float | None, status: int, ref: CellRef
    ) -> None:
        i, j = self.u_index[uid], self.i_index[iid]
        key = (uid, iid) if col.role == "value" else (uid, f"{iid}:{col.item}")
        if key in self.sources and status != MISSING:
            prev = self.sources[key]
            old = (
                self.values[i, j]
                if col.role == "value"
                else self.items[iid][i, self._item_pos(iid, col.item)]
            )
            same = (value is None and np.isnan(old)) or (value is not None and old == value)
            if not same or status == NOT_APPLICABLE:
                self.errors.append(
                    ref.issue(
                        Said("cell.second_value", unit=uid, key=key[1], where=_Where(prev, ref))
                    )
                )
                self.bad.add((uid, iid))
                return
        if status == MISSING and key in self.sources:
            return
        if status != MISSING:
            self.sources[key] = ref
        if col.role == "item":
            self.items[iid][i, self._item_pos(iid, col.item)] = np.nan if value is None else value
            if status == PRESENT:
                self.status[i, j] = PRESENT
            self.sources.setdefault((uid, iid), ref)
            return
        self.values[i, j] = np.nan if value is None else value
        if status != MISSING:
            self.status[i, j] = status
        self.sources.setdefault((uid, iid), ref)

    def _item_pos(self, iid: str, item: str | None) -> int:
        return list(self.scheme.indicators[iid].rule.item_points() or {}).index(str(item))

    def _set_note(self, uid: str, iid: str, text: str, ref: CellRef) -> None:
        old = self.notes.get((uid, iid))
        if old is not None and old != text:
            self.errors.append(ref.issue(Said("cell.second_note", unit=uid, iid=iid)))
            return
        self.notes[(uid, iid)] = text

    # ---- tables

    def wide(self, table: Table, cols: list[Column | None]) -> None:
        unit_col = next(k for k, c in enumerate(cols) if c is not None and c.role == "unit")
        repeated = repeated_units(self.scheme, table, unit_col)
        labels: dict[int, str] = {}  # a column's label, made once (not once a cell)

        def label(k: int) -> str:
            if k not in labels:
                labels[k] = column_label(k, table)
            return labels[k]

        # columns without a header (and past the last column read): a value there is an error
        headless = [k for k, c in enumerate(cols) if c is None and _blank_header(table, k)]
        for k, c in enumerate(cols):
            if c is not None and c.indicator is not None and c.role in ("value", "item"):
                self.columns_seen.setdefault(c.indicator, []).append(table.ref(None, label(k)))
        for rownum, cells in table.rows:
            if _blank(cells):
                continue
            for k in (*(k for k in headless if k < len(cells)), *range(len(cols), len(cells))):
                if not _blank([cells[k]]):
                    self.errors.append(
                        table.ref(rownum, label(k)).issue(
                            f"a value ({cells[k]!r}) in a column without a header; name the column "
                            "or clear the cell"
                        )
                    )
            uid = self.unit(_get(cells, unit_col), table.ref(rownum, label(unit_col)))
            if uid is None:
                continue
            if rownum in repeated:  # reported by check_tables, with both rows
                continue
            self.unit_rows.setdefault(uid, []).append(table.ref(rownum))
            for k, c in enumerate(cols):
                if c is None or c.indicator is None:
                    continue
                self.put(uid, c, _get(cells, k), table.ref(rownum, label(k)))

    def long(self, table: Table, cols: list[Column | None]) -> None:
        pos = {c.role: k for k, c in enumerate(cols) if c is not None}
        for rownum, cells in table.rows:
            if _blank(cells):
                continue
            uid = self.unit(
                _get(cells, pos["unit"]), table.ref(rownum, column_label(pos["unit"], table))
            )
            ind_ref = table.ref(rownum, column_label(pos["indicator"], table))
            col = self.resolver.resolve(_get(cells, pos["indicator"]))
            if isinstance(col, str) or col.role not in ("value", "item"):
                self.errors.append(
                    ind_ref.issue(col if isinstance(col, str) else "not an indicator column")
                )
                continue
            if uid is None:
                continue
            if not any(r.same_table(ind_ref) for r in self.unit_rows.get(uid, [])):
                self.unit_rows.setdefault(uid, []).append(table.ref(rownum))
            assert col.indicator is not None
            if not any(r.same_table(ind_ref) for r in self.columns_seen.get(col.indicator, [])):
                self.columns_seen.setdefault(col.indicator, []).append(table.ref())
            self.put(
                uid,
                col,
                _get(cells, pos["long_value"]),
                table.ref(rownum, column_label(pos["long_value"], table)),
            )
            if "note" in pos:
                self.put(
                    uid,
                    Column("note", col.indicator),
                    _get(cells, pos["note"]),
                    table.ref(rownum, column_label(pos["note"], table)),
                )

    # ---- completeness

    def finish(self) -> None:
        self._check_notes()
        self._check_missing()

    def _check_notes(self) -> None:
        for iid, ind in self.scheme.indicators.items():
            j = self.i_index[iid]
            r = ind.rule
            needs_note: NDArray[np.bool_] | None = None
            why = ""
            if r.type == "judgement" and r.reason_required:
                needs_note = np.nan_to_num(self.values[:, j]) > 0
                why = "a deduction needs its reason in the note"
            elif r.type == "bonus_items" and r.evidence_required:
                needs_note = np.nan_to_num(self.items[iid]).sum(axis=1) > 0
                why = "bonus points need evidence named in the note"
            if needs_note is None:
                continue
            for i in np.flatnonzero(needs_note):
                uid = self.units[i]
                if (uid, iid) not in self.notes:
                    ref = self.sources.get((uid, iid), CellRef())
                    self.errors.append(ref.issue(f"{why} ({iid}:note)"))

    def _check_missing(self) -> None:
        files = ", ".join(dict.fromkeys(self.files)) or None
        for uid in self.units:
            if uid not in self.unit_rows:
                self.errors.append(
                    Issue(
                        Said("cell.no_unit_data", name=self.scheme.units[uid].name, uid=uid),
                        file=files,
                    )
                )
        for iid, ind in self.scheme.indicators.items():
            if ind.missing_policy != "error" or ind.rule.type == "judgement":
                continue
            j = self.i_index[iid]
            need = [
                i
                for i, u in enumerate(self.units)
                if u in self.unit_rows
                and ind.applies_to(self.scheme.units[u].category)
                and self.status[i, j] == MISSING
                and (u, iid) not in self.bad
            ]
            if not need:
                continue
            if iid not in self.columns_seen:
                names = ", ".join(self.units[i] for i in need[:6])
                more = " …" if len(need) > 6 else ""
                self.errors.append(
                    Issue(
                        Said("cell.no_column", name=ind.name, iid=iid, units=names + more),
                        file=files,
                    )
                )
                continue
            for i in need:
                uid = self.units[i]
                self.errors.append(
                    self._where_missing(uid, iid).issue(
                        Said(
                            "cell.missing",
                            name=ind.name,
                            iid=iid,
                            unit=self.scheme.units[uid].name,
                        )
                    )
                )

    def _where_missing(self, uid: str, iid: str) -> CellRef:
        """The empty cell: the unit's row in a table that has the indicator's column."""
        rows, cols = self.unit_rows[uid], self.columns_seen[iid]
        for col in cols:
            for row in rows:
                if row.same_table(col) and col.column is not None:
                    return CellRef(row.file, row.sheet, row.row, col.column)
        return CellRef(cols[0].file, cols[0].sheet)  # long format: the table, no such row

    def dataset(self) -> Dataset:
        return Dataset(
            self.units, self.inds, self.values, self.status, self.items, self.notes, self.sources
        )


def _get(cells: Sequence[Any], k: int) -> Any:
    return cells[k] if k < len(cells) else None


def _blank_header(table: Table, k: int) -> bool:
    head = table.header[k] if k < len(table.header) else None
    return head is None or (isinstance(head, str) and not head.strip())


def _blank(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def column_label(k: int, table: Table) -> str:
    """Spreadsheet column letter with its header, e.g. ``C (gdp_growth)``."""
    letters = ""
    n = k + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    head = table.header[k] if k < len(table.header) else None
    return f"{letters} ({header_key(head)})" if head not in (None, "") else letters


#: The most years a panel file is read for (a bound on its rows, not a limit anyone meets).
MAX_YEARS = 200

RowBound = Callable[[Sequence[Any]], int]


def row_bound(scheme: Scheme) -> RowBound:
    """From a table's header, the most filled rows a reader takes for ``scheme``: one per unit
    in a wide table, one per unit and value column in a long one (times :data:`MAX_YEARS` with
    a year column) — twice that and a thousand more, so that the first repeated or unknown units
    are still reported one by one. Every row past one per unit is an error, so a reader may
    stop there without changing what a valid file means."""
    units = len(scheme.units)
    columns = sum(len(i.rule.item_points() or {"": 0}) + 1 for i in scheme.indicators.values())

    def bound(header: Sequence[Any]) -> int:
        keys = {header_key(h).lower() for h in header}
        per_year = units * columns if keys & (INDICATOR_HEADERS | VALUE_HEADERS) else units
        return 2 * per_year * (MAX_YEARS if keys & YEAR_HEADERS else 1) + 1000

    return bound


def unit_column(table: Table) -> int | None:
    """The position of a table's unit column (``unit``/``考核对象``…), if it has one."""
    for k, h in enumerate(table.header):
        if header_key(h).lower() in UNIT_HEADERS:
            return k
    return None


def is_long(table: Table) -> bool:
    """Does the table hold one value per row (``unit, indicator, value``)?"""
    keys = {header_key(h).lower() for h in table.header}
    return bool(keys & (INDICATOR_HEADERS | VALUE_HEADERS))


def repeated_units(scheme: Scheme, table: Table, unit_col: int) -> dict[int, tuple[str, int]]:
    """Rows of a wide table whose unit — by id, or by name — is on an earlier row of it:
    ``{row: (unit id, first row)}``. Rows naming no known unit are left to the caller."""
    by_name = {u.name: uid for uid, u in scheme.units.items()}
    first: dict[str, int] = {}
    out: dict[int, tuple[str, int]] = {}
    for rownum, cells in table.rows:
        key = header_key(_get(cells, unit_col))
        uid = key if key in scheme.units else by_name.get(key)
        if uid is None or _blank(cells):
            continue
        if uid in first:
            out[rownum] = (uid, first[uid])
        else:
            first[uid] = rownum
    return out


def check_tables(scheme: Scheme, tables: Iterable[Table]) -> list[Issue]:
    """What is wrong with the rows of data tables before any cell is read: a unit on two rows
    of one sheet (by id twice, or by id and by name), each repeat located with both rows; a
    table the reader cut short (more rows than the scheme can use).

    :func:`dataset_from_tables` reports these with every other problem; the platform's upload
    of a department's columns calls this alone (the same check, the same messages)."""
    issues: list[Issue] = []
    for table in tables:
        if table.cut is not None:
            issues.append(table.cut)
        k = unit_column(table)
        if k is None or is_long(table):
            continue
        repeated = repeated_units(scheme, table, k)
        cells_of = dict(table.rows) if repeated else {}
        for rownum, (uid, first) in repeated.items():
            cell = _get(cells_of[rownum], k)
            name = scheme.units[uid].name
            how: str = "" if header_key(cell) == uid else Said("cell.written_as_name", name=name)
            issues.append(
                table.ref(rownum, column_label(k, table)).issue(
                    Said("cell.unit_twice", uid=uid, first=first, how=how)
                )
            )
    return issues


def dataset_from_tables(scheme: Scheme, tables: Iterable[Table]) -> tuple[Dataset, list[Issue]]:
    """Validate tables against the scheme; return the dataset and warnings.

    Raises :class:`DataError` listing every bad cell (by file, sheet, row and column) at once.
    """
    tables = list(tables)
    b = _Builder(scheme)
    b.errors += check_tables(scheme, tables)
    for table in tables:
        b.files.append(table.file or table.name)
        cols: list[Column | None] = []
        header_ok = True
        for k, h in enumerate(table.header):
            if h is None or (isinstance(h, str) and not h.strip()):
                cols.append(None)
                continue
            col = b.resolver.resolve(h)
            if isinstance(col, str):
                b.errors.append(table.ref(table.header_row, column_label(k, table)).issue(col))
                cols.append(None)
                header_ok = False
                continue
            cols.append(col)
        roles = {c.role for c in cols if c is not None}
        if "unit" not in roles:
            b.errors.append(
                table.ref(table.header_row).issue(
                    "no unit column: the first row must name the columns, one of them "
                    "'unit' (or 考核对象)"
                )
            )
            continue
        if "indicator" in roles or "long_value" in roles:
            if not {"indicator", "long_value"} <= roles:
                b.errors.append(
                    table.ref(table.header_row).issue(
                        "a long table needs the columns unit, indicator and value (note optional)"
                    )
                )
                continue
            b.long(table, cols)
        elif header_ok or cols:
            b.wide(table, cols)
    b.finish()
    if b.errors:
        raise DataError(b.errors)
    return b.dataset(), b.warnings


# --------------------------------------------------------------------------- years (panels)


def year_column(table: Table) -> int | None:
    """The position of the table's year column (``year``/``年度``…), if it has one."""
    for k, h in enumerate(table.header):
        if header_key(h).lower() in YEAR_HEADERS:
            return k
    return None


def year_text(raw: Any) -> str | None:
    """A year cell as text: ``2024``, ``2024.0`` and ``" 2024 "`` all read ``2024``."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def split_years(tables: Iterable[Table], year: str | None = None) -> dict[str, list[Table]]:
    """Tables cut into one set per year by their year column (kept, and read past, so that
    columns keep their letters in messages).

    A table without a year column belongs to ``year`` (the year a whole file was given for);
    without one either, it is an error. A row without a year is an error naming the row.
    """
    out: dict[str, list[Table]] = {}
    errors: list[Issue] = []
    for table in tables:
        k = year_column(table)
        if k is None:
            if year is None:
                errors.append(
                    table.ref(table.header_row).issue(
                        "no year column: a panel needs a 'year' (or 年度) column, or the file "
                        "given as YEAR=FILE"
                    )
                )
            else:
                out.setdefault(year, []).append(table)
            continue
        by_year: dict[str, list[tuple[int, Sequence[Any]]]] = {}
        for number, cells in table.rows:
            if _blank(cells):
                continue
            y = year_text(_get(cells, k))
            if y is None:
                errors.append(table.ref(number, column_label(k, table)).issue("the year is empty"))
                continue
            if year is not None and y != year:
                errors.append(
                    table.ref(number, column_label(k, table)).issue(
                        f"year {y} in a file given for {year}"
                    )
                )
                continue
            by_year.setdefault(y, []).append((number, cells))
        for y, rows in by_year.items():
            out.setdefault(y, []).append(replace(table, rows=rows))
    if errors:
        raise DataError(errors)
    return out
