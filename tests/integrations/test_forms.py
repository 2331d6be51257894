"""DC1 and DC4 drafts of an accepted grouping, as JSON and as PDF (read back as text)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.integrations.forms import dc1, dc4s
from app.integrations.forms_pdf import dc1_pdf, dc4_pdf, latin1
from app.integrations.parties import PartyInfo
from solver.plan import Grouping
from tests.integrations.ocds_samples import TENDER


def grouping(subcontracts: list[dict[str, object]] | None = None) -> Grouping:
    return Grouping.model_validate(
        {
            "rank": 1,
            "objective": 1.0,
            "terms": {},
            "mandataire": "2",
            "members": [
                {
                    "structure": "1",
                    "role": "co-traitant",
                    "hours": 753.3,
                    "own_hours": 600,
                    "revenue_eur": 28799.99,
                    "tender_share": 0.9,
                    "turnover_share": 0.1,
                    "load_ratio": 0.5,
                    "mean_distance_km": 2,
                },
                {
                    "structure": "2",
                    "role": "mandataire",
                    "hours": 100,
                    "own_hours": 100,
                    "revenue_eur": 3000.01,
                    "tender_share": 0.1,
                    "turnover_share": 0.01,
                    "load_ratio": 0.2,
                    "mean_distance_km": 3,
                },
            ],
            "assignments": [
                {"site": "0931713G", "structure": "1", "distance_km": 1},
                {"site": "0930001A", "structure": "1", "distance_km": 2},
                {"site": "0932000B", "structure": "2", "distance_km": 3},
            ],
            "subcontracts": subcontracts
            if subcontracts is not None
            else [
                {"from": "1", "to": "3", "hours": 120, "value_eur": 4200},
                {"from": "2", "to": "3", "hours": 10, "value_eur": 499.99},
            ],
        }
    )


PARTIES = {
    "1": PartyInfo("1", "EI Peinture Cœur Est", "80746931700018", "EI", "3 rue A", "93100", "Montreuil"),
    "2": PartyInfo("2", "Régie de quartier Nord", "34980413800049", "ACI"),
    "3": PartyInfo("3", "AI Services 93", "39281437200034", "AI"),
}


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_dc1_names_buyer_lots_members_shares_and_mandataire() -> None:
    form = dc1(grouping(), TENDER, PARTIES)
    assert form.buyer == "Département de la Seine-Saint-Denis"
    assert form.tender_reference == "CD93-2026-PEINT"
    assert [lot.id for lot in form.lots] == ["L1", "L2"]
    assert form.grouping_form == "solidaire"  # EI and ACI only: a GMES
    assert form.mandataire.name == "Régie de quartier Nord"
    assert [(m.name, m.role, m.lots) for m in form.members] == [
        ("Régie de quartier Nord", "mandataire", ["L2"]),
        ("EI Peinture Cœur Est", "co-traitant", ["L1"]),
    ]
    assert form.members[1].siret == "80746931700018"
    assert form.members[1].address == "3 rue A, 93100 Montreuil"
    assert form.total_ht_eur == 36499.99
    assert sum(m.share for m in form.members) == pytest.approx(1.0)
    assert form.members[0].share == pytest.approx(3500 / 36499.99)


def test_dc1_is_conjoint_when_a_member_is_not_an_siae() -> None:
    parties = PARTIES | {"2": PartyInfo("2", "ESAT du Nord", "34980413800049", "ESAT")}
    assert dc1(grouping(), TENDER, parties).grouping_form == "conjoint"
    assert dc1(grouping(), TENDER, PARTIES, "conjoint").grouping_form == "conjoint"


def test_dc4_per_line_with_vat_and_direct_payment_from_600_ttc() -> None:
    first, second = dc4s(grouping(), TENDER, PARTIES)
    assert (first.holder.name, first.subcontractor.name) == ("EI Peinture Cœur Est", "AI Services 93")
    assert (first.amount_ht_eur, first.vat_eur, first.amount_ttc_eur) == (4200.0, 840.0, 5040.0)
    assert first.direct_payment is True
    assert [lot.id for lot in first.lots] == ["L1"]
    assert "Peinture & Revêtement des murs" in first.nature and "120 heures" in first.nature
    assert (second.amount_ht_eur, second.vat_eur, second.amount_ttc_eur) == (499.99, 100.0, 599.99)
    assert second.direct_payment is False
    (at_threshold,) = dc4s(
        grouping([{"from": "1", "to": "3", "hours": 1, "value_eur": 500}]), TENDER, PARTIES
    )
    assert at_threshold.amount_ttc_eur == 600.0 and at_threshold.direct_payment is True


def test_dc1_pdf_reads_back_as_the_form() -> None:
    text = pdf_text(dc1_pdf(dc1(grouping(), TENDER, PARTIES)))
    for expected in (
        "DC1",
        "Département de la Seine-Saint-Denis",
        "Peinture des collèges (référence CD93-2026-PEINT)",
        "L1 - Est; L2 - Nord",
        "Groupement momentané d'entreprises solidaire de 2 membres",
        "EI Peinture Coeur Est (co-traitant)",
        "SIRET : 80746931700018",
        "32 999,99 EUR HT",
        "90.4 %",
        "désignent Régie de quartier Nord (SIRET 34980413800049) comme mandataire",
        "36 499,99 EUR HT",
    ):
        assert expected in text, expected


def test_dc4_pdf_has_one_page_per_line() -> None:
    data = dc4_pdf(dc4s(grouping(), TENDER, PARTIES))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) == 2
    assert "Montant HT : 4 200,00 EUR" in pages[0]
    assert "TVA (20 %) : 840,00 EUR" in pages[0]
    assert "Montant TTC : 5 040,00 EUR" in pages[0]
    assert "payé directement par l'acheteur" in pages[0]
    assert "Pas de paiement direct" in pages[1]
    assert "AI Services 93" in pages[1]


def test_dc4_pdf_without_subcontracting_says_so() -> None:
    assert "aucune sous-traitance" in pdf_text(dc4_pdf([]))


def test_latin1_keeps_accents_and_spells_the_rest() -> None:
    assert latin1("Régie « Cœur » – 5 €") == "Régie « Coeur » - 5 EUR"
    assert latin1("Łódź") == "?ódz"  # ź decomposes to z; Ł has no Latin-1 letter
