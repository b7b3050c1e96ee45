"""The audit log: every write recorded, and any tampering with the chain detected."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, delete, select, update

from kaohe.cli.main import main
from kaohe.web.audit import chain as audit
from kaohe.web.audit import verification
from kaohe.web.store.engine import session_factory, transaction
from kaohe.web.store.models import AuditEntry


def write(engine: Engine, n: int) -> None:
    with transaction(session_factory(engine)) as s:
        for k in range(n):
            audit.record(
                s,
                "alice",
                "value.submit",
                f"cycle:1/u{k}/x",
                before=None,
                after={"raw": str(k)},
                address="127.0.0.1",
            )


def verify(engine: Engine) -> verification.Verification:
    with transaction(session_factory(engine)) as s:
        return verification.verify(s)


def test_it_chains_every_entry_to_the_one_before(engine: Engine) -> None:
    write(engine, 5)
    result = verify(engine)
    assert result.ok
    assert result.entries == 5
    assert result.head_seq == 5
    with transaction(session_factory(engine)) as s:
        entries = s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
        assert entries[0].prev_hash == audit.GENESIS
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))


TAMPERING: dict[str, Any] = {
    "changed": lambda s: s.execute(
        update(AuditEntry).where(AuditEntry.seq == 3).values(after='{"raw":"999"}')
    ),
    "removed": lambda s: s.execute(delete(AuditEntry).where(AuditEntry.seq == 3)),
    "last removed": lambda s: s.execute(delete(AuditEntry).where(AuditEntry.seq == 5)),
    "reordered": lambda s: (
        s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(seq=-2)),
        s.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(seq=2)),
        s.execute(update(AuditEntry).where(AuditEntry.seq == -2).values(seq=4)),
    ),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_it_detects_tampering(engine: Engine, how: str) -> None:
    write(engine, 5)
    with transaction(session_factory(engine)) as s:
        TAMPERING[how](s)
    result = verify(engine)
    assert not result.ok
    assert result.breaks


def test_kaohe_audit_verify_says_where_it_is_broken(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(engine, 4)
    monkeypatch.setenv("KAOHE_DATABASE_URL", database_url)
    ok = CliRunner().invoke(main, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "intact: 4 entries" in ok.output
    with transaction(session_factory(engine)) as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="mallory"))
    broken = CliRunner().invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "entry 2: its content was changed" in broken.output


def test_a_failed_write_leaves_no_entry(engine: Engine) -> None:
    write(engine, 1)

    def failing() -> None:
        with transaction(session_factory(engine)) as s:
            audit.record(s, "bob", "value.submit", "cycle:1/u/x")
            raise RuntimeError("the write fails")

    with pytest.raises(RuntimeError):
        failing()
    result = verify(engine)
    assert result.ok
    assert result.entries == 1


def test_it_detects_data_changed_outside_kaohe(engine: Engine) -> None:
    """The probe's finding: editing ``values.raw`` directly was not detected. Now every row the
    log records is checked against it — values, objections, snapshots, scheme versions."""
    from kaohe.web.demo import load_demo
    from kaohe.web.store.models import ResultSnapshot, SchemeVersion, Value

    load_demo(engine)
    assert verify(engine).ok
    value = Value.__table__.c
    tampering = [
        (update(Value).where(value.id == 1).values(raw="99.9"), "raw is '99.9'"),
        (update(Value).where(value.id == 2).values(state="submitted"), "state is 'submitted'"),
        (update(Value).where(value.id == 3).values(note="改过"), "note is '改过'"),
        (
            update(ResultSnapshot).where(ResultSnapshot.id == 1).values(rows="[]"),
            "results snapshot 1: its content was changed",
        ),
        (
            update(SchemeVersion).where(SchemeVersion.id == 1).values(text="name: forged"),
            "scheme version 1: its text was changed",
        ),
        (delete(Value).where(value.id == 4), "in the log, not in the database"),
    ]
    for statement, expected in tampering:
        with transaction(session_factory(engine)) as s:
            s.execute(statement)
        result = verify(engine)
        assert not result.ok
        assert any(expected in b.problem for b in result.breaks), result.breaks
    r = CliRunner().invoke(
        main,
        ["audit", "verify"],
        env={"KAOHE_DATABASE_URL": engine.url.render_as_string(hide_password=False)},
    )
    assert r.exit_code == 1
    assert "changed outside Kaohe" in r.output
