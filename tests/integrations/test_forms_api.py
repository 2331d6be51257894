"""DC1/DC4 drafts and the OCDS joint bid of a planned, then accepted, grouping."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.integrations.ocds import validate_package
from tests.integrations.conftest import Headers, Planned


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_scenario_has_members_and_work_beyond_them(planned: Planned) -> None:
    grouping = planned.grouping
    assert len(grouping["members"]) >= 1
    # an AI puts staff at disposal (no DC4); a sous-traitant is an EI/ACI/EITI outside the grouping
    assert grouping["staffing"] or grouping["subcontracts"]
    assert {planned.structures[s["from"]]["kind"] for s in grouping["staffing"]} <= {"AI", "ETTI"}
    assert {planned.structures[s["to"]]["kind"] for s in grouping["subcontracts"]} <= {"EI", "ACI", "EITI"}


def test_drafts_of_a_plan_grouping_before_acceptance(
    client: TestClient, coordinator: Headers, viewer: Headers, stranger: Headers, planned: Planned
) -> None:
    plan_id = planned.plan["id"]
    grouping = planned.grouping
    base = f"/api/v1/plans/{plan_id}/groupings/1"
    dc1 = client.get(f"{base}/dc1", headers=viewer)
    assert dc1.status_code == 200, dc1.text
    form = dc1.json()
    mandataire = planned.structures[grouping["mandataire"]]
    # a one-member answer is a candidat individuel: no mandataire to designate
    alone = len(grouping["members"]) == 1
    assert form["mandataire"] == (None if alone else grouping["mandataire"])
    assert form["members"][0]["name"] == mandataire["name"]
    assert form["members"][0]["siret"] == mandataire["siret"]
    assert form["buyer"]["name"] == "Département de la Seine-Saint-Denis"
    assert {m["structure"] for m in form["members"]} == {m["structure"] for m in grouping["members"]}
    # The amounts are the members' revenue in the plan.
    revenue = {m["structure"]: round(m["revenue_eur"], 2) for m in grouping["members"]}
    assert {m["structure"]: m["amount_ht_eur"] for m in form["members"]} == revenue
    if mandataire["address"]:
        assert form["members"][0]["address"] == "4 Rue Albert Einstein, 93000 Bobigny"
    assert "members[0].email" in form["missing"]

    dc2 = client.get(f"{base}/dc2", headers=viewer).json()
    assert [d["member"]["structure"] for d in dc2] == [m["structure"] for m in form["members"]]
    dc4 = client.get(f"{base}/dc4", headers=viewer).json()
    assert len(dc4) == len(grouping["subcontracts"])
    for form4, line in zip(dc4, grouping["subcontracts"], strict=True):
        assert form4["holder"]["structure"] == line["from"]
        assert form4["amount_ht_eur"] == round(line["value_eur"], 2)
        # A works tender: VAT autoliquidée by the holder (CGI 283-2 nonies).
        assert (form4["vat"], form4["amount_ttc_eur"]) == ("autoliquidation", form4["amount_ht_eur"])
        assert form4["direct_payment"] == (form4["amount_ttc_eur"] >= 600)
    annex = client.get(f"{base}/annexe-repartition", headers=viewer).json()
    assert annex["totals"] == revenue
    mad = client.get(f"{base}/mise-a-disposition", headers=viewer).json()
    receivers = {s["to"] for s in grouping.get("staffing", [])}
    assert len(mad) == len(
        {
            m["structure"]
            for m in grouping["members"]
            if set(m.get("structures", [m["structure"]])) & receivers
        }
    )

    for name, count in (("dc1", 1), ("dc2", len(dc2)), ("dc4", max(1, len(dc4))), ("annexe-repartition", 1)):
        pdf = client.get(f"{base}/{name}.pdf", headers=viewer)
        assert pdf.headers["content-type"] == "application/pdf"
        assert len(PdfReader(io.BytesIO(pdf.content)).pages) >= count
    text = _text(client.get(f"{base}/dc1.pdf", headers=viewer).content)
    assert mandataire["name"] in text and "A - Identification de l'acheteur" in text

    assert client.get(f"/api/v1/plans/{plan_id}/groupings/9/dc1", headers=viewer).status_code == 404
    assert client.get(f"{base}/dc1", headers=stranger).status_code == 404
    # Not accepted yet: the tender has no drafts of its own.
    none = client.get(f"/api/v1/tenders/{planned.tender_id}/dc1", headers=viewer)
    assert none.status_code == 409 and none.headers["content-type"] == "application/problem+json"


def test_form_schemas_are_published(client: TestClient, viewer: Headers) -> None:
    listed = client.get("/api/v1/forms/schemas", headers=viewer).json()["forms"]
    assert set(listed) == {"dc1", "dc2", "dc4", "annexe-repartition", "mise-a-disposition"}
    schema = client.get(listed["dc4"], headers=viewer).json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"vat", "direct_payment", "missing", "rubrics"} <= set(schema["properties"])
    assert client.get("/api/v1/forms/schemas/dc9", headers=viewer).status_code == 404


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
            "scheme": "FR-RCS",
            "id": planned.structures[sid]["siret"],
            "legalName": names[sid],
        }
    subcontracts = bid["subcontracting"]["subcontracts"]
    assert [
        (parties[s["mainContractors"][0]["id"]]["name"], parties[s["subcontractor"]["id"]]["name"])
        for s in subcontracts
    ] == [(names[s["from"]], names[s["to"]]) for s in grouping["subcontracts"]]
    assert {p["name"] for p in parties.values() if "subcontractor" in p["roles"]} == {
        names[s["to"]] for s in grouping["subcontracts"]
    }

    dc1 = client.get(f"/api/v1/tenders/{planned.tender_id}/dc1?form=conjoint", headers=viewer).json()
    assert dc1["groupement_form"] == ("conjoint" if len(grouping["members"]) > 1 else "individuel")
    assert dc1["members"][0]["name"] == names[grouping["mandataire"]]
    text = _text(client.get(f"/api/v1/tenders/{planned.tender_id}/dc4.pdf", headers=viewer).content)
    assert "L - Notification de l'acte spécial au titulaire" in text or not grouping["subcontracts"]
    bad = client.get(f"/api/v1/tenders/{planned.tender_id}/dc1?form=mixte", headers=viewer)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "form"
