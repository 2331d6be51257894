"""An accepted grouping commits its members' hours: later plans of other tenders respect them until
the commitment is released."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.commitments.network import CAPACITY, SITE_HOURS, hours_of, painters, plan, tender
from tests.plans.conftest import Headers
from tests.plans.scenario import TRADE


def accept(client: TestClient, headers: Headers, plan_id: int, rank: int = 1) -> None:
    answer = client.post(f"/api/v1/plans/{plan_id}/accept", json={"rank": rank}, headers=headers)
    assert answer.status_code == 200, answer.text


def active(client: TestClient, headers: Headers) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/commitments", params={"status": "active"}, headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_a_commitment_blocks_hours_in_a_later_plan_and_releasing_it_frees_them(
    client: TestClient, coordinator: Headers, solving: None
) -> None:
    near, far = painters(client, coordinator)
    first, second = tender(client, coordinator, "CD93-A"), tender(client, coordinator, "CD93-B")
    both = 2 * SITE_HOURS  # 600 h: within `near`'s 1 000 h, so `near` alone does each tender

    # Before any acceptance, the second tender goes to `near` alone.
    assert hours_of(plan(client, coordinator, second)) == {near: both}

    accepted = plan(client, coordinator, first)
    assert hours_of(accepted) == {near: both}
    accept(client, coordinator, accepted["id"])
    [commitment] = active(client, coordinator)
    assert (commitment["tender_id"], commitment["plan_id"], commitment["rank"]) == (first, accepted["id"], 1)
    assert commitment["hours"] == both
    [line] = commitment["lines"]
    assert (line["structure_id"], line["trade"], line["hours"]) == (int(near), TRADE, both)
    # No work window: the hours are held over the tender's execution.
    assert (line["start"], line["end"]) == ("2026-09-01", "2027-06-30")

    # The second tender, over the same months: `near` has 1 000 - 600 = 400 h left, one collège of
    # two. By hand (distance ÷ (600 h × 10 km), members ÷ 2 possible): `far` alone, about 10.4 km
    # away, costs 600 × 10.4 / 6 000 + 1/2 ≈ 1.54; `near` and `far` one collège each at least
    # (300 × 0.2 + 300 × 10.4) / 6 000 + 2/2 ≈ 1.53 plus the spread of their loads (300/400 against
    # 300/1 000: 0.45).
    later = plan(client, coordinator, second)
    assert CAPACITY - both < both
    assert hours_of(later) == {far: both}
    problem = client.get(f"/api/v1/plans/{later['id']}/problem", headers=coordinator).json()
    held = {s["id"]: s.get("commitments") for s in problem["structures"]}
    assert held[far] is None
    assert held[near] == [
        {"reference": "CD93-A", "trade": TRADE, "start": "2026-09-01", "end": "2027-06-30", "hours": both}
    ]

    # Planning the committed tender itself again: its own commitment does not hold it back.
    assert hours_of(plan(client, coordinator, first)) == {near: both}

    # A tender of the following school year does not meet the commitment's dates.
    next_year = tender(client, coordinator, "CD93-C", start="2027-09-01", end="2028-06-30")
    assert hours_of(plan(client, coordinator, next_year)) == {near: both}

    released = client.post(f"/api/v1/commitments/{commitment['id']}/release", headers=coordinator)
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "released" and released.json()["released_at"]
    assert active(client, coordinator) == []
    assert hours_of(plan(client, coordinator, second)) == {near: both}


def test_accepting_another_grouping_replaces_the_commitment(
    client: TestClient, coordinator: Headers, solving: None
) -> None:
    _, far = painters(client, coordinator)
    first = tender(client, coordinator, "CD93-A")
    done = plan(client, coordinator, first, alternatives=2)
    accept(client, coordinator, done["id"], 1)
    [before] = active(client, coordinator)
    accept(client, coordinator, done["id"], 1)  # the same grouping again: nothing changes
    assert active(client, coordinator) == [before]
    accept(client, coordinator, done["id"], 2)
    [after] = active(client, coordinator)
    assert after["rank"] == 2 and after["id"] != before["id"]
    assert {line["structure_id"] for line in after["lines"]} == {int(s) for s in hours_of(done, 2)}
    old = client.get(f"/api/v1/commitments/{before['id']}", headers=coordinator).json()
    assert old["status"] == "replaced" and old["released_at"]
    listed = client.get("/api/v1/commitments", params={"tender_id": first}, headers=coordinator).json()
    assert [c["id"] for c in listed["items"]] == [after["id"], before["id"]] and listed["total"] == 2
    by_far = client.get("/api/v1/commitments", params={"structure_id": far}, headers=coordinator).json()
    assert [c["id"] for c in by_far["items"]] == ([after["id"]] if far in hours_of(done, 2) else [])


@pytest.fixture
def commitment(client: TestClient, coordinator: Headers, solving: None) -> dict[str, Any]:
    painters(client, coordinator)
    done = plan(client, coordinator, tender(client, coordinator, "CD93-A"))
    accept(client, coordinator, done["id"])
    [made] = active(client, coordinator)
    return made


def test_release_is_idempotent_and_guarded_by_if_match(
    client: TestClient, coordinator: Headers, commitment: dict[str, Any]
) -> None:
    url = f"/api/v1/commitments/{commitment['id']}"
    read = client.get(url, headers=coordinator)
    assert read.status_code == 200 and read.json() == commitment
    tag = read.headers["ETag"]
    stale = client.post(f"{url}/release", headers={**coordinator, "If-Match": '"not-the-tag"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert client.get(url, headers=coordinator).json()["status"] == "active"

    first = client.post(f"{url}/release", headers={**coordinator, "If-Match": tag})
    assert first.status_code == 200 and first.json()["status"] == "released"
    assert first.headers["ETag"] != tag
    # A retry, even with the tag read before, finds what it asked for and changes nothing.
    again = client.post(f"{url}/release", headers={**coordinator, "If-Match": tag})
    assert again.status_code == 200 and again.json() == first.json()
    assert client.get(url, headers=coordinator).headers["ETag"] == first.headers["ETag"]


def test_commitments_are_the_network_s_own_and_released_by_coordinators(
    client: TestClient, coordinator: Headers, viewer: Headers, stranger: Headers, commitment: dict[str, Any]
) -> None:
    url = f"/api/v1/commitments/{commitment['id']}"
    assert client.get(url, headers=viewer).status_code == 200
    refused = client.post(f"{url}/release", headers=viewer)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    for answer in (client.get(url, headers=stranger), client.post(f"{url}/release", headers=stranger)):
        assert answer.status_code == 404
        assert answer.json()["detail"] == f"no commitment {commitment['id']} in this network"
    assert client.get("/api/v1/commitments", headers=stranger).json()["items"] == []
    assert client.get(url, headers=coordinator).json()["status"] == "active"


def test_bad_filters_name_the_field(client: TestClient, coordinator: Headers) -> None:
    answer = client.get(
        "/api/v1/commitments", params={"status": "paused", "tender_id": 0}, headers=coordinator
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in answer.json()["errors"]} == {"status", "tender_id"}
    assert client.post("/api/v1/commitments/999/release", headers=coordinator).status_code == 404


def test_a_summer_commitment_takes_its_months_from_a_later_summer_plan(
    client: TestClient, coordinator: Headers, solving: None
) -> None:
    """`near` has 150 h a month. A summer collège of 195 h over 6 July - 28 August 2026 (19 working days
    in July, 20 in August) is 95 h in July and 100 in August: `near` can do one summer collège, not two
    (190 h in July). Its capacity per trade, 1 000 - 195 h, would allow both: the months decide."""
    near, far = painters(client, coordinator, [{"trade": TRADE, "per": "month", "hours": 150}])
    summer: dict[str, Any] = {
        "start": "2026-07-01",
        "end": "2026-08-31",
        "sites": ((48.9370, 2.3590, 195),),
        "windows": [{"start": "2026-07-06", "end": "2026-08-28"}],
    }
    first = tender(client, coordinator, "CD93-ETE-A", **summer)
    second = tender(client, coordinator, "CD93-ETE-B", **summer)
    assert hours_of(plan(client, coordinator, second)) == {near: 195}

    accept(client, coordinator, plan(client, coordinator, first)["id"])
    [line_july, line_august] = active(client, coordinator)[0]["lines"]
    assert [(x["start"], x["end"], x["hours"]) for x in (line_july, line_august)] == [
        ("2026-07-06", "2026-07-31", 95),
        ("2026-08-03", "2026-08-28", 100),
    ]
    later = plan(client, coordinator, second)
    assert hours_of(later) == {far: 195}
    [assignment] = later["result"]["groupings"][0]["assignments"]
    assert assignment["periods"] == [{"period": "2026-07", "hours": 95}, {"period": "2026-08", "hours": 100}]


def test_a_tender_without_dates_is_held_back_by_commitments_to_come_not_past_ones(
    client: TestClient, coordinator: Headers, solving: None
) -> None:
    near, far = painters(client, coordinator)
    past = tender(client, coordinator, "CD93-2024", start="2024-09-01", end="2025-06-30")
    coming = tender(client, coordinator, "CD93-2027", start="2027-01-04", end="2027-12-17")
    undated = tender(client, coordinator, "CD93-SANS-DATE", start=None, end=None)
    for done in (plan(client, coordinator, past), plan(client, coordinator, coming)):
        accept(client, coordinator, done["id"])
    later = plan(client, coordinator, undated)
    problem = client.get(f"/api/v1/plans/{later['id']}/problem", headers=coordinator).json()
    held = {s["id"]: [c["reference"] for c in s.get("commitments") or []] for s in problem["structures"]}
    assert held == {near: ["CD93-2027"], far: []}
    # 1 000 - 600 h left to `near`: the two collèges go to `far` (as worked out above).
    assert hours_of(later) == {far: 2 * SITE_HOURS}
