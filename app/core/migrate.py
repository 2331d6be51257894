"""Alembic, driven from the code: `planner migrate` works from any directory.

The migration scripts live in `migrations/` at the project root, beside `app/` (the project is
installed in place, `pip install -e .`, so this folder is always reachable).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import NullPool, create_engine

from app.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(settings: Settings) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    # Passed as an attribute, not an ini option: a password may hold `%`, which ini interpolation eats.
    config.attributes["database_url"] = settings.database_url
    # A migration that encrypts stored secrets uses the server's key.
    config.attributes["secret_key"] = settings.secret_key
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings), revision)


def is_current(settings: Settings) -> bool:
    """True when the database is at the latest migration (raises SQLAlchemyError when unreachable)."""
    config = alembic_config(settings)
    head = ScriptDirectory.from_config(config).get_current_head()
    engine = create_engine(settings.database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision() == head
    finally:
        engine.dispose()
