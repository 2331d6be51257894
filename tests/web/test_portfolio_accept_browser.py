"""Accepting a portfolio in a real browser (Chromium driven by Playwright): the button on a done
portfolio's page, each tender's grouping then retained, and its hours listed as commitments on a
member's page. Screenshots under `test-artifacts/`."""

from __future__ import annotations

import time

import httpx
from playwright import sync_api

from tests.plans.test_portfolios_api import network
from tests.web.browser import ARTIFACTS, served, signed_in

__all__ = ["served"]


def test_a_coordinator_accepts_a_portfolio_in_the_browser(served: tuple[str, str]) -> None:
    base, key = served
    auth = {"Authorization": f"Bearer {key}"}
    api = httpx.Client(base_url=base, headers=auth, timeout=30)
    tender_ids, _ = network(api, {})  # type: ignore[arg-type]
    body = {"tenders": [{"tender": t} for t in tender_ids], "options": {"time_limit_s": 20}}
    portfolio = api.post("/api/v1/portfolios", json=body).json()
    deadline = time.monotonic() + 90
    while portfolio["status"] not in ("done", "failed", "cancelled"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
        portfolio = api.get(f"/api/v1/portfolios/{portfolio['id']}").json()
    assert portfolio["status"] == "done"
    expect = sync_api.expect
    with signed_in(base, key) as (page, problems):
        page.goto(f"{base}/portefeuilles/{portfolio['id']}")
        page.get_by_role("button", name="Retenir ces groupements").click()
        expect(page.get_by_role("status")).to_contain_text(
            "Groupements retenus : leurs heures sont réservées"
        )
        expect(page.locator("p.retenu")).to_contain_text("Groupements retenus le ")
        expect(page.get_by_role("button", name="Retenir ces groupements")).to_have_count(0)
        accepted = api.get(f"/api/v1/portfolios/{portfolio['id']}").json()
        for entry in accepted["tenders"]:
            section = page.get_by_role("region", name=entry["reference"], exact=True)
            expect(section.locator(".retenu-marche")).to_have_text(
                f"Groupement retenu pour ce marché (plan n° {entry['plan']})."
            )
        page.screenshot(path=str(ARTIFACTS / "portefeuille-retenu-1280.png"), full_page=True)

        # The grouping's plan reads as any plan's result; the tender says where it comes from.
        first = accepted["tenders"][0]
        page.get_by_role("link", name=f"plan n° {first['plan']}").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(first["reference"])
        page.goto(f"{base}/marches/{first['tender']}")
        expect(page.get_by_text(f"portefeuille n° {portfolio['id']}")).to_be_visible()

        commitments = api.get("/api/v1/commitments", params={"status": "active"}).json()["items"]
        assert sorted(c["plan_id"] for c in commitments) == sorted(t["plan"] for t in accepted["tenders"])
        member = commitments[0]["lines"][0]["structure_id"]
        page.goto(f"{base}/annuaire/{member}")
        rows = page.get_by_role("region", name="Engagements de la structure").locator("tbody tr")
        expect(rows.filter(has_text="en cours")).not_to_have_count(0)
    api.close()
    assert problems == []
