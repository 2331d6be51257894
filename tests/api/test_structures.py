"""Structures: create, read, list with filters, update, delete; SIRET and trades checked."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.structures import service as structures_service
from tests.api.conftest import CLEANING, PAINTING, Headers, structure_body

URL = "/api/v1/structures"


def test_invalid_siret_is_a_422_naming_siret(client: TestClient, coordinator: Headers) -> None:
    response = client.post(URL, json=structure_body(siret="12345678901234"), headers=coordinator)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert {"field": "siret", "reason": "invalid checksum"} in response.json()["errors"]
    assert client.get(URL, headers=coordinator).json()["total"] == 0


def test_every_bad_field_is_named(client: TestClient, coordinator: Headers) -> None:
    body = structure_body(siret="123", lat=95, kind="SARL", capacities={"plomberie-imaginaire": 10})
    del body["name"]
    response = client.post(URL, json=body, headers=coordinator)
    assert response.status_code == 422
    fields = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert set(fields) == {"siret", "lat", "kind", "capacities", "name"}
    assert "14 digits" in fields["siret"]
    assert "plomberie-imaginaire" in fields["capacities"]
    assert fields["name"] == "required"


def test_negative_capacity_is_a_422_naming_capacities(client: TestClient, coordinator: Headers) -> None:
    response = client.post(URL, json=structure_body(capacities={PAINTING: -5}), headers=coordinator)
    assert response.status_code == 422
    assert {
        "field": "capacities",
        "reason": f"capacity for {PAINTING!r} must be >= 0 hours",
    } in response.json()["errors"]


def test_valid_structure_is_created_and_read_back(client: TestClient, coordinator: Headers) -> None:
    response = client.post(URL, json=structure_body(siret="349 804 138 00049"), headers=coordinator)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["siret"] == "34980413800049"
    assert created["capacities"] == {PAINTING: 3000}
    read = client.get(f"{URL}/{created['id']}", headers=coordinator).json()
    assert read == created
    assert read["labels"] == ["regie-de-quartier"]


def test_same_siret_and_kind_is_a_409_but_another_kind_is_welcome(
    client: TestClient, coordinator: Headers
) -> None:
    assert client.post(URL, json=structure_body(), headers=coordinator).status_code == 201
    duplicate = client.post(URL, json=structure_body(name="JADE bis"), headers=coordinator)
    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"] == "application/problem+json"
    # One legal entity holding a second SIAE convention.
    assert client.post(URL, json=structure_body(kind="EI"), headers=coordinator).status_code == 201


def test_same_structure_in_two_networks(client: TestClient, coordinator: Headers, stranger: Headers) -> None:
    assert client.post(URL, json=structure_body(), headers=coordinator).status_code == 201
    assert client.post(URL, json=structure_body(), headers=stranger).status_code == 201


def test_list_filters_and_pages(client: TestClient, coordinator: Headers) -> None:
    bodies = [
        structure_body(),
        structure_body(siret="38238754600023", name="EMMAUS", territory="Est Ensemble", capacities={}),
        structure_body(kind="EI", capacities={CLEANING: 1200}),
    ]
    ids = [client.post(URL, json=b, headers=coordinator).json()["id"] for b in bodies]

    def listed(**params: object) -> tuple[int, list[int]]:
        page = client.get(URL, params=params, headers=coordinator).json()
        return page["total"], [s["id"] for s in page["items"]]

    assert listed() == (3, ids)
    assert listed(kind="ACI") == (2, ids[:2])
    assert listed(trade=PAINTING) == (1, ids[:1])
    assert listed(trade=CLEANING) == (1, ids[2:])
    assert listed(territory="Est Ensemble") == (1, ids[1:2])
    assert listed(limit=2, offset=1) == (3, ids[1:])
    assert listed(siret="382 387 546 00023") == (1, ids[1:2])
    bad = client.get(URL, params={"limit": 0, "kind": "SARL", "trade": "peinture"}, headers=coordinator)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"limit", "kind", "trade"}


def test_patch_changes_given_fields_and_checks_the_result(client: TestClient, coordinator: Headers) -> None:
    created = client.post(URL, json=structure_body(), headers=coordinator).json()
    url = f"{URL}/{created['id']}"
    response = client.patch(
        url, json={"name": "JADE Insertion", "capacities": {CLEANING: 800}}, headers=coordinator
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["name"] == "JADE Insertion"
    assert updated["capacities"] == {CLEANING: 800}
    assert updated["siret"] == created["siret"]
    assert updated["updated_at"] > created["updated_at"]

    bad = client.patch(url, json={"siret": "12345678901234", "lat": None, "hours": 3}, headers=coordinator)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"hours"}
    bad = client.patch(url, json={"siret": "12345678901234", "lat": None}, headers=coordinator)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"siret", "lat"}
    assert client.get(url, headers=coordinator).json() == updated


def test_patch_into_an_existing_siret_and_kind_is_a_409(client: TestClient, coordinator: Headers) -> None:
    client.post(URL, json=structure_body(), headers=coordinator)
    other = client.post(URL, json=structure_body(kind="EI"), headers=coordinator).json()
    assert client.patch(f"{URL}/{other['id']}", json={"kind": "ACI"}, headers=coordinator).status_code == 409


def test_delete(client: TestClient, coordinator: Headers) -> None:
    created = client.post(URL, json=structure_body(), headers=coordinator).json()
    assert client.delete(f"{URL}/{created['id']}", headers=coordinator).status_code == 204
    assert client.get(f"{URL}/{created['id']}", headers=coordinator).status_code == 404
    assert client.get(URL, params={"trade": PAINTING}, headers=coordinator).json()["total"] == 0
    # The same SIRET and kind may be recorded again once deleted.
    assert client.post(URL, json=structure_body(), headers=coordinator).status_code == 201


def test_a_duplicate_caught_only_by_the_database_is_a_409(
    client: TestClient, coordinator: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.post(URL, json=structure_body(), headers=coordinator).status_code == 201
    monkeypatch.setattr(structures_service, "_refuse_duplicate", lambda *args: None)
    response = client.post(URL, json=structure_body(capacities={CLEANING: 5}), headers=coordinator)
    assert response.status_code == 409
    assert client.get(URL, params={"trade": CLEANING}, headers=coordinator).json()["total"] == 0


# Régie de Quartier Tremblay holds an EI and an ACI convention under one SIRET (ASP list, 2021); the
# figures below are illustrative.
TREMBLAY = "39281437200034"


def test_legal_entity_fields_are_stored_and_read_back(client: TestClient, coordinator: Headers) -> None:
    aci = structure_body(
        siret=TREMBLAY,
        name="Régie de Quartier Tremblay",
        legal_form="association",
        insertion_rate=0.8,
        annual_charges_eur=900000,
        commercial_revenue_eur=120000,
        aci_cap_rate=0.5,
    )
    ai = structure_body(
        siret="38025324500050",
        name="ASSOC ENERGIE",
        kind="AI",
        legal_form="association",
        mad_rate_eur_per_hour=21.5,
        mad_staff=12,
    )
    created = [client.post(URL, json=body, headers=coordinator) for body in (aci, ai)]
    assert [r.status_code for r in created] == [201, 201], [r.text for r in created]
    for response, body in zip(created, (aci, ai), strict=True):
        read = client.get(f"{URL}/{response.json()['id']}", headers=coordinator).json()
        assert {k: read[k] for k in body if k != "siret"} == {k: v for k, v in body.items() if k != "siret"}
        assert read["siren"] == body["siret"][:9]
    unset = client.get(f"{URL}/{created[1].json()['id']}", headers=coordinator).json()
    assert (unset["insertion_rate"], unset["annual_charges_eur"], unset["aci_cap_rate"]) == (None, None, None)


def test_bad_legal_entity_values_are_422_naming_each_field(client: TestClient, coordinator: Headers) -> None:
    body = structure_body(
        kind="EI",
        legal_form="SARL",
        insertion_rate=1.2,
        annual_charges_eur=500000,
        mad_staff=3,
    )
    response = client.post(URL, json=body, headers=coordinator)
    assert response.status_code == 422
    reasons = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert set(reasons) == {"legal_form", "insertion_rate", "annual_charges_eur", "mad_staff"}
    assert "association" in reasons["legal_form"] and "company" in reasons["legal_form"]
    assert "D5132-34" in reasons["annual_charges_eur"] and "EI" in reasons["annual_charges_eur"]
    assert "AI or ETTI" in reasons["mad_staff"]
    over_cap = client.post(URL, json=structure_body(aci_cap_rate=0.6), headers=coordinator)
    assert over_cap.status_code == 422
    assert [e["field"] for e in over_cap.json()["errors"]] == ["aci_cap_rate"]
    assert client.get(URL, headers=coordinator).json()["total"] == 0


def test_patch_checks_the_legal_entity_fields_against_the_kind(
    client: TestClient, coordinator: Headers
) -> None:
    aci = client.post(URL, json=structure_body(annual_charges_eur=800000), headers=coordinator).json()
    to_ei = client.patch(f"{URL}/{aci['id']}", json={"kind": "EI"}, headers=coordinator)
    assert to_ei.status_code == 422
    assert [e["field"] for e in to_ei.json()["errors"]] == ["annual_charges_eur"]
    cleared = client.patch(
        f"{URL}/{aci['id']}", json={"kind": "EI", "annual_charges_eur": None}, headers=coordinator
    )
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["kind"], cleared.json()["annual_charges_eur"]) == ("EI", None)
    company = client.patch(f"{URL}/{aci['id']}", json={"legal_form": "company"}, headers=coordinator)
    assert company.json()["legal_form"] == "company"


def test_structures_of_one_legal_entity_are_listed_by_siren(client: TestClient, coordinator: Headers) -> None:
    # URBAN DECO CONCEPT: two establishments (two SIRETs) of one SIREN.
    bodies = [
        structure_body(siret="78976102000021", name="URBAN DECO CONCEPT"),
        structure_body(siret="78976102000039", name="URBAN DECO CONCEPT"),
        structure_body(),
    ]
    ids = [client.post(URL, json=b, headers=coordinator).json()["id"] for b in bodies]
    page = client.get(URL, params={"siren": "789761020"}, headers=coordinator).json()
    assert [s["id"] for s in page["items"]] == ids[:2]
    assert {s["siren"] for s in page["items"]} == {"789761020"}
    bad = client.get(URL, params={"siren": "7897"}, headers=coordinator)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "siren"
