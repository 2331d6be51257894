"""Tenders: one POST with all lots and sites (all or nothing), read back whole, list, patch, delete."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from app.tenders import service as tenders_service
from app.tenders.models import Lot, Site
from tests.api.conftest import CLEANING, PAINTING, Headers, colleges, tender_body

URL = "/api/v1/tenders"


def count_rows(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        lots = connection.execute(select(func.count()).select_from(Lot)).scalar_one()
        sites = connection.execute(select(func.count()).select_from(Site)).scalar_one()
    return lots, sites


def test_the_130_colleges_in_one_post_read_back_whole(
    client: TestClient, coordinator: Headers, db: Engine
) -> None:
    sites = colleges()
    assert len(sites) == 130
    body = tender_body(sites=sites)
    # How fast this is, is measured in bench/api.py (BENCHMARKS.md), not here.
    response = client.post(URL, json=body, headers=coordinator)
    assert response.status_code == 201, response.text

    tender = client.get(f"{URL}/{response.json()['id']}", headers=coordinator).json()
    assert tender == response.json()
    assert tender["site_count"] == 130
    assert tender["total_hours"] == sum(s["hours"] for s in sites)
    assert tender["deadline"] == "2026-03-02T11:00:00Z"
    [lot] = tender["lots"]
    # A lot posted without them takes the tender's kind, no reservation, no clause, not essential.
    posted = {"kind": None, "reserved": None, "insertion_hours": 0, "essential": False} | {
        k: v for k, v in body["lots"][0].items() if k != "sites"
    }
    assert {k: lot[k] for k in posted} == posted
    # Every site comes back as posted, in order.
    assert [{k: s[k] for k in site} for s, site in zip(lot["sites"], sites, strict=True)] == sites
    assert count_rows(db) == (1, 130)


def test_one_bad_site_is_a_422_naming_hours_and_leaves_nothing(
    client: TestClient, coordinator: Headers, db: Engine
) -> None:
    sites = colleges()
    sites[3]["hours"] = -5
    response = client.post(URL, json=tender_body(sites=sites), headers=coordinator)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "lots.0.sites.3.hours", "reason": "Input should be greater than 0"}
    ]
    assert client.get(URL, headers=coordinator).json()["total"] == 0
    assert count_rows(db) == (0, 0)


def test_every_bad_field_of_a_tender_is_named(client: TestClient, coordinator: Headers) -> None:
    sites = colleges()[:3]
    sites[0]["lat"] = 123
    sites[1]["value_eur"] = -1
    sites[2]["id"] = sites[0]["id"]
    body = tender_body(sites=sites, kind="travaux", cpv_codes=["99999999"], execution_end="2026-01-01")
    body["lots"][0]["trade"] = "peinture"
    response = client.post(URL, json=body, headers=coordinator)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "kind",
        "cpv_codes",
        "execution_end",
        "lots.0.trade",
        "lots.0.sites.0.lat",
        "lots.0.sites.1.value_eur",
    }
    # Duplicate site ids are checked once each lot is valid.
    sites[0]["lat"], sites[1]["value_eur"] = 48.9, 0
    response = client.post(URL, json=tender_body(sites=sites), headers=coordinator)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "lots" and sites[0]["id"] in error["reason"]


def test_duplicate_reference_is_a_409_and_leaves_nothing(
    client: TestClient, coordinator: Headers, db: Engine
) -> None:
    assert client.post(URL, json=tender_body(), headers=coordinator).status_code == 201
    again = tender_body(sites=colleges()[3:10])
    response = client.post(URL, json=again, headers=coordinator)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert count_rows(db) == (1, 3)


def test_list_filters_by_kind_and_pages(client: TestClient, coordinator: Headers) -> None:
    works = client.post(URL, json=tender_body(), headers=coordinator).json()
    staffing_body = tender_body(reference="CD93-2026-REMPL", kind="staffing", cpv_codes=["79620000-6"])
    staffing_body["lots"][0]["trade"] = CLEANING
    staffing_body["lots"][0]["cpv"] = None
    staffing = client.post(URL, json=staffing_body, headers=coordinator).json()
    page = client.get(URL, headers=coordinator).json()
    assert page["total"] == 2
    assert [t["id"] for t in page["items"]] == [works["id"], staffing["id"]]
    assert "lots" not in page["items"][0] and page["items"][0]["site_count"] == 3
    page = client.get(URL, params={"kind": "staffing"}, headers=coordinator).json()
    assert (page["total"], [t["id"] for t in page["items"]]) == (1, [staffing["id"]])
    page = client.get(URL, params={"limit": 1, "offset": 1}, headers=coordinator).json()
    assert (page["total"], [t["id"] for t in page["items"]]) == (2, [staffing["id"]])


def test_patch_header_keeps_lots_and_patch_lots_replaces_them(
    client: TestClient, coordinator: Headers, db: Engine
) -> None:
    created = client.post(URL, json=tender_body(), headers=coordinator).json()
    url = f"{URL}/{created['id']}"
    response = client.patch(url, json={"title": "Peinture 2026", "reserved": False}, headers=coordinator)
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Peinture 2026"
    assert response.json()["lots"] == created["lots"]

    lots = [
        {"id": "L1", "title": "Est", "trade": PAINTING, "sites": colleges()[10:12]},
        {"id": "L2", "title": "Ouest", "trade": PAINTING, "sites": colleges()[12:15]},
    ]
    response = client.patch(url, json={"lots": lots}, headers=coordinator)
    assert response.status_code == 200, response.text
    assert [(lot["id"], len(lot["sites"])) for lot in response.json()["lots"]] == [("L1", 2), ("L2", 3)]
    assert response.json()["title"] == "Peinture 2026"
    assert count_rows(db) == (2, 5)

    # The merged header is checked: an end before the stored start is refused, nothing changes.
    bad = client.patch(url, json={"execution_end": "2020-01-01", "lots": None}, headers=coordinator)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"lots"}
    bad = client.patch(url, json={"execution_end": "2020-01-01"}, headers=coordinator)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["execution_end"]
    assert client.get(url, headers=coordinator).json() == response.json()


def test_patch_to_a_used_reference_is_a_409(client: TestClient, coordinator: Headers) -> None:
    client.post(URL, json=tender_body(), headers=coordinator)
    other = client.post(URL, json=tender_body(reference="AUTRE"), headers=coordinator).json()
    patch = {"reference": "CD93-2026-PEINT"}
    assert client.patch(f"{URL}/{other['id']}", json=patch, headers=coordinator).status_code == 409


def test_delete_removes_lots_and_sites(client: TestClient, coordinator: Headers, db: Engine) -> None:
    created = client.post(URL, json=tender_body(), headers=coordinator).json()
    assert client.delete(f"{URL}/{created['id']}", headers=coordinator).status_code == 204
    assert client.get(f"{URL}/{created['id']}", headers=coordinator).status_code == 404
    assert count_rows(db) == (0, 0)


def test_a_duplicate_caught_only_by_the_database_leaves_nothing(
    client: TestClient, coordinator: Headers, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.post(URL, json=tender_body(), headers=coordinator).status_code == 201
    # As when two requests race past the check: the unique constraint refuses, the transaction rolls back.
    monkeypatch.setattr(tenders_service, "_refuse_duplicate", lambda *args: None)
    response = client.post(URL, json=tender_body(sites=colleges()[3:10]), headers=coordinator)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert count_rows(db) == (1, 3)


def two_lots() -> list[dict[str, Any]]:
    """Painting works reserved to SIAE with a clause sociale, and textile kits bought as supplies."""
    sites = colleges()[:4]
    return [
        {
            "id": "L1",
            "title": "Peinture des collèges",
            "trade": PAINTING,
            "kind": "works",
            "reserved": "siae",
            "insertion_hours": 600,
            "essential": True,
            "sites": sites[:2],
        },
        {
            "id": "L2",
            "title": "Kits textiles brodés",
            "trade": "textiles-30",
            "kind": "supplies",
            "reserved": "both",
            "insertion_hours": 0,
            "sites": sites[2:],
        },
    ]


def test_lot_kind_reservation_clause_and_essential_are_stored_and_read_back(
    client: TestClient, coordinator: Headers
) -> None:
    body = tender_body(lots=two_lots(), execution_start="2026-07-01", execution_end="2028-06-30")
    created = client.post(URL, json=body, headers=coordinator)
    assert created.status_code == 201, created.text
    read = client.get(f"{URL}/{created.json()['id']}", headers=coordinator).json()
    assert (read["execution_start"], read["execution_end"]) == ("2026-07-01", "2028-06-30")
    lots = [
        {k: lot[k] for k in ("id", "kind", "reserved", "insertion_hours", "essential")}
        for lot in read["lots"]
    ]
    assert lots == [
        {"id": "L1", "kind": "works", "reserved": "siae", "insertion_hours": 600, "essential": True},
        {"id": "L2", "kind": "supplies", "reserved": "both", "insertion_hours": 0, "essential": False},
    ]
    # A lot without these fields takes the tender's kind, no reservation, no clause, not essential.
    plain = client.post(URL, json=tender_body(reference="T-2"), headers=coordinator).json()
    lot = plain["lots"][0]
    assert (lot["kind"], lot["reserved"], lot["insertion_hours"], lot["essential"]) == (None, None, 0, False)


def test_bad_lot_fields_are_422_naming_each_and_store_nothing(
    client: TestClient, coordinator: Headers
) -> None:
    lots = two_lots()
    lots[0] |= {"kind": "fournitures", "reserved": "esat", "insertion_hours": -5, "essential": "peut-être"}
    body = tender_body(lots=lots, execution_start="2028-06-30", execution_end="2026-07-01")
    response = client.post(URL, json=body, headers=coordinator)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "lots.0.kind",
        "lots.0.reserved",
        "lots.0.insertion_hours",
        "lots.0.essential",
        "execution_end",
    }
    assert client.get(URL, headers=coordinator).json()["total"] == 0


def test_patch_lots_replaces_their_legal_fields(client: TestClient, coordinator: Headers) -> None:
    tender = client.post(URL, json=tender_body(lots=two_lots()), headers=coordinator).json()
    lots = two_lots()
    lots[0] |= {"reserved": None, "insertion_hours": 900, "essential": False}
    patched = client.patch(f"{URL}/{tender['id']}", json={"lots": lots}, headers=coordinator)
    assert patched.status_code == 200, patched.text
    first = patched.json()["lots"][0]
    assert (first["reserved"], first["insertion_hours"], first["essential"]) == (None, 900, False)
