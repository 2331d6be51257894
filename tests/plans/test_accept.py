"""Accepting a grouping: the same grouping again changes nothing, and accepts at once never fail with 500."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import col

from app.integrations.webhooks.models import WebhookDelivery
from app.plans.models import Plan
from tests.plans.conftest import Headers, finished, queue_plan, wait_for


def accepted_deliveries(engine: Engine) -> int:
    with engine.connect() as conn:
        count: int = conn.execute(
            select(func.count()).where(col(WebhookDelivery.event) == "grouping.accepted")
        ).scalar_one()
    return count


def accepted_plans(engine: Engine, tender_id: int) -> list[tuple[int | None, int | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(col(Plan.id), col(Plan.accepted_rank)).where(
                col(Plan.tender_id) == tender_id, col(Plan.accepted_rank).is_not(None)
            )
        ).all()
    return [(plan_id, rank) for plan_id, rank in rows]


def subscribe(client: TestClient, coordinator: Headers) -> None:
    hook = client.post(
        "/api/v1/webhooks",
        # A closed port on this machine: the deliveries fail; what is counted is what was recorded.
        json={"url": "http://127.0.0.1:9/planner", "events": ["grouping.accepted"]},
        headers=coordinator,
    )
    assert hook.status_code == 201, hook.text


def test_accepting_the_same_grouping_again_changes_nothing_and_announces_nothing(
    client: TestClient, coordinator: Headers, small_tender: int, solving: None, db: Engine
) -> None:
    subscribe(client, coordinator)
    plan = wait_for(
        client, coordinator, queue_plan(client, coordinator, small_tender, alternatives=2)["id"], finished
    )
    assert plan["status"] == "done", plan
    url = f"/api/v1/plans/{plan['id']}/accept"

    def tag() -> str:
        etag: str = client.get(f"/api/v1/plans/{plan['id']}", headers=coordinator).headers["ETag"]
        return etag

    before = tag()
    first = client.post(url, json={"rank": 1}, headers=coordinator)
    assert first.status_code == 200 and first.json()["accepted_rank"] == 1
    accepted = tag()
    assert accepted != before
    again = client.post(url, json={"rank": 1}, headers=coordinator)
    assert again.status_code == 200
    assert tag() == accepted
    # Not un-accepted, not re-dated, not announced twice.
    assert again.json() == first.json()
    assert accepted_deliveries(db) == 1
    tender = client.get(f"/api/v1/tenders/{small_tender}", headers=coordinator).json()
    assert (tender["accepted"]["plan_id"], tender["accepted"]["rank"]) == (plan["id"], 1)

    # Another grouping replaces it, once, and is announced once.
    other = client.post(url, json={"rank": 2}, headers=coordinator)
    assert other.status_code == 200 and other.json()["accepted_rank"] == 2
    assert client.post(url, json={"rank": 2}, headers=coordinator).json()["accepted_rank"] == 2
    assert accepted_deliveries(db) == 2
    assert accepted_plans(db, small_tender) == [(plan["id"], 2)]


def test_an_accept_with_a_stale_if_match_is_refused_and_changes_nothing(
    client: TestClient, coordinator: Headers, small_tender: int, solving: None, db: Engine
) -> None:
    # two coordinators read the plan; one accepts grouping 2; the other's accept of grouping 1, sent
    # with the version it read, is refused (412) instead of silently replacing it
    plan = wait_for(
        client, coordinator, queue_plan(client, coordinator, small_tender, alternatives=2)["id"], finished
    )
    assert plan["status"] == "done", plan
    url = f"/api/v1/plans/{plan['id']}/accept"
    read = client.get(f"/api/v1/plans/{plan['id']}", headers=coordinator).headers["ETag"]
    first = client.post(url, json={"rank": 2}, headers={**coordinator, "If-Match": read})
    assert first.status_code == 200 and first.json()["accepted_rank"] == 2
    assert (
        first.headers["ETag"]
        == client.get(f"/api/v1/plans/{plan['id']}", headers=coordinator).headers["ETag"]
    )
    stale = client.post(url, json={"rank": 1}, headers={**coordinator, "If-Match": read})
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert accepted_plans(db, small_tender) == [(plan["id"], 2)]
    # the same grouping again is answered as it is, whatever If-Match says (a retried request)
    retried = client.post(url, json={"rank": 2}, headers={**coordinator, "If-Match": read})
    assert retried.status_code == 200 and retried.json()["accepted_rank"] == 2
    # with the version now current, grouping 1 is accepted
    fresh = first.headers["ETag"]
    assert client.post(url, json={"rank": 1}, headers={**coordinator, "If-Match": fresh}).status_code == 200
    assert accepted_plans(db, small_tender) == [(plan["id"], 1)]


def test_accepts_of_one_tender_at_once_leave_one_grouping_and_never_a_500(
    app: FastAPI, client: TestClient, coordinator: Headers, small_tender: int, solving: None, db: Engine
) -> None:
    subscribe(client, coordinator)
    plans = [queue_plan(client, coordinator, small_tender, alternatives=2)["id"] for _ in range(2)]
    for plan_id in plans:
        assert wait_for(client, coordinator, plan_id, finished)["status"] == "done"
    choices = [(plan_id, rank) for plan_id in plans for rank in (1, 2)]
    # A 500 is counted as an answer, not raised in the test.
    racing = TestClient(app, raise_server_exceptions=False)

    def accept(i: int) -> tuple[int, int, int]:
        plan_id, rank = choices[i % len(choices)]
        answer = racing.post(f"/api/v1/plans/{plan_id}/accept", json={"rank": rank}, headers=coordinator)
        return answer.status_code, plan_id, rank

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(accept, range(40)))

    statuses = sorted({status for status, _, _ in answers})
    assert set(statuses) <= {200, 409}, answers
    [final] = accepted_plans(db, small_tender)
    assert final in [(plan_id, rank) for status, plan_id, rank in answers if status == 200]
    # An announcement per change of the accepted grouping at most: never one for a refused accept.
    assert 1 <= accepted_deliveries(db) <= sum(s == 200 for s, _, _ in answers)
    tender = client.get(f"/api/v1/tenders/{small_tender}", headers=coordinator).json()
    assert (tender["accepted"]["plan_id"], tender["accepted"]["rank"]) == final
