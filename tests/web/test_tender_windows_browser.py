"""A lot's work windows in a real browser (Chromium driven by Playwright): a school holiday chosen in
the list and dates typed, read on the tender's page, a wrong date named in French with what was typed
kept, a window removed. Screenshots under `test-artifacts/`."""

from __future__ import annotations

import httpx
from playwright import sync_api

from tests.web.browser import ARTIFACTS, served, signed_in

__all__ = ["served"]


def test_a_coordinator_gives_a_lots_work_windows_in_the_browser(served: tuple[str, str]) -> None:
    base, key = served
    expect = sync_api.expect
    with signed_in(base, key) as (page, problems):
        page.goto(base + "/marches/nouveau")
        page.get_by_label("Référence").fill("CD93-ETE-2026")
        page.locator("#f-title").fill("Peinture des collèges l'été")
        page.get_by_label("Identifiant du lot").first.fill("L1")
        page.locator("#lot_trade_0").select_option("peinture-revetement-des-murs")
        page.get_by_label("Sites du lot, un par ligne").first.fill(
            "0931713G ; Collège Lavoisier ; 48,889 ; 2,420 ; Est Ensemble ; 420 ; 18000"
        )
        lot = page.get_by_role("group", name="Périodes de travail du lot 1")
        lot.get_by_label("Période 1 : vacances scolaires").select_option("ete-2026")
        lot.get_by_label("Période 2 : du").fill("2026-10-30")
        lot.get_by_label("Période 2 : au").fill("2026-10-26")
        page.get_by_role("button", name="Enregistrer le marché").click()

        # The wrong dates are named in French; both windows are still there to correct.
        expect(page.get_by_role("alert")).to_contain_text(
            "lot 1, période de travail 2, fin : la fin précède le début"
        )
        lot = page.get_by_role("group", name="Périodes de travail du lot 1")
        expect(lot.get_by_label("Période 1 : vacances scolaires")).to_have_value("ete-2026")
        expect(lot.get_by_label("Période 2 : du")).to_have_value("2026-10-30")
        lot.get_by_label("Période 2 : du").fill("2026-10-26")
        lot.get_by_label("Période 2 : au").fill("2026-10-30")
        page.get_by_role("button", name="Enregistrer le marché").click()

        expect(page.get_by_role("status")).to_have_text("Marché enregistré.")
        cell = page.locator("td.periodes-lot")
        expect(cell).to_have_text(
            "Vacances d'été 2026 (du 4 juillet 2026 au 30 août 2026)du 26 octobre 2026 au 30 octobre 2026"
        )
        page.screenshot(path=str(ARTIFACTS / "marche-periodes-1280.png"), full_page=True)
        tender_id = int(page.url.split("/marches/")[1].split("?")[0])

        page.get_by_role("link", name="Modifier").click()
        lot = page.get_by_role("group", name="Périodes de travail du lot 1")
        lot.get_by_label("Retirer la période 1").check()
        page.get_by_role("button", name="Enregistrer le marché").click()
        expect(page.locator("td.periodes-lot")).to_have_text("du 26 octobre 2026 au 30 octobre 2026")

        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/marches/{tender_id}/modifier")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTIFACTS / "marche-periodes-form-390.png"), full_page=True)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
        [stored] = api.get(f"/api/v1/tenders/{tender_id}").json()["lots"]
    assert stored["windows"] == [{"start": "2026-10-26", "end": "2026-10-30"}]
    # The only answer ≥ 400 is the form sent back with the error to correct.
    assert [p for p in problems if "422" not in p] == []
