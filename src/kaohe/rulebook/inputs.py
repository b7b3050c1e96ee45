"""What a rulebook reads, checked once and turned into arrays.

* the unit results of the cycle (the engine's results table: per unit id — ``name``,
  ``category``, ``score``, ``share``, ``rank_in_category``, ``rank``, ``grade``, ``vetoed``),
  and optionally those of the previous cycle;
* the grade history of people: ``person_id``, ``kind`` (``cadre``/``team``), ``year``,
  ``unit``, ``grade``, optionally ``grade_name``, ``name``, ``position``, ``status``,
  ``years_at_level``;
* recorded promotions: ``person_id``, ``year``, ``unit``, optionally ``position``, ``name``.

Problems in these tables raise :class:`kaohe.errors.DataError`, located by table (as the
sheet), row and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from kaohe.errors import DataError, Issue
from kaohe.rulebook.model import When, grade_list

Strs = NDArray[np.object_]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True)
class RulebookInputs:
    """Everything a rulebook may read. ``results`` and ``previous`` are results tables (a
    :class:`kaohe.results.Results` or its ``to_pandas()`` frame); ``year`` is the year whose
    grades are used (default: the latest year of the history); ``headcount`` is unit id → staff
    (default: people of kind ``cadre`` in the history that year); ``grade_names`` names the
    grades of the history, by kind (``{"cadre": {"excellent": "优秀", …}, "team": {…}}``, e.g.
    :meth:`kaohe.cadres.design.GradingDesign.grade_names`) — a ``grade_name`` column of the
    history wins over it. Explanations show grades by these names, and a rule's grade list
    matches a grade by its id or its name."""

    results: Any
    previous: Any = None
    history: pd.DataFrame | None = None
    promotions: pd.DataFrame | None = None
    year: int | None = None
    headcount: Mapping[str, int] | None = None
    grade_names: Mapping[str, Mapping[str, str]] | None = None


# --------------------------------------------------------------------------- units


@dataclass(frozen=True, eq=False)
class UnitTable:
    """A results table as arrays, in its own row order."""

    source: str
    units: tuple[str, ...]
    names: tuple[str, ...]
    category: Strs
    rank: Ints
    rank_in_category: Ints
    grade: Strs  # grade id, "" when ungraded
    grade_name: Strs
    vetoed: tuple[str, ...]  # "" when not vetoed, else the vetoes (indicator ids) joined by ";"
    index: dict[str, int] = field(default_factory=dict)
    category_name: tuple[str, ...] = ()  # "" where unknown
    veto_names: tuple[str, ...] = ()  # the vetoes by name, joined by "、" ("" where unknown)

    def __len__(self) -> int:
        return len(self.units)

    def mask(self, when: When) -> Bools:
        """Which units meet every key of ``when``."""
        ok = np.ones(len(self), dtype=bool)
        grades = grade_list(when.grade)
        if grades:
            ok &= np.isin(self.grade, grades) | np.isin(self.grade_name, grades)
        if when.rank_at_most is not None:
            ok &= self.rank <= when.rank_at_most
        if when.rank_in_category_at_most is not None:
            ok &= self.rank_in_category <= when.rank_in_category_at_most
        if when.category is not None:
            ok &= np.isin(self.category, grade_list(when.category))
        if when.vetoed is not None:
            ok &= np.array([bool(v) for v in self.vetoed]) == when.vetoed
        return ok

    def label(self, i: int) -> str:
        return self.names[i] or self.units[i]

    def category_label(self, i: int) -> str:
        return (self.category_name[i] if self.category_name else "") or str(self.category[i])

    def veto_label(self, i: int) -> str:
        return (self.veto_names[i] if self.veto_names else "") or self.vetoed[i]


def unit_table(table: Any, source: str = "results") -> UnitTable:
    """A results table (``Results`` or a frame indexed by, or with a column, ``unit``).

    The names of categories and vetoes come from a ``Results``' scheme, or from the optional
    columns ``category_name`` and ``vetoed_name`` of a frame."""
    scheme = getattr(table, "scheme", None)
    frame = table.to_pandas() if hasattr(table, "to_pandas") else table
    if not isinstance(frame, pd.DataFrame):
        raise DataError(Issue(f"the {source} must be a results table, got {type(table).__name__}"))
    if "unit" not in frame.columns:
        frame = frame.reset_index()
        if "unit" not in frame.columns:
            frame = frame.rename(columns={frame.columns[0]: "unit"})
    _require(frame, source, ("unit", "category", "rank"))
    n = len(frame)
    units = tuple(str(u) for u in frame["unit"])
    dup = pd.Series(units).duplicated()
    if dup.any():
        k = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(_cell(source, k, "unit", f"unit {units[k]!r} appears twice"))

    def text(col: str, default: str = "") -> Strs:
        if col not in frame.columns:
            return np.full(n, default, dtype=object)
        return np.array([_str(v) for v in frame[col]], dtype=object)

    rank = _ints(frame, source, "rank")
    ric = _ints(frame, source, "rank_in_category") if "rank_in_category" in frame else rank
    category = text("category")
    vetoed = tuple(text("vetoed"))
    category_name, veto_names = tuple(text("category_name")), tuple(text("vetoed_name"))
    if scheme is not None:
        cats, inds = scheme.categories, scheme.indicators
        category_name = tuple(cats[c].name if c in cats else "" for c in category)
        veto_names = tuple(
            "、".join(inds[v].name if v in inds else v for v in vs.split(";")) if vs else ""
            for vs in vetoed
        )
    return UnitTable(
        source=source,
        units=units,
        names=tuple(text("name")),
        category=category,
        rank=rank,
        rank_in_category=ric,
        grade=text("grade"),
        grade_name=text("grade_name"),
        vetoed=vetoed,
        index={u: i for i, u in enumerate(units)},
        category_name=category_name,
        veto_names=veto_names,
    )


# --------------------------------------------------------------------------- people


@dataclass(frozen=True, eq=False)
class History:
    """Grade history sorted by person, then year (one row per person, kind and year)."""

    person: Strs
    code: Ints  # person's position in the sorted list of ids (equal ids, equal codes)
    kind: Strs
    year: Ints
    unit: Strs
    grade: Strs  # "" when the year has no grade
    name: Strs
    position: Strs
    status: Strs | None
    years_at_level: NDArray[np.float64] | None
    grade_name: Strs | None = None  # "" where the grade's name is not known

    def __len__(self) -> int:
        return len(self.year)

    def graded(self, grades: list[str] | tuple[str, ...]) -> Bools:
        """Which rows hold one of ``grades``, by the grade's id or its name."""
        hit: Bools = np.isin(self.grade, grades)
        if self.grade_name is not None:
            hit |= np.isin(self.grade_name, grades) & (self.grade_name != "")
        return hit

    def grade_label(self, r: int) -> str:
        """The grade of row ``r`` as shown: its name where known, else as written."""
        name = str(self.grade_name[r]) if self.grade_name is not None else ""
        return name or str(self.grade[r])

    def take(self, rows: Bools | Ints) -> History:
        def sub(a: Any) -> Any:
            return None if a is None else a[rows]

        return History(
            person=self.person[rows],
            code=self.code[rows],
            kind=self.kind[rows],
            year=self.year[rows],
            unit=self.unit[rows],
            grade=self.grade[rows],
            name=self.name[rows],
            position=self.position[rows],
            status=sub(self.status),
            years_at_level=sub(self.years_at_level),
            grade_name=sub(self.grade_name),
        )

    def of_kind(self, kind: str) -> History:
        return self.take(self.kind == kind)


HISTORY_COLUMNS = ("person_id", "kind", "year", "unit", "grade")


def history_table(
    frame: pd.DataFrame, grade_names: Mapping[str, Mapping[str, str]] | None = None
) -> History:
    """Check a grade-history frame and sort it by person, then year; name the grades from its
    ``grade_name`` column, else from ``grade_names`` (kind → grade id → name)."""
    _require(frame, "history", HISTORY_COLUMNS)
    frame = frame.reset_index(drop=True)
    person = _strs(frame["person_id"])
    kind = _strs(frame["kind"])
    bad = ~np.isin(kind, ("cadre", "team"))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise DataError(_cell("history", k, "kind", f"kind must be cadre or team, got {kind[k]!r}"))
    year = _ints(frame, "history", "year")
    codes, uniques = pd.factorize(person, sort=True)
    code = codes.astype(np.int64)
    order = np.lexsort((kind, year, code))
    code, year, kind = code[order], year[order], kind[order]
    same = (code[1:] == code[:-1]) & (year[1:] == year[:-1]) & (kind[1:] == kind[:-1])
    if same.any():
        k = int(order[np.flatnonzero(same)[0] + 1])
        raise DataError(
            _cell(
                "history",
                k,
                "year",
                f"person {person[k]!r} ({kind[k]}) has two rows for {int(frame['year'][k])}",
            )
        )

    def opt(col: str) -> Strs:
        if col not in frame.columns:
            return np.full(len(frame), "", dtype=object)
        return _strs(frame[col])[order]

    level = None
    if "years_at_level" in frame.columns:
        level = pd.to_numeric(frame["years_at_level"], errors="coerce").to_numpy(float)[order]
    grade = _strs(frame["grade"])[order]
    named = opt("grade_name")
    if grade_names:
        pairs = zip(kind, grade, strict=True)
        given = [grade_names.get(str(k), {}).get(str(g), "") for k, g in pairs]
        named = np.where(named == "", np.array(given, dtype=object), named)
    return History(
        person=np.asarray(uniques, dtype=object)[code],
        code=code,
        kind=kind,
        year=year,
        unit=_strs(frame["unit"])[order],
        grade=grade,
        name=opt("name"),
        position=opt("position"),
        status=opt("status") if "status" in frame.columns else None,
        years_at_level=level,
        grade_name=named,
    )


@dataclass(frozen=True, eq=False)
class Promotions:
    person: Strs
    year: Ints
    unit: Strs
    position: Strs
    name: Strs
    row: Ints  # row in the table as given


def promotions_table(frame: pd.DataFrame) -> Promotions:
    _require(frame, "promotions", ("person_id", "year", "unit"))
    frame = frame.reset_index(drop=True)
    person = _strs(frame["person_id"])
    year = _ints(frame, "promotions", "year")
    order = np.lexsort((np.arange(len(frame)), person.astype(str), year))
    n = len(frame)

    def opt(col: str) -> Strs:
        return (_strs(frame[col]) if col in frame.columns else np.full(n, "", dtype=object))[order]

    return Promotions(
        person=person[order],
        year=year[order],
        unit=_strs(frame["unit"])[order],
        position=opt("position"),
        name=opt("name"),
        row=order.astype(np.int64),
    )


# --------------------------------------------------------------------------- all of it


@dataclass(frozen=True, eq=False)
class Prepared:
    """The inputs of one evaluation, checked."""

    results: UnitTable
    previous: UnitTable | None
    history: History | None
    promotions: Promotions | None
    year: int | None
    headcount: Mapping[str, int] | None

    def need_history(self, rule: str) -> tuple[History, int]:
        if self.history is None:
            raise DataError(Issue(f"rule {rule!r} reads the grade history; none was given"))
        assert self.year is not None
        return self.history, self.year

    def unit_name(self, unit: str) -> str:
        """A unit as a sentence names it: its name in the results, else its id (a unit the
        results do not hold, or one without a name)."""
        k = self.results.index.get(unit)
        return (self.results.names[k] or unit) if k is not None else unit

    def need_year(self, rule: str) -> int:
        if self.year is None:
            raise DataError(
                Issue(f"rule {rule!r} needs the year: give the grade history or inputs.year")
            )
        return self.year

    def staff(self, rule: str) -> dict[str, int]:
        """Unit id → headcount: as given, else people of kind cadre in the history that year."""
        if self.headcount is not None:
            return {str(k): int(v) for k, v in self.headcount.items()}
        history, year = self.need_history(rule)
        rows = (history.year == year) & (history.kind == "cadre")
        units, counts = np.unique(history.unit[rows].astype(str), return_counts=True)
        return {str(u): int(c) for u, c in zip(units, counts, strict=True)}


def prepare(inputs: RulebookInputs) -> Prepared:
    history = None if inputs.history is None else history_table(inputs.history, inputs.grade_names)
    year = inputs.year
    if year is None and history is not None and len(history):
        year = int(history.year.max())
    return Prepared(
        results=unit_table(inputs.results, "results"),
        previous=None if inputs.previous is None else unit_table(inputs.previous, "previous"),
        history=history,
        promotions=None if inputs.promotions is None else promotions_table(inputs.promotions),
        year=year,
        headcount=inputs.headcount,
    )


# --------------------------------------------------------------------------- helpers


def _str(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    return str(v)


def _strs(col: pd.Series[Any]) -> Strs:
    """Text of a column, with missing cells as ""."""
    filled = col.astype(object).where(col.notna(), "")
    return cast(Strs, filled.astype(str).to_numpy(dtype=object))


def _ints(frame: pd.DataFrame, source: str, col: str) -> Ints:
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise DataError(
            _cell(source, k, col, f"{col} must be a whole number, got {frame[col].iloc[k]!r}")
        )
    return values.astype(np.int64)


def _require(frame: pd.DataFrame, source: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            [
                Issue(f"the {source} table has no column {c!r}", sheet=source, column=c)
                for c in missing
            ]
        )


def _cell(source: str, k: int, col: str, message: str) -> Issue:
    """An issue at data row ``k`` (0-based) of a table: row k + 2 counting the header."""
    return Issue(message, sheet=source, row=k + 2, column=col)
