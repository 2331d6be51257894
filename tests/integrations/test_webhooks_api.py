"""`/api/v1/webhooks`: registration by a coordinator, and the plan events delivered to a real receiver."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlmodel import col

from app.integrations.webhooks.models import Webhook, WebhookDelivery
from app.integrations.webhooks.signing import verify
from tests.integrations.conftest import Headers, Planned
from tests.integrations.receiver import Received, Receiver, running_receiver

URL = "/api/v1/webhooks"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture
def hook(client: TestClient, coordinator: Headers, receiver: Receiver) -> dict[str, Any]:
    created = client.post(URL, json={"url": receiver.url, "description": "back-office"}, headers=coordinator)
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def _wait_settled(client: TestClient, coordinator: Headers, hook_id: int) -> None:
    """The receiver has answered; the deliverer records the outcome right after."""
    deadline = time.monotonic() + 10
    while client.get(f"{URL}/{hook_id}/deliveries?status=pending", headers=coordinator).json()["total"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _events(requests: list[Received]) -> list[str]:
    return [r.headers["x-planner-event"] for r in requests]


def test_secret_is_shown_once_and_crud_is_for_coordinators(
    client: TestClient, coordinator: Headers, viewer: Headers, stranger: Headers, hook: dict[str, Any]
) -> None:
    assert hook["secret"].startswith("whsec_")
    assert hook["events"] == ["plan.done", "plan.failed", "grouping.accepted"]
    read = client.get(f"{URL}/{hook['id']}", headers=coordinator).json()
    assert "secret" not in read and read["url"] == hook["url"]
    assert "secret" not in client.get(URL, headers=coordinator).json()["items"][0]
    for method, path, body in [
        ("GET", URL, None),
        ("POST", URL, {"url": "https://example.org"}),
        ("GET", f"{URL}/{hook['id']}", None),
        ("PATCH", f"{URL}/{hook['id']}", {"active": False}),
        ("DELETE", f"{URL}/{hook['id']}", None),
        ("GET", f"{URL}/{hook['id']}/deliveries", None),
    ]:
        assert client.request(method, path, json=body, headers=viewer).status_code == 403, (method, path)
    assert client.get(f"{URL}/{hook['id']}", headers=stranger).status_code == 404
    assert client.get(URL, headers=stranger).json()["total"] == 0
    patched = client.patch(
        f"{URL}/{hook['id']}", json={"events": ["plan.failed"], "active": False}, headers=coordinator
    ).json()
    assert (patched["events"], patched["active"]) == (["plan.failed"], False)
    assert client.delete(f"{URL}/{hook['id']}", headers=coordinator).status_code == 204
    assert client.get(f"{URL}/{hook['id']}", headers=coordinator).status_code == 404


def test_a_rotated_secret_signs_the_next_deliveries_with_the_old_one_during_the_overlap(
    client: TestClient, db: Engine, coordinator: Headers, hook: dict[str, Any], receiver: Receiver
) -> None:
    rotated = client.post(f"{URL}/{hook['id']}/secret", headers=coordinator).json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != hook["secret"]

    def ping_signature() -> tuple[bytes, str, str]:
        count = len(receiver.requests)
        client.post(f"{URL}/{hook['id']}/ping", headers=coordinator)
        request = receiver.wait_for(lambda r: len(r) == count + 1)[-1]
        return request.body, request.headers["x-planner-timestamp"], request.headers["x-planner-signature"]

    # During the overlap both secrets verify: the receiver can switch when it is ready.
    body, stamp, signature = ping_signature()
    assert signature.count("sha256=") == 2
    assert verify(rotated["secret"], stamp, body, signature)
    assert verify(hook["secret"], stamp, body, signature)

    # Once the overlap is over, only the new one does.
    with db.begin() as conn:
        conn.execute(update(Webhook).values(previous_secret_until=datetime(2020, 1, 1)))
    body, stamp, signature = ping_signature()
    assert verify(rotated["secret"], stamp, body, signature)
    assert not verify(hook["secret"], stamp, body, signature)

    # Rotating twice drops a leaked secret at once.
    client.post(f"{URL}/{hook['id']}/secret", headers=coordinator)
    last = client.post(f"{URL}/{hook['id']}/secret", headers=coordinator).json()
    body, stamp, signature = ping_signature()
    assert verify(last["secret"], stamp, body, signature)
    assert not verify(rotated["secret"], stamp, body, signature)
    assert not verify(hook["secret"], stamp, body, signature)


def test_secrets_are_stored_encrypted(db: Engine, hook: dict[str, Any]) -> None:
    with db.connect() as conn:
        stored = conn.execute(select(col(Webhook.secret))).scalar_one()
    assert hook["secret"] not in stored and not stored.startswith("whsec_")


def test_a_failed_delivery_is_sent_again_on_request(
    client: TestClient, db: Engine, coordinator: Headers, hook: dict[str, Any], receiver: Receiver
) -> None:
    delivery = client.post(f"{URL}/{hook['id']}/ping", headers=coordinator).json()
    receiver.wait_for(lambda r: len(r) == 1)
    retry = f"{URL}/{hook['id']}/deliveries/{delivery['id']}/retry"
    _wait_settled(client, coordinator, hook["id"])
    assert client.post(retry, headers=coordinator).status_code == 409  # delivered: nothing to retry
    # As the deliverer leaves it after its last attempt at a receiver that was down.
    with db.begin() as conn:
        conn.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id) == delivery["id"])
            .values(status="failed", attempts=8)
        )
    again = client.post(retry, headers=coordinator)
    assert again.status_code == 202 and (again.json()["status"], again.json()["attempts"]) == ("pending", 0)
    receiver.wait_for(lambda r: len(r) == 2)
    _wait_settled(client, coordinator, hook["id"])
    (listed,) = client.get(f"{URL}/{hook['id']}/deliveries", headers=coordinator).json()["items"]
    assert (listed["status"], listed["attempts"]) == ("delivered", 1)
    assert client.post(f"{URL}/{hook['id']}/deliveries/999999/retry", headers=coordinator).status_code == 404


def test_bad_url_and_events_are_named(client: TestClient, coordinator: Headers) -> None:
    response = client.post(
        URL, json={"url": "ftp://x.org/h", "events": ["plan.done", "plan.exploded"]}, headers=coordinator
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"url", "events.1"}
    ping = client.post(URL, json={"url": "https://user:pw@x.org/", "events": ["ping"]}, headers=coordinator)
    assert {e["field"] for e in ping.json()["errors"]} == {"url", "events"}


def test_ping_is_delivered_signed_and_listed(
    client: TestClient, coordinator: Headers, hook: dict[str, Any], receiver: Receiver
) -> None:
    queued = client.post(f"{URL}/{hook['id']}/ping", headers=coordinator)
    assert queued.status_code == 202 and queued.json()["status"] == "pending"
    (request,) = receiver.wait_for(lambda r: len(r) == 1)
    assert verify(
        hook["secret"],
        request.headers["x-planner-timestamp"],
        request.body,
        request.headers["x-planner-signature"],
    )
    assert json.loads(request.body)["data"] == {"webhook_id": hook["id"]}


def test_plan_done_and_grouping_accepted_reach_the_receiver(
    client: TestClient, coordinator: Headers, hook: dict[str, Any], receiver: Receiver, planned: Planned
) -> None:
    receiver.wait_for(lambda r: "plan.done" in _events(r))
    accepted = client.post(
        f"/api/v1/plans/{planned.plan['id']}/accept", json={"rank": 1}, headers=coordinator
    )
    assert accepted.status_code == 200
    receiver.wait_for(lambda r: "grouping.accepted" in _events(r))
    assert _events(receiver.requests) == ["plan.done", "grouping.accepted"]
    for request in receiver.requests:
        assert verify(
            hook["secret"],
            request.headers["x-planner-timestamp"],
            request.body,
            request.headers["x-planner-signature"],
        )
    done, chosen = (json.loads(r.body)["data"] for r in receiver.requests)
    assert done["plan_id"] == planned.plan["id"] and done["tender_id"] == planned.tender_id
    assert done["status"] == "done" and done["groupings"] == len(planned.plan["result"]["groupings"])
    assert chosen["rank"] == 1 and chosen["mandataire"] == planned.grouping["mandataire"]
    assert chosen["members"] == [m["structure"] for m in planned.grouping["members"]]

    _wait_settled(client, coordinator, hook["id"])
    listed = client.get(f"{URL}/{hook['id']}/deliveries", headers=coordinator).json()
    assert [(d["event"], d["status"], d["attempts"], d["response_status"]) for d in listed["items"]] == [
        ("grouping.accepted", "delivered", 1, 200),
        ("plan.done", "delivered", 1, 200),
    ]
    pending = client.get(f"{URL}/{hook['id']}/deliveries?status=pending", headers=coordinator).json()
    assert pending["total"] == 0
