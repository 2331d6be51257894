"""OCDS over HTTP: import a package as a tender, export a tender, and round-trip between them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.integrations.ocds import validate_package
from tests.integrations.conftest import STRUCTURES, Headers, wait_done
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


def test_a_buyer_package_in_square_metres_imports_as_a_draft_that_cannot_be_planned(
    client: TestClient, coordinator: Headers
) -> None:
    response = client.post(IMPORT, json=example_package(), headers=coordinator)
    assert response.status_code == 201, response.text
    tender = response.json()
    assert (tender["draft"], tender["site_count"], tender["total_hours"]) == (True, 2, 0.0)
    assert [s["hours"] for lot in tender["lots"] for s in lot["sites"]] == [None, None]
    report = tender["import_report"]
    assert report["ocid"] == "ocds-xxxxxx-CD93-2025-0042"
    assert report["sites_without_hours"] == ["1", "2"]
    assert [(x["site"], x["how"], x["commune"]) for x in report["located"]] == [
        ("1", "locality", "Saint-Denis"),
        ("2", "insee", "Montreuil"),
    ]
    assert client.get(f"/api/v1/tenders/{tender['id']}", headers=coordinator).json()["draft"] is True

    refused = client.post(f"/api/v1/tenders/{tender['id']}/plans", json={}, headers=coordinator)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert "1, 2" in refused.json()["detail"]
    assert [e["field"] for e in refused.json()["errors"]] == ["sites.1.hours", "sites.2.hours"]
    assert client.get(f"/api/v1/tenders/{tender['id']}/plans", headers=coordinator).json()["total"] == 0

    # The export of a draft states no quantity for its sites and still validates; the ocid is kept.
    package = client.get(f"/api/v1/tenders/{tender['id']}/ocds", headers=coordinator).json()
    assert validate_package(package) == []
    assert package["releases"][0]["ocid"] == "ocds-xxxxxx-CD93-2025-0042"
    assert package["releases"][0]["buyer"]["id"] == "FR-RCS-22930008201453"


def test_a_draft_completed_with_its_hours_is_planned(
    client: TestClient, coordinator: Headers, solving: None
) -> None:
    for body in STRUCTURES:
        assert client.post("/api/v1/structures", json=body, headers=coordinator).status_code == 201
    draft = client.post(IMPORT, json=example_package(), headers=coordinator).json()
    lots = [
        {k: lot[k] for k in ("id", "title", "trade", "cpv")}
        | {"sites": [site | {"hours": 150} for site in lot["sites"]]}
        for lot in draft["lots"]
    ]
    patched = client.patch(f"/api/v1/tenders/{draft['id']}", json={"lots": lots}, headers=coordinator)
    assert patched.status_code == 200, patched.text
    assert (patched.json()["draft"], patched.json()["total_hours"]) == (False, 300.0)
    queued = client.post(f"/api/v1/tenders/{draft['id']}/plans", json={}, headers=coordinator)
    assert queued.status_code == 202, queued.text
    plan = wait_done(client, coordinator, queued.json()["id"])
    assert plan["result"]["groupings"][0]["uncovered"] == []


def test_the_example_package_imports_with_hours_per_unit_and_plans(
    client: TestClient, coordinator: Headers, solving: None
) -> None:
    for body in STRUCTURES:
        assert client.post("/api/v1/structures", json=body, headers=coordinator).status_code == 201
    url = f"{IMPORT}?hours_per_unit=peinture-revetement-des-murs:0,02"
    response = client.post(url, json=example_package(), headers=coordinator)
    assert response.status_code == 201, response.text
    tender = response.json()
    # 12 000 m² and 10 000 m² at 0,02 h per m².
    assert [s["hours"] for lot in tender["lots"] for s in lot["sites"]] == [240.0, 200.0]
    assert (tender["draft"], tender["import_report"]["sites_without_hours"]) == (False, [])
    queued = client.post(f"/api/v1/tenders/{tender['id']}/plans", json={}, headers=coordinator)
    assert queued.status_code == 202, queued.text
    plan = wait_done(client, coordinator, queued.json()["id"])
    best = plan["result"]["groupings"][0]
    assert sorted(a["site"] for a in best["assignments"]) == ["1", "2"]
    assert best["uncovered"] == []

    exported = client.get(f"/api/v1/tenders/{tender['id']}/ocds", headers=coordinator).json()
    assert validate_package(exported) == []
    assert exported["releases"][0]["ocid"] == "ocds-xxxxxx-CD93-2025-0042"
    client.delete(f"/api/v1/tenders/{tender['id']}", headers=coordinator)
    again = client.post(IMPORT, json=exported, headers=coordinator).json()
    assert again["import_report"]["ocid"] == "ocds-xxxxxx-CD93-2025-0042"
    assert [s["hours"] for lot in again["lots"] for s in lot["sites"]] == [240.0, 200.0]


def test_bad_hours_per_unit_is_named(client: TestClient, coordinator: Headers) -> None:
    for value in ("peinture-revetement-des-murs:zero", "plomberie-imaginaire:0.1", "-1"):
        response = client.post(
            f"{IMPORT}?hours_per_unit={value}", json=example_package(), headers=coordinator
        )
        assert response.status_code == 422, value
        assert [e["field"] for e in response.json()["errors"]] == ["hours_per_unit"]
    assert client.get("/api/v1/tenders", headers=coordinator).json()["total"] == 0


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
