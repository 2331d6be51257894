"""webhook secrets encrypted at rest, and the previous secret kept during a rotation's overlap

Revision ID: 0008_webhook_secrets_sealed
Revises: 0007_idempotency_keys
Create Date: 2026-11-29 04:30:00

The secrets stored in clear (`whsec_...`) are encrypted with the server's SECRET_KEY (Fernet);
downgrading decrypts them again.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import context, op
from cryptography.fernet import Fernet

revision: str = "0008_webhook_secrets_sealed"
down_revision: str | None = "0007_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLEAR_PREFIX = "whsec_"

webhook = sa.table("webhook", sa.column("id", sa.Integer), sa.column("secret", sa.String))


def _fernet() -> Fernet:
    key = context.config.attributes.get("secret_key")
    if not key:
        # Run by the `alembic` command rather than `planner migrate`: the same settings.
        from app.core.config import Settings

        key = Settings().secret_key
    return Fernet(key)


def _rewrite(change: Callable[[str], str | None]) -> None:
    conn = op.get_bind()
    for hook_id, secret in conn.execute(sa.select(webhook.c.id, webhook.c.secret)).all():
        new = change(secret)
        if new is not None:
            conn.execute(sa.update(webhook).where(webhook.c.id == hook_id).values(secret=new))


def upgrade() -> None:
    with op.batch_alter_table("webhook", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_secret", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("previous_secret_until", sa.DateTime(), nullable=True))
    fernet = _fernet()
    _rewrite(
        lambda s: fernet.encrypt(s.encode()).decode() if s.startswith(CLEAR_PREFIX) else None
    )


def downgrade() -> None:
    fernet = _fernet()
    _rewrite(lambda s: None if s.startswith(CLEAR_PREFIX) else fernet.decrypt(s.encode()).decode())
    with op.batch_alter_table("webhook", schema=None) as batch_op:
        batch_op.drop_column("previous_secret_until")
        batch_op.drop_column("previous_secret")
