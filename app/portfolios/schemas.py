"""Portfolios over the API: the request to plan several tenders together, and the portfolio resource
with its result (each tender's plan, in the plan's shape, and the load calendar)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from app.core.schemas import MAX_INT, ApiInput, Paging
from app.plans.limits import machine_cores
from app.plans.models import PlanStatus
from app.plans.schemas import PlanOptions, PlanResult, Progress
from solver.plan import Diagnostic, PeriodHours, SolverReport
from solver.plan import PlanStatus as SolveStatus
from solver.portfolio_spec import PortfolioOptions
from solver.problem import Options

MAX_TENDERS = 100
# A portfolio's time, engine and alternatives are the portfolio's: a tender's own would be ignored.
SHARED = ("time_limit_s", "threads", "engine", "gap_rel", "alternatives", "deterministic")


class PortfolioTenderIn(ApiInput):
    tender: int = Field(ge=1, le=MAX_INT, description="a tender of the network (`/tenders/{id}`)")
    options: PlanOptions = Field(
        default_factory=PlanOptions,
        description="this tender's planning options (max_members, groupement_form, weights, required, "
        "excluded...); time, engine and alternatives are the portfolio's `options`",
    )

    @model_validator(mode="after")
    def _own_options_only(self) -> PortfolioTenderIn:
        given = [name for name in SHARED if name in self.options.model_fields_set]
        if given:
            raise ValueError(
                f"options.{given[0]}: set for the whole portfolio, in its `options`, not per tender"
            )
        return self


class PortfolioOptionsIn(ApiInput, PortfolioOptions):
    """The options shared by the tenders: time limit, engine, and the cap on a structure's yearly
    revenue from all of them (`max_dependence`)."""

    threads: int | None = Field(
        default=None, ge=1, le=machine_cores(), description="solver threads, at most the machine's cores"
    )


class PortfolioCreate(ApiInput):
    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the portfolio's name, e.g. INSERECO93-2026; the tenders' references when absent",
    )
    tenders: list[PortfolioTenderIn] = Field(
        min_length=1,
        max_length=MAX_TENDERS,
        description="the tenders planned together, each once (at most PORTFOLIO_MAX_TENDERS, default 10)",
    )
    options: PortfolioOptionsIn = Field(default_factory=PortfolioOptionsIn)


class PortfolioTender(BaseModel):
    tender: int = Field(description="the tender's id (`/tenders/{id}`)")
    reference: str
    options: Options
    plan: int | None = Field(
        default=None,
        description="once the portfolio is accepted: the plan (`/plans/{id}`) that holds the tender's "
        "grouping, accepted for the tender",
    )


class PortfolioTenderPlan(BaseModel):
    tender_id: int = Field(description="the tender's id (`/tenders/{id}`)")
    reference: str
    periods: list[PeriodHours] = Field(default_factory=list, description="the tender's hours per month")
    plan: PlanResult = Field(description="the tender's plan, in the shape of a plan's `result`")


class PortfolioMonth(BaseModel):
    """A structure's month in the portfolio: hours planned (per tender) and committed against its
    capacity (`solver.portfolio_spec.MonthLoad`)."""

    structure: str = Field(description="the structure's id (`/structures/{id}`)")
    period: str = Field(description="the month, `2026-07`")
    capacity: float | None = Field(description="hours available that month; null when not given")
    committed: float = Field(description="hours held by commitments")
    planned: float = Field(description="hours the portfolio's plans put in that month")
    tenders: dict[str, float] = Field(default_factory=dict, description="planned hours per tender reference")


class PortfolioResult(BaseModel):
    """Each tender's plan, its hours per month, and the load calendar: per structure and month, hours
    planned (per tender) and committed against capacity (`solver.portfolio_spec.PortfolioPlan`)."""

    status: SolveStatus = Field(description="of the whole model")
    solver: SolverReport
    tenders: list[PortfolioTenderPlan]
    calendar: list[PortfolioMonth] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(default_factory=list)


class PortfolioPublic(BaseModel):
    id: int
    reference: str
    status: PlanStatus
    tenders: list[PortfolioTender]
    options: PortfolioOptions
    reason: str | None = Field(default=None, description="why the portfolio failed, in words")
    progress: Progress | None = None
    result: PortfolioResult | None = Field(default=None, description="the tenders' plans once done")
    attempts: int = Field(description="how many times a solve of this portfolio started")
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    accepted_at: datetime | None = Field(
        default=None,
        description="when its groupings were accepted last (`POST /portfolios/{id}/accept`): each tender's "
        "is then the tender's accepted grouping and its hours a commitment",
    )


class PortfolioSummary(BaseModel):
    """A portfolio in a list: everything but its result."""

    id: int
    reference: str
    status: PlanStatus
    tender_ids: list[int]
    reason: str | None = None
    progress: Progress | None = None
    created_at: datetime
    finished_at: datetime | None = None
    accepted_at: datetime | None = None


class PortfoliosPublic(Paging):
    items: list[PortfolioSummary]
