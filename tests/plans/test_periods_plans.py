"""Plans of tenders with work windows and structures with hours per month, over the API."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from fastapi.testclient import TestClient

from tests.plans import scenario
from tests.plans.conftest import Headers, add_structures, add_tender, finished, queue_plan, wait_for

JULY = {"start": "2026-07-06", "end": "2026-07-31"}


def _values(value: Any, key: str) -> list[Any]:
    """Every value of `key` anywhere in a JSON document."""
    if isinstance(value, dict):
        own = [value[key]] if key in value else []
        return own + [x for v in value.values() for x in _values(v, key)]
    if isinstance(value, list):
        return [x for v in value for x in _values(v, key)]
    return []


def test_a_tender_without_time_is_planned_as_before(
    client: TestClient, coordinator: Headers, small_tender: int, solving: None
) -> None:
    plan = wait_for(client, coordinator, queue_plan(client, coordinator, small_tender)["id"], finished)
    problem = client.get(f"/api/v1/plans/{plan['id']}/problem", headers=coordinator).json()
    # Nothing about time enters the problem, so the engine takes its usual path (tested in
    # tests/solver/test_periods.py to give the same plan), and no assignment is placed in time.
    assert all(v is None for k in ("windows", "availability", "commitments") for v in _values(problem, k))
    assert plan["status"] == "done" and plan["result"]["status"] == "optimal"
    assert all(
        "periods" not in a or a["periods"] in (None, [])
        for a in plan["result"]["groupings"][0]["assignments"]
    )


def test_a_plan_keeps_each_structure_within_its_hours_of_the_month(
    client: TestClient, coordinator: Headers, solving: None
) -> None:
    body = scenario.tender(6, reference="CD93-PEINT-JUILLET")
    body["lots"][0]["windows"] = [JULY]
    total = sum(site["hours"] for site in body["lots"][0]["sites"])
    structures = scenario.structures(4, 1, total_hours=total)
    # In July each co-contractor gives at most 40 % of the tender's hours: two at least are needed.
    july = round(0.4 * total)
    for structure in structures[:4]:
        structure["availability"] = [{"trade": scenario.TRADE, "per": "month", "hours": july}]
    add_structures(client, coordinator, structures)
    tender_id = add_tender(client, coordinator, body)

    plan = wait_for(client, coordinator, queue_plan(client, coordinator, tender_id)["id"], finished)
    assert plan["status"] == "done", plan
    problem = client.get(f"/api/v1/plans/{plan['id']}/problem", headers=coordinator).json()
    assert problem["tender"]["lots"][0]["windows"] == [JULY | {"period": None}]
    assert all(s["availability"][0]["hours"] == july for s in problem["structures"][:4])

    [grouping] = plan["result"]["groupings"]
    assert not grouping["uncovered"]
    hours = {s["id"]: s["hours"] for s in body["lots"][0]["sites"]}
    done: dict[tuple[str, str], float] = defaultdict(float)
    for assignment in grouping["assignments"]:
        # Every site's hours are done in July, and all of them.
        assert {p["period"] for p in assignment["periods"]} == {"2026-07"}
        assert abs(sum(p["hours"] for p in assignment["periods"]) - hours[assignment["site"]]) < 1e-6
        done[(assignment["structure"], "2026-07")] += hours[assignment["site"]]
    assert len(grouping["members"]) >= 2
    assert all(h <= july + 1e-6 for h in done.values()), json.dumps(done)
