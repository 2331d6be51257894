"""A tiny painting network whose plans are worked out by hand: two painters and tenders near the first.

Coordinates in Seine-Saint-Denis; figures illustrative. `near` (Saint-Denis) can lead and holds
1 000 h of painting; `far` (Montreuil, about 8 km away) too. Each tender has two collèges of 300 h
a few hundred metres from `near`: alone, `near` does both (one member, the shortest distance).
"""

from __future__ import annotations

import random
from typing import Any

from fastapi.testclient import TestClient

from tests.plans.conftest import Headers, add_structures, add_tender, finished, queue_plan, wait_for
from tests.plans.scenario import TRADE, siret

CAPACITY = 1000
SITE_HOURS = 300


def painters(
    client: TestClient, headers: Headers, availability: list[dict[str, Any]] | None = None
) -> tuple[str, str]:
    """`near` and `far`; `availability` (hours per month or week) is `near`'s."""
    rng = random.Random(14)
    bodies = [
        {
            "siret": siret(rng),
            "name": name,
            "kind": "EI",
            "lat": lat,
            "lon": lon,
            "territory": territory,
            "annual_turnover_eur": 500000,
            "can_lead": True,
            "max_distance_km": 30,
            "capacities": {TRADE: CAPACITY},
        }
        for name, lat, lon, territory in (
            ("Peinture Saint-Denis", 48.9362, 2.3574, "Plaine Commune"),
            ("Peinture Montreuil", 48.8638, 2.4485, "Est Ensemble"),
        )
    ]
    if availability is not None:
        bodies[0]["availability"] = availability
    near, far = add_structures(client, headers, bodies)
    return near, far


NEAR_SITES = ((48.9370, 2.3590, SITE_HOURS), (48.9350, 2.3560, SITE_HOURS))


def tender(
    client: TestClient,
    headers: Headers,
    reference: str,
    start: str | None = "2026-09-01",
    end: str | None = "2027-06-30",
    sites: tuple[tuple[float, float, float], ...] = NEAR_SITES,
    windows: list[dict[str, str]] | None = None,
) -> int:
    """A painting tender of collèges (latitude, longitude, hours), its lot done within `windows`."""
    lot: dict[str, Any] = {
        "id": "L1",
        "title": "Peinture",
        "trade": TRADE,
        "sites": [
            {
                "id": f"{reference}-{n}",
                "name": f"Collège {n}",
                "lat": lat,
                "lon": lon,
                "hours": hours,
                "value_eur": hours * 45,
            }
            for n, (lat, lon, hours) in enumerate(sites, start=1)
        ],
    }
    if windows is not None:
        lot["windows"] = windows
    body: dict[str, Any] = {
        "reference": reference,
        "title": "Peinture des collèges",
        "kind": "works",
        "lots": [lot],
    }
    body |= {k: v for k, v in (("execution_start", start), ("execution_end", end)) if v is not None}
    return add_tender(client, headers, body)


def plan(client: TestClient, headers: Headers, tender_id: int, **options: Any) -> dict[str, Any]:
    """A plan of the tender, solved; sous-traitance off, so that hours go to members only."""
    options = {"max_subcontracting_share": 0, "time_limit_s": 20, **options}
    done = wait_for(client, headers, queue_plan(client, headers, tender_id, **options)["id"], finished)
    assert done["status"] == "done", done
    return done


def hours_of(plan: dict[str, Any], rank: int = 1) -> dict[str, float]:
    grouping = next(g for g in plan["result"]["groupings"] if g["rank"] == rank)
    return {m["structure"]: m["own_hours"] for m in grouping["members"]}
