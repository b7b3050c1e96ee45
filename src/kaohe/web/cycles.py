"""Scheme versions, cycles and their values — what the platform stores for the engine.

The platform stores; it does not compute differently: a cycle's dataset is the latest approved
version of every cell, validated by the same code as a data file, and its results come from
``kaohe.engine.assess`` on the cycle's frozen scheme version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, exists, func, insert, select
from sqlalchemy.orm import Session, aliased, make_transient_to_detached
from sqlalchemy.orm.attributes import flag_modified

from kaohe.dataset import Dataset
from kaohe.engine import assess
from kaohe.io.results_files import explain_document
from kaohe.io.scheme_file import parse_scheme_text
from kaohe.results import Results
from kaohe.scheme import Scheme
from kaohe.web import audit
from kaohe.web.store import (
    CYCLE_STATES,
    Cycle,
    DepartmentDeadline,
    ResultSnapshot,
    SchemeVersion,
    User,
    Value,
    now,
)

# state → the states it may move to
TRANSITIONS = {
    "draft": ("collecting",),
    "collecting": ("reviewing",),
    "reviewing": ("collecting", "publicity"),
    "publicity": ("objections_handled",),
    "objections_handled": ("final",),
    "final": (),
}


class CycleError(ValueError):
    """An operation on a cycle that its state or its data do not allow; the message says why."""


class ConflictError(CycleError):
    """Someone else changed the thing since it was read: nothing is overwritten."""


def check_revision(cycle: Cycle, read: int | None) -> None:
    """Refuse a change made from a page read at an older revision of the cycle."""
    if read is not None and read != cycle.revision:
        raise ConflictError(
            f"此考核已被他人修改（第 {read} 版 → 第 {cycle.revision} 版），请刷新后重试 / "
            f"someone else changed this cycle since you opened the page (revision {read} → "
            f"{cycle.revision}); reload and try again"
        )


def store_scheme(session: Session, text: str, actor: str = "system") -> SchemeVersion:
    """Validate a scheme's YAML and keep it as a version (the same text is the same version)."""
    scheme = parse_scheme_text(text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    found = session.execute(
        select(SchemeVersion).where(SchemeVersion.sha256 == digest)
    ).scalar_one_or_none()
    if found is not None:
        return found
    version = SchemeVersion(name=scheme.name, text=text, sha256=digest)
    session.add(version)
    session.flush()
    audit.record(
        session,
        actor,
        "scheme.store",
        f"scheme_version:{version.id}",
        after={"name": scheme.name, "sha256": digest},
    )
    return version


def scheme_of(cycle: Cycle, session: Session) -> Scheme:
    """The cycle's scheme: parsed once per process per version text (its SHA-256 is read once
    per session, the text itself only the first time)."""
    seen: dict[int, Scheme] = session.info.setdefault("kaohe_schemes", {})
    found = seen.get(cycle.scheme_version_id)
    if found is not None:
        return found
    digest = session.execute(
        select(SchemeVersion.sha256).where(SchemeVersion.id == cycle.scheme_version_id)
    ).scalar_one()
    known = _BY_DIGEST.get(digest)
    if known is None:
        version = session.get(SchemeVersion, cycle.scheme_version_id)
        assert version is not None
        known = scheme_of_version(version)
    seen[cycle.scheme_version_id] = known
    return known


_BY_DIGEST: dict[str, Scheme] = {}


def scheme_of_version(version: SchemeVersion) -> Scheme:
    """The version's scheme, parsed once per process (a version's text never changes)."""
    return _parsed(version.id, version.sha256, version.text)


@lru_cache(maxsize=64)
def _parsed(version_id: int, sha256: str, text: str) -> Scheme:
    scheme = parse_scheme_text(text, f"scheme version {version_id}")
    if len(_BY_DIGEST) >= 64:
        _BY_DIGEST.clear()
    _BY_DIGEST[sha256] = scheme
    return scheme


def create_cycle(
    session: Session,
    version: SchemeVersion,
    name: str,
    actor: str = "system",
    schedule: Schedule | None = None,
) -> Cycle:
    if not name.strip():
        raise CycleError("a cycle needs a name")
    schedule = schedule or Schedule()
    schedule.check()
    cycle = Cycle(
        name=name.strip(),
        scheme_version_id=version.id,
        collection_deadline=schedule.collection_deadline,
        publicity_start=schedule.publicity_start,
        publicity_end=schedule.publicity_end,
    )
    session.add(cycle)
    session.flush()
    _set_department_deadlines(session, cycle, schedule.departments)
    audit.record(
        session,
        actor,
        "cycle.create",
        f"cycle:{cycle.id}",
        after={"name": cycle.name, "scheme_version": version.id, **schedule.record()},
    )
    return cycle


@dataclass
class Schedule:
    """A cycle's dates: when collection closes (for all, or per department) and publicity."""

    collection_deadline: date | None = None
    publicity_start: date | None = None
    publicity_end: date | None = None
    departments: dict[str, date | None] = field(default_factory=dict)

    def check(self) -> None:
        if (
            self.publicity_start
            and self.publicity_end
            and self.publicity_end < self.publicity_start
        ):
            raise CycleError(
                f"公示结束日早于开始日 / publicity ends ({self.publicity_end}) before it starts "
                f"({self.publicity_start})"
            )

    def record(self) -> dict[str, Any]:
        """The schedule as the audit log keeps it."""

        def text(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "collection_deadline": text(self.collection_deadline),
            "publicity_start": text(self.publicity_start),
            "publicity_end": text(self.publicity_end),
            "departments": {k: text(v) for k, v in sorted(self.departments.items())},
        }


def schedule_of(session: Session, cycle: Cycle) -> Schedule:
    own = session.execute(
        select(DepartmentDeadline).where(DepartmentDeadline.cycle_id == cycle.id)
    ).scalars()
    return Schedule(
        cycle.collection_deadline,
        cycle.publicity_start,
        cycle.publicity_end,
        {d.department: d.due for d in own},
    )


def reschedule(
    session: Session, cycle: Cycle, schedule: Schedule, read_revision: int, actor: str = "system"
) -> Cycle:
    """Set the cycle's dates, refused if the cycle changed since the page was read."""
    audit.lock_fresh(session, cycle)
    check_revision(cycle, read_revision)
    if cycle.state == "final":
        raise CycleError("a final cycle is locked")
    schedule.check()
    scheme = scheme_of(cycle, session)
    unknown = sorted(set(schedule.departments) - set(scheme.departments))
    if unknown:
        raise CycleError(f"no such department in the scheme: {', '.join(unknown)}")
    before = schedule_of(session, cycle).record()
    cycle.collection_deadline = schedule.collection_deadline
    cycle.publicity_start, cycle.publicity_end = schedule.publicity_start, schedule.publicity_end
    _set_department_deadlines(session, cycle, schedule.departments)
    flag_modified(cycle, "name")  # the row is updated and its revision moves on, always
    session.flush()
    audit.record(
        session,
        actor,
        "cycle.schedule",
        f"cycle:{cycle.id}",
        before=before,
        after=schedule.record(),
    )
    return cycle


def _set_department_deadlines(
    session: Session, cycle: Cycle, deadlines: dict[str, date | None]
) -> None:
    rows = {
        d.department: d
        for d in session.execute(
            select(DepartmentDeadline).where(DepartmentDeadline.cycle_id == cycle.id)
        ).scalars()
    }
    for dept, due in deadlines.items():
        row = rows.get(dept)
        if due is None and row is not None:
            session.delete(row)  # a schedule, not assessment data: the log keeps the change
        elif due is not None and row is None:
            session.add(DepartmentDeadline(cycle_id=cycle.id, department=dept, due=due))
        elif due is not None and row is not None:
            row.due = due


def change_version(
    session: Session,
    cycle: Cycle,
    version: SchemeVersion,
    read_revision: int,
    actor: str = "system",
) -> Cycle:
    """Bind a draft cycle to another scheme version; once collection starts it is frozen."""
    audit.lock_fresh(session, cycle)
    check_revision(cycle, read_revision)
    if cycle.state != "draft":
        raise CycleError(
            f"考核开始采集后方案版本不可更改 / the scheme version is frozen once collection "
            f"starts (the cycle is {cycle.state})"
        )
    before = cycle.scheme_version_id
    cycle.scheme_version_id = version.id
    session.flush()
    audit.record(
        session,
        actor,
        "cycle.version",
        f"cycle:{cycle.id}",
        before={"scheme_version": before},
        after={"scheme_version": version.id},
    )
    return cycle


def move(
    session: Session,
    cycle: Cycle,
    state: str,
    actor: str = "system",
    read_revision: int | None = None,
) -> Cycle:
    """Move a cycle to ``state``, if allowed from where it is and its preconditions hold (and,
    given the revision the mover read, if nobody changed the cycle since)."""
    audit.lock_fresh(session, cycle)  # the cycle as it is now, no one else moving it
    check_revision(cycle, read_revision)
    if state not in CYCLE_STATES:
        raise CycleError(f"unknown state {state!r}; states: {', '.join(CYCLE_STATES)}")
    if state not in TRANSITIONS[cycle.state]:
        allowed = ", ".join(TRANSITIONS[cycle.state]) or "none (the cycle is final)"
        raise CycleError(f"a cycle in {cycle.state} cannot move to {state}; allowed: {allowed}")
    if state == "objections_handled":
        from kaohe.web.objections import open_count

        if open_count(session, cycle):
            raise CycleError(f"{open_count(session, cycle)} objections are not answered yet")
        if pending(session, cycle):
            raise CycleError(f"{pending(session, cycle)} corrected values are not reviewed yet")
    if state == "publicity":
        waiting = pending(session, cycle)
        if waiting:
            raise CycleError(f"{waiting} submitted values are not reviewed yet")
        if latest_results(session, cycle) is None:
            raise CycleError("compute the results before publishing them")
    before = cycle.state
    cycle.state = state
    session.flush()
    audit.record(
        session,
        actor,
        "cycle.move",
        f"cycle:{cycle.id}",
        before={"state": before},
        after={"state": state},
    )
    return cycle


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
) -> Value:
    """A new version of one cell (never an overwrite); during publicity only as the correction
    of an accepted objection. Given ``base_version`` (the version the person saw, 0 for none),
    it is refused if someone saved another version since. ``newest``: the cell's newest version
    (0 for none) as the caller read it while holding the audit lock (else it is looked up)."""
    if cycle.state != "collecting" and not (correction and cycle.state == "publicity"):
        raise CycleError(f"values are entered while the cycle is collecting (it is {cycle.state})")
    audit.lock(session)  # one writer at a time from here: the next version number is ours
    last = newest
    if last is None:
        last = session.execute(
            select(func.max(Value.version)).where(
                Value.cycle_id == cycle.id, Value.unit == unit, Value.column == column
            )
        ).scalar()
    if base_version is not None and base_version != (last or 0):
        raise ConflictError(
            f"{unit} · {column}: 已被他人更新（您看到的是第 {base_version} 版，现为第 {last} 版），"
            f"请刷新后重试 / someone else saved version {last} since you read version "
            f"{base_version}; reload and try again"
        )
    row = {
        "cycle_id": cycle.id,
        "unit": unit,
        "column": column,
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
        f"cycle:{cycle.id}/{unit}/{column}",
        after={"raw": value.raw, "note": note, "version": value.version},
    )
    return value


_INSERT_VALUE = insert(cast(Table, Value.__table__)).returning(Value.__table__.c.id)


def review(
    session: Session, value: Value, approve: bool, reviewer: User | None = None, comment: str = ""
) -> Value:
    """Approve or return a submitted value; nobody reviews their own entry. Decided on the
    value as it is under the audit lock: of two reviewers at once, the second is refused."""
    audit.lock_fresh(session, value)
    if value.state != "submitted":
        raise ConflictError(f"this value is {value.state} already")
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
        f"cycle:{value.cycle_id}/{value.unit}/{value.column}",
        after={"version": value.version, "comment": comment},
    )
    return value


def newest(cycle_id: int) -> Any:
    """A condition selecting, of ``Value`` rows of the cycle, each cell's newest version: no
    later version of the same cell exists (an anti-join on the cell's unique index, whose plan
    does not depend on the table's statistics, unlike a GROUP BY joined back)."""
    later = aliased(Value)
    return (Value.cycle_id == cycle_id) & ~exists().where(
        later.cycle_id == Value.cycle_id,
        later.unit == Value.unit,
        later.column == Value.column,
        later.version > Value.version,
    )


def pending(session: Session, cycle: Cycle) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(Value)
            .where(Value.cycle_id == cycle.id, Value.state == "submitted")
        ).scalar_one()
    )


def dataset(session: Session, cycle: Cycle, scheme: Scheme) -> Dataset:
    """The latest approved version of every cell, validated as a data file would be."""
    rows = session.execute(
        select(Value)
        .where(Value.cycle_id == cycle.id, Value.state == "approved")
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
    return Dataset.from_mapping(scheme, cells, notes)


def compute(session: Session, cycle: Cycle, actor: str = "system") -> Results:
    """Compute the cycle's results from its approved values and keep them as a snapshot."""
    scheme = scheme_of(cycle, session)
    results = assess(scheme, dataset(session, cycle, scheme))
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
    from kaohe.web.personnel_compute import recompute_after_results

    recompute_after_results(session, cycle, actor)  # cadre grades and decisions read them
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


def snapshot_explain(snap: ResultSnapshot) -> dict[str, Any]:
    """The snapshot's explain document, parsed once per process; callers must not modify it."""
    return _json(snap.explain)  # type: ignore[no-any-return]


@lru_cache(maxsize=16)
def _json(text: str) -> Any:
    return json.loads(text)
