"""Reviewing submitted values: approve or return (with a reason) the newest version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.web.audit import chain as audit
from kaohe.web.cycles.service import ConflictError, CycleError
from kaohe.web.store.models import (
    User,
    Value,
    now,
)


def review(
    session: Session, value: Value, approve: bool, reviewer: User | None = None, comment: str = ""
) -> Value:
    """Approve or return a submitted value — the newest version of its cell only; nobody
    reviews their own entry. Decided on the value as it is under the audit lock: of two
    reviewers at once, the second is refused."""
    audit.lock_fresh(session, value)
    if value.state != "submitted":
        raise ConflictError(f"this value is {value.state} already")
    if _replaced(session, value):
        raise ConflictError(
            f"version {value.version} of {value.unit}/{value.column} was replaced by a newer one: "
            "review the newest"
        )
    if reviewer is not None and value.submitted_by == reviewer.id:
        raise CycleError("a value cannot be approved or returned by the person who entered it")
    if not approve and not comment.strip():
        raise CycleError("say why the value is returned (a comment is required)")
    value.state = "approved" if approve else "returned"
    value.reviewed_by = reviewer.id if reviewer else None
    value.reviewed_at, value.comment = now(), comment
    audit.record(
        session,
        reviewer.username if reviewer else "system",
        "value.approve" if approve else "value.return",
        f"cycle:{value.cycle_id}/{value.unit}/{value.column}"
        + (f"@{value.period}" if value.period else ""),
        after={"version": value.version, "comment": comment},
    )
    return value


def _replaced(session: Session, value: Value) -> bool:
    """Whether a newer version of the value's cell exists."""
    newer = select(Value.id).where(
        Value.cycle_id == value.cycle_id,
        Value.unit == value.unit,
        Value.column == value.column,
        Value.period == value.period,
        Value.version > value.version,
    )
    return session.execute(newer.limit(1)).first() is not None
