"""Webhooks reach public addresses only (every numeric form of an internal address is refused), connect
to the address that was checked, and record the same words whatever the socket said."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, create_engine

from app.core.config import DEVELOPMENT_SECRET_KEY, Settings
from app.integrations.webhooks import Event, emit
from app.integrations.webhooks.delivery import Deliverer, RetryPolicy
from app.integrations.webhooks.models import Webhook, WebhookDelivery
from app.integrations.webhooks.policy import WebhookPolicy
from app.integrations.webhooks.signing import new_secret
from app.integrations.webhooks.targets import REFUSED, is_public
from app.integrations.webhooks.vault import Vault
from app.main import create_app
from app.models import metadata
from app.networks.models import Network
from tests.integrations.conftest import Headers
from tests.integrations.receiver import Receiver, running_receiver

URL = "/api/v1/webhooks"

INTERNAL = [
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "http://127.0.0.1:8000/api/v1/health",
    "http://localhost:5432/",
    "http://[::1]/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # shared address space (carrier NAT)
    "http://2130706433/",  # 127.0.0.1 as one decimal number
    "http://0x7f.1/",  # hexadecimal, short form
    "http://127.1/",  # short form
    "http://017700000001/",  # octal
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "http://[::ffff:a9fe:a9fe]/",  # 169.254.169.254, mapped, in hexadecimal
    "http://0.0.0.0/",
    "http://[::]/",
    "http://224.0.0.1/",  # multicast
    "http://240.0.0.1/",  # reserved
    "http://[fe80::1]/",
    "http://[fd00::1]/",  # unique local
]


@pytest.fixture
def strict_app(settings: Settings) -> FastAPI:
    """The API as in production: private targets not allowed (same database as the tests)."""
    return create_app(settings.model_copy(update={"webhook_allow_private_targets": False}))


def test_a_webhook_to_an_internal_address_is_refused_in_every_form(
    strict_app: FastAPI, coordinator: Headers
) -> None:
    client = TestClient(strict_app)
    answers = {url: client.post(URL, json={"url": url}, headers=coordinator) for url in INTERNAL}
    assert {url: a.status_code for url, a in answers.items()} == dict.fromkeys(INTERNAL, 422)
    for answer in answers.values():
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"] == [{"field": "url", "reason": REFUSED}]
    assert client.get(URL, headers=coordinator).json()["total"] == 0


def test_a_public_target_is_accepted_and_cannot_be_moved_inside(
    strict_app: FastAPI, coordinator: Headers
) -> None:
    client = TestClient(strict_app)
    # A public address needs no name resolution (the tests have no network).
    created = client.post(URL, json={"url": "https://93.184.215.14/hooks/planner"}, headers=coordinator)
    assert created.status_code == 201, created.text
    moved = client.patch(
        f"{URL}/{created.json()['id']}", json={"url": "http://2130706433/"}, headers=coordinator
    )
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "url"
    assert (
        client.get(f"{URL}/{created.json()['id']}", headers=coordinator)
        .json()["url"]
        .startswith("https://93.")
    )


def test_is_public_by_the_ipaddress_module() -> None:
    assert is_public(ipaddress.ip_address("93.184.215.14"))
    assert is_public(ipaddress.ip_address("2606:2800:21f:cb07:6820:80da:af6b:8b2c"))
    for address in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "::ffff:10.0.0.1", "ff02::1"):
        assert not is_public(ipaddress.ip_address(address)), address


@pytest.fixture
def own_engine(tmp_path: Path) -> Iterator[Engine]:
    """A database of its own, out of reach of the application's deliverer."""
    engine = create_engine(f"sqlite:///{tmp_path / 'hooks.db'}")
    metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Network(id=1, slug="inser-eco93", name="Inser'Eco93"))
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


def policy(*, allow_private: bool) -> WebhookPolicy:
    return WebhookPolicy(Vault(DEVELOPMENT_SECRET_KEY), allow_private, timedelta(days=1))


def deliver_once(engine: Engine, url: str, webhooks: WebhookPolicy) -> WebhookDelivery:
    with Session(engine) as session:
        session.add(
            Webhook(network_id=1, url=url, events=["plan.done"], secret=webhooks.vault.seal(new_secret()))
        )
        session.commit()
        emit(session, 1, Event.plan_done, {"plan_id": 1})
        session.commit()
    deliverer = Deliverer(engine, RetryPolicy(timeout_s=2), poll_s=0, webhooks=webhooks)
    assert deliverer.deliver_due() == 1
    deliverer.stop()
    with Session(engine) as session:
        delivery = session.get(WebhookDelivery, 1)
        assert delivery is not None
        return delivery


def test_a_name_that_resolves_inside_at_delivery_time_is_not_connected_to(
    own_engine: Engine, receiver: Receiver
) -> None:
    # Stored while the name pointed elsewhere (or written in the database directly): checked again.
    url = receiver.url.replace("127.0.0.1", "localhost")
    delivery = deliver_once(own_engine, url, policy(allow_private=False))
    assert (delivery.status, delivery.error, delivery.response_status) == ("pending", REFUSED, None)
    assert receiver.requests == []


def test_a_delivery_connects_to_the_checked_address_with_the_name_as_host(
    own_engine: Engine, receiver: Receiver
) -> None:
    url = receiver.url.replace("127.0.0.1", "localhost")
    delivery = deliver_once(own_engine, url, policy(allow_private=True))
    assert delivery.status == "delivered", delivery.error
    [request] = receiver.requests
    port = url.split(":")[2].split("/")[0]
    assert request.headers["host"] == f"localhost:{port}"
    assert request.path == "/hooks/planner"
