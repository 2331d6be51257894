"""The plan: the ranked groupings proposed for a tender, with the solver's report and diagnostics."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PlanStatus = Literal["optimal", "feasible", "infeasible", "timeout", "error"]


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class StageReport(_Model):
    """One stage of the best grouping's solve: `members` (fewest and nearest members, no balance),
    `split` (fairest split within 2 % of it), `all` (every grouping, full objective)."""

    name: str
    status: str
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0


class SolverReport(_Model):
    name: str
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    stages: list[StageReport] = Field(default_factory=list)


class Terms(_Model):
    distance_hour_km: float = 0.0
    balance_spread: float = 0.0
    members: int = 0
    subcontracted_hours: float = 0.0


class Member(_Model):
    structure: str
    role: Literal["mandataire", "co-traitant"]
    hours: float
    own_hours: float
    revenue_eur: float
    tender_share: float
    turnover_share: float | None
    load_ratio: float
    mean_distance_km: float


class PeriodHours(_Model):
    """Hours done in a month (`2026-07`), from the site's work windows (solver/periods.py)."""

    period: str
    hours: float


class Assignment(_Model):
    site: str
    structure: str
    distance_km: float
    # a site without a work window has no period lines: its JSON stays as it always was
    periods: list[PeriodHours] = Field(
        default_factory=list, exclude_if=lambda lines: not lines, description="hours per month, when timed"
    )


class Subcontract(_Model):
    from_: str = Field(alias="from")
    to: str
    hours: float
    value_eur: float
    trade: str | None = None


class Move(_Model):
    site: str
    from_: str = Field(alias="from")
    to: str | None


class Grouping(_Model):
    rank: int
    objective: float
    terms: Terms
    mandataire: str
    members: list[Member]
    assignments: list[Assignment]
    subcontracts: list[Subcontract] = Field(default_factory=list)
    uncovered: list[str] = Field(default_factory=list)
    moved: list[Move] = Field(default_factory=list)


class Diagnostic(_Model):
    code: str
    message: str
    structure: str | None = None
    site: str | None = None


class Plan(_Model):
    status: PlanStatus
    solver: SolverReport
    groupings: list[Grouping] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(default_factory=list)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)
