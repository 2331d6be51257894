"""networks, api keys, structures, tenders, lots and sites

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 07:32:47.561478
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('network',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('network', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_slug'), ['slug'], unique=True)

    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_key_digest'), ['digest'], unique=True)
        batch_op.create_index(batch_op.f('ix_api_key_network_id'), ['network_id'], unique=False)

    op.create_table('structure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('siret', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('commune_insee', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('territory', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('annual_turnover_eur', sa.Float(), nullable=False),
    sa.Column('insertion_fte', sa.Float(), nullable=True),
    sa.Column('can_lead', sa.Boolean(), nullable=False),
    sa.Column('max_distance_km', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('network_id', 'siret', 'kind', name='uq_structure_network_siret_kind')
    )
    with op.batch_alter_table('structure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_structure_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_structure_network_id'), ['network_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_structure_siret'), ['siret'], unique=False)
        batch_op.create_index(batch_op.f('ix_structure_territory'), ['territory'], unique=False)

    op.create_table('tender',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('buyer', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cpv_codes', sa.JSON(), nullable=False),
    sa.Column('reserved', sa.Boolean(), nullable=False),
    sa.Column('insertion_hours', sa.Float(), nullable=True),
    sa.Column('deadline', sa.DateTime(), nullable=True),
    sa.Column('execution_start', sa.Date(), nullable=True),
    sa.Column('execution_end', sa.Date(), nullable=True),
    sa.Column('estimated_value_eur', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('network_id', 'reference', name='uq_tender_network_reference')
    )
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_network_id'), ['network_id'], unique=False)

    op.create_table('lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('trade', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cpv', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tender_id', 'ref', name='uq_lot_tender_ref')
    )
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_tender_id'), ['tender_id'], unique=False)

    op.create_table('structure_capacity',
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('trade', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('structure_id', 'trade')
    )
    with op.batch_alter_table('structure_capacity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_structure_capacity_trade'), ['trade'], unique=False)

    op.create_table('site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('commune', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('territory', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('value_eur', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tender_id', 'ref', name='uq_site_tender_ref')
    )
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_tender_id'), ['tender_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_tender_id'))
        batch_op.drop_index(batch_op.f('ix_site_lot_id'))

    op.drop_table('site')
    with op.batch_alter_table('structure_capacity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_structure_capacity_trade'))

    op.drop_table('structure_capacity')
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_tender_id'))

    op.drop_table('lot')
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_network_id'))
        batch_op.drop_index(batch_op.f('ix_tender_kind'))

    op.drop_table('tender')
    with op.batch_alter_table('structure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_structure_territory'))
        batch_op.drop_index(batch_op.f('ix_structure_siret'))
        batch_op.drop_index(batch_op.f('ix_structure_network_id'))
        batch_op.drop_index(batch_op.f('ix_structure_kind'))

    op.drop_table('structure')
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_key_network_id'))
        batch_op.drop_index(batch_op.f('ix_api_key_digest'))

    op.drop_table('api_key')
    with op.batch_alter_table('network', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_slug'))

    op.drop_table('network')
