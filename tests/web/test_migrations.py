"""The ORM models and the Alembic migrations agree: a database made by ``kaohe db upgrade`` is
the schema the models describe (autogenerate's ``compare_metadata`` finds no difference), on
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, Index, Integer, MetaData, String, Table, inspect

from kaohe.web.store.migrate import is_current
from kaohe.web.store.models import Base


def differences(engine: Engine, metadata: MetaData) -> list[Any]:
    """What autogenerate would write to bring the database to ``metadata``: tables, columns,
    types, nullability, server defaults, indexes, unique and foreign-key constraints."""
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def test_the_migrated_database_is_what_the_models_describe(engine: Engine) -> None:
    assert is_current(engine)
    assert differences(engine, Base.metadata) == []
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set(Base.metadata.tables)


def test_a_model_the_migrations_lack_is_found(engine: Engine) -> None:
    """The comparison sees a column, an index and a table the migrations never made."""
    changed = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    values = changed.tables["values"]
    values.append_column(Column("checked_by", String(64)))
    Index("ix_no_incidents_unit", changed.tables["no_incidents"].c.unit)
    Table("ledgers_to_come", changed, Column("id", Integer, primary_key=True))
    found = {(d[0], _name(d)) for d in differences(engine, changed)}
    assert found == {
        ("add_column", "checked_by"),
        ("add_index", "ix_no_incidents_unit"),
        ("add_table", "ledgers_to_come"),
    }


def _name(diff: tuple[Any, ...]) -> str:
    """The name of what one difference adds: a column, an index or a table."""
    if diff[0] == "add_column":
        return str(diff[3].name)
    return str(diff[1].name)
