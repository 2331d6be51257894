"""The répartition annex of the acte d'engagement (ATTRI1) and the mise à disposition summaries."""

from __future__ import annotations

from app.integrations.forms_build import Writer, fr_hours, fr_money, fr_percent, split_cents
from app.integrations.forms_common import (
    FORM_WORDS,
    VAT_RATE,
    FormInput,
    buyer_rubric,
    form_head,
    form_of,
    identity_lines,
    legal_members,
    lot_data,
    member_lots,
    object_rubric,
    party_of,
    trade_name,
)
from app.integrations.forms_models import (
    Annex,
    AnnexLine,
    MadLine,
    MadSummary,
)


def annex(data: FormInput) -> Annex:
    """Each member's part per lot; the parts of a member add up to its revenue in the plan, to the cent."""
    w = Writer()
    form = form_of(data)
    buyer = buyer_rubric(w, data)
    object_rubric(w, data)
    members = legal_members(data)
    parties = [party_of(data, m["structure"], m["structures"]) for m in members]
    lines: list[AnnexLine] = []
    totals: dict[str, float] = {}
    for m in members:
        revenue = round(float(m["revenue_eur"]), 2)
        by_lot = member_lots(data, m)
        lot_ids = list(by_lot) or ["-"]
        amounts = split_cents(revenue, [by_lot[lot][1] for lot in lot_ids] if by_lot else [1.0])
        for lot_id, amount in zip(lot_ids, amounts, strict=True):
            trade = (lot_data(data, lot_id) or {}).get("trade")
            lines.append(
                AnnexLine(
                    member=m["structure"],
                    lot=lot_id,
                    prestations=trade_name(trade),
                    hours=round(by_lot.get(lot_id, (0.0, 0.0))[0], 2),
                    amount_ht_eur=amount,
                )
            )
        totals[m["structure"]] = revenue
    total = round(sum(totals.values()), 2)
    names = {p.structure: p.name for p in parties}
    w.rubric(
        "C",
        "Répartition des prestations et des montants entre les membres"
        if form != "individuel"
        else "Prestations et montant du candidat",
    )
    w.line("Forme de la candidature", FORM_WORDS[form], None)
    rows = [
        [names[x.member], x.lot, x.prestations, fr_hours(x.hours), fr_money(x.amount_ht_eur)] for x in lines
    ]
    # a member's subtotal only where its part is split over several lots (one line is its own total)
    split = {x.member for x in lines if sum(1 for y in lines if y.member == x.member) > 1}
    rows += [[f"Total {names[s]}", "", "", "", fr_money(v)] for s, v in totals.items() if s in split]
    rows.append(["Total", "", "", "", fr_money(total)])
    w.table(["Membre", "Lot", "Prestations", "Heures", "Montant HT"], rows)
    w.rubric("D", "Signature")
    for n, p in enumerate(parties):
        w.line(f"{p.name} : lieu, date et signature", None, f"members[{n}].signature")
    return Annex(
        **form_head(data, w, "Annexe à l'acte d'engagement (ATTRI1) : répartition des prestations", buyer),
        groupement_form=form,
        members=parties,
        lines=lines,
        totals=totals,
        total_ht_eur=total,
    )


def mad_summaries(data: FormInput) -> list[MadSummary]:
    """Per member receiving staff from an AI or ETTI: the hours, rates and VAT of each line."""
    out = []
    staffing = data.grouping.get("staffing") or []
    for m in legal_members(data):
        mine = [s for s in staffing if s["to"] in m["structures"]]
        if not mine:
            continue
        w = Writer()
        buyer = buyer_rubric(w, data)
        object_rubric(w, data)
        member = party_of(data, m["structure"], m["structures"])
        w.rubric("C", "Membre utilisateur")
        identity_lines(w, member, "member")
        lines = []
        for s in mine:
            hours = float(s["hours"])
            ht = round(float(s["value_eur"]), 2)
            # An AI's mise à disposition is exempt (CGI 261-7-1° bis); an ETTI's bears 20 % VAT.
            rate = float(
                s.get(
                    "vat_rate", 0.0 if (data.structures.get(s["from"], {}).get("kind") == "AI") else VAT_RATE
                )
            )
            vat_eur = round(ht * rate, 2)
            lines.append(
                MadLine(
                    intermediary=party_of(data, s["from"]),
                    lot=s.get("lot"),
                    trade=s.get("trade"),
                    hours=hours,
                    rate_eur_per_hour=round(ht / hours, 2) if hours else 0.0,
                    amount_ht_eur=ht,
                    vat_rate=rate,
                    vat_eur=vat_eur,
                    amount_ttc_eur=round(ht + vat_eur, 2),
                )
            )
        w.rubric("D", "Mises à disposition de personnel par une AI ou une ETTI")
        w.note(
            "Contrat de mise à disposition entre le membre et l'intermédiaire (Code du travail L5132-7 pour "
            "une AI, L1251-1 pour une ETTI) : ce n'est pas une sous-traitance et il n'est pas déclaré à "
            "l'acheteur sur un DC4."
        )
        w.table(
            [
                "Intermédiaire",
                "Lot",
                "Métier",
                "Heures",
                "Taux horaire HT",
                "Montant HT",
                "TVA",
                "Montant TTC",
            ],
            [
                [
                    x.intermediary.name,
                    x.lot or "",
                    trade_name(x.trade),
                    fr_hours(x.hours),
                    fr_money(x.rate_eur_per_hour),
                    fr_money(x.amount_ht_eur),
                    f"{fr_percent(x.vat_rate)} : {fr_money(x.vat_eur)}",
                    fr_money(x.amount_ttc_eur),
                ]
                for x in lines
            ],
        )
        total_ht = round(sum(x.amount_ht_eur for x in lines), 2)
        total_ttc = round(sum(x.amount_ttc_eur for x in lines), 2)
        w.line("Total HT", fr_money(total_ht), None)
        w.line("Total TTC", fr_money(total_ttc), None)
        out.append(
            MadSummary(
                **form_head(data, w, f"Mise à disposition de personnel : {member.name}", buyer),
                member=member,
                lines=lines,
                total_ht_eur=total_ht,
                total_ttc_eur=total_ttc,
            )
        )
    return out
