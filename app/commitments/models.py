"""Commitments: the hours an accepted grouping takes from its members until it is released."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, text
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class CommitmentStatus(StrEnum):
    active = "active"
    released = "released"  # by a coordinator: the hours are free again
    replaced = "replaced"  # another grouping of the tender was accepted: its own commitment holds


class Commitment(SQLModel, table=True):
    __table_args__ = (
        # A tender commits the hours of one grouping at a time: the one accepted.
        Index(
            "ix_commitment_one_active_per_tender",
            "tender_id",
            unique=True,
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(
        sa_column=Column(Integer, ForeignKey("network.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    tender_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tender.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    plan_id: int = Field(
        sa_column=Column(Integer, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    rank: int
    # The tender's reference when the grouping was accepted: what the hours are promised to.
    reference: str
    start: date
    end: date
    hours: float
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default=CommitmentStatus.active.value, index=True)


class CommitmentLine(SQLModel, table=True):
    """Hours one structure gives in one trade between two dates, spread over their working days."""

    __tablename__ = "commitment_line"

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("commitment.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    structure_id: int = Field(
        sa_column=Column(Integer, ForeignKey("structure.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    trade: str
    start: date
    end: date
    hours: float
