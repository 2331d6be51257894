"""Numbers in the forms as a coordinator sees them in a real browser (Chromium driven by Playwright): a
structure's and a tender's stored numbers read the French way in their fields, `1 234,5` typed, stored
as the number 1234.5 and shown back as `1 234,5`; a number that cannot be read named in French and
given back. Screenshots under `test-artifacts/`."""

from __future__ import annotations

import httpx
from playwright import sync_api

from tests.web.browser import ARTIFACTS, served, signed_in
from tests.web.test_numbers_pages import STRUCTURE, TENDER

__all__ = ["served"]
NBSP = "\u00a0"


def test_a_coordinator_reads_and_types_french_numbers_in_the_forms(served: tuple[str, str]) -> None:
    base, key = served
    auth = {"Authorization": f"Bearer {key}"}
    api = httpx.Client(base_url=base, timeout=30, headers=auth)
    structure_id = api.post("/api/v1/structures", json=STRUCTURE).json()["id"]
    tender_id = api.post("/api/v1/tenders", json=TENDER).json()["id"]
    expect = sync_api.expect
    with signed_in(base, key) as (page, problems):
        page.goto(f"{base}/annuaire/{structure_id}")
        expect(page.get_by_label("Latitude")).to_have_value("48,9362")
        expect(page.get_by_label("Longitude")).to_have_value("2,414678")
        turnover = page.get_by_label("Chiffre d'affaires annuel (€)")
        expect(turnover).to_have_value(f"500{NBSP}000")
        expect(page.get_by_label("Postes d'insertion (ETP)")).to_have_value("12,5")
        expect(page.get_by_label("Heures du métier 1")).to_have_value(f"1{NBSP}000")
        expect(page.get_by_label("Disponibilité 1 : heures")).to_have_value(f"1{NBSP}500,5")

        turnover.fill("1 234,5")
        page.get_by_label("Latitude").fill("48.936,2")  # neither French nor plain: refused
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text(
            f"latitude : doit être un nombre, par exemple 1{NBSP}234,5 (lu : « 48.936,2 »)"
        )
        expect(page.get_by_label("Latitude")).to_have_value("48.936,2")  # given back to be corrected
        # Read, so shown back the French way with the rest of the form.
        expect(page.get_by_label("Chiffre d'affaires annuel (€)")).to_have_value(f"1{NBSP}234,5")
        assert api.get(f"/api/v1/structures/{structure_id}").json()["annual_turnover_eur"] == 500000

        page.get_by_label("Latitude").fill("48,9362")
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("Structure enregistrée.")
        expect(page.get_by_label("Chiffre d'affaires annuel (€)")).to_have_value(f"1{NBSP}234,5")
        expect(page.get_by_label("Latitude")).to_have_value("48,9362")
        page.screenshot(path=str(ARTIFACTS / "nombres-structure-1280.png"), full_page=True)

        page.goto(f"{base}/marches/{tender_id}/modifier")
        hours = page.get_by_label("Heures d'insertion (clause sociale)")
        expect(hours).to_have_value(f"2{NBSP}500")
        expect(page.get_by_label("Montant estimé (€ HT)")).to_have_value(f"1{NBSP}250{NBSP}000")
        expect(page.get_by_label("Sites du lot, un par ligne").first).to_have_value(
            f"0931713G ; Collège Lavoisier ; 48,889 ; 2,42 ;  ; 1{NBSP}420 ; 18{NBSP}000"
        )
        hours.fill("1 234,5")
        page.get_by_role("button", name="Enregistrer le marché").click()
        expect(page).to_have_url(f"{base}/marches/{tender_id}?enregistre=1")
        page.goto(f"{base}/marches/{tender_id}/modifier")
        expect(page.get_by_label("Heures d'insertion (clause sociale)")).to_have_value(f"1{NBSP}234,5")
        expect(page.get_by_label("Montant estimé (€ HT)")).to_have_value(f"1{NBSP}250{NBSP}000")

        page.goto(f"{base}/marches/{tender_id}/planifier")
        expect(page.get_by_label("Part sous-traitable au plus (%)")).to_have_value("30")
        expect(page.get_by_label("Travail confié aux AI et ETTI")).to_have_value("0,5")
    stored = api.get(f"/api/v1/structures/{structure_id}").json()
    tender = api.get(f"/api/v1/tenders/{tender_id}").json()
    api.close()
    assert stored["annual_turnover_eur"] == 1234.5 and stored["lat"] == 48.9362  # JSON numbers
    assert tender["insertion_hours"] == 1234.5 and tender["estimated_value_eur"] == 1250000
    assert tender["lots"][0]["sites"][0]["value_eur"] == 18000
    assert [p for p in problems if "422" not in p] == []
