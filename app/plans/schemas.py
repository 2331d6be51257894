"""Plans over the API: the request to plan a tender, and the plan resource with its result."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from app.core.schemas import ApiInput, Paging
from app.plans.limits import machine_cores
from app.plans.models import PlanStatus
from solver.plan import Plan
from solver.problem import Options, ReplanMode


def _id_as_text(value: Any) -> Any:
    # Plans name structures by their API id as text; accept the number as the structures API gives it.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


StructureRef = Annotated[str, BeforeValidator(_id_as_text), Field(min_length=1, max_length=64)]


MAX_LISTED_STRUCTURES = 5000


class PlanOptions(ApiInput, Options):
    """The planning options as a client sends them, within what this service allows.

    `threads` is at most the machine's cores; `time_limit_s` and `alternatives` at most the
    settings `PLAN_MAX_TIME_LIMIT_S` (default 600) and `PLAN_MAX_ALTERNATIVES` (default 10).
    """

    threads: int | None = Field(
        default=None, ge=1, le=machine_cores(), description="solver threads, at most the machine's cores"
    )
    required: list[StructureRef] = Field(default_factory=list, max_length=MAX_LISTED_STRUCTURES)
    excluded: list[StructureRef] = Field(default_factory=list, max_length=MAX_LISTED_STRUCTURES)


class PlanCreate(ApiInput):
    options: PlanOptions = Field(
        default_factory=PlanOptions, description="the planning options (all optional)"
    )


class AcceptRequest(ApiInput):
    rank: int = Field(ge=1, le=20, description="rank of the grouping to accept in the plan's result")


class ReplanRequest(ApiInput):
    withdrawn: list[StructureRef] = Field(
        min_length=1, max_length=500, description="members of the accepted grouping that withdrew"
    )
    move_penalty: float | None = Field(
        default=None, ge=0, description="cost of moving a site away from its accepted structure"
    )
    mode: ReplanMode = Field(
        default="before_submission",
        description="`before_submission`: members may still change; `after_award`: the composition is "
        "frozen (Code de la commande publique R2142-26), no new member joins, the withdrawn member's "
        "sites go to the remaining members or to staff put at their disposal",
    )


class Progress(BaseModel):
    elapsed_s: float = Field(description="seconds since the solve started")
    stage: str | None = None
    objective: float | None = Field(default=None, description="objective of the best grouping found so far")
    bound: float | None = Field(default=None, description="best bound: no grouping can do better")
    gap: float | None = Field(default=None, description="relative gap between objective and bound")


class PlanResult(Plan):
    """The solver's plan (its own name in the API, apart from the plan resource's status)."""


class PlanPublic(BaseModel):
    id: int
    tender_id: int
    status: PlanStatus
    options: Options
    reason: str | None = Field(default=None, description="why the plan failed, in words")
    progress: Progress | None = None
    result: PlanResult | None = Field(default=None, description="the plan's groupings once done")
    replan_of: int | None = Field(default=None, description="the accepted plan this one re-plans")
    withdrawn: list[str] | None = Field(
        default=None,
        description="members who withdrew in this re-plan (all of them: options.baseline.withdrawn)",
    )
    accepted_rank: int | None = Field(
        default=None, description="rank of the grouping accepted for the tender"
    )
    accepted_at: datetime | None = None
    portfolio_id: int | None = Field(
        default=None,
        description="the portfolio (`/portfolios/{id}`) whose accepted grouping of the tender this plan "
        "holds: made when the portfolio was accepted, not solved on its own",
    )
    attempts: int = Field(description="how many times a solve of this plan started")
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class PlanSummary(BaseModel):
    """A plan in a list: everything but its result."""

    id: int
    tender_id: int
    status: PlanStatus
    reason: str | None = None
    progress: Progress | None = None
    replan_of: int | None = None
    accepted_rank: int | None = None
    portfolio_id: int | None = Field(default=None, description="the accepted portfolio it comes from")
    created_at: datetime
    finished_at: datetime | None = None


class PlansPublic(Paging):
    items: list[PlanSummary]


class AcceptedGrouping(BaseModel):
    """The grouping accepted for a tender: which plan, which rank."""

    plan_id: int
    rank: int
    accepted_at: datetime | None = None
    mandataire: str | None = None
    members: list[str] = Field(default_factory=list)


def accepted_grouping(
    plan_id: int, rank: int, accepted_at: datetime | None, result: dict[str, Any] | None
) -> AcceptedGrouping:
    grouping: dict[str, Any] = next(
        (g for g in (result or {}).get("groupings", []) if g.get("rank") == rank), {}
    )
    return AcceptedGrouping(
        plan_id=plan_id,
        rank=rank,
        accepted_at=accepted_at,
        mandataire=grouping.get("mandataire"),
        members=[m["structure"] for m in grouping.get("members", [])],
    )
