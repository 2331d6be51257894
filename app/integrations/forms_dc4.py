"""DC4 (2024): the déclaration de sous-traitance of one `subcontracts[]` line (L2193-1 to L2193-14)."""

from __future__ import annotations

from typing import Any

from app.integrations.forms_build import Writer, fr_hours, fr_money, fr_percent
from app.integrations.forms_common import (
    ATTESTATIONS,
    DIRECT_PAYMENT_THRESHOLD_TTC_EUR,
    FORM_WORDS,
    VAT_RATE,
    FormInput,
    buyer_rubric,
    form_head,
    form_lot,
    form_of,
    identity_lines,
    legal_members,
    lot_data,
    member_of,
    months_between,
    object_rubric,
    party_of,
    trade_name,
)
from app.integrations.forms_models import (
    Dc4,
)


def dc4(data: FormInput, number: int, line: dict[str, Any]) -> Dc4:
    w = Writer()
    buyer = buyer_rubric(w, data)
    object_rubric(w, data, "B", "Objet du marché public")
    lot = form_lot(data, line.get("lot"))
    if lot is not None:
        w.line("Lot", f"{lot.id} ({lot.title})", None)
    w.rubric("C", "Objet de la déclaration du sous-traitant")
    w.check("la présente déclaration est annexée à l'offre du soumissionnaire", True)
    w.check("acte spécial en cours d'exécution du marché public")
    w.check("acte spécial modificatif")
    holder_member = member_of(data, line["from"])
    holder = party_of(data, line["from"], holder_member["structures"] if holder_member else None)
    form = form_of(data)
    members = legal_members(data)
    mandataire = (
        party_of(data, members[0]["structure"], members[0]["structures"]) if form != "individuel" else None
    )
    w.rubric("D", "Identification du soumissionnaire ou du titulaire du marché public")
    identity_lines(w, holder, "holder")
    if mandataire is not None:
        w.line("Membre du groupement", f"oui, {FORM_WORDS[form]}", None)
        w.line("Mandataire du groupement", mandataire.name, None)
    w.rubric("E", "Identification du sous-traitant")
    sub = party_of(data, line["to"])
    identity_lines(w, sub, "subcontractor")
    registry = (
        "RNA (répertoire national des associations)"
        if sub.legal_form == "association"
        else "RCS ou répertoire des métiers"
    )
    w.line(f"Numéro d'inscription au {registry}", None, "subcontractor.registration")
    w.line("Le sous-traitant est une PME (recommandation 2003/361/CE)", None, "subcontractor.sme")
    w.rubric("F", "Nature et prix des prestations sous-traitées")
    trade = line.get("trade") or ((lot_data(data, line.get("lot") or "") or {}).get("trade"))
    hours = float(line["hours"])
    nature = f"{trade_name(trade)}" + (f", lot {lot.id}" if lot else "") + f" : {fr_hours(hours)}"
    w.line("Nature des prestations sous-traitées", nature, None)
    ht = round(float(line["value_eur"]), 2)
    works = (lot.kind if lot else data.tender.get("kind")) == "works"
    if works:
        # CGI 283-2 nonies: a subcontractor's works for a VAT-registered holder: the holder pays the VAT.
        vat, rate, vat_eur, ttc = "autoliquidation", 0.0, 0.0, ht
        w.line("Montant maximum HT", fr_money(ht), None)
        w.line("TVA", "autoliquidation : TVA due par le titulaire (CGI, article 283-2 nonies)", None)
        w.line("Montant maximum TTC", fr_money(ttc) + " (hors TVA autoliquidée)", None)
    else:
        vat, rate = "taux", VAT_RATE
        vat_eur = round(ht * rate, 2)
        ttc = round(ht + vat_eur, 2)
        w.line("Montant maximum HT", fr_money(ht), None)
        w.line("TVA", f"{fr_percent(rate)} : {fr_money(vat_eur)}", None)
        w.line("Montant maximum TTC", fr_money(ttc), None)
    direct = ttc >= DIRECT_PAYMENT_THRESHOLD_TTC_EUR
    w.check(
        "paiement direct du sous-traitant par l'acheteur (montant d'au moins 600 € TTC, R2193-10)", direct
    )
    months = months_between(data.tender.get("execution_start"), data.tender.get("execution_end"))
    w.line("Durée des prestations (mois)", str(months) if months else None, "duration_months")
    w.line("Modalités de variation des prix", None, "price_variation")
    w.note("Avance (R2193-17) :")
    w.check("le sous-traitant demande à bénéficier de l'avance")
    w.check("le sous-traitant renonce au bénéfice de l'avance")
    w.rubric("G", "Conditions de paiement")
    w.line("Compte à créditer (IBAN)", None, "subcontractor.iban")
    w.line("Conditions de paiement", "celles du marché public (délai global de paiement, R2192-10)", None)
    w.rubric("H", "Capacités du sous-traitant")
    caps = (data.structures.get(line["to"], {}).get("capacities") or {}).get(trade or "")
    w.line("Capacité disponible pour ce métier", fr_hours(caps) if caps else None, "subcontractor.capacities")
    w.rubric("I", "Attestations sur l'honneur du sous-traitant au regard des interdictions de soumissionner")
    for text in ATTESTATIONS[:3]:
        w.check(f"le sous-traitant {text}")
    w.rubric("J", "Acceptation et agrément des conditions de paiement du sous-traitant")
    w.line("Le titulaire : lieu, date et signature", None, "holder.signature")
    w.line("Le sous-traitant : lieu, date et signature", None, "subcontractor.signature")
    w.line("L'acheteur : lieu, date et signature", None, "buyer.signature")
    w.rubric("K", "Exemplaire unique du titulaire (cession ou nantissement de créances)")
    w.check("le titulaire a remis l'exemplaire unique ou le certificat de cessibilité (R2191-46)")
    w.rubric("L", "Notification de l'acte spécial au titulaire")
    w.line("Date de notification par l'acheteur", None, "notification_date")
    return Dc4(
        **form_head(data, w, f"DC4 - Déclaration de sous-traitance n° {number}", buyer),
        number=number,
        lot=lot,
        holder=holder,
        mandataire=mandataire,
        subcontractor=sub,
        nature=nature,
        hours=hours,
        amount_ht_eur=ht,
        vat=vat,
        vat_rate=rate,
        vat_eur=vat_eur,
        amount_ttc_eur=ttc,
        direct_payment=direct,
        duration_months=months,
    )


def dc4s(data: FormInput) -> list[Dc4]:
    """One DC4 per sous-traitance line; staffing lines (mise à disposition) never get one."""
    return [dc4(data, n, line) for n, line in enumerate(data.grouping.get("subcontracts") or [], start=1)]
