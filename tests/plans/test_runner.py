"""The embedded runner of `planner serve`: nothing is lost when the server stops or dies mid-solve."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from app.core.config import Settings
from app.main import create_app
from app.plans.models import Plan
from tests.plans.conftest import Headers, finished, queue_plan, wait_for


def test_a_plan_interrupted_by_a_server_stop_is_solved_after_the_restart(
    settings: Settings, client: TestClient, coordinator: Headers, big_tender: int
) -> None:
    embedded = settings.model_copy(update={"jobs_mode": "embedded"})
    with TestClient(create_app(embedded)) as server:
        plan = queue_plan(server, coordinator, big_tender, time_limit_s=4)
        wait_for(server, coordinator, plan["id"], lambda p: p["status"] == "running")
    # The stopped server stopped its solve and queued the plan again (on SQLite the runner of the shared
    # test app may already have taken it over).
    after_stop = client.get(f"/api/v1/plans/{plan['id']}", headers=coordinator).json()
    assert after_stop["status"] == "queued" or after_stop["attempts"] == 2, after_stop

    with TestClient(create_app(embedded)) as restarted:
        done = wait_for(restarted, coordinator, plan["id"], finished, timeout=60)
    assert done["status"] == "done" and done["attempts"] >= 2, done
    assert done["result"]["groupings"]


def test_a_plan_left_running_by_a_dead_server_is_solved_at_the_next_start(
    settings: Settings, engine: Engine, client: TestClient, coordinator: Headers, small_tender: int
) -> None:
    plan = client.post(f"/api/v1/tenders/{small_tender}/plans", json={}, headers=coordinator).json()
    # As a server killed mid-solve leaves it: running, owned by a run that no longer exists.
    with engine.begin() as conn:
        conn.execute(
            update(Plan).where(Plan.id == plan["id"]).values(status="running", run_id="gone", attempts=1)
        )
    embedded = settings.model_copy(update={"jobs_mode": "embedded"})
    with TestClient(create_app(embedded)) as restarted:
        done = wait_for(restarted, coordinator, plan["id"], finished, timeout=60)
    assert done["status"] == "done" and done["attempts"] == 2, done
