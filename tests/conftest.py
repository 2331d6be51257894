"""Database fixtures: a temporary SQLite file per test session, or PostgreSQL when TEST_DATABASE_URL is set.

The database is migrated once per session (by the real migrations); tables are emptied between tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.core import migrate
from app.core.config import Settings
from app.main import create_app
from app.models import metadata
from app.networks.models import Role
from app.networks.service import create_key, get_or_create_network

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'planner.db'}"
    # Many tests send wrong keys on purpose: the limit on refused keys is tested on its own app. The
    # webhook receivers of the tests listen on 127.0.0.1: allowed here, and only here, explicitly.
    settings = Settings(
        database_url=url,
        environment="development",
        auth_failure_limit=100_000,
        webhook_allow_private_targets=True,
    )
    migrate.upgrade(settings)
    return settings


@pytest.fixture(scope="session")
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture(scope="session")
def engine(app: FastAPI) -> Engine:
    engine: Engine = app.state.engine
    return engine


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def empty_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    """The migrated test database, emptied after the test."""
    yield engine
    empty_tables(engine)


def new_key(engine: Engine, network: str, role: Role) -> dict[str, str]:
    """Authorization headers for a fresh key of `role` in `network` (created if missing)."""
    with Session(engine) as session:
        token = create_key(session, get_or_create_network(session, network), role)
    return {"Authorization": f"Bearer {token}"}


Headers = dict[str, str]


@pytest.fixture
def coordinator(db: Engine) -> Headers:
    return new_key(db, "inser-eco93", Role.coordinator)


@pytest.fixture
def member(db: Engine) -> Headers:
    return new_key(db, "inser-eco93", Role.member)


@pytest.fixture
def viewer(db: Engine) -> Headers:
    return new_key(db, "inser-eco93", Role.viewer)


@pytest.fixture
def stranger(db: Engine) -> Headers:
    """A coordinator of another network."""
    return new_key(db, "autre-reseau", Role.coordinator)
