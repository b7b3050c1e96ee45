"""The ledgers' side of ``audit verify``: every project, stage change, matter and event as the
log says it was written.

A register or matter file is written in bulk (``COPY``), so its entry (``ledgers.import``) does
not list every row: it records **digests** of the rows as written — the records sorted by their
id, 500 a chunk, each chunk's SHA-256 over the canonical JSON of its rows (a project with the
stage changes it was imported with, a matter with its events). A matter created on its page
records the digest of its one row the same way (``ledgers.matter.create``). What changes a row
afterwards is in the log with its values: a project's edit (``ledgers.project.edit``: each field
before and after), a stage approved (``ledgers.stage.approve``: the project's stage before and
after), a stage change proposed and reviewed (``ledgers.stage.propose`` / ``approve`` /
``refuse``), an event recorded (``ledgers.matter.event``).

So verification replays the log: each edited field must hold the value of its last entry, and
the rows with each edit undone (the value before its first entry) must give the digests
recorded at their import; every stage change or event not imported must be named by its entry,
with the same values. A row changed, added or removed in the database directly breaks one of
these. Entries written before digests were recorded are not checked this way."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.web.audit.chain import Break, canonical
from kaohe.web.store.models import (
    AuditEntry,
    LedgerEvent,
    LedgerMatter,
    LedgerProject,
    LedgerStageChange,
)

CHUNK = 500

#: the columns of a project's content, in order (the digest's rows)
PROJECT_COLUMNS = (
    "code",
    "name",
    "unit",
    "task_force",
    "sector",
    "level",
    "stage",
    "total_investment",
    "planned_investment",
    "completed_investment",
    "monthly",
    "planned",
    "evidence",
    "department",
)
CHANGE_COLUMNS = ("position", "stage", "on", "reason", "evidence", "state", "proposed_by")
MATTER_COLUMNS = (
    "code",
    "kind",
    "title",
    "opened",
    "deadline",
    "units",
    "assisting",
    "leader",
    "subject",
    "level",
    "batch",
    "public",
    "source",
    "evidence",
    "milestones",
)
EVENT_COLUMNS = ("position", "action", "on", "unit", "by", "text", "deadline", "evidence")
#: the project fields an entry may change after the import (edits, and the stage approved)
CHANGEABLE = (
    "name",
    "task_force",
    "sector",
    "level",
    "total_investment",
    "planned_investment",
    "completed_investment",
    "stage",
)


def norm(v: Any) -> Any:
    """One value as the digest reads it, the same from memory and from either database."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return float(v)
    return str(v)


def content(values: Sequence[Any], children: Iterable[Sequence[Any]]) -> list[Any]:
    """A record's row (its values in column order) with its children's rows."""
    return [[norm(v) for v in values], [[norm(v) for v in c] for c in children]]


def digests(rows: Iterable[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    """The chunk digests of records given as (id, content): sorted by id, ``CHUNK`` a chunk."""
    ordered = sorted(rows, key=lambda r: r[0])
    out = []
    for start in range(0, len(ordered), CHUNK):
        part = ordered[start : start + CHUNK]
        text = canonical([c for _, c in part])
        out.append(
            {
                "from": part[0][0],
                "to": part[-1][0],
                "n": len(part),
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            }
        )
    return out


# --------------------------------------------------------------------------- the log replayed


@dataclass
class _Log:
    imports: dict[int, tuple[AuditEntry, list[dict[str, Any]]]] = field(default_factory=dict)
    created: dict[str, tuple[AuditEntry, list[dict[str, Any]]]] = field(default_factory=dict)
    edits: dict[str, list[tuple[int, dict[str, Any], dict[str, Any]]]] = field(default_factory=dict)
    changes: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    events: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def _replay(entries: Iterable[AuditEntry]) -> _Log:
    log = _Log()
    for e in entries:
        if not e.action.startswith("ledgers."):
            continue
        after = _json(e.after)
        if e.action == "ledgers.import" and isinstance(after.get("rows"), list):
            log.imports[int(after["import"])] = (e, after["rows"])
        elif e.action == "ledgers.matter.create" and isinstance(after.get("rows"), list):
            log.created[e.target] = (e, after["rows"])
        elif e.action == "ledgers.project.edit":
            log.edits.setdefault(e.target, []).append((e.seq, _json(e.before), after))
        elif e.action == "ledgers.stage.propose" and "change" in after:
            expected = {
                "stage": after.get("to"),
                "on": after.get("on"),
                "reason": after.get("reason"),
                "state": "proposed",
                "proposed_by": e.actor,
            }
            for key in ("position", "evidence"):
                if key in after:
                    expected[key] = after[key]
            log.changes[int(after["change"])] = (e.seq, expected)
        elif e.action in ("ledgers.stage.approve", "ledgers.stage.refuse") and "change" in after:
            found = log.changes.get(int(after["change"]))
            if found is not None:
                found[1].update(state=after.get("state"), reviewed_by=e.actor)
                if "note" in after:
                    found[1]["review_note"] = after["note"]
            if e.action == "ledgers.stage.approve":
                before = {"stage": _json(e.before).get("stage")}
                log.edits.setdefault(e.target, []).append(
                    (e.seq, before, {"stage": after.get("stage")})
                )
        elif e.action == "ledgers.matter.event" and "event" in after:
            expected = {k: after.get(k) for k in ("action", "on", "unit", "text", "deadline")}
            for key in ("position", "by", "evidence"):
                if key in after:
                    expected[key] = after[key]
            log.events[int(after["event"])] = (e.seq, expected)
    return log


def _where_differs(
    where: str, seq: int, have: dict[str, Any], want: dict[str, Any]
) -> Iterator[Break]:
    for key, value in want.items():
        got = have.get(key)
        if key == "evidence" and isinstance(value, list):
            got = _list(got)
        elif isinstance(value, float) or isinstance(got, float):
            got, value = norm(got), norm(value)
        else:
            got = norm(got) if got is not None else got
            value = norm(value) if value is not None else value
        if got != value:
            yield Break(
                seq,
                f"{where}: {key} is {got!r} in the database but {value!r} in the log "
                "(changed outside Kaohe)",
            )


def _list(text: Any) -> list[Any]:
    try:
        out = json.loads(text) if isinstance(text, str) and text else []
    except json.JSONDecodeError:
        return [text]
    return out if isinstance(out, list) else [out]


def _rows(
    session: Session, model: Any, columns: Sequence[str], *extra: str
) -> list[dict[str, Any]]:
    table = model.__table__
    cols = [table.c[c] for c in (*extra, *columns)]
    return [dict(r._mapping) for r in session.execute(select(*cols).order_by(table.c.id))]


def _compare(
    what: str,
    seq: int,
    recorded: list[dict[str, Any]],
    rows: list[tuple[str, list[Any]]],
) -> Iterator[Break]:
    found = digests(rows)
    if len(found) != len(recorded) or sum(c["n"] for c in found) != sum(
        int(c.get("n", 0)) for c in recorded
    ):
        n = sum(int(c.get("n", 0)) for c in recorded)
        yield Break(
            seq,
            f"{what}: {len(rows)} in the database, {n} in the log (added or removed outside Kaohe)",
        )
        return
    for have, want in zip(found, recorded, strict=True):
        if have != want:
            yield Break(
                seq,
                f"{what}, {want.get('from')} … {want.get('to')}: their content differs from the "
                "digest the log recorded (changed outside Kaohe)",
            )


def check_ledgers(session: Session, entries: Sequence[AuditEntry]) -> list[Break]:
    """Every ledger row checked against the log (see the module's description)."""
    log = _replay(entries)
    return [*_projects(session, log), *_matters(session, log)]


def _projects(session: Session, log: _Log) -> Iterator[Break]:
    projects = _rows(session, LedgerProject, PROJECT_COLUMNS, "id", "cycle_id", "import_id")
    changes: dict[int, list[dict[str, Any]]] = {}
    for c in _rows(
        session,
        LedgerStageChange,
        (*CHANGE_COLUMNS, "reviewed_by", "review_note"),
        "id",
        "project_id",
    ):
        changes.setdefault(int(c["project_id"]), []).append(c)
    seen_changes: set[int] = set()
    by_import: dict[int | None, list[tuple[str, list[Any]]]] = {}
    for p in projects:
        target = f"cycle:{p['cycle_id']}/project:{p['code']}"
        where = f"project {p['code']} of cycle {p['cycle_id']}"
        imported = dict(p)
        first: dict[str, Any] = {}
        last: dict[str, tuple[int, Any]] = {}
        for seq, before, after in log.edits.get(target, []):
            for key in CHANGEABLE:
                if key in after:
                    first.setdefault(key, before.get(key))
                    last[key] = (seq, after[key])
        for key, (seq, value) in last.items():
            yield from _where_differs(where, seq, p, {key: value})
        imported.update(first)
        kept = []
        for c in sorted(changes.get(int(p["id"]), []), key=lambda c: int(c["position"])):
            recorded = log.changes.get(int(c["id"]))
            if recorded is None:
                kept.append([c[k] for k in CHANGE_COLUMNS])
                continue
            seen_changes.add(int(c["id"]))
            seq, want = recorded
            yield from _where_differs(f"{where}, stage change {c['id']}", seq, c, want)
        row = content([imported[k] for k in PROJECT_COLUMNS], kept)
        by_import.setdefault(p["import_id"], []).append((str(p["code"]), row))
    for cid, (seq, _) in log.changes.items():
        if cid not in seen_changes:
            yield Break(seq, f"stage change {cid}: in the log, not in the database")
    for import_id, rows in by_import.items():
        entry = log.imports.get(import_id) if import_id is not None else None
        if entry is None:
            if import_id is None:
                names = ", ".join(code for code, _ in rows[:5])
                yield Break(0, f"projects {names}: no entry of the log records them")
            continue  # else an import written before digests were recorded
        yield from _compare(f"projects of import {import_id}", entry[0].seq, entry[1], rows)
    for import_id, (e, chunks) in log.imports.items():
        if import_id not in by_import and _after_ledger(e) == "projects":
            yield from _compare(f"projects of import {import_id}", e.seq, chunks, [])


def _after_ledger(e: AuditEntry) -> str:
    return e.target.rpartition("/")[2]


def _matters(session: Session, log: _Log) -> Iterator[Break]:
    matters = _rows(session, LedgerMatter, MATTER_COLUMNS, "id", "cycle_id", "import_id")
    events: dict[int, list[dict[str, Any]]] = {}
    for ev in _rows(session, LedgerEvent, EVENT_COLUMNS, "id", "matter_id"):
        events.setdefault(int(ev["matter_id"]), []).append(ev)
    seen_events: set[int] = set()
    by_import: dict[int, list[tuple[str, list[Any]]]] = {}
    for m in matters:
        where = f"matter {m['code']} of cycle {m['cycle_id']}"
        kept = []
        for ev in sorted(events.get(int(m["id"]), []), key=lambda e: int(e["position"])):
            recorded = log.events.get(int(ev["id"]))
            if recorded is None:
                kept.append([ev[k] for k in EVENT_COLUMNS])
                continue
            seen_events.add(int(ev["id"]))
            seq, want = recorded
            yield from _where_differs(f"{where}, event {ev['id']}", seq, ev, want)
        row = content([m[k] for k in MATTER_COLUMNS], kept)
        if m["import_id"] is not None:
            by_import.setdefault(int(m["import_id"]), []).append((str(m["code"]), row))
            continue
        created = log.created.get(f"cycle:{m['cycle_id']}/matter:{m['code']}")
        if created is None:
            yield Break(0, f"{where}: no entry of the log records it (added outside Kaohe)")
            continue
        yield from _compare(where, created[0].seq, created[1], [(str(m["code"]), row)])
    for eid, (seq, _) in log.events.items():
        if eid not in seen_events:
            yield Break(seq, f"event {eid}: in the log, not in the database")
    for import_id, rows in by_import.items():
        entry = log.imports.get(import_id)
        if entry is None:
            continue  # written before digests were recorded
        yield from _compare(f"matters of import {import_id}", entry[0].seq, entry[1], rows)
    for import_id, (e, chunks) in log.imports.items():
        if import_id not in by_import and _after_ledger(e) == "matters":
            yield from _compare(f"matters of import {import_id}", e.seq, chunks, [])
