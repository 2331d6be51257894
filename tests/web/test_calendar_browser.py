"""The calendrier de charge in a real browser (Chromium driven by Playwright): the heat map's colours and
numbers, its legend, the months of each tender, a commitment released, and no horizontal scroll of
the page at 390 pixels (the table scrolls in its own region). Screenshots under `test-artifacts/`."""

from __future__ import annotations

import httpx
from playwright import sync_api

from tests.commitments.network import painters, plan, tender
from tests.web.browser import ARTIFACTS, served, signed_in

__all__ = ["served"]

PAINTING = "peinture-revetement-des-murs"


def network(base: str, key: str) -> None:
    """Saint-Denis (150 h a month) committed 195 h over the summer holidays of 2026 (95 h in July, 100 in
    August: 5 h a day over 19 and 20 working days); Montreuil (1 000 h a year, 83 h a month) planned 120 h
    in September 2026, not accepted (144 % of its month)."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as api:
        headers: dict[str, str] = {}
        painters(api, headers, [{"trade": PAINTING, "per": "month", "hours": 150}])  # type: ignore[arg-type]
        summer = tender(
            api,  # type: ignore[arg-type]
            headers,
            "CD93-ETE",
            start="2026-07-01",
            end="2026-08-31",
            sites=((48.9370, 2.3590, 195),),
            windows=[{"start": "2026-07-06", "end": "2026-08-28"}],
        )
        september = tender(
            api,  # type: ignore[arg-type]
            headers,
            "CD93-SEPT",
            start="2026-09-01",
            end="2026-09-30",
            sites=((48.8640, 2.4480, 120),),
        )
        accepted = plan(api, headers, summer)  # type: ignore[arg-type]
        assert api.post(f"/api/v1/plans/{accepted['id']}/accept", json={"rank": 1}).status_code == 200
        plan(api, headers, september)  # type: ignore[arg-type]


def test_the_load_calendar_as_a_coordinator_reads_it(served: tuple[str, str]) -> None:
    base, key = served
    network(base, key)
    with signed_in(base, key) as (page, problems):
        expect = sync_api.expect
        page.get_by_role("link", name="Charge", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Calendrier de charge")

        page.get_by_label("Du mois", exact=True).fill("2026-06")
        page.get_by_label("Au mois", exact=True).fill("2026-09")
        page.get_by_role("button", name="Afficher").click()
        expect(page.get_by_role("heading", level=2).first).to_have_text(
            "Charge par structure, juin 2026 – septembre 2026"
        )
        legend = page.get_by_role("list", name="Légende des couleurs : part de la capacité du mois")
        expect(legend.get_by_role("listitem")).to_have_text(
            ["moins de 50 %", "de 50 à 80 %", "de 80 à 100 %", "au-delà de 100 %", "capacité inconnue"]
        )
        heat = page.locator("table.chaleur").first
        saint_denis = heat.get_by_role("row").filter(has_text="Peinture Saint-Denis")
        montreuil = heat.get_by_role("row").filter(has_text="Peinture Montreuil")
        # Months: juin, juil., août, sept. after the structure's name.
        july, august = saint_denis.locator("td").nth(1), saint_denis.locator("td").nth(2)
        expect(july).to_have_text("95/150 63 %")
        expect(july).to_have_class("num n2")
        expect(july).to_have_attribute(
            "title",
            "Peinture Saint-Denis, juillet 2026 : 95\u00a0h engagées sur 150\u00a0h de capacité (63 %)",
        )
        expect(august).to_have_text("100/150 67 %")
        september = montreuil.locator("td").nth(3)
        expect(september).to_have_text("120/83 144 % !")
        expect(september).to_have_class("num n4")
        expect(montreuil.locator("sup")).to_have_text("¹")  # capacity: yearly ÷ 12
        expect(saint_denis.locator("td").first).to_have_text("aucune heure")  # hidden words, June

        months = page.locator("table.mois-marches").get_by_role("row")
        expect(months.filter(has_text="CD93-ETE").locator("td")).to_have_text(
            ["195\u00a0h", "aucune heure", "95", "100", "aucune heure"]
        )
        expect(months.filter(has_text="CD93-ETE")).to_contain_text("engagé")
        expect(months.filter(has_text="CD93-SEPT")).to_contain_text("planifié")
        page.screenshot(path=str(ARTIFACTS / "charge-1280.png"), full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        region = page.get_by_role("region", name="Charge par structure, juin 2026 – septembre 2026")
        assert region.evaluate("e => e.scrollWidth > e.clientWidth"), "the heat map scrolls in its region"
        page.screenshot(path=str(ARTIFACTS / "charge-390.png"), full_page=True)

        page.get_by_role("button", name="Libérer l'engagement du marché CD93-ETE").click()
        expect(page.get_by_role("status")).to_contain_text("libéré : ses heures sont libres")
        expect(page.locator("table.chaleur").first).not_to_contain_text("Peinture Saint-Denis")
        expect(page.get_by_label("Du mois", exact=True)).to_have_value("2026-06")
    assert problems == []
