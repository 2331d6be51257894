"""The database engine and sessions, built from the settings by `create_app` (never at import time)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

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


def make_read_engine(settings: Settings, engine: Engine) -> Engine:
    """The engine of the hot reads (a plan polled by clients): on PostgreSQL each statement commits on
    its own (no BEGIN nor ROLLBACK around a read) and a pooled connection is not pinged before use, a
    lost connection being retried once instead (`read_retrying`): one round trip per statement instead
    of four. On SQLite, the engine itself (no network between the service and its file)."""
    if settings.is_sqlite:
        return engine
    return create_engine(
        settings.database_url, echo=settings.sql_echo, isolation_level="AUTOCOMMIT", pool_pre_ping=False
    )


T = TypeVar("T")


def read_retrying(engine: Engine, read: Callable[[Session], T]) -> T:
    """`read` in a session of `engine`, once more on a new connection if the pooled one was lost (the
    database restarted): reads only, which are safe to repeat."""
    try:
        with Session(engine) as session:
            return read(session)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with Session(engine) as session:
        return read(session)


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


def snapshot(session: Session, *, then_insert: bool = False) -> None:
    """Start a transaction in which every statement sees the same committed state.

    A resource read in several statements (a tender, its lots, their sites) is then one version of it,
    even while another request replaces it: REPEATABLE READ on PostgreSQL, a transaction opened at once
    on SQLite (whose driver would otherwise run each SELECT on its own). The session must hold no
    pending write: the transaction in progress is ended first.

    `then_insert`: the transaction goes on to insert rows (never to update what it read). On SQLite it
    then takes the write lock from the start, since a read transaction cannot become a writer once
    another has committed.
    """
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        session.connection().exec_driver_sql("BEGIN IMMEDIATE" if then_insert else "BEGIN")


def begin_write(session: Session) -> None:
    """Start a write transaction that holds the write lock from its first statement on SQLite.

    A check made in it (`If-Match`, a grouping already accepted) then still holds at its commit: on
    PostgreSQL the rows checked are locked with `FOR UPDATE`; SQLite has one writer at a time, taken
    here (`BEGIN IMMEDIATE`, waiting up to the connection's timeout) rather than at the first write.
    """
    session.commit()
    if session.get_bind().dialect.name != "postgresql":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
