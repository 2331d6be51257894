"""Structures (SIAE and neighbours) of a network, and their capacity in hours per trade."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class Structure(SQLModel, table=True):
    # One legal entity (SIRET) may hold several SIAE conventions, one per kind.
    __table_args__ = (
        UniqueConstraint("network_id", "siret", "kind", name="uq_structure_network_siret_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(
        sa_column=Column(Integer, ForeignKey("network.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    siret: str = Field(index=True)
    kind: str = Field(index=True)
    name: str
    labels: list[str] = Field(default_factory=list, sa_type=JSON)
    address: str | None = None
    postcode: str | None = None
    commune_insee: str | None = None
    lat: float
    lon: float
    territory: str | None = Field(default=None, index=True)
    legal_form: str | None = None
    annual_turnover_eur: float = 0
    insertion_fte: float | None = None
    insertion_rate: float | None = None
    annual_charges_eur: float | None = None
    commercial_revenue_eur: float | None = None
    aci_cap_rate: float | None = None
    mad_rate_eur_per_hour: float | None = None
    mad_staff: int | None = None
    can_lead: bool = False
    max_distance_km: float | None = None
    # Hours per month or per ISO week in a trade (`[{"trade", "per", "hours", "overrides"}]`); None: only
    # the yearly capacities of `structure_capacity` bound it.
    availability: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StructureCapacity(SQLModel, table=True):
    """Hours a structure can give to one trade; a row per trade so that lists filter by trade."""

    __tablename__ = "structure_capacity"

    structure_id: int = Field(
        sa_column=Column(Integer, ForeignKey("structure.id", ondelete="CASCADE"), primary_key=True)
    )
    trade: str = Field(primary_key=True, index=True)
    hours: float
