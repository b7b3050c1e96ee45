"""What is missing or waiting in a cycle, per department and per unit, against the deadlines.

A cell is expected for every (unit, value column) where the indicator applies to the unit's
category — notes are optional and not counted. A cell's state is that of its newest version:
approved, waiting (submitted, not yet reviewed), returned (to be entered again). A cell with no
version is *missing* — unless its blank means none (bonus, deduction and veto items,
judgements: :func:`kaohe.web.submissions.declarations.blank_means_none`, as the engine reads
it), when it is *declared* if its department stated that the unit has no incidents (无事项),
else *blank*. Declared and blank cells are complete: nothing is owed for them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.dataset import header_key
from kaohe.io.template import NO_OWNER, departments, template_columns
from kaohe.scheme import Scheme
from kaohe.web.store.models import Cycle, DepartmentDeadline, Value
from kaohe.web.submissions import declarations
from kaohe.web.submissions.service import newest

STATES = ("approved", "submitted", "returned", "declared", "blank", "missing")


@dataclass
class Tally:
    """Counts of expected cells by the state of their newest version."""

    expected: int = 0
    approved: int = 0
    submitted: int = 0
    returned: int = 0
    declared: int = 0  # no version; blank means none, and the department stated 无事项
    blank: int = 0  # no version; blank means none, nothing stated
    missing: int = 0
    due: date | None = None
    days_left: int | None = None

    @property
    def complete(self) -> int:
        """Cells with nothing owed: approved, or blank where blank means none."""
        return self.approved + self.declared + self.blank

    @property
    def done(self) -> float:
        """Share of expected cells complete (1.0 when nothing is expected)."""
        return self.complete / self.expected if self.expected else 1.0

    @property
    def overdue(self) -> bool:
        """Past its deadline with cells still missing or returned."""
        return (
            self.days_left is not None and self.days_left < 0 and self.missing + self.returned > 0
        )


@dataclass
class Dashboard:
    by_department: dict[str, Tally] = field(default_factory=dict)
    by_unit: dict[str, Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)


def expected_cells(scheme: Scheme) -> list[tuple[str, str, str]]:
    """(department, unit, column) of every cell the cycle needs, in scheme order."""
    out: list[tuple[str, str, str]] = []
    for dept, iids in departments(scheme).items():
        for iid in iids:
            ind = scheme.indicators[iid]
            keys = [header_key(h) for h, kind in template_columns(scheme, iid) if kind != "note"]
            for uid, unit in scheme.units.items():
                if ind.applies_to(unit.category):
                    out.extend((dept, uid, key) for key in keys)
    return out


def tally(
    expected: Iterable[tuple[str, str, str]],
    states: Mapping[tuple[str, str], str],
    deadlines: Mapping[str, date | None],
    today: date,
    none: Collection[str] = frozenset(),
    declared: Collection[tuple[str, str]] = frozenset(),
) -> Dashboard:
    """Count each expected cell under its department, its unit and the total.

    ``states`` maps (unit, column) to the newest version's state; ``deadlines`` a department to
    its due date (None: no deadline); ``none`` holds the columns whose blank means none,
    ``declared`` the (department, unit) pairs stated to have no incidents."""
    board = Dashboard()
    for dept, uid, key in expected:
        state = states.get((uid, key)) or _unentered(dept, uid, key, none, declared)
        for t in (
            board.by_department.setdefault(dept, Tally()),
            board.by_unit.setdefault(uid, Tally()),
            board.total,
        ):
            t.expected += 1
            setattr(t, state, getattr(t, state) + 1)
    for dept, t in board.by_department.items():
        t.due = deadlines.get(dept)
        t.days_left = (t.due - today).days if t.due else None
    return board


def _unentered(
    dept: str, uid: str, key: str, none: Collection[str], declared: Collection[tuple[str, str]]
) -> str:
    """The state of a cell with no version."""
    if key not in none:
        return "missing"
    return "declared" if (dept, uid) in declared else "blank"


def newest_states(session: Session, cycle: Cycle) -> dict[tuple[str, str], str]:
    """(unit, column) → the state of the cell's newest version."""
    rows = session.execute(select(Value.unit, Value.column, Value.state).where(newest(cycle.id)))
    return {(u, c): s for u, c, s in rows}


def department_deadlines(session: Session, cycle: Cycle, scheme: Scheme) -> dict[str, date | None]:
    """Each department's deadline: its own where set, else the cycle's."""
    query = select(DepartmentDeadline.department, DepartmentDeadline.due).where(
        DepartmentDeadline.cycle_id == cycle.id
    )
    # not dict(result): a Result has keys(), so dict() would take it for a mapping
    own: dict[str, date] = {dept: due for dept, due in session.execute(query)}  # noqa: C416
    names = [*scheme.departments, NO_OWNER]
    return {d: own.get(d, cycle.collection_deadline) for d in names}


def dashboard(
    session: Session, cycle: Cycle, scheme: Scheme, today: date, department: str | None = None
) -> Dashboard:
    """The cycle's dashboard; only ``department``'s cells when one is given."""
    cells = expected_cells(scheme)
    if department is not None:
        cells = [c for c in cells if c[0] == department]
    return tally(
        cells,
        newest_states(session, cycle),
        department_deadlines(session, cycle, scheme),
        today,
        none=declarations.none_columns(scheme),
        declared=set(declarations.standing(session, cycle)),
    )


def cells(
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    department: str | None = None,
    unit: str = "",
    state: str = "",
    units: Collection[str] | None = None,
) -> list[tuple[str, str, str, str]]:
    """(department, unit, column, state) of each cell the cycle needs, in scheme order (by
    department, then indicator, then unit), kept to ``department``'s, ``unit``'s, those in
    ``state`` and those of ``units`` where given: the drill-down of a dashboard row."""
    states = newest_states(session, cycle)
    none = declarations.none_columns(scheme)
    declared = set(declarations.standing(session, cycle))
    out = []
    for dept, uid, key in expected_cells(scheme):
        if (department is not None and dept != department) or (unit and uid != unit):
            continue
        if units is not None and uid not in units:
            continue
        now = states.get((uid, key)) or _unentered(dept, uid, key, none, declared)
        if not state or now == state:
            out.append((dept, uid, key, now))
    return out
