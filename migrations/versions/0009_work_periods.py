"""work windows of lots and sites, a structure's hours per month or per week

Revision ID: 0009_work_periods
Revises: 0008_webhook_secrets_sealed
Create Date: 2026-11-29 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_work_periods"
down_revision: str | None = "0008_webhook_secrets_sealed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("windows", sa.JSON(), nullable=True))
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("windows", sa.JSON(), nullable=True))
    with op.batch_alter_table("structure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("availability", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("structure", schema=None) as batch_op:
        batch_op.drop_column("availability")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_column("windows")
    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.drop_column("windows")
