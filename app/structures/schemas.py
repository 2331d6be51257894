"""Structures over the API; field names are those of the planning problem (`StructureSpec`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.fr import siret as stdnum_siret

from app.core.schemas import ApiInput, Identified, Paging
from solver.problem import StructureKind, _check_trade

Text = Annotated[str, Field(max_length=300)]
Label = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


def check_siret(value: str) -> str:
    """The SIRET in its compact form, or a ValueError saying what is wrong with it."""
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
    annual_turnover_eur: float = Field(default=0, ge=0)
    insertion_fte: float | None = Field(
        default=None, ge=0, description="insertion jobs, full-time equivalent"
    )
    can_lead: bool = Field(default=False, description="may be the mandataire of a GME")
    max_distance_km: float | None = Field(default=None, gt=0)
    capacities: dict[str, float] = Field(
        default_factory=dict,
        max_length=200,
        description="hours available per trade (a sector slug of the Marché de l'inclusion)",
        examples=[{"peinture-revetement-des-murs": 3000}],
    )


class StructureCreate(ApiInput, StructureBase):
    _siret = field_validator("siret")(check_siret)

    @field_validator("capacities")
    @classmethod
    def _capacities(cls, value: dict[str, float]) -> dict[str, float]:
        for trade, hours in value.items():
            _check_trade(trade)
            if hours < 0:
                raise ValueError(f"capacity for {trade!r} must be >= 0 hours")
        return value


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
    annual_turnover_eur: float | None = None
    insertion_fte: float | None = None
    can_lead: bool | None = None
    max_distance_km: float | None = None
    capacities: dict[str, float] | None = None


class StructurePublic(StructureBase, Identified):
    created_at: datetime
    updated_at: datetime


class StructuresPublic(Paging):
    items: list[StructurePublic]
