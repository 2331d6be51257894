"""The Seine-Saint-Denis demo records, read from the files shipped in `app/demo/data/`.

Field names are those of the planning problem (`solver.problem`), plus what a directory keeps about a
structure or a collège (SIRET, address, commune, insertion FTE). The files are built by
`scripts/derive_demo_data.py`; their sources, licences and illustrative columns are in `data/README.md`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

from solver.problem import Lot, Options, PlanningProblem, Site, StructureKind, StructureSpec, TenderSpec

# The columns of `siae_93_illustrative.csv` and of the collèges' needs: not public, derived.
ILLUSTRATIVE_STRUCTURE_FIELDS = (
    "insertion_fte",
    "annual_turnover_eur",
    "can_lead",
    "max_distance_km",
    "capacities",
    "insertion_rate",
    "annual_charges_eur",
    "commercial_revenue_eur",
    "mad_rate_eur_per_hour",
    "mad_staff",
)
ILLUSTRATIVE_NOTE = (
    "Les métiers, capacités, chiffres d'affaires, ETP et taux d'insertion, distances, charges et "
    "recettes des ACI, tarifs et effectifs de mise à disposition des AI et ETTI, la plupart des formes "
    "juridiques et les besoins des collèges sont illustratifs : ils ne sont pas publics et ont été "
    "déduits des noms, des codes NAF et d'un hachage stable."
)


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    postcodes: tuple[str, ...]
    ept: str
    population_2021: int
    lat: float
    lon: float
    merged_into: str | None = None


@dataclass(frozen=True)
class College:
    """A public collège (public data) and its needs in the demo tenders (illustrative)."""

    uai: str
    name: str
    address: str
    postcode: str
    commune_insee: str
    commune: str
    lat: float
    lon: float
    territory: str
    size_class: str
    painting_hours: int
    cleaning_replacement_hours: int
    catering_replacement_hours: int
    textile_pilot: bool

    def site(self, hours: float, value_eur: float, suffix: str = "") -> Site:
        """This collège as a site of a tender; `suffix` keeps site ids unique across lots."""
        return Site(
            id=self.uai + suffix,
            name=self.name,
            address=f"{self.address}, {self.postcode} {self.commune}",
            commune=self.commune,
            lat=self.lat,
            lon=self.lon,
            territory=self.territory,
            hours=hours,
            value_eur=value_eur,
        )


@dataclass(frozen=True)
class StructureRecord:
    """A structure of the directory, identified by (SIRET, kind): one SIRET may hold two conventions."""

    id: str
    siret: str
    kind: str
    name: str
    brand: str
    naf: str
    legal_form_published: str
    address: str
    postcode: str
    commune_insee: str
    commune: str
    lat: float
    lon: float
    territory: str
    labels: tuple[str, ...]
    insertion_fte: float
    annual_turnover_eur: float
    can_lead: bool
    max_distance_km: float
    capacities: dict[str, float] = field(hash=False)
    trades_basis: str
    legal_form: str
    legal_form_basis: str
    insertion_rate: float
    annual_charges_eur: float | None
    commercial_revenue_eur: float | None
    mad_rate_eur_per_hour: float | None
    mad_staff: int | None
    illustrative: tuple[str, ...] = ILLUSTRATIVE_STRUCTURE_FIELDS

    @property
    def siren(self) -> str:
        return self.siret[:9]

    @property
    def display_name(self) -> str:
        # Some brands are bare numbers in the source file: the legal name reads better then.
        return self.brand if any(c.isalpha() for c in self.brand) else self.name

    def spec(self, trades: frozenset[str] | None = None) -> StructureSpec:
        """The structure as the planner sees it; `trades` keeps only the capacities a tender needs."""
        capacities = {t: h for t, h in self.capacities.items() if trades is None or t in trades}
        return StructureSpec(
            id=self.id,
            siret=self.siret,
            name=self.display_name,
            kind=StructureKind(self.kind),
            labels=list(self.labels),
            lat=self.lat,
            lon=self.lon,
            territory=self.territory,
            annual_turnover_eur=self.annual_turnover_eur,
            can_lead=self.can_lead,
            max_distance_km=self.max_distance_km,
            capacities=capacities,
            legal_form=self.legal_form,
            insertion_rate=self.insertion_rate,
            annual_charges_eur=self.annual_charges_eur,
            commercial_revenue_eur=self.commercial_revenue_eur,
            mad_rate_eur_per_hour=self.mad_rate_eur_per_hour,
            mad_staff=self.mad_staff,
        )


@dataclass(frozen=True)
class TenderRecord:
    """A tender as a back-office records it: the planning fields plus buyer and CPV codes."""

    reference: str
    title: str
    kind: str
    buyer: str
    cpv: tuple[str, ...]
    lots: tuple[Lot, ...]
    execution: tuple[date, date]
    description: str = ""

    def spec(self) -> TenderSpec:
        return TenderSpec(
            reference=self.reference,
            title=self.title,
            kind=self.kind,
            execution_start=self.execution[0],
            execution_end=self.execution[1],
            lots=list(self.lots),
        )


@dataclass(frozen=True)
class Scenario:
    """A demo scenario: the tender, the structures invited to answer it and the planning options."""

    name: str
    tender: TenderRecord
    structures: tuple[StructureRecord, ...]
    options: Options
    story: str
    notes: tuple[str, ...] = field(default=(ILLUSTRATIVE_NOTE,))

    def trades(self) -> frozenset[str]:
        return frozenset(lot.trade for lot in self.tender.lots)

    def problem(self) -> PlanningProblem:
        trades = self.trades()
        return PlanningProblem(
            tender=self.tender.spec(),
            structures=[record.spec(trades) for record in self.structures],
            options=self.options,
        )


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _flag(value: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError(f"expected true or false, got {value!r}")
    return value == "true"


@cache
def communes() -> tuple[Commune, ...]:
    return tuple(
        Commune(
            insee=row["insee"],
            name=row["name"],
            postcodes=tuple(row["postcodes"].split("|")),
            ept=row["ept"],
            population_2021=int(row["population_2021"]),
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            merged_into=row["merged_into"] or None,
        )
        for row in _rows("communes_93.csv")
    )


@cache
def colleges() -> tuple[College, ...]:
    needs = {row["uai"]: row for row in _rows("colleges_93_needs_illustrative.csv")}
    out = []
    for row in _rows("colleges_93.csv"):
        need = needs[row["uai"]]
        out.append(
            College(
                uai=row["uai"],
                name=row["name"],
                address=row["address"],
                postcode=row["postcode"],
                commune_insee=row["commune_insee"],
                commune=row["commune"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                territory=row["territory"],
                size_class=need["size_class"],
                painting_hours=int(need["painting_hours"]),
                cleaning_replacement_hours=int(need["cleaning_replacement_hours"]),
                catering_replacement_hours=int(need["catering_replacement_hours"]),
                textile_pilot=_flag(need["textile_pilot"]),
            )
        )
    return tuple(out)


def _optional(text: str) -> float | None:
    return float(text) if text else None


def _capacities(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in text.split("|") if text else ():
        trade, hours = item.rsplit(":", 1)
        out[trade] = float(hours)
    return out


@cache
def structures() -> tuple[StructureRecord, ...]:
    extra = {(row["siret"], row["kind"]): row for row in _rows("siae_93_illustrative.csv")}
    out = []
    for row in _rows("siae_93.csv"):
        more = extra[(row["siret"], row["kind"])]
        out.append(
            StructureRecord(
                id=f"{row['siret']}-{row['kind']}",
                siret=row["siret"],
                kind=row["kind"],
                name=row["name"],
                brand=row["brand"],
                naf=row["naf"],
                legal_form_published=row["legal_form"],
                address=row["address"],
                postcode=row["postcode"],
                commune_insee=row["commune_insee"],
                commune=row["commune"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                territory=row["territory"],
                labels=tuple(row["labels"].split("|")) if row["labels"] else (),
                insertion_fte=float(more["insertion_fte"]),
                annual_turnover_eur=float(more["annual_turnover_eur"]),
                can_lead=_flag(more["can_lead"]),
                max_distance_km=float(more["max_distance_km"]),
                capacities=_capacities(more["capacities"]),
                trades_basis=more["trades_basis"],
                legal_form=more["legal_form"],
                legal_form_basis=more["legal_form_basis"],
                insertion_rate=float(more["insertion_rate"]),
                annual_charges_eur=_optional(more["annual_charges_eur"]),
                commercial_revenue_eur=_optional(more["commercial_revenue_eur"]),
                mad_rate_eur_per_hour=_optional(more["mad_rate_eur_per_hour"]),
                mad_staff=int(more["mad_staff"]) if more["mad_staff"] else None,
            )
        )
    return tuple(out)


def structure(structure_id: str) -> StructureRecord:
    for record in structures():
        if record.id == structure_id:
            return record
    raise KeyError(f"no demo structure {structure_id!r}")
