"""A database of the demo's own, so that no runner of the API tests picks up the demo's plans.

On SQLite a fresh file per test module; on PostgreSQL (TEST_DATABASE_URL) the shared test database,
emptied before and after.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from app.core import migrate
from app.core.config import Settings
from app.core.db import make_engine
from tests.conftest import empty_tables


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    settings = Settings(database_url=url, environment="development")
    migrate.upgrade(settings)
    engine = make_engine(settings)
    empty_tables(engine)
    yield engine
    empty_tables(engine)
    engine.dispose()
