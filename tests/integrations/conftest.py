"""Keys of the integration tests; a test that takes one starts from and leaves an empty database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from tests.plans.conftest import Worker

Headers = dict[str, str]


PAINTING = "peinture-revetement-des-murs"


def _structure(siret: str, name: str, kind: str, lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    # SIRET, names, kinds and positions from the ASP list of SIAE (Marché de l'inclusion, 2021);
    # turnover and capacities are illustrative.
    return {
        "siret": siret,
        "name": name,
        "kind": kind,
        "lat": lat,
        "lon": lon,
        "annual_turnover_eur": 900000,
        "capacities": {PAINTING: 400},
    } | extra


STRUCTURES = [
    _structure(
        "33368412400840",
        "EBS Le Relais",
        "EI",
        48.904886,
        2.430508,
        can_lead=True,
        address="4 Rue Albert Einstein",
        postcode="93000",
        commune_insee="93008",
    ),
    _structure("34980413800049", "JADE", "ACI", 48.924896, 2.414678, labels=["regie-de-quartier"]),
    _structure("35236771800041", "Amitié Solidarité", "AI", 48.878468, 2.411724, capacities={PAINTING: 300}),
]
SITES = [
    ("0930001A", "Collège Est", 48.90, 2.43, "L1"),
    ("0930002B", "Collège Nord", 48.925, 2.41, "L1"),
    ("0930003C", "Collège Sud", 48.88, 2.42, "L2"),
]
PLANNED_TENDER: dict[str, Any] = {
    "reference": "CD93-2026-PEINT",
    "title": "Peinture des collèges",
    "buyer": "Département de la Seine-Saint-Denis",
    "kind": "works",
    "lots": [
        {
            "id": lot,
            "title": f"Lot {lot}",
            "trade": PAINTING,
            "cpv": "45442110-1",
            "sites": [
                {"id": i, "name": n, "lat": lat, "lon": lon, "hours": 300, "value_eur": 12000}
                for i, n, lat, lon, site_lot in SITES
                if site_lot == lot
            ],
        }
        for lot in ("L1", "L2")
    ],
}


def wait_done(client: TestClient, headers: Headers, plan_id: int, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        plan: dict[str, Any] = client.get(f"/api/v1/plans/{plan_id}", headers=headers).json()
        if plan["status"] in ("done", "failed", "cancelled"):
            assert plan["status"] == "done", plan
            return plan
        assert time.monotonic() < deadline, f"plan {plan_id} still {plan['status']} after {timeout} s"
        time.sleep(0.1)


@dataclass
class Planned:
    tender_id: int
    plan: dict[str, Any]
    structures: dict[str, dict[str, Any]]  # API id as text -> structure

    @property
    def grouping(self) -> dict[str, Any]:
        best: dict[str, Any] = self.plan["result"]["groupings"][0]
        return best


@pytest.fixture
def solving(settings: Settings, tmp_path: Path) -> Iterator[None]:
    """Something solves queued plans: the app's embedded runner, or a worker process on PostgreSQL."""
    worker = None if settings.is_sqlite else Worker(settings, tmp_path / "worker.log")
    yield
    if worker is not None:
        worker.stop()


@pytest.fixture
def planned(client: TestClient, coordinator: Headers, solving: None) -> Planned:
    """A tender of three collèges planned with two co-traitants and an AI as sous-traitant (not accepted)."""
    structures = {}
    for body in STRUCTURES:
        created = client.post("/api/v1/structures", json=body, headers=coordinator)
        assert created.status_code == 201, created.text
        structures[str(created.json()["id"])] = created.json()
    tender = client.post("/api/v1/tenders", json=PLANNED_TENDER, headers=coordinator)
    assert tender.status_code == 201, tender.text
    options = {"time_limit_s": 20, "weights": {"subcontracting": 1.0}, "max_subcontracting_share": 0.5}
    queued = client.post(
        f"/api/v1/tenders/{tender.json()['id']}/plans", json={"options": options}, headers=coordinator
    )
    assert queued.status_code == 202, queued.text
    plan = wait_done(client, coordinator, queued.json()["id"])
    return Planned(tender.json()["id"], plan, structures)
