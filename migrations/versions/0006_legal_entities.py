"""structures as legal entities (legal form, insertion rate, ACI figures, mise à disposition) and lots
with their kind, reservation, insertion hours and essential flag

Revision ID: 0006_legal_entities
Revises: 0005_api_key_lifecycle
Create Date: 2026-11-29 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006_legal_entities"
down_revision: str | None = "0005_api_key_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STRUCTURE_FLOATS = (
    "insertion_rate",
    "annual_charges_eur",
    "commercial_revenue_eur",
    "aci_cap_rate",
    "mad_rate_eur_per_hour",
)


def upgrade() -> None:
    with op.batch_alter_table("structure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_form", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        for name in _STRUCTURE_FLOATS:
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("mad_staff", sa.Integer(), nullable=True))

    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("reserved", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("insertion_hours", sa.Float(), nullable=True))
        # Lots stored before this revision are not essential (CCP L2193-3: the buyer says which are).
        batch_op.add_column(sa.Column("essential", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("lot", schema=None) as batch_op:
        for name in ("essential", "insertion_hours", "reserved", "kind"):
            batch_op.drop_column(name)

    with op.batch_alter_table("structure", schema=None) as batch_op:
        for name in ("mad_staff", *reversed(_STRUCTURE_FLOATS), "legal_form"):
            batch_op.drop_column(name)
