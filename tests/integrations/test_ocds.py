"""OCDS: offline validation, export, import, and the round trip between them."""

from __future__ import annotations

import copy
import csv
import json
import re
import socket
from importlib import resources
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.integrations.ocds import (
    JointBid,
    OcdsImportError,
    export_package,
    tender_from_package,
    validate_package,
)
from app.integrations.ocds.exporter import EXTENSIONS
from app.integrations.ocds.importer import read_package
from app.integrations.ocds.validation import EXTENSION_PATCHES, merge_patch, release_schema
from app.integrations.parties import PartyInfo
from tests.integrations.ocds_samples import TENDER, example_package, package_with_hours


def _export(tender: dict[str, Any], bid: JointBid | None = None) -> dict[str, Any]:
    return export_package(tender, bid, uri="https://planner.example.org/ocds/1", publisher="Réseau 93")


def _fields(error: OcdsImportError) -> list[str]:
    return [e.field for e in error.errors]


def test_validation_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validation tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert validate_package(example_package()) == []
    assert validate_package(_export(TENDER)) == []


def test_validation_names_each_bad_path() -> None:
    package = example_package()
    del package["uri"]
    package["releases"][0]["tender"]["items"][1]["quantity"] = "lots"
    package["releases"][0]["bids"]["details"][0]["status"] = "won"
    fields = [e.field for e in validate_package(package)]
    assert fields == ["uri", "releases[0].bids.details[0].status", "releases[0].tender.items[1].quantity"]


def test_dates_and_uris_are_checked() -> None:
    package = example_package()
    package["publishedDate"] = "yesterday"
    package["uri"] = "not a uri"
    package["releases"][0]["date"] = "2025-03-01T09:00:00"  # no offset
    package["releases"][0]["tender"]["tenderPeriod"]["endDate"] = "2025-04-02T12:00:00Z"
    fields = [e.field for e in validate_package(package)]
    assert fields == ["publishedDate", "releases[0].date", "uri"]


def test_round_trip_keeps_lots_sites_cpv_values_and_hours() -> None:
    first = tender_from_package(_export(TENDER))
    second = tender_from_package(_export(first))
    assert second == first
    for header in ("reference", "title", "buyer", "kind", "cpv_codes", "deadline", "estimated_value_eur"):
        assert first[header] == TENDER[header]
    assert [lot["id"] for lot in first["lots"]] == ["L1", "L2"]
    for mine, theirs in zip(TENDER["lots"], first["lots"], strict=True):
        assert theirs["cpv"] == mine["cpv"]
        assert theirs["trade"] == mine["trade"]
        for a, b in zip(mine["sites"], theirs["sites"], strict=True):
            assert b["id"] == a["id"] and b["name"] == a["name"]
            assert b["hours"] == a["hours"]
            assert b["value_eur"] == a["value_eur"]
            assert (b["lat"], b["lon"]) == (a["lat"], a["lon"])
            assert b["territory"] == a["territory"]
            assert b["commune"] == a["commune"]


def test_export_carries_hours_as_quantity_and_cpv_without_check_digit() -> None:
    package = _export(TENDER)
    tender = package["releases"][0]["tender"]
    item = tender["items"][0]
    assert item["quantity"] == 420
    assert item["unit"]["id"] == "HUR"
    assert item["classification"] == {
        "scheme": "CPV",
        "id": "45442110",
        "description": item["classification"]["description"],
    }
    assert item["deliveryLocation"]["geometry"] == {"type": "Point", "coordinates": [2.42, 48.889]}
    assert tender["lots"][0]["value"] == {"amount": 32999.99, "currency": "EUR"}
    assert tender["value"]["amount"] == 40000.0
    assert tender["tenderPeriod"]["endDate"] == "2026-04-02T12:00:00+02:00"


def test_staffing_tender_round_trips() -> None:
    tender = copy.deepcopy(TENDER) | {"kind": "staffing"}
    package = _export(tender)
    assert package["releases"][0]["tender"]["mainProcurementCategory"] == "services"
    assert tender_from_package(package)["kind"] == "staffing"


def _bid() -> JointBid:
    parties = {
        "1": PartyInfo("1", "EI Peinture Est", "80746931700018", "EI", "3 rue A", "93100", "Montreuil"),
        "2": PartyInfo("2", "ACI Couleurs", "34980413800049", "ACI"),
        "3": PartyInfo("3", "Régie EI", "39281437200034", "EI"),
        "4": PartyInfo("4", "AI Services", "39281437200034", "ACI"),
    }
    return JointBid(
        mandataire="2",
        members={"1": 18000.0, "2": 14999.99, "3": 3500.0},
        lots=["L1", "L2"],
        subcontracts=[("1", "4", 2000.0), ("2", "4", 999.5)],
        parties=parties,
    )


def test_joint_bid_lists_members_lead_and_subcontractors() -> None:
    package = _export(TENDER, _bid())
    assert validate_package(package) == []
    release = package["releases"][0]
    (detail,) = release["bids"]["details"]
    parties = {p["id"]: p for p in release["parties"]}
    names = {p["id"]: p["name"] for p in release["parties"]}
    assert [names[t["id"]] for t in detail["tenderers"]] == ["ACI Couleurs", "EI Peinture Est", "Régie EI"]
    leads = [p["name"] for p in parties.values() if "leadTenderer" in p["roles"]]
    assert leads == ["ACI Couleurs"]
    lead = next(p for p in parties.values() if p["name"] == "ACI Couleurs")
    assert lead["identifier"] == {"scheme": "FR-RCS", "id": "34980413800049", "legalName": "ACI Couleurs"}
    assert lead["additionalIdentifiers"] == [{"scheme": "FR-SIRET", "id": "34980413800049"}]
    subcontractors = [p for p in parties.values() if "subcontractor" in p["roles"]]
    assert [p["name"] for p in subcontractors] == ["AI Services"]
    # Same SIRET, two conventions: two distinct parties.
    assert (
        len({p["id"] for p in parties.values() if p.get("identifier", {}).get("id") == "39281437200034"}) == 2
    )
    subcontracting = detail["subcontracting"]
    assert subcontracting["value"]["amount"] == 2999.5
    assert [
        (names[s["mainContractors"][0]["id"]], names[s["subcontractor"]["id"]])
        for s in subcontracting["subcontracts"]
    ] == [("EI Peinture Est", "AI Services"), ("ACI Couleurs", "AI Services")]
    assert detail["value"]["amount"] == 36499.99
    assert detail["relatedLots"] == ["L1", "L2"]


def test_a_buyer_package_in_square_metres_is_a_draft_with_its_values_and_located_sites() -> None:
    read = read_package(example_package())
    assert read.ocid == "ocds-xxxxxx-CD93-2025-0042"
    assert read.sites_without_hours == ["1", "2"]
    assert [(w.site, w.quantity, w.unit, w.source) for w in read.workloads] == [
        ("1", 12000.0, "m²", "unknown"),
        ("2", 10000.0, "m²", "unknown"),
    ]
    # Item 1 names its locality, item 2 the INSEE code of Montreuil: both placed at their commune.
    assert [(x.site, x.how, x.commune, x.insee) for x in read.located] == [
        ("1", "locality", "Saint-Denis", "93066"),
        ("2", "insee", "Montreuil", "93048"),
    ]
    lot1, lot2 = read.tender["lots"]
    # The value is quantity × unit price whatever the unit: 12 000 m² × 22 € and 10 000 m² × 22 €.
    assert [s["value_eur"] for s in lot1["sites"] + lot2["sites"]] == [264000.0, 220000.0]
    assert read.tender["buyer_siret"] == "22930008201453"


def test_hours_per_unit_gives_the_workload_per_trade_or_for_every_trade() -> None:
    per_trade = read_package(example_package(), hours_per_unit={"peinture-revetement-des-murs": 0.05})
    assert [w.hours for w in per_trade.workloads] == [600.0, 500.0]
    assert {w.source for w in per_trade.workloads} == {"hours_per_unit"}
    assert per_trade.sites_without_hours == []
    every = read_package(example_package(), hours_per_unit={"*": 0.1})
    assert [w.hours for w in every.workloads] == [1200.0, 1000.0]
    # A rate for another trade leaves the painting items without hours.
    other = read_package(example_package(), hours_per_unit={"nettoyage-de-locaux-16": 0.1})
    assert other.sites_without_hours == ["1", "2"]


def test_import_places_sites_by_commune_and_guesses_trade_from_cpv() -> None:
    tender = tender_from_package(package_with_hours())
    assert tender["reference"] == "CD93-2025-0042"
    assert tender["buyer"] == "Département de la Seine-Saint-Denis"
    lot1, lot2 = tender["lots"]
    assert (lot1["id"], lot1["title"], lot1["trade"], lot1["cpv"]) == (
        "LOT-1",
        "Secteur Nord",
        "peinture-revetement-des-murs",
        "45442100-8",
    )
    (site,) = lot1["sites"]
    assert (site["hours"], site["value_eur"], site["commune"], site["territory"]) == (
        420.0,
        16800.0,
        "Saint-Denis",
        "Plaine Commune",
    )
    (site2,) = lot2["sites"]
    assert (site2["hours"], site2["value_eur"], site2["territory"]) == (300.5, 13672.75, "Est Ensemble")


def test_import_rejects_invalid_package_with_schema_errors() -> None:
    package = package_with_hours()
    package["releases"][0]["tender"]["items"][0]["unit"]["value"]["currency"] = "EURO"
    del package["publishedDate"]
    with pytest.raises(OcdsImportError) as caught:
        tender_from_package(package)
    assert _fields(caught.value) == ["publishedDate", "releases[0].tender.items[0].unit.value.currency"]


def test_import_names_missing_category_unknown_lot_and_missing_position() -> None:
    package = package_with_hours()
    tender = package["releases"][0]["tender"]
    del tender["mainProcurementCategory"]
    tender["items"][0]["relatedLot"] = "LOT-9"
    del tender["items"][1]["deliveryLocation"]
    with pytest.raises(OcdsImportError) as caught:
        tender_from_package(package)
    assert _fields(caught.value) == [
        "releases[0].tender.mainProcurementCategory",
        "releases[0].tender.items[0].relatedLot",
        "releases[0].tender.items[1].deliveryLocation",
        "releases[0].tender.lots[0]",
    ]


def test_import_without_trade_asks_for_one_or_takes_the_default() -> None:
    package = package_with_hours()
    for item in package["releases"][0]["tender"]["items"]:
        item["classification"] = {"scheme": "CPV", "id": "79620000"}
    with pytest.raises(OcdsImportError) as caught:
        tender_from_package(package)
    assert "no trade" in caught.value.errors[0].message
    tender = tender_from_package(package, default_trade="nettoyage-de-locaux-16")
    assert {lot["trade"] for lot in tender["lots"]} == {"nettoyage-de-locaux-16"}


money = st.decimals(min_value=0, max_value=10**7, places=2).map(float)
hours = st.decimals(min_value="0.5", max_value=10**5, places=1).map(float)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(hours, money), min_size=1, max_size=5))
def test_round_trip_keeps_any_hours_and_values(pairs: list[tuple[float, float]]) -> None:
    tender = copy.deepcopy(TENDER)
    template = tender["lots"][0]["sites"][0]
    tender["lots"] = [tender["lots"][0]]
    tender["lots"][0]["sites"] = [
        template | {"id": f"S{i}", "hours": h, "value_eur": v} for i, (h, v) in enumerate(pairs)
    ]
    sites = tender_from_package(_export(tender))["lots"][0]["sites"]
    assert [(s["hours"], s["value_eur"]) for s in sites] == pairs


def test_export_states_reserved_lots_the_clause_sociale_the_execution_period_and_the_buyer() -> None:
    tender = copy.deepcopy(TENDER)
    tender["lots"][0] |= {"reserved": "siae", "insertion_hours": 12000}
    tender |= {
        "execution_start": "2026-07-01",
        "execution_end": "2028-06-30",
        "buyer_siret": "22930008201453",
    }
    package = _export(tender)
    assert validate_package(package) == []
    release = package["releases"][0]
    lot1, lot2 = release["tender"]["lots"]
    assert lot1["otherRequirements"] == {"reservedParticipation": ["shelteredWorkshop"]}
    assert lot1["insertionHours"] == 12000 and "12 000 heures d'insertion" in lot1["description"]
    assert "otherRequirements" not in lot2 and "insertionHours" not in lot2
    assert release["tender"]["contractPeriod"] == {
        "startDate": "2026-07-01T00:00:00Z",
        "endDate": "2028-06-30T00:00:00Z",
    }
    (buyer,) = [p for p in release["parties"] if "buyer" in p["roles"]]
    assert buyer["identifier"] == {"scheme": "FR-RCS", "id": "22930008201453", "legalName": tender["buyer"]}
    assert release["buyer"]["id"] == buyer["id"]
    assert tender_from_package(package)["buyer_siret"] == "22930008201453"


# OCDS 1.1.5, codelists/partyRole.csv (the core codes; extensions add to this open codelist).
CORE_PARTY_ROLES = {
    *("buyer", "procuringEntity", "supplier", "tenderer", "funder", "enquirer"),
    *("payer", "payee", "reviewBody", "interestedParty"),
}


def _shipped(path: str) -> str:
    return resources.files("app.integrations").joinpath("schemas", *path.split("/")).read_text("utf-8")


def _codes(extension: str) -> set[str]:
    return {
        row["Code"]
        for row in csv.DictReader(_shipped(f"extensions/{extension}/codelists/+partyRole.csv").splitlines())
    }


def test_export_declares_each_extension_at_a_fixed_version() -> None:
    declared = _export(TENDER, _bid())["extensions"]
    assert declared == EXTENSIONS
    pattern = r"https://raw\.githubusercontent\.com/open-contracting-extensions/(ocds_\w+_extension)/([^/]+)/extension\.json"
    matches = [re.fullmatch(pattern, url) for url in declared]
    versions = {m.group(1): m.group(2) for m in matches if m}
    assert len(versions) == len(declared)
    # Frozen releases where the extension registry has one; the two it publishes without a release at
    # their single version (subcontracting: master; European Union: its OCDS 1.1 line).
    assert versions == {
        "ocds_lots_extension": "v1.1.5",
        "ocds_bid_extension": "v1.1.5",
        "ocds_location_extension": "v1.1.5",
        "ocds_subcontracting_extension": "master",
        "ocds_eu_extension": "1.1",
    }
    shipped = json.loads(_shipped("extensions/eu/extension.json"))
    assert shipped["name"]["en"] == "European Union" and "+partyRole.csv" in shipped["codelists"]


def test_the_validator_has_every_declared_extension_merged() -> None:
    schema = release_schema()
    # Merging a shipped patch again changes nothing: the schema validated against already holds it.
    for patch in (*EXTENSION_PATCHES, "extensions/subcontracting/release-schema.json"):
        assert merge_patch(schema, json.loads(_shipped(patch))) == schema, patch
    package = _export(TENDER, _bid())
    assert validate_package(package) == []
    # A field of the European Union extension is checked as that extension types it.
    package["releases"][0]["tender"]["lots"][0]["hasAccessibilityCriteria"] = "oui"
    assert [e.field for e in validate_package(package)] == [
        "releases[0].tender.lots[0].hasAccessibilityCriteria"
    ]


def test_the_mandataire_is_the_lead_tenderer_as_the_european_union_extension_defines_it() -> None:
    assert "leadTenderer" in _codes("eu") and "subcontractor" in _codes("subcontracting")
    package = _export(TENDER, _bid())
    release = package["releases"][0]
    roles = {p["name"]: p["roles"] for p in release["parties"]}
    assert roles["ACI Couleurs"] == ["leadTenderer", "tenderer"]
    assert roles["EI Peinture Est"] == ["tenderer"] and roles["Régie EI"] == ["tenderer"]
    assert roles["AI Services"] == ["subcontractor"]
    known = CORE_PARTY_ROLES | _codes("eu") | _codes("subcontracting")
    assert {r for rs in roles.values() for r in rs} <= known
