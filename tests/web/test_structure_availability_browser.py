"""A structure's hours per month in a real browser (Chromium driven by Playwright): a line given with a
closed August, read back, and the commitment of an accepted grouping listed under the form.
Screenshots under `test-artifacts/`."""

from __future__ import annotations

import httpx
from playwright import sync_api

from app.web.format import heures
from tests.commitments.network import painters, plan, tender
from tests.plans.scenario import TRADE
from tests.web.browser import ARTIFACTS, served, signed_in

__all__ = ["served"]


def test_a_coordinator_gives_a_structures_hours_per_month_and_reads_its_commitments(
    served: tuple[str, str],
) -> None:
    base, key = served
    auth = {"Authorization": f"Bearer {key}"}
    api = httpx.Client(base_url=base, timeout=30)
    near, _ = painters(api, auth)  # type: ignore[arg-type]
    tender_id = tender(api, auth, "CD93-ETE", windows=[{"period": "ete-2026"}])  # type: ignore[arg-type]
    done = plan(api, auth, tender_id)  # type: ignore[arg-type]
    assert api.post(f"/api/v1/plans/{done['id']}/accept", json={"rank": 1}, headers=auth).status_code == 200
    [commitment] = api.get("/api/v1/commitments", headers=auth).json()["items"]
    own = sum(line["hours"] for line in commitment["lines"] if str(line["structure_id"]) == near)
    assert own > 0
    expect = sync_api.expect
    with signed_in(base, key) as (page, problems):
        page.goto(f"{base}/annuaire/{near}")
        hours = page.get_by_role("group", name="Heures par mois ou par semaine")
        hours.locator("#av_trade_0").select_option(TRADE)
        hours.get_by_label("Disponibilité 1 : par").select_option(label="mois")
        hours.get_by_label("Disponibilité 1 : heures").fill("150")
        hours.get_by_label("Disponibilité 1 : exceptions").fill("2026-08 : 0 ; 2026-13 : 10")
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text(
            "disponibilité 1, exceptions : un mois s'écrit 2026-08"
        )
        hours = page.get_by_role("group", name="Heures par mois ou par semaine")
        expect(hours.get_by_label("Disponibilité 1 : heures")).to_have_value("150")
        hours.get_by_label("Disponibilité 1 : exceptions").fill("2026-08 : 0")
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("Structure enregistrée.")
        hours = page.get_by_role("group", name="Heures par mois ou par semaine")
        expect(hours.get_by_label("Disponibilité 1 : exceptions")).to_have_value("2026-08 : 0")

        rows = page.get_by_role("region", name="Engagements de la structure").locator("tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("CD93-ETE")
        expect(rows.first).to_contain_text(heures(own))
        expect(rows.first).to_contain_text("en cours")
        page.screenshot(path=str(ARTIFACTS / "structure-disponibilites-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    stored = api.get(f"/api/v1/structures/{near}", headers=auth).json()["availability"]
    api.close()
    assert stored == [{"trade": TRADE, "per": "month", "hours": 150.0, "overrides": {"2026-08": 0.0}}]
    assert [p for p in problems if "422" not in p] == []
