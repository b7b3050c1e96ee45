"""The writer: data-entry saves of one process run together, a batch per transaction.

Every save appends to the one audit chain, so the database serialises saves on the chain's head
anyway. Instead of one transaction per save (lock the head, write, commit: each save waits for
the previous one's commit), the saves waiting at a moment are run one after the other in one
transaction and committed together (*group commit*):

- a save that fails (a refusal, a conflict, any exception) is undone alone and answered with
  its own error; the others are not touched: the batch is run again with each save in its own
  savepoint (the first try has none: they cost two statements per save, and a save rarely
  fails);
- every save is answered only after the commit that holds it: nothing is reported saved that
  is not;
- if the commit itself fails, each save of the batch is run again alone, in its own transaction,
  so that one bad save cannot lose the others.

A save is a function of the batch's session that returns the response to send; it must not
commit. It runs in a worker thread, in the context (``contextvars``) of its own request, so
that the audit entries it writes carry its request's address. Batches run one at a time per
event loop (at most ``MAX_BATCH`` saves each), in a worker thread (the event loop goes on serving
meanwhile).
"""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio.to_thread
from anyio import CapacityLimiter
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from starlette.responses import Response

from kaohe.web.audit import chain as audit

Save = Callable[[Session], Response]
MAX_BATCH = 64


class Refused(Exception):  # noqa: N818 — a save's answer, not an error of the writer
    """Raised by a save to undo what it wrote and answer ``render(session)`` instead (rendered
    after its savepoint is rolled back)."""

    def __init__(self, render: Save) -> None:
        super().__init__("refused")
        self.render = render


@dataclass
class _Job:
    save: Save
    context: contextvars.Context
    future: asyncio.Future[Response]


@dataclass
class _Outcome:
    response: Response | None = None
    error: BaseException | None = None


@dataclass
class _Queue:
    """The saves of one event loop waiting for a batch, and whether a batch is running."""

    pending: list[_Job] = field(default_factory=list)
    busy: bool = False
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


# one per event loop (a limiter and futures belong to the loop they were made in)
_QUEUES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = weakref.WeakKeyDictionary()
_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def limiter() -> CapacityLimiter:
    """The event loop's writer's own thread token (one batch runs at a time anyway): batches
    never wait for the shared pool's tokens, which sync routes and dependencies may hold."""
    loop = asyncio.get_running_loop()
    found = _LIMITERS.get(loop)
    if found is None:
        found = _LIMITERS[loop] = CapacityLimiter(1)
    return found


async def run(sessions: sessionmaker[Session], save: Save) -> Response:
    """Run ``save`` in the next batch and answer what it returned (or raise what it raised)."""
    loop = asyncio.get_running_loop()
    queue = _QUEUES.get(loop)
    if queue is None:
        queue = _QUEUES[loop] = _Queue()
    job = _Job(save, contextvars.copy_context(), loop.create_future())
    queue.pending.append(job)
    if not queue.busy:
        queue.busy = True
        task = loop.create_task(_drain(queue, sessions))
        queue.tasks.add(task)  # held until done (the loop keeps only weak references)
        task.add_done_callback(queue.tasks.discard)
    return await job.future


async def _drain(queue: _Queue, sessions: sessionmaker[Session]) -> None:
    """Run batches until no save is waiting. The last batch's answers are given after the
    queue is marked idle and with no await after them, so the task has ended by the time the
    requests it answers go on."""
    try:
        while queue.pending:
            batch, queue.pending = queue.pending[:MAX_BATCH], queue.pending[MAX_BATCH:]
            try:
                outcomes = await anyio.to_thread.run_sync(
                    run_batch, sessions, batch, limiter=limiter()
                )
            except BaseException as exc:  # cancelled, or the thread could not run
                outcomes = [_Outcome(error=exc)] * len(batch)
            if not queue.pending:
                queue.busy = False
            for job, outcome in zip(batch, outcomes, strict=True):
                _answer(job, outcome)
    finally:
        if queue.busy and not queue.pending:
            queue.busy = False


def _answer(job: _Job, outcome: _Outcome) -> None:
    if job.future.done():  # its request was cancelled meanwhile
        return
    if outcome.error is not None:
        job.future.set_exception(outcome.error)
    else:
        assert outcome.response is not None
        job.future.set_result(outcome.response)


def run_batch(sessions: sessionmaker[Session], jobs: list[_Job]) -> list[_Outcome]:
    """The saves in one transaction, committed together. First as they come, with no savepoint
    (a save that fails is rare, and savepoints cost two statements per save); if any save fails,
    or the commit does, nothing of the batch is written and it is run again with a savepoint
    per save (:func:`run_in_savepoints`)."""
    try:
        with sessions() as session, session.begin():
            _open(session)
            responses = [job.context.run(job.save, session) for job in jobs]
            audit.write_head(session)
    except Exception:
        return run_in_savepoints(sessions, jobs)
    return [_Outcome(response=r) for r in responses]


def run_in_savepoints(sessions: sessionmaker[Session], jobs: list[_Job]) -> list[_Outcome]:
    """The saves in one transaction, each in a savepoint (one that fails is undone alone);
    committed together. If the transaction fails as a whole, each save is run again in a
    transaction of its own."""
    outcomes: list[_Outcome] = []
    try:
        with sessions() as session, session.begin():
            _open(session)
            for job in jobs:
                outcomes.append(_run_one(session, job))
            audit.write_head(session)
    except Exception as exc:
        if len(jobs) == 1:
            return [_Outcome(error=exc)]
        return [run_in_savepoints(sessions, [job])[0] for job in jobs]
    return outcomes


def _open(session: Session) -> None:
    audit.lock(session)  # the chain is ours until the commit
    session.info[audit.DEFER_HEAD] = True  # the head row once, at the end


def _run_one(session: Session, job: _Job) -> _Outcome:
    head = audit.lock(session)
    before = (head.seq, head.hash)
    savepoint = session.begin_nested()
    try:
        response = job.context.run(job.save, session)
        savepoint.commit()
        return _Outcome(response=response)
    except Refused as refusal:
        _undo(savepoint, head, before)
        try:
            return _Outcome(response=job.context.run(refusal.render, session))
        except Exception as exc:
            return _Outcome(error=exc)
    except Exception as exc:
        _undo(savepoint, head, before)
        return _Outcome(error=exc)


def _undo(savepoint: SessionTransaction, head: audit.Head, before: tuple[int, str]) -> None:
    """Roll the save back to its savepoint (also after a failed statement, which leaves it
    inactive until rolled back), and the chain's head as this transaction holds it. If even
    that fails, the caller's transaction fails, and each save is run alone."""
    savepoint.rollback()
    head.seq, head.hash = before
