"""a tender imported without workload is a draft: sites may lack hours; the OCDS ocid and the buyer's SIRET

Revision ID: 0004_tender_drafts
Revises: 0003_webhooks
Create Date: 2026-11-29 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004_tender_drafts"
down_revision: str | None = "0003_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tender", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ocid", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("buyer_siret", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.alter_column("hours", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    # A draft's sites have no workload yet: they cannot be kept under a NOT NULL column.
    op.execute("DELETE FROM site WHERE hours IS NULL")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.alter_column("hours", existing_type=sa.Float(), nullable=False)
    with op.batch_alter_table("tender", schema=None) as batch_op:
        batch_op.drop_column("buyer_siret")
        batch_op.drop_column("ocid")
