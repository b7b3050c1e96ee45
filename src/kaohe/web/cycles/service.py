"""Scheme versions and cycles: storing a scheme, a cycle and its schedule, the scheme it is
assessed by (parsed once per version)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from kaohe.i18n import LANGUAGES, both, t
from kaohe.io.scheme_file import parse_scheme_text
from kaohe.scheme import Scheme
from kaohe.web.audit import chain as audit
from kaohe.web.store.models import (
    Cycle,
    DepartmentDeadline,
    SchemeVersion,
)


class CycleError(ValueError):
    """An operation on a cycle that its state or its data do not allow; the message says why."""


class ConflictError(CycleError):
    """Someone else changed the thing since it was read: nothing is overwritten."""


def check_revision(cycle: Cycle, read: int | None) -> None:
    """Refuse a change made from a page read at an older revision of the cycle."""
    if read is not None and read != cycle.revision:
        raise ConflictError(both("web.say.cycle_changed_since", read=read, now=cycle.revision))


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
                both(
                    "web.say.publicity_ends_before",
                    end=self.publicity_end,
                    start=self.publicity_start,
                )
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
        said = (
            t("web.say.version_frozen", code, state=t(f"state.{cycle.state}", code))
            for code in LANGUAGES
        )
        raise CycleError(" / ".join(said))
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


def last_year(session: Session, cycle: Cycle) -> Cycle | None:
    """Last year's cycle: the newest earlier cycle of a scheme of the same name whose period
    ends before this cycle's begins."""
    scheme = scheme_of(cycle, session)
    rows = session.execute(
        select(Cycle, SchemeVersion)
        .join(SchemeVersion, SchemeVersion.id == Cycle.scheme_version_id)
        .where(SchemeVersion.name == scheme.name, Cycle.id != cycle.id)
        .order_by(Cycle.id.desc())
    ).all()
    start = scheme.period.start
    best: tuple[date, Cycle] | None = None
    for other, version in rows:
        end = scheme_of_version(version).period.end
        earlier = start is not None and end is not None and end < start
        if earlier and end is not None and (best is None or end > best[0]):
            best = (end, other)
    return best[1] if best else None
