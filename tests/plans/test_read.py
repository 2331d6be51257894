"""Reading a plan as clients poll it: the same answer and tag while it is unchanged, 304 on the tag,
the acceptance shown at once, and another network's plan answered as missing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.plans.conftest import Headers, finished, queue_plan, wait_for


def test_a_done_plan_reads_the_same_until_accepted_and_answers_304_on_its_tag(
    client: TestClient,
    coordinator: Headers,
    viewer: Headers,
    stranger: Headers,
    small_tender: int,
    solving: None,
) -> None:
    plan = wait_for(
        client, coordinator, queue_plan(client, coordinator, small_tender, alternatives=2)["id"], finished
    )
    assert plan["status"] == "done", plan
    url = f"/api/v1/plans/{plan['id']}"
    first, second = client.get(url, headers=coordinator), client.get(url, headers=viewer)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and first.headers["ETag"] == second.headers["ETag"]
    assert first.json()["result"]["groupings"] == plan["result"]["groupings"]
    tag = first.headers["ETag"]

    unchanged = client.get(url, headers={**coordinator, "If-None-Match": tag})
    assert (unchanged.status_code, unchanged.content, unchanged.headers["ETag"]) == (304, b"", tag)
    assert client.get(url, headers={**coordinator, "If-None-Match": '"other"'}).status_code == 200

    accepted = client.post(f"{url}/accept", json={"rank": 2}, headers=coordinator)
    assert accepted.status_code == 200
    after = client.get(url, headers={**coordinator, "If-None-Match": tag})
    assert after.status_code == 200 and after.headers["ETag"] != tag
    assert after.json()["accepted_rank"] == 2 and after.json() == accepted.json()

    missing = client.get(url, headers=stranger)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    refused = client.get(url, headers={"Authorization": "Bearer not-a-key"})
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
