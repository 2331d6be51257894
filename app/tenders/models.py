"""Tenders of a network, their lots, and each lot's sites (a collège, a week of replacement, a batch).

Lots and sites have their own tables: a tender carries 130 collèges or more, read and written in bulk.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class Tender(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("network_id", "reference", name="uq_tender_network_reference"),)

    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(
        sa_column=Column(Integer, ForeignKey("network.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    reference: str
    title: str
    buyer: str | None = None
    buyer_siret: str | None = None
    ocid: str | None = None
    kind: str = Field(index=True)
    cpv_codes: list[str] = Field(default_factory=list, sa_type=JSON)
    reserved: bool = False
    insertion_hours: float | None = None
    deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    execution_start: date | None = None
    execution_end: date | None = None
    estimated_value_eur: float | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Lot(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("tender_id", "ref", name="uq_lot_tender_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    tender_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tender.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    ref: str = Field(description="the lot's id as the user gave it (API field `id`)")
    position: int
    title: str
    trade: str
    cpv: str | None = None
    kind: str | None = None
    reserved: str | None = None
    insertion_hours: float | None = None
    essential: bool = False
    # When the lot's hours are done (`[{"period": "ete-2026"}]`, `[{"start": ..., "end": ...}]`); None:
    # no time, the tender is planned as a whole.
    windows: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Site(SQLModel, table=True):
    # Site ids are unique within a tender, not only within a lot: a plan names sites by id alone.
    __table_args__ = (UniqueConstraint("tender_id", "ref", name="uq_site_tender_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    tender_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tender.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    lot_id: int = Field(
        sa_column=Column(Integer, ForeignKey("lot.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    ref: str = Field(description="the site's id as the user gave it, e.g. a collège's UAI (API field `id`)")
    position: int
    name: str
    address: str | None = None
    commune: str | None = None
    lat: float
    lon: float
    territory: str | None = None
    # None while the tender is a draft (imported without a workload): it cannot be planned then.
    hours: float | None = None
    value_eur: float
    # The site's own windows, replacing its lot's.
    windows: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
