"""Networks and keys as a coordinator manages them: created on purpose, listed, revoked, expiring,
and a client that keeps trying wrong keys is slowed down (429)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import Settings
from app.core.ratelimit import FailedAuthLimiter
from app.main import create_app
from app.networks.cli import parse_expiry
from app.networks.models import ApiKey, Network
from tests.conftest import Headers

runner = CliRunner()


def planner(settings: Settings, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), env={"DATABASE_URL": settings.database_url})
    return result.exit_code, result.stdout, result.stderr


def bearer(key: str) -> Headers:
    return {"Authorization": f"Bearer {key}"}


def test_a_network_is_created_then_listed_and_not_twice(db: Engine, settings: Settings) -> None:
    code, out, _ = planner(settings, "networks", "create", "reseau-est", "--name", "Réseau de l'Est")
    assert code == 0, out
    code, _, err = planner(settings, "networks", "create", "reseau-est")
    assert (code, err.strip()) == (2, "erreur : le réseau 'reseau-est' existe déjà")
    planner(settings, "keys", "create", "--network", "reseau-est", "--role", "viewer")
    code, out, _ = planner(settings, "networks", "list")
    assert code == 0
    [row] = [line for line in out.splitlines() if line.startswith("reseau-est")]
    assert row.split()[1] == "1" and row.endswith("Réseau de l'Est")


def test_a_mistyped_network_is_refused_and_nothing_is_created(db: Engine, settings: Settings) -> None:
    planner(settings, "networks", "create", "inser-eco93")
    code, out, err = planner(settings, "keys", "create", "--network", "inser-eco39", "--role", "coordinator")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        "erreur : réseau inconnu 'inser-eco39' : créez-le d'abord avec `planner networks create inser-eco39`"
        " (`planner networks list` liste les réseaux)"
    ]
    with Session(db) as session:
        assert session.exec(select(Network.slug)).all() == ["inser-eco93"]
        assert session.exec(select(ApiKey)).all() == []


def test_keys_are_listed_without_the_key_and_a_revoked_key_is_401(
    db: Engine, settings: Settings, client: TestClient
) -> None:
    planner(settings, "networks", "create", "inser-eco93")
    _, out, _ = planner(settings, "keys", "create", "--network", "inser-eco93", "--role", "coordinator")
    key = out.splitlines()[-1]
    _, out, _ = planner(settings, "keys", "create", "--network", "inser-eco93", "--role", "viewer")
    other = out.splitlines()[-1]
    assert client.get("/api/v1/network", headers=bearer(other)).status_code == 200

    code, listing, _ = planner(settings, "keys", "list", "--network", "inser-eco93")
    assert code == 0
    assert key not in listing and other not in listing
    rows = {line.split()[1]: line.split() for line in listing.splitlines()[1:]}
    assert set(rows) == {key[:12], other[:12]}
    assert rows[other[:12]][2] == "viewer" and rows[other[:12]][-1] == "active"
    # Used just now: the last-use column holds a date, not a dash.
    assert rows[other[:12]][5] != "—" and rows[key[:12]][5] == "—"

    code, out, _ = planner(settings, "keys", "revoke", other[:12], "--network", "inser-eco93")
    assert code == 0 and "révoquée" in out
    refused = client.get("/api/v1/network", headers=bearer(other))
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    _, listing, _ = planner(settings, "keys", "list", "--network", "inser-eco93")
    assert [line.split()[-1] for line in listing.splitlines() if other[:12] in line] == ["révoquée"]
    # The other key still works.
    assert client.get("/api/v1/network", headers=bearer(key)).status_code == 200


def test_revoking_an_unknown_key_or_in_another_network_is_refused(db: Engine, settings: Settings) -> None:
    planner(settings, "networks", "create", "inser-eco93")
    planner(settings, "networks", "create", "autre")
    _, out, _ = planner(settings, "keys", "create", "--network", "autre", "--role", "coordinator")
    code, _, err = planner(settings, "keys", "revoke", out.splitlines()[-1][:12], "--network", "inser-eco93")
    assert code == 2 and err.startswith("erreur : aucune clé")


def test_an_expired_key_is_401(db: Engine, settings: Settings, client: TestClient) -> None:
    planner(settings, "networks", "create", "inser-eco93")
    code, out, _ = planner(
        settings, "keys", "create", "--network", "inser-eco93", "--role", "viewer", "--expires", "30d"
    )
    assert code == 0 and "valable jusqu'au" in out
    key = out.splitlines()[-1]
    assert client.get("/api/v1/network", headers=bearer(key)).status_code == 200
    with db.begin() as conn:
        conn.execute(update(ApiKey).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert client.get("/api/v1/network", headers=bearer(key)).status_code == 401
    _, listing, _ = planner(settings, "keys", "list", "--network", "inser-eco93")
    assert listing.splitlines()[1].split()[-1] == "expirée"


def test_an_expiry_in_the_past_or_unreadable_is_refused(db: Engine, settings: Settings) -> None:
    planner(settings, "networks", "create", "inser-eco93")
    base = ["keys", "create", "--network", "inser-eco93", "--role", "viewer", "--expires"]
    code, _, err = planner(settings, *base, "2020-01-01")
    assert code == 2 and "déjà passée" in err
    code, _, err = planner(settings, *base, "bientôt")
    assert code == 2 and "une date (2027-06-30)" in err


def test_expiry_forms() -> None:
    now = datetime(2026, 11, 29, 10, 30, tzinfo=UTC)
    assert parse_expiry("90d", now) == now + timedelta(days=90)
    # A date: valid through that day.
    assert parse_expiry("2027-06-30", now) == datetime(2027, 7, 1, tzinfo=UTC)
    assert parse_expiry("2027-06-30T18:00+02:00", now) == datetime(2027, 6, 30, 16, 0, tzinfo=UTC)


def test_the_api_lists_and_revokes_the_networks_keys(
    client: TestClient, coordinator: Headers, viewer: Headers, stranger: Headers
) -> None:
    listing = client.get("/api/v1/keys", headers=coordinator)
    assert listing.status_code == 200
    body = listing.json()
    assert body["total"] == 2
    tokens = {h["Authorization"].removeprefix("Bearer ") for h in (coordinator, viewer)}
    assert {k["prefix"] for k in body["items"]} == {t[:12] for t in tokens}
    assert not any(token in listing.text for token in tokens)
    assert {k["role"] for k in body["items"]} == {"coordinator", "viewer"}
    assert all(k["state"] == "active" for k in body["items"])
    # The coordinator's key was just used; the viewer's never was.
    used = {k["role"]: k["last_used_at"] is not None for k in body["items"]}
    assert used == {"coordinator": True, "viewer": False}

    viewer_id = next(k["id"] for k in body["items"] if k["role"] == "viewer")
    assert client.delete(f"/api/v1/keys/{viewer_id}", headers=stranger).status_code == 404
    assert client.delete(f"/api/v1/keys/{viewer_id}", headers=viewer).status_code == 403
    assert client.delete(f"/api/v1/keys/{viewer_id}", headers=coordinator).status_code == 204
    assert client.get("/api/v1/network", headers=viewer).status_code == 401
    states = {k["id"]: k["state"] for k in client.get("/api/v1/keys", headers=coordinator).json()["items"]}
    assert states[viewer_id] == "revoked"


def test_last_use_is_written_at_most_once_a_minute(client: TestClient, viewer: Headers, db: Engine) -> None:
    for _ in range(3):
        client.get("/api/v1/network", headers=viewer)
    with Session(db) as session:
        first = session.exec(select(ApiKey.last_used_at)).one()
    assert first is not None
    with db.begin() as conn:
        conn.execute(update(ApiKey).values(last_used_at=first - timedelta(minutes=2)))
    client.get("/api/v1/network", headers=viewer)
    with Session(db) as session:
        later = session.exec(select(ApiKey.last_used_at).where(col(ApiKey.last_used_at) > first)).all()
    assert len(later) == 1


@pytest.fixture
def strict_app(settings: Settings, db: Engine) -> TestClient:
    """The API with 3 refused keys allowed per client per minute (no lifespan: no plan runner)."""
    return TestClient(create_app(settings.model_copy(update={"auth_failure_limit": 3})))


def test_repeated_wrong_keys_from_one_client_are_429(
    strict_app: TestClient, settings: Settings, coordinator: Headers
) -> None:
    app = strict_app.app
    guesser = TestClient(app, client=("203.0.113.7", 40000))
    honest = TestClient(app, client=("198.51.100.2", 40000))
    for _ in range(3):
        assert guesser.get("/api/v1/network", headers=bearer("pln_guess")).status_code == 401
    blocked = guesser.get("/api/v1/network", headers=bearer("pln_guess"))
    assert blocked.status_code == 429
    assert blocked.headers["content-type"] == "application/problem+json"
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    # Blocked even with a right key until the window passes; another client is not.
    assert guesser.get("/api/v1/network", headers=coordinator).status_code == 429
    assert honest.get("/api/v1/network", headers=coordinator).status_code == 200
    app.state.engine.dispose()  # type: ignore[attr-defined]


def test_the_limit_lifts_when_the_window_passes() -> None:
    now = [1000.0]
    limiter = FailedAuthLimiter(limit=2, window_s=60, clock=lambda: now[0])
    limiter.failed("a")
    now[0] += 30
    limiter.failed("a")
    assert limiter.retry_after("a") == 30
    now[0] += 30
    assert limiter.retry_after("a") is None
    assert limiter.retry_after("b") is None
