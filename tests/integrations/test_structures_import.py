"""`POST /api/v1/structures/import`: upsert by (SIRET, kind) with a report per row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.integrations.conftest import Headers

URL = "/api/v1/structures/import"
SIAE_93 = (Path(__file__).parent / "data" / "siae_93.csv").read_bytes()
# SIRETs with valid check digits, not those of real establishments.
EATT_SIRET = "79511522961293"
SEP_SIRET = "82144607754691"


def _post(client: TestClient, headers: Headers, body: bytes | str) -> dict[str, Any]:
    data = body.encode() if isinstance(body, str) else body
    response = client.post(URL, content=data, headers=headers | {"Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def test_siae_93_yields_81_structures_and_a_reimport_changes_nothing(
    client: TestClient, coordinator: Headers
) -> None:
    report = _post(client, coordinator, SIAE_93)
    assert (report["created"], report["updated"], report["unchanged"], report["rejected"]) == (81, 0, 0, 0)
    listed = client.get("/api/v1/structures?limit=500", headers=coordinator).json()
    assert listed["total"] == 81
    by_key = {(s["siret"], s["kind"]): s for s in listed["items"]}
    acces = by_key[("82200166500030", "EI")]
    assert acces["name"] == "ACCES, INCLUSIVE TECH"
    assert acces["territory"] == "Plaine Commune"
    assert ("39281437200034", "ACI") in by_key and ("39281437200034", "EI") in by_key
    assert by_key[("39281437200034", "ACI")]["labels"] == ["regie-de-quartier"]
    kinds = [s["kind"] for s in listed["items"]]
    assert kinds.count("AI") == 5 and kinds.count("ETTI") == 5

    again = _post(client, coordinator, SIAE_93)
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, 81, 0)
    assert {r["status"] for r in again["rows"]} == {"unchanged"}
    assert client.get("/api/v1/structures?limit=500", headers=coordinator).json()["items"] == listed["items"]


def test_reimport_updates_what_changed_and_keeps_what_the_file_does_not_carry(
    client: TestClient, coordinator: Headers
) -> None:
    own = (
        "siret;kind;name;lat;lon;annual_turnover_eur;can_lead;capacities\n"
        "34980413800049;ACI;JADE;48,924896;2,414678;750000;oui;peinture-revetement-des-murs:3000\n"
    )
    first = _post(client, coordinator, own)
    assert first["created"] == 1
    structure_id = first["rows"][0]["structure_id"]
    asp = (
        "MESURE,SIRET,DENOMINATION_SOCIALE,CODE_POSTAL,COMMUNE\n"
        "ACI_DC,34980413800049,JADE ASSOCIATION,93120,La Courneuve\n"
    )
    second = _post(client, coordinator, asp)
    assert [(r["status"], r["structure_id"]) for r in second["rows"]] == [("updated", structure_id)]
    stored = client.get(f"/api/v1/structures/{structure_id}", headers=coordinator).json()
    assert stored["name"] == "JADE ASSOCIATION"
    assert stored["postcode"] == "93120" and stored["commune_insee"] == "93027"
    # The ASP list carries no turnover, capacity nor coordinates: those stay as entered.
    assert stored["annual_turnover_eur"] == 750000 and stored["can_lead"] is True
    assert stored["capacities"] == {"peinture-revetement-des-murs": 3000}
    assert (stored["lat"], stored["lon"]) == (48.924896, 2.414678)


def test_bad_rows_are_rejected_with_field_and_reason_and_good_rows_kept(
    client: TestClient, coordinator: Headers
) -> None:
    text = (
        "siret,kind,name,lat,lon\n"
        "34980413800049,ACI,JADE,48.92,2.41\n"
        "34980413800048,ACI,Bad checksum,48.92,2.41\n"
        "38238754600023,SARL,Unknown kind,48.85,2.43\n"
        "38238754600023,ACI,No position,,\n"
        "34980413800049,ACI,Twice,48.92,2.41\n"
        '38768261000259,EI,"ARES, ""SERVICES""\nPantin",48.89,2.41\n'
    )
    report = _post(client, coordinator, text)
    rows = report["rows"]
    assert [r["status"] for r in rows] == [
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "created",
    ]
    assert rows[1]["errors"] == [{"field": "siret", "reason": "invalid checksum"}]
    assert [e["field"] for e in rows[2]["errors"]] == ["kind"]
    assert {e["field"] for e in rows[3]["errors"]} == {"lat", "lon"}
    assert rows[4]["errors"][0]["field"] == "siret" and "line 2" in rows[4]["errors"][0]["reason"]
    assert rows[5]["line"] == 7 and rows[5]["name"] == 'ARES, "SERVICES"\nPantin'
    assert (report["created"], report["rejected"]) == (2, 4)
    assert client.get("/api/v1/structures", headers=coordinator).json()["total"] == 2


def test_unreadable_file_is_a_problem_naming_why(client: TestClient, coordinator: Headers) -> None:
    response = client.post(
        URL,
        content="siret,kind\n1,EI,Régie\n".encode("latin-1"),
        headers=coordinator | {"Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "body"
    missing = client.post(URL, content=b"nom,ville\nA,B\n", headers=coordinator)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "header"


def test_import_needs_a_coordinator_and_stays_in_the_network(
    client: TestClient, coordinator: Headers, viewer: Headers, stranger: Headers
) -> None:
    assert client.post(URL, content=SIAE_93, headers=viewer).status_code == 403
    assert client.post(URL, content=SIAE_93).status_code == 401
    _post(client, coordinator, SIAE_93)
    assert client.get("/api/v1/structures", headers=stranger).json()["total"] == 0
    assert _post(client, stranger, SIAE_93)["created"] == 81


def test_the_marche_de_l_inclusion_s_eatt_and_sep_rows_are_kept_with_their_legal_figures(
    client: TestClient, coordinator: Headers
) -> None:
    # Columns of the Marché de l'inclusion's export; the EATT and SEP rows are illustrative (SIRETs with
    # valid check digits, not real ones), the legal figures in the French column names.
    text = (
        (
            "siret,name,brand,kind,naf,legal_form,address,postcode,city,lat,lon,taux_insertion,tarif_horaire_mad\n"
            "SIRET_EATT,EA TRAVAIL TEMPORAIRE,,EATT,7820Z,SAS,1 rue A,93200,Saint-Denis,48.93,2.35,60 %,\n"
            "SIRET_SEP,ATELIERS DU SEP,,SEP,8411Z,Etablissement public,2 rue B,93140,Bondy,48.90,2.48,,\n"
            "50983553400017,AI DE L'EST,,AI,7830Z,Association loi 1901,3 rue C,93100,Montreuil,"
            "48.86,2.44,,21.5\n"
        )
        .replace("SIRET_EATT", EATT_SIRET)
        .replace("SIRET_SEP", SEP_SIRET)
    )
    report = _post(client, coordinator, text)
    assert [r["status"] for r in report["rows"]] == ["created", "created", "created"], report["rows"]
    listed = {s["kind"]: s for s in client.get("/api/v1/structures", headers=coordinator).json()["items"]}
    assert set(listed) == {"EATT", "SEP", "AI"}
    assert (listed["EATT"]["legal_form"], listed["EATT"]["insertion_rate"]) == ("company", 0.6)
    assert listed["SEP"]["legal_form"] == "public"
    assert (listed["AI"]["legal_form"], listed["AI"]["mad_rate_eur_per_hour"]) == ("association", 21.5)
    assert listed["AI"]["siren"] == "509835534"
