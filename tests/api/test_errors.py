"""Every failure is an RFC 9457 problem document; bad input is never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.api.conftest import Headers, structure_body, tender_body

PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance"}


def assert_problem(response: object, status: int) -> dict[str, object]:
    assert getattr(response, "status_code") == status  # noqa: B009
    assert getattr(response, "headers")["content-type"] == "application/problem+json"  # noqa: B009
    body: dict[str, object] = getattr(response, "json")()  # noqa: B009
    assert PROBLEM_FIELDS - {"detail"} <= set(body)
    assert body["status"] == status
    return body


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"siret": "34980413800049", ', "application/json"),
        (b"siret=34980413800049", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"siret=34980413800049&name=JADE", "application/x-www-form-urlencoded"),
        (b"[1, 2, 3]", "application/json"),
        (b"", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_4xx_problem(
    client: TestClient, coordinator: Headers, content: bytes, content_type: str
) -> None:
    headers = coordinator | {"content-type": content_type}
    response = client.post("/api/v1/structures", content=content, headers=headers)
    assert response.status_code in (400, 422)
    assert_problem(response, response.status_code)


def test_malformed_json_says_where(client: TestClient, coordinator: Headers) -> None:
    headers = coordinator | {"content-type": "application/json"}
    response = client.post("/api/v1/tenders", content=b'{"reference": }', headers=headers)
    body = assert_problem(response, 400)
    assert body["errors"] == [{"field": "body", "reason": "Expecting value at character 14"}]


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "JA\x00DE"), ("annual_turnover_eur", float("inf")), ("lat", float("nan"))],
)
def test_values_no_database_can_store_are_422_naming_the_field(
    client: TestClient, coordinator: Headers, field: str, value: object
) -> None:
    # Python's JSON, like Starlette's parser, writes and reads NaN and Infinity.
    content = json.dumps(structure_body(**{field: value}))
    headers = coordinator | {"content-type": "application/json"}
    body = assert_problem(client.post("/api/v1/structures", content=content, headers=headers), 422)
    assert [e["field"] for e in body["errors"]] == [field]  # type: ignore[attr-defined]


def test_nul_in_a_site_is_named(client: TestClient, coordinator: Headers) -> None:
    body = tender_body()
    body["lots"][0]["sites"][1]["name"] = "Coll\x00ge"
    response = client.post("/api/v1/tenders", json=body, headers=coordinator)
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == ["lots.0.sites.1.name"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/structures/99999999999999999999999",
        "/api/v1/structures/abc",
        "/api/v1/tenders?offset=99999999999999999999999",
        "/api/v1/structures?limit=100000",
    ],
)
def test_absurd_ids_and_paging_are_422(client: TestClient, coordinator: Headers, url: str) -> None:
    assert_problem(client.get(url, headers=coordinator), 422)


def test_unknown_field_is_named(client: TestClient, coordinator: Headers) -> None:
    response = client.post("/api/v1/structures", json=structure_body(turnover=1), headers=coordinator)
    assert assert_problem(response, 422)["errors"] == [
        {"field": "turnover", "reason": "Extra inputs are not permitted"}
    ]


def test_unknown_route_and_wrong_method(client: TestClient, coordinator: Headers) -> None:
    assert_problem(client.get("/api/v1/nowhere", headers=coordinator), 404)
    assert_problem(client.get("/api/nowhere", headers=coordinator), 404)
    response = client.put("/api/v1/structures", json={}, headers=coordinator)
    assert_problem(response, 405)
    assert "POST" in response.headers["allow"]


def test_missing_resource_is_404(client: TestClient, coordinator: Headers) -> None:
    assert_problem(client.get("/api/v1/tenders/424242", headers=coordinator), 404)


@pytest.fixture
def failing_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_an_unexpected_error_is_a_500_problem_without_traceback(failing_client: TestClient) -> None:
    response = failing_client.get("/api/v1/boom")
    body = assert_problem(response, 500)
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert set(body) == PROBLEM_FIELDS


def test_openapi_documents_every_error_as_a_problem(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    errors = [
        (path, method, status, response)
        for path, operations in paths.items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status[0] in "45"
    ]
    assert len(errors) > 20
    for path, method, status, response in errors:
        assert set(response["content"]) == {"application/problem+json"}, (path, method, status)
        assert response["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")


def test_a_busy_sqlite_file_answers_503_with_retry_after() -> None:
    """A write that waited past the connection's timeout is refused as busy, not as a server fault."""
    import asyncio
    import sqlite3

    from sqlalchemy.exc import OperationalError
    from starlette.requests import Request

    from app.core.errors import _on_operational

    request = Request({"type": "http", "method": "POST", "path": "/api/v1/structures", "headers": []})
    locked = OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))
    answer = asyncio.run(_on_operational(request, locked))
    assert answer.status_code == 503 and answer.headers["retry-after"] == "2"
    assert answer.media_type == "application/problem+json"
    other = OperationalError("SELECT ...", {}, sqlite3.OperationalError("no such table: x"))
    assert asyncio.run(_on_operational(request, other)).status_code == 500
