"""Portfolios over the API: several tenders planned together as one job, each with its own grouping,
the structures' hours per month shared; errors, limits, another network, retries."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import col

from app.tenders.models import Site
from tests.plans.conftest import Headers, add_structures, add_tender, finished, queue_plan, wait_for

PAINTING = "peinture-revetement-des-murs"
JULY = {"start": "2026-07-06", "end": "2026-07-31"}
URL = "/api/v1/portfolios"
MONTHLY = 500


def tender(reference: str, first: int) -> dict[str, Any]:
    """Three collèges around Bobigny, 140 h each, painted in July (illustrative figures)."""
    sites = [
        {
            "id": f"0930{first + n}X",
            "name": f"Collège {first + n}",
            "lat": 48.905 + 0.004 * n,
            "lon": 2.44 + 0.004 * n,
            "hours": 140,
            "value_eur": 140 * 45,
        }
        for n in range(3)
    ]
    return {
        "reference": reference,
        "title": "Peinture l'été",
        "kind": "works",
        "lots": [{"id": "L1", "trade": PAINTING, "windows": [JULY], "sites": sites}],
    }


def structure(siret: str, name: str, lat: float, lon: float) -> dict[str, Any]:
    return {
        "siret": siret,
        "name": name,
        "kind": "EI",
        "lat": lat,
        "lon": lon,
        "can_lead": True,
        "annual_turnover_eur": 2_000_000,
        "max_distance_km": 30,
        "capacities": {PAINTING: 5000},
        "availability": [{"trade": PAINTING, "per": "month", "hours": MONTHLY}],
    }


def network(client: TestClient, headers: Headers) -> tuple[list[int], list[str]]:
    """Two July tenders of 420 h each; the nearest painter gives 500 h a month, another 5 km away too."""
    structures = add_structures(
        client,
        headers,
        [
            # SIRETs with valid check digits, not those of real establishments.
            structure("73282932000074", "Peintres de Bobigny", 48.909, 2.444),
            structure("35600000000048", "Peintres de Pantin", 48.894, 2.392),
        ],
    )
    return [
        add_tender(client, headers, tender("CD93-ETE-A", 1)),
        add_tender(client, headers, tender("CD93-ETE-B", 5)),
    ], structures


def july_hours(plans: list[dict[str, Any]]) -> dict[str, float]:
    """Hours each structure works in July over the plans, from their assignments' periods."""
    done: dict[str, float] = defaultdict(float)
    for plan in plans:
        for assignment in plan["groupings"][0]["assignments"]:
            for period in assignment["periods"]:
                assert period["period"] == "2026-07"
                done[assignment["structure"]] += period["hours"]
    return dict(done)


def test_planned_apart_two_tenders_overbook_a_painter_and_planned_together_they_do_not(
    client: TestClient, coordinator: Headers, viewer: Headers, stranger: Headers, solving: None
) -> None:
    tender_ids, (bobigny, pantin) = network(client, coordinator)

    apart = [
        wait_for(client, coordinator, queue_plan(client, coordinator, t)["id"], finished) for t in tender_ids
    ]
    assert [p["status"] for p in apart] == ["done", "done"]
    # Each plan alone keeps within the 500 h of July; both together give Bobigny 840 h of them.
    assert july_hours([p["result"] for p in apart]) == {bobigny: 840}

    hook = client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/planner", "events": ["portfolio.done", "portfolio.failed"]},
        headers=coordinator,
    ).json()
    body = {
        "reference": "INSERECO93-ETE",
        "tenders": [{"tender": t} for t in tender_ids],
        "options": {"time_limit_s": 20},
    }
    answer = client.post(URL, json=body, headers=coordinator)
    assert answer.status_code == 202, answer.text
    queued = answer.json()
    assert queued["status"] == "queued" and queued["result"] is None
    assert answer.headers["location"] == f"{URL}/{queued['id']}"
    assert [t["tender"] for t in queued["tenders"]] == tender_ids

    portfolio = wait_for_portfolio(client, viewer, queued["id"])
    assert portfolio["status"] == "done", portfolio
    result = portfolio["result"]
    assert result["status"] == "optimal"
    assert [t["tender_id"] for t in result["tenders"]] == tender_ids
    assert [t["reference"] for t in result["tenders"]] == ["CD93-ETE-A", "CD93-ETE-B"]
    plans = [t["plan"] for t in result["tenders"]]
    for plan in plans:
        # Each tender has its own grouping, in the shape of a plan's result.
        [grouping] = plan["groupings"]
        assert grouping["mandataire"] in (bobigny, pantin) and not grouping["uncovered"]
        assert {m["structure"] for m in grouping["members"]} >= {grouping["mandataire"]}
    together = july_hours(plans)
    assert sum(together.values()) == 840
    assert all(hours <= MONTHLY + 1e-6 for hours in together.values()), together
    # The load calendar says the same, per structure and month, against the capacity.
    calendar = {(c["structure"], c["period"]): c for c in result["calendar"]}
    assert calendar[(bobigny, "2026-07")]["capacity"] == MONTHLY
    for (structure_id, _), month in calendar.items():
        assert abs(month["planned"] - together.get(structure_id, 0)) < 1e-6
        assert abs(sum(month["tenders"].values()) - month["planned"]) < 1e-6

    # Read again: the same document, with its ETag; another network's key sees nothing.
    again = client.get(f"{URL}/{queued['id']}", headers=viewer)
    assert again.json() == portfolio and again.headers["etag"]
    assert client.get(f"{URL}/{queued['id']}", headers=stranger).status_code == 404
    assert client.get(f"{URL}/{queued['id']}/problem", headers=stranger).status_code == 404
    assert client.get(URL, headers=stranger).json()["total"] == 0
    listed = client.get(URL, headers=viewer).json()
    assert [(p["id"], p["tender_ids"], p["status"]) for p in listed["items"]] == [
        (queued["id"], tender_ids, "done")
    ]
    problem = client.get(f"{URL}/{queued['id']}/problem", headers=viewer).json()
    assert [t["tender"]["reference"] for t in problem["tenders"]] == ["CD93-ETE-A", "CD93-ETE-B"]
    # The network's back-office hears of it.
    [delivery] = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=coordinator).json()["items"]
    assert delivery["event"] == "portfolio.done"
    assert delivery["payload"]["data"]["portfolio_id"] == queued["id"]
    assert delivery["payload"]["data"]["tender_ids"] == tender_ids


def wait_for_portfolio(
    client: TestClient, headers: Headers, portfolio_id: int, timeout: float = 90
) -> dict[str, Any]:

    deadline = time.monotonic() + timeout
    while True:
        portfolio: dict[str, Any] = client.get(f"{URL}/{portfolio_id}", headers=headers).json()
        if portfolio["status"] in ("done", "failed", "cancelled"):
            return portfolio
        assert time.monotonic() < deadline, portfolio
        time.sleep(0.2)


def errors_of(answer: Any, status: int = 422) -> dict[str, str]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return {e["field"]: e["reason"] for e in answer.json()["errors"]}


def test_unknown_other_networks_and_repeated_tenders_are_named(
    client: TestClient, coordinator: Headers, stranger: Headers
) -> None:
    tender_ids, _ = network(client, coordinator)
    theirs = add_tender(client, stranger, tender("AUTRE-1", 1))
    body: dict[str, Any] = {
        "tenders": [
            {"tender": tender_ids[0]},
            {"tender": 9999},
            {"tender": theirs},
            {"tender": tender_ids[0]},
        ]
    }
    errors = errors_of(client.post(URL, json=body, headers=coordinator))
    assert errors == {
        "tenders.1.tender": "no tender 9999 in this network",
        "tenders.2.tender": f"no tender {theirs} in this network",
        "tenders.3.tender": f"tender {tender_ids[0]} is already in the portfolio (tenders.0)",
    }
    # Options that are the portfolio's are refused per tender; every limit is named.
    body = {
        "tenders": [{"tender": tender_ids[0], "options": {"time_limit_s": 5}}],
        "options": {"time_limit_s": 100_000, "max_dependence": float("inf")},
    }

    answer = client.post(
        URL, content=json.dumps(body), headers=coordinator | {"Content-Type": "application/json"}
    )
    errors = errors_of(answer)
    assert "options.time_limit_s: set for the whole portfolio" in errors["tenders.0"]
    assert "options.time_limit_s" in errors and "options.max_dependence" in errors
    eleven = {"tenders": [{"tender": n} for n in range(1, 12)]}
    assert "at most 10 tenders" in errors_of(client.post(URL, json=eleven, headers=coordinator))["tenders"]
    assert client.get(URL, headers=coordinator).json()["total"] == 0


def test_a_draft_tender_is_a_409_naming_its_sites(
    client: TestClient, coordinator: Headers, viewer: Headers, engine: Engine
) -> None:
    tender_ids, _ = network(client, coordinator)
    with engine.begin() as conn:
        conn.execute(
            update(Site)
            .where(col(Site.tender_id) == tender_ids[1], col(Site.ref) == "09305X")
            .values(hours=None)
        )
    body = {"tenders": [{"tender": t} for t in tender_ids]}
    errors = errors_of(client.post(URL, json=body, headers=coordinator), 409)
    assert errors == {"tenders.1.sites.09305X.hours": "workload in hours unknown"}
    assert client.post(URL, json=body, headers=viewer).status_code == 403
    assert client.get(URL, headers=coordinator).json()["total"] == 0


def test_a_retry_with_the_same_key_creates_one_portfolio_and_a_queued_one_is_cancelled(
    client: TestClient, coordinator: Headers, viewer: Headers, big_tender: int, solving: None
) -> None:
    # One solve at a time: while a long plan runs, the portfolio waits in the queue.
    busy = queue_plan(client, coordinator, big_tender, time_limit_s=300)
    wait_for(client, viewer, busy["id"], lambda p: p["status"] == "running")
    tender_ids, _ = network(client, coordinator)
    body = {"tenders": [{"tender": t} for t in tender_ids], "options": {"time_limit_s": 30}}
    headers = coordinator | {"Idempotency-Key": "portefeuille-ete-2026"}
    first = client.post(URL, json=body, headers=headers)
    second = client.post(URL, json=body, headers=headers)
    assert first.status_code == second.status_code == 202
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert client.get(URL, headers=coordinator).json()["total"] == 1
    url = f"{URL}/{first.json()['id']}"
    assert client.get(url, headers=viewer).json()["status"] == "queued"
    assert client.post(f"{url}/cancel", headers=viewer).status_code == 403
    cancelled = client.post(f"{url}/cancel", headers=coordinator)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.post(f"{url}/cancel", headers=coordinator)
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"portfolio {first.json()['id']} is already cancelled: only a queued or running portfolio"
        " can be cancelled"
    )
    assert client.post(f"/api/v1/plans/{busy['id']}/cancel", headers=coordinator).status_code == 200


def test_a_portfolio_respects_the_hours_another_tenders_accepted_grouping_holds(
    client: TestClient, coordinator: Headers, solving: None
) -> None:
    tender_ids, (bobigny, _) = network(client, coordinator)
    other = add_tender(client, coordinator, tender("CD93-ETE-C", 9))
    accepted = wait_for(client, coordinator, queue_plan(client, coordinator, other)["id"], finished)
    assert accepted["status"] == "done", accepted
    committed = july_hours([accepted["result"]])
    answer = client.post(f"/api/v1/plans/{accepted['id']}/accept", json={"rank": 1}, headers=coordinator)
    assert answer.status_code == 200, answer.text

    body = {"tenders": [{"tender": t} for t in tender_ids], "options": {"time_limit_s": 20}}
    queued = client.post(URL, json=body, headers=coordinator).json()
    portfolio = wait_for_portfolio(client, coordinator, queued["id"])
    assert portfolio["status"] == "done", portfolio
    calendar = {(c["structure"], c["period"]): c for c in portfolio["result"]["calendar"]}
    for structure_id, hours in committed.items():
        month = calendar[(structure_id, "2026-07")]
        assert abs(month["committed"] - hours) < 1e-6
    # What the accepted grouping holds and what the portfolio plans fit in each painter's July.
    together = july_hours([t["plan"] for t in portfolio["result"]["tenders"]])
    for structure_id in (*committed, *together):
        assert together.get(structure_id, 0) + committed.get(structure_id, 0) <= MONTHLY + 1e-6
    assert committed.get(bobigny, 0) > 0
