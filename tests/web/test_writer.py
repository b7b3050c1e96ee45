"""The writer (group commit): saves waiting together share one transaction, each in its own
savepoint; a failing save is undone alone; nothing is answered before its commit."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import pytest
from fastapi import HTTPException
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from starlette.responses import PlainTextResponse, Response

from kaohe.web.audit import chain as audit
from kaohe.web.audit import verification
from kaohe.web.store import writer
from kaohe.web.store.engine import session_factory
from kaohe.web.store.models import AuditEntry


def entries(engine: Engine) -> list[tuple[str, str]]:
    with session_factory(engine)() as s:
        rows = s.execute(select(AuditEntry.target, AuditEntry.address).order_by(AuditEntry.seq))
        return [(str(t), str(a)) for t, a in rows]


def chain_ok(engine: Engine) -> bool:
    with session_factory(engine)() as s:
        return verification.verify(s).ok


def bad_statement(session: Session) -> Response:
    """A save whose statement the database refuses (after it wrote an entry)."""
    audit.record(session, "tester", "test.write", "bad")
    session.connection().execute(text("SELECT * FROM no_such_table"))
    return PlainTextResponse("unreachable")


def save(name: str, fail: BaseException | None = None, refuse: bool = False) -> writer.Save:
    """A save that records one audit entry, then fails, refuses or answers its name."""

    def run(session: Session) -> Response:
        audit.record(session, "tester", "test.write", name)
        if fail is not None:
            raise fail
        if refuse:

            def answer(s: Session) -> Response:  # rendered after the rollback: sees no entry
                n = s.execute(select(func.count()).where(AuditEntry.target == name)).scalar_one()
                return PlainTextResponse(f"refused {name} ({n} entries)", status_code=409)

            raise writer.Refused(answer)
        return PlainTextResponse(name)

    return run


async def submit_all(sessions: sessionmaker[Session], saves: list[writer.Save]) -> list[Any]:
    async def one(s: writer.Save, address: str) -> Any:
        audit.ADDRESS.set(address)  # each request's own address (a task's own context)
        try:
            return bytes((await writer.run(sessions, s)).body).decode()
        except Exception as exc:
            return exc

    return await asyncio.gather(*(one(s, f"10.0.0.{i}") for i, s in enumerate(saves)))


def test_saves_waiting_together_share_one_transaction(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[int] = []
    real = writer.run_batch

    def counting(sessions: Any, jobs: list[Any]) -> Any:
        batches.append(len(jobs))
        return real(sessions, jobs)

    monkeypatch.setattr(writer, "run_batch", counting)
    out = asyncio.run(submit_all(session_factory(engine), [save(f"s{i}") for i in range(20)]))
    assert out == [f"s{i}" for i in range(20)]
    assert sum(batches) == 20
    assert len(batches) < 20
    assert entries(engine) == [(f"s{i}", f"10.0.0.{i}") for i in range(20)]  # their addresses
    assert chain_ok(engine)


def test_a_failing_save_is_undone_alone(engine: Engine) -> None:
    saves = [
        save("a"),
        save("b", fail=HTTPException(403, "no")),
        save("c", refuse=True),
        save("d", fail=ValueError("bad")),
        bad_statement,
        save("e"),
    ]
    out = asyncio.run(submit_all(session_factory(engine), saves))
    assert out[0] == "a"
    assert isinstance(out[4], DBAPIError)
    assert out[5] == "e"
    assert isinstance(out[1], HTTPException)
    assert out[1].status_code == 403
    assert out[2] == "refused c (0 entries)"
    assert isinstance(out[3], ValueError)
    assert [t for t, _ in entries(engine)] == ["a", "e"]
    assert chain_ok(engine)  # the head was rolled back with each undone entry


def test_a_batch_that_fails_twice_runs_each_save_again_alone(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed: list[int] = []
    real_commit = SessionTransaction.commit

    def commit(self: SessionTransaction, **kw: Any) -> Any:
        if not self.nested and len(failed) < 2:  # the batch's commit fails, twice
            failed.append(1)
            raise RuntimeError("the database went away")
        return real_commit(self, **kw)

    monkeypatch.setattr(SessionTransaction, "commit", commit)
    jobs = [writer._Job(save(n), contextvars.copy_context(), None) for n in "xyz"]  # type: ignore[arg-type]
    outcomes = writer.run_batch(session_factory(engine), jobs)
    assert [bytes(o.response.body).decode() for o in outcomes if o.response] == ["x", "y", "z"]
    assert [t for t, _ in entries(engine)] == ["x", "y", "z"]
    assert chain_ok(engine)


def test_savepoints_only_when_a_save_fails(engine: Engine) -> None:
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]).split()[0].upper())

    event.listen(engine, "before_cursor_execute", seen)
    try:
        sessions = session_factory(engine)
        jobs = [writer._Job(save(n), contextvars.copy_context(), None) for n in "pq"]  # type: ignore[arg-type]
        assert [o.response is not None for o in writer.run_batch(sessions, jobs)] == [True, True]
        assert "SAVEPOINT" not in statements
        jobs = [
            writer._Job(s, contextvars.copy_context(), None)  # type: ignore[arg-type]
            for s in (save("r"), save("s", fail=ValueError("no")))
        ]
        outcomes = writer.run_batch(sessions, jobs)
        assert outcomes[0].response is not None
        assert isinstance(outcomes[1].error, ValueError)
        assert statements.count("SAVEPOINT") == 2
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [t for t, _ in entries(engine)] == ["p", "q", "r"]
    assert chain_ok(engine)
