"""Derived values into the engine's dataset, beside the values typed in data files.

:func:`dataset_with_ledgers` validates the data tables as usual (the derived indicators are
not asked of them, and a column for one is refused: a count is not typed twice), then writes
each derived value into its cell with the same checks a typed value gets (range, counts,
veto 0/1), marks where it came from, and keeps its records as the cell's provenance. A
derived value that is empty (nothing in the base of a share) is an error when the indicator
does not allow a missing value, naming what was empty.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from kaohe.dataset import (
    MISSING,
    PRESENT,
    CellRef,
    Column,
    ColumnResolver,
    Dataset,
    Table,
    column_label,
    dataset_from_tables,
    value_problem,
)
from kaohe.errors import DataError, Issue
from kaohe.ledgers.derive import Derived, DerivedIndicator, derived_indicators
from kaohe.ledgers.words import word
from kaohe.provenance import Provenance
from kaohe.scheme import Indicator, Scheme


def dataset_with_ledgers(
    scheme: Scheme, tables: Iterable[Table], derived: Derived | None
) -> tuple[Dataset, list[Issue]]:
    """The dataset of ``tables`` with the ``derived`` indicators filled in; raises
    :class:`DataError` listing every problem (of the tables and of the derived values)."""
    tables = list(tables)
    wanted = derived_indicators(scheme)
    errors = _typed_columns(scheme, tables, set(wanted))
    missing = [iid for iid in wanted if derived is None or iid not in derived.indicators]
    if missing:
        errors += [Issue(word("err.derive.not_derived", indicator=iid)) for iid in missing]
    try:
        data, warnings = dataset_from_tables(_relaxed(scheme, wanted), tables)
    except DataError as exc:
        raise DataError(errors + exc.issues) from None
    if errors:
        raise DataError(errors)
    if derived is None or not wanted:
        return data, warnings
    return _filled(scheme, data, derived, wanted), warnings


def _typed_columns(scheme: Scheme, tables: list[Table], derived: set[str]) -> list[Issue]:
    """A derived indicator given in a data table: its header (wide) or its rows (long)."""
    resolver = ColumnResolver(scheme)
    out = []
    for table in tables:
        cols = [resolver.resolve(h) for h in table.header]
        for k, col in enumerate(cols):
            if isinstance(col, Column) and col.indicator in derived:
                ref = table.ref(table.header_row, column_label(k, table))
                out.append(ref.issue(word("err.derive.typed", indicator=col.indicator)))
        long = next(
            (k for k, c in enumerate(cols) if isinstance(c, Column) and c.role == "indicator"), None
        )
        if long is None:
            continue
        for rownum, cells in table.rows:
            cell = cells[long] if long < len(cells) else None
            named = resolver.resolve(cell) if cell is not None else None
            if isinstance(named, Column) and named.indicator in derived:
                ref = table.ref(rownum, column_label(long, table))
                out.append(ref.issue(word("err.derive.typed", indicator=named.indicator)))
    return out


def _relaxed(scheme: Scheme, derived: dict[str, Indicator]) -> Scheme:
    """The scheme as the data tables see it: derived indicators may be absent from them."""
    if not derived:
        return scheme
    inds = dict(scheme.indicators)
    for iid, ind in derived.items():
        inds[iid] = ind.model_copy(update={"missing": "zero"})
    return scheme.model_copy(update={"indicators": inds})


def _filled(
    scheme: Scheme, data: Dataset, derived: Derived, wanted: dict[str, Indicator]
) -> Dataset:
    values = np.array(data.values)
    status = np.array(data.status)
    items = {k: np.array(v) for k, v in data.items.items()}
    notes = dict(data.notes)
    sources = dict(data.sources)
    provenance: dict[tuple[str, str], Provenance] = dict(data.provenance)
    errors: list[Issue] = []
    for iid, ind in wanted.items():
        d = derived.indicators[iid]
        j = data.indicators.index(iid)
        ref = CellRef(d.source or word(f"ledger.{d.ledger}"))
        for i, uid in enumerate(data.units):
            prov = d.provenance[i]
            if prov is None:  # the indicator does not apply to the unit
                continue
            problem = _put(ind, iid, d, i, values, status, items, j, scheme)
            if problem is not None:
                errors.append(
                    Issue(
                        word("err.derive.value", unit=scheme.units[uid].name, problem=problem),
                        path=f"indicators.{iid}.derive",
                        file=d.source or None,
                    )
                )
                continue
            sources[(uid, iid)] = ref
            provenance[(uid, iid)] = prov
            if d.items is not None and any(d.items[n][i] for n in d.items):
                notes.setdefault((uid, iid), _evidence(prov))
    if errors:
        raise DataError(errors)
    return Dataset(data.units, data.indicators, values, status, items, notes, sources, provenance)


def _put(
    ind: Indicator,
    iid: str,
    d: DerivedIndicator,
    i: int,
    values: NDArray[np.float64],
    status: NDArray[np.int8],
    items: dict[str, NDArray[np.float64]],
    j: int,
    scheme: Scheme,
) -> str | None:
    """Write one derived cell; what is wrong with it, if anything."""
    if d.items is not None:
        for k, name in enumerate(ind.rule.item_points() or {}):
            count = float(d.items[name][i])
            problem = value_problem(scheme, iid, Column("item", iid, name), count)
            if problem:
                return problem
            items[iid][i, k] = count
        status[i, j] = PRESENT
        return None
    v = float(d.values[i])
    if v != v:
        if ind.missing_policy == "error":
            return word("err.derive.empty", arithmetic=str(d.provenance[i].arithmetic))  # type: ignore[union-attr]
        status[i, j] = MISSING
        return None
    problem = value_problem(scheme, iid, Column("value", iid), v)
    if problem:
        return problem
    values[i, j] = v
    status[i, j] = PRESENT
    return None


def _evidence(prov: Provenance) -> str:
    """The note of a derived item count: the records it counted (evidence named)."""
    counted = prov.groups[0]
    listed = word("comma").join(f"{i} {n}" for i, n in zip(counted.ids, counted.names, strict=True))
    return word("note.evidence", ledger=prov.source, records=listed)
