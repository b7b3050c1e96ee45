"""Alembic environment: run by ``kaohe db upgrade`` (kaohe.web.store.migrate), online only."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from kaohe.web.store.engine import open_engine
from kaohe.web.store.models import Base

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = open_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        run(conn)
    engine.dispose()
