"""The network's load calendar over the API: per structure and month, hours against capacity."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

CapacityBasis = Literal["availability", "yearly"]
TenderState = Literal["committed", "planned"]


class MonthLoad(BaseModel):
    month: str = Field(examples=["2026-07"])
    capacity: float | None = Field(
        description="hours the structure has that month: its hours per month or week when given, else "
        "its yearly capacities ÷ 12; none when it records no capacity"
    )
    committed: float = Field(description="hours held by active commitments (accepted groupings)")
    planned: float = Field(
        description="hours of tenders with no accepted grouping, as their latest plan or portfolio plans them"
    )
    load_ratio: float | None = Field(description="(committed + planned) ÷ capacity")


class StructureLoad(BaseModel):
    structure_id: int
    name: str
    kind: str
    capacity_basis: CapacityBasis | None = Field(
        description="`availability`: hours per month or week; `yearly`: capacities ÷ 12"
    )
    months: list[MonthLoad] = Field(description="every month of the calendar, in order")


class TenderMonth(BaseModel):
    month: str
    hours: float


class TenderPeriods(BaseModel):
    """A tender's hours in time: its accepted grouping's (committed) or, with none accepted, its best
    grouping in what planned it last, a plan or a portfolio (planned)."""

    tender_id: int
    reference: str
    title: str
    state: TenderState
    plan_id: int | None = Field(description="the plan it comes from, if not a portfolio")
    portfolio_id: int | None = Field(default=None, description="the portfolio that planned it last")
    commitment_id: int | None = None
    start: date = Field(description="first day its hours are held or planned (within the calendar or not)")
    end: date
    hours: float = Field(description="its hours within the calendar's months")
    months: list[TenderMonth] = Field(description="the months of the calendar it uses, with their hours")


class LoadCalendar(BaseModel):
    start: str = Field(description="first month")
    end: str = Field(description="last month")
    months: list[str]
    structures: list[StructureLoad] = Field(description="structures with hours in these months, by name")
    tenders: list[TenderPeriods]
