"""A portfolio: several tenders of a network planned together as one job, with the problem it was
built from and, once solved, each tender's plan and the load calendar."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow
from app.plans.models import PlanStatus


class Portfolio(SQLModel, table=True):
    # The columns a job shares with a plan (status, run_id, worker, job_id, progress, result, reason,
    # attempts and the times) have the same names: the runner and the workers treat both alike.
    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(
        sa_column=Column(Integer, ForeignKey("network.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    reference: str
    # The tenders as requested, in the order of the problem's and the result's `tenders`:
    # `[{"tender": id, "reference": ..., "options": {...}}]`. A tender deleted later leaves its entry
    # here and its plan in `result`.
    tenders: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    # The options shared by the tenders (`solver.portfolio_spec.PortfolioOptions`).
    status: str = Field(default=PlanStatus.queued.value, index=True)
    options: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    problem: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    progress: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    reason: str | None = None
    attempts: int = 0
    run_id: str | None = None
    worker: str | None = None
    job_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When its groupings were accepted last: each tender's is then held by a plan of its own
    # (`Plan.portfolio_id`, and `"plan"` in the tender's entry of `tenders`).
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
