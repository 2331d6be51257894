"""Access, route by route: no key or a wrong key is 401; a reader writing is 403; another network's
resource is 404. The route table is checked against the application, so a new route must be added here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from tests.api.conftest import Headers, structure_body, tender_body
from tests.plans.conftest import Worker


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    body: dict[str, Any] | None = None
    # Answers 200 only once the plan is solved and its grouping accepted.
    needs_grouping: bool = False
    # Read as well as written by coordinators only (webhooks hold the network's integration secrets).
    coordinator_only: bool = False

    @property
    def writes(self) -> bool:
        return self.method in {"POST", "PATCH", "PUT", "DELETE"} or self.coordinator_only

    @property
    def has_id(self) -> bool:
        return "{" in self.path

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ROUTES = [
    Route("GET", "/api/v1/network"),
    Route("GET", "/api/v1/keys", coordinator_only=True),
    Route("DELETE", "/api/v1/keys/{key_id}"),
    Route("POST", "/api/v1/structures", structure_body(kind="EI")),
    Route("GET", "/api/v1/structures"),
    Route("GET", "/api/v1/structures/{structure_id}"),
    Route("PATCH", "/api/v1/structures/{structure_id}", {"name": "Renamed"}),
    Route("DELETE", "/api/v1/structures/{structure_id}"),
    Route("POST", "/api/v1/tenders", tender_body(reference="OTHER")),
    Route("GET", "/api/v1/tenders"),
    Route("GET", "/api/v1/tenders/{tender_id}"),
    Route("PATCH", "/api/v1/tenders/{tender_id}", {"title": "Renamed"}),
    Route("DELETE", "/api/v1/tenders/{tender_id}"),
    Route("POST", "/api/v1/tenders/{tender_id}/plans", {"options": {"time_limit_s": 5}}),
    Route("GET", "/api/v1/tenders/{tender_id}/plans"),
    Route("GET", "/api/v1/plans/{plan_id}"),
    Route("GET", "/api/v1/plans/{plan_id}/problem"),
    Route("POST", "/api/v1/plans/{plan_id}/cancel"),
    Route("POST", "/api/v1/plans/{plan_id}/accept", {"rank": 1}),
    Route("POST", "/api/v1/plans/{plan_id}/replan", {"withdrawn": ["1"]}),
    Route("POST", "/api/v1/structures/import"),
    Route("POST", "/api/v1/tenders/import/ocds", {"uri": "x"}),
    Route("GET", "/api/v1/tenders/{tender_id}/ocds"),
    *[
        Route("GET", f"{base}/{form}", needs_grouping=True)
        for base in ("/api/v1/tenders/{tender_id}", "/api/v1/plans/{plan_id}/groupings/{rank}")
        for name in ("dc1", "dc2", "dc4", "annexe-repartition", "mise-a-disposition")
        for form in (name, f"{name}.pdf")
    ],
    Route("POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook"}),
    Route("GET", "/api/v1/webhooks", coordinator_only=True),
    Route("GET", "/api/v1/webhooks/{webhook_id}", coordinator_only=True),
    Route("PATCH", "/api/v1/webhooks/{webhook_id}", {"active": False}),
    Route("DELETE", "/api/v1/webhooks/{webhook_id}"),
    Route("POST", "/api/v1/webhooks/{webhook_id}/ping"),
    Route("POST", "/api/v1/webhooks/{webhook_id}/secret"),
    Route("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry"),
    Route("GET", "/api/v1/webhooks/{webhook_id}/deliveries", coordinator_only=True),
    Route("POST", "/api/v1/portfolios", {"tenders": [{"tender": 1}]}),
    Route("GET", "/api/v1/portfolios"),
    Route("GET", "/api/v1/portfolios/{portfolio_id}"),
    Route("GET", "/api/v1/portfolios/{portfolio_id}/problem"),
    Route("POST", "/api/v1/portfolios/{portfolio_id}/cancel"),
    Route("POST", "/api/v1/portfolios/{portfolio_id}/accept"),
    Route("GET", "/api/v1/commitments"),
    Route("GET", "/api/v1/commitments/{commitment_id}", needs_grouping=True),
    Route("POST", "/api/v1/commitments/{commitment_id}/release"),
    Route("GET", "/api/v1/load-calendar"),
]
# The JSON Schemas of the forms are published documentation, like the OpenAPI document.
PUBLIC = {"GET /api/v1/health", "GET /api/v1/forms/schemas", "GET /api/v1/forms/schemas/{name}"}


def test_the_table_covers_every_route_of_the_api(app: FastAPI) -> None:
    served = {
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/")
        for method in operations
    }
    assert served - PUBLIC == {str(r) for r in ROUTES}


class Owned(dict[str, Any]):
    """Path ids of the coordinator's resources; a plan is queued only for the routes that need one."""

    def __init__(self, client: TestClient, coordinator: Headers, solver: SolverWorker, **ids: Any) -> None:
        super().__init__(ids)
        self.client, self.coordinator, self.solver = client, coordinator, solver

    def accept_grouping(self) -> None:
        """Wait for the tender's plan to be solved, then accept its first grouping."""
        self.solver.ensure()
        plan_url = f"/api/v1/plans/{self['plan_id']}"
        deadline = time.monotonic() + 60
        while self.client.get(plan_url, headers=self.coordinator).json()["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, "the plan was not solved within 60 s"
            time.sleep(0.05)
        accepted = self.client.post(f"{plan_url}/accept", json={"rank": 1}, headers=self.coordinator)
        assert accepted.status_code == 200

    def __missing__(self, key: str) -> Any:
        if key == "rank":
            return 1
        if key == "key_id":
            # The coordinator's own key: no test of this table succeeds in revoking it.
            return self.client.get("/api/v1/keys", headers=self.coordinator).json()["items"][0]["id"]
        if key == "delivery_id":
            url = f"/api/v1/webhooks/{self['webhook_id']}/ping"
            self[key] = self.client.post(url, headers=self.coordinator).json()["id"]
            return self[key]
        if key == "webhook_id":
            # Port 9 (discard) on this machine: nothing leaves it, a delivery attempt just fails.
            body = {"url": "http://127.0.0.1:9/hook"}
            self[key] = self.client.post("/api/v1/webhooks", json=body, headers=self.coordinator).json()["id"]
            return self[key]
        if key == "portfolio_id":
            portfolio = {"tenders": [{"tender": self["tender_id"]}]}
            created = self.client.post("/api/v1/portfolios", json=portfolio, headers=self.coordinator)
            self[key] = created.json()["id"]
            return self[key]
        if key == "commitment_id":
            # Accepting a grouping commits its structures' hours.
            self.accept_grouping()
            # The tender now says which grouping is accepted: that is the state to keep unchanged.
            tender_url = f"/api/v1/tenders/{self['tender_id']}"
            self["tender"] = self.client.get(tender_url, headers=self.coordinator).json()
            listed = self.client.get("/api/v1/commitments", headers=self.coordinator).json()
            self[key] = listed["items"][0]["id"]
            return self[key]
        if key != "plan_id":
            raise KeyError(key)
        url = f"/api/v1/tenders/{self['tender_id']}/plans"
        self[key] = self.client.post(url, json={}, headers=self.coordinator).json()["id"]
        return self[key]


class SolverWorker:
    """On PostgreSQL plans are solved by worker processes, not by the application: one worker serves
    the whole module, started when a test first needs a solved plan. On SQLite, nothing to start."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.settings, self.log = settings, log
        self.worker: Worker | None = None

    def ensure(self) -> None:
        if self.worker is None and not self.settings.is_sqlite:
            self.worker = Worker(self.settings, self.log)

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()


@pytest.fixture(scope="module")
def solver(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SolverWorker]:
    worker = SolverWorker(settings, tmp_path_factory.mktemp("worker") / "worker.log")
    yield worker
    worker.stop()


@pytest.fixture
def owned(client: TestClient, coordinator: Headers, solver: SolverWorker) -> Owned:
    """A structure and a tender of the coordinator's network: path ids and their state as created."""
    structure = client.post("/api/v1/structures", json=structure_body(), headers=coordinator).json()
    tender = client.post("/api/v1/tenders", json=tender_body(), headers=coordinator).json()
    return Owned(
        client,
        coordinator,
        solver,
        structure_id=structure["id"],
        tender_id=tender["id"],
        structure=structure,
        tender=tender,
    )


def call(client: TestClient, route: Route, owned: dict[str, Any], headers: Headers) -> Any:
    url = route.path.format_map(owned)
    return client.request(route.method, url, json=route.body, headers=headers)


def unchanged(client: TestClient, owned: dict[str, Any], coordinator: Headers) -> bool:
    structure = client.get(f"/api/v1/structures/{owned['structure_id']}", headers=coordinator).json()
    tender = client.get(f"/api/v1/tenders/{owned['tender_id']}", headers=coordinator).json()
    counts = [
        client.get(f"/api/v1/{r}", headers=coordinator).json()["total"] for r in ("structures", "tenders")
    ]
    return structure == owned["structure"] and tender == owned["tender"] and counts == [1, 1]


@pytest.mark.parametrize("route", ROUTES, ids=str)
@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer pln_not-a-key"}, {"Authorization": "Basic dXNlcjpwdw=="}]
)
def test_no_key_or_a_wrong_key_is_401(
    client: TestClient, coordinator: Headers, owned: dict[str, Any], route: Route, headers: Headers
) -> None:
    response = call(client, route, owned, headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert unchanged(client, owned, coordinator)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.writes], ids=str)
@pytest.mark.parametrize("role", ["viewer", "member"])
def test_a_reader_writing_is_403(
    client: TestClient,
    coordinator: Headers,
    owned: dict[str, Any],
    route: Route,
    role: str,
    request: pytest.FixtureRequest,
) -> None:
    response = call(client, route, owned, request.getfixturevalue(role))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert unchanged(client, owned, coordinator)


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.writes], ids=str)
@pytest.mark.parametrize("role", ["viewer", "member"])
def test_a_reader_reads(
    client: TestClient,
    owned: Owned,
    route: Route,
    role: str,
    request: pytest.FixtureRequest,
) -> None:
    if route.needs_grouping:
        owned.accept_grouping()
    assert call(client, route, owned, request.getfixturevalue(role)).status_code == 200


@pytest.mark.parametrize("route", [r for r in ROUTES if r.has_id], ids=str)
def test_another_networks_resource_is_404(
    client: TestClient, coordinator: Headers, stranger: Headers, owned: dict[str, Any], route: Route
) -> None:
    response = call(client, route, owned, stranger)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert unchanged(client, owned, coordinator)


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.has_id and not r.writes], ids=str)
def test_another_network_sees_none_of_it_in_lists(
    client: TestClient, stranger: Headers, owned: dict[str, Any], route: Route
) -> None:
    body = call(client, route, owned, stranger).json()
    if route.path == "/api/v1/keys":
        # Its own key only.
        prefix = stranger["Authorization"].removeprefix("Bearer ")[:12]
        assert [key["prefix"] for key in body["items"]] == [prefix]
    elif "items" in body:
        assert (body["total"], body["items"]) == (0, [])
    elif route.path == "/api/v1/load-calendar":
        assert (body["structures"], body["tenders"]) == ([], [])
    else:
        assert body["slug"] == "autre-reseau"


def test_the_key_says_its_network_and_role(client: TestClient, viewer: Headers) -> None:
    body = client.get("/api/v1/network", headers=viewer).json()
    assert (body["slug"], body["role"]) == ("inser-eco93", "viewer")
    assert viewer["Authorization"].removeprefix("Bearer ").startswith(body["key_prefix"])
