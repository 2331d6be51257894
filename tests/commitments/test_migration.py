"""Groupings accepted before commitments were stored become commitments when the database is migrated."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.core import migrate
from app.core.config import Settings
from tests.commitments.network import SITE_HOURS, painters, plan, tender
from tests.plans.conftest import Headers


def test_an_accepted_grouping_is_committed_by_the_migration(
    client: TestClient, coordinator: Headers, settings: Settings, solving: None
) -> None:
    near, _ = painters(client, coordinator)
    done = plan(client, coordinator, tender(client, coordinator, "CD93-A"))
    client.post(f"/api/v1/plans/{done['id']}/accept", json={"rank": 1}, headers=coordinator)
    made = client.get("/api/v1/commitments", headers=coordinator).json()["items"]
    migrate.downgrade(settings, "0009_work_periods")
    migrate.upgrade(settings)
    [again] = client.get("/api/v1/commitments", headers=coordinator).json()["items"]
    assert again["status"] == "active" and again["plan_id"] == done["id"]
    assert [(x["structure_id"], x["hours"]) for x in again["lines"]] == [(int(near), 2 * SITE_HOURS)]
    assert again["lines"] == made[0]["lines"]
