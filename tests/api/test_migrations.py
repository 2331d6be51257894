"""The migrations build the schema the models describe, and go down and up again, on the test database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from app.core import migrate
from app.core.config import Settings
from app.models import is_model_object, metadata


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": is_model_object}
        )
        assert compare_metadata(context, metadata) == []


def test_upgrade_downgrade_upgrade(settings: Settings, engine: Engine) -> None:
    assert set(metadata.tables) <= tables(engine)
    migrate.downgrade(settings, "base")
    assert tables(engine) == {"alembic_version"}
    migrate.upgrade(settings)
    queue = {
        "procrastinate_jobs",
        "procrastinate_workers",
        "procrastinate_events",
        "procrastinate_periodic_defers",
    }
    assert tables(engine) == set(metadata.tables) | {"alembic_version"} | (
        set() if settings.is_sqlite else queue
    )
