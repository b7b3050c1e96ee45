"""The data side of ``audit verify``: the log's entries replayed into what each recorded row
must hold, then compared with the rows themselves (see ``kaohe.web.audit.check_data``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.web.audit.chain import Break, snapshot_digest
from kaohe.web.audit.ledger_rows import check_ledgers
from kaohe.web.store.models import AuditEntry, Objection, ResultSnapshot, SchemeVersion, Value

REVIEWED = {"value.approve": "approved", "value.return": "returned"}
ANSWERED = {"objection.accepted": "accepted", "objection.rejected": "rejected"}


@dataclass
class _Expected:
    seq: int
    fields: dict[str, Any] = field(default_factory=dict)


def _after(e: AuditEntry) -> dict[str, Any]:
    try:
        value = json.loads(e.after)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def check_recorded(session: Session, entries: list[AuditEntry]) -> list[Break]:
    values: dict[tuple[str, int], _Expected] = {}
    objections: dict[int, _Expected] = {}
    snapshots: dict[int, _Expected] = {}
    schemes: dict[str, _Expected] = {}
    for e in entries:
        after = _after(e)
        if e.action == "value.submit" and "version" in after:
            values[(e.target, int(after["version"]))] = _Expected(
                e.seq,
                {"raw": after.get("raw", ""), "note": after.get("note", ""), "state": "submitted"},
            )
        elif e.action in REVIEWED and "version" in after:
            found = values.get((e.target, int(after["version"])))
            if found is not None:
                found.fields["state"] = REVIEWED[e.action]
                found.fields["comment"] = after.get("comment", "")
        elif e.action == "objection.file":
            objections[_objection_id(e.target)] = _Expected(
                e.seq,
                {
                    "unit": after.get("unit"),
                    "indicator": after.get("indicator"),
                    "reason": after.get("reason"),
                    "state": "open",
                },
            )
        elif e.action in ANSWERED and _objection_id(e.target) in objections:
            found = objections[_objection_id(e.target)]
            found.fields.update(state=ANSWERED[e.action], answer=after.get("answer", ""))
        elif e.action == "results.compute" and "sha256" in after:
            snapshots[int(after["snapshot"])] = _Expected(e.seq, {"sha256": after["sha256"]})
        elif e.action == "scheme.store" and "sha256" in after:
            schemes[e.target] = _Expected(e.seq, {"sha256": after["sha256"]})
    return [
        *_values(session, values),
        *_objections(session, objections),
        *_snapshots(session, snapshots),
        *_schemes(session, schemes),
        *check_ledgers(session, entries),
    ]


def _objection_id(target: str) -> int:
    tail = target.rpartition("objection:")[2]
    return int(tail) if tail.isdigit() else -1


def _differs(
    where: str, seq: int, row: dict[str, Any], expected: dict[str, Any]
) -> Iterator[Break]:
    for key, want in expected.items():
        have = row.get(key)
        if have != want:
            yield Break(
                seq,
                f"{where}: {key} is {have!r} in the database but {want!r} in the log "
                "(changed outside Kaohe)",
            )


def _values(session: Session, expected: dict[tuple[str, int], _Expected]) -> Iterator[Break]:
    for v in session.execute(select(Value).order_by(Value.id)).scalars():
        target = f"cycle:{v.cycle_id}/{v.unit}/{v.column}" + (f"@{v.period}" if v.period else "")
        where = f"value {v.unit} · {v.column} v{v.version} of cycle {v.cycle_id}"
        found = expected.pop((target, v.version), None)
        if found is None:
            yield Break(0, f"{where}: no entry of the log records it (added outside Kaohe)")
            continue
        row = {"raw": v.raw, "note": v.note, "state": v.state, "comment": v.comment}
        yield from _differs(where, found.seq, row, found.fields)
    for (target, version), found in expected.items():
        yield Break(found.seq, f"value {target} v{version}: in the log, not in the database")


def _objections(session: Session, expected: dict[int, _Expected]) -> Iterator[Break]:
    for o in session.execute(select(Objection).order_by(Objection.id)).scalars():
        found = expected.pop(o.id, None)
        if found is None:
            yield Break(0, f"objection {o.id}: no entry of the log records it")
            continue
        row = {
            "unit": o.unit,
            "indicator": o.indicator,
            "reason": o.reason,
            "state": o.state,
            "answer": o.answer,
        }
        yield from _differs(f"objection {o.id}", found.seq, row, found.fields)
    for oid, found in expected.items():
        yield Break(found.seq, f"objection {oid}: in the log, not in the database")


def _snapshots(session: Session, expected: dict[int, _Expected]) -> Iterator[Break]:
    for snap in session.execute(select(ResultSnapshot).order_by(ResultSnapshot.id)).scalars():
        found = expected.get(snap.id)
        if found is not None and snapshot_digest(snap.rows, snap.explain) != found.fields["sha256"]:
            yield Break(found.seq, f"results snapshot {snap.id}: its content was changed")


def _schemes(session: Session, expected: dict[str, _Expected]) -> Iterator[Break]:
    for version in session.execute(select(SchemeVersion).order_by(SchemeVersion.id)).scalars():
        found = expected.get(f"scheme_version:{version.id}")
        digest = hashlib.sha256(version.text.encode("utf-8")).hexdigest()
        if found is not None and digest != found.fields["sha256"]:
            yield Break(found.seq, f"scheme version {version.id}: its text was changed")
