"""`GET /api/v1/load-calendar`: per structure and month, hours committed and planned against capacity,
worked out by hand."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.calendar.conftest import NEAR_MONTH, Year
from tests.commitments.network import CAPACITY, tender
from tests.plans.conftest import Headers
from tests.plans.test_portfolios_api import wait_for_portfolio

FAR_MONTH = round(CAPACITY / 12, 2)


def calendar(client: TestClient, headers: Headers, **params: str) -> dict[str, Any]:
    answer = client.get("/api/v1/load-calendar", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def cells(body: dict[str, Any]) -> dict[tuple[int, str], tuple[float, float, float | None]]:
    return {
        (s["structure_id"], m["month"]): (m["committed"], m["planned"], m["capacity"])
        for s in body["structures"]
        for m in s["months"]
    }


def test_committed_and_planned_hours_per_structure_and_month(
    client: TestClient, coordinator: Headers, viewer: Headers, year: Year
) -> None:
    body = calendar(client, viewer, **{"from": "2026-06", "to": "2026-09"})
    assert body["months"] == ["2026-06", "2026-07", "2026-08", "2026-09"]
    near, far = int(year.near), int(year.far)
    # By name: Peinture Montreuil (far), Peinture Saint-Denis (near).
    assert [s["structure_id"] for s in body["structures"]] == [far, near]
    # The summer collège: 195 h over 6 July - 28 August 2026, 39 working days (19 in July, 14 July
    # being a public holiday, 20 in August): 5 h a day, 95 h in July, 100 in August, committed.
    # `near` has 150 h a month. The September collège: 120 h, no window, executed in September 2026:
    # all in September, planned for `far`, whose 1 000 h a year are 83,33 h a month.
    assert cells(body) == {
        (near, "2026-06"): (0, 0, NEAR_MONTH),
        (near, "2026-07"): (95, 0, NEAR_MONTH),
        (near, "2026-08"): (100, 0, NEAR_MONTH),
        (near, "2026-09"): (0, 0, NEAR_MONTH),
        (far, "2026-06"): (0, 0, FAR_MONTH),
        (far, "2026-07"): (0, 0, FAR_MONTH),
        (far, "2026-08"): (0, 0, FAR_MONTH),
        (far, "2026-09"): (0, 120, FAR_MONTH),
    }
    ratios = {
        (s["structure_id"], m["month"]): m["load_ratio"] for s in body["structures"] for m in s["months"]
    }
    assert (
        ratios[near, "2026-08"] == round(100 / 150, 4) and ratios[far, "2026-09"] == 1.44
    )  # 120 × 12 / 1 000
    assert {s["structure_id"]: s["capacity_basis"] for s in body["structures"]} == {
        near: "availability",
        far: "yearly",
    }
    tenders = {t["reference"]: t for t in body["tenders"]}
    assert tenders["CD93-ETE"]["state"] == "committed" and tenders["CD93-ETE"]["plan_id"] == year.summer_plan
    assert (tenders["CD93-ETE"]["start"], tenders["CD93-ETE"]["end"]) == ("2026-07-06", "2026-08-28")
    assert tenders["CD93-ETE"]["months"] == [
        {"month": "2026-07", "hours": 95},
        {"month": "2026-08", "hours": 100},
    ]
    assert tenders["CD93-SEPT"]["state"] == "planned" and tenders["CD93-SEPT"]["commitment_id"] is None
    assert tenders["CD93-SEPT"]["months"] == [{"month": "2026-09", "hours": 120}]

    # Months without hours in them: nobody listed.
    assert calendar(client, viewer, **{"from": "2027-01", "to": "2027-03"})["structures"] == []

    # Released, the summer's hours are free: gone from the calendar. Accepted, September's are committed.
    commitment = tenders["CD93-ETE"]["commitment_id"]
    client.post(f"/api/v1/commitments/{commitment}/release", headers=coordinator)
    client.post(f"/api/v1/plans/{year.september_plan}/accept", json={"rank": 1}, headers=coordinator)
    after = calendar(client, viewer, **{"from": "2026-06", "to": "2026-09"})
    assert [s["structure_id"] for s in after["structures"]] == [far]
    assert cells(after)[far, "2026-09"] == (120, 0, FAR_MONTH)
    assert [(t["reference"], t["state"]) for t in after["tenders"]] == [("CD93-SEPT", "committed")]


def test_the_calendar_is_the_network_s_own(client: TestClient, stranger: Headers, year: Year) -> None:
    body = calendar(client, stranger, **{"from": "2026-06", "to": "2026-09"})
    assert body["structures"] == [] and body["tenders"] == []


def test_bad_months_name_the_field(client: TestClient, coordinator: Headers) -> None:
    for params, field in (
        ({"from": "2026-13"}, "from"),
        ({"from": "2026-09", "to": "2026-06"}, "to"),
        ({"from": "2026-01", "to": "2029-01"}, "to"),
    ):
        answer = client.get("/api/v1/load-calendar", params=params, headers=coordinator)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in answer.json()["errors"]] == [field]
    default = calendar(client, coordinator)
    assert len(default["months"]) == 12


def test_a_tender_planned_last_in_a_portfolio_is_read_from_it(
    client: TestClient, coordinator: Headers, year: Year
) -> None:
    october = tender(
        client, coordinator, "CD93-OCT", start="2026-10-01", end="2026-10-30", sites=((48.8640, 2.4480, 100),)
    )
    body = {"tenders": [{"tender": year.september}, {"tender": october}], "options": {"time_limit_s": 20}}
    queued = client.post("/api/v1/portfolios", json=body, headers=coordinator)
    assert queued.status_code == 202, queued.text
    portfolio = wait_for_portfolio(client, coordinator, queued.json()["id"])
    assert portfolio["status"] == "done", portfolio

    body_ = calendar(client, coordinator, **{"from": "2026-06", "to": "2026-10"})
    tenders = {t["reference"]: t for t in body_["tenders"]}
    # September's plan came first, the portfolio after it: the portfolio's plan is read.
    for reference, month, hours in (("CD93-SEPT", "2026-09", 120), ("CD93-OCT", "2026-10", 100)):
        found = tenders[reference]
        assert (found["state"], found["portfolio_id"], found["plan_id"]) == ("planned", portfolio["id"], None)
        assert found["months"] == [{"month": month, "hours": hours}]
        assert sum(c[1] for (_, m), c in cells(body_).items() if m == month) == hours
    assert tenders["CD93-ETE"]["state"] == "committed"
