"""A unit's public commitments (亮: its tasks and who answers for them) for a cycle.

Never deleted: withdrawing keeps the row with ``withdrawn`` set. An edit names the revision it
was read at; if the row has moved on since, the edit is refused (``StaleCommitmentError``) and
nothing is written — two people never silently overwrite each other. Every write is entered in
the audit log in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kaohe.web.audit import chain as audit
from kaohe.web.store.models import Commitment, Cycle, User

LIMITS = {"title": 256, "detail": 4000, "responsible": 128, "progress": 4000}


class CommitmentError(ValueError):
    """A commitment that cannot be written; ``key`` names the message (``board.err.<key>``)."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(f"{key}: {values}" if values else key)
        self.key = key
        self.values = values


class StaleCommitmentError(CommitmentError):
    """The commitment changed since the form was read."""

    def __init__(self, read: int, now: int) -> None:
        super().__init__("stale", read=read, now=now)


@dataclass(frozen=True)
class Fields:
    """A commitment's text as entered in its form, checked by :func:`parse`."""

    title: str
    detail: str
    responsible: str
    due: dt.date | None
    progress: str


def parse(
    title: str, detail: str = "", responsible: str = "", due: str = "", progress: str = ""
) -> Fields:
    """The form's fields, trimmed and checked; CommitmentError names the first problem."""
    title = title.strip()
    if not title or len(title) > LIMITS["title"]:
        raise CommitmentError("title")
    texts = {
        "detail": detail.strip(),
        "responsible": responsible.strip(),
        "progress": progress.strip(),
    }
    for name, text in texts.items():
        if len(text) > LIMITS[name]:
            raise CommitmentError("too_long", field=name, n=LIMITS[name])
    day = None
    if due.strip():
        try:
            day = dt.date.fromisoformat(due.strip())
        except ValueError:
            raise CommitmentError("due") from None
    return Fields(title, texts["detail"], texts["responsible"], day, texts["progress"])


def of_cycle(
    session: Session, cycle: Cycle, unit: str | None = None, withdrawn: bool = False
) -> list[Commitment]:
    """The cycle's commitments (of one unit), in their order; withdrawn ones only if asked."""
    query = select(Commitment).where(Commitment.cycle_id == cycle.id)
    if unit is not None:
        query = query.where(Commitment.unit == unit)
    if not withdrawn:
        query = query.where(Commitment.withdrawn.is_(False))
    query = query.order_by(Commitment.unit, Commitment.position, Commitment.id)
    return list(session.execute(query).scalars())


def _writable(cycle: Cycle) -> None:
    if cycle.state == "final":
        raise CommitmentError("final")


def _state(c: Commitment) -> dict[str, Any]:
    return {
        "title": c.title,
        "detail": c.detail,
        "responsible": c.responsible,
        "due": c.due.isoformat() if c.due else None,
        "progress": c.progress,
        "withdrawn": c.withdrawn,
        "revision": c.revision,
    }


def _target(c: Commitment) -> str:
    return f"cycle:{c.cycle_id}/{c.unit}/commitment:{c.id}"


def add(
    session: Session, cycle: Cycle, unit: str, fields: Fields, user: User, address: str = ""
) -> Commitment:
    """A new commitment of ``unit``, last in its list."""
    _writable(cycle)
    audit.lock(session)  # one writer at a time from here: the position is ours
    last = session.execute(
        select(func.max(Commitment.position)).where(
            Commitment.cycle_id == cycle.id, Commitment.unit == unit
        )
    ).scalar()
    c = Commitment(
        cycle_id=cycle.id,
        unit=unit,
        position=(last or 0) + 1,
        title=fields.title,
        detail=fields.detail,
        responsible=fields.responsible,
        due=fields.due,
        progress=fields.progress,
        created_by=user.id,
    )
    session.add(c)
    session.flush()
    audit.record(session, user.username, "commitment.add", _target(c), None, _state(c), address)
    return c


def _check_revision(session: Session, c: Commitment, read: int) -> None:
    session.refresh(c)  # the row as it is now, not as this session first saw it
    if c.revision != read:
        raise StaleCommitmentError(read, c.revision)
    if c.withdrawn:
        raise CommitmentError("withdrawn")


def _flush(session: Session, c: Commitment, read: int) -> None:
    try:
        session.flush()  # UPDATE … WHERE revision = read: a concurrent writer makes it fail
    except StaleDataError:
        session.rollback()
        raise StaleCommitmentError(read, read + 1) from None


def edit(
    session: Session,
    cycle: Cycle,
    c: Commitment,
    fields: Fields,
    read: int,
    user: User,
    address: str = "",
) -> Commitment:
    """Change a commitment read at revision ``read``; refused if it moved on since."""
    _writable(cycle)
    audit.lock(session)
    _check_revision(session, c, read)
    before = _state(c)
    c.title, c.detail, c.responsible = fields.title, fields.detail, fields.responsible
    c.due, c.progress = fields.due, fields.progress
    _flush(session, c, read)
    audit.record(session, user.username, "commitment.edit", _target(c), before, _state(c), address)
    return c


def withdraw(
    session: Session, cycle: Cycle, c: Commitment, read: int, user: User, address: str = ""
) -> Commitment:
    """Withdraw a commitment read at revision ``read`` (the row stays, marked withdrawn)."""
    _writable(cycle)
    audit.lock(session)
    _check_revision(session, c, read)
    before = _state(c)
    c.withdrawn = True
    _flush(session, c, read)
    audit.record(
        session, user.username, "commitment.withdraw", _target(c), before, _state(c), address
    )
    return c
