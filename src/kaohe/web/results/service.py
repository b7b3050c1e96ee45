"""A cycle's results: the data set of its approved values, the computation, and the
stored snapshots (rows and explanations)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.dataset import Dataset
from kaohe.engine import assess
from kaohe.io.results_files import explain_document
from kaohe.monitoring.last_year import reads_last_year, with_last_year
from kaohe.publication import Publication, parse_publication
from kaohe.results import Results
from kaohe.scheme import Scheme
from kaohe.web.audit import chain as audit
from kaohe.web.cycles.service import last_year, scheme_of
from kaohe.web.ledgers import service as ledgers
from kaohe.web.store.models import (
    Cycle,
    ResultSnapshot,
    Value,
)


def dataset(session: Session, cycle: Cycle, scheme: Scheme) -> Dataset:
    """The latest approved version of every cell, validated as a data file would be."""
    rows = session.execute(
        select(Value)
        .where(Value.cycle_id == cycle.id, Value.period == "", Value.state == "approved")
        .order_by(Value.unit, Value.column, Value.version)
    ).scalars()
    cells: dict[str, dict[str, Any]] = {}
    notes: dict[tuple[str, str], str] = {}
    for v in rows:  # later versions replace earlier ones
        cells.setdefault(v.unit, {})[v.column] = v.raw if v.raw != "" else None
        base = v.column.partition(":")[0]
        if v.note:
            notes[(v.unit, base)] = v.note
    for uid in scheme.units:
        cells.setdefault(uid, {})
    if ledgers.derives(scheme):  # indicators counted from the cycle's register and matters
        return ledgers.dataset_with_register(session, cycle, scheme, cells, notes)
    return Dataset.from_mapping(scheme, cells, notes)


def assess_cycle(session: Session, cycle: Cycle) -> Results:
    """The engine on the cycle's approved values (what :func:`compute` keeps), the previous
    values that the scheme reads from last year from the previous cycle of the same scheme."""
    scheme = with_previous_cycle(session, cycle, scheme_of(cycle, session))
    return assess(scheme, dataset(session, cycle, scheme))


def with_previous_cycle(session: Session, cycle: Cycle, scheme: Scheme) -> Scheme:
    """The scheme with last year's values as the previous values of the indicators that read
    them (``previous_from: last_year``): the newest approved annual value of each unit in the
    previous cycle of the same scheme (:func:`kaohe.web.cycles.service.last_year`), numbers
    only. The scheme as it is when none of its indicators reads them."""
    wanted = reads_last_year(scheme)
    if not wanted:
        return scheme
    values: dict[str, dict[str, float | None]] = {}
    prev = last_year(session, cycle)
    if prev is not None:
        rows = session.execute(
            select(Value.unit, Value.column, Value.raw)
            .where(
                Value.cycle_id == prev.id,
                Value.period == "",
                Value.state == "approved",
                Value.column.in_(wanted),
            )
            .order_by(Value.version)
        )
        for unit, column, raw in rows:  # later versions replace earlier ones
            try:
                values.setdefault(column, {})[unit] = float(raw)
            except ValueError:
                values.setdefault(column, {})[unit] = None  # N/A or empty: no value
    return with_last_year(scheme, values)


def compute(session: Session, cycle: Cycle, actor: str = "system") -> Results:
    """Compute the cycle's results from its approved values and keep them as a snapshot.

    The cadre grades and decisions that read them are recomputed by the caller:
    ``kaohe.web.personnel.compute.compute_results`` does both."""
    results = assess_cycle(session, cycle)
    snap = ResultSnapshot(
        cycle_id=cycle.id,
        rows=json.dumps(results.rows(), ensure_ascii=False),
        explain=json.dumps(explain_document(results), ensure_ascii=False),
    )
    session.add(snap)
    session.flush()
    audit.record(
        session,
        actor,
        "results.compute",
        f"cycle:{cycle.id}",
        after={"snapshot": snap.id, "sha256": audit.snapshot_digest(snap.rows, snap.explain)},
    )
    return results


def latest_results(session: Session, cycle: Cycle) -> ResultSnapshot | None:
    return session.execute(
        select(ResultSnapshot)
        .where(ResultSnapshot.cycle_id == cycle.id)
        .order_by(ResultSnapshot.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def snapshot_rows(snap: ResultSnapshot) -> list[dict[str, Any]]:
    """The snapshot's result rows (parsed once per process: a snapshot never changes).
    Callers must not modify them."""
    return _json(snap.rows)  # type: ignore[no-any-return]


def published(snap: ResultSnapshot) -> Publication:
    """The snapshot as a typed record (:mod:`kaohe.publication`), parsed once per process."""
    return _publication(snap.rows, snap.explain)


@lru_cache(maxsize=16)
def _json(text: str) -> Any:
    return json.loads(text)


@lru_cache(maxsize=8)
def _publication(rows: str, explain: str) -> Publication:
    return parse_publication(json.loads(rows), json.loads(explain))
