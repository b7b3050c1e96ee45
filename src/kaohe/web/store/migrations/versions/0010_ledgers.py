"""ledgers (台账): the project register and its stage changes, follow-up matters and their
events, imports, talk lists closed, the board's public fields, reminders sent

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 15:31:27.356337
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_boards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle_id"),
    )
    op.create_table(
        "ledger_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("ledger", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=256), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledger_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_imports_cycle_id"), ["cycle_id"], unique=False)

    op.create_table(
        "ledger_list_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(length=128), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("matters", sa.Text(), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle_id", "batch"),
    )
    with op.batch_alter_table("ledger_list_closures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_list_closures_cycle_id"), ["cycle_id"], unique=False
        )

    op.create_table(
        "ledger_matters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("opened", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("units", sa.Text(), nullable=False),
        sa.Column("assisting", sa.Text(), nullable=False),
        sa.Column("leader", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.String(length=256), nullable=False),
        sa.Column("level", sa.String(length=64), nullable=False),
        sa.Column("batch", sa.String(length=128), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("milestones", sa.Text(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle_id", "code"),
    )
    with op.batch_alter_table("ledger_matters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_matters_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_matters_kind"), ["kind"], unique=False)

    op.create_table(
        "ledger_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("task_force", sa.String(length=128), nullable=False),
        sa.Column("sector", sa.String(length=128), nullable=False),
        sa.Column("level", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("total_investment", sa.Float(), nullable=True),
        sa.Column("planned_investment", sa.Float(), nullable=True),
        sa.Column("completed_investment", sa.Float(), nullable=True),
        sa.Column("monthly", sa.Text(), nullable=False),
        sa.Column("planned", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle_id", "code"),
    )
    with op.batch_alter_table("ledger_projects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_projects_cycle_id"), ["cycle_id"], unique=False)

    op.create_table(
        "ledger_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=256), nullable=False),
        sa.Column("subject", sa.String(length=256), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("sent_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledger_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_reminders_cycle_id"), ["cycle_id"], unique=False
        )

    op.create_table(
        "ledger_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["matter_id"],
            ["ledger_matters.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledger_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_events_matter_id"), ["matter_id"], unique=False)

    op.create_table(
        "ledger_stage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["ledger_projects.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledger_stage_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_stage_changes_project_id"), ["project_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_stage_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_stage_changes_project_id"))

    op.drop_table("ledger_stage_changes")
    with op.batch_alter_table("ledger_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_events_matter_id"))

    op.drop_table("ledger_events")
    with op.batch_alter_table("ledger_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_reminders_cycle_id"))

    op.drop_table("ledger_reminders")
    with op.batch_alter_table("ledger_projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_projects_cycle_id"))

    op.drop_table("ledger_projects")
    with op.batch_alter_table("ledger_matters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_matters_kind"))
        batch_op.drop_index(batch_op.f("ix_ledger_matters_cycle_id"))

    op.drop_table("ledger_matters")
    with op.batch_alter_table("ledger_list_closures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_list_closures_cycle_id"))

    op.drop_table("ledger_list_closures")
    with op.batch_alter_table("ledger_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_imports_cycle_id"))

    op.drop_table("ledger_imports")
    op.drop_table("ledger_boards")
