"""Alembic environment: the one model registry, the URL from the settings, batch mode for SQLite."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import pool
from sqlmodel import create_engine

from app.core.config import Settings
from app.core.db import UTCDateTime
from app.models import is_model_object, metadata

config = context.config
url = config.attributes.get("database_url") or Settings().database_url


def render_item(type_: str, obj: Any, _context: Any) -> str | bool:
    # A migration must not import the application: UTC handling is Python-side, the column is DATETIME.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        compare_type=True,
        include_name=is_model_object,
        render_item=render_item,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            compare_type=True,
            include_name=is_model_object,
            render_item=render_item,
            # SQLite cannot ALTER most things: batch mode copies the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
