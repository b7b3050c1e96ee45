"""Values submitted for a cycle: a new version per cell, the newest version of each, and
those still waiting for review."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, exists, func, insert, select
from sqlalchemy.orm import Session, aliased, make_transient_to_detached

from kaohe.dataset import header_key
from kaohe.i18n import both
from kaohe.io.template import departments, template_columns
from kaohe.scheme import Scheme
from kaohe.web.audit import chain as audit
from kaohe.web.cycles.service import ConflictError, CycleError
from kaohe.web.policy import department_of
from kaohe.web.store.models import (
    Cycle,
    User,
    Value,
    now,
)


def submit(
    session: Session,
    cycle: Cycle,
    unit: str,
    column: str,
    raw: Any,
    note: str = "",
    user: User | None = None,
    correction: bool = False,
    base_version: int | None = None,
    newest: int | None = None,
    period: str = "",
) -> Value:
    """A new version of one cell (never an overwrite); during publicity only as the correction
    of an accepted objection. Given ``base_version`` (the version the person saw, 0 for none),
    it is refused if someone saved another version since. ``newest``: the cell's newest version
    (0 for none) as the caller read it while holding the audit lock (else it is looked up).
    ``period``: a monitoring period's id for a period value ('' the annual value); versions are
    numbered per (unit, column, period)."""
    if cycle.state != "collecting" and not (correction and cycle.state == "publicity"):
        raise CycleError(f"values are entered while the cycle is collecting (it is {cycle.state})")
    audit.lock(session)  # one writer at a time from here: the next version number is ours
    last = newest
    if last is None:
        last = session.execute(
            select(func.max(Value.version)).where(
                Value.cycle_id == cycle.id,
                Value.unit == unit,
                Value.column == column,
                Value.period == period,
            )
        ).scalar()
    if base_version is not None and base_version != (last or 0):
        said = both("web.say.value_changed_since", read=base_version, now=last)
        raise ConflictError(f"{unit} · {column}: {said}")
    row = {
        "cycle_id": cycle.id,
        "unit": unit,
        "column": column,
        "period": period,
        "version": (last or 0) + 1,
        "raw": "" if raw is None else str(raw),
        "note": note,
        "state": "submitted",
        "submitted_by": user.id if user else None,
        "submitted_at": now(),
        "reviewed_by": None,
        "reviewed_at": None,
        "comment": "",
    }
    # one prebuilt Core statement (this is the busiest write); the row joins the session as if
    # loaded, so that later changes to it (a review) are flushed as updates
    value = Value(id=session.connection().execute(_INSERT_VALUE, row).scalar_one(), **row)
    make_transient_to_detached(value)
    session.add(value)
    audit.record(
        session,
        user.username if user else "system",
        "value.submit",
        value_target(cycle.id, unit, column, period),
        after={"raw": value.raw, "note": note, "version": value.version},
    )
    return value


def value_target(cycle_id: int, unit: str, column: str, period: str = "") -> str:
    """The audit log's name of a cell: ``cycle:1/unit/column``, and ``@period`` for a period
    value."""
    return f"cycle:{cycle_id}/{unit}/{column}" + (f"@{period}" if period else "")


_INSERT_VALUE = insert(cast(Table, Value.__table__)).returning(Value.__table__.c.id)


def newest(cycle_id: int, period: str | None = "") -> Any:
    """A condition selecting, of ``Value`` rows of the cycle, each cell's newest version: no
    later version of the same cell exists (an anti-join on the cell's unique index, whose plan
    does not depend on the table's statistics, unlike a GROUP BY joined back). Of the annual
    values by default; of one monitoring period's, or (``None``) of every period's."""
    later = aliased(Value)
    which = Value.period != "" if period is None else Value.period == period
    return (
        (Value.cycle_id == cycle_id)
        & which
        & ~exists().where(
            later.cycle_id == Value.cycle_id,
            later.unit == Value.unit,
            later.column == Value.column,
            later.period == Value.period,
            later.version > Value.version,
        )
    )


def pending(session: Session, cycle: Cycle) -> int:
    """How many cells wait for review: their newest version is submitted (a version replaced
    by a newer one waits for nothing: it is the cell's history)."""
    return int(
        session.execute(
            select(func.count())
            .select_from(Value)
            .where(newest(cycle.id), Value.state == "submitted")
        ).scalar_one()
    )


def entry_columns(scheme: Scheme, user: User | None) -> list[tuple[str, str, str]]:
    """(indicator, column key, header) of the user's department's columns (values, items and
    notes), as in its sheet of the data-entry template."""
    dept = department_of(user)
    out = []
    for iid in departments(scheme).get(dept or "", []):
        for header, _ in template_columns(scheme, iid):
            out.append((iid, header_key(header), header.rsplit(" [", 1)[0]))
    return out


def latest_values(session: Session, cycle: Cycle, keys: list[str]) -> dict[tuple[str, str], Value]:
    """The newest version of every cell of the given columns, by (unit, column)."""
    rows = session.execute(select(Value).where(newest(cycle.id), Value.column.in_(keys))).scalars()
    return {(v.unit, v.column): v for v in rows}
