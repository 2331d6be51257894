"""plans, and on PostgreSQL the procrastinate job queue

Revision ID: 0002_plans
Revises: 0001
Create Date: 2026-11-26 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002_plans"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Drops every object of procrastinate's schema (functions, tables, types), whatever its version.
_DROP_PROCRASTINATE = """
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE p.proname LIKE 'procrastinate%' AND n.nspname = current_schema() LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || r.f || ' CASCADE';
    END LOOP;
    FOR r IN SELECT tablename FROM pg_tables
             WHERE tablename LIKE 'procrastinate%' AND schemaname = current_schema() LOOP
        EXECUTE 'DROP TABLE IF EXISTS ' || quote_ident(r.tablename) || ' CASCADE';
    END LOOP;
    -- Left once the tables are gone: the enums and the standalone composite types.
    FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE t.typname LIKE 'procrastinate%' AND t.typtype IN ('e', 'c')
               AND n.nspname = current_schema() LOOP
        EXECUTE 'DROP TYPE IF EXISTS ' || quote_ident(r.typname) || ' CASCADE';
    END LOOP;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("progress", sa.JSON(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("replan_of", sa.Integer(), nullable=True),
        sa.Column("withdrawn", sa.JSON(), nullable=True),
        sa.Column("accepted_rank", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("worker", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["network_id"], ["network.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tender_id"], ["tender.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["replan_of"], ["plan.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_network_id"), ["network_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_tender_id"), ["tender_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_plan_one_accepted_per_tender",
            ["tender_id"],
            unique=True,
            sqlite_where=sa.text("accepted_rank IS NOT NULL"),
            postgresql_where=sa.text("accepted_rank IS NOT NULL"),
        )

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # Straight to psycopg without parameters, so the `%` in procrastinate's SQL stays as written.
        bind.connection.driver_connection.execute(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(_DROP_PROCRASTINATE)
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_one_accepted_per_tender")
        batch_op.drop_index(batch_op.f("ix_plan_status"))
        batch_op.drop_index(batch_op.f("ix_plan_tender_id"))
        batch_op.drop_index(batch_op.f("ix_plan_network_id"))
    op.drop_table("plan")
