"""A published result as a typed record: what a result snapshot holds, read once.

A snapshot is the engine's output kept as two plain-data documents: the rows of
``results.csv`` (:meth:`kaohe.results.Results.rows`) and the explain document (``explain.json``:
every unit's indicators, subtotals and grade decision). :func:`parse_publication` turns them into
frozen records; everything that reads a published result (the board's analyses, its files)
receives those, never the raw documents.

Pure: plain data in, records out; a malformed document raises :class:`PublicationError` naming
the field (``units[3].indicators[2].points``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from kaohe.errors import Issue, KaoheError
from kaohe.i18n import t
from kaohe.results import RESULT_COLUMNS


class PublicationError(KaoheError):
    """A stored result cannot be read as a published result (a field missing or mistyped)."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One line of ``results.csv``: a unit's score, ranks, grade and dimension subtotals."""

    unit: str
    name: str
    category: str
    score: float
    full_marks: float
    share: float
    rank_in_category: int
    rank: int
    grade: str | None
    grade_name: str | None
    vetoed: tuple[str, ...]  # the veto indicators' ids
    subtotals: Mapping[str, float | None]  # dimension id → points (None: does not apply)

    def as_dict(self) -> dict[str, Any]:
        """The row as :meth:`kaohe.results.Results.rows` gives it (results.csv's columns)."""
        return {
            "unit": self.unit,
            "name": self.name,
            "category": self.category,
            "score": self.score,
            "full_marks": self.full_marks,
            "share": self.share,
            "rank_in_category": self.rank_in_category,
            "rank": self.rank,
            "grade": self.grade,
            "grade_name": self.grade_name,
            "vetoed": ";".join(self.vetoed),
            **self.subtotals,
        }


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """One indicator of one unit: its value as the rule used it, the points and why."""

    indicator: str
    name: str
    kind: str  # base, bonus, deduction, veto
    unit_of_measure: str
    direction: str  # higher, lower
    status: str  # present, missing, not_applicable
    value: float | None
    target: float | None
    rule: str  # the rule's type
    elapsed: float | None  # a time_progress rule's elapsed share of its period
    points: float | None
    full: float | None
    arithmetic: str
    flags: tuple[str, ...]

    @property
    def reported(self) -> bool:
        """A value was reported and is a finite number."""
        return self.status == "present" and self.value is not None and math.isfinite(self.value)


@dataclass(frozen=True, slots=True)
class DimensionResult:
    """A dimension's subtotal for one unit, against its full marks."""

    dimension: str
    name: str
    value: float | None
    full: float | None


@dataclass(frozen=True, slots=True)
class Gate:
    """A limit on the grade (a veto, a condition) and the reason it applied."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class Decision:
    """Why the unit's grade is what it is, in the words the engine wrote them."""

    summary: str
    gates: tuple[Gate, ...]
    skipped: tuple[tuple[str, str], ...]  # (grade id passed over, why)


@dataclass(frozen=True, slots=True)
class UnitResult:
    """A unit's whole published result: the head of its row and every line of its explanation."""

    unit: str
    name: str
    category: str
    category_name: str
    score: float
    full_marks: float
    share: float
    rank_in_category: int
    rank: int
    grade: str | None
    grade_name: str | None
    void: bool  # the result does not count (a veto barring any rating)
    vetoes: tuple[str, ...]  # veto indicator ids
    indicators: tuple[IndicatorResult, ...]
    dimensions: tuple[DimensionResult, ...]
    decision: Decision | None


@dataclass(frozen=True, slots=True)
class Category:
    category: str
    name: str
    full_marks: float | None


@dataclass(frozen=True)
class Publication:
    """A published result: the rows of results.csv and every unit's explanation."""

    scheme_name: str
    period: str
    categories: Mapping[str, Category]  # in the scheme's order
    rows: tuple[ResultRow, ...]  # in the scheme's order of units
    units: tuple[UnitResult, ...]  # the same units, the same order
    dimensions: tuple[str, ...]  # the subtotal columns, in the scheme's order
    effective_weights: Mapping[str, Mapping[str, float]]  # category → indicator → weight
    screened: tuple[str, ...]

    def unit(self, unit: str) -> UnitResult:
        """The unit's result; :class:`KeyError` when the result has no such unit."""
        return self._by_unit[unit]

    def has_unit(self, unit: str) -> bool:
        return unit in self._by_unit

    def peers(self, unit: str) -> list[UnitResult]:
        """The units of ``unit``'s category, itself included."""
        category = self.unit(unit).category
        return [u for u in self.units if u.category == category]

    def points(self, indicators: Sequence[str]) -> list[list[float | None]]:
        """Every unit's points on ``indicators`` (None where it does not apply or has none)."""
        out = []
        for u in self.units:
            mine = {ind.indicator: ind.points for ind in u.indicators}
            out.append([mine.get(i) for i in indicators])
        return out

    @cached_property
    def _by_unit(self) -> dict[str, UnitResult]:
        return {u.unit: u for u in self.units}


# --------------------------------------------------------------------------- parsing


def parse_publication(rows: Sequence[Any], doc: Any) -> Publication:
    """The record of a snapshot's rows (results.csv's rows) and explain document."""
    if not isinstance(doc, Mapping):
        raise _bad("explain")
    units_doc = _get(doc, "units", list, "explain")
    if not isinstance(rows, Sequence):
        raise _bad("rows")
    parsed_rows = tuple(parse_row(r, f"rows[{k}]") for k, r in enumerate(rows))
    units = tuple(_unit(u, f"units[{k}]") for k, u in enumerate(units_doc))
    if [r.unit for r in parsed_rows] != [u.unit for u in units]:
        raise _bad("rows[].unit ≠ units[].unit")
    cats = _get(doc, "categories", Mapping, "explain")
    weights = doc.get("effective_weights") or {}
    return Publication(
        scheme_name=str(doc.get("scheme", "")),
        period=str(doc.get("period", "")),
        categories={
            cid: Category(
                cid,
                _get(c, "name", str, f"categories.{cid}"),
                _opt_num(c.get("full_marks"), f"categories.{cid}.full_marks"),
            )
            for cid, c in cats.items()
        },
        rows=parsed_rows,
        units=units,
        dimensions=tuple(parsed_rows[0].subtotals) if parsed_rows else (),
        effective_weights={
            c: {i: float(w) for i, w in ws.items()} for c, ws in dict(weights).items()
        },
        screened=tuple(str(x) for x in doc.get("screened") or ()),
    )


def parse_row(row: Any, where: str = "row") -> ResultRow:
    """A results.csv row as :meth:`kaohe.results.Results.rows` gives it."""
    if not isinstance(row, Mapping):
        raise _bad(where)
    vetoed = row.get("vetoed") or ""
    return ResultRow(
        unit=_get(row, "unit", str, where),
        name=_get(row, "name", str, where),
        category=_get(row, "category", str, where),
        score=_num(row, "score", where),
        full_marks=_num(row, "full_marks", where),
        share=_num(row, "share", where),
        rank_in_category=_get(row, "rank_in_category", int, where),
        rank=_get(row, "rank", int, where),
        grade=_opt_str(row.get("grade"), f"{where}.grade"),
        grade_name=_opt_str(row.get("grade_name"), f"{where}.grade_name"),
        vetoed=tuple(v for v in str(vetoed).split(";") if v),
        subtotals={
            k: _opt_num(v, f"{where}.{k}") for k, v in row.items() if k not in RESULT_COLUMNS
        },
    )


def _unit(u: Any, where: str) -> UnitResult:
    if not isinstance(u, Mapping):
        raise _bad(where)
    inds = _get(u, "indicators", list, where)
    dims = _get(u, "dimensions", list, where)
    return UnitResult(
        unit=_get(u, "unit", str, where),
        name=_get(u, "name", str, where),
        category=_get(u, "category", str, where),
        category_name=_get(u, "category_name", str, where),
        score=_num(u, "score", where),
        full_marks=_num(u, "full_marks", where),
        share=_num(u, "share", where),
        rank_in_category=_get(u, "rank_in_category", int, where),
        rank=_get(u, "rank", int, where),
        grade=_opt_str(u.get("grade"), f"{where}.grade"),
        grade_name=_opt_str(u.get("grade_name"), f"{where}.grade_name"),
        void=bool(u.get("void", False)),
        vetoes=tuple(str(v) for v in u.get("vetoes") or ()),
        indicators=tuple(_indicator(x, f"{where}.indicators[{k}]") for k, x in enumerate(inds)),
        dimensions=tuple(_dimension(x, f"{where}.dimensions[{k}]") for k, x in enumerate(dims)),
        decision=_decision(u.get("grade_decision"), f"{where}.grade_decision"),
    )


def _indicator(x: Any, where: str) -> IndicatorResult:
    if not isinstance(x, Mapping):
        raise _bad(where)
    rule = x.get("rule") or {}
    terms = x.get("terms") or {}
    rule_type = str(rule.get("type", "")) if isinstance(rule, Mapping) else ""
    elapsed = terms.get("elapsed") if rule_type == "time_progress" else None
    return IndicatorResult(
        indicator=_get(x, "indicator", str, where),
        name=_get(x, "name", str, where),
        kind=_get(x, "kind", str, where),
        unit_of_measure=str(x.get("unit_of_measure") or ""),
        direction=str(x.get("direction") or "higher"),
        status=_get(x, "status", str, where),
        value=_opt_num(x.get("value"), f"{where}.value", loose=True),
        target=_opt_num(x.get("target"), f"{where}.target"),
        rule=rule_type,
        elapsed=_opt_num(elapsed, f"{where}.terms.elapsed"),
        points=_opt_num(x.get("points"), f"{where}.points"),
        full=_opt_num(x.get("full"), f"{where}.full"),
        arithmetic=str(x.get("arithmetic") or ""),
        flags=tuple(str(f) for f in x.get("flags") or ()),
    )


def _dimension(x: Any, where: str) -> DimensionResult:
    if not isinstance(x, Mapping):
        raise _bad(where)
    return DimensionResult(
        dimension=_get(x, "dimension", str, where),
        name=_get(x, "name", str, where),
        value=_opt_num(x.get("value"), f"{where}.value"),
        full=_opt_num(x.get("full"), f"{where}.full"),
    )


def _decision(x: Any, where: str) -> Decision | None:
    if x is None:
        return None
    if not isinstance(x, Mapping):
        raise _bad(where)
    gates = tuple(
        Gate(str(g.get("name", "")), str(g.get("reason", "")))
        for g in _items(x.get("gates"), f"{where}.gates")
    )
    skipped = tuple(
        (str(s[0]), str(s[1])) for s in _items(x.get("skipped"), f"{where}.skipped", pairs=True)
    )
    return Decision(str(x.get("summary") or ""), gates, skipped)


# --------------------------------------------------------------------------- fields


def _bad(field: str) -> PublicationError:
    return PublicationError(Issue(t("publication.bad_field", field=field), path=field))


def _get(d: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = d.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _bad(f"{where}.{key}")
    return value


def _num(d: Mapping[str, Any], key: str, where: str) -> float:
    value = _opt_num(d.get(key), f"{where}.{key}")
    if value is None:
        raise _bad(f"{where}.{key}")
    return value


def _opt_num(value: Any, where: str, loose: bool = False) -> float | None:
    """A number or None; ``loose``: anything else (a text value) is None too."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if loose:
        return None
    raise _bad(where)


def _opt_str(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _bad(where)


def _items(value: Any, where: str, pairs: bool = False) -> Iterable[Any]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise _bad(where)
    for k, item in enumerate(value):
        ok = (
            isinstance(item, list | tuple) and len(item) == 2
            if pairs
            else isinstance(item, Mapping)
        )
        if not ok:
            raise _bad(f"{where}[{k}]")
    return value
