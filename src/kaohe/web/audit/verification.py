"""``kaohe audit verify``: the chain checked entry by entry, and the data it records checked
against it (a row changed in the database directly no longer matches its entries)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.web.audit.chain import GENESIS, Break, check_chain
from kaohe.web.audit.data import check_recorded
from kaohe.web.store.models import AuditEntry, AuditHead


@dataclass(frozen=True)
class Verification:
    entries: int
    head_seq: int
    head_hash: str
    breaks: tuple[Break, ...]

    @property
    def ok(self) -> bool:
        return not self.breaks


def verify(session: Session) -> Verification:
    """The chain checked, and the data it records checked against it (``check_data``)."""
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    entries = list(session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars())
    breaks = check_chain(entries, head_seq, head_hash)
    breaks += check_data(session, entries)
    return Verification(len(entries), head_seq, head_hash, tuple(breaks))


def check_data(session: Session, entries: list[AuditEntry]) -> list[Break]:
    """Every recorded row as the log says it was written: each version of each value (its
    text, note, review state and comment), each objection (unit, indicator, reasons, state,
    answer), each scheme version's text and each results snapshot's content. A row changed in
    the database directly — not through Kaohe — no longer matches its entries."""
    return check_recorded(session, entries)
