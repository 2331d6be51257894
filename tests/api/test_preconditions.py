"""`ETag` on structures and tenders, and `If-Match` on their PATCH and DELETE: no lost update."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Headers, structure_body, tender_body

RESOURCES = [
    ("/api/v1/structures", structure_body, {"name": "JADE Peinture"}),
    ("/api/v1/tenders", tender_body, {"title": "Peinture des collèges, tranche 2"}),
]


@pytest.mark.parametrize(("url", "body", "change"), RESOURCES, ids=["structure", "tender"])
def test_a_patch_from_a_stale_version_is_a_412_and_changes_nothing(
    client: TestClient, coordinator: Headers, url: str, body: object, change: dict[str, str]
) -> None:
    assert callable(body)
    created = client.post(url, json=body(), headers=coordinator)
    assert created.status_code == 201, created.text
    item = f"{url}/{created.json()['id']}"
    read = client.get(item, headers=coordinator)
    tag = read.headers["ETag"]
    assert tag == created.headers["ETag"] and tag.startswith('"')

    # Two people read the same version; the first to write wins, the second is told.
    first = client.patch(item, json=change, headers=coordinator | {"If-Match": tag})
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] != tag
    second = client.patch(
        item,
        json={"buyer": "Autre"} if "tenders" in url else {"territory": "Est Ensemble"},
        headers=coordinator | {"If-Match": tag},
    )
    assert second.status_code == 412
    assert second.headers["content-type"] == "application/problem+json"
    assert "If-Match" in second.json()["detail"]

    now = client.get(item, headers=coordinator)
    assert now.json() == first.json() and now.headers["ETag"] == first.headers["ETag"]

    # A list of tags, one of them current, and `*` both match.
    listed = client.patch(
        item, json=change, headers=coordinator | {"If-Match": f"{tag}, {now.headers['ETag']}"}
    )
    assert listed.status_code == 200, listed.text
    assert client.patch(item, json=change, headers=coordinator | {"If-Match": "*"}).status_code == 200
    # A weak tag never matches (If-Match compares strongly).
    weak = "W/" + client.get(item, headers=coordinator).headers["ETag"]
    assert client.patch(item, json=change, headers=coordinator | {"If-Match": weak}).status_code == 412


@pytest.mark.parametrize(("url", "body", "change"), RESOURCES, ids=["structure", "tender"])
def test_a_delete_from_a_stale_version_is_a_412_and_deletes_nothing(
    client: TestClient, coordinator: Headers, url: str, body: object, change: dict[str, str]
) -> None:
    assert callable(body)
    created = client.post(url, json=body(), headers=coordinator)
    item = f"{url}/{created.json()['id']}"
    stale = created.headers["ETag"]
    assert client.patch(item, json=change, headers=coordinator).status_code == 200

    refused = client.delete(item, headers=coordinator | {"If-Match": stale})
    assert refused.status_code == 412
    assert client.get(item, headers=coordinator).status_code == 200

    current = client.get(item, headers=coordinator).headers["ETag"]
    assert client.delete(item, headers=coordinator | {"If-Match": current}).status_code == 204
    assert client.get(item, headers=coordinator).status_code == 404


def test_without_if_match_writes_go_through_as_before(client: TestClient, coordinator: Headers) -> None:
    created = client.post("/api/v1/tenders", json=tender_body(), headers=coordinator).json()
    item = f"/api/v1/tenders/{created['id']}"
    assert client.patch(item, json={"title": "Autre titre"}, headers=coordinator).status_code == 200
    assert client.delete(item, headers=coordinator).status_code == 204


def test_the_tag_changes_with_what_a_get_answers_and_only_then(
    client: TestClient, coordinator: Headers
) -> None:
    created = client.post("/api/v1/structures", json=structure_body(), headers=coordinator).json()
    item = f"/api/v1/structures/{created['id']}"
    tags = {client.get(item, headers=coordinator).headers["ETag"] for _ in range(3)}
    assert len(tags) == 1
    client.patch(item, json={"capacities": {"nettoyage-de-locaux-16": 100}}, headers=coordinator)
    assert client.get(item, headers=coordinator).headers["ETag"] not in tags
