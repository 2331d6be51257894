"""Structures over the API; field names are those of the planning problem (`StructureSpec`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, ValidationInfo, computed_field, field_validator
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.fr import siret as stdnum_siret

from app.core.schemas import ApiInput, Identified, Paging
from app.periods.schemas import MAX_AVAILABILITY, AvailabilityIn, check_availability
from solver.periods import Availability
from solver.problem import StructureKind, check_capacities

# The legal person behind the SIRET: an AI's staff is capped at 480 h per person over 24 months towards
# a company, not towards an association or a public body (Code du travail L5132-9).
LegalForm = Literal["association", "company", "public"]
ACI_KINDS = frozenset({"ACI"})
INTERMEDIARY_KINDS = frozenset({"AI", "ETTI"})
Text = Annotated[str, Field(max_length=300)]
Label = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


# A digit of even rank from the right, doubled and its digits summed (Luhn): 5 -> 10 -> 1.
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


def _luhn_ok(digits: str) -> bool:
    """Luhn's checksum of ASCII digits, summed as bytes (a directory import checks 100 000 of them)."""
    kept = digits[-1::-2].encode("ascii")
    doubled = digits[-2::-2].translate(_LUHN_DOUBLED).encode("ascii")
    return (sum(kept) + sum(doubled) - 48 * len(digits)) % 10 == 0


def check_siret(value: str) -> str:
    """The SIRET in its compact form, or a ValueError saying what is wrong with it."""
    # Fast path for the usual written form (a directory import checks 100 000 of them); La Poste's
    # establishments (SIREN 356000000) follow another rule, left to python-stdnum.
    if len(value) == 14 and value.isascii() and value.isdigit() and not value.startswith("356000000"):
        if _luhn_ok(value[:9]) and _luhn_ok(value):
            return value
        raise ValueError("invalid checksum")
    try:
        return str(stdnum_siret.validate(value))
    except InvalidChecksum:
        raise ValueError("invalid checksum") from None
    except InvalidLength:
        raise ValueError("invalid length: a SIRET has 14 digits") from None
    except ValidationError:
        raise ValueError("invalid format: a SIRET has 14 digits") from None


class StructureBase(BaseModel):
    siret: str = Field(description="14 digits; with the kind, identifies the structure in the network")
    name: str = Field(min_length=1, max_length=200)
    kind: StructureKind
    labels: list[Label] = Field(default_factory=list, max_length=20, examples=[["regie-de-quartier"]])
    address: Text | None = None
    postcode: str | None = Field(default=None, pattern=r"^\d{5}$")
    commune_insee: str | None = Field(default=None, pattern=r"^(\d{5}|2[AB]\d{3})$", description="INSEE code")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    territory: str | None = Field(default=None, max_length=100, description="e.g. an EPT: Est Ensemble")
    legal_form: LegalForm | None = Field(
        default=None,
        description="association, company or public; structures sharing a SIREN are one legal entity",
    )
    annual_turnover_eur: float = Field(default=0, ge=0)
    insertion_fte: float | None = Field(
        default=None, ge=0, description="insertion jobs, full-time equivalent"
    )
    insertion_rate: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="share of the structure's own hours worked by people in an insertion pathway "
        "(clause sociale); unset: the planner's default for the kind",
    )
    annual_charges_eur: float | None = Field(
        default=None,
        ge=0,
        description="ACI only: yearly charges of its insertion activities (Code du travail D5132-34)",
    )
    commercial_revenue_eur: float | None = Field(
        default=None,
        ge=0,
        description="ACI only: yearly commercial revenue already earned outside this tender (D5132-34)",
    )
    aci_cap_rate: float | None = Field(
        default=None,
        gt=0,
        le=0.5,
        description="ACI only: cap of commercial revenue as a share of charges; unset: 0.3, up to 0.5 "
        "on the préfet's decision (D5132-34)",
    )
    mad_rate_eur_per_hour: float | None = Field(
        default=None,
        ge=0,
        description="AI/ETTI only: price of an hour of staff put at a member's disposal (L5132-7)",
    )
    mad_staff: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="AI/ETTI only: people it can put at disposal; an AI gives a company at most "
        "480 h per person over 24 months (L5132-9)",
    )
    can_lead: bool = Field(default=False, description="may be the mandataire of a GME")
    max_distance_km: float | None = Field(default=None, gt=0)
    capacities: dict[str, float] = Field(
        default_factory=dict,
        max_length=200,
        description="hours available per trade (a sector slug of the Marché de l'inclusion)",
        examples=[{"peinture-revetement-des-murs": 3000}],
    )
    availability: list[Availability] | None = Field(
        default=None,
        max_length=MAX_AVAILABILITY,
        description="hours it can give per calendar month or per ISO week in a trade, with single "
        "periods that differ (`overrides`); unset: only the yearly `capacities` bound it",
        examples=[
            [
                {
                    "trade": "peinture-revetement-des-murs",
                    "per": "month",
                    "hours": 300,
                    "overrides": {"2026-08": 120},
                }
            ]
        ],
    )


def _only_for(kinds: frozenset[str], what: str) -> classmethod:  # type: ignore[type-arg]
    def check(cls: type, value: float | None, info: ValidationInfo) -> float | None:
        kind = info.data.get("kind")
        if value is not None and kind is not None and str(kind) not in kinds:
            raise ValueError(f"only {what} carries this figure, not a structure of kind {kind}")
        return value

    return classmethod(check)


class StructureCreate(ApiInput, StructureBase):
    availability: list[AvailabilityIn] | None = Field(  # type: ignore[assignment]
        default=None,
        max_length=MAX_AVAILABILITY,
        description=StructureBase.model_fields["availability"].description,
    )

    _siret = field_validator("siret")(check_siret)
    _availability = field_validator("availability")(check_availability)
    _aci = field_validator("annual_charges_eur", "commercial_revenue_eur", "aci_cap_rate")(
        _only_for(ACI_KINDS, "an ACI (D5132-34)")
    )
    _mad = field_validator("mad_rate_eur_per_hour", "mad_staff")(
        _only_for(INTERMEDIARY_KINDS, "an AI or ETTI (mise à disposition)")
    )

    _capacities = field_validator("capacities")(check_capacities)


class StructureUpdate(ApiInput):
    """Fields to change; the others keep their value. `capacities`, if given, replaces them all."""

    siret: str | None = None
    name: str | None = None
    kind: StructureKind | None = None
    labels: list[str] | None = None
    address: str | None = None
    postcode: str | None = None
    commune_insee: str | None = None
    lat: float | None = None
    lon: float | None = None
    territory: str | None = None
    legal_form: str | None = None
    annual_turnover_eur: float | None = None
    insertion_fte: float | None = None
    insertion_rate: float | None = None
    annual_charges_eur: float | None = None
    commercial_revenue_eur: float | None = None
    aci_cap_rate: float | None = None
    mad_rate_eur_per_hour: float | None = None
    mad_staff: int | None = None
    can_lead: bool | None = None
    max_distance_km: float | None = None
    capacities: dict[str, float] | None = None
    availability: list[AvailabilityIn] | None = None


class StructurePublic(StructureBase, Identified):
    created_at: datetime
    updated_at: datetime

    @computed_field(description="the legal entity: the SIRET's first 9 digits")  # type: ignore[prop-decorator]
    @property
    def siren(self) -> str:
        return self.siret[:9]


class StructuresPublic(Paging):
    items: list[StructurePublic]
