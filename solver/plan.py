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
    members: int = Field(default=0, description="members: legal entities (SIREN), not establishments")
    subcontracted_hours: float = Field(default=0.0, description="hours of sous-traitance (DC4)")
    staffing_hours: float = Field(default=0.0, description="hours put at disposal by AI/ETTI")
    insertion_hours: float = Field(default=0.0, description="insertion hours delivered, all lots")


class Member(_Model):
    """A member of the grouping: one legal entity (SIREN), which may hold several structures
    (establishments, or conventions of one SIRET); `structure` is the one that represents it."""

    structure: str
    siren: str | None = None
    structures: list[str] = Field(default_factory=list)
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


class Staffing(_Model):
    """Mise à disposition (Code du travail L5132-7 s. for an AI, L1251-1 s. for an ETTI): staff of the
    intermédiaire `from` working under the direction of the member's structure `to` on a lot. Not
    sous-traitance: no DC4. `vat_rate` is 0 for an AI (CGI 261-7-1° bis), 0.2 for an ETTI."""

    from_: str = Field(alias="from")
    to: str
    lot: str
    trade: str
    hours: float
    value_eur: float
    vat_rate: float


class Subcontract(_Model):
    """Sous-traitance (loi 75-1334; CCP L2193-1 s.): the member's structure `from` has an EI/ACI/EITI
    outside the grouping carry out hours of a lot under its own responsibility; declared to the buyer
    (DC4)."""

    from_: str = Field(alias="from")
    to: str
    hours: float
    value_eur: float
    trade: str | None = None
    lot: str | None = None


class Insertion(_Model):
    """Clause sociale of a lot: insertion hours required and delivered."""

    lot: str
    required: float
    delivered: float


class Move(_Model):
    site: str
    from_: str = Field(alias="from")
    to: str | None


GroupingForm = Literal["conjoint", "conjoint_mandataire_solidaire", "solidaire", "individuel"]


class Grouping(_Model):
    rank: int
    objective: float
    form: GroupingForm = "conjoint_mandataire_solidaire"
    terms: Terms
    mandataire: str
    members: list[Member]
    assignments: list[Assignment]
    staffing: list[Staffing] = Field(default_factory=list)
    subcontracts: list[Subcontract] = Field(default_factory=list)
    insertion: list[Insertion] = Field(default_factory=list)
    uncovered: list[str] = Field(default_factory=list)
    moved: list[Move] = Field(default_factory=list)


class Diagnostic(_Model):
    code: str
    message: str
    structure: str | None = None
    site: str | None = None
    lot: str | None = None


class Plan(_Model):
    status: PlanStatus
    solver: SolverReport
    groupings: list[Grouping] = Field(default_factory=list)
    diagnostics: list[Diagnostic] = Field(default_factory=list)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)
