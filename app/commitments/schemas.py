"""Commitments over the API: the hours an accepted grouping holds, per structure, trade and dates."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.commitments.models import CommitmentStatus
from app.core.schemas import Paging


class CommitmentLinePublic(BaseModel):
    structure_id: int
    structure_name: str
    trade: str
    start: date
    end: date
    hours: float = Field(description="hours spread evenly over the working days from `start` to `end`")


class CommitmentPublic(BaseModel):
    id: int
    tender_id: int
    reference: str = Field(description="the tender's reference when the grouping was accepted")
    plan_id: int
    rank: int = Field(description="the accepted grouping's rank in the plan")
    status: CommitmentStatus = Field(
        description="`active`: later plans respect its hours; `released` by a coordinator; `replaced` "
        "when another grouping of the tender was accepted"
    )
    start: date
    end: date
    hours: float = Field(description="all its lines' hours")
    lines: list[CommitmentLinePublic]
    created_at: datetime
    released_at: datetime | None = None


class CommitmentsPublic(Paging):
    items: list[CommitmentPublic]
