"""The planning problem: a tender, the structures that may answer it, and the planning options.

Field names are those of the project's contract: a back-office writes the same JSON to the API
and to `planner solve`. Earlier files still load: the weight `subcontracting` is read as `staffing`
(its new name), and the option `aci_max_dependence` (a cap on turnover, replaced by the ACI rule of
Code du travail D5132-34 on charges, see `StructureSpec`) is ignored.
"""

from __future__ import annotations

import math
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from solver.periods import Availability, Commitment, Window, check_trade


class TenderKind(StrEnum):
    works = "works"
    services = "services"
    supplies = "supplies"
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
    EATT = "EATT"
    SEP = "SEP"


INTERMEDIARY_KINDS = frozenset({StructureKind.AI, StructureKind.ETTI})
# Code de la commande publique L2113-13: lots reserved to the SIAE (and EITI, L5132-5-1 Code du travail)
SIAE_KINDS = frozenset(
    {StructureKind.EI, StructureKind.ACI, StructureKind.AI, StructureKind.ETTI, StructureKind.EITI}
)
# L2113-12: lots reserved to the entreprises adaptées and ESAT (EATT: entreprise adaptée de travail
# temporaire, an entreprise adaptée under L5213-13-1 Code du travail)
HANDICAP_KINDS = frozenset({StructureKind.EA, StructureKind.ESAT, StructureKind.EATT})

Reservation = Literal["siae", "handicap", "both"]
LegalForm = Literal["association", "company", "public"]
GroupementForm = Literal["conjoint", "conjoint_mandataire_solidaire", "solidaire"]
ReplanMode = Literal["before_submission", "after_award"]

RESERVED_KINDS: dict[str, frozenset[StructureKind]] = {
    "siae": SIAE_KINDS,
    "handicap": HANDICAP_KINDS,
    "both": SIAE_KINDS | HANDICAP_KINDS,
}

# Share of a structure's own hours worked by people in an insertion pathway, when not recorded.
# Illustrative figures: an AI or ETTI puts insertion employees only at disposal; an ACI's staff are
# mostly in a contrat à durée déterminée d'insertion, beside its supervisors; an EI's workforce mixes
# insertion and permanent staff; an entreprise adaptée employs at least 55 % of disabled workers
# (L5213-13-1 Code du travail); a SEP is no insertion employer. A network records the real rates.
DEFAULT_INSERTION_RATE: dict[StructureKind, float] = {
    StructureKind.EI: 0.6,
    StructureKind.ACI: 0.8,
    StructureKind.AI: 1.0,
    StructureKind.ETTI: 1.0,
    StructureKind.EITI: 0.8,
    StructureKind.GEIQ: 1.0,
    StructureKind.EA: 0.55,
    StructureKind.EATT: 0.55,
    StructureKind.ESAT: 1.0,
    StructureKind.SEP: 0.0,
}
# The legal form when not recorded: an AI is an association by law (L5132-7 Code du travail), an ACI
# and an ESAT usually are; the others are taken as companies (the stricter case for the 480 h cap)
DEFAULT_LEGAL_FORM: dict[StructureKind, LegalForm] = {
    StructureKind.AI: "association",
    StructureKind.ACI: "association",
    StructureKind.ESAT: "association",
    StructureKind.GEIQ: "association",
}
ACI_CAP_RATE = 0.3  # D5132-34 Code du travail: 30 %, up to 50 % on the préfet's decision


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def check_capacities(value: dict[str, float]) -> dict[str, float]:
    """Yearly hours per trade: each trade a sector slug, its hours >= 0 (ValueError naming it)."""
    for trade, hours in value.items():
        check_trade(trade)
        if hours < 0:
            raise ValueError(f"capacity for {trade!r} must be >= 0 hours")
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
    kind: TenderKind | None = Field(default=None, description="the lot's kind; the tender's when absent")
    reserved: Reservation | None = Field(
        default=None,
        description="lot reserved to SIAE (CCP L2113-13), to EA/ESAT (L2113-12) or to both",
    )
    insertion_hours: float = Field(
        default=0.0, ge=0, description="clause sociale: insertion hours the holder must deliver on the lot"
    )
    essential: bool = Field(
        default=False, description="tasks the buyer calls essential: no sous-traitance (CCP L2193-3)"
    )
    sites: list[Site] = Field(min_length=1)
    # time (solver/periods.py): the windows of its sites that give none
    windows: list[Window] | None = Field(default=None, description="when the lot's hours are done")

    _trade = field_validator("trade")(check_trade)


class TenderSpec(_Model):
    reference: str = Field(min_length=1, max_length=64)
    title: str = ""
    kind: TenderKind
    execution_start: date | None = None
    execution_end: date | None = None
    lots: list[Lot] = Field(min_length=1)

    @model_validator(mode="after")
    def _execution(self) -> TenderSpec:
        start, end = self.execution_start, self.execution_end
        if start is not None and end is not None and end < start:
            raise ValueError("execution_end must not be before execution_start")
        return self

    def lot_kind(self, lot: Lot) -> TenderKind:
        return lot.kind or self.kind

    def execution_days(self) -> int | None:
        """Days of execution, both ends counted; None when a date is missing."""
        if self.execution_start is None or self.execution_end is None:
            return None
        return (self.execution_end - self.execution_start).days + 1

    def execution_years(self) -> float:
        """Years over which the tender's revenue is spread (D5132-34 is a yearly rule): the execution's
        length in years (to the hundredth: 1 July 2026 to 30 June 2028 is 2 years), and one year when the
        dates are missing or the execution is shorter."""
        days = self.execution_days()
        return 1.0 if days is None else max(1.0, round(days / 365.25, 2))

    def staffing_periods(self) -> int:
        """Started periods of 24 months of execution (L5132-9 Code du travail: 480 h per person per 24
        months); one when the dates are missing or the execution is shorter."""
        if self.execution_start is None or self.execution_end is None:
            return 1
        start, end = self.execution_start, self.execution_end
        months = (end.year - start.year) * 12 + (end.month - start.month) + (1 if end.day >= start.day else 0)
        return max(1, math.ceil(months / 24))

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
    siret: str | None = Field(default=None, description="14 digits; its first 9 are the SIREN")
    name: str = ""
    kind: StructureKind
    legal_form: LegalForm | None = Field(default=None, description="the kind's usual form when absent")
    labels: list[str] = Field(default_factory=list)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    territory: str | None = None
    annual_turnover_eur: float = Field(default=0, ge=0)
    insertion_rate: float | None = Field(
        default=None, ge=0, le=1, description="share of its own hours that are insertion hours"
    )
    can_lead: bool = False
    max_distance_km: float | None = Field(default=None, gt=0)
    capacities: dict[str, float] = Field(default_factory=dict, description="hours available per trade")
    annual_charges_eur: float | None = Field(
        default=None, ge=0, description="ACI: yearly charges of its insertion activities (D5132-34)"
    )
    commercial_revenue_eur: float | None = Field(
        default=None, ge=0, description="ACI: yearly commercial revenue before this tender (D5132-34)"
    )
    aci_cap_rate: float | None = Field(
        default=None, gt=0, le=0.5, description="ACI: cap on commercial revenue ÷ charges, 0.3 when absent"
    )
    mad_rate_eur_per_hour: float | None = Field(
        default=None, ge=0, description="AI/ETTI: price of an hour put at disposal, excluding VAT"
    )
    mad_staff: int | None = Field(
        default=None, ge=1, description="AI: people it can put at a member's disposal (480 h each, L5132-9)"
    )

    @field_validator("siret")
    @classmethod
    def _siret(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = value.replace(" ", "")
        if not digits:
            return None
        if len(digits) != 14 or not digits.isdigit():
            raise ValueError("a SIRET has 14 digits")
        return digits

    @property
    def siren(self) -> str | None:
        """The legal entity: the SIRET's first 9 digits."""
        return self.siret[:9] if self.siret else None

    @property
    def form(self) -> LegalForm:
        return self.legal_form or DEFAULT_LEGAL_FORM.get(self.kind, "company")

    @property
    def insertion(self) -> float:
        return self.insertion_rate if self.insertion_rate is not None else DEFAULT_INSERTION_RATE[self.kind]

    @property
    def cap_rate(self) -> float:
        return self.aci_cap_rate if self.aci_cap_rate is not None else ACI_CAP_RATE

    # time (solver/periods.py): hours per month or week, and hours already promised
    availability: list[Availability] | None = Field(
        default=None, description="hours per month or per ISO week in a trade"
    )
    commitments: list[Commitment] | None = Field(
        default=None, description="hours already promised, taken off the capacity of their periods"
    )

    _capacities = field_validator("capacities")(check_capacities)


class Weights(_Model):
    distance: float = Field(default=1.0, ge=0)
    balance: float = Field(default=1.0, ge=0)
    members: float = Field(default=1.0, ge=0)
    staffing: float = Field(
        default=0.0,
        ge=0,
        description="rewards the hours AI/ETTI put at disposal; `subcontracting` is an alias",
    )

    @model_validator(mode="before")
    @classmethod
    def _alias(cls, data: Any) -> Any:
        if isinstance(data, dict) and "subcontracting" in data:
            data = dict(data)
            earlier = data.pop("subcontracting")
            if "staffing" in data and data["staffing"] != earlier:
                raise ValueError("give `staffing` or its earlier name `subcontracting`, not both")
            data["staffing"] = earlier
        return data


class Baseline(_Model):
    """An accepted grouping to keep as much of as possible when re-planning.

    `mode`: `before_submission`, members may still change; `after_award`, the grouping's composition is
    frozen (Code de la commande publique R2142-26): no new member, a withdrawn member's sites go to the
    remaining members (or to staff put at their disposal) and a withdrawn mandataire is replaced by a
    remaining member able to lead."""

    mode: ReplanMode = "before_submission"
    assignments: dict[str, str] = Field(description="site id -> structure id of the accepted grouping")
    mandataire: str | None = None
    members: list[str] | None = Field(
        default=None, description="structures of the accepted grouping; those of `assignments` when absent"
    )
    withdrawn: list[str] = Field(default_factory=list, description="structures that left")
    move_penalty: float = Field(
        default=1.0, ge=0, description="penalty per moved site, in units of the normalised objective"
    )

    def accepted(self) -> set[str]:
        """The accepted grouping's structures (withdrawn ones included)."""
        found = set(self.members or []) | set(self.assignments.values())
        return found | ({self.mandataire} if self.mandataire else set())


class Options(_Model):
    max_members: int | None = Field(default=None, ge=1)
    alternatives: int = Field(default=1, ge=1, le=20)
    time_limit_s: float = Field(default=30, gt=0, le=3600)
    gap_rel: float = Field(default=1e-4, ge=0, lt=1)
    threads: int | None = Field(default=None, ge=1)
    engine: Literal["highs", "cbc"] = "highs"
    groupement_form: GroupementForm = Field(
        default="conjoint_mandataire_solidaire",
        description="the members' choice (CCP R2142-20, R2142-24); a one-member answer is `individuel`",
    )
    min_member_share: float = Field(default=0.0, ge=0, le=1)
    max_dependence: float | None = Field(
        default=None, gt=0, description="cap on a member's yearly revenue from this tender ÷ its turnover"
    )
    max_subcontracting_share: float = Field(
        default=0.5,
        ge=0,
        lt=1,
        description="most of a member's part on a lot it may subcontract; never the whole (loi 75-1334)",
    )
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

    @model_validator(mode="before")
    @classmethod
    def _earlier_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and "aci_max_dependence" in data:
            # replaced by the ACI rule on charges (D5132-34), structure by structure
            data = {k: v for k, v in data.items() if k != "aci_max_dependence"}
        return data


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
