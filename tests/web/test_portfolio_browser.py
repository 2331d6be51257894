"""A portfolio in a real browser (Chromium driven by Playwright): two July tenders ticked, the waiting
page followed until done, each tender's grouping read line by line, and no horizontal scroll of the
page at 390 pixels. Screenshots under `test-artifacts/`."""

from __future__ import annotations

import httpx
from playwright import sync_api

from app.web.format import heures
from tests.plans.test_portfolios_api import network
from tests.web.browser import ARTIFACTS, served, signed_in

__all__ = ["served"]


def test_a_coordinator_plans_two_tenders_together_in_the_browser(served: tuple[str, str]) -> None:
    base, key = served
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    tender_ids, _ = network(api, {})  # type: ignore[arg-type]
    names = {str(s["id"]): s["name"] for s in api.get("/api/v1/structures").json()["items"]}
    with signed_in(base, key) as (page, problems):
        expect = sync_api.expect
        page.get_by_role("link", name="Portefeuilles", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Portefeuilles")
        page.get_by_label("CD93-ETE-A", exact=False).check()
        page.get_by_label("CD93-ETE-B", exact=False).check()
        page.get_by_label("Temps de calcul (secondes)").fill("20")
        page.get_by_role("button", name="Planifier ensemble").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Portefeuille CD93-ETE-A+CD93-ETE-B")
        # The waiting page follows the solve by itself, then shows the result.
        expect(page.get_by_role("heading", name="Groupement de chaque marché")).to_be_visible(timeout=90_000)

        portfolio_id = int(page.url.rsplit("/", 1)[1])
        done = api.get(f"/api/v1/portfolios/{portfolio_id}").json()
        assert done["status"] == "done"
        assert [t["tender"] for t in done["tenders"]] == tender_ids
        for plan in done["result"]["tenders"]:
            grouping = plan["plan"]["groupings"][0]
            section = page.get_by_role("region", name=plan["reference"], exact=True)
            expect(section.get_by_role("link", name=plan["reference"])).to_have_attribute(
                "href", f"/marches/{plan['tender_id']}"
            )
            expect(section.locator(".etat-marche")).to_contain_text(
                f"mandataire : {names[grouping['mandataire']]}"
            )
            rows = section.locator("table.membres tbody tr")
            expect(rows).to_have_text(
                [f"{names[m['structure']]}{m['role']}{heures(m['hours'])}" for m in grouping["members"]]
            )
            expect(section.locator("table.membres tfoot")).to_have_text(f"Total{heures(420)}")
            july = next(p["hours"] for p in plan["periods"] if p["period"] == "2026-07")
            expect(section.locator(".mois")).to_have_text(f"Mois : juillet 2026 ({heures(july)})")
        expect(page.get_by_role("link", name="Voir la charge du réseau mois par mois")).to_have_attribute(
            "href", "/charge"
        )
        page.screenshot(path=str(ARTIFACTS / "portefeuille-1280.png"), full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTIFACTS / "portefeuille-390.png"), full_page=True)
        page.get_by_role("link", name="Portefeuilles", exact=True).click()
        expect(page.get_by_role("row").filter(has_text="CD93-ETE-A+CD93-ETE-B")).to_contain_text("terminé")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTIFACTS / "portefeuilles-390.png"), full_page=True)
    api.close()
    assert problems == []
