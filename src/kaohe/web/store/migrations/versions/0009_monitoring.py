"""monitoring: a value's period ('' for the annual value) and accepted data warnings

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# names for the constraints 0001 left unnamed, so that batch mode (SQLite) can drop them
NAMING = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
OLD_UNIQUE = {"postgresql": "values_cycle_id_unit_column_version_key"}


def _old_unique() -> str:
    dialect = op.get_bind().dialect.name
    return OLD_UNIQUE.get(dialect, "uq_values_cycle_id_unit_column_version")


def upgrade() -> None:
    old = _old_unique()
    with op.batch_alter_table("values", schema=None, naming_convention=NAMING) as batch_op:
        batch_op.add_column(
            sa.Column("period", sa.String(length=32), server_default=sa.text("''"), nullable=False)
        )
        batch_op.drop_constraint(old, type_="unique")
        batch_op.create_unique_constraint(
            "uq_values_cell", ["cycle_id", "unit", "column", "period", "version"]
        )
    op.create_table(
        "warning_acceptances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("indicator", sa.String(length=128), nullable=False),
        sa.Column("check", sa.String(length=32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("accepted_by", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["accepted_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle_id", "period", "unit", "indicator", "check"),
    )
    with op.batch_alter_table("warning_acceptances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_warning_acceptances_cycle_id"), ["cycle_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("warning_acceptances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_acceptances_cycle_id"))
    op.drop_table("warning_acceptances")
    with op.batch_alter_table("values", schema=None) as batch_op:
        batch_op.drop_constraint("uq_values_cell", type_="unique")
        batch_op.create_unique_constraint(
            "values_cycle_id_unit_column_version_key", ["cycle_id", "unit", "column", "version"]
        )
        batch_op.drop_column("period")
