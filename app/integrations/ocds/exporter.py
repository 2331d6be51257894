"""Writing a tender, and the joint bid of its accepted grouping, as an OCDS release package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.integrations.communes import find_commune
from app.integrations.ocds.importer import SECTOR_SCHEME
from app.integrations.parties import PartyInfo, answered_lots, assigned_values
from app.reference import cpv_codes, cpv_full
from solver.plan import Grouping
from solver.reference import sectors

# The extensions the export uses, at the version whose schema the service validates against offline
# (app/integrations/schemas). Lots, bids and location at their frozen release v1.1.5. The extension
# registry (open-contracting/extension_registry, extension_versions.csv) publishes no frozen release of
# subcontracting (only `master`) nor of the European Union extension (only `1.1`, its line for OCDS
# 1.1): those are declared at that single version, and the copy validated against is shipped.
# The European Union extension defines the party role `leadTenderer` (its +partyRole.csv): the
# mandataire of a groupement; subcontracting defines `subcontractor`.
EXTENSION_BASE = "https://raw.githubusercontent.com/open-contracting-extensions"
EXTENSION_VERSIONS = {
    "ocds_lots_extension": "v1.1.5",
    "ocds_bid_extension": "v1.1.5",
    "ocds_location_extension": "v1.1.5",
    "ocds_subcontracting_extension": "master",
    "ocds_eu_extension": "1.1",
}
EXTENSIONS = [
    f"{EXTENSION_BASE}/{name}/{version}/extension.json" for name, version in EXTENSION_VERSIONS.items()
]
# A network has no registered OCID prefix of its own: `ocds-xxxxxx` is the standard's placeholder.
DEFAULT_OCID_PREFIX = "ocds-xxxxxx"


@dataclass
class JointBid:
    """The accepted grouping: its members with their revenue, its mandataire, its subcontracting lines."""

    mandataire: str
    members: dict[str, float]  # structure id -> value of its sites in euros excluding VAT
    lots: list[str]
    subcontracts: list[tuple[str, str, float]]  # (co-traitant, sous-traitant, value in euros)
    parties: dict[str, PartyInfo] = field(default_factory=dict)


def joint_bid(grouping: Grouping, tender: dict[str, Any], parties: dict[str, PartyInfo]) -> JointBid:
    """The joint bid of a grouping: its members' revenue, the lots it answers, its subcontracting."""
    return JointBid(
        mandataire=grouping.mandataire,
        members=assigned_values(grouping, tender),
        lots=answered_lots(grouping, tender),
        subcontracts=[(s.from_, s.to, s.value_eur) for s in grouping.subcontracts],
        parties=parties,
    )


def _eur(amount: float) -> dict[str, Any]:
    return {"amount": round(amount, 2), "currency": "EUR"}


def _day(value: Any) -> str:
    """A calendar date as an OCDS date-time: midnight UTC, as OCDS writes dates without a time."""
    text = value if isinstance(value, str) else value.isoformat()
    return f"{text[:10]}T00:00:00Z"


def _cpv_short(code: str) -> str:
    return code.split("-")[0]


def _cpv_label(code: str) -> str | None:
    full = cpv_full(_cpv_short(code))
    return cpv_codes()[full] if full else None


def _classifications(lot: dict[str, Any]) -> dict[str, Any]:
    """What every item of a lot states alike: its CPV code and its trade (built once per lot)."""
    out: dict[str, Any] = {}
    if lot.get("cpv"):
        classification = {"scheme": "CPV", "id": _cpv_short(lot["cpv"])}
        label = _cpv_label(lot["cpv"])
        if label:
            classification["description"] = label
        out["classification"] = classification
    trade = lot.get("trade")
    if trade:
        sector = sectors().get(trade)
        entry = {"scheme": SECTOR_SCHEME, "id": trade}
        if sector:
            entry["description"] = sector[0]
        out["additionalClassifications"] = [entry]
    return out


def _insee(commune_name: str | None, known: dict[str | None, str | None]) -> str | None:
    """The INSEE code of a site's commune, looked up once per commune name of the export."""
    if commune_name not in known:
        commune = find_commune(name=commune_name)
        known[commune_name] = None if commune is None else commune.insee
    return known[commune_name]


def _item(
    site: dict[str, Any],
    lot_id: str,
    classifications: dict[str, Any],
    insee_codes: dict[str | None, str | None],
) -> dict[str, Any]:
    # A draft's site has no hours yet: its item then states no quantity.
    hours = None if site.get("hours") is None else float(site["hours"])
    name = site.get("name") or str(site["id"])
    item: dict[str, Any] = {"id": str(site["id"]), "description": name}
    # Each item has its own copies: a caller may change one item of the package without the others.
    if "classification" in classifications:
        item["classification"] = dict(classifications["classification"])
    if "additionalClassifications" in classifications:
        item["additionalClassifications"] = [dict(e) for e in classifications["additionalClassifications"]]
    # OCDS has no workload: the quantity is the site's hours, priced so that quantity × price = value.
    if hours is not None:
        item["quantity"] = hours
        item["unit"] = {
            "scheme": "UNCEFACT",
            "id": "HUR",
            "name": "hours",
            "value": {"amount": float(site.get("value_eur") or 0) / hours, "currency": "EUR"},
        }
    location: dict[str, Any] = {
        "description": name,
        "geometry": {"type": "Point", "coordinates": [float(site["lon"]), float(site["lat"])]},
    }
    commune = site.get("commune")
    insee = _insee(commune, insee_codes)
    if insee is not None:
        location["gazetteer"] = {"scheme": "INSEE", "identifiers": [insee]}
    item["deliveryLocation"] = location
    address: dict[str, Any] = {}
    if site.get("address"):
        address["streetAddress"] = site["address"]
    if commune:
        address["locality"] = commune
    if site.get("territory"):
        address["region"] = site["territory"]
    address["countryName"] = "France"
    item["deliveryAddress"] = address
    item["relatedLot"] = lot_id
    return item


def _items(lots: list[dict[str, Any]], check: Callable[[], None]) -> list[dict[str, Any]]:
    """Every site of every lot as an item, in order: linear in the sites (a tender has up to 100 000)."""
    insee_codes: dict[str | None, str | None] = {}
    items: list[dict[str, Any]] = []
    for lot in lots:
        check()
        lot_id = str(lot["id"])
        classifications = _classifications(lot)
        items.extend(_item(site, lot_id, classifications, insee_codes) for site in lot["sites"])
    return items


def _lot(lot: dict[str, Any], value: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(lot["id"]),
        "title": lot.get("title") or str(lot["id"]),
        "status": "active",
        "value": _eur(value),
    }
    if lot.get("reserved"):
        # L2113-12 (handicap) and L2113-13 (SIAE) are the reservations of article 20 of directive
        # 2014/24/EU: the codelist's `shelteredWorkshop` (sheltered workshops and operators integrating
        # disabled or disadvantaged persons).
        out["otherRequirements"] = {"reservedParticipation": ["shelteredWorkshop"]}
    hours = lot.get("insertion_hours")
    if hours:
        # The clause sociale (L2112-2): OCDS has no field for its hours; stated in words and as a number.
        hours_text = f"{hours:,.0f}".replace(",", " ")
        out["description"] = f"Clause sociale d'insertion : {hours_text} heures d'insertion à réaliser."
        out["insertionHours"] = hours
    return out


def _party_id(info: PartyInfo, taken: set[str]) -> str:
    base = f"FR-RCS-{info.siret}" if info.siret else f"planner-structure-{info.id}"
    # One SIRET may hold two conventions (an EI and an ACI): the kind tells them apart.
    party_id = base if base not in taken else f"{base}-{info.kind or info.id}"
    taken.add(party_id)
    return party_id


def _party(info: PartyInfo, party_id: str, roles: list[str]) -> dict[str, Any]:
    party: dict[str, Any] = {"id": party_id, "name": info.name, "roles": roles}
    if info.siret:
        party["identifier"] = {"scheme": "FR-RCS", "id": info.siret, "legalName": info.name}
        # FR-RCS is what back-offices expect; FR-SIRET says what the number is, since many SIAE are
        # associations, which the RCS does not register.
        party["additionalIdentifiers"] = [{"scheme": "FR-SIRET", "id": info.siret}]
    address = {"streetAddress": info.address, "locality": info.commune, "postalCode": info.postcode}
    if any(address.values()):
        party["address"] = {**{k: v for k, v in address.items() if v}, "countryName": "France"}
    return party


def _bid(reference: str, bid: JointBid, parties: list[dict[str, Any]]) -> dict[str, Any]:
    ids: dict[str, str] = {}
    taken: set[str] = set()
    roles: dict[str, list[str]] = {}
    order = [bid.mandataire, *[m for m in bid.members if m != bid.mandataire]]
    for structure in order:
        roles[structure] = ["leadTenderer", "tenderer"] if structure == bid.mandataire else ["tenderer"]
    for _, to, _ in bid.subcontracts:
        roles.setdefault(to, [])
        if "subcontractor" not in roles[to]:
            roles[to].append("subcontractor")
    for structure, structure_roles in roles.items():
        info = bid.parties.get(structure) or PartyInfo(id=structure, name=structure)
        ids[structure] = _party_id(info, taken)
        parties.append(_party(info, ids[structure], structure_roles))

    def ref(structure: str) -> dict[str, str]:
        info = bid.parties.get(structure)
        return {"id": ids[structure], "name": info.name if info else structure}

    detail: dict[str, Any] = {
        "id": f"{reference}-GME",
        "status": "pending",
        "tenderers": [ref(s) for s in order],
        "value": _eur(sum(bid.members.values())),
        "relatedLots": list(bid.lots),
        "hasSubcontracting": bool(bid.subcontracts),
    }
    if bid.subcontracts:
        detail["subcontracting"] = {
            "value": _eur(sum(value for _, _, value in bid.subcontracts)),
            "subcontracts": [
                {"id": str(n), "subcontractor": ref(to), "mainContractors": [ref(frm)]}
                for n, (frm, to, _) in enumerate(bid.subcontracts, start=1)
            ],
        }
    return {"details": [detail]}


def export_package(
    tender: dict[str, Any],
    bid: JointBid | None = None,
    *,
    uri: str,
    publisher: str,
    ocid_prefix: str = DEFAULT_OCID_PREFIX,
    now: datetime | None = None,
    check: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """A release package for `tender` (the tender payload shape: reference, title, kind, lots, sites).

    `check` is called before each lot's items are written (it raises to stop the export)."""
    stamp = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    reference = str(tender["reference"])
    # The buyer's ocid, when the tender came from its package, names the same contracting process.
    ocid = tender.get("ocid") or f"{ocid_prefix}-{reference}"
    lots = tender["lots"]
    items = _items(lots, check)
    lot_values = {str(lot["id"]): sum(float(s.get("value_eur") or 0) for s in lot["sites"]) for lot in lots}
    kind = tender["kind"]
    ocds_tender: dict[str, Any] = {
        "id": reference,
        "title": tender.get("title") or reference,
        "status": "active",
        "mainProcurementCategory": "works" if kind == "works" else "services",
        "value": _eur(tender.get("estimated_value_eur") or sum(lot_values.values())),
        "items": items,
        "lots": [_lot(lot, lot_values[str(lot["id"])]) for lot in lots],
    }
    if kind == "staffing":
        ocds_tender["additionalProcurementCategories"] = ["staffing"]
    period = {"startDate": tender.get("execution_start"), "endDate": tender.get("execution_end")}
    if any(period.values()):
        ocds_tender["contractPeriod"] = {k: _day(v) for k, v in period.items() if v}
    if tender.get("deadline"):
        deadline = tender["deadline"]
        ocds_tender["tenderPeriod"] = {
            "endDate": deadline if isinstance(deadline, str) else deadline.isoformat()
        }
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{reference}-{stamp}",
        "date": stamp,
        "tag": ["tender"],
        "initiationType": "tender",
        "language": "fr",
        "tender": ocds_tender,
    }
    parties: list[dict[str, Any]] = []
    if tender.get("buyer"):
        siret = tender.get("buyer_siret")
        buyer = {"id": f"FR-RCS-{siret}" if siret else "buyer", "name": tender["buyer"]}
        party: dict[str, Any] = {**buyer, "roles": ["buyer", "procuringEntity"]}
        if siret:
            # FR-RCS as org-id.guide lists French organisations; the SIRET as its value where no RCS
            # number is known, as the DECP conversions do; FR-SIRET says what the number is.
            party["identifier"] = {"scheme": "FR-RCS", "id": siret, "legalName": tender["buyer"]}
            party["additionalIdentifiers"] = [{"scheme": "FR-SIRET", "id": siret}]
        parties.append(party)
        release["buyer"] = buyer
        ocds_tender["procuringEntity"] = buyer
    if bid is not None:
        release["bids"] = _bid(reference, bid, parties)
    if parties:
        release["parties"] = parties
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": stamp,
        "publisher": {"name": publisher},
        "extensions": EXTENSIONS,
        "releases": [release],
    }
