"""Webhook signatures, event recording in the caller's transaction, and delivery with retries to a real
receiver on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, create_engine, select

from app.core.config import DEVELOPMENT_SECRET_KEY
from app.integrations.webhooks import Event, emit
from app.integrations.webhooks.delivery import UNREACHABLE, Deliverer, RetryPolicy
from app.integrations.webhooks.events import plan_finished
from app.integrations.webhooks.models import Webhook, WebhookDelivery
from app.integrations.webhooks.policy import WebhookPolicy
from app.integrations.webhooks.signing import new_secret, sign, verify
from app.integrations.webhooks.vault import Vault
from app.models import metadata
from app.networks.models import Network
from app.plans.models import Plan
from tests.integrations.receiver import Receiver, running_receiver

FAST = RetryPolicy(max_attempts=3, base_delay_s=0.05, factor=2, timeout_s=2, lease_s=5)
# The receiver of these tests listens on 127.0.0.1: private targets are allowed here, explicitly.
LOCAL = WebhookPolicy(
    Vault(DEVELOPMENT_SECRET_KEY), allow_private_targets=True, secret_overlap=timedelta(days=1)
)


def test_signature_verifies_and_refuses_tampering_and_replays() -> None:
    secret, body, now = new_secret(), b'{"event":"plan.done"}', 1_790_000_000
    signature = sign(secret, now, body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify(secret, str(now), body, signature, now=now + 10)
    assert not verify(secret, str(now), body + b" ", signature, now=now)
    assert not verify(new_secret(), str(now), body, signature, now=now)
    assert not verify(secret, str(now + 1), body, signature, now=now)
    assert not verify(secret, str(now), body, signature, now=now + 301)
    assert not verify(secret, "yesterday", body, signature, now=now)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A database of its own, out of reach of the application's deliverer."""
    engine = create_engine(f"sqlite:///{tmp_path / 'hooks.db'}")
    metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Network(id=1, slug="inser-eco93", name="Inser'Eco93"))
        session.add(Network(id=2, slug="autre-reseau", name="Autre"))
        session.commit()
    yield engine
    engine.dispose()


def _hook(
    engine: Engine, url: str, events: list[str], *, network_id: int = 1, active: bool = True
) -> tuple[Webhook, str]:
    """A webhook stored as the service stores it (secret sealed), and its secret in clear."""
    secret = new_secret()
    with Session(engine) as session:
        hook = Webhook(
            network_id=network_id, url=url, events=events, secret=LOCAL.vault.seal(secret), active=active
        )
        session.add(hook)
        session.commit()
        session.refresh(hook)
        return hook, secret


def _deliveries(engine: Engine) -> list[WebhookDelivery]:
    with Session(engine) as session:
        return list(session.exec(select(WebhookDelivery).order_by(col(WebhookDelivery.id))).all())


def test_emit_records_only_for_subscribed_active_hooks_of_the_network(engine: Engine) -> None:
    done, _ = _hook(engine, "http://127.0.0.1:9/a", ["plan.done", "plan.failed"])
    _hook(engine, "http://127.0.0.1:9/b", ["grouping.accepted"])
    _hook(engine, "http://127.0.0.1:9/c", ["plan.done"], active=False)
    _hook(engine, "http://127.0.0.1:9/d", ["plan.done"], network_id=2)
    with Session(engine) as session:
        assert emit(session, 1, Event.plan_done, {"plan_id": 7}) == 1
        session.commit()
    (delivery,) = _deliveries(engine)
    assert (delivery.webhook_id, delivery.event, delivery.status) == (done.id, "plan.done", "pending")
    assert delivery.payload["data"] == {"plan_id": 7}


def test_a_failed_plan_is_announced_with_its_reason(engine: Engine) -> None:
    _hook(engine, "http://127.0.0.1:9/a", ["plan.failed"])
    with Session(engine) as session:
        plan = Plan(
            network_id=1,
            tender_id=4,
            status="failed",
            reason="the solver raised an error: boom",
            options={},
            problem={},
        )
        session.add(plan)
        session.flush()
        plan_id = plan.id
        assert plan_id is not None
        assert plan_finished(session, plan_id) == 1
        session.commit()
    (delivery,) = _deliveries(engine)
    assert delivery.event == "plan.failed"
    assert delivery.payload["data"] == {
        "plan_id": plan_id,
        "tender_id": 4,
        "status": "failed",
        "url": f"/api/v1/plans/{plan_id}",
        "reason": "the solver raised an error: boom",
    }


def test_emit_in_a_rolled_back_transaction_sends_nothing(engine: Engine) -> None:
    _hook(engine, "http://127.0.0.1:9/a", ["plan.failed"])
    with Session(engine) as session:
        assert emit(session, 1, "plan.failed", {"plan_id": 1}) == 1
        session.rollback()
    assert _deliveries(engine) == []


def _deliver_until_settled(
    deliverer: Deliverer, engine: Engine, timeout: float = 10
) -> list[WebhookDelivery]:
    deadline = time.monotonic() + timeout
    while any(d.status == "pending" for d in _deliveries(engine)):
        assert time.monotonic() < deadline, _deliveries(engine)
        deliverer.deliver_due()
        time.sleep(0.02)
    return _deliveries(engine)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


def test_delivery_is_signed_retried_with_backoff_and_recorded(engine: Engine, receiver: Receiver) -> None:
    _, secret = _hook(engine, receiver.url, ["plan.done"])
    receiver.codes = [500, 503]
    with Session(engine) as session:
        emit(session, 1, Event.plan_done, {"plan_id": 3, "tender_id": 2})
        session.commit()
    deliverer = Deliverer(engine, FAST, poll_s=0, webhooks=LOCAL)
    (delivery,) = _deliver_until_settled(deliverer, engine)
    deliverer.stop()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 3, 200)
    assert delivery.delivered_at is not None and delivery.error is None
    assert len(receiver.requests) == 3
    for request in receiver.requests:
        assert request.path == "/hooks/planner"
        assert request.headers["x-planner-event"] == "plan.done"
        assert request.headers["x-planner-delivery"] == str(delivery.id)
        assert verify(
            secret,
            request.headers["x-planner-timestamp"],
            request.body,
            request.headers["x-planner-signature"],
        )
    body = json.loads(receiver.requests[0].body)
    assert body["event"] == "plan.done" and body["data"] == {"plan_id": 3, "tender_id": 2}


def test_a_receiver_that_keeps_failing_ends_failed_after_the_last_attempt(
    engine: Engine, receiver: Receiver
) -> None:
    _hook(engine, receiver.url, ["plan.failed"])
    receiver.codes = [500] * 10
    with Session(engine) as session:
        emit(session, 1, Event.plan_failed, {"plan_id": 3, "reason": "no structure can lead"})
        session.commit()
    deliverer = Deliverer(engine, FAST, poll_s=0, webhooks=LOCAL)
    (delivery,) = _deliver_until_settled(deliverer, engine)
    deliverer.stop()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 3, 500)
    assert delivery.error == "the receiver answered 500"
    assert len(receiver.requests) == 3


def test_an_unreachable_receiver_is_recorded_and_retried_later(engine: Engine) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _hook(engine, f"http://127.0.0.1:{port}/nobody", ["plan.done"])
    with Session(engine) as session:
        emit(session, 1, Event.plan_done, {"plan_id": 1})
        session.commit()
    deliverer = Deliverer(engine, RetryPolicy(base_delay_s=60, timeout_s=2), poll_s=0, webhooks=LOCAL)
    assert deliverer.deliver_due() == 1
    assert deliverer.deliver_due() == 0  # the retry is not due before its backoff delay
    deliverer.stop()
    (delivery,) = _deliveries(engine)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, None)
    # The same words as for a port that never answers: the list does not tell open ports from closed.
    assert delivery.error == UNREACHABLE
    assert delivery.last_attempt_at is not None
    assert (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds() == pytest.approx(60, abs=1)


def test_two_deliverers_send_a_delivery_once(engine: Engine, receiver: Receiver) -> None:
    _hook(engine, receiver.url, ["plan.done"])
    with Session(engine) as session:
        for plan_id in range(5):
            emit(session, 1, Event.plan_done, {"plan_id": plan_id})
        session.commit()
    first, second = (
        Deliverer(engine, FAST, poll_s=0.01, webhooks=LOCAL),
        Deliverer(engine, FAST, poll_s=0.01, webhooks=LOCAL),
    )
    first.start()
    second.start()
    receiver.wait_for(lambda requests: len(requests) >= 5)
    time.sleep(0.2)
    first.stop()
    second.stop()
    assert sorted(json.loads(r.body)["data"]["plan_id"] for r in receiver.requests) == [0, 1, 2, 3, 4]
    assert {d.status for d in _deliveries(engine)} == {"delivered"}
