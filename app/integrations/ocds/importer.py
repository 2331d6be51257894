"""Reading a tender (lots and sites) out of an OCDS release package."""

from __future__ import annotations

from typing import Any

from app.integrations.communes import find_commune, territories
from app.integrations.ocds.validation import SchemaError, validate_package
from app.reference import cpv_codes
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
    reason = (
        "goods tenders are not planned: expected works or services"
        if category == "goods"
        else "required to choose the tender kind: works or services"
    )
    errors.append(SchemaError(f"{where}.mainProcurementCategory", reason))
    return None


def _is_hours(unit: dict[str, Any]) -> bool:
    return str(unit.get("id") or "").upper() in HOUR_UNIT_IDS or (
        str(unit.get("name") or "").strip().lower() in HOUR_UNIT_NAMES
    )


def _cpv(item: dict[str, Any]) -> str | None:
    for c in [item.get("classification") or {}, *(item.get("additionalClassifications") or [])]:
        if str(c.get("scheme") or "").upper() == "CPV" and c.get("id"):
            code = str(c["id"]).strip()
            # OCDS writes the 8 digits; the project writes CPV codes with their check digit.
            return next((full for full in cpv_codes() if full.split("-")[0] == code), code)
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


def _site(item: dict[str, Any], where: str, errors: list[SchemaError]) -> dict[str, Any]:
    unit = item.get("unit") or {}
    quantity = item.get("quantity")
    hours: float | None = None
    if isinstance(quantity, int | float) and _is_hours(unit):
        hours = float(quantity)
    else:
        errors.append(
            SchemaError(
                f"{where}.quantity",
                "the site's workload is required in hours: a quantity with unit "
                "{scheme: UNCEFACT, id: HUR, name: hours}",
            )
        )
    price = (unit.get("value") or {}).get("amount")
    value = round(float(price) * hours, 2) if hours is not None and price is not None else 0.0

    address = item.get("deliveryAddress") or {}
    location = item.get("deliveryLocation") or {}
    gazetteer = location.get("gazetteer") or {}
    insee = (
        next(iter(gazetteer.get("identifiers") or []), None) if gazetteer.get("scheme") == "INSEE" else None
    )
    commune = find_commune(insee=insee, postcode=address.get("postalCode"), name=address.get("locality"))
    geometry = location.get("geometry") or {}
    coordinates = geometry.get("coordinates") or []
    lat: float | None = None
    lon: float | None = None
    if geometry.get("type") == "Point" and len(coordinates) >= 2:
        lon, lat = float(coordinates[0]), float(coordinates[1])
    elif commune is not None:
        lat, lon = commune.lat, commune.lon
    else:
        errors.append(
            SchemaError(
                f"{where}.deliveryLocation",
                "the site's position is required: a GeoJSON Point, or an address in a known commune",
            )
        )
    region = address.get("region")
    territory = region if region in territories() else (commune.territory if commune else None)
    return {
        "id": str(item["id"]),
        "name": item.get("description") or "",
        "address": address.get("streetAddress"),
        "commune": address.get("locality") or (commune.name if commune else None),
        "lat": lat,
        "lon": lon,
        "territory": territory,
        "hours": hours,
        "value_eur": value,
    }


def tender_from_package(package: Any, *, default_trade: str | None = None) -> dict[str, Any]:
    """The tender described by a release package, shaped as the tender creation payload.

    Raises `OcdsImportError` listing the schema errors, or else every field the planner needs and the
    package lacks.
    """
    schema_errors = validate_package(package)
    if schema_errors:
        raise OcdsImportError(schema_errors)
    index, release = _latest_tender_release(package)
    tender = release["tender"]
    where = f"releases[{index}].tender"
    errors: list[SchemaError] = []
    kind = _kind(tender, where, errors)

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
    for i, item in enumerate(items):
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
        lots[lot_id]["sites"].append(_site(item, item_where, errors))
        cpvs.setdefault(lot_id, _cpv(item))
        if trades.get(lot_id) is None:
            trades[lot_id] = _trade(item)

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
    if errors:
        raise OcdsImportError(errors)
    buyer = release.get("buyer") or {}
    reference = str(tender.get("id") or release["ocid"])
    value = (tender.get("value") or {}).get("amount")
    cpv_codes = list(dict.fromkeys(lot["cpv"] for lot in lots.values() if lot["cpv"]))
    return {
        "reference": reference,
        "title": tender.get("title") or reference,
        "buyer": buyer.get("name"),
        "kind": kind,
        "cpv_codes": cpv_codes,
        "deadline": (tender.get("tenderPeriod") or {}).get("endDate"),
        "estimated_value_eur": value,
        "lots": list(lots.values()),
    }
