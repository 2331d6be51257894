"""OCDS over HTTP: import a package as a tender, export a tender, and round-trip between them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.integrations.ocds import validate_package
from tests.integrations.conftest import Headers
from tests.integrations.ocds_samples import TENDER, example_package, package_with_hours

IMPORT = "/api/v1/tenders/import/ocds"


def _lots(tender: dict[str, Any]) -> list[Any]:
    return [
        (
            lot["id"],
            lot["title"],
            lot["trade"],
            lot["cpv"],
            [
                (s["id"], s["name"], s["hours"], s["value_eur"], s["lat"], s["lon"], s["territory"])
                for s in lot["sites"]
            ],
        )
        for lot in tender["lots"]
    ]


def test_import_export_import_keeps_lots_sites_cpv_hours_and_values(
    client: TestClient, coordinator: Headers
) -> None:
    created = client.post("/api/v1/tenders", json=TENDER, headers=coordinator)
    assert created.status_code == 201, created.text
    exported = client.get(f"/api/v1/tenders/{created.json()['id']}/ocds", headers=coordinator)
    assert exported.status_code == 200
    package = exported.json()
    assert validate_package(package) == []
    assert package["publisher"] == {"name": "inser-eco93"}

    client.delete(f"/api/v1/tenders/{created.json()['id']}", headers=coordinator)
    imported = client.post(IMPORT, json=package, headers=coordinator)
    assert imported.status_code == 201, imported.text
    again = client.get(f"/api/v1/tenders/{imported.json()['id']}/ocds", headers=coordinator).json()
    client.delete(f"/api/v1/tenders/{imported.json()['id']}", headers=coordinator)
    reimported = client.post(IMPORT, json=again, headers=coordinator).json()

    for tender in (imported.json(), reimported):
        assert _lots(tender) == _lots(created.json())
        for field in ("reference", "title", "buyer", "kind", "cpv_codes", "estimated_value_eur"):
            assert tender[field] == created.json()[field]


def test_import_of_a_buyer_package_with_hours(client: TestClient, coordinator: Headers) -> None:
    response = client.post(IMPORT, json=package_with_hours(), headers=coordinator)
    assert response.status_code == 201, response.text
    tender = response.json()
    assert (tender["reference"], tender["kind"], tender["lot_count"], tender["site_count"]) == (
        "CD93-2025-0042",
        "works",
        2,
        2,
    )
    assert tender["total_hours"] == 720.5
    assert client.post(IMPORT, json=package_with_hours(), headers=coordinator).status_code == 409


def test_invalid_package_is_a_422_naming_each_path(client: TestClient, coordinator: Headers) -> None:
    package = example_package()
    del package["releases"][0]["ocid"]
    package["releases"][0]["tender"]["lots"][0]["value"]["amount"] = "much"
    response = client.post(IMPORT, json=package, headers=coordinator)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["releases[0].ocid", "releases[0].tender.lots[0].value.amount"]
    assert client.get("/api/v1/tenders", headers=coordinator).json()["total"] == 0


def test_package_without_hours_names_the_items(client: TestClient, coordinator: Headers) -> None:
    response = client.post(IMPORT, json=example_package(), headers=coordinator)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [
        "releases[0].tender.items[0].quantity",
        "releases[0].tender.items[1].quantity",
    ]
    assert "hours" in errors[0]["reason"]


def test_unknown_default_trade_is_named(client: TestClient, coordinator: Headers) -> None:
    response = client.post(
        f"{IMPORT}?default_trade=plomberie-imaginaire", json=package_with_hours(), headers=coordinator
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["default_trade"]


def test_not_json_and_not_an_object_are_refused(client: TestClient, coordinator: Headers) -> None:
    broken = client.post(IMPORT, content=b"{", headers=coordinator | {"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert client.post(IMPORT, json=[1, 2], headers=coordinator).status_code == 422


def test_export_is_404_for_another_network_and_readable_by_a_viewer(
    client: TestClient, coordinator: Headers, viewer: Headers, stranger: Headers
) -> None:
    tender_id = client.post("/api/v1/tenders", json=TENDER, headers=coordinator).json()["id"]
    assert client.get(f"/api/v1/tenders/{tender_id}/ocds", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/tenders/{tender_id}/ocds", headers=viewer).status_code == 200
    assert client.post(IMPORT, json=package_with_hours(), headers=viewer).status_code == 403
