"""The planning problem: a tender, the structures that may answer it, and the planning options.

Field names are those of the project's contract: a back-office writes the same JSON to the API
and to `planner solve`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from solver.periods import Availability, Commitment, Window
from solver.reference import sector_slugs


class TenderKind(StrEnum):
    works = "works"
    services = "services"
    staffing = "staffing"


class StructureKind(StrEnum):
    EI = "EI"
    ACI = "ACI"
    AI = "AI"
    ETTI = "ETTI"
    EITI = "EITI"
    GEIQ = "GEIQ"
    EA = "EA"
    ESAT = "ESAT"


INTERMEDIARY_KINDS = frozenset({StructureKind.AI, StructureKind.ETTI})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check_trade(value: str) -> str:
    if value not in sector_slugs():
        raise ValueError(f"unknown trade {value!r}: not a sector slug of the Marché de l'inclusion")
    return value


class Site(_Model):
    """A place or work item to deliver: a collège, a week of replacement, a textile batch."""

    id: str = Field(min_length=1, max_length=64)
    name: str = ""
    address: str | None = None
    commune: str | None = None
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    territory: str | None = None
    hours: float = Field(gt=0, description="workload in hours")
    value_eur: float = Field(ge=0, description="value in euros excluding VAT")
    # time (solver/periods.py): when absent, the lot's windows
    windows: list[Window] | None = Field(default=None, description="when the site's hours are done")


class Lot(_Model):
    id: str = Field(min_length=1, max_length=64)
    title: str = ""
    trade: str = Field(description="a sector slug of the Marché de l'inclusion")
    cpv: str | None = None
    sites: list[Site] = Field(min_length=1)
    # time (solver/periods.py): the windows of its sites that give none
    windows: list[Window] | None = Field(default=None, description="when the lot's hours are done")

    _trade = field_validator("trade")(_check_trade)


class TenderSpec(_Model):
    reference: str = Field(min_length=1, max_length=64)
    title: str = ""
    kind: TenderKind
    lots: list[Lot] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> TenderSpec:
        lot_ids = [lot.id for lot in self.lots]
        if len(set(lot_ids)) != len(lot_ids):
            raise ValueError("lot ids must be unique within a tender")
        site_ids = [site.id for lot in self.lots for site in lot.sites]
        if len(set(site_ids)) != len(site_ids):
            raise ValueError("site ids must be unique within a tender")
        return self

    def sites(self) -> list[tuple[Lot, Site]]:
        return [(lot, site) for lot in self.lots for site in lot.sites]


class StructureSpec(_Model):
    id: str = Field(min_length=1, max_length=64)
    siret: str | None = None
    name: str = ""
    kind: StructureKind
    labels: list[str] = Field(default_factory=list)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    territory: str | None = None
    annual_turnover_eur: float = Field(default=0, ge=0)
    can_lead: bool = False
    max_distance_km: float | None = Field(default=None, gt=0)
    capacities: dict[str, float] = Field(default_factory=dict, description="hours available per trade")
    # time (solver/periods.py): hours per month or week, and hours already promised
    availability: list[Availability] | None = Field(
        default=None, description="hours per month or per ISO week in a trade"
    )
    commitments: list[Commitment] | None = Field(
        default=None, description="hours already promised, taken off the capacity of their periods"
    )

    @field_validator("capacities")
    @classmethod
    def _capacities(cls, value: dict[str, float]) -> dict[str, float]:
        for trade, hours in value.items():
            _check_trade(trade)
            if hours < 0:
                raise ValueError(f"capacity for {trade!r} must be >= 0 hours")
        return value


class Weights(_Model):
    distance: float = Field(default=1.0, ge=0)
    balance: float = Field(default=1.0, ge=0)
    members: float = Field(default=1.0, ge=0)
    subcontracting: float = Field(default=0.0, ge=0)


class Baseline(_Model):
    """An accepted grouping to keep as much of as possible when re-planning."""

    assignments: dict[str, str] = Field(description="site id -> structure id of the accepted grouping")
    mandataire: str | None = None
    withdrawn: list[str] = Field(default_factory=list, description="structures that left")
    move_penalty: float = Field(
        default=1.0, ge=0, description="penalty per moved site, in units of the normalised objective"
    )


class Options(_Model):
    max_members: int | None = Field(default=None, ge=1)
    alternatives: int = Field(default=1, ge=1, le=20)
    time_limit_s: float = Field(default=30, gt=0, le=3600)
    gap_rel: float = Field(default=1e-4, ge=0, lt=1)
    threads: int | None = Field(default=None, ge=1)
    engine: Literal["highs", "cbc"] = "highs"
    min_member_share: float = Field(default=0.0, ge=0, le=1)
    max_dependence: float | None = Field(default=None, gt=0)
    aci_max_dependence: float | None = Field(
        default=0.3, gt=0, description="cap on an ACI's revenue from this tender as a share of its turnover"
    )
    max_subcontracting_share: float = Field(default=0.5, ge=0, le=1)
    max_distance_km: float | None = Field(default=None, gt=0)
    reference_distance_km: float = Field(
        default=10.0, gt=0, description="distance term = 1.0 when every hour travels this far"
    )
    territorial_presence: bool = Field(
        default=False, description="at least one member based in each territory that has sites"
    )
    required: list[str] = Field(default_factory=list)
    excluded: list[str] = Field(default_factory=list)
    weights: Weights = Field(default_factory=Weights)
    baseline: Baseline | None = None
    deterministic: bool = Field(
        default=False,
        description="reproducible plans: the engine seeded and each stage given a work limit (nodes) "
        "instead of wall-clock time; the time limit then only guards against a slow machine",
    )


class PlanningProblem(_Model):
    tender: TenderSpec
    structures: list[StructureSpec]
    options: Options = Field(default_factory=Options)

    @model_validator(mode="after")
    def _references(self) -> PlanningProblem:
        ids = [s.id for s in self.structures]
        if len(set(ids)) != len(ids):
            raise ValueError("structure ids must be unique")
        known = set(ids)
        for field in ("required", "excluded"):
            unknown = [i for i in getattr(self.options, field) if i not in known]
            if unknown:
                raise ValueError(f"options.{field}: unknown structures {unknown}")
        both = set(self.options.required) & set(self.options.excluded)
        if both:
            raise ValueError(f"structures both required and excluded: {sorted(both)}")
        return self
