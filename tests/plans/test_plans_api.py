"""Plans over the API, end to end: queued, solved by the runner or a worker, read, cancelled, accepted."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import col
from typer.testing import CliRunner

from app.cli import cli
from app.plans.models import Plan
from tests.plans.conftest import Headers, finished, queue_plan, solver_processes, wait_for


def _groupings(result: dict[str, Any]) -> list[tuple[str, list[str], dict[str, str]]]:
    return [
        (
            g["mandataire"],
            sorted(m["structure"] for m in g["members"]),
            {a["site"]: a["structure"] for a in g["assignments"]},
        )
        for g in result["groupings"]
    ]


def test_a_plan_is_queued_then_solved_like_planner_solve(
    client: TestClient,
    coordinator: Headers,
    viewer: Headers,
    small_tender: int,
    solving: None,
    tmp_path: Path,
) -> None:
    answer = client.post(
        f"/api/v1/tenders/{small_tender}/plans",
        # Deterministic: among plans of equal objective the same one is returned offline as in the job.
        json={"options": {"alternatives": 2, "time_limit_s": 20, "deterministic": True}},
        headers=coordinator,
    )
    assert answer.status_code == 202, answer.text
    queued = answer.json()
    assert queued["status"] == "queued"
    assert queued["options"]["alternatives"] == 2 and queued["result"] is None
    assert answer.headers["location"] == f"/api/v1/plans/{queued['id']}"

    plan = wait_for(client, viewer, queued["id"], finished)
    assert plan["status"] == "done", plan
    assert plan["result"]["status"] == "optimal"
    assert [g["rank"] for g in plan["result"]["groupings"]] == [1, 2]
    assert plan["progress"]["elapsed_s"] >= 0 and plan["attempts"] == 1
    assert plan["started_at"] and plan["finished_at"]

    # The stored problem, solved offline, gives the same groupings.
    problem = client.get(f"/api/v1/plans/{queued['id']}/problem", headers=viewer).json()
    assert problem["options"]["alternatives"] == 2
    (tmp_path / "problem.json").write_text(json.dumps(problem))
    out = CliRunner().invoke(
        cli, ["solve", str(tmp_path / "problem.json"), "--out", str(tmp_path / "plan.json")]
    )
    assert out.exit_code == 0, out.output
    offline = json.loads((tmp_path / "plan.json").read_text())
    assert _groupings(offline) == _groupings(plan["result"])

    listed = client.get(f"/api/v1/tenders/{small_tender}/plans", headers=viewer).json()
    assert listed["total"] == 1 and [p["id"] for p in listed["items"]] == [queued["id"]]
    assert listed["items"][0]["status"] == "done"


def test_the_stored_problem_does_not_follow_later_changes(
    client: TestClient, coordinator: Headers, small_tender: int
) -> None:
    plan = queue_plan(client, coordinator, small_tender)
    before = client.get(f"/api/v1/plans/{plan['id']}/problem", headers=coordinator).json()
    structure = before["structures"][0]["id"]
    patched = client.patch(f"/api/v1/structures/{structure}", json={"name": "Renamed"}, headers=coordinator)
    assert patched.status_code == 200, patched.text
    after = client.get(f"/api/v1/plans/{plan['id']}/problem", headers=coordinator).json()
    assert after == before and after["structures"][0]["name"] != "Renamed"


def test_readers_cannot_plan_and_bad_options_are_named(
    client: TestClient, coordinator: Headers, viewer: Headers, small_tender: int
) -> None:
    url = f"/api/v1/tenders/{small_tender}/plans"
    assert client.post(url, json={}, headers=viewer).status_code == 403

    bad = client.post(url, json={"options": {"time_limit_s": -1, "alternatives": 99}}, headers=coordinator)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in bad.json()["errors"]} == {"options.time_limit_s", "options.alternatives"}

    unknown = client.post(url, json={"options": {"required": ["999999"]}}, headers=coordinator)
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["errors"][0]["field"] == "options.required"
    assert "999999" in unknown.json()["errors"][0]["reason"]
    assert client.get(url, headers=coordinator).json()["total"] == 0


def test_another_network_sees_no_plan(
    client: TestClient, coordinator: Headers, stranger: Headers, small_tender: int
) -> None:
    plan = queue_plan(client, coordinator, small_tender)
    urls = [
        ("get", f"/api/v1/plans/{plan['id']}", None),
        ("get", f"/api/v1/plans/{plan['id']}/problem", None),
        ("post", f"/api/v1/plans/{plan['id']}/cancel", None),
        ("post", f"/api/v1/plans/{plan['id']}/accept", {"rank": 1}),
        ("post", f"/api/v1/plans/{plan['id']}/replan", {"withdrawn": ["1"]}),
        ("get", f"/api/v1/tenders/{small_tender}/plans", None),
        ("post", f"/api/v1/tenders/{small_tender}/plans", {}),
    ]
    for method, url, body in urls:
        answer = client.request(method, url, json=body, headers=stranger)
        assert answer.status_code == 404, (method, url, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"/api/v1/plans/{plan['id']}", headers=coordinator).status_code == 200


def test_cancel_a_queued_plan_and_a_running_one(
    client: TestClient, coordinator: Headers, viewer: Headers, big_tender: int, solving: None
) -> None:
    long = queue_plan(client, coordinator, big_tender, time_limit_s=300)
    waiting = queue_plan(client, coordinator, big_tender, time_limit_s=300)
    running = wait_for(client, viewer, long["id"], lambda p: p["status"] == "running")
    assert client.post(f"/api/v1/plans/{waiting['id']}/cancel", headers=viewer).status_code == 403

    cancelled = client.post(f"/api/v1/plans/{waiting['id']}/cancel", headers=coordinator)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"

    # The running solve reports its progress (time, incumbent objective) before it is stopped.
    progress = wait_for(
        client,
        viewer,
        running["id"],
        lambda p: (p["progress"] or {}).get("elapsed_s", 0) >= 1 and p["progress"]["objective"] is not None,
    )["progress"]
    assert progress["objective"] > 0 and set(progress) >= {"elapsed_s", "objective", "bound", "gap"}
    stopped = client.post(f"/api/v1/plans/{long['id']}/cancel", headers=coordinator)
    assert stopped.status_code == 200 and stopped.json()["status"] == "cancelled"
    again = client.post(f"/api/v1/plans/{long['id']}/cancel", headers=coordinator)
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"plan {long['id']} is already cancelled: only a queued or running plan can be cancelled"
    )

    # One solve at a time: a new plan can only finish this soon if the cancelled solve was stopped.
    quick = queue_plan(client, coordinator, big_tender, time_limit_s=3)
    assert wait_for(client, viewer, quick["id"], finished, timeout=90)["status"] == "done"
    for plan_id in (long["id"], waiting["id"]):
        plan = client.get(f"/api/v1/plans/{plan_id}", headers=viewer).json()
        assert plan["status"] == "cancelled" and plan["result"] is None


def test_a_solve_that_dies_fails_the_plan_with_its_reason(
    engine: Engine, client: TestClient, coordinator: Headers, big_tender: int, solving: None
) -> None:
    plan = queue_plan(client, coordinator, big_tender, time_limit_s=60)
    # Progress is written once the solving process runs.
    wait_for(client, coordinator, plan["id"], lambda p: (p["progress"] or {}).get("elapsed_s", 0) > 0)
    with engine.connect() as conn:
        worker = conn.execute(select(col(Plan.worker)).where(col(Plan.id) == plan["id"])).scalar_one()
    assert worker is not None
    solvers = solver_processes(int(worker.rsplit(":", 1)[1]))
    assert len(solvers) == 1
    os.kill(solvers.pop(), signal.SIGKILL)
    failed = wait_for(client, coordinator, plan["id"], finished)
    assert failed["status"] == "failed"
    assert failed["reason"] == "the solving process stopped unexpectedly (exit code -9)"
    assert failed["result"] is None


def test_accept_a_grouping_then_replan_without_a_member(
    client: TestClient, coordinator: Headers, viewer: Headers, small_tender: int, solving: None
) -> None:
    queued = queue_plan(client, coordinator, small_tender, alternatives=2)
    early = client.post(f"/api/v1/plans/{queued['id']}/accept", json={"rank": 1}, headers=coordinator)
    assert early.status_code in (409, 200)  # 200 only if the solve already finished
    plan = wait_for(client, viewer, queued["id"], finished)
    assert plan["status"] == "done"

    missing = client.post(f"/api/v1/plans/{plan['id']}/accept", json={"rank": 7}, headers=coordinator)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "rank"
    no_accepted = client.post(
        f"/api/v1/plans/{plan['id']}/replan", json={"withdrawn": ["1"]}, headers=coordinator
    )
    assert no_accepted.status_code == 409 or early.status_code == 200

    accepted = client.post(f"/api/v1/plans/{plan['id']}/accept", json={"rank": 1}, headers=coordinator)
    assert accepted.status_code == 200 and accepted.json()["accepted_rank"] == 1
    grouping = plan["result"]["groupings"][0]
    tender = client.get(f"/api/v1/tenders/{small_tender}", headers=viewer).json()
    assert tender["accepted"]["plan_id"] == plan["id"] and tender["accepted"]["rank"] == 1
    assert tender["accepted"]["mandataire"] == grouping["mandataire"]

    leaving = next(m["structure"] for m in grouping["members"] if m["role"] != "mandataire")
    outsider = client.post(
        f"/api/v1/plans/{plan['id']}/replan", json={"withdrawn": ["424242"]}, headers=coordinator
    )
    assert outsider.status_code == 422 and outsider.json()["errors"][0]["field"] == "withdrawn"

    answer = client.post(
        f"/api/v1/plans/{plan['id']}/replan", json={"withdrawn": [int(leaving)]}, headers=coordinator
    )
    assert answer.status_code == 202, answer.text
    assert answer.json()["replan_of"] == plan["id"] and answer.json()["withdrawn"] == [leaving]
    replanned = wait_for(client, viewer, answer.json()["id"], finished)
    assert replanned["status"] == "done", replanned
    new = replanned["result"]["groupings"][0]
    assert leaving not in {m["structure"] for m in new["members"]}
    before = {a["site"]: a["structure"] for a in grouping["assignments"]}
    after = {a["site"]: a["structure"] for a in new["assignments"]}
    # Sites of the members who stayed keep their structure; only the leaver's sites move.
    assert {site for site in before if after.get(site) != before[site]} == {
        site for site, structure in before.items() if structure == leaving
    }
    assert {move["site"] for move in new["moved"]} == {s for s, st in before.items() if st == leaving}

    # A second withdrawal, from the re-plan once accepted: the first leaver stays out.
    accept = client.post(f"/api/v1/plans/{replanned['id']}/accept", json={"rank": 1}, headers=coordinator)
    assert accept.status_code == 200
    tender = client.get(f"/api/v1/tenders/{small_tender}", headers=viewer).json()
    assert tender["accepted"]["plan_id"] == replanned["id"]
    second = next(m["structure"] for m in new["members"] if m["role"] != "mandataire")
    again = client.post(
        f"/api/v1/plans/{replanned['id']}/replan", json={"withdrawn": [second]}, headers=coordinator
    )
    assert again.status_code == 202, again.text
    assert again.json()["options"]["baseline"]["withdrawn"] == sorted({leaving, second})
    third = wait_for(client, viewer, again.json()["id"], finished)
    assert third["status"] == "done" and third["result"]["groupings"], third
    assert not {leaving, second} & {
        m["structure"] for g in third["result"]["groupings"] for m in g["members"]
    }
