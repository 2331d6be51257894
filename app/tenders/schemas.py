"""Tenders over the API, with their lots and sites.

Lots and sites are those of the planning problem (`solver.problem.Lot`, `Site`): the same JSON is
posted here and written in a problem file for `planner solve`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, ValidationInfo, field_validator, model_validator
from stdnum.exceptions import ValidationError as NumberError
from stdnum.fr import siret as stdnum_siret

from app.core.schemas import ApiInput, Identified, Paging
from app.periods.schemas import MAX_WINDOWS, WindowIn, WindowPublic, check_windows
from app.plans.schemas import AcceptedGrouping
from app.reference import is_cpv
from solver.problem import Lot as LotSpec
from solver.problem import Site as SiteSpec
from solver.problem import TenderKind

MAX_SITES_PER_LOT = 5000
MAX_LOTS = 200
MAX_SITES_PER_TENDER = 100_000


def check_cpv(code: str) -> str:
    if not is_cpv(code):
        raise ValueError(f"unknown CPV code {code!r} (CPV 2008, e.g. 45442110-1)")
    return code


def check_buyer_siret(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(stdnum_siret.validate(value))
    except NumberError:
        raise ValueError(f"not a valid SIRET: {value!r} (14 digits, Luhn checksum)") from None


class SiteCreate(ApiInput, SiteSpec):
    """A site of a lot: its id (e.g. a collège's UAI) is unique within the tender.

    `hours` may be null only in a tender read from a buyer's OCDS package whose items give no
    workload: the tender is then a draft, planned once every site has its hours.
    """

    hours: float | None = Field(  # type: ignore[assignment]
        default=None, gt=0, description="workload in hours; null only in a draft tender"
    )
    name: str = Field(default="", max_length=200)
    address: str | None = Field(default=None, max_length=300)
    commune: str | None = Field(default=None, max_length=100)
    territory: str | None = Field(default=None, max_length=100)
    windows: list[WindowIn] | None = Field(  # type: ignore[assignment]
        default=None,
        max_length=MAX_WINDOWS,
        description="when the site's hours are done (dates or a named period); its lot's when absent",
    )

    _windows = field_validator("windows")(check_windows)

    @model_validator(mode="after")
    def _hours_unless_draft(self, info: ValidationInfo) -> SiteCreate:
        if self.hours is None and not (info.context or {}).get("draft"):
            raise ValueError("hours: the site's workload in hours is required (> 0)")
        return self


class SitePublic(SiteSpec):
    hours: float | None = Field(  # type: ignore[assignment]
        description="workload in hours; null while the tender is a draft"
    )
    windows: list[WindowPublic] | None = Field(  # type: ignore[assignment]
        default=None, description="when the site's hours are done; null: its lot's"
    )


class LotCreate(ApiInput, LotSpec):
    # Narrows the problem's `list[Site]` to sites checked as API input (pydantic allows the override).
    sites: list[SiteCreate] = Field(min_length=1, max_length=MAX_SITES_PER_LOT)  # type: ignore[assignment]
    title: str = Field(default="", max_length=300)
    windows: list[WindowIn] | None = Field(  # type: ignore[assignment]
        default=None,
        max_length=MAX_WINDOWS,
        description="when the lot's hours are done, for its sites that give no windows of their own: "
        "dates (`start`, `end`) or a school holiday of zone C (`period`: `ete-2026`)",
        examples=[[{"period": "ete-2026"}, {"start": "2027-07-05", "end": "2027-08-27"}]],
    )

    _windows = field_validator("windows")(check_windows)

    @field_validator("cpv")
    @classmethod
    def _cpv(cls, value: str | None) -> str | None:
        return None if value is None else check_cpv(value)


def check_unique_ids(lots: list[LotCreate]) -> list[LotCreate]:
    """Lot and site ids unique within the tender, and at most `MAX_SITES_PER_TENDER` sites."""
    count = sum(len(lot.sites) for lot in lots)
    if count > MAX_SITES_PER_TENDER:
        raise ValueError(f"{count} sites: a tender has at most {MAX_SITES_PER_TENDER} sites")
    seen_lots: set[str] = set()
    seen_sites: set[str] = set()
    for lot in lots:
        if lot.id in seen_lots:
            raise ValueError(f"duplicate lot id {lot.id!r}")
        seen_lots.add(lot.id)
        for site in lot.sites:
            if site.id in seen_sites:
                raise ValueError(f"duplicate site id {site.id!r}: site ids are unique within a tender")
            seen_sites.add(site.id)
    return lots


class TenderBase(BaseModel):
    reference: str = Field(min_length=1, max_length=64, description="unique within the network")
    title: str = Field(min_length=1, max_length=300)
    buyer: str | None = Field(default=None, max_length=200)
    buyer_siret: str | None = Field(
        default=None, description="the buyer's SIRET (14 digits), its identifier in the forms and OCDS"
    )
    ocid: str | None = Field(
        default=None,
        max_length=128,
        description="the OCDS contracting process id the buyer published, kept by import and export",
    )
    kind: TenderKind
    cpv_codes: list[str] = Field(default_factory=list, max_length=50, examples=[["45442110-1"]])
    reserved: bool = Field(
        default=False,
        description="the whole tender is reserved to SIAE (Code de la commande publique, L2113-13): "
        "a lot without a reservation of its own (`lots[].reserved`) is planned as reserved to SIAE",
    )
    insertion_hours: float | None = Field(
        default=None,
        ge=0,
        description="insertion hours of the clause sociale as the buyer states them for the tender; "
        "the planner enforces each lot's `insertion_hours`, and a one-lot tender's lot without its own "
        "takes these",
    )
    deadline: AwareDatetime | None = Field(default=None, description="deadline for answers, with a time zone")
    execution_start: date | None = None
    execution_end: date | None = None
    estimated_value_eur: float | None = Field(default=None, ge=0)


class TenderHeader(ApiInput, TenderBase):
    """The tender without its lots: what a PATCH merges into and checks."""

    @field_validator("cpv_codes")
    @classmethod
    def _cpv_codes(cls, value: list[str]) -> list[str]:
        return [check_cpv(code) for code in value]

    _buyer_siret = field_validator("buyer_siret")(check_buyer_siret)

    @field_validator("execution_end")
    @classmethod
    def _after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("execution_start")
        if value is not None and start is not None and value < start:
            raise ValueError(f"execution ends before it starts ({start.isoformat()})")
        return value


class TenderCreate(TenderHeader):
    lots: list[LotCreate] = Field(min_length=1, max_length=MAX_LOTS)

    _unique = field_validator("lots")(check_unique_ids)


class TenderUpdate(ApiInput):
    """Header fields to change; `lots`, if given, replaces all lots and sites of the tender."""

    reference: str | None = None
    title: str | None = None
    buyer: str | None = None
    buyer_siret: str | None = None
    ocid: str | None = None
    kind: TenderKind | None = None
    cpv_codes: list[str] | None = None
    reserved: bool | None = None
    insertion_hours: float | None = None
    deadline: datetime | None = None
    execution_start: date | None = None
    execution_end: date | None = None
    estimated_value_eur: float | None = None
    lots: Annotated[list[LotCreate], Field(min_length=1, max_length=MAX_LOTS)] | None = None

    @field_validator("lots")
    @classmethod
    def _lots(cls, value: list[LotCreate] | None) -> list[LotCreate]:
        if value is None:
            raise ValueError("a tender has at least one lot; give the lots that replace the current ones")
        return check_unique_ids(value)


class LotPublic(LotSpec):
    """A lot as stored: the fields of the planning problem's lot, its sites' hours unknown in a draft."""

    sites: list[SitePublic]  # type: ignore[assignment]
    # A lot posted without work windows reads back as posted.
    windows: list[WindowPublic] | None = Field(default=None, exclude_if=lambda v: v is None)  # type: ignore[assignment]


class TenderSummary(TenderBase, Identified):
    lot_count: int
    site_count: int
    total_hours: float
    draft: bool = Field(
        default=False, description="some sites have no hours yet: the tender cannot be planned"
    )
    created_at: datetime
    updated_at: datetime


class TenderPublic(TenderSummary):
    lots: list[LotPublic]
    accepted: AcceptedGrouping | None = Field(default=None, description="the grouping accepted from a plan")


class TendersPublic(Paging):
    items: list[TenderSummary]
