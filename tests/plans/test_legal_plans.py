"""Plans of a groupement as the law reads it, through the API: legal entities (SIREN), the form the
members choose, the options' new names, and a re-plan after award that adds no member (R2142-26)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.plans.conftest import Headers, add_structures, add_tender, finished, queue_plan, wait_for

PAINT = "peinture-revetement-des-murs"
A = (48.90, 2.40)
B = (48.95, 2.50)


def site(site_id: str, at: tuple[float, float], hours: float = 200) -> dict[str, Any]:
    return {
        "id": site_id,
        "name": site_id,
        "lat": at[0],
        "lon": at[1],
        "hours": hours,
        "value_eur": hours * 43,
    }


def structure(siret: str, name: str, at: tuple[float, float], capacity: float, **more: Any) -> dict[str, Any]:
    return {
        "siret": siret,
        "name": name,
        "kind": "EI",
        "lat": at[0],
        "lon": at[1],
        "annual_turnover_eur": 1_000_000,
        "max_distance_km": 30,
        "capacities": {PAINT: capacity},
    } | more


def tender(sites: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "reference": "CD93-PEINT-LOI",
        "title": "Peinture",
        "kind": "works",
        "lots": [{"id": "L1", "trade": PAINT, "reserved": "siae", "sites": sites}],
    }


def solved(client: TestClient, headers: Headers, tender_id: int, **options: Any) -> dict[str, Any]:
    plan = wait_for(client, headers, queue_plan(client, headers, tender_id, **options)["id"], finished)
    assert plan["status"] == "done", plan
    return plan


def test_two_establishments_of_one_siren_are_one_member_and_one_candidate(
    client: TestClient, coordinator: Headers, solving: None
) -> None:
    # URBAN DECO CONCEPT: two SIRETs of one SIREN (ASP list, 2021); neither covers the tender alone.
    ids = add_structures(
        client,
        coordinator,
        [
            structure("78976102000021", "URBAN DECO CONCEPT (1)", A, 500, can_lead=True),
            structure("78976102000039", "URBAN DECO CONCEPT (2)", B, 500),
        ],
    )
    tender_id = add_tender(
        client, coordinator, tender([site("S1", A), site("S2", A), site("S3", B), site("S4", B)])
    )
    plan = solved(client, coordinator, tender_id, max_members=1, groupement_form="solidaire")
    best = plan["result"]["groupings"][0]
    assert best["uncovered"] == []
    [member] = best["members"]
    assert member["siren"] == "789761020" and sorted(member["structures"]) == sorted(ids)
    assert {a["structure"] for a in best["assignments"]} == set(ids)
    # One legal entity alone is a candidat individuel, whatever form was asked.
    assert best["form"] == "individuel" and best["terms"]["members"] == 1
    assert plan["options"]["groupement_form"] == "solidaire"


def test_form_weights_alias_and_bad_options(client: TestClient, coordinator: Headers, solving: None) -> None:
    add_structures(
        client,
        coordinator,
        [
            structure("80746931700018", "Est", A, 500, can_lead=True),
            structure("34980413800049", "Nord", B, 500),
        ],
    )
    tender_id = add_tender(
        client, coordinator, tender([site("S1", A), site("S2", A), site("S3", B), site("S4", B)])
    )
    plan = solved(client, coordinator, tender_id, groupement_form="conjoint", weights={"subcontracting": 0.3})
    assert (
        plan["options"]["weights"]["staffing"] == 0.3 and "subcontracting" not in plan["options"]["weights"]
    )
    assert plan["result"]["groupings"][0]["form"] == "conjoint"
    assert len(plan["result"]["groupings"][0]["members"]) == 2

    bad = client.post(
        f"/api/v1/tenders/{tender_id}/plans",
        json={"options": {"groupement_form": "GME", "max_subcontracting_share": 1}},
        headers=coordinator,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {
        "options.groupement_form",
        "options.max_subcontracting_share",
    }


def replan(
    client: TestClient, headers: Headers, plan_id: int, leaving: str, mode: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"withdrawn": [leaving]} | ({} if mode is None else {"mode": mode})
    answer = client.post(f"/api/v1/plans/{plan_id}/replan", json=body, headers=headers)
    assert answer.status_code == 202, answer.text
    plan = wait_for(client, headers, answer.json()["id"], finished)
    assert plan["status"] == "done", plan
    return plan


def test_after_award_the_replan_adds_no_member_where_before_submission_it_would(
    client: TestClient, coordinator: Headers, solving: None
) -> None:
    # The leader near A can carry every site; two others near B, the second a little further.
    lead, near, further = add_structures(
        client,
        coordinator,
        [
            structure("80746931700018", "Tête de groupement", A, 2000, can_lead=True),
            structure("34980413800049", "Voisin de B", B, 1000),
            structure("38238754600023", "Autre voisin de B", (B[0] + 0.01, B[1] + 0.01), 1000),
        ],
    )
    tender_id = add_tender(
        client, coordinator, tender([site("S1", A), site("S2", A), site("S3", B), site("S4", B)])
    )
    options = {"max_members": 2, "weights": {"distance": 1, "balance": 0, "members": 0}}
    plan = solved(client, coordinator, tender_id, **options)
    accepted = plan["result"]["groupings"][0]
    assert {m["structure"] for m in accepted["members"]} == {lead, near}
    assert (
        client.post(f"/api/v1/plans/{plan['id']}/accept", json={"rank": 1}, headers=coordinator).status_code
        == 200
    )

    before = replan(client, coordinator, plan["id"], near, "before_submission")
    assert {m["structure"] for m in before["result"]["groupings"][0]["members"]} == {lead, further}

    after = replan(client, coordinator, plan["id"], near, "after_award")
    assert after["options"]["baseline"]["mode"] == "after_award"
    assert sorted(after["options"]["baseline"]["members"]) == sorted([lead, near])
    for grouping in after["result"]["groupings"]:
        assert {m["structure"] for m in grouping["members"]} <= {lead}, grouping
    best = after["result"]["groupings"][0]
    assert best["uncovered"] == [] and {a["structure"] for a in best["assignments"]} == {lead}

    unknown = client.post(
        f"/api/v1/plans/{plan['id']}/replan", json={"withdrawn": [near], "mode": "après"}, headers=coordinator
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "mode"
