"""The record: an append-only log of every write, hash-chained.

Entry n stores ``hash = SHA-256(prev_hash ‖ canonical JSON of its fields)`` with ``prev_hash`` the
hash of entry n − 1 (64 zeros for the first), and numbers run 1, 2, 3… without gaps. So an
entry altered, removed or moved breaks the chain at that place, and ``verify`` says where. The
head (last number and hash) is kept in its own row, locked by every append so that two writers
never fork the chain; a truncated tail shows as a head that the log does not reach. (Someone able
to rewrite the log *and* the head together can only be caught by comparing the head with a copy
kept elsewhere: ``kaohe audit verify`` prints it for that purpose.)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from kaohe.web.store.models import AuditEntry, AuditHead

GENESIS = "0" * 64


#: ``session.info`` key: while set, ``record`` leaves the head row to one ``write_head`` before
#: the commit (the writer's batches: one statement per batch instead of one per entry)
DEFER_HEAD = "kaohe_audit_defer_head"


#: the client address of the request being served (set by the web app for each request; empty
#: for the command line), recorded with every entry written while serving it
ADDRESS: ContextVar[str] = ContextVar("kaohe_address", default="")


def canonical(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same text for the same content, everywhere."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(fields)).encode("utf-8")).hexdigest()


def _fields(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor,
        "action": e.action,
        "target": e.target,
        "before": e.before,
        "after": e.after,
        "address": e.address,
    }


@dataclass
class Head:
    """The chain's last number and hash, as locked by this transaction."""

    seq: int
    hash: str


def lock(session: Session) -> Head:
    """Lock the head row until the transaction ends (creating it on the first write): one
    writer at a time from here. Locked once per transaction — asking again needs no query."""
    txn = session.get_transaction()
    held = session.info.get("kaohe_audit_head")
    if held is not None and txn is not None and held[0] is txn:
        return held[1]  # type: ignore[no-any-return]
    row = session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
    ).one_or_none()
    if row is None:
        session.execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS))
        head = Head(0, GENESIS)
    else:
        head = Head(int(row.seq), str(row.hash))
    session.info["kaohe_audit_head"] = (txn, head)
    return head


def lock_fresh(session: Session, *rows: object) -> Head:
    """Lock the head, then read ``rows`` again: a state change decides on what it changes as
    it is now, not as it was before another writer committed (no lost update). The head is the
    first lock every write takes (see ``first_lock``), so locks are always taken in one order
    and two writers never deadlock."""
    head = lock(session)
    for row in rows:
        session.refresh(row)
    return head


def first_lock(session: Session, _context: object, _instances: object) -> None:
    """A ``before_flush`` hook: a transaction that writes rows takes the head's lock before the
    rows' own locks (the one order of locks; see ``lock_fresh``)."""
    if session.new or session.dirty or session.deleted:
        with session.no_autoflush:
            lock(session)


def record(
    session: Session,
    actor: str,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
    address: str | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or vanishes with the write).

    ``address`` defaults to the address of the request being served (see ``ADDRESS``). The
    entry and the head are written with two plain statements while the head is locked (the
    lock is held until commit: the shorter the better); the head row only once per transaction
    where the caller defers it (``DEFER_HEAD``)."""
    if address is None:
        address = ADDRESS.get()
    head = lock(session)
    entry = AuditEntry(
        seq=head.seq + 1,
        at=datetime.now(UTC).isoformat(timespec="microseconds"),
        actor=actor[:64],  # the columns' lengths, on every database (a name tried at login)
        action=action,
        target=target[:256],
        before=canonical(before),
        after=canonical(after),
        address=address[:64],
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(head.hash, _fields(entry))
    session.connection().execute(
        _APPEND, {**_fields(entry), "prev_hash": entry.prev_hash, "hash": entry.hash}
    )
    head.seq, head.hash = entry.seq, entry.hash
    if not session.info.get(DEFER_HEAD):
        write_head(session)
    return entry


def record_many(session: Session, actor: str, entries: Iterable[tuple[str, str, Any, Any]]) -> int:
    """Append one entry per ``(action, target, before, after)``, in order, as :func:`record`
    would one after another (the same chain, the same fields), sent as one batch of inserts
    (a set-based write: 72,000 entries are one statement's round trips, not 72,000). How many."""
    address = ADDRESS.get()[:64]
    head = lock(session)
    rows: list[dict[str, Any]] = []
    for action, target, before, after in entries:
        fields = {
            "seq": head.seq + 1,
            "at": datetime.now(UTC).isoformat(timespec="microseconds"),
            "actor": actor[:64],
            "action": action,
            "target": target[:256],
            "before": canonical(before),
            "after": canonical(after),
            "address": address,
        }
        digest = entry_hash(head.hash, fields)
        rows.append({**fields, "prev_hash": head.hash, "hash": digest})
        head.seq, head.hash = head.seq + 1, digest
    if rows:
        session.connection().execute(_APPEND, rows)
        if not session.info.get(DEFER_HEAD):
            write_head(session)
    return len(rows)


def write_head(session: Session) -> None:
    """Store the head as this transaction holds it (after its last entry)."""
    head = lock(session)
    session.connection().execute(_MOVE_HEAD, {"new_seq": head.seq, "new_hash": head.hash})


# the two statements of every append, built once (Core, on the tables: no ORM work per entry)
_APPEND = insert(cast(Table, AuditEntry.__table__))


_HEAD = AuditHead.__table__.c


_MOVE_HEAD = (
    update(cast(Table, AuditHead.__table__))
    .where(_HEAD.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


@dataclass(frozen=True)
class Break:
    """Where the chain is broken and how."""

    seq: int
    problem: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.problem}"


def check_chain(entries: Iterable[AuditEntry], head_seq: int, head_hash: str) -> list[Break]:
    """Every break in entries (in stored order of their numbers) against the head."""
    breaks: list[Break] = []
    prev, expected = GENESIS, 1
    last = 0
    for e in entries:
        if e.seq != expected:
            breaks.append(Break(expected, f"missing (the next entry is {e.seq})"))
        if e.prev_hash != prev:
            breaks.append(Break(e.seq, "does not follow the entry before it (removed or moved)"))
        if entry_hash(e.prev_hash, _fields(e)) != e.hash:
            breaks.append(Break(e.seq, "its content was changed after it was written"))
        prev, expected, last = e.hash, e.seq + 1, e.seq
    if last != head_seq or prev != (head_hash if head_seq else GENESIS):
        breaks.append(Break(head_seq, f"the log ends at entry {last}, the head says {head_seq}"))
    return breaks


def snapshot_digest(rows: str, explain: str) -> str:
    """The SHA-256 a results snapshot is recorded with (its rows, a newline, its explanation)."""
    return hashlib.sha256(f"{rows}\n{explain}".encode()).hexdigest()
