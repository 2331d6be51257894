"""Concurrent requests on one tender: every answer is a success or a problem, never a 500.

Lots and sites of a tender are read in one snapshot: a PATCH that replaces them between the two reads
must not make a reader see sites of lots it does not know. The race shows on PostgreSQL (READ
COMMITTED reads each statement in its own snapshot); the test runs on both databases.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.conftest import CLEANING, PAINTING, Headers, colleges, tender_body

URL = "/api/v1/tenders"


def two_lots(prefix: str) -> list[dict[str, Any]]:
    sites = colleges()[:40]
    return [
        {
            "id": f"{prefix}1",
            "title": "Peinture",
            "trade": PAINTING,
            "sites": [s | {"id": f"{prefix}-{s['id']}"} for s in sites[:20]],
        },
        {
            "id": f"{prefix}2",
            "title": "Nettoyage",
            "trade": CLEANING,
            "sites": [s | {"id": f"{prefix}-{s['id']}"} for s in sites[20:]],
        },
    ]


def test_patches_and_reads_of_one_tender_at_once_never_answer_500(app: FastAPI, coordinator: Headers) -> None:
    # A 500 is counted as an answer, not raised in the test.
    client = TestClient(app, raise_server_exceptions=False)
    created = client.post(URL, json=tender_body() | {"lots": two_lots("A")}, headers=coordinator)
    assert created.status_code == 201, created.text
    url = f"{URL}/{created.json()['id']}"

    def patch(i: int) -> tuple[int, Any]:
        response = client.patch(url, json={"lots": two_lots("AB"[i % 2])}, headers=coordinator)
        return response.status_code, response.json()

    def read(_: int) -> tuple[int, Any]:
        response = client.get(url, headers=coordinator)
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(patch if i % 3 else read, i) for i in range(90)]
        answers = [f.result() for f in futures]

    errors = [body for status, body in answers if status >= 500]
    assert errors == []
    for status, body in answers:
        assert status == 200, body
        # Each answer is one whole version of the tender: both lots from the same PATCH.
        prefixes = {site["id"].split("-")[0] for lot in body["lots"] for site in lot["sites"]}
        assert len(prefixes) == 1 and [lot["id"][0] for lot in body["lots"]] == [*prefixes] * 2
        assert body["site_count"] == 40
