"""Limits a client cannot pass: body size while it streams (413), string lengths, counts of lots and
sites, numbers that stay finite when summed, what a plan may ask of the machine, and how many plans
a network may have waiting (429)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert
from sqlmodel import Session, select
from stdnum import luhn

from app.core.config import Settings
from app.core.db import utcnow
from app.integrations.routes import MAX_CSV_BYTES
from app.plans.limits import machine_cores
from app.plans.models import Plan, PlanStatus
from app.structures.models import Structure
from app.tenders.models import Site, Tender
from tests.api.conftest import Headers, structure_body, tender_body

API = "/api/v1"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def fields(response: Any) -> set[str]:
    return {e["field"] for e in problem(response, 422)["errors"]}


def stored_tenders(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        tenders = session.exec(select(func.count()).select_from(Tender)).one()
        sites = session.exec(select(func.count()).select_from(Site)).one()
    return tenders, sites


# Bodies


def asgi_post(app: FastAPI, path: str, chunks: int, chunk: bytes, headers: list[tuple[bytes, bytes]]) -> Any:
    """POST straight through ASGI, the body in `chunks` pieces: returns (status, body, pieces read)."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= chunks:
            return {"type": "http.disconnect"}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), json.loads(body), pulled


def test_a_chunked_body_over_the_limit_is_413_before_it_is_read_whole(
    app: FastAPI, settings: Settings, coordinator: Headers
) -> None:
    auth = [(b"authorization", coordinator["Authorization"].encode())]
    piece = b" " * 65_536
    chunks = 10 * settings.max_body_bytes // len(piece)  # ten times the limit, no Content-Length
    status, headers, body, pulled = asgi_post(app, f"{API}/structures", chunks, piece, auth)
    assert status == 413
    assert headers[b"content-type"] == b"application/problem+json"
    assert str(settings.max_body_bytes) in body["detail"]
    assert body["errors"] == [{"field": "body", "reason": f"larger than {settings.max_body_bytes} bytes"}]
    # Reading stopped at the limit: about a tenth of the pieces.
    assert pulled <= settings.max_body_bytes // len(piece) + 2


def test_a_content_length_that_lies_does_not_pass_the_limit(
    app: FastAPI, settings: Settings, coordinator: Headers
) -> None:
    auth = [(b"authorization", coordinator["Authorization"].encode()), (b"content-length", b"10")]
    piece = b" " * 65_536
    status, _, body, pulled = asgi_post(app, f"{API}/structures", 40, piece, auth)
    assert status == 413 and body["status"] == 413
    assert pulled < 40


def test_a_declared_length_over_the_limit_is_refused_at_once(
    client: TestClient, settings: Settings, coordinator: Headers
) -> None:
    body = b"[" + b"0," * settings.max_body_bytes + b"0]"
    response = client.post(
        f"{API}/structures", content=body, headers=coordinator | {"content-type": "application/json"}
    )
    refused = problem(response, 413)
    assert refused["instance"] == f"{API}/structures"
    assert refused["errors"][0]["field"] == "body"


def test_a_tender_may_be_larger_than_other_bodies_but_its_strings_are_bounded(
    client: TestClient, settings: Settings, coordinator: Headers, db: Engine
) -> None:
    # A body over the default limit, within the tenders' one: it is read, and the long name refused.
    body = tender_body()
    body["lots"][0]["sites"][0]["name"] = "x" * (settings.max_body_bytes + 1)
    response = client.post(f"{API}/tenders", json=body, headers=coordinator)
    assert fields(response) == {"lots.0.sites.0.name"}
    assert stored_tenders(db) == (0, 0)


def test_a_csv_file_over_its_limit_is_413(client: TestClient, coordinator: Headers) -> None:
    csv = b"siret,name,kind,lat,lon\n" + b"34980413800049,JADE,ACI,48.92,2.41\n" * (MAX_CSV_BYTES // 30)
    response = client.post(
        f"{API}/structures/import", content=csv, headers=coordinator | {"content-type": "text/csv"}
    )
    problem(response, 413)


def csv_rows(count: int) -> bytes:
    """A directory file of `count` rows, each a structure of its own (SIRETs with valid check digits)."""
    lines = ["siret,name,kind,lat,lon"]
    for i in range(count):
        siren = f"{80000000 + i:08d}"
        siren += luhn.calc_check_digit(siren)
        siret = siren + "0001" + luhn.calc_check_digit(siren + "0001")
        lines.append(f"{siret},Structure {i},EI,48.92,2.41")
    return ("\n".join(lines) + "\n").encode()


def stored_structures(engine: Engine) -> int:
    with Session(engine) as session:
        count: int = session.exec(select(func.count()).select_from(Structure)).one()
    return count


def test_a_csv_file_over_the_row_limit_is_refused_whole_naming_the_limit(
    client: TestClient, coordinator: Headers, settings: Settings, db: Engine
) -> None:
    limit = settings.max_csv_rows
    assert limit == 20_000  # the default the README and the OpenAPI state
    body = csv_rows(limit + 1)
    assert len(body) < MAX_CSV_BYTES  # within the byte limit: the rows are what is refused
    response = client.post(
        f"{API}/structures/import", content=body, headers=coordinator | {"content-type": "text/csv"}
    )
    answer = problem(response, 413)
    assert "20000" in answer["detail"] and "MAX_CSV_ROWS" in answer["detail"]
    assert answer["errors"] == [
        {"field": "body", "reason": "more than 20000 rows: one import takes at most 20000 (MAX_CSV_ROWS)"}
    ]
    assert stored_structures(db) == 0
    description = client.get("/openapi.json").json()["info"]["description"]
    assert "at most 20 000 data rows (`MAX_CSV_ROWS`)" in description


def test_the_row_limit_is_a_setting_and_a_file_at_the_limit_passes(
    client: TestClient, coordinator: Headers, settings: Settings, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "max_csv_rows", 3)
    headers = coordinator | {"content-type": "text/csv"}
    refused = client.post(f"{API}/structures/import", content=csv_rows(4), headers=headers)
    assert "more than 3 rows" in problem(refused, 413)["errors"][0]["reason"]
    assert stored_structures(db) == 0
    accepted = client.post(f"{API}/structures/import", content=csv_rows(3), headers=headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["created"] == 3
    assert stored_structures(db) == 3


# Strings and counts


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("sites.0.name", "site"),
        ("sites.0.address", "site"),
        ("sites.0.territory", "site"),
        ("title", "lot"),
    ],
)
def test_long_strings_in_a_tender_are_422_named(
    client: TestClient, coordinator: Headers, db: Engine, path: str, where: str
) -> None:
    body = tender_body()
    target: Any = body["lots"][0]
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = "x" * 20_000
    assert fields(client.post(f"{API}/tenders", json=body, headers=coordinator)) == {f"lots.0.{path}"}
    assert stored_tenders(db) == (0, 0)


def test_a_long_structure_name_is_422_on_create_and_on_patch(
    client: TestClient, coordinator: Headers
) -> None:
    response = client.post(f"{API}/structures", json=structure_body(name="x" * 20_000), headers=coordinator)
    assert fields(response) == {"name"}
    created = client.post(f"{API}/structures", json=structure_body(), headers=coordinator).json()
    patched = client.patch(
        f"{API}/structures/{created['id']}", json={"name": "x" * 20_000}, headers=coordinator
    )
    assert fields(patched) == {"name"}
    assert client.get(f"{API}/structures/{created['id']}", headers=coordinator).json()["name"] == "JADE"


def test_too_many_lots_is_422(client: TestClient, coordinator: Headers) -> None:
    site = tender_body()["lots"][0]["sites"][0]
    lot = tender_body()["lots"][0]
    lots = [lot | {"id": f"L{i}", "sites": [site | {"id": f"S{i}"}]} for i in range(201)]
    assert fields(client.post(f"{API}/tenders", json=tender_body(lots=lots), headers=coordinator)) == {"lots"}


def test_too_many_sites_in_a_tender_is_422(
    client: TestClient, coordinator: Headers, monkeypatch: pytest.MonkeyPatch, db: Engine
) -> None:
    # The limit (100 000) lowered to keep the test small; the check is the same.
    monkeypatch.setattr("app.tenders.schemas.MAX_SITES_PER_TENDER", 4)
    lots = tender_body()["lots"] * 2
    lots = [lots[0], lots[1] | {"id": "L2", "sites": [s | {"id": s["id"] + "-2"} for s in lots[1]["sites"]]}]
    response = client.post(f"{API}/tenders", json=tender_body(lots=lots), headers=coordinator)
    [error] = problem(response, 422)["errors"]
    assert error["field"] == "lots" and "at most 4 sites" in error["reason"]
    assert stored_tenders(db) == (0, 0)


# Numbers


def test_hours_of_1e308_on_two_sites_are_422_and_nothing_is_stored(
    client: TestClient, coordinator: Headers, db: Engine
) -> None:
    # Each finite, their sum is not: refused before anything is written, on either database.
    body = tender_body()
    for site in body["lots"][0]["sites"][:2]:
        site["hours"] = 1e308
    response = client.post(f"{API}/tenders", json=body, headers=coordinator)
    assert fields(response) == {"lots.0.sites.0.hours", "lots.0.sites.1.hours"}
    assert stored_tenders(db) == (0, 0)
    assert client.get(f"{API}/tenders", headers=coordinator).json()["total"] == 0


def test_hours_of_1e308_in_a_patch_leave_the_tender_as_it_was(
    client: TestClient, coordinator: Headers
) -> None:
    tender = client.post(f"{API}/tenders", json=tender_body(), headers=coordinator).json()
    lots = tender_body()["lots"]
    for site in lots[0]["sites"]:
        site["hours"] = 1e308
    response = client.patch(f"{API}/tenders/{tender['id']}", json={"lots": lots}, headers=coordinator)
    assert "lots.0.sites.0.hours" in fields(response)
    again = client.get(f"{API}/tenders/{tender['id']}", headers=coordinator)
    assert again.status_code == 200
    assert (
        again.json()["total_hours"]
        == tender["total_hours"]
        == sum(s["hours"] for s in tender_body()["lots"][0]["sites"])
    )


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"annual_turnover_eur": 1e308}, "annual_turnover_eur"),
        ({"capacities": {"peinture-revetement-des-murs": 1e300}}, "capacities"),
        ({"max_distance_km": 1e13}, "max_distance_km"),
    ],
)
def test_huge_numbers_of_a_structure_are_422(
    client: TestClient, coordinator: Headers, override: dict[str, Any], field: str
) -> None:
    response = client.post(f"{API}/structures", json=structure_body(**override), headers=coordinator)
    assert fields(response) == {field}


# Plans


def tender_id(client: TestClient, coordinator: Headers) -> int:
    response = client.post(f"{API}/tenders", json=tender_body(), headers=coordinator)
    assert response.status_code == 201
    return int(response.json()["id"])


def plan_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Plan)).one())


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"threads": 1_000_000}, "options.threads"),
        ({"threads": machine_cores() + 1}, "options.threads"),
        ({"time_limit_s": 3600}, "options.time_limit_s"),
        ({"alternatives": 20}, "options.alternatives"),
        ({"weights": {"distance": 1e308}}, "options.weights"),
        ({"excluded": ["x" * 100]}, "options.excluded.0"),
    ],
)
def test_plan_options_beyond_the_services_limits_are_422_and_nothing_is_queued(
    client: TestClient, coordinator: Headers, db: Engine, options: dict[str, Any], field: str
) -> None:
    tender = tender_id(client, coordinator)
    response = client.post(f"{API}/tenders/{tender}/plans", json={"options": options}, headers=coordinator)
    assert fields(response) == {field}
    assert plan_count(db) == 0


@contextmanager
def changed_settings(app: FastAPI, **changes: Any) -> Iterator[None]:
    settings: Settings = app.state.settings
    app.state.settings = settings.model_copy(update=changes)
    try:
        yield
    finally:
        app.state.settings = settings


def test_the_limits_follow_the_settings(client: TestClient, app: FastAPI, coordinator: Headers) -> None:
    tender = tender_id(client, coordinator)
    with changed_settings(app, plan_max_time_limit_s=5):
        response = client.post(
            f"{API}/tenders/{tender}/plans", json={"options": {"time_limit_s": 6}}, headers=coordinator
        )
    [error] = problem(response, 422)["errors"]
    assert error == {
        "field": "options.time_limit_s",
        "reason": "at most 5 s on this service (PLAN_MAX_TIME_LIMIT_S)",
    }


def running_plans(engine: Engine, tender: int, count: int, time_limit_s: float) -> None:
    """Plans of the tender's network marked running (as a busy worker leaves them)."""
    with Session(engine) as session:
        network_id = session.get(Tender, tender).network_id  # type: ignore[union-attr]
    with engine.begin() as conn:
        for _ in range(count):
            conn.execute(
                insert(Plan).values(
                    network_id=network_id,
                    tender_id=tender,
                    status=PlanStatus.running.value,
                    options={"time_limit_s": time_limit_s},
                    problem={},
                    run_id="elsewhere",
                    attempts=1,
                    started_at=utcnow(),
                    created_at=utcnow(),
                )
            )


def test_a_network_over_its_plans_in_progress_is_429_with_retry_after(
    client: TestClient,
    app: FastAPI,
    coordinator: Headers,
    stranger: Headers,
    db: Engine,
) -> None:
    tender = tender_id(client, coordinator)
    running_plans(db, tender, 2, time_limit_s=120)
    with changed_settings(app, plan_max_active_per_network=2):
        response = client.post(f"{API}/tenders/{tender}/plans", json={}, headers=coordinator)
    body = problem(response, 429)
    assert "PLAN_MAX_ACTIVE_PER_NETWORK = 2" in body["detail"]
    # The sooner of the running plans reaches its time limit within two minutes.
    assert 1 <= int(response.headers["retry-after"]) <= 120
    assert plan_count(db) == 2
    # Another network is not held up by this one.
    other = tender_id(client, stranger)
    with changed_settings(app, plan_max_active_per_network=2):
        assert client.post(f"{API}/tenders/{other}/plans", json={}, headers=stranger).status_code == 202


def test_the_openapi_document_states_the_limits(app: FastAPI) -> None:
    document = app.openapi()
    description = document["info"]["description"]
    for setting in (
        "MAX_BODY_BYTES",
        "PLAN_MAX_TIME_LIMIT_S",
        "PLAN_MAX_ACTIVE_PER_NETWORK",
        "AUTH_FAILURE_LIMIT",
    ):
        assert setting in description
    create = document["paths"]["/api/v1/tenders/{tender_id}/plans"]["post"]["responses"]
    assert {"413", "422", "429"} <= set(create)
    threads = document["components"]["schemas"]["PlanOptions"]["properties"]["threads"]["anyOf"][0]
    assert threads["maximum"] == machine_cores()
    site_name = document["components"]["schemas"]["SiteCreate"]["properties"]["name"]
    assert site_name["maxLength"] == 200
