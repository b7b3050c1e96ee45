"""The database engine and sessions of the platform: SQLite tuned for one writer and
many readers, PostgreSQL pooled; every writing session takes the audit head's lock first."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Engine,
    create_engine,
    event,
)
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

# as many connections as the application's worker threads (40 in AnyIO's default pool)
POOL_SIZE, POOL_OVERFLOW = 20, 30


def open_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and one writer at a time."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False},
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi: Any, _: Any) -> None:
            dbapi.isolation_level = None  # transactions are begun below, IMMEDIATE
            cur = dbapi.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if url not in ("sqlite://", "sqlite:///:memory:"):
                cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # writers take the write lock at once (no deadlock upgrading a read lock);
            # a request that only reads (GET) begins deferred and never waits for writers
            read = conn.get_execution_options().get("kaohe_read", False)
            conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    _ping_when_idle(engine)
    return engine


#: a pooled connection idle for longer than this is tested before it is handed out again
PING_AFTER_SECONDS = 2.0


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before reuse only if it sat idle: a dead one (the server
    restarted, a firewall dropped it) is replaced instead of failing a request. SQLAlchemy's
    ``pool_pre_ping`` tests on every checkout — one more round trip per request under load,
    when connections are reused within milliseconds. A connection that breaks mid-use fails
    that request only: the pool then discards every connection made before the failure."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_: Any, record: Any) -> None:
        record.info["kaohe_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi: Any, record: Any, _: Any) -> None:
        since = record.info.get("kaohe_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi)  # what pool_pre_ping runs
        except Exception as exc:  # the pool makes a new connection and tries again
            raise DisconnectionError(str(exc)) from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions of the platform: every one that flushes a change takes the audit head's lock
    first (``kaohe.web.audit.first_lock``: one order of locks for every writer)."""
    from kaohe.web.audit.chain import first_lock

    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "before_flush", first_lock)
    return factory


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back (nothing written) on error."""
    with factory() as session, session.begin():
        yield session
