"""Accepting a portfolio: each tender's grouping becomes the tender's accepted grouping and its hours a
commitment, in one transaction, once; `If-Match` guards it; later plans respect the hours."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.plans.conftest import Headers, add_tender, finished, queue_plan, wait_for
from tests.plans.test_portfolios_api import URL, network, tender, wait_for_portfolio


def _done_portfolio(client: TestClient, headers: Headers, tender_ids: list[int]) -> dict[str, Any]:
    body = {"tenders": [{"tender": t} for t in tender_ids], "options": {"time_limit_s": 20}}
    answer = client.post(URL, json=body, headers=headers)
    assert answer.status_code == 202, answer.text
    portfolio = wait_for_portfolio(client, headers, answer.json()["id"])
    assert portfolio["status"] == "done", portfolio
    return portfolio


def _active(client: TestClient, headers: Headers) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(
        "/api/v1/commitments", params={"status": "active"}, headers=headers
    ).json()["items"]
    return found


def test_accepting_a_portfolio_commits_each_tenders_grouping_once(
    client: TestClient, coordinator: Headers, viewer: Headers, stranger: Headers, solving: None
) -> None:
    tender_ids, _ = network(client, coordinator)
    portfolio = _done_portfolio(client, coordinator, tender_ids)
    url = f"{URL}/{portfolio['id']}"
    assert client.post(f"{url}/accept", headers=viewer).status_code == 403
    assert client.post(f"{url}/accept", headers=stranger).status_code == 404
    tag = client.get(url, headers=coordinator).headers["etag"]
    assert client.post(f"{url}/accept", headers=coordinator | {"If-Match": '"stale"'}).status_code == 412
    assert _active(client, coordinator) == []

    answer = client.post(f"{url}/accept", headers=coordinator | {"If-Match": tag})
    assert answer.status_code == 200, answer.text
    accepted = answer.json()
    assert accepted["accepted_at"] is not None
    assert answer.headers["etag"] == client.get(url, headers=coordinator).headers["etag"] != tag
    plan_ids = [t["plan"] for t in accepted["tenders"]]
    assert all(isinstance(p, int) for p in plan_ids)

    commitments = sorted(_active(client, coordinator), key=lambda c: c["tender_id"])
    assert [(c["tender_id"], c["plan_id"], c["rank"]) for c in commitments] == [
        (t, p, 1) for t, p in zip(tender_ids, plan_ids, strict=True)
    ]
    for tender_id, plan_id, planned in zip(tender_ids, plan_ids, portfolio["result"]["tenders"], strict=True):
        # The tender's accepted grouping is the portfolio's, held by a plan that says where it comes from.
        shown = client.get(f"/api/v1/tenders/{tender_id}", headers=viewer).json()["accepted"]
        assert (shown["plan_id"], shown["rank"]) == (plan_id, 1)
        plan = client.get(f"/api/v1/plans/{plan_id}", headers=viewer).json()
        assert plan["portfolio_id"] == portfolio["id"] and plan["accepted_rank"] == 1
        assert plan["result"]["groupings"] == planned["plan"]["groupings"]
        # Committed: the hours of the grouping's members, all of them in July.
        grouping = planned["plan"]["groupings"][0]
        [commitment] = [c for c in commitments if c["tender_id"] == tender_id]
        assert abs(commitment["hours"] - sum(m["own_hours"] for m in grouping["members"])) < 0.05
        assert commitment["start"] >= "2026-07-01" and commitment["end"] <= "2026-07-31"

    # Accepting again changes nothing, whatever If-Match says: no new plan, no new commitment.
    again = client.post(f"{url}/accept", headers=coordinator | {"If-Match": tag})
    assert again.status_code == 200
    assert again.json() == accepted
    assert client.get("/api/v1/commitments", headers=coordinator).json()["total"] == 2


def test_a_later_plan_respects_the_hours_a_portfolio_committed(
    client: TestClient, coordinator: Headers, solving: None
) -> None:
    tender_ids, _ = network(client, coordinator)
    portfolio = _done_portfolio(client, coordinator, tender_ids)
    assert client.post(f"{URL}/{portfolio['id']}/accept", headers=coordinator).status_code == 200
    later = add_tender(client, coordinator, tender("CD93-ETE-C", 9))
    plan = wait_for(client, coordinator, queue_plan(client, coordinator, later)["id"], finished)
    problem = client.get(f"/api/v1/plans/{plan['id']}/problem", headers=coordinator).json()
    held = {
        st["id"]: sorted({c["reference"] for c in st.get("commitments") or []})
        for st in problem["structures"]
    }
    committed = {str(line["structure_id"]) for c in _active(client, coordinator) for line in c["lines"]}
    assert committed
    for structure in committed:
        assert set(held[structure]) <= {"CD93-ETE-A", "CD93-ETE-B"} and held[structure]
    # A portfolio of the same tenders again is not held back by their own commitments.
    again = client.post(URL, json={"tenders": [{"tender": t} for t in tender_ids]}, headers=coordinator)
    problem = client.get(f"{URL}/{again.json()['id']}/problem", headers=coordinator).json()
    assert all(not st.get("commitments") for st in problem["structures"])


def test_accepting_another_plan_then_the_portfolio_again_gives_it_back(
    client: TestClient, coordinator: Headers, solving: None
) -> None:
    tender_ids, _ = network(client, coordinator)
    portfolio = _done_portfolio(client, coordinator, tender_ids)
    url = f"{URL}/{portfolio['id']}/accept"
    first = client.post(url, headers=coordinator).json()
    own = wait_for(client, coordinator, queue_plan(client, coordinator, tender_ids[0])["id"], finished)
    assert (
        client.post(f"/api/v1/plans/{own['id']}/accept", json={"rank": 1}, headers=coordinator).status_code
        == 200
    )
    assert {c["plan_id"] for c in _active(client, coordinator)} == {own["id"], first["tenders"][1]["plan"]}

    back = client.post(url, headers=coordinator).json()
    # The same plan holds the grouping again; the tender's commitment is the portfolio's again.
    assert [t["plan"] for t in back["tenders"]] == [t["plan"] for t in first["tenders"]]
    assert {c["plan_id"] for c in _active(client, coordinator)} == {t["plan"] for t in first["tenders"]}
    statuses = sorted(
        c["status"] for c in client.get("/api/v1/commitments", headers=coordinator).json()["items"]
    )
    assert statuses == ["active", "active", "replaced", "replaced"]


def test_a_portfolio_not_done_is_refused_and_nothing_is_committed(
    client: TestClient, coordinator: Headers
) -> None:
    tender_ids, _ = network(client, coordinator)
    queued = client.post(
        URL, json={"tenders": [{"tender": t} for t in tender_ids]}, headers=coordinator
    ).json()
    assert client.post(f"{URL}/{queued['id']}/cancel", headers=coordinator).status_code == 200
    answer = client.post(f"{URL}/{queued['id']}/accept", headers=coordinator)
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert "only a done portfolio" in answer.json()["detail"]
    assert client.get("/api/v1/commitments", headers=coordinator).json()["total"] == 0
    assert client.post(f"{URL}/999999/accept", headers=coordinator).status_code == 404


def test_a_tender_deleted_since_is_named_and_nothing_is_accepted(
    client: TestClient, coordinator: Headers, solving: None
) -> None:
    tender_ids, _ = network(client, coordinator)
    portfolio = _done_portfolio(client, coordinator, tender_ids)
    assert client.delete(f"/api/v1/tenders/{tender_ids[1]}", headers=coordinator).status_code == 204
    answer = client.post(f"{URL}/{portfolio['id']}/accept", headers=coordinator)
    assert answer.status_code == 409
    assert answer.json()["errors"] == [
        {"field": "tenders.1.tender", "reason": f"tender {tender_ids[1]} was deleted"}
    ]
    assert client.get("/api/v1/commitments", headers=coordinator).json()["total"] == 0
    shown = client.get(f"/api/v1/tenders/{tender_ids[0]}", headers=coordinator).json()
    assert shown.get("accepted") is None
    assert client.get(f"{URL}/{portfolio['id']}", headers=coordinator).json()["accepted_at"] is None
