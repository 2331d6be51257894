"""A network of SIAE (the tenant of every other record) and its API keys."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class Role(StrEnum):
    coordinator = "coordinator"
    member = "member"
    viewer = "viewer"

    @property
    def can_write(self) -> bool:
        return self is Role.coordinator


class Network(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True)
    name: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(
        sa_column=Column(Integer, ForeignKey("network.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    role: str
    prefix: str
    digest: str = Field(unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """After this instant the key answers 401; None: no expiry."""
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """Last successful authentication, to the minute (written at most once a minute per key)."""
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
