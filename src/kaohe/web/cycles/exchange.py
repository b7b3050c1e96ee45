"""``kaohe cycle export`` / ``kaohe cycle import``: a cycle as the files ``kaohe run`` reads.

An exported folder holds

- ``scheme.yaml``: the cycle's scheme version, the stored text byte for byte;
- ``data.csv``: the dataset the platform computes from — the latest approved version of every
  cell — in the wide layout (``unit``, then one column per stored column key, ``awards:国家级``,
  ``x:note`` …), so that ``kaohe run scheme.yaml data.csv`` reads exactly what the platform read;
- ``results.csv``: the cycle's latest computed results as ``kaohe run`` writes them (full
  precision, ranked order); absent when the cycle has not been computed yet.

Importing a folder validates the scheme and the data file with the library's own checks first
(every problem located by file, row and column), then, in the caller's one transaction, stores the
scheme version, creates a cycle, enters every cell as a value submitted and approved by the
importing actor (each write in the audit log), moves the cycle to reviewing and computes its
results. Nothing is written unless all of it succeeds.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.dataset import ColumnResolver, header_key
from kaohe.errors import DataError, Issue
from kaohe.io.atomic import atomic_dir
from kaohe.io.cells import safe_row
from kaohe.io.data_files import load_data, read_tables
from kaohe.io.scheme_file import parse_scheme_text
from kaohe.results import RESULT_COLUMNS, Results
from kaohe.scheme import Scheme
from kaohe.web.audit import chain as audit
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.results import service as results_
from kaohe.web.store.models import Cycle, SchemeVersion, Value, now

EXPORT_FILES = ("scheme.yaml", "data.csv", "results.csv")


@dataclass(frozen=True)
class Exported:
    folder: Path
    units: int
    columns: int
    results: bool  # whether results.csv was written


@dataclass(frozen=True)
class Imported:
    cycle_id: int
    name: str
    values: int
    results_match: bool | None  # against the folder's results.csv; None when it has none
    warnings: list[Issue] = field(default_factory=list)


# --------------------------------------------------------------------------- export


def cycle_cells(session: Session, cycle: Cycle, scheme: Scheme) -> dict[str, dict[str, Any]]:
    """``{unit: {column: raw}}`` of what the cycle's dataset is built from: the latest approved
    version of every cell, with the values' notes as ``id:note`` columns (as
    ``kaohe.web.cycles.dataset`` reads them)."""
    rows = session.execute(
        select(Value)
        .where(Value.cycle_id == cycle.id, Value.period == "", Value.state == "approved")
        .order_by(Value.unit, Value.column, Value.version)
    ).scalars()
    cells: dict[str, dict[str, Any]] = {uid: {} for uid in scheme.units}
    notes: dict[tuple[str, str], str] = {}
    for v in rows:  # later versions replace earlier ones
        cells.setdefault(v.unit, {})[v.column] = v.raw if v.raw != "" else None
        if v.note:
            notes[(v.unit, v.column.partition(":")[0])] = v.note
    for (uid, iid), text in notes.items():
        cells[uid][f"{iid}:note"] = text
    return cells


def data_csv(cells: dict[str, dict[str, Any]]) -> str:
    """The wide data file of ``cells``: ``unit``, then the column keys in sorted order."""
    keys = sorted({k for row in cells.values() for k in row})
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(safe_row(["unit", *keys]))
    for uid, row in cells.items():
        w.writerow(safe_row([uid, *["" if row.get(k) is None else row[k] for k in keys]]))
    return buf.getvalue()


def results_csv(rows: list[dict[str, Any]], scheme: Scheme) -> str:
    """``results.csv`` as ``kaohe run`` writes it, from a snapshot's rows."""
    extras = [k for k in (rows[0] if rows else {}) if k not in RESULT_COLUMNS]
    columns = [*RESULT_COLUMNS, *extras]
    cat_order = {c: k for k, c in enumerate(scheme.categories)}
    ordered = sorted(rows, key=lambda r: (r["rank"], cat_order.get(r["category"], 0), r["unit"]))
    buf = io.StringIO(newline="")
    w = csv.writer(buf)  # the csv module's default line ending, as kaohe run's file
    w.writerow(safe_row(columns))
    for row in ordered:
        w.writerow(safe_row("" if row.get(c) is None else row[c] for c in columns))
    return buf.getvalue()


def export_cycle(session: Session, cycle_id: int, folder: str | Path) -> Exported:
    """Write the cycle's scheme, data and results into ``folder`` (all or nothing)."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise cycles.CycleError(f"no cycle {cycle_id}")
    version = session.get(SchemeVersion, cycle.scheme_version_id)
    assert version is not None
    scheme = cycles.scheme_of_version(version)
    cells = cycle_cells(session, cycle, scheme)
    snap = results_.latest_results(session, cycle)
    folder = Path(folder)
    with atomic_dir(folder, EXPORT_FILES) as tmp:
        (tmp / "scheme.yaml").write_bytes(version.text.encode("utf-8"))
        (tmp / "data.csv").write_bytes(data_csv(cells).encode("utf-8"))
        if snap is not None:
            text = results_csv(json.loads(snap.rows), scheme)
            (tmp / "results.csv").write_bytes(text.encode("utf-8"))
    columns = len({k for row in cells.values() for k in row})
    return Exported(folder, len(cells), columns, snap is not None)


# --------------------------------------------------------------------------- import


def _read_scheme(path: Path) -> tuple[str, Scheme]:
    if not path.is_file():
        raise DataError(Issue("file not found (a cycle folder holds scheme.yaml)", file=str(path)))
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            Issue(f"not UTF-8 text (byte {exc.start}); save it as UTF-8", file=str(path))
        ) from None
    return text, parse_scheme_text(text, str(path))


def _cells(scheme: Scheme, path: Path) -> list[tuple[str, str, str]]:
    """(unit, column key, raw) of every filled cell of a wide data file, validated already."""
    tables, _ = read_tables(path)
    resolver = ColumnResolver(scheme)
    by_name = {u.name: uid for uid, u in scheme.units.items()}
    out: list[tuple[str, str, str]] = []
    for table in tables:
        cols = [resolver.resolve(h) for h in table.header]
        roles = [c.role if not isinstance(c, str) else None for c in cols]
        if "indicator" in roles or "long_value" in roles:
            raise DataError(
                Issue(
                    "import reads the wide layout (one row per unit, one column per indicator), "
                    "as kaohe cycle export writes it",
                    file=table.file or table.name,
                )
            )
        unit_col = roles.index("unit")
        for _, row in table.rows:
            if all(c is None or str(c).strip() == "" for c in row):
                continue
            key = header_key(row[unit_col])
            uid = key if key in scheme.units else by_name[key]
            for k, c in enumerate(cols):
                if isinstance(c, str) or c.indicator is None or k >= len(row):
                    continue
                raw = row[k]
                if raw is None or str(raw).strip() == "":
                    continue
                if c.role == "value":
                    column = c.indicator
                elif c.role == "item":
                    column = f"{c.indicator}:{c.item}"
                else:
                    column = f"{c.indicator}:note"
                out.append((uid, column, str(raw)))
    return out


def import_cycle(
    session: Session, folder: str | Path, name: str | None = None, actor: str = "import"
) -> Imported:
    """Store the folder's scheme, create a cycle with its data as approved values and compute
    its results, in the caller's transaction; every file is validated before anything is
    written (a bad file raises the library's located ``SchemeError`` / ``DataError``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(
            Issue("no such folder (give the folder kaohe cycle export wrote)", file=str(folder))
        )
    text, scheme = _read_scheme(folder / "scheme.yaml")
    data_path = folder / "data.csv"
    _, warnings = load_data(scheme, data_path)  # every problem, located, before any write
    entries = _cells(scheme, data_path)

    version = cycles.store_scheme(session, text, actor)
    cycle = cycles.create_cycle(session, version, name or scheme.period.label or scheme.name, actor)
    moves.move(session, cycle, "collecting", actor)
    for uid, column, raw in entries:
        value = Value(
            cycle_id=cycle.id,
            unit=uid,
            column=column,
            version=1,
            raw=raw,
            state="approved",
            reviewed_at=now(),
            comment="imported",
        )
        session.add(value)
        session.flush()
        target = f"cycle:{cycle.id}/{uid}/{column}"
        audit.record(
            session, actor, "value.submit", target, after={"raw": raw, "note": "", "version": 1}
        )
        audit.record(
            session, actor, "value.approve", target, after={"version": 1, "comment": "imported"}
        )
    moves.move(session, cycle, "reviewing", actor)
    results = results_.compute(session, cycle, actor)
    return Imported(
        cycle.id, cycle.name, len(entries), _matches(results, scheme, folder), list(warnings)
    )


def _matches(results: Results, scheme: Scheme, folder: Path) -> bool | None:
    path = folder / "results.csv"
    if not path.is_file():
        return None
    mine = results_csv(results.rows(), scheme)
    theirs = path.read_bytes().decode("utf-8-sig", errors="replace")
    return mine.replace("\r\n", "\n") == theirs.replace("\r\n", "\n")
