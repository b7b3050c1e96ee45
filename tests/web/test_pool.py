"""Pooled PostgreSQL connections: one that sat idle is tested before reuse, and a dead one is
replaced instead of failing the request."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine, text

from kaohe.web.store import engine as engine_


def test_a_dead_idle_connection_is_replaced(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the idle test applies to PostgreSQL (SQLite has no server to lose)")
    with engine.connect() as conn:
        first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        record = conn.connection._connection_record
    assert record is not None
    other = create_engine(engine.url)  # another client ends the pooled one's server process
    with other.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        admin.commit()
    other.dispose()
    record.info["kaohe_idle_since"] -= engine_.PING_AFTER_SECONDS + 1  # as if it sat idle
    with engine.connect() as conn:
        second = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    assert second != first
