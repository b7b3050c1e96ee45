"""A cycle's ledgers on the platform: the project register (重点项目台账) and the follow-up
matters (督办事项), stored, imported, changed and counted.

* Import: a register or matter file (Excel or CSV) is read by the file edge
  (:mod:`kaohe.io.ledger_files`), whole, all or nothing; every problem comes back located (file,
  sheet, row, column). A project or matter already in the cycle is refused at its row (a stored
  record changes through its page, never by re-importing), and nothing is written.
* Projects never disappear and their stages move through :func:`kaohe.ledgers.projects.advance`
  only: a stage change is proposed by the owner department, then approved (or refused) by its
  reviewer or the office; every step audited. Rows are never deleted.
* Matters change through :func:`kaohe.ledgers.workflow.apply`: an event not allowed is refused
  with the core's located message, and nothing is written.
* :func:`dataset_with_register`: the results' data set with the indicators the scheme derives
  from the ledgers counted from the stored records (:mod:`kaohe.ledgers.derive`), so the
  assessment reads the numbers the register shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaohe.dataset import Dataset, Table
from kaohe.errors import DataError, Issue
from kaohe.io.ledger_files import MatterFiles, ProjectFile, load_matters, load_projects
from kaohe.ledgers.derive import Derived, derive, derived_indicators
from kaohe.ledgers.frames import MatterFrame, ProjectFrame, compile_matters, compile_projects
from kaohe.ledgers.matters import (
    ACTIONS,
    KINDS,
    Action,
    Event,
    Kind,
    ListClosure,
    Matter,
    Milestone,
)
from kaohe.ledgers.merge import dataset_with_ledgers
from kaohe.ledgers.problems import LedgerError, Problem, TransitionError
from kaohe.ledgers.projects import Project, StageChange, advance
from kaohe.ledgers.stages import STAGES, Stage
from kaohe.ledgers.summary import Due, TalkList, due_list, talk_lists
from kaohe.ledgers.words import WORDS, word
from kaohe.ledgers.workflow import (
    apply,
    check_matter,
    close_list,
    is_overdue,
    parties,
    standing_at,
)
from kaohe.scheme import Scheme
from kaohe.web.audit import chain as audit
from kaohe.web.audit import ledger_rows
from kaohe.web.dashboard.service import Tally, dashboard
from kaohe.web.store import bulk
from kaohe.web.store.models import (
    Cycle,
    LedgerBoard,
    LedgerEvent,
    LedgerImport,
    LedgerListClosure,
    LedgerMatter,
    LedgerProject,
    LedgerStageChange,
    User,
)

#: what a unit's account may record on a matter it takes part in (the rest is the office's)
UNIT_ACTIONS: frozenset[str] = frozenset({"progress", "claim", "submit", "follow_up"})
SUFFIXES = (".xlsx", ".csv")


class LedgerWebError(ValueError):
    """A change refused: ``problems`` are the located messages (in the language in force)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _refuse(issues: Sequence[Issue | Problem]) -> LedgerWebError:
    return LedgerWebError([str(i) if isinstance(i, Issue) else i.text() for i in issues])


def _writable(cycle: Cycle) -> None:
    if cycle.state == "final":
        raise LedgerWebError([word("web.final")])


def _json(value: Any) -> str:
    if isinstance(value, tuple | list) and not value:
        return "[]"
    return json.dumps(value, ensure_ascii=False, default=str)


def _list(text: Any) -> list[Any]:
    if not isinstance(text, str) or text in ("", "[]"):
        return []
    out = json.loads(text)
    return out if isinstance(out, list) else []


def references(text: str) -> list[str]:
    """The evidence references stored with a record (a JSON list)."""
    return [str(x) for x in _list(text)]


def _day(v: Any) -> dt.date | None:
    if v is None or v == "" or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def _names(scheme: Scheme) -> dict[str, str]:
    return {u: x.name for u, x in scheme.units.items()}


def _label(key: str) -> str:
    key = "id" if key == "code" else key
    for name in (f"field.{key}", f"col.{key}"):
        if name in WORDS:
            return word(name)
    return key


def refuse_nul(fields: Mapping[str, str]) -> None:
    """Refuse a form whose fields hold a NUL character (no database stores one; PostgreSQL
    refuses it outright), naming each such field."""
    bad = [k for k, v in fields.items() if "\x00" in v]
    if bad:
        raise LedgerWebError([word("web.nul", field=_label(k)) for k in bad])


# --------------------------------------------------------------------------- import


def _read(filename: str, body: bytes, reader: Any, units: dict[str, str]) -> Any:
    """Read an upload with the file edge, under its own (base) name so messages name it."""
    name = Path(filename.replace("\\", "/")).name or "upload"
    if not name.lower().endswith(SUFFIXES):
        raise LedgerWebError([word("web.suffix", file=name)])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(body)
        try:
            return reader(path, units)
        except DataError as exc:
            raise _refuse([_renamed(i, path, name) for i in exc.issues]) from None
        except (OSError, ValueError, KeyError) as exc:  # not a workbook, not text
            raise LedgerWebError([word("web.unreadable", file=name, why=str(exc))]) from None


def _renamed(issue: Issue, path: Path, name: str) -> Issue:
    if issue.file is not None and str(path) in str(issue.file):
        return replace(issue, file=str(issue.file).replace(str(path), name))
    return issue


def _record_import(
    session: Session, cycle: Cycle, ledger: str, filename: str, body: bytes, n: int, user: User
) -> LedgerImport:
    row = LedgerImport(
        cycle_id=cycle.id,
        ledger=ledger,
        filename=Path(filename).name[:256],
        sha256=hashlib.sha256(body).hexdigest(),
        records=n,
        imported_by=user.username,
    )
    session.add(row)
    session.flush()
    return row


def import_projects(
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    filename: str,
    body: bytes,
    user: User,
    address: str = "",
) -> int:
    """Add the projects of a register file to the cycle's register: all or nothing. Raises
    :class:`LedgerWebError` with every problem located."""
    _writable(cycle)
    pf: ProjectFile = _read(filename, body, load_projects, _names(scheme))
    audit.lock(session)
    stored = set(
        session.execute(select(LedgerProject.code).where(LedgerProject.cycle_id == cycle.id))
        .scalars()
        .all()
    )
    again = [p.id for p in pf.projects if p.id in stored]
    if again:
        raise _refuse([pf.rows[c].issue(word("web.already", value=c)) for c in again])
    imp = _record_import(session, cycle, "projects", filename, body, len(pf.projects), user)
    dept = user.department if user.role == "reporter" and user.department else ""
    rows = store_projects(session, cycle, pf.projects, dept, user.username, imp.id)
    audit.record(
        session,
        user.username,
        "ledgers.import",
        f"cycle:{cycle.id}/projects",
        None,
        {
            "import": imp.id,
            "file": imp.filename,
            "sha256": imp.sha256,
            "projects": imp.records,
            "rows": rows,
        },
        address,
    )
    return len(pf.projects)


def store_projects(
    session: Session,
    cycle: Cycle,
    projects: Sequence[Project],
    department: str,
    actor: str,
    import_id: int | None = None,
) -> list[dict[str, Any]]:
    """Insert projects and their (approved) histories in bulk (``COPY`` on PostgreSQL); the
    digests of the rows written (:mod:`kaohe.web.audit.ledger_rows`), for the audit log."""
    if not projects:
        return []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    frame = pd.DataFrame(
        {
            "cycle_id": cycle.id,
            "code": [p.id for p in projects],
            "name": [p.name for p in projects],
            "unit": [p.unit for p in projects],
            "task_force": [p.task_force for p in projects],
            "sector": [p.sector for p in projects],
            "level": [p.level for p in projects],
            "stage": [p.stage for p in projects],
            "total_investment": [p.total_investment for p in projects],
            "planned_investment": [p.planned_investment for p in projects],
            "completed_investment": [p.completed_investment for p in projects],
            "monthly": [_json(p.monthly) for p in projects],
            "planned": [_json([(s, d.isoformat()) for s, d in p.planned]) for p in projects],
            "evidence": [_json(p.evidence) for p in projects],
            "department": department,
            "import_id": import_id,
            "created_at": now,
            "created_by": actor,
        }
    )
    for c in ("total_investment", "planned_investment", "completed_investment"):
        frame[c] = frame[c].astype("float64")
    bulk.insert_frame(session, LedgerProject, frame)
    ids = dict(
        session.execute(
            select(LedgerProject.code, LedgerProject.id).where(
                LedgerProject.cycle_id == cycle.id,
            )
        ).all()
    )
    rows: dict[str, list[Any]] = {
        k: []
        for k in ("project_id", "position", "stage", "on", "reason", "evidence", "proposed_by")
    }
    for p in projects:
        for k, ch in enumerate(p.history):
            rows["project_id"].append(ids[p.id])
            rows["position"].append(k)
            rows["stage"].append(ch.stage)
            rows["on"].append(ch.on)
            rows["reason"].append(ch.reason)
            rows["evidence"].append(_json(ch.evidence))
            rows["proposed_by"].append(actor)
    changes = pd.DataFrame(rows)
    changes["state"] = "approved"
    changes["proposed_at"] = now
    changes["reviewed_by"] = actor
    changes["reviewed_at"] = now
    changes["review_note"] = ""
    bulk.insert_frame(session, LedgerStageChange, changes)
    return ledger_rows.digests(
        (
            p.id,
            ledger_rows.content(
                (
                    p.id,
                    p.name,
                    p.unit,
                    p.task_force,
                    p.sector,
                    p.level,
                    p.stage,
                    p.total_investment,
                    p.planned_investment,
                    p.completed_investment,
                    monthly,
                    planned,
                    evidence,
                    department,
                ),
                (
                    (k, ch.stage, ch.on, ch.reason, _json(ch.evidence), "approved", actor)
                    for k, ch in enumerate(p.history)
                ),
            ),
        )
        for p, monthly, planned, evidence in zip(
            projects, frame["monthly"], frame["planned"], frame["evidence"], strict=True
        )
    )


def import_matters(
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    filename: str,
    body: bytes,
    user: User,
    address: str = "",
) -> int:
    """Add the matters of a matter workbook (its events and milestones) to the cycle: all or
    nothing, every problem located."""
    _writable(cycle)
    mf: MatterFiles = _read(filename, body, lambda p, u: load_matters([p], u), _names(scheme))
    audit.lock(session)
    stored = set(
        session.execute(select(LedgerMatter.code).where(LedgerMatter.cycle_id == cycle.id))
        .scalars()
        .all()
    )
    again = [m.id for m in mf.matters if m.id in stored]
    if again:
        raise _refuse([mf.rows[c].issue(word("web.already", value=c)) for c in again])
    imp = _record_import(session, cycle, "matters", filename, body, len(mf.matters), user)
    rows = store_matters(session, cycle, mf.matters, user.username, imp.id)
    closed = set(
        session.execute(
            select(LedgerListClosure.batch).where(LedgerListClosure.cycle_id == cycle.id)
        ).scalars()
    )
    for c in mf.closures:
        if c.batch in closed:
            raise LedgerWebError([word("web.list_closed", batch=c.batch)])
        _store_closure(session, cycle, c, user.username)
    audit.record(
        session,
        user.username,
        "ledgers.import",
        f"cycle:{cycle.id}/matters",
        None,
        {
            "import": imp.id,
            "file": imp.filename,
            "sha256": imp.sha256,
            "matters": imp.records,
            "rows": rows,
        },
        address,
    )
    return len(mf.matters)


def store_matters(
    session: Session,
    cycle: Cycle,
    matters: Sequence[Matter],
    actor: str,
    import_id: int | None = None,
) -> list[dict[str, Any]]:
    """Insert matters and their events in bulk (``COPY`` on PostgreSQL); the digests of the
    rows written (:mod:`kaohe.web.audit.ledger_rows`), for the audit log."""
    if not matters:
        return []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    frame = pd.DataFrame(
        {
            "cycle_id": cycle.id,
            "code": [m.id for m in matters],
            "kind": [m.kind for m in matters],
            "title": [m.title for m in matters],
            "opened": [m.opened for m in matters],
            "deadline": [m.deadline for m in matters],
            "units": [_json(m.units) for m in matters],
            "assisting": [_json(m.assisting) for m in matters],
            "leader": [m.leader for m in matters],
            "subject": [m.subject for m in matters],
            "level": [m.level for m in matters],
            "batch": [m.batch for m in matters],
            "public": [m.public for m in matters],
            "source": [m.source for m in matters],
            "evidence": [_json(m.evidence) for m in matters],
            "milestones": [
                _json([(x.name, x.due, x.unit, x.done) for x in m.milestones]) for m in matters
            ],
            "import_id": import_id,
            "created_at": now,
            "created_by": actor,
        }
    )
    bulk.insert_frame(session, LedgerMatter, frame)
    ids = dict(
        session.execute(
            select(LedgerMatter.code, LedgerMatter.id).where(LedgerMatter.cycle_id == cycle.id)
        ).all()
    )
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "matter_id",
            "position",
            "action",
            "on",
            "unit",
            "by",
            "text",
            "deadline",
            "evidence",
        )
    }
    for m in matters:
        for k, e in enumerate(m.events):
            rows["matter_id"].append(ids[m.id])
            rows["position"].append(k)
            rows["action"].append(e.action)
            rows["on"].append(e.on)
            rows["unit"].append(e.unit)
            rows["by"].append(e.by)
            rows["text"].append(e.text)
            rows["deadline"].append(e.deadline)
            rows["evidence"].append(_json(e.evidence))
    events = pd.DataFrame(rows)
    if not events.empty:
        events["recorded_by"] = actor
        events["recorded_at"] = now
        bulk.insert_frame(session, LedgerEvent, events)
    columns = ("units", "assisting", "evidence", "milestones")
    return ledger_rows.digests(
        (
            m.id,
            ledger_rows.content(
                (
                    m.id,
                    m.kind,
                    m.title,
                    m.opened,
                    m.deadline,
                    units,
                    assisting,
                    m.leader,
                    m.subject,
                    m.level,
                    m.batch,
                    m.public,
                    m.source,
                    evidence,
                    milestones,
                ),
                (
                    (k, e.action, e.on, e.unit, e.by, e.text, e.deadline, _json(e.evidence))
                    for k, e in enumerate(m.events)
                ),
            ),
        )
        for m, units, assisting, evidence, milestones in zip(
            matters, *(frame[c] for c in columns), strict=True
        )
    )


def _event_row(matter_id: int, position: int, e: Event, actor: str) -> LedgerEvent:
    return LedgerEvent(
        matter_id=matter_id,
        position=position,
        action=e.action,
        on=e.on,
        unit=e.unit,
        by=e.by,
        text=e.text,
        deadline=e.deadline,
        evidence=_json(e.evidence),
        recorded_by=actor,
    )


# --------------------------------------------------------------------------- records


def project_of(row: LedgerProject, history: Sequence[LedgerStageChange]) -> Project:
    """The core's record of a stored project (its approved history, in order)."""
    return Project(
        id=row.code,
        name=row.name,
        unit=row.unit,
        history=tuple(
            StageChange(_stage(c.stage), _day(c.on), c.reason, tuple(_list(c.evidence)))
            for c in history
        ),
        task_force=row.task_force,
        sector=row.sector,
        level=row.level,
        total_investment=row.total_investment,
        planned_investment=row.planned_investment,
        completed_investment=row.completed_investment,
        monthly=tuple((str(m), float(v)) for m, v in _list(row.monthly)),
        planned=tuple((s, d) for s, raw in _list(row.planned) if (d := _day(raw)) is not None),
        evidence=tuple(_list(row.evidence)),
    )


def _stage(s: str) -> Stage:
    assert s in STAGES
    return s


def history(session: Session, project: LedgerProject, state: str = "approved") -> list[Any]:
    query = select(LedgerStageChange).where(LedgerStageChange.project_id == project.id)
    if state:
        query = query.where(LedgerStageChange.state == state)
    return list(session.execute(query.order_by(LedgerStageChange.position)).scalars())


PROJECT_FIELDS = (
    "id",
    "code",
    "name",
    "unit",
    "task_force",
    "sector",
    "level",
    "total_investment",
    "planned_investment",
    "completed_investment",
    "monthly",
    "planned",
    "evidence",
)


def register(session: Session, cycle: Cycle) -> list[Project]:
    """Every project of the cycle, with its approved history, in code order: two queries,
    read in bulk (``COPY`` on PostgreSQL), no ORM object per row."""
    amounts = ("total_investment", "planned_investment", "completed_investment")
    rows = bulk.read_frame(
        session,
        f"SELECT {', '.join(PROJECT_FIELDS)} FROM ledger_projects WHERE cycle_id = :cycle "
        "ORDER BY code",
        list(PROJECT_FIELDS),
        {"cycle": cycle.id},
        floats=amounts,
    )
    changes = bulk.read_frame(
        session,
        'SELECT c.project_id, c.stage, c."on", c.reason, c.evidence FROM ledger_stage_changes c '
        "JOIN ledger_projects p ON p.id = c.project_id "
        "WHERE p.cycle_id = :cycle AND c.state = 'approved' ORDER BY c.project_id, c.position",
        ["project_id", "stage", "on", "reason", "evidence"],
        {"cycle": cycle.id},
    )
    by: dict[int, list[StageChange]] = {}
    for pid, stage, on, reason, evidence in changes.itertuples(index=False):
        by.setdefault(int(pid), []).append(
            StageChange(
                _stage(str(stage)),
                _day(on),
                reason if isinstance(reason, str) else "",
                tuple(_list(evidence)),
            )
        )
    out = []
    for r in rows.itertuples(index=False):
        money = [None if pd.isna(v) else float(v) for v in (r[7], r[8], r[9])]
        out.append(
            Project(
                id=str(r.code),
                name=str(r.name),
                unit=str(r.unit),
                history=tuple(by.get(int(str(r.id)), ())),
                task_force=_text(r.task_force),
                sector=_text(r.sector),
                level=_text(r.level),
                total_investment=money[0],
                planned_investment=money[1],
                completed_investment=money[2],
                monthly=tuple((str(m), float(v)) for m, v in _list(r.monthly)),
                planned=tuple(
                    (s, d) for s, raw in _list(r.planned) if (d := _day(raw)) is not None
                ),
                evidence=tuple(_list(r.evidence)),
            )
        )
    return out


def _text(v: Any) -> str:
    return v if isinstance(v, str) else ""


def matter_of(row: LedgerMatter, events: Sequence[LedgerEvent]) -> Matter:
    kind: Kind = row.kind  # type: ignore[assignment]
    return Matter(
        id=row.code,
        kind=kind,
        title=row.title,
        opened=row.opened,
        deadline=row.deadline,
        units=tuple(_list(row.units)),
        assisting=tuple(_list(row.assisting)),
        leader=row.leader,
        subject=row.subject,
        level=row.level,
        batch=row.batch,
        public=row.public,
        source=row.source,
        evidence=tuple(_list(row.evidence)),
        milestones=tuple(
            Milestone(str(n), d, str(u or ""), _day(done))
            for n, due, u, done in _list(row.milestones)
            if (d := _day(due)) is not None
        ),
        events=tuple(
            Event(
                _action(e.action),
                e.on,
                e.unit,
                e.by,
                e.text,
                e.deadline,
                tuple(_list(e.evidence)),
            )
            for e in events
        ),
    )


def _action(a: str) -> Action:
    assert a in ACTIONS
    return a


def events_of(session: Session, matter: LedgerMatter) -> list[LedgerEvent]:
    return list(
        session.execute(
            select(LedgerEvent)
            .where(LedgerEvent.matter_id == matter.id)
            .order_by(LedgerEvent.position)
        ).scalars()
    )


def matters(session: Session, cycle: Cycle) -> list[Matter]:
    rows = list(
        session.execute(
            select(LedgerMatter)
            .where(LedgerMatter.cycle_id == cycle.id)
            .order_by(LedgerMatter.code)
        ).scalars()
    )
    events: dict[int, list[LedgerEvent]] = {}
    for e in session.execute(
        select(LedgerEvent)
        .join(LedgerMatter, LedgerMatter.id == LedgerEvent.matter_id)
        .where(LedgerMatter.cycle_id == cycle.id)
        .order_by(LedgerEvent.matter_id, LedgerEvent.position)
    ).scalars():
        events.setdefault(e.matter_id, []).append(e)
    return [matter_of(r, events.get(r.id, [])) for r in rows]


def source_name(cycle: Cycle, ledger: str) -> str:
    return f"{cycle.name} · {word(f'ledger.{ledger}')}"


def frames(
    session: Session, cycle: Cycle, scheme: Scheme
) -> tuple[ProjectFrame | None, MatterFrame | None]:
    """The stored ledgers compiled for the scheme's units (None: nothing stored)."""
    units = tuple(scheme.units)
    ps, ms = register(session, cycle), matters(session, cycle)
    pf = compile_projects(ps, units, source_name(cycle, "projects")) if ps else None
    mf = compile_matters(ms, units, source_name(cycle, "matters")) if ms else None
    return pf, mf


def the_date(scheme: Scheme, today: dt.date | None = None) -> dt.date:
    """The date the pages count on: today, but not after the scheme's date (as of, or end)."""
    today = today or dt.date.today()
    last = scheme.period.as_of or scheme.period.end
    return min(today, last) if last is not None else today


def matters_date(
    session: Session, cycle: Cycle, scheme: Scheme, today: dt.date | None = None
) -> dt.date:
    """The date matters are flagged on: today, but not after the later of the scheme's date
    and the last matter opened (talks of a year's results are opened after the year)."""
    today = today or dt.date.today()
    last = scheme.period.as_of or scheme.period.end
    opened = session.execute(
        select(func.max(LedgerMatter.opened)).where(LedgerMatter.cycle_id == cycle.id)
    ).scalar()
    if last is None:
        return today
    if opened is not None and opened > last:
        last = opened
    return min(today, last)


# --------------------------------------------------------------------------- derived indicators


def derived(session: Session, cycle: Cycle, scheme: Scheme) -> Derived:
    """The scheme's derived indicators counted from the cycle's stored ledgers; a problem (no
    ledger stored, an empty base) raises :class:`DataError` naming the indicator."""
    pf, mf = frames(session, cycle, scheme)
    units = tuple(scheme.units)
    if pf is None:
        pf = compile_projects((), units, source_name(cycle, "projects"))
    if mf is None:
        mf = compile_matters((), units, source_name(cycle, "matters"))
    try:
        return derive(scheme, pf, mf)
    except LedgerError as exc:
        raise DataError([p.issue() for p in exc.problems]) from None


def dataset_with_register(
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    cells: dict[str, dict[str, Any]],
    notes: dict[tuple[str, str], str],
) -> Dataset:
    """The data set of the approved cells with the derived indicators counted from the
    stored register and matters (the cells are laid out as :meth:`Dataset.from_mapping` does)."""
    merged = {u: dict(row) for u, row in cells.items()}
    for (u, iid), text in notes.items():
        merged.setdefault(u, {})[f"{iid}:note"] = text
    header = ["unit", *sorted({c for row in merged.values() for c in row})]
    rows = [(i + 2, [u, *[merged[u].get(c) for c in header[1:]]]) for i, u in enumerate(merged)]
    data, _ = dataset_with_ledgers(
        scheme, [Table("data", header, rows)], derived(session, cycle, scheme)
    )
    return data


def derives(scheme: Scheme) -> bool:
    return bool(derived_indicators(scheme))


@dataclass(frozen=True)
class DerivedTable:
    """The derived indicators as the next computation will count them: per indicator, its
    name and each unit's value (None: no value) or, for a rule counted by item, the counts."""

    indicators: tuple[tuple[str, str], ...]  # (id, name)
    values: dict[str, dict[str, str]]  # unit → indicator → the value as written
    problems: tuple[str, ...] = ()


def derived_table(session: Session, cycle: Cycle, scheme: Scheme) -> DerivedTable:
    wanted = derived_indicators(scheme)
    names = tuple((iid, ind.name) for iid, ind in wanted.items())
    try:
        d = derived(session, cycle, scheme)
    except DataError as exc:
        return DerivedTable(names, {}, tuple(str(i) for i in exc.issues))
    values: dict[str, dict[str, str]] = {u: {} for u in d.units}
    for iid, di in d.indicators.items():
        for k, u in enumerate(d.units):
            if di.items is not None:
                parts = [f"{item} {int(v[k])}" for item, v in di.items.items() if v[k]]
                values[u][iid] = word("comma").join(parts)
            elif not pd.isna(di.values[k]):
                values[u][iid] = f"{float(di.values[k]):.6g}"
    return DerivedTable(names, values)


# --------------------------------------------------------------------------- who may


def may_propose(user: User | None, project: LedgerProject) -> bool:
    """The owner department's reporter (any reporter for the office's projects), the office."""
    if user is None:
        return False
    if user.role == "office":
        return True
    return user.role == "reporter" and project.department in ("", user.department)


def may_review(user: User | None, project: LedgerProject) -> bool:
    if user is None:
        return False
    if user.role == "office":
        return True
    return user.role == "reviewer" and project.department in ("", user.department)


def involved(m: Matter) -> set[str]:
    """The units taking part in a matter: lead, assisting, the claimants of a challenge."""
    return {*m.units, *m.assisting, *(e.unit for e in m.events if e.action == "claim")}


def may_see_matter(user: User | None, m: Matter) -> bool:
    if user is None:
        return False
    return user.role == "office" or (user.role == "unit" and (user.unit or "") in involved(m))


def flags(m: Matter, on: dt.date, soon: int = 14) -> dict[str, Any]:
    """The matter's state on ``on`` and whether any party is overdue or due soon."""
    s = standing_at(m, on)
    if s is None:
        return {"state": "", "overdue": False, "soon": False, "deadline": m.deadline}
    ps = parties(m, s)
    late = any(is_overdue(s, status, on) for _, _, status in ps)
    deadline = s.deadline
    soon_ = (
        not late
        and deadline is not None
        and any(status == "open" for _, _, status in ps)
        and 0 <= (deadline - on).days < soon
    )
    return {"state": s.state, "overdue": late, "soon": soon_, "deadline": deadline}


# --------------------------------------------------------------------------- stage changes


@dataclass(frozen=True)
class StageForm:
    stage: Stage
    on: dt.date
    reason: str
    evidence: tuple[str, ...]


def parse_stage(stage: str, on: str, reason: str, evidence: str) -> StageForm:
    refuse_nul({"stage": stage, "on": on, "drop_reason": reason, "evidence": evidence})
    problems = []
    if stage not in STAGES:
        problems.append(word("web.bad_stage"))
    day = None
    try:
        day = dt.date.fromisoformat(on.strip())
    except ValueError:
        problems.append(word("web.bad_date", field=word("col.on")))
    if len(reason) > 2000 or len(evidence) > 2000:
        problems.append(word("web.too_long"))
    if problems:
        raise LedgerWebError(problems)
    assert day is not None
    refs = tuple(x.strip() for x in evidence.replace("、", ",").split(",") if x.strip())
    return StageForm(_stage(stage), day, reason.strip(), refs)


def propose_stage(
    session: Session,
    cycle: Cycle,
    project: LedgerProject,
    form: StageForm,
    user: User,
    address: str = "",
) -> LedgerStageChange:
    """Propose ``project``'s move to a stage; checked by the core now and again at review."""
    _writable(cycle)
    audit.lock_fresh(session, project)
    if not may_propose(user, project):
        raise LedgerWebError([word("web.not_owner")])
    pending = history(session, project, "proposed")
    if pending:
        raise LedgerWebError([word("web.pending")])
    current = project_of(project, history(session, project))
    change = StageChange(form.stage, form.on, form.reason, form.evidence, user.username)
    try:
        advance(current, change)
    except TransitionError as exc:
        raise _refuse(exc.problems) from None
    top = session.execute(
        select(func.max(LedgerStageChange.position)).where(
            LedgerStageChange.project_id == project.id
        )
    ).scalar()
    row = LedgerStageChange(
        project_id=project.id,
        position=(top or 0) + 1,
        stage=form.stage,
        on=form.on,
        reason=form.reason,
        evidence=_json(form.evidence),
        state="proposed",
        proposed_by=user.username,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        user.username,
        "ledgers.stage.propose",
        _target(project),
        {"stage": project.stage},
        {**_change_state(row), "position": row.position, "evidence": list(form.evidence)},
        address,
    )
    return row


def review_stage(
    session: Session,
    cycle: Cycle,
    project: LedgerProject,
    change: LedgerStageChange,
    approve: bool,
    note: str,
    user: User,
    address: str = "",
) -> LedgerStageChange:
    """Approve (the project enters the stage) or refuse a proposed stage change."""
    _writable(cycle)
    audit.lock_fresh(session, project, change)
    if not may_review(user, project):
        raise LedgerWebError([word("web.not_reviewer")])
    if change.state != "proposed" or change.project_id != project.id:
        raise LedgerWebError([word("web.not_pending")])
    if change.proposed_by == user.username and user.role != "office":
        raise LedgerWebError([word("web.own_proposal")])
    before = {"stage": project.stage, **_change_state(change)}
    if approve:
        current = project_of(project, history(session, project))
        step = StageChange(
            _stage(change.stage), change.on, change.reason, tuple(_list(change.evidence))
        )
        try:
            advance(current, step)
        except TransitionError as exc:
            raise _refuse(exc.problems) from None
        project.stage = change.stage
    change.state = "approved" if approve else "refused"
    change.reviewed_by = user.username
    change.reviewed_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    change.review_note = note.strip()[:2000]
    session.flush()
    audit.record(
        session,
        user.username,
        "ledgers.stage.approve" if approve else "ledgers.stage.refuse",
        _target(project),
        before,
        {"stage": project.stage, **_change_state(change), "note": change.review_note},
        address,
    )
    return change


def _target(p: LedgerProject) -> str:
    return f"cycle:{p.cycle_id}/project:{p.code}"


def _change_state(c: LedgerStageChange) -> dict[str, Any]:
    return {
        "change": c.id,
        "to": c.stage,
        "on": c.on.isoformat() if c.on else None,
        "reason": c.reason,
        "state": c.state,
    }


EDITABLE = ("name", "task_force", "sector", "level")
AMOUNTS = ("total_investment", "planned_investment", "completed_investment")


def edit_project(
    session: Session,
    cycle: Cycle,
    project: LedgerProject,
    fields: dict[str, str],
    user: User,
    address: str = "",
) -> LedgerProject:
    """The owner department changes a project's descriptive fields and amounts (audited)."""
    _writable(cycle)
    audit.lock_fresh(session, project)
    if not may_propose(user, project):
        raise LedgerWebError([word("web.not_owner")])
    refuse_nul(fields)
    problems: list[str] = []
    values: dict[str, Any] = {}
    for k in EDITABLE:
        if k in fields:
            values[k] = fields[k].strip()
    if "name" in values and not values["name"]:
        problems.append(word("err.required") + f" ({word('col.name')})")
    for k in AMOUNTS:
        if k not in fields:
            continue
        raw = fields[k].strip()
        try:
            v = float(raw) if raw else None
        except ValueError:
            v = -1.0
        if v is not None and not (v >= 0 and v < 1e15):
            problems.append(word("err.amount", value=raw) + f" ({word(f'col.{k}')})")
        values[k] = v
    if problems:
        raise LedgerWebError(problems)
    before = {k: getattr(project, k) for k in values}
    for k, v in values.items():
        setattr(project, k, v)
    session.flush()
    audit.record(
        session,
        user.username,
        "ledgers.project.edit",
        _target(project),
        before,
        {k: getattr(project, k) for k in values},
        address,
    )
    return project


# --------------------------------------------------------------------------- matter events


def record_event(
    session: Session,
    cycle: Cycle,
    row: LedgerMatter,
    event: Event,
    user: User,
    address: str = "",
) -> LedgerEvent:
    """Add an event to a matter, through the matter's state machine (or a located refusal)."""
    _writable(cycle)
    audit.lock_fresh(session, row)
    stored = events_of(session, row)
    m = matter_of(row, stored)
    if user.role != "office":
        own = user.unit or ""
        if event.action not in UNIT_ACTIONS or own != event.unit:
            raise LedgerWebError([word("web.not_party")])
        if event.action != "claim" and own not in involved(m):
            raise LedgerWebError([word("web.not_party")])
    try:
        apply(m, event)
    except TransitionError as exc:
        raise _refuse(exc.problems) from None
    e = _event_row(row.id, len(stored), event, user.username)
    session.add(e)
    session.flush()
    audit.record(
        session,
        user.username,
        "ledgers.matter.event",
        f"cycle:{row.cycle_id}/matter:{row.code}",
        None,
        {
            "event": e.id,
            "action": e.action,
            "on": e.on.isoformat(),
            "unit": e.unit,
            "text": e.text,
            "deadline": e.deadline.isoformat() if e.deadline else None,
            "position": e.position,
            "by": e.by,
            "evidence": list(event.evidence),
        },
        address,
    )
    return e


def parse_event(
    action: str, on: str, unit: str, by: str, text: str, deadline: str, evidence: str
) -> Event:
    refuse_nul(
        {
            "action": action,
            "on": on,
            "unit": unit,
            "by": by,
            "text": text,
            "deadline": deadline,
            "evidence": evidence,
        }
    )
    problems = []
    if action not in ACTIONS:
        problems.append(word("web.bad_action"))
    day = new = None
    try:
        day = dt.date.fromisoformat(on.strip())
    except ValueError:
        problems.append(word("web.bad_date", field=word("col.on")))
    if deadline.strip():
        try:
            new = dt.date.fromisoformat(deadline.strip())
        except ValueError:
            problems.append(word("web.bad_date", field=word("field.deadline")))
    if max(len(text), len(evidence), len(by) * 10, len(unit) * 10) > 4000:
        problems.append(word("web.too_long"))
    if problems:
        raise LedgerWebError(problems)
    assert day is not None
    refs = tuple(x.strip() for x in evidence.replace("、", ",").split(",") if x.strip())
    return Event(_action(action), day, unit.strip(), by.strip(), text.strip(), new, refs)


# --------------------------------------------------------------------------- due lists


def due(
    session: Session, cycle: Cycle, scheme: Scheme, on: dt.date, soon: int = 7
) -> tuple[Due, ...]:
    """Everything overdue or due within ``soon`` days on ``on``, per unit taking part."""
    ms = matters(session, cycle)
    if not ms:
        return ()
    return due_list(
        compile_matters(ms, tuple(scheme.units), source_name(cycle, "matters")), on, soon
    )


def pending_changes(
    session: Session, cycle: Cycle
) -> list[tuple[LedgerProject, LedgerStageChange]]:
    rows = session.execute(
        select(LedgerProject, LedgerStageChange)
        .join(LedgerStageChange, LedgerStageChange.project_id == LedgerProject.id)
        .where(LedgerProject.cycle_id == cycle.id, LedgerStageChange.state == "proposed")
        .order_by(LedgerStageChange.id)
    ).all()
    return [(p, c) for p, c in rows]


@dataclass(frozen=True)
class InboxItems:
    """What is due for one account in one cycle, on a date."""

    due: tuple[Due, ...]
    reviews: tuple[tuple[LedgerProject, LedgerStageChange], ...]
    refused: tuple[tuple[LedgerProject, LedgerStageChange], ...]
    entry: Tally | None = None  # a department's cells, while the cycle collects values

    def __len__(self) -> int:
        waiting = 0
        if self.entry is not None:
            waiting = self.entry.missing + self.entry.returned + self.entry.submitted
        return len(self.due) + len(self.reviews) + len(self.refused) + (1 if waiting else 0)


def inbox_of(
    session: Session, cycle: Cycle, scheme: Scheme, user: User, on: dt.date, soon: int = 14
) -> InboxItems:
    """An account's inbox: matters due or overdue for its unit (every unit's, for the office),
    stage changes it may review, and its own stage changes refused."""
    items: tuple[Due, ...] = ()
    if user.role in ("office", "unit"):
        items = tuple(
            d
            for d in due(session, cycle, scheme, on, soon)
            if user.role == "office" or d.unit == user.unit
        )
    reviews: tuple[tuple[LedgerProject, LedgerStageChange], ...] = ()
    if user.role in ("office", "reviewer"):
        reviews = tuple((p, c) for p, c in pending_changes(session, cycle) if may_review(user, p))
    refused: tuple[tuple[LedgerProject, LedgerStageChange], ...] = ()
    if user.role == "reporter":
        rows = session.execute(
            select(LedgerProject, LedgerStageChange)
            .join(LedgerStageChange, LedgerStageChange.project_id == LedgerProject.id)
            .where(
                LedgerProject.cycle_id == cycle.id,
                LedgerStageChange.state == "refused",
                LedgerStageChange.proposed_by == user.username,
            )
            .order_by(LedgerStageChange.id)
        ).all()
        refused = tuple((p, c) for p, c in rows)
    entry = None
    if user.role in ("reporter", "reviewer") and user.department and cycle.state == "collecting":
        board = dashboard(session, cycle, scheme, dt.date.today(), user.department)
        entry = board.by_department.get(user.department)
    return InboxItems(items, reviews, refused, entry)


# --------------------------------------------------------------------------- talk lists


def _store_closure(session: Session, cycle: Cycle, c: ListClosure, actor: str) -> None:
    session.add(
        LedgerListClosure(
            cycle_id=cycle.id, batch=c.batch, on=c.on, matters=_json(c.matters), closed_by=actor
        )
    )
    session.flush()


def closures(session: Session, cycle: Cycle) -> list[ListClosure]:
    rows = session.execute(
        select(LedgerListClosure)
        .where(LedgerListClosure.cycle_id == cycle.id)
        .order_by(LedgerListClosure.id)
    ).scalars()
    return [ListClosure(r.batch, r.on, tuple(_list(r.matters))) for r in rows]


def lists_of(session: Session, cycle: Cycle, on: dt.date) -> tuple[TalkList, ...]:
    """The cycle's talk lists on ``on``: talks recorded, pending, closure."""
    return talk_lists(matters(session, cycle), on, closures(session, cycle))


def close_talk_list(
    session: Session, cycle: Cycle, batch: str, on: dt.date, user: User, address: str = ""
) -> ListClosure:
    """Close a talk list: refused (naming each talk not recorded) unless every talk is."""
    _writable(cycle)
    refuse_nul({"batch": batch})
    audit.lock(session)
    if any(c.batch == batch for c in closures(session, cycle)):
        raise LedgerWebError([word("web.list_closed", batch=batch)])
    try:
        closure = close_list(matters(session, cycle), batch, on)
    except TransitionError as exc:
        raise _refuse(exc.problems) from None
    _store_closure(session, cycle, closure, user.username)
    audit.record(
        session,
        user.username,
        "ledgers.list.close",
        f"cycle:{cycle.id}/list:{batch}",
        None,
        {"batch": batch, "on": on.isoformat(), "talks": list(closure.matters)},
        address,
    )
    return closure


# --------------------------------------------------------------------------- a new matter

MATTER_FORM = ("code", "kind", "title", "opened", "deadline", "units", "assisting", "leader")
MATTER_FORM_MORE = ("subject", "level", "batch", "public", "source", "evidence")


def parse_matter(fields: dict[str, str], scheme: Scheme) -> Matter:
    """A matter from the office's form, checked by the core (every problem at once)."""
    refuse_nul({k: v for k, v in fields.items() if k in (*MATTER_FORM, *MATTER_FORM_MORE)})
    problems: list[str] = []
    names = {x.name: u for u, x in scheme.units.items()}

    def units(key: str) -> tuple[str, ...]:
        out = []
        for part in fields.get(key, "").replace("、", ",").replace("，", ",").split(","):
            part = part.strip()
            if part:
                out.append(names.get(part, part))
        return tuple(out)

    def day(key: str, label: str) -> dt.date | None:
        raw = fields.get(key, "").strip()
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            problems.append(word("web.bad_date", field=word(label)))
            return None

    kind = fields.get("kind", "")
    if kind not in KINDS:
        problems.append(word("web.bad_kind"))
        kind = "supervision"
    opened = day("opened", "col.opened")
    if opened is None and not problems:
        problems.append(word("web.bad_date", field=word("col.opened")))
    if any(len(fields.get(k, "")) > 2000 for k in (*MATTER_FORM, *MATTER_FORM_MORE)):
        problems.append(word("web.too_long"))
    deadline = day("deadline", "field.deadline")
    if problems:
        raise LedgerWebError(problems)
    assert opened is not None
    k: Kind = kind  # type: ignore[assignment]
    m = Matter(
        id=fields.get("code", "").strip()[:64],
        kind=k,
        title=fields.get("title", "").strip()[:512],
        opened=opened,
        deadline=deadline,
        units=units("units"),
        assisting=units("assisting"),
        leader=fields.get("leader", "").strip()[:128],
        subject=fields.get("subject", "").strip()[:256],
        level=fields.get("level", "").strip()[:64],
        batch=fields.get("batch", "").strip()[:128],
        public=kind == "challenge" and fields.get("public", "1") not in ("", "0", "no"),
        source=fields.get("source", "").strip(),
        evidence=tuple(
            x.strip() for x in fields.get("evidence", "").replace("、", ",").split(",") if x.strip()
        ),
    )
    found = check_matter(m, scheme.units)
    if found:
        raise _refuse(found)
    return m


def create_matter(
    session: Session, cycle: Cycle, m: Matter, user: User, address: str = ""
) -> LedgerMatter:
    """The office assigns a supervision task, lists a challenge, opens a case or a talk."""
    _writable(cycle)
    audit.lock(session)
    taken = session.execute(
        select(LedgerMatter.id).where(LedgerMatter.cycle_id == cycle.id, LedgerMatter.code == m.id)
    ).first()
    if taken is not None:
        raise LedgerWebError([word("web.already", value=m.id)])
    rows = store_matters(session, cycle, [m], user.username)
    row = session.execute(
        select(LedgerMatter).where(LedgerMatter.cycle_id == cycle.id, LedgerMatter.code == m.id)
    ).scalar_one()
    audit.record(
        session,
        user.username,
        "ledgers.matter.create",
        f"cycle:{cycle.id}/matter:{m.id}",
        None,
        {
            "kind": m.kind,
            "title": m.title,
            "units": list(m.units),
            "deadline": m.deadline.isoformat() if m.deadline else None,
            "rows": rows,
        },
        address,
    )
    return row


# --------------------------------------------------------------------------- the board's fields

PUBLIC_FIELDS = (
    "code",
    "name",
    "unit",
    "task_force",
    "sector",
    "level",
    "stage",
    "total_investment",
    "completed_investment",
)


def public_fields(session: Session, cycle: Cycle) -> list[str]:
    """The register's fields the office has made public (none until it chooses)."""
    row = session.execute(
        select(LedgerBoard).where(LedgerBoard.cycle_id == cycle.id)
    ).scalar_one_or_none()
    return [f for f in _list(row.fields) if f in PUBLIC_FIELDS] if row is not None else []


def set_public_fields(
    session: Session, cycle: Cycle, fields: Sequence[str], user: User, address: str = ""
) -> list[str]:
    _writable(cycle)
    audit.lock(session)
    chosen = [f for f in PUBLIC_FIELDS if f in set(fields)]
    row = session.execute(
        select(LedgerBoard).where(LedgerBoard.cycle_id == cycle.id)
    ).scalar_one_or_none()
    before = public_fields(session, cycle)
    if row is None:
        row = LedgerBoard(cycle_id=cycle.id)
        session.add(row)
    row.fields = _json(chosen)
    row.updated_by = user.username
    row.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    session.flush()
    audit.record(
        session,
        user.username,
        "ledgers.board.fields",
        f"cycle:{cycle.id}/ledgers",
        {"fields": before},
        {"fields": chosen},
        address,
    )
    return chosen
