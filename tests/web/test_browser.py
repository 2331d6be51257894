"""A coordinator's journey in a real browser (Chromium driven by Playwright) on a fresh database.

Sign in, import a CSV of SIAE, create a tender with its sites, plan it and watch the progress, read
the map and the members, compare two groupings, accept one and download its DC1. Any console error,
uncaught script error, failed request or HTTP error answer fails the test. Screenshots of the résultat
page at 1280 and 390 pixels wide are saved under `test-artifacts/`.
"""

from __future__ import annotations

from pathlib import Path

from playwright import sync_api

from tests.web.browser import ARTIFACTS, served, signed_in

__all__ = ["served"]

SAMPLE_CSV = Path(__file__).parent / "data" / "siae_93_sample.csv"
PAINTING = "peinture-revetement-des-murs"
# Eight collèges' worth of painting in Est Ensemble and Plaine Commune (hours and values illustrative).
SITES = "\n".join(
    f"S{i} ; Collège {i} ; {48.86 + i * 0.012:.4f} ; {2.38 + i * 0.02:.4f} ; "
    f"{'Est Ensemble' if i % 2 else 'Plaine Commune'} ; {300 + i * 20} ; 15000"
    for i in range(8)
)


def test_a_coordinator_plans_a_tender_in_the_browser(served: tuple[str, str]) -> None:
    base, key = served
    with signed_in(base, key) as (page, problems):
        expect = sync_api.expect

        # Signed in (the first page sent to the sign-in form and back): the skip link is the first stop
        # of Tab.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"

        # Annuaire: import the CSV and read the per-row report.
        page.get_by_role("link", name="Annuaire", exact=True).click()
        page.get_by_label("Fichier CSV").set_input_files(str(SAMPLE_CSV))
        page.get_by_role("button", name="Importer").click()
        expect(page.get_by_role("status")).to_contain_text("6 créées")
        expect(page.get_by_role("status")).to_contain_text("1 rejetée")
        expect(page.locator("table")).to_contain_text("clé de contrôle invalide")

        # Marché: create the tender with its lot and sites; its sites are on the map.
        page.goto(base + "/marches/nouveau")
        page.get_by_label("Référence").fill("CD93-2026-PEINT")
        page.locator("#f-title").fill("Peinture de huit collèges")
        page.get_by_label("Nature").select_option("works")
        page.get_by_label("Heures d'insertion (clause sociale)").fill("300")
        page.get_by_label("Identifiant du lot").fill("L1")
        page.get_by_label("Métier").select_option(PAINTING)
        page.get_by_label("Sites du lot, un par ligne").fill(SITES)
        page.get_by_role("button", name="Enregistrer le marché").click()
        expect(page.get_by_role("status")).to_have_text("Marché enregistré.")
        expect(page.locator("svg circle.site")).to_have_count(8)
        page.screenshot(path=str(ARTIFACTS / "marche-1280.png"), full_page=True)

        # Planifier with the network's practice and a short time limit; watch the progress.
        page.get_by_role("link", name="Planifier un groupement").click()
        expect(page.get_by_label("Pratique du réseau")).to_be_checked()
        page.screenshot(path=str(ARTIFACTS / "planifier-1280.png"), full_page=True)
        page.get_by_label("Temps de calcul (secondes)").fill("3")
        page.get_by_label("Groupements à comparer").fill("3")
        page.get_by_role("button", name="Lancer le calcul").click()
        expect(page.get_by_label("Avancement du calcul")).to_be_visible()
        expect(page.locator("#etat")).not_to_be_empty()

        # Résultat: the page reloads by itself once the plan is done.
        expect(page.locator("#qualite")).to_be_visible(timeout=90_000)
        expect(page.locator("svg path.commune")).to_have_count(40)
        expect(page.locator("svg circle.site")).to_have_count(8)
        members = page.locator("#table-membres tbody tr")
        assert members.count() >= 1
        expect(page.locator("#table-membres")).to_contain_text("mandataire")
        expect(page.locator("svg rect.base")).to_have_count(members.count())
        page.screenshot(path=str(ARTIFACTS / "resultat-1280.png"), full_page=True)

        # Compare groupings 1 and 2.
        page.get_by_label("Groupement", exact=True).select_option("1")
        page.get_by_label("comparé au groupement").select_option("2")
        page.get_by_role("button", name="Comparer").click()
        expect(page.locator("#differences h3")).to_have_text("Ce qui change du groupement 1 au groupement 2")
        expect(page.locator("#table-comparaison thead")).to_contain_text("Groupement 2")

        # Accept grouping 1 and download its DC1.
        page.get_by_role("button", name="Retenir le groupement 1").click()
        expect(page.get_by_role("status")).to_have_text(
            "Groupement 1 retenu pour ce marché. Les heures de ses structures sont engagées : les plans des "
            "autres marchés en tiennent compte (calendrier de charge)."
        )
        with page.expect_download() as download:
            page.get_by_role("link", name="DC1").click()
        pdf = Path(download.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF")

        # The same page on a phone: nothing wider than the screen but the scrollable tables.
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        expect(page.locator("#qualite")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTIFACTS / "resultat-390.png"), full_page=True)

    assert problems == []
