"""``kaohe backup`` / ``kaohe restore``: the whole database as one file, restorable to an identical
state, on SQLite or PostgreSQL (and from one to the other).

The file is a zip archive of two members:

- ``tables.json``: every table's columns and rows (ordered by primary key), read in one
  transaction — on PostgreSQL at REPEATABLE READ, so that all tables are seen at one instant; on
  SQLite under the write lock (``BEGIN IMMEDIATE``), so no write happens meanwhile. Datetimes are
  ISO 8601 text with microseconds, floats JSON numbers written to round-trip exactly;
- ``manifest.json``: the format, the schema (Alembic) revision, the row count of every table and
  the SHA-256 of ``tables.json``, and — when a key is set (``KAOHE_BACKUP_KEY``) — an
  HMAC-SHA256 of the rest of the manifest under that key. A checksum alone proves nothing
  against someone who edits the file (they recompute it); the signature does: ``restore``
  refuses a signed backup whose signature does not verify, and an unsigned one unless told.

It is written atomically (a temporary file renamed into place). ``restore`` checks the checksum
and the revision, refuses a database that holds any row unless told to replace it, and loads every
row in one transaction, parents before children; PostgreSQL's id sequences are then set past the
largest id. A failure anywhere leaves the target database as it was.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    Table,
    func,
    select,
    text,
)

from kaohe.i18n import both
from kaohe.io.atomic import atomic_file
from kaohe.web.store.migrate import alembic_config

FORMAT = "kaohe-backup/1"
VERSION_TABLE = "alembic_version"


class BackupError(ValueError):
    """A backup that cannot be written or restored; the message says why."""


@dataclass(frozen=True)
class Summary:
    """What a backup holds (or a restore loaded)."""

    path: Path
    revision: str
    rows: dict[str, int]
    sha256: str
    signed: bool = False

    @property
    def total(self) -> int:
        return sum(self.rows.values())


# --------------------------------------------------------------------------- reading


def _tables(conn: Connection) -> list[Table]:
    """The database's tables (as they are, reflected), parents before children."""
    meta = MetaData()
    meta.reflect(conn)
    return [t for t in meta.sorted_tables if t.name != VERSION_TABLE]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decode(table: Table, columns: list[str], row: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in zip(columns, row, strict=True):
        kind = table.c[name].type
        if value is None:
            pass
        elif isinstance(kind, DateTime):
            value = datetime.fromisoformat(value)
        elif isinstance(kind, Date):
            value = date.fromisoformat(value)
        elif isinstance(kind, LargeBinary):
            value = base64.b64decode(value)
        out[name] = value
    return out


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def dump(conn: Connection) -> dict[str, Any]:
    """Every table's columns and rows, ordered by primary key, as JSON-ready values."""
    out: dict[str, Any] = {}
    for table in _tables(conn):
        order = list(table.primary_key.columns) or list(table.columns)
        rows = conn.execute(select(table).order_by(*order)).all()
        out[table.name] = {
            "columns": [c.name for c in table.columns],
            "rows": [[_encode(v) for v in r] for r in rows],
        }
    return out


def _tables_json(tables: dict[str, Any]) -> bytes:
    return json.dumps(
        tables, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=True
    ).encode("utf-8")


def _snapshot(engine: Engine) -> tuple[str, dict[str, Any]]:
    """The revision and every table, read in one transaction that sees one instant."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    try:
        with conn.begin():
            revision = _revision(conn)
            if revision is None:
                raise BackupError(
                    "the database has no schema (nothing to back up): check KAOHE_DATABASE_URL"
                )
            return revision, dump(conn)
    finally:
        conn.close()


def signature(manifest: dict[str, Any], key: str) -> str:
    """HMAC-SHA256 under ``key`` of the manifest (without its signature), canonical JSON."""
    fields = {k: v for k, v in manifest.items() if k != "hmac"}
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def backup(engine: Engine, path: str | Path, key: str = "") -> Summary:
    """Write the whole database into the file ``path`` (replaced atomically if it exists),
    signed with ``key`` when one is given."""
    path = Path(path)
    revision, tables = _snapshot(engine)
    body = _tables_json(tables)
    digest = hashlib.sha256(body).hexdigest()
    rows = {name: len(t["rows"]) for name, t in tables.items()}
    manifest = {
        "format": FORMAT,
        "revision": revision,
        "dialect": engine.dialect.name,
        "rows": rows,
        "sha256": digest,
    }
    if key:
        manifest["hmac"] = signature(manifest, key)
    with atomic_file(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        zf.writestr("tables.json", body)
    return Summary(path, revision, rows, digest, signed=bool(key))


# --------------------------------------------------------------------------- restoring


def read_backup(
    path: str | Path, key: str = "", unsigned: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manifest and the tables of a backup file, its checksum verified — and its
    signature under ``key``; an unsigned backup is refused unless ``unsigned``."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            body = zf.read("tables.json")
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError) as exc:
        raise BackupError(f"{path}: not a kaohe backup ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a kaohe backup (format {manifest.get('format')!r})")
    _check_signature(path, manifest, key, unsigned)
    digest = hashlib.sha256(body).hexdigest()
    if digest != manifest.get("sha256"):
        raise BackupError(
            f"{path}: the checksum does not match (the file is damaged or was altered): "
            f"manifest {manifest.get('sha256')}, content {digest}"
        )
    tables = json.loads(body)
    counts = {name: len(t["rows"]) for name, t in tables.items()}
    if counts != manifest.get("rows"):
        raise BackupError(f"{path}: the row counts do not match the manifest")
    return manifest, tables


def _check_signature(path: Path, manifest: dict[str, Any], key: str, unsigned: bool) -> None:
    sent = manifest.get("hmac")
    if sent is None:
        if not unsigned:
            raise BackupError(f"{path}: {both('web.say.backup_unsigned')}")
        return
    if not key:
        raise BackupError(f"{path}: {both('web.say.backup_key_needed')}")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, signature(manifest, key)):
        raise BackupError(f"{path}: {both('web.say.backup_bad_signature')}")


def _nonempty(conn: Connection) -> dict[str, int]:
    out = {}
    for table in _tables(conn):
        n = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        if n:
            out[table.name] = n
    return out


def _head(engine: Engine) -> str:
    head = ScriptDirectory.from_config(alembic_config(str(engine.url))).get_current_head()
    assert head is not None
    return head


def restore(
    engine: Engine,
    path: str | Path,
    replace: bool = False,
    key: str = "",
    unsigned: bool = False,
) -> Summary:
    """Load a backup into the database of ``engine``, all or nothing.

    An empty database (no schema, or a schema without rows) is brought to the backup's schema
    revision first. A database holding rows is refused unless ``replace``: then its rows are
    deleted, in the same transaction, before the backup's are loaded. The schema must be at the
    backup's revision (a backup made by another version of kaohe is refused with a message).
    """
    path = Path(path)
    manifest, tables = read_backup(path, key, unsigned)
    revision = str(manifest["revision"])
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config("")).walk_revisions()}
    if revision not in known:
        raise BackupError(
            f"{path}: made at schema revision {revision}, which this version of kaohe does not "
            f"know (its newest is {_head(engine)}): restore it with the kaohe that made it"
        )
    with engine.begin() as conn:
        current = _revision(conn)
        if current is None:
            cfg = alembic_config(engine.url.render_as_string(hide_password=False))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            current = revision
        if current != revision:
            raise BackupError(
                f"the database is at schema revision {current}, the backup at {revision}: "
                "restore into a new database without tables (it is brought to the backup's "
                "revision), then run kaohe db upgrade"
            )
        present = _tables(conn)
        names = {t.name for t in present}
        if set(tables) != names:
            raise BackupError(
                f"{path}: its tables ({', '.join(sorted(tables))}) are not the database's "
                f"({', '.join(sorted(names))})"
            )
        held = _nonempty(conn)
        if held and not replace:
            shown = ", ".join(f"{k} {v}" for k, v in sorted(held.items()))
            raise BackupError(
                f"the database is not empty ({shown} rows): restore into an empty database, "
                "or give --replace to delete everything in it first"
            )
        for table in reversed(present):
            conn.execute(table.delete())
        for table in present:
            columns = tables[table.name]["columns"]
            rows = [_decode(table, columns, r) for r in tables[table.name]["rows"]]
            if rows:
                conn.execute(table.insert(), rows)
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, present)
    return Summary(
        path,
        revision,
        dict(manifest["rows"]),
        str(manifest["sha256"]),
        signed="hmac" in manifest,
    )


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Set each serial id's sequence so that the next id follows the largest restored one."""
    prep = conn.dialect.identifier_preparer
    for table in tables:
        quoted = prep.format_table(table)
        for col in table.primary_key.columns:
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": quoted, "c": col.name}
            ).scalar()
            if seq is None:
                continue
            largest = f"SELECT MAX({prep.quote(col.name)}) FROM {quoted}"
            conn.execute(
                text(f"SELECT setval(:s, COALESCE(({largest}), 0) + 1, false)"), {"s": seq}
            )
