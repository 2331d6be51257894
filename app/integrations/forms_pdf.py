"""The DC1 and DC4 drafts as PDF documents (fpdf2, core fonts).

The core fonts are Latin-1: French accents print, the euro sign does not, so amounts read "EUR" and
the few characters outside Latin-1 (œ, typographic quotes) are written with their nearest letters.
"""

from __future__ import annotations

import unicodedata

from fpdf import FPDF

from app.integrations.forms import Dc1, Dc4, FormParty

_REPLACE = {
    "œ": "oe",
    "Œ": "OE",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "–": "-",
    "—": "-",
    "€": "EUR",
    "…": "...",
}
DRAFT = "Brouillon établi par le planner : à vérifier, compléter et signer sur le formulaire officiel."


def latin1(text: str) -> str:
    out = []
    for ch in text:
        ch = _REPLACE.get(ch, ch)
        try:
            ch.encode("latin-1")
        except UnicodeEncodeError:
            ch = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1") or "?"
        out.append(ch)
    return "".join(out)


def money(amount: float) -> str:
    """French notation: 18 000,00 EUR."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",") + " EUR"


class _Form(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.form_title = title
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(latin1(title))
        self.set_creator("planner")

    def header(self) -> None:
        self.set_font("helvetica", "B", 13)
        self.multi_cell(0, 7, latin1(self.form_title), new_x="LMARGIN", new_y="NEXT")
        self.set_font("helvetica", "I", 8)
        self.multi_cell(0, 5, latin1(DRAFT), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def section(self, title: str) -> None:
        self.ln(2)
        self.set_font("helvetica", "B", 11)
        self.multi_cell(0, 6, latin1(title), new_x="LMARGIN", new_y="NEXT")
        self.set_font("helvetica", "", 10)

    def line_text(self, text: str) -> None:
        self.multi_cell(0, 5, latin1(text), new_x="LMARGIN", new_y="NEXT")


def _identity(pdf: _Form, party: FormParty) -> None:
    pdf.line_text(f"Dénomination : {party.name}")
    pdf.line_text(f"SIRET : {party.siret or 'à compléter'}")
    if party.kind:
        pdf.line_text(f"Nature : {party.kind}")
    pdf.line_text(f"Adresse : {party.address or 'à compléter'}")


def _object(pdf: _Form, form: Dc1 | Dc4) -> None:
    pdf.section("A - Identification de l'acheteur")
    pdf.line_text(form.buyer or "à compléter")
    pdf.section("B - Objet de la consultation")
    pdf.line_text(f"{form.tender_title} (référence {form.tender_reference})")
    pdf.line_text("Lots : " + ("; ".join(f"{lot.id} - {lot.title}" for lot in form.lots) or "marché global"))


def dc1_pdf(form: Dc1) -> bytes:
    pdf = _Form("DC1 - Lettre de candidature et habilitation du mandataire par ses co-traitants")
    pdf.add_page()
    _object(pdf, form)
    pdf.section("C - Candidat")
    pdf.line_text(f"Groupement momentané d'entreprises {form.grouping_form} de {len(form.members)} membres.")
    pdf.section("D - Membres du groupement")
    for n, member in enumerate(form.members, start=1):
        pdf.set_font("helvetica", "B", 10)
        pdf.line_text(f"Membre {n} : {member.name} ({member.role})")
        pdf.set_font("helvetica", "", 10)
        _identity(pdf, member)
        lots = ", ".join(member.lots) or "aucun"
        pdf.line_text(
            f"Prestations : lots {lots}, {member.hours:g} heures, {money(member.amount_ht_eur)} HT, "
            f"soit {member.share * 100:.1f} % du montant du groupement"
        )
        pdf.ln(1)
    pdf.section("E - Mandataire")
    pdf.line_text(
        f"Les membres du groupement désignent {form.mandataire.name} (SIRET "
        f"{form.mandataire.siret or 'à compléter'}) comme mandataire du groupement."
    )
    pdf.line_text(f"Montant total du groupement : {money(form.total_ht_eur)} HT")
    return bytes(pdf.output())


def _dc4_page(pdf: _Form, form: Dc4) -> None:
    pdf.add_page()
    _object(pdf, form)
    pdf.section("C - Titulaire (membre du groupement)")
    _identity(pdf, form.holder)
    pdf.section("D - Sous-traitant")
    _identity(pdf, form.subcontractor)
    pdf.section("E - Nature des prestations sous-traitées")
    pdf.line_text(form.nature)
    pdf.section("F - Montant maximum des sommes à verser au sous-traitant")
    pdf.line_text(f"Montant HT : {money(form.amount_ht_eur)}")
    pdf.line_text(f"TVA ({form.vat_rate * 100:g} %) : {money(form.vat_eur)}")
    pdf.line_text(f"Montant TTC : {money(form.amount_ttc_eur)}")
    pdf.section("G - Paiement direct")
    if form.direct_payment:
        pdf.line_text(
            "Le sous-traitant est payé directement par l'acheteur (montant d'au moins 600 EUR TTC)."
        )
    else:
        pdf.line_text("Pas de paiement direct : montant inférieur à 600 EUR TTC.")


def dc4_pdf(forms: list[Dc4]) -> bytes:
    """One page per subcontracting line."""
    pdf = _Form("DC4 - Déclaration de sous-traitance")
    for form in forms:
        _dc4_page(pdf, form)
    if not forms:
        pdf.add_page()
        pdf.line_text("Le groupement ne déclare aucune sous-traitance.")
    return bytes(pdf.output())
