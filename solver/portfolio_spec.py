"""A portfolio: several tenders of a network's year planned together (the file `planner solve` reads
when it has `tenders`), and what comes back: each tender's plan, its months, and the load calendar.

Kept apart from `solver.portfolio` (the model) so that reading a file loads no engine.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from solver.plan import Diagnostic, PeriodHours, Plan, PlanStatus, SolverReport
from solver.problem import Options, StructureSpec, TenderSpec


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TenderEntry(_Model):
    tender: TenderSpec
    options: Options = Field(default_factory=Options)


class PortfolioOptions(_Model):
    time_limit_s: float = Field(default=60, gt=0, le=3600)
    gap_rel: float = Field(default=1e-4, ge=0, lt=1)
    threads: int | None = Field(default=None, ge=1)
    engine: Literal["highs", "cbc"] = "highs"
    max_dependence: float | None = Field(
        default=None, gt=0, description="cap on a structure's yearly revenue from all the tenders ÷ turnover"
    )
    deterministic: bool = Field(
        default=False,
        description="reproducible plans: the engine seeded and each run given a work limit (nodes) "
        "instead of wall-clock time; the time limit then only guards against a slow machine",
    )


class PortfolioProblem(_Model):
    """The tenders of a network's year, the structures that may answer them, shared options."""

    reference: str = Field(min_length=1, max_length=64)
    tenders: list[TenderEntry] = Field(min_length=1)
    structures: list[StructureSpec]
    options: PortfolioOptions = Field(default_factory=PortfolioOptions)

    @model_validator(mode="after")
    def _references(self) -> PortfolioProblem:
        refs = [e.tender.reference for e in self.tenders]
        if len(set(refs)) != len(refs):
            raise ValueError("tender references must be unique within a portfolio")
        ids = {s.id for s in self.structures}
        if len(ids) != len(self.structures):
            raise ValueError("structure ids must be unique")
        for n, entry in enumerate(self.tenders):
            for field in ("required", "excluded"):
                unknown = [i for i in getattr(entry.options, field) if i not in ids]
                if unknown:
                    raise ValueError(f"tenders.{n}.options.{field}: unknown structures {unknown}")
            if entry.options.baseline is not None and len(self.tenders) > 1:
                raise ValueError(
                    f"tenders.{n}.options.baseline: re-planning works tender by tender, not in a portfolio"
                )
        return self


class MonthLoad(BaseModel):
    """A structure's month: hours planned (per tender) and committed against its capacity."""

    structure: str
    period: str
    capacity: float | None = Field(description="hours available that month; none when not given")
    committed: float
    planned: float
    tenders: dict[str, float] = Field(default_factory=dict, description="planned hours per tender")


class TenderPlan(BaseModel):
    reference: str
    periods: list[PeriodHours] = Field(default_factory=list, description="the tender's hours per month")
    plan: Plan


class PortfolioPlan(BaseModel):
    status: PlanStatus
    solver: SolverReport
    tenders: list[TenderPlan]
    calendar: list[MonthLoad] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(default_factory=list)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)
