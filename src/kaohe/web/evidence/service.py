"""Evidence files (证明材料) attached to a value's version or to an objection.

Only document and image types are accepted, checked by name *and* by their first bytes; the
size is limited; the bytes are stored once, in the database, under their SHA-256 (so a backup
holds them and the same file attached twice is kept once). A file is served only as a download
(``Content-Disposition: attachment``) with its checked type — never as HTML — and only to those
who may see the value or objection it belongs to.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.i18n import both
from kaohe.web.audit import chain as audit
from kaohe.web.policy import department_of, role_of
from kaohe.web.store.models import Cycle, Evidence, EvidenceBlob, Objection, User, Value

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = b"PK\x03\x04"
# suffix → (media type, the bytes such a file starts with; None: text, checked as UTF-8)
TYPES: dict[str, tuple[str, bytes | None]] = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".xlsx": (XLSX, ZIP),
    ".docx": (DOCX, ZIP),
    ".csv": ("text/csv; charset=utf-8", None),
    ".txt": ("text/plain; charset=utf-8", None),
}
MAX_NAME = 200


class EvidenceError(ValueError):
    """A file that cannot be kept as evidence; the message says why."""


def media_type(filename: str, body: bytes, limit: int) -> str:
    """The file's media type, if its name, its content and its size are acceptable."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix not in TYPES:
        allowed = " ".join(sorted(TYPES))
        raise EvidenceError(f"{filename}: {both('web.say.evidence_type', allowed=allowed)}")
    if not body:
        raise EvidenceError(f"{filename}: {both('web.say.evidence_empty')}")
    if len(body) > limit:
        said = both("web.say.evidence_large", mb=limit // 2**20, n=len(body))
        raise EvidenceError(f"{filename}: {said}")
    kind, magic = TYPES[suffix]
    if magic is not None and not body.startswith(magic):
        raise EvidenceError(f"{filename}: {both('web.say.evidence_magic', suffix=suffix)}")
    if magic is None:
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise EvidenceError(f"{filename}: {both('web.say.evidence_utf8')}") from None
        if "\x00" in text:
            raise EvidenceError(f"{filename}: {both('web.say.evidence_text')}")
    return kind


def clean_name(filename: str) -> str:
    """The file's own name, without any directory part, and not too long."""
    name = PurePosixPath(filename.replace("\\", "/")).name.strip() or "file"
    if len(name) > MAX_NAME:
        stem, suffix = name[: MAX_NAME - 10], PurePosixPath(name).suffix
        name = stem + suffix
    return name


def attach(
    session: Session,
    cycle: Cycle,
    filename: str,
    body: bytes,
    user: User,
    limit: int,
    value: Value | None = None,
    objection: Objection | None = None,
) -> Evidence:
    """Keep ``body`` as evidence of ``value`` or ``objection`` (exactly one)."""
    if (value is None) == (objection is None):
        raise EvidenceError("evidence belongs to a value or to an objection")
    name = clean_name(filename)
    kind = media_type(name, body, limit)
    digest = hashlib.sha256(body).hexdigest()
    if session.get(EvidenceBlob, digest) is None:
        session.add(EvidenceBlob(sha256=digest, size=len(body), content=body))
        session.flush()  # the blob first: the evidence row refers to it
    item = Evidence(
        cycle_id=cycle.id,
        value_id=value.id if value else None,
        objection_id=objection.id if objection else None,
        sha256=digest,
        filename=name,
        media_type=kind,
        uploaded_by=user.id,
    )
    session.add(item)
    session.flush()
    target = (
        f"cycle:{cycle.id}/{value.unit}/{value.column}/v{value.version}"
        if value
        else f"cycle:{cycle.id}/objection:{objection.id if objection else ''}"
    )
    audit.record(
        session,
        user.username,
        "evidence.attach",
        target,
        after={"evidence": item.id, "file": name, "sha256": digest, "size": len(body)},
    )
    return item


def of_values(session: Session, value_ids: list[int]) -> dict[int, list[Evidence]]:
    """Evidence by value id."""
    out: dict[int, list[Evidence]] = defaultdict(list)
    if value_ids:
        for e in session.execute(
            select(Evidence).where(Evidence.value_id.in_(value_ids)).order_by(Evidence.id)
        ).scalars():
            assert e.value_id is not None
            out[e.value_id].append(e)
    return out


def of_objections(session: Session, objection_ids: list[int]) -> dict[int, list[Evidence]]:
    """Evidence by objection id."""
    out: dict[int, list[Evidence]] = defaultdict(list)
    if objection_ids:
        for e in session.execute(
            select(Evidence).where(Evidence.objection_id.in_(objection_ids)).order_by(Evidence.id)
        ).scalars():
            assert e.objection_id is not None
            out[e.objection_id].append(e)
    return out


def may_see(session: Session, user: User | None, item: Evidence) -> bool:
    """The office sees all; a department's reporters and reviewers the evidence of their own
    indicators' values; an assessed unit the evidence of its own values and objections."""
    role = role_of(user)
    if role == "office":
        return True
    if user is None:
        return False
    cycle = session.get(Cycle, item.cycle_id)
    if cycle is None:
        return False
    if item.value_id is not None:
        value = session.get(Value, item.value_id)
        if value is None:
            return False
        if role == "unit":
            return value.unit == user.unit
        from kaohe.web.cycles.service import scheme_of

        indicator = scheme_of(cycle, session).indicators.get(value.column.partition(":")[0])
        return indicator is not None and indicator.owner == department_of(user)
    objection = session.get(Objection, item.objection_id) if item.objection_id else None
    return role == "unit" and objection is not None and objection.unit == user.unit


def content(session: Session, item: Evidence) -> bytes:
    blob = session.get(EvidenceBlob, item.sha256)
    assert blob is not None  # a foreign key
    return bytes(blob.content)
