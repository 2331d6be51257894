"""Load calendar fixtures: the plan fixtures, and a network with one tender committed, one planned."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from tests.commitments.network import painters, plan, tender
from tests.plans.conftest import Headers, _empty_after, solving, start_worker

__all__ = ["Year", "_empty_after", "solving", "start_worker", "year"]

# `near`: 150 h a month of painting (its hours per month); `far`: 1 000 h a year, no hours per month.
NEAR_MONTH = 150


@dataclass
class Year:
    near: str
    far: str
    summer: int  # committed: 195 h at Saint-Denis in the summer holidays
    september: int  # planned: 120 h at Montreuil in September, not accepted
    summer_plan: int
    september_plan: int


@pytest.fixture
def year(client: TestClient, coordinator: Headers, solving: None) -> Year:
    availability = [{"trade": "peinture-revetement-des-murs", "per": "month", "hours": NEAR_MONTH}]
    near, far = painters(client, coordinator, availability)
    summer = tender(
        client,
        coordinator,
        "CD93-ETE",
        start="2026-07-01",
        end="2026-08-31",
        sites=((48.9370, 2.3590, 195),),
        windows=[{"start": "2026-07-06", "end": "2026-08-28"}],
    )
    september = tender(
        client,
        coordinator,
        "CD93-SEPT",
        start="2026-09-01",
        end="2026-09-30",
        sites=((48.8640, 2.4480, 120),),
    )
    summer_plan = plan(client, coordinator, summer)
    accepted = client.post(f"/api/v1/plans/{summer_plan['id']}/accept", json={"rank": 1}, headers=coordinator)
    assert accepted.status_code == 200, accepted.text
    september_plan = plan(client, coordinator, september)
    return Year(near, far, summer, september, summer_plan["id"], september_plan["id"])
