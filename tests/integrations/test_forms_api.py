"""DC1/DC4 drafts and the OCDS joint bid of a planned, then accepted, grouping."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.integrations.ocds import validate_package
from tests.integrations.conftest import Headers, Planned


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_scenario_has_members_and_a_subcontract(planned: Planned) -> None:
    grouping = planned.grouping
    assert len(grouping["members"]) >= 1
    kinds = {planned.structures[s["to"]]["kind"] for s in grouping["subcontracts"]}
    assert kinds == {"AI"}


def test_drafts_of_a_plan_grouping_before_acceptance(
    client: TestClient, coordinator: Headers, viewer: Headers, stranger: Headers, planned: Planned
) -> None:
    plan_id = planned.plan["id"]
    grouping = planned.grouping
    dc1 = client.get(f"/api/v1/plans/{plan_id}/groupings/1/dc1", headers=viewer)
    assert dc1.status_code == 200, dc1.text
    form = dc1.json()
    mandataire = planned.structures[grouping["mandataire"]]
    assert form["mandataire"]["name"] == mandataire["name"]
    assert form["mandataire"]["siret"] == mandataire["siret"]
    assert form["buyer"] == "Département de la Seine-Saint-Denis"
    assert {m["structure"] for m in form["members"]} == {m["structure"] for m in grouping["members"]}
    assert form["grouping_form"] == "solidaire"
    # Every site is covered: the grouping answers for the whole tender, subcontracted parts included.
    assert grouping["uncovered"] == []
    assert form["total_ht_eur"] == 36000
    by_member = {m["structure"]: m["amount_ht_eur"] for m in form["members"]}
    assert by_member[grouping["mandataire"]] == 12000 * sum(
        a["structure"] == grouping["mandataire"] for a in grouping["assignments"]
    )
    if mandataire["address"]:
        assert form["mandataire"]["address"] == "4 Rue Albert Einstein, 93000 Bobigny"

    dc4 = client.get(f"/api/v1/plans/{plan_id}/groupings/1/dc4", headers=viewer).json()
    assert len(dc4) == len(grouping["subcontracts"])
    for form4, line in zip(dc4, grouping["subcontracts"], strict=True):
        assert form4["holder"]["structure"] == line["from"]
        assert form4["subcontractor"]["name"] == "Amitié Solidarité"
        assert form4["amount_ht_eur"] == round(line["value_eur"], 2)
        assert form4["amount_ttc_eur"] == round(form4["amount_ht_eur"] * 1.2, 2)
        assert form4["direct_payment"] == (form4["amount_ttc_eur"] >= 600)

    pdf = client.get(f"/api/v1/plans/{plan_id}/groupings/1/dc1.pdf", headers=viewer)
    assert pdf.headers["content-type"] == "application/pdf"
    assert mandataire["name"] in _text(pdf.content)
    pdf4 = client.get(f"/api/v1/plans/{plan_id}/groupings/1/dc4.pdf", headers=viewer)
    assert len(PdfReader(io.BytesIO(pdf4.content)).pages) == max(1, len(dc4))

    assert client.get(f"/api/v1/plans/{plan_id}/groupings/9/dc1", headers=viewer).status_code == 404
    assert client.get(f"/api/v1/plans/{plan_id}/groupings/1/dc1", headers=stranger).status_code == 404
    # Not accepted yet: the tender has no drafts of its own.
    none = client.get(f"/api/v1/tenders/{planned.tender_id}/dc1", headers=viewer)
    assert none.status_code == 409 and none.headers["content-type"] == "application/problem+json"


def test_accepted_grouping_gives_tender_drafts_and_the_ocds_joint_bid(
    client: TestClient, coordinator: Headers, viewer: Headers, planned: Planned
) -> None:
    plan_id = planned.plan["id"]
    before = client.get(f"/api/v1/tenders/{planned.tender_id}/ocds", headers=viewer).json()
    assert "bids" not in before["releases"][0]
    accepted = client.post(f"/api/v1/plans/{plan_id}/accept", json={"rank": 1}, headers=coordinator)
    assert accepted.status_code == 200, accepted.text

    grouping = planned.grouping
    names = {sid: s["name"] for sid, s in planned.structures.items()}
    package = client.get(f"/api/v1/tenders/{planned.tender_id}/ocds", headers=viewer).json()
    assert validate_package(package) == []
    release = package["releases"][0]
    (bid,) = release["bids"]["details"]
    parties = {p["id"]: p for p in release["parties"]}
    assert parties[bid["tenderers"][0]["id"]]["name"] == names[grouping["mandataire"]]
    assert {parties[t["id"]]["name"] for t in bid["tenderers"]} == {
        names[m["structure"]] for m in grouping["members"]
    }
    assert [p["name"] for p in parties.values() if "leadTenderer" in p["roles"]] == [
        names[grouping["mandataire"]]
    ]
    for t in bid["tenderers"]:
        sid = next(s for s, n in names.items() if n == parties[t["id"]]["name"])
        assert parties[t["id"]]["identifier"] == {
            "scheme": "FR-SIRET",
            "id": planned.structures[sid]["siret"],
            "legalName": names[sid],
        }
    subcontracts = bid["subcontracting"]["subcontracts"]
    assert [
        (parties[s["mainContractors"][0]["id"]]["name"], parties[s["subcontractor"]["id"]]["name"])
        for s in subcontracts
    ] == [(names[s["from"]], names[s["to"]]) for s in grouping["subcontracts"]]
    assert {p["name"] for p in parties.values() if "subcontractor" in p["roles"]} == {"Amitié Solidarité"}

    dc1 = client.get(f"/api/v1/tenders/{planned.tender_id}/dc1?form=conjoint", headers=viewer).json()
    assert dc1["grouping_form"] == "conjoint"
    assert dc1["mandataire"]["name"] == names[grouping["mandataire"]]
    text = _text(client.get(f"/api/v1/tenders/{planned.tender_id}/dc4.pdf", headers=viewer).content)
    assert "Amitié Solidarité" in text and "TVA (20 %)" in text
    bad = client.get(f"/api/v1/tenders/{planned.tender_id}/dc1?form=mixte", headers=viewer)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "form"
