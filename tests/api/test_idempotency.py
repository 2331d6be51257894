"""`Idempotency-Key` on the POSTs that create: a retry gets the first answer back and creates nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.conftest import Headers, structure_body, tender_body

URL = "/api/v1/tenders"


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_creates_nothing(
    client: TestClient, coordinator: Headers
) -> None:
    keyed = coordinator | {"Idempotency-Key": "3f1c9a6e-tender-1"}
    first = client.post(URL, json=tender_body(), headers=keyed)
    assert first.status_code == 201, first.text
    again = client.post(URL, json=tender_body(), headers=keyed)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert client.get(URL, headers=coordinator).json()["total"] == 1


def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(
    client: TestClient, coordinator: Headers
) -> None:
    keyed = coordinator | {"Idempotency-Key": "k-1"}
    assert client.post(URL, json=tender_body(), headers=keyed).status_code == 201
    other = client.post(URL, json=tender_body(reference="CD93-2026-AUTRE"), headers=keyed)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    # Another route with the same key is another request too.
    structure = client.post("/api/v1/structures", json=structure_body(), headers=keyed)
    assert structure.status_code == 422
    assert client.get(URL, headers=coordinator).json()["total"] == 1
    assert client.get("/api/v1/structures", headers=coordinator).json()["total"] == 0


def test_keys_are_per_network_and_a_failed_request_frees_its_key(
    client: TestClient, coordinator: Headers, stranger: Headers
) -> None:
    assert client.post(URL, json=tender_body(), headers=coordinator).status_code == 201
    keyed = coordinator | {"Idempotency-Key": "k-2"}
    duplicate = client.post(URL, json=tender_body(), headers=keyed)
    assert duplicate.status_code == 409
    # The failed request left its key free: the corrected request goes through with it.
    fixed = client.post(URL, json=tender_body(reference="CD93-2026-B"), headers=keyed)
    assert fixed.status_code == 201, fixed.text
    # The same key in another network is another key.
    theirs = client.post(URL, json=tender_body(), headers=stranger | {"Idempotency-Key": "k-2"})
    assert theirs.status_code == 201 and theirs.json()["id"] != fixed.json()["id"]


def test_the_same_keyed_request_sent_at_once_creates_one_resource(app: FastAPI, coordinator: Headers) -> None:
    racing = TestClient(app, raise_server_exceptions=False)
    keyed = coordinator | {"Idempotency-Key": "k-race"}

    def post(_: int) -> tuple[int, int | None]:
        answer = racing.post("/api/v1/structures", json=structure_body(), headers=keyed)
        return answer.status_code, answer.json().get("id")

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(post, range(12)))
    # Every answer is the first one, or a 409 while it was still being made (or, on an overloaded
    # SQLite file, a 503 asking to send it again).
    assert {status for status, _ in answers} <= {201, 409, 503}, answers
    assert len({i for status, i in answers if status == 201}) == 1
    assert racing.get("/api/v1/structures", headers=coordinator).json()["total"] == 1


def test_a_plan_request_retried_queues_one_plan(client: TestClient, coordinator: Headers) -> None:
    tender = client.post(URL, json=tender_body(), headers=coordinator).json()
    keyed = coordinator | {"Idempotency-Key": "plan-1"}
    body = {"options": {"alternatives": 1, "time_limit_s": 5}}
    first = client.post(f"{URL}/{tender['id']}/plans", json=body, headers=keyed)
    again = client.post(f"{URL}/{tender['id']}/plans", json=body, headers=keyed)
    assert first.status_code == again.status_code == 202, first.text
    assert again.headers["location"] == first.headers["location"]
    assert again.json()["id"] == first.json()["id"]
    assert client.get(f"{URL}/{tender['id']}/plans", headers=coordinator).json()["total"] == 1
