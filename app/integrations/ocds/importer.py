"""Reading a tender (lots and sites) out of an OCDS release package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.integrations.communes import locate_commune, territories
from app.integrations.ocds.validation import SchemaError, validate_package
from app.reference import cpv_full
from solver.problem import TenderKind
from solver.reference import sector_slugs

SECTOR_SCHEME = "X-INCLUSION-SECTOR"
HOUR_UNIT_IDS = {"HUR"}
HOUR_UNIT_NAMES = {"h", "hour", "hours", "heure", "heures"}

# A buyer's package rarely names a trade: these CPV prefixes name the trade a network's members hold
# for the markets they usually answer. The coordinator corrects it afterwards if needed.
CPV_TRADES: tuple[tuple[str, str], ...] = (
    ("45442", "peinture-revetement-des-murs"),
    ("45421", "menuiserie"),
    ("9091", "nettoyage-de-locaux-16"),
    ("9092", "nettoyage-de-locaux-16"),
    ("5551", "restauration-collective"),
    ("5552", "restauration-collective"),
    ("5532", "restauration-collective"),
    ("7731", "creation-et-entretien-des-espaces-verts"),
    ("18", "textiles-30"),
)


class OcdsImportError(ValueError):
    """The package cannot become a tender; `errors` names each offending field."""

    def __init__(self, errors: list[SchemaError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def _latest_tender_release(package: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    candidates = [(i, r) for i, r in enumerate(package["releases"]) if isinstance(r.get("tender"), dict)]
    if not candidates:
        raise OcdsImportError([SchemaError("releases", "no release has a tender")])
    # Releases of one contracting process follow each other: the latest carries the current tender.
    return max(candidates, key=lambda pair: (pair[1].get("date") or "", pair[0]))


def _kind(tender: dict[str, Any], where: str, errors: list[SchemaError]) -> str | None:
    category = tender.get("mainProcurementCategory")
    if category == "works":
        return "works"
    if category == "services":
        return (
            "staffing" if "staffing" in (tender.get("additionalProcurementCategories") or []) else "services"
        )
    if category == "goods":
        # OCDS `goods` is the supplies of the Code de la commande publique (L1111-3).
        if "supplies" in {k.value for k in TenderKind}:
            return "supplies"
        errors.append(SchemaError(f"{where}.mainProcurementCategory", "goods tenders are not planned yet"))
        return None
    errors.append(
        SchemaError(
            f"{where}.mainProcurementCategory", "required to choose the tender kind: works, services or goods"
        )
    )
    return None


def _is_hours(unit: dict[str, Any]) -> bool:
    return str(unit.get("id") or "").upper() in HOUR_UNIT_IDS or (
        str(unit.get("name") or "").strip().lower() in HOUR_UNIT_NAMES
    )


def _unit_name(unit: dict[str, Any]) -> str:
    return str(unit.get("name") or unit.get("id") or "unité")


def _cpv(item: dict[str, Any]) -> str | None:
    for c in [item.get("classification") or {}, *(item.get("additionalClassifications") or [])]:
        if str(c.get("scheme") or "").upper() == "CPV" and c.get("id"):
            code = str(c["id"]).strip()
            # OCDS writes the 8 digits; the project writes CPV codes with their check digit.
            return cpv_full(code) or code
    return None


def _trade(item: dict[str, Any]) -> str | None:
    for c in item.get("additionalClassifications") or []:
        if c.get("scheme") == SECTOR_SCHEME and c.get("id"):
            return str(c["id"])
    return None


def _trade_from_cpv(cpv: str | None) -> str | None:
    if not cpv:
        return None
    return next((trade for prefix, trade in CPV_TRADES if cpv.startswith(prefix)), None)


@dataclass
class LocatedSite:
    """A site placed from its address, and what named its commune."""

    site: str
    how: str  # insee (deliveryLocation.gazetteer), locality or postcode (deliveryAddress)
    commune: str
    insee: str


@dataclass
class Workload:
    """How a site's hours were read: the item's quantity in hours, or quantity × hours per unit."""

    site: str
    quantity: float | None
    unit: str
    hours: float | None
    source: str  # quantity_in_hours, hours_per_unit, unknown


@dataclass
class PackageImport:
    """The tender read from a package, with what was located and how each workload was found."""

    tender: dict[str, Any]
    ocid: str
    located: list[LocatedSite] = field(default_factory=list)
    workloads: list[Workload] = field(default_factory=list)

    @property
    def sites_without_hours(self) -> list[str]:
        return [w.site for w in self.workloads if w.hours is None]


def _site(
    item: dict[str, Any], where: str, errors: list[SchemaError], located: list[LocatedSite]
) -> tuple[dict[str, Any], float | None, dict[str, Any]]:
    """The site of an item, its hours left to the lot (they may depend on its trade)."""
    unit = item.get("unit") or {}
    raw = item.get("quantity")
    quantity = float(raw) if isinstance(raw, int | float) else None
    price = (unit.get("value") or {}).get("amount")
    value = round(float(price) * quantity, 2) if quantity is not None and price is not None else 0.0

    address = item.get("deliveryAddress") or {}
    location = item.get("deliveryLocation") or {}
    gazetteer = location.get("gazetteer") or {}
    insee = (
        next(iter(gazetteer.get("identifiers") or []), None) if gazetteer.get("scheme") == "INSEE" else None
    )
    commune, how = locate_commune(
        insee=insee, postcode=address.get("postalCode"), name=address.get("locality")
    )
    geometry = location.get("geometry") or {}
    coordinates = geometry.get("coordinates") or []
    lat: float | None = None
    lon: float | None = None
    site_id = str(item["id"])
    if geometry.get("type") == "Point" and len(coordinates) >= 2:
        lon, lat = float(coordinates[0]), float(coordinates[1])
    elif commune is not None and how is not None:
        lat, lon = commune.lat, commune.lon
        located.append(LocatedSite(site_id, how, commune.name, commune.insee))
    else:
        errors.append(
            SchemaError(
                f"{where}.deliveryLocation",
                "the site's position is required: a GeoJSON Point, or an INSEE code, postcode or "
                "commune of the communes the service knows",
            )
        )
    region = address.get("region")
    territory = region if region in territories() else (commune.territory if commune else None)
    site = {
        "id": site_id,
        "name": item.get("description") or "",
        "address": address.get("streetAddress"),
        "commune": address.get("locality") or (commune.name if commune else None),
        "lat": lat,
        "lon": lon,
        "territory": territory,
        "hours": None,
        "value_eur": value,
    }
    return site, quantity, unit


def _hours(
    site: dict[str, Any],
    quantity: float | None,
    unit: dict[str, Any],
    trade: str | None,
    hours_per_unit: dict[str, float],
) -> Workload:
    """Workload in hours: the quantity when it is in hours, else quantity × the trade's hours per unit
    (a productivity the coordinator gives: `*` stands for every trade), else unknown (a draft)."""
    name = _unit_name(unit)
    if quantity is not None and quantity > 0 and _is_hours(unit):
        hours: float | None = quantity
        source = "quantity_in_hours"
    else:
        rate = hours_per_unit.get(trade or "", hours_per_unit.get("*"))
        if quantity is not None and quantity > 0 and rate is not None:
            hours, source = round(quantity * rate, 4), "hours_per_unit"
        else:
            hours, source = None, "unknown"
    site["hours"] = hours
    return Workload(str(site["id"]), quantity, name, hours, source)


def read_package(
    package: Any,
    *,
    default_trade: str | None = None,
    hours_per_unit: dict[str, float] | None = None,
    check: Callable[[], None] = lambda: None,
) -> PackageImport:
    """The tender described by a release package, shaped as the tender creation payload.

    Items in any unit are read: the workload comes from the quantity when it is in hours, else from
    `hours_per_unit` (trade -> hours per unit of the item, `*` for every trade), else it stays unknown
    and the tender is a draft. Raises `OcdsImportError` listing the schema errors, or else every field
    the planner needs and the package lacks. `check` is called every thousand items (it raises to stop
    the reading).
    """
    schema_errors = validate_package(package)
    if schema_errors:
        raise OcdsImportError(schema_errors)
    check()
    index, release = _latest_tender_release(package)
    tender = release["tender"]
    where = f"releases[{index}].tender"
    errors: list[SchemaError] = []
    kind = _kind(tender, where, errors)
    located: list[LocatedSite] = []

    lots: dict[str, dict[str, Any]] = {}
    lot_paths: dict[str, str] = {}
    for n, lot in enumerate(tender.get("lots") or []):
        lots[str(lot["id"])] = {"id": str(lot["id"]), "title": lot.get("title") or "", "sites": []}
        lot_paths[str(lot["id"])] = f"{where}.lots[{n}]"
    items = tender.get("items") or []
    if not items:
        errors.append(SchemaError(f"{where}.items", "a tender needs at least one item: its sites"))
    trades: dict[str, str | None] = {}
    cpvs: dict[str, str | None] = {}
    quantities: dict[str, list[tuple[dict[str, Any], float | None, dict[str, Any]]]] = {}
    for i, item in enumerate(items):
        if i % 1000 == 0:
            check()
        item_where = f"{where}.items[{i}]"
        lot_id = item.get("relatedLot")
        if lot_id is None:
            # A tender without lots is one lot: the whole tender.
            lot_id = str(tender.get("id") or "1")
            lots.setdefault(lot_id, {"id": lot_id, "title": tender.get("title") or "", "sites": []})
            lot_paths.setdefault(lot_id, f"{where}.items")
        lot_id = str(lot_id)
        if lot_id not in lots:
            errors.append(SchemaError(f"{item_where}.relatedLot", f"no lot {lot_id!r} in tender.lots"))
            continue
        site, quantity, unit = _site(item, item_where, errors, located)
        lots[lot_id]["sites"].append(site)
        quantities.setdefault(lot_id, []).append((site, quantity, unit))
        if lot_id not in cpvs:
            # A lot's CPV code is its first item's: read once per lot.
            cpvs[lot_id] = _cpv(item)
        if trades.get(lot_id) is None:
            trades[lot_id] = _trade(item)

    workloads: list[Workload] = []
    for lot_id, lot in lots.items():
        cpv = cpvs.get(lot_id)
        trade = trades.get(lot_id) or _trade_from_cpv(cpv) or default_trade
        lot_where = lot_paths[lot_id]
        if not lot["sites"]:
            errors.append(SchemaError(lot_where, f"lot {lot_id!r} has no item: no site to plan"))
        elif trade is None:
            errors.append(
                SchemaError(
                    lot_where,
                    f"lot {lot_id!r}: no trade: give an item an additionalClassifications entry with scheme "
                    f"{SECTOR_SCHEME} and a sector slug, or the import's default trade",
                )
            )
        elif trade not in sector_slugs():
            errors.append(SchemaError(lot_where, f"lot {lot_id!r}: unknown trade {trade!r}"))
        lot["trade"] = trade
        lot["cpv"] = cpv
        for site, quantity, unit in quantities.get(lot_id, []):
            workloads.append(_hours(site, quantity, unit, trade, hours_per_unit or {}))
    if errors:
        raise OcdsImportError(errors)
    buyer = release.get("buyer") or {}
    reference = str(tender.get("id") or release["ocid"])
    value = (tender.get("value") or {}).get("amount")
    cpv_codes = list(dict.fromkeys(lot["cpv"] for lot in lots.values() if lot["cpv"]))
    payload = {
        "reference": reference,
        "title": tender.get("title") or reference,
        "buyer": buyer.get("name"),
        "buyer_siret": _buyer_siret(release),
        "ocid": release["ocid"],
        "kind": kind,
        "cpv_codes": cpv_codes,
        "deadline": (tender.get("tenderPeriod") or {}).get("endDate"),
        "estimated_value_eur": value,
        "lots": list(lots.values()),
    }
    return PackageImport(payload, str(release["ocid"]), located, workloads)


def _buyer_siret(release: dict[str, Any]) -> str | None:
    """The buyer's SIRET when its party states one (scheme FR-SIRET, or FR-RCS holding a SIRET)."""
    buyer_id = (release.get("buyer") or {}).get("id")
    for party in release.get("parties") or []:
        if party.get("id") != buyer_id:
            continue
        for identifier in [party.get("identifier") or {}, *(party.get("additionalIdentifiers") or [])]:
            number = str(identifier.get("id") or "").replace(" ", "")
            if identifier.get("scheme") in {"FR-SIRET", "FR-RCS"} and len(number) == 14 and number.isdigit():
                return number
    return None


def tender_from_package(
    package: Any, *, default_trade: str | None = None, hours_per_unit: dict[str, float] | None = None
) -> dict[str, Any]:
    """The tender payload of `read_package`, without its report."""
    return read_package(package, default_trade=default_trade, hours_per_unit=hours_per_unit).tender
