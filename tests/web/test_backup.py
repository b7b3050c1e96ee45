"""Backup and restore: one file, restorable to an identical database on SQLite and PostgreSQL
(and from one to the other), refusing damaged files and non-empty targets."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from kaohe.cli.main import main
from kaohe.web.accounts import service as accounts
from kaohe.web.audit import verification
from kaohe.web.store.backup import BackupError, backup, dump, read_backup, restore, signature
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.migrate import is_current
from kaohe.web.store.models import Cycle, ResultSnapshot, User

KEY = "backup-signing-key-for-the-tests-0123456789"


def tables_of(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return dump(conn)


def test_it_restores_an_identical_database(
    demo_url: str, database_url: str, tmp_path: Path
) -> None:
    """demo (SQLite or PostgreSQL) → file → a new database (SQLite or PostgreSQL)."""
    source = open_engine(demo_url)
    target = open_engine(database_url)
    try:
        summary = backup(source, tmp_path / "demo.kaohe-backup", key=KEY)
        assert summary.rows["audit_log"] > 100
        restored = restore(target, tmp_path / "demo.kaohe-backup", key=KEY)
        assert restored.sha256 == summary.sha256
        assert is_current(target)
        assert tables_of(target) == tables_of(source)
        # the same file again, byte for byte in its content
        again = backup(target, tmp_path / "again.kaohe-backup", key=KEY)
        assert again.sha256 == summary.sha256
        with transaction(session_factory(target)) as s:
            assert verification.verify(s).ok
            # the ids continue after the restored ones (PostgreSQL's sequences were set)
            user = accounts.add_user(s, "after-restore", "a-long-password", "office")
            largest = max(u.id for u in s.execute(select(User)).scalars() if u is not user)
            assert user.id == largest + 1
        with transaction(session_factory(target)) as s:
            assert verification.verify(s).ok
    finally:
        source.dispose()
        target.dispose()


def test_it_keeps_datetimes_and_floats_exactly(engine: Engine, tmp_path: Path) -> None:
    when = datetime(2024, 2, 29, 23, 59, 58, 123457)
    with transaction(session_factory(engine)) as s:
        u = accounts.add_user(s, "wang", "a-long-password", "office")
        u.locked_until = when
        from kaohe.web.cycles import service as cycles

        text = (Path(__file__).resolve().parents[2] / "examples/ulanqab/scheme.yaml").read_text(
            encoding="utf-8"
        )
        cycle = cycles.create_cycle(s, cycles.store_scheme(s, text), "2024")
        s.add(ResultSnapshot(cycle_id=cycle.id, rows="[]", explain="{}", max_score=0.1 + 0.2))
    backup(engine, tmp_path / "b.zip", key=KEY)
    fresh = open_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        restore(fresh, tmp_path / "b.zip", key=KEY)
        with transaction(session_factory(fresh)) as s:
            user = s.execute(select(User).where(User.username == "wang")).scalar_one()
            assert user.locked_until == when
            assert user.active is True
            snap = s.execute(select(ResultSnapshot)).scalar_one()
            assert snap.max_score == 0.1 + 0.2  # 0.30000000000000004, not 0.3
            assert s.execute(select(Cycle)).scalar_one().revision == 1
        assert tables_of(fresh) == tables_of(engine)
    finally:
        fresh.dispose()


def test_it_refuses_a_database_holding_rows_unless_replace(
    demo_url: str, engine: Engine, tmp_path: Path
) -> None:
    source = open_engine(demo_url)
    try:
        backup(source, tmp_path / "demo.zip", key=KEY)
        with transaction(session_factory(engine)) as s:
            accounts.add_user(s, "someone", "a-long-password", "office")
        before = tables_of(engine)
        with pytest.raises(BackupError, match=r"not empty \(audit_head 1, audit_log 1.*--replace"):
            restore(engine, tmp_path / "demo.zip", key=KEY)
        assert tables_of(engine) == before
        restore(engine, tmp_path / "demo.zip", replace=True, key=KEY)
        assert tables_of(engine) == tables_of(source)
    finally:
        source.dispose()


def _rewrite(path: Path, change: Any) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    change(members)
    with zipfile.ZipFile(path, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)


def test_it_refuses_a_damaged_or_foreign_file(engine: Engine, tmp_path: Path) -> None:
    with transaction(session_factory(engine)) as s:
        accounts.add_user(s, "wang", "a-long-password", "office")
    path = tmp_path / "b.zip"
    backup(engine, path, key=KEY)
    read_backup(path, KEY)

    def tamper(m: dict[str, bytes]) -> None:
        m["tables.json"] = m["tables.json"].replace(b'"wang"', b'"zhao"')

    _rewrite(path, tamper)
    fresh = open_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with pytest.raises(BackupError, match="checksum does not match"):
            restore(fresh, path, key=KEY)
        assert not (tmp_path / "fresh.db").exists() or not is_current(fresh)
        (tmp_path / "x.zip").write_text("not a zip")
        with pytest.raises(BackupError, match="not a kaohe backup"):
            restore(fresh, tmp_path / "x.zip", key=KEY)
        with pytest.raises(BackupError, match="no such file"):
            restore(fresh, tmp_path / "missing.zip", key=KEY)
        backup(engine, path, key=KEY)

        def future(m: dict[str, bytes]) -> None:
            manifest = json.loads(m["manifest.json"])
            manifest["revision"] = "9999"
            manifest["hmac"] = signature(manifest, KEY)  # made by someone holding the key
            m["manifest.json"] = json.dumps(manifest).encode()

        _rewrite(path, future)
        with pytest.raises(BackupError, match="revision 9999, which this version of kaohe"):
            restore(fresh, path, key=KEY)
    finally:
        fresh.dispose()


def test_it_backs_up_and_restores_through_the_commands(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("KAOHE_DATABASE_URL", demo_url)
    monkeypatch.setenv("KAOHE_BACKUP_KEY", KEY)
    r = runner.invoke(main, ["backup", str(tmp_path / "demo.kaohe-backup")])
    assert r.exit_code == 0, r.output
    assert "backed up" in r.output
    assert "sha256" in r.output
    monkeypatch.setenv("KAOHE_DATABASE_URL", demo_url)
    r = runner.invoke(main, ["restore", str(tmp_path / "demo.kaohe-backup")])
    assert r.exit_code == 1
    assert "give --replace" in r.output
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    monkeypatch.setenv("KAOHE_DATABASE_URL", copy)
    r = runner.invoke(main, ["restore", str(tmp_path / "demo.kaohe-backup")])
    assert r.exit_code == 0, r.output
    assert "restored" in r.output
    r = runner.invoke(main, ["audit", "verify"])
    assert r.exit_code == 0
    assert "intact" in r.output
    r = runner.invoke(main, ["restore", str(tmp_path / "nothing")])
    assert r.exit_code == 1
    assert "no such file" in r.output
    assert "Example:" in runner.invoke(main, ["backup", "--help", "--lang", "en"]).output
    assert "Example:" in runner.invoke(main, ["restore", "--help", "--lang", "en"]).output


def test_a_signed_backup_detects_a_rewritten_checksum(engine: Engine, tmp_path: Path) -> None:
    """The probe's attack: change a password hash, recompute the SHA-256 — the signature,
    which needs the key, no longer verifies."""
    with transaction(session_factory(engine)) as s:
        accounts.add_user(s, "wang", "a-long-password", "office")
    path = tmp_path / "b.zip"
    backup(engine, path, key=KEY)

    def forge(m: dict[str, bytes]) -> None:
        import hashlib

        m["tables.json"] = m["tables.json"].replace(b"$argon2id$", b"$argon2id$x")
        manifest = json.loads(m["manifest.json"])
        manifest["sha256"] = hashlib.sha256(m["tables.json"]).hexdigest()
        m["manifest.json"] = json.dumps(manifest).encode()

    _rewrite(path, forge)
    fresh = open_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with pytest.raises(BackupError, match="signature does not verify"):
            restore(fresh, path, key=KEY)
        with pytest.raises(BackupError, match="set KAOHE_BACKUP_KEY"):
            restore(fresh, path)  # signed, but no key given
    finally:
        fresh.dispose()


def test_an_unsigned_backup_is_restored_only_when_told(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "plain.zip"
    assert not backup(engine, path).signed
    fresh = open_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        with pytest.raises(BackupError, match="not signed"):
            restore(fresh, path, key=KEY)
        assert restore(fresh, path, unsigned=True).total >= 0
    finally:
        fresh.dispose()
