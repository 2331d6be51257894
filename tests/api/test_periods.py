"""Time over the API: work windows of lots and sites, a structure's hours per month or per week."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from app.tenders.models import Lot, Site
from tests.api.conftest import PAINTING, Headers, colleges, structure_body, tender_body

TENDERS = "/api/v1/tenders"
STRUCTURES = "/api/v1/structures"


def timed_body() -> dict[str, Any]:
    body = tender_body(sites=colleges()[:3])
    body["lots"][0]["windows"] = [{"period": "ete-2026"}]
    body["lots"][0]["sites"][1]["windows"] = [
        {"start": "2026-07-06", "end": "2026-07-17"},
        {"start": "2026-08-24", "end": "2026-08-28"},
    ]
    return body


def fields(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


def test_windows_are_stored_and_read_back_as_posted(client: TestClient, coordinator: Headers) -> None:
    body = timed_body()
    created = client.post(TENDERS, json=body, headers=coordinator)
    assert created.status_code == 201, created.text
    tender = client.get(f"{TENDERS}/{created.json()['id']}", headers=coordinator).json()
    assert tender == created.json()
    [lot] = tender["lots"]
    assert lot["windows"] == [{"period": "ete-2026"}]
    assert lot["sites"][0]["windows"] is None  # the lot's apply
    assert lot["sites"][1]["windows"] == body["lots"][0]["sites"][1]["windows"]

    # A PATCH of the lots replaces the windows with the lots; a header change keeps them.
    patched = client.patch(f"{TENDERS}/{tender['id']}", json={"title": "Peinture, été"}, headers=coordinator)
    assert patched.json()["lots"][0]["windows"] == lot["windows"]
    body["lots"][0]["windows"] = [{"period": "ete-2025"}]
    patched = client.patch(f"{TENDERS}/{tender['id']}", json={"lots": body["lots"]}, headers=coordinator)
    assert patched.status_code == 200, patched.text
    assert patched.json()["lots"][0]["windows"][0]["period"] == "ete-2025"


def test_a_lot_without_windows_reads_back_without_them(client: TestClient, coordinator: Headers) -> None:
    created = client.post(TENDERS, json=tender_body(sites=colleges()[:2]), headers=coordinator).json()
    assert "windows" not in created["lots"][0]


def test_every_bad_window_is_named_and_nothing_is_stored(
    client: TestClient, coordinator: Headers, db: Engine
) -> None:
    body = tender_body(sites=colleges()[:4])
    lot = body["lots"][0]
    lot["windows"] = [{"start": "2026-08-28", "end": "2026-07-06"}, {"period": "carnaval-2026"}]
    lot["sites"][0]["windows"] = [{"period": "ete-2031"}]
    lot["sites"][1]["windows"] = [{"period": "ete-2026"}, {"start": "2026-08-24", "end": "2026-09-04"}]
    lot["sites"][2]["windows"] = [{"start": "2026-07-04", "end": "2026-07-05"}]  # a week-end
    lot["sites"][3]["windows"] = [{"period": "ete-2026", "start": "2026-07-06", "end": "2026-07-10"}]
    errors = fields(client.post(TENDERS, json=body, headers=coordinator))
    assert set(errors) == {
        "lots.0.windows.0.end",
        "lots.0.windows.1.period",
        "lots.0.sites.0.windows.0.period",
        "lots.0.sites.1.windows",
        "lots.0.sites.2.windows.0",
        "lots.0.sites.3.windows.0",
    }
    assert "ends before it starts" in errors["lots.0.windows.0.end"]
    assert "unknown named period 'carnaval-2026'" in errors["lots.0.windows.1.period"]
    assert "beyond the school calendar" in errors["lots.0.sites.0.windows.0.period"]
    assert "windows 0 and 1 overlap (2026-08-24 to 2026-08-30)" in errors["lots.0.sites.1.windows"]
    assert "no working day" in errors["lots.0.sites.2.windows.0"]
    assert "not both" in errors["lots.0.sites.3.windows.0"]
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Lot)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(Site)).scalar_one() == 0


def test_availability_is_stored_read_back_and_replaced(client: TestClient, coordinator: Headers) -> None:
    availability = [
        {"trade": PAINTING, "per": "month", "hours": 300, "overrides": {"2026-08": 120}},
        {"trade": PAINTING, "per": "week", "hours": 80, "overrides": {}},
    ]
    created = client.post(STRUCTURES, json=structure_body(availability=availability), headers=coordinator)
    assert created.status_code == 201, created.text
    structure = client.get(f"{STRUCTURES}/{created.json()['id']}", headers=coordinator).json()
    assert structure == created.json()
    assert structure["availability"] == availability

    url = f"{STRUCTURES}/{structure['id']}"
    kept = client.patch(url, json={"name": "JADE Régie"}, headers=coordinator).json()
    assert kept["availability"] == availability
    replaced = client.patch(url, json={"availability": availability[:1]}, headers=coordinator).json()
    assert replaced["availability"] == availability[:1]
    cleared = client.patch(url, json={"availability": None}, headers=coordinator).json()
    assert cleared["availability"] is None


def test_bad_availability_is_named(client: TestClient, coordinator: Headers) -> None:
    availability = [
        {"trade": PAINTING, "per": "month", "hours": float("nan")},
        {"trade": "plomberie-imaginaire", "per": "month", "hours": 10},
        {"trade": PAINTING, "per": "week", "hours": 10, "overrides": {"2026-08": 5}},
        {"trade": PAINTING, "per": "month", "hours": -1, "overrides": {"2026-13": 5}},
        {"trade": PAINTING, "per": "fortnight", "hours": 10},
    ]
    content = json.dumps(structure_body(availability=availability))
    headers = coordinator | {"Content-Type": "application/json"}
    errors = fields(client.post(STRUCTURES, content=content, headers=headers))
    assert set(errors) == {
        "availability.0.hours",
        "availability.1.trade",
        "availability.2.overrides",
        "availability.3.hours",
        "availability.3.overrides",
        "availability.4.per",
    }
    assert "finite" in errors["availability.0.hours"]
    assert "'2026-08' is not a week (2026-W28)" in errors["availability.2.overrides"]

    twice = [{"trade": PAINTING, "per": "month", "hours": 100}] * 2
    errors = fields(client.post(STRUCTURES, json=structure_body(availability=twice), headers=coordinator))
    assert "a second time" in errors["availability"]
    assert client.get(STRUCTURES, headers=coordinator).json()["total"] == 0


def test_a_directory_import_keeps_the_hours_per_month(client: TestClient, coordinator: Headers) -> None:
    availability = [{"trade": PAINTING, "per": "month", "hours": 300, "overrides": {"2026-08": 0}}]
    created = client.post(STRUCTURES, json=structure_body(availability=availability), headers=coordinator)
    row = "siret,kind,name,lat,lon\n34980413800049,ACI,JADE,48.924896,2.414678\n"
    answer = client.post(
        f"{STRUCTURES}/import", content=row.encode(), headers=coordinator | {"Content-Type": "text/csv"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["unchanged"] == 1
    read = client.get(f"{STRUCTURES}/{created.json()['id']}", headers=coordinator).json()
    assert read["availability"] == availability
