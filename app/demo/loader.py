"""Load the demo scenarios into the database through the structures and tenders services.

The records go through the API's own schemas (`StructureCreate`, `TenderCreate`), so the demo data are
checked exactly as a back-office's would be. Loading is idempotent: a structure is found again by
(SIRET, kind) and a tender by its reference, then left alone when unchanged or updated in place.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from sqlmodel import Session, select

from app.demo.records import Scenario, StructureRecord
from app.demo.scenarios import BUYER, NETWORK_NAME, NETWORK_SLUG
from app.networks.service import get_or_create_network
from app.structures import service as structures
from app.structures.models import Structure
from app.structures.schemas import StructureCreate, StructureUpdate
from app.tenders import service as tenders
from app.tenders.models import Tender
from app.tenders.schemas import TenderCreate, TenderUpdate

Outcome = Literal["created", "updated", "unchanged"]


@dataclass
class LoadedScenario:
    """Where a scenario landed in the database."""

    scenario: Scenario
    tender_id: int
    # demo record id ("SIRET-kind") -> the structure's id in the database, as plans name it
    structure_ids: dict[str, str]


@dataclass
class Loaded:
    network_id: int
    scenarios: list[LoadedScenario]
    # every structure of the network, by its id as plans name it
    network_structures: set[str] = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)

    def excluded(self, loaded: LoadedScenario) -> list[str]:
        """The network's structures that were not invited to answer this scenario's tender."""
        invited = set(loaded.structure_ids.values())
        return sorted(self.network_structures - invited, key=int)


def structure_create(record: StructureRecord) -> StructureCreate:
    return StructureCreate.model_validate(
        {
            "siret": record.siret,
            "name": record.display_name,
            "kind": record.kind,
            "labels": list(record.labels),
            "address": record.address or None,
            "postcode": record.postcode or None,
            "commune_insee": record.commune_insee or None,
            "lat": record.lat,
            "lon": record.lon,
            "territory": record.territory or None,
            "annual_turnover_eur": record.annual_turnover_eur,
            "insertion_fte": record.insertion_fte,
            "legal_form": record.legal_form,
            "insertion_rate": record.insertion_rate,
            "annual_charges_eur": record.annual_charges_eur,
            "commercial_revenue_eur": record.commercial_revenue_eur,
            "mad_rate_eur_per_hour": record.mad_rate_eur_per_hour,
            "mad_staff": record.mad_staff,
            "can_lead": record.can_lead,
            "max_distance_km": record.max_distance_km,
            "capacities": record.capacities,
        }
    )


def tender_create(scenario: Scenario) -> TenderCreate:
    tender = scenario.tender
    return TenderCreate.model_validate(
        {
            "reference": tender.reference,
            "title": tender.title,
            "buyer": tender.buyer or BUYER,
            "kind": tender.kind,
            "cpv_codes": list(tender.cpv),
            "execution_start": tender.execution[0],
            "execution_end": tender.execution[1],
            # The demo tenders are reserved to SIAE (L2113-13): only SIAE answer them.
            "reserved": True,
            "lots": [lot.model_dump() for lot in tender.lots],
        }
    )


def upsert_structure(session: Session, network_id: int, record: StructureRecord) -> tuple[int, Outcome]:
    data = structure_create(record)
    found = [
        s
        for s in structures.list_structures(session, network_id, siret=data.siret).items
        if s.kind == data.kind
    ]
    if not found:
        return structures.create(session, network_id, data).id, "created"
    current = found[0]
    wanted = data.model_dump()
    if current.model_dump(include=set(wanted)) == wanted:
        return current.id, "unchanged"
    structures.update(session, network_id, current.id, StructureUpdate.model_validate(wanted))
    return current.id, "updated"


def upsert_tender(session: Session, network_id: int, scenario: Scenario) -> tuple[int, Outcome]:
    data = tender_create(scenario)
    tender_id = session.exec(
        select(Tender.id).where(Tender.network_id == network_id, Tender.reference == data.reference)
    ).first()
    if tender_id is None:
        return tenders.create(session, network_id, data).id, "created"
    wanted = data.model_dump()
    # Unset fields compared as absent: a lot read back leaves out the work windows it was not given.
    current = tenders.read(session, network_id, tender_id).model_dump(include=set(wanted), exclude_none=True)
    if current == data.model_dump(exclude_none=True):
        return tender_id, "unchanged"
    tenders.update(session, network_id, tender_id, TenderUpdate.model_validate(wanted))
    return tender_id, "updated"


def load(session: Session, scenarios: list[Scenario]) -> Loaded:
    """Put the network, the scenarios' structures and their tenders in the database."""
    network = get_or_create_network(session, NETWORK_SLUG, NETWORK_NAME)
    assert network.id is not None
    counts: Counter[str] = Counter()
    ids: dict[str, int] = {}
    out = []
    for scenario in scenarios:
        for record in scenario.structures:
            # A structure invited to several tenders is loaded once.
            if record.id not in ids:
                ids[record.id], outcome = upsert_structure(session, network.id, record)
                counts[f"structures {outcome}"] += 1
        tender_id, outcome = upsert_tender(session, network.id, scenario)
        counts[f"tenders {outcome}"] += 1
        out.append(LoadedScenario(scenario, tender_id, {r.id: str(ids[r.id]) for r in scenario.structures}))
    everyone = session.exec(select(Structure.id).where(Structure.network_id == network.id)).all()
    return Loaded(network.id, out, {str(i) for i in everyone}, counts)
