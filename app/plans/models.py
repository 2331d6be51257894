"""A plan: one planning request for a tender, solved as a job, with the problem it was built from."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, text
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class PlanStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (PlanStatus.done, PlanStatus.failed, PlanStatus.cancelled)


class Plan(SQLModel, table=True):
    __table_args__ = (
        # A tender has at most one accepted grouping.
        Index(
            "ix_plan_one_accepted_per_tender",
            "tender_id",
            unique=True,
            sqlite_where=text("accepted_rank IS NOT NULL"),
            postgresql_where=text("accepted_rank IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(
        sa_column=Column(Integer, ForeignKey("network.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    tender_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tender.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    status: str = Field(default=PlanStatus.queued.value, index=True)
    options: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # The planning problem as built when the plan was requested: the plan can be reproduced and
    # explained even after the tender or the structures change.
    problem: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    progress: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    reason: str | None = None
    replan_of: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("plan.id", ondelete="SET NULL"), nullable=True)
    )
    withdrawn: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The portfolio whose accepted grouping of the tender this plan holds (made when it was accepted).
    portfolio_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("portfolio.id", ondelete="SET NULL"), nullable=True, index=True),
    )
    accepted_rank: int | None = None
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    # The run that currently owns the plan: a run writes progress and results only while it still
    # owns the plan, so a run that was presumed dead and replaced cannot overwrite its successor.
    run_id: str | None = None
    worker: str | None = None
    job_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
