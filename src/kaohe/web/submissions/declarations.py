"""无事项: an owner department states that a unit has nothing to report on its items left blank.

For bonus, deduction and veto items and for judgements, the engine reads an empty cell as
"none" (no bonus, no deduction, no veto, full marks): such a blank is never a missing value.
A department that has checked a unit says so once for all its blank items of that unit: the
statement is stored, audited and shown, and the dashboard counts those cells as declared.
A value entered later in one of them counts as that value (the statement covers the blanks).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.dataset import header_key
from kaohe.i18n import t
from kaohe.io.template import departments, template_columns
from kaohe.scheme import Indicator, Scheme
from kaohe.web.audit import chain as audit
from kaohe.web.clock import local_time
from kaohe.web.cycles.service import CycleError
from kaohe.web.store.models import Cycle, NoIncidents, User, now


class DeclarationError(CycleError):
    """A statement of no incidents that cannot be made or withdrawn; ``text(lang)`` says why,
    ``status`` is 409 when the cycle's or the statement's state does not allow it, else 422."""

    def __init__(self, key: str, status: int = 409, **fields: object) -> None:
        super().__init__(t(key, "en", **fields))
        self.key, self.status, self.fields = key, status, fields

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.fields)


def blank_means_none(ind: Indicator) -> bool:
    """Whether the engine reads an empty cell of ``ind`` as "none" rather than as a gap.

    A deliberate twin of the test in ``kaohe.scoring._fill_gaps`` (judgements: no deduction;
    bonus, deduction and veto items without a ``missing`` policy: 0), which works on arrays."""
    return ind.rule.type == "judgement" or (ind.missing is None and ind.effective_kind != "base")


def none_columns(scheme: Scheme) -> frozenset[str]:
    """The value columns (keys as in data files; notes excluded) whose blank means none."""
    return frozenset(
        header_key(head)
        for iid, ind in scheme.indicators.items()
        if blank_means_none(ind)
        for head, kind in template_columns(scheme, iid)
        if kind != "note"
    )


def blank_items(scheme: Scheme, department: str, unit: str) -> list[str]:
    """The department's columns of ``unit`` a statement of no incidents covers."""
    category = scheme.units[unit].category
    out: list[str] = []
    for iid in departments(scheme).get(department, []):
        ind = scheme.indicators[iid]
        if blank_means_none(ind) and ind.applies_to(category):
            out += [header_key(h) for h, kind in template_columns(scheme, iid) if kind != "note"]
    return out


def standing(session: Session, cycle: Cycle) -> dict[tuple[str, str], NoIncidents]:
    """The cycle's statements not withdrawn, by (department, unit)."""
    rows = session.execute(
        select(NoIncidents).where(
            NoIncidents.cycle_id == cycle.id, NoIncidents.withdrawn_at.is_(None)
        )
    ).scalars()
    return {(d.department, d.unit): d for d in rows}


@dataclass(frozen=True)
class Statement:
    """A standing statement as a page shows it."""

    department: str
    unit: str
    by: str  # the account's display name, else its username
    at: str  # in the office's time zone


def statements(session: Session, cycle: Cycle, department: str | None = None) -> list[Statement]:
    """The cycle's standing statements (only ``department``'s when given), by department and
    unit."""
    query = (
        select(NoIncidents, User)
        .outerjoin(User, User.id == NoIncidents.declared_by)
        .where(NoIncidents.cycle_id == cycle.id, NoIncidents.withdrawn_at.is_(None))
        .order_by(NoIncidents.department, NoIncidents.unit)
    )
    if department is not None:
        query = query.where(NoIncidents.department == department)
    return [
        Statement(
            row.department,
            row.unit,
            (who.display_name or who.username) if who is not None else "system",
            local_time(row.declared_at, seconds=False),
        )
        for row, who in session.execute(query).all()
    ]


def declare(
    session: Session, cycle: Cycle, scheme: Scheme, department: str, unit: str, user: User | None
) -> NoIncidents:
    """State that ``unit`` has no incidents on ``department``'s blank items (while collecting)."""
    _check(cycle, scheme, department, unit)
    audit.lock(session)  # one writer at a time: no two standing statements
    if (department, unit) in standing(session, cycle):
        raise DeclarationError("web.none_already", unit=scheme.units[unit].name)
    row = NoIncidents(
        cycle_id=cycle.id,
        department=department,
        unit=unit,
        declared_by=user.id if user else None,
        declared_at=now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        user.username if user else "system",
        "no_incidents.declare",
        f"cycle:{cycle.id}/{department}/{unit}",
        after={"id": row.id, "items": blank_items(scheme, department, unit)},
    )
    return row


def withdraw(
    session: Session, cycle: Cycle, scheme: Scheme, department: str, unit: str, user: User | None
) -> NoIncidents:
    """Withdraw the unit's standing statement (the row is kept, marked withdrawn)."""
    _check(cycle, scheme, department, unit)
    audit.lock(session)
    row = standing(session, cycle).get((department, unit))
    if row is None:
        raise DeclarationError("web.none_not_declared", unit=scheme.units[unit].name)
    row.withdrawn_by = user.id if user else None
    row.withdrawn_at = now()
    audit.record(
        session,
        user.username if user else "system",
        "no_incidents.withdraw",
        f"cycle:{cycle.id}/{department}/{unit}",
        before={"id": row.id},
    )
    return row


def _check(cycle: Cycle, scheme: Scheme, department: str, unit: str) -> None:
    if cycle.state != "collecting":
        raise DeclarationError("web.none_closed")
    if unit not in scheme.units:
        raise DeclarationError("web.none_unknown_unit", 422, unit=unit)
    if not blank_items(scheme, department, unit):
        raise DeclarationError("web.none_nothing", 422, unit=scheme.units[unit].name)
