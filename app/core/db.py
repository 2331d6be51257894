"""The database engine and sessions, built from the settings by `create_app` (never at import time)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import create_engine

from app.core.config import Settings


def make_engine(settings: Settings) -> Engine:
    if not settings.is_sqlite:
        return create_engine(settings.database_url, echo=settings.sql_echo, pool_pre_ping=True)
    engine = create_engine(
        settings.database_url,
        echo=settings.sql_echo,
        # Requests run in a thread pool: a connection may be used by another thread than its creator.
        connect_args={"check_same_thread": False, "timeout": 15},
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite leaves foreign keys (and so ON DELETE CASCADE) off unless asked, per connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time stored as naive UTC, read back as aware UTC: the same on SQLite and PostgreSQL.

    SQLite keeps no time zone; storing naive UTC everywhere makes both databases answer alike.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)
