"""portfolio acceptance: the portfolio's accepted time, and the plan that holds each tender's grouping

Revision ID: 0012_portfolio_acceptance
Revises: 0011_portfolios
Create Date: 2026-11-29 10:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_portfolio_acceptance"
down_revision: str | None = "0011_portfolios"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("portfolio", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepted_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("portfolio_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_plan_portfolio_id"), ["portfolio_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_plan_portfolio_id_portfolio", "portfolio", ["portfolio_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_constraint("fk_plan_portfolio_id_portfolio", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_plan_portfolio_id"))
        batch_op.drop_column("portfolio_id")
    with op.batch_alter_table("portfolio", schema=None) as batch_op:
        batch_op.drop_column("accepted_at")
