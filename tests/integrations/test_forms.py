"""The candidature file's drafts (DC1, DC2, DC4, répartition annex, mise à disposition), built from
plan JSON in the contract's shape, as JSON and as PDF read back as text."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import jsonschema
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from app.integrations import forms
from app.integrations.forms import FormInput
from app.integrations.forms_build import fr_date, fr_money, fr_number
from app.integrations.forms_models import FORM_MODELS, FormBase
from app.integrations.forms_pdf import form_pdf, typeset
from app.integrations.forms_schemas import generated

PAINT = "peinture-revetement-des-murs"
TENDER: dict[str, Any] = {
    "reference": "CD93-2026-PEINT",
    "title": "Peinture des collèges",
    "buyer": "Département de la Seine-Saint-Denis",
    "buyer_siret": "22930008201453",
    "kind": "works",
    "execution_start": "2026-07-01",
    "execution_end": "2028-06-30",
    "lots": [
        {
            "id": "L1",
            "title": "Est",
            "trade": PAINT,
            "kind": "works",
            "sites": [
                {"id": "0931713G", "name": "Collège Lavoisier", "hours": 420, "value_eur": 18000.0},
                {"id": "0930001A", "name": "Collège Est", "hours": 300, "value_eur": 10800.0},
            ],
        },
        {
            "id": "L2",
            "title": "Nettoyage",
            "trade": "nettoyage-de-locaux-16",
            "kind": "services",
            "sites": [{"id": "0932000B", "name": "Collège Sud", "hours": 100, "value_eur": 3000.01}],
        },
    ],
}
STRUCTURES: dict[str, dict[str, Any]] = {
    "s1": {
        "siret": "33368412400840",
        "name": "EBS Le Relais",
        "kind": "EI",
        "legal_form": "company",
        "address": "4 Rue Albert Einstein",
        "postcode": "93000",
        "commune": "Bobigny",
        "annual_turnover_eur": 900000,
        "capacities": {PAINT: 400},
    },
    "s1b": {"siret": "33368412400857", "name": "EBS Le Relais (ACI)", "kind": "ACI", "legal_form": "company"},
    "s2": {
        "siret": "34980413800049",
        "name": "JADE",
        "kind": "ACI",
        "legal_form": "association",
        "capacities": {"nettoyage-de-locaux-16": 300},
    },
    "f1": {
        "siret": "80746931700018",
        "name": "Régie Nord",
        "kind": "EITI",
        "legal_form": "association",
        "capacities": {PAINT: 200},
    },
    "a1": {"siret": "35236771800041", "name": "Amitié Solidarité", "kind": "AI", "legal_form": "association"},
    "e1": {"siret": "44306184100047", "name": "ETTI Travail", "kind": "ETTI", "legal_form": "company"},
}


def grouping(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rank": 1,
        "objective": 1.0,
        "form": "conjoint_mandataire_solidaire",
        "terms": {},
        "mandataire": "s2",
        "members": [
            # s1 and s1b share a SIREN: one legal entity, one member.
            {
                "structure": "s1",
                "siren": "333684124",
                "structures": ["s1", "s1b"],
                "role": "co-traitant",
                "hours": 720,
                "own_hours": 600,
                "revenue_eur": 28799.99,
            },
            {
                "structure": "s2",
                "siren": "349804138",
                "structures": ["s2"],
                "role": "mandataire",
                "hours": 100,
                "own_hours": 100,
                "revenue_eur": 3000.01,
            },
        ],
        "assignments": [
            {"site": "0931713G", "structure": "s1", "distance_km": 1},
            {"site": "0930001A", "structure": "s1b", "distance_km": 2},
            {"site": "0932000B", "structure": "s2", "distance_km": 3},
        ],
        "staffing": [
            {
                "from": "a1",
                "to": "s1",
                "lot": "L1",
                "trade": PAINT,
                "hours": 100,
                "value_eur": 2200,
                "vat_rate": 0.0,
            },
            {
                "from": "e1",
                "to": "s1",
                "lot": "L1",
                "trade": PAINT,
                "hours": 10,
                "value_eur": 300,
                "vat_rate": 0.2,
            },
        ],
        "subcontracts": [
            {"from": "s1", "to": "f1", "lot": "L1", "trade": PAINT, "hours": 120, "value_eur": 4200},
            {
                "from": "s2",
                "to": "f1",
                "lot": "L2",
                "trade": "nettoyage-de-locaux-16",
                "hours": 10,
                "value_eur": 499.99,
            },
        ],
        "insertion": [],
        "uncovered": [],
    }
    return data | changes


def data(g: dict[str, Any] | None = None, tender: dict[str, Any] | None = None) -> FormInput:
    return FormInput(g or grouping(), tender or TENDER, STRUCTURES)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def rubric_heads(form: Any) -> list[str]:
    return [f"{r.letter} - {r.title}" for r in form.rubrics]


def test_french_numbers_and_dates() -> None:
    assert fr_number(1234.5) == "1 234,50"
    assert fr_money(28799.99) == "28 799,99 €"
    assert fr_date(date(2026, 7, 1)) == "1er juillet 2026"
    assert fr_date(date(2028, 6, 30)) == "30 juin 2028"


def test_pdf_amounts_print_the_euro_sign_in_french_typography() -> None:
    # A narrow no-break space between thousands, a no-break space before the unit.
    assert typeset("28 799,99 € HT, soit 90,6 %") == "28\u202f799,99\u00a0€ HT, soit 90,6\u00a0%"
    assert typeset("1 234 567,00 €") == "1\u202f234\u202f567,00\u00a0€"
    # Not a thousands group: a date, a lot number, a phone number stay as written.
    assert typeset("30 juin 2028, lot 2, 01 48 95 60 00") == "30 juin 2028, lot 2, 01 48 95 60 00"
    annex = forms.annex(data())
    pdf = form_pdf(annex)
    text = pdf_text(pdf)
    assert "EUR" not in text
    assert "28\u202f799,99 €" in text and "3\u202f000,01 €" in text and "31\u202f800,00 €" in text
    # The text is set in the shipped TrueType font, embedded, which has every glyph printed.
    fonts: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources_: Any = page["/Resources"]
        fonts |= {str(font.get_object()["/BaseFont"]) for font in resources_["/Font"].values()}
    assert {name.split("+")[-1] for name in fonts} == {
        "DejaVuSansBook",
        "DejaVuSansBold",
        "DejaVuSansOblique",
    }
    shipped = resources.files("app.integrations").joinpath("fonts")
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"):
        with resources.as_file(shipped.joinpath(name)) as path:
            cmap = TTFont(path).getBestCmap()
        missing = {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
        assert missing == set() and {0x20AC, 0x202F, 0x00A0, 0x0153} <= set(cmap), (name, missing)


def test_dc1_of_a_groupement_follows_the_form_and_leaves_unknowns_to_complete() -> None:
    dc1 = forms.dc1(data())
    assert [r.letter for r in dc1.rubrics] == list("ABCDEFGH")
    assert dc1.groupement_form == "conjoint_mandataire_solidaire"
    assert dc1.whole_market is True
    assert [m.structure for m in dc1.members] == ["s2", "s1"]
    assert [m.siren for m in dc1.members] == ["349804138", "333684124"]
    assert dc1.members[1].structures == ["s1", "s1b"]
    assert dc1.members[1].lots == ["L1"]
    assert dc1.total_ht_eur == 31800.0
    # Nothing invented: no e-mail nor phone is known, so both are to be completed for each member.
    assert {"members[0].email", "members[0].phone", "members[1].email", "members[1].phone"} <= set(
        dc1.missing
    )
    assert "buyer.siret" not in dc1.missing
    text = pdf_text(form_pdf(dc1))
    for head in rubric_heads(dc1):
        assert head in text.replace("\n", " "), head
    for words in (
        "[X] le candidat est un groupement conjoint, mandataire solidaire",
        "signer, en leur nom",
        "représenter vis-à-vis de l'acheteur",
        "coordonner les prestations",
        "L2141-1",
        "à compléter",
        "28\u202f799,99 €",
        "90,6 %",
        "22930008201453",
    ):
        assert words in text.replace("\n", " "), words


def test_dc1_of_one_member_is_a_candidat_individuel_without_groupement_wording() -> None:
    g = grouping(
        form="individuel",
        mandataire="s2",
        members=[
            {"structure": "s2", "role": "mandataire", "hours": 100, "own_hours": 100, "revenue_eur": 3000.01}
        ],
        assignments=[{"site": "0932000B", "structure": "s2", "distance_km": 3}],
        staffing=[],
        subcontracts=[],
    )
    dc1 = forms.dc1(data(g))
    assert (dc1.groupement_form, dc1.mandataire, dc1.whole_market) == ("individuel", None, False)
    assert [lot.id for lot in dc1.lots] == ["L2"]
    text = pdf_text(form_pdf(dc1)).replace("\n", " ")
    assert "[X] le candidat se présente seul (candidat individuel)" in text
    assert "[X] la candidature est présentée pour les lots : L2 (Nettoyage)" in text
    assert "groupement" not in text.lower() and "mandataire" not in text.lower()


def test_dc2_per_member_with_turnover_convention_and_reserved_status() -> None:
    dc2s = forms.dc2s(data())
    assert [d.member.name for d in dc2s] == ["JADE", "EBS Le Relais"]
    jade, relais = dc2s
    assert relais.turnover == [900000.0, None, None]
    assert jade.turnover == [None, None, None] and "turnover[0]" in jade.missing
    assert relais.reserved == ["siae"]
    assert "member.convention" in relais.missing
    text = pdf_text(form_pdf(dc2s)).replace("\n", " ")
    for d in dc2s:
        for head in rubric_heads(d):
            assert head in text, head
    assert (
        "900\u202f000,00 €" in text
        and "[X] structure d'insertion par l'activité économique (L2113-13)" in text
    )


def test_dc4_only_for_subcontracts_with_autoliquidation_for_works_and_direct_payment_from_600_ttc() -> None:
    dc4s = forms.dc4s(data())
    # Two sous-traitance lines, two DC4; the AI and ETTI staffing lines get none.
    assert [(d.holder.structure, d.subcontractor.name) for d in dc4s] == [
        ("s1", "Régie Nord"),
        ("s2", "Régie Nord"),
    ]
    works, services = dc4s
    assert (works.vat, works.vat_eur, works.amount_ttc_eur, works.direct_payment) == (
        "autoliquidation",
        0.0,
        4200.0,
        True,
    )
    # 499,99 € HT of services: 599,99 € TTC, below the 600 € of R2193-10.
    assert (services.vat, services.vat_eur, services.amount_ttc_eur, services.direct_payment) == (
        "taux",
        100.0,
        599.99,
        False,
    )
    assert works.duration_months == 24
    assert works.mandataire is not None and works.mandataire.name == "JADE"
    assert works.holder.structures == ["s1", "s1b"]
    assert "subcontractor.registration" in works.missing and "subcontractor.iban" in works.missing
    text = pdf_text(form_pdf(dc4s)).replace("\n", " ")
    assert [r.letter for r in works.rubrics] == list("ABCDEFGHIJKL")
    for head in rubric_heads(works):
        assert head in text, head
    assert "CGI, article 283-2 nonies" in text and "Amitié Solidarité" not in text
    assert "[X] la présente déclaration est annexée à l'offre" in text
    at_600 = grouping(subcontracts=[{"from": "s2", "to": "f1", "lot": "L2", "hours": 10, "value_eur": 500}])
    assert forms.dc4s(data(at_600))[0].direct_payment is True


def test_annex_amounts_add_up_to_each_members_revenue_to_the_cent() -> None:
    annex = forms.annex(data())
    assert annex.totals == {"s2": 3000.01, "s1": 28799.99}
    assert [(x.member, x.lot, x.amount_ht_eur) for x in annex.lines] == [
        ("s2", "L2", 3000.01),
        ("s1", "L1", 28799.99),
    ]
    text = pdf_text(form_pdf(annex)).replace("\n", " ")
    assert [r.letter for r in annex.rubrics] == list("ABCD")
    for head in rubric_heads(annex):
        assert head in text, head
    assert "28\u202f799,99 €" in text and "31\u202f800,00 €" in text
    # each member's part is one line here: no subtotal repeats it, the grand total closes the table
    assert "Total EBS" not in text and "Total Amitié" not in text
    assert text.count("Total") == 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.decimals(min_value="0.01", max_value="99999.99", places=2), min_size=3, max_size=3),
    st.lists(st.decimals(min_value="0", max_value="50000", places=2), min_size=3, max_size=3),
)
def test_annex_adds_up_to_the_cent_for_any_revenue_and_site_values(
    revenues: list[Decimal], values: list[Decimal]
) -> None:
    annex = _two_lot_annex(revenues, values)
    _check_annex_parts(annex, revenues)


def test_annex_subtotals_a_member_whose_part_spans_two_lots() -> None:
    revenues = [Decimal("1000.00"), Decimal("500.00"), Decimal("0")]
    annex = _two_lot_annex(revenues, [Decimal("100"), Decimal("100"), Decimal("100")])
    text = pdf_text(form_pdf(annex)).replace("\n", " ")
    # s1 works in lots L1 and L2: its two lines, then its subtotal; s2's one line needs none
    assert [x.lot for x in annex.lines if x.member == "s1"] == ["L1", "L2"]
    assert text.count("Total ") == 2 and "Total EBS Le Relais 1\u202f000,00 €" in text


def _two_lot_annex(revenues: list[Decimal], values: list[Decimal]) -> Any:
    tender = copy.deepcopy(TENDER)
    sites = [s for lot in tender["lots"] for s in lot["sites"]]
    for site, value in zip(sites, values, strict=True):
        site["value_eur"] = float(value)
    # s1 holds sites of two lots, so its revenue is split over two lines.
    g = grouping(
        members=[
            {
                "structure": "s1",
                "structures": ["s1", "s1b"],
                "role": "co-traitant",
                "hours": 1,
                "own_hours": 1,
                "revenue_eur": float(revenues[0]),
            },
            {
                "structure": "s2",
                "structures": ["s2"],
                "role": "mandataire",
                "hours": 1,
                "own_hours": 1,
                "revenue_eur": float(revenues[1]),
            },
        ],
        assignments=[
            {"site": "0931713G", "structure": "s1", "distance_km": 1},
            {"site": "0930001A", "structure": "s2", "distance_km": 2},
            {"site": "0932000B", "structure": "s1b", "distance_km": 3},
        ],
    )
    return forms.annex(data(g, tender))


def _check_annex_parts(annex: Any, revenues: list[Decimal]) -> None:
    for member, revenue in (("s1", revenues[0]), ("s2", revenues[1])):
        parts = [Decimal(str(x.amount_ht_eur)) for x in annex.lines if x.member == member]
        assert all(p == p.quantize(Decimal("0.01")) for p in parts)
        assert sum(parts) == revenue
    assert Decimal(str(annex.total_ht_eur)) == revenues[0] + revenues[1]


def test_mise_a_disposition_summary_per_member_with_the_vat_of_each_intermediary() -> None:
    (summary,) = forms.mad_summaries(data())
    assert summary.member.structure == "s1"
    ai, etti = summary.lines
    assert (ai.intermediary.name, ai.hours, ai.rate_eur_per_hour, ai.vat_eur, ai.amount_ttc_eur) == (
        "Amitié Solidarité",
        100,
        22.0,
        0.0,
        2200.0,
    )
    assert (etti.vat_rate, etti.vat_eur, etti.amount_ttc_eur) == (0.2, 60.0, 360.0)
    assert (summary.total_ht_eur, summary.total_ttc_eur) == (2500.0, 2560.0)
    text = pdf_text(form_pdf(summary)).replace("\n", " ")
    for head in rubric_heads(summary):
        assert head in text, head
    assert "L5132-7" in text and "n'est pas une sous-traitance" in text


def test_every_form_json_validates_against_its_shipped_schema() -> None:
    built: dict[str, Sequence[FormBase]] = {
        "dc1": [forms.dc1(data())],
        "dc2": forms.dc2s(data()),
        "dc4": forms.dc4s(data()),
        "annexe-repartition": [forms.annex(data())],
        "mise-a-disposition": forms.mad_summaries(data()),
    }
    for name in FORM_MODELS:
        folder = resources.files("app.integrations.forms_schemas")
        shipped = json.loads(folder.joinpath(f"{name}.schema.json").read_text(encoding="utf-8"))
        assert shipped == generated(name), f"{name}: write the schemas again (forms_schemas.write)"
        for document in built[name]:
            jsonschema.Draft202012Validator(shipped).validate(document.model_dump(mode="json"))
        broken = built[name][0].model_dump(mode="json")
        del broken["missing"]
        assert not jsonschema.Draft202012Validator(shipped).is_valid(broken)
