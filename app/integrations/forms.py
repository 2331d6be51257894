"""Drafts of a grouping's candidature file, from the plan: DC1, DC2 per member, DC4 per subcontracting
line, the répartition annex of the acte d'engagement (ATTRI1) and a mise à disposition summary per member.

They are drafts: the coordinator checks them and the members sign the official forms. Only
`subcontracts[]` (sous-traitance, Code de la commande publique L2193-1) gives a DC4; staff put at a
member's disposal by an AI or ETTI (`staffing[]`, Code du travail L5132-7, L1251-1) is a contract
between the member and the intermédiaire, summarised apart and never declared to the buyer as
sous-traitance.
"""

from __future__ import annotations

from typing import Any

from app.integrations.forms_annex import annex, mad_summaries
from app.integrations.forms_build import Writer, fr_date, fr_hours, fr_money, fr_percent
from app.integrations.forms_common import (
    ATTESTATIONS,
    FORM_WORDS,
    HANDICAP_KINDS,
    SIAE_KINDS,
    FormInput,
    buyer_rubric,
    form_head,
    form_lot,
    form_of,
    identity_lines,
    legal_members,
    lot_data,
    member_lots,
    object_rubric,
    party_of,
    trade_name,
)
from app.integrations.forms_dc4 import dc4, dc4s
from app.integrations.forms_models import (
    TO_COMPLETE,
    Check,
    Dc1,
    Dc1Member,
    Dc2,
    Rubric,
    Table,
)


def dc1(data: FormInput) -> Dc1:
    w = Writer()
    form = form_of(data)
    alone = form == "individuel"
    members = legal_members(data)
    total = round(sum(float(m["revenue_eur"]) for m in members), 2)
    buyer = buyer_rubric(w, data)
    object_rubric(w, data)
    answered = [
        lot for lot in data.tender["lots"] if any(str(lot["id"]) in member_lots(data, m) for m in members)
    ]
    whole = len(answered) == len(data.tender["lots"])
    lots = [form_lot(data, str(lot["id"])) for lot in answered]
    w.rubric("C", "Objet de la candidature")
    w.check("la candidature est présentée pour le marché public (tous les lots)", whole)
    w.check(
        "la candidature est présentée pour les lots : "
        + ", ".join(f"{lot.id} ({lot.title})" for lot in lots if lot),
        not whole,
    )
    w.rubric("D", "Présentation du candidat")
    w.check("le candidat se présente seul (candidat individuel)", alone)
    if not alone:
        for key in ("conjoint", "conjoint_mandataire_solidaire", "solidaire"):
            w.check(f"le candidat est un {FORM_WORDS[key]} (R2142-19 à R2142-24)", form == key)
    w.rubric(
        "E",
        "Identification du candidat individuel"
        if alone
        else "Identification de chaque membre du groupement et répartition des prestations",
    )
    out_members = []
    for n, m in enumerate(members):
        party = party_of(data, m["structure"], m["structures"])
        parts = member_lots(data, m)
        role = "candidat" if alone else m.get("role", "co-traitant")
        amount = round(float(m["revenue_eur"]), 2)
        out_members.append(
            Dc1Member(
                **party.model_dump(),
                role=role,
                lots=list(parts),
                amount_ht_eur=amount,
                share=amount / total if total else 0.0,
            )
        )
        w.subtitle(
            f"{'Candidat' if alone else f'Membre {n + 1}'} : {party.name}" + ("" if alone else f" ({role})")
        )
        identity_lines(w, party, f"members[{n}]")
        if not alone:
            prestations = "; ".join(
                f"lot {lot} : {trade_name((lot_data(data, lot) or {}).get('trade'))}, {fr_hours(h)}"
                for lot, (h, _) in parts.items()
            )
            w.line("Prestations exécutées", prestations or "aucune", f"members[{n}].lots")
            w.line(
                "Montant HT et part",
                f"{fr_money(amount)} HT, soit {fr_percent(amount / total if total else 0)}",
                None,
            )
    w.rubric("F", "Engagements du candidat")
    w.note(
        ("Le candidat" if alone else "Chaque membre") + " déclare sur l'honneur (cases à cocher par lui) :"
    )
    for text in ATTESTATIONS:
        w.check(text)
    mandataire = None
    if not alone:
        mandataire = members[0]["structure"]
        name = out_members[0].name
        w.rubric("G", "Désignation du mandataire")
        w.line("Mandataire", name, None)
        w.note("Les co-traitants habilitent le mandataire (R2142-23) à :")
        w.check("signer, en leur nom et pour leur compte, l'offre du groupement et ses modifications")
        w.check("les représenter vis-à-vis de l'acheteur")
        w.check("coordonner les prestations des membres du groupement")
        if form == "conjoint_mandataire_solidaire":
            w.line(
                "Solidarité",
                "le mandataire est solidaire de chacun des membres pour leurs obligations contractuelles "
                "(R2142-24)",
                None,
            )
    w.rubric("H" if not alone else "G", "Signature")
    for n, signer in enumerate(out_members):
        w.line(f"{signer.name} : nom, prénom et qualité du signataire", None, f"members[{n}].signatory")
        w.line(f"{signer.name} : lieu et date", None, f"members[{n}].signature_date")
    title = "DC1 - Lettre de candidature" + (
        "" if alone else " et habilitation du mandataire par ses co-traitants"
    )
    return Dc1(
        **form_head(data, w, title, buyer),
        whole_market=whole,
        lots=[lot for lot in lots if lot],
        groupement_form=form,
        mandataire=mandataire,
        members=out_members,
        total_ht_eur=total,
    )


def _reserved(kind: str | None) -> list[str]:
    if kind in SIAE_KINDS:
        return ["siae"]
    if kind in HANDICAP_KINDS:
        return ["handicap"]
    return []


def dc2(data: FormInput, member: dict[str, Any]) -> Dc2:
    w = Writer()
    party = party_of(data, member["structure"], member.get("structures"))
    s = data.structures.get(member["structure"], {})
    buyer = buyer_rubric(w, data)
    object_rubric(w, data)
    w.rubric("C", "Identification du candidat individuel ou du membre du groupement")
    identity_lines(w, party, "member")
    w.rubric("D", "Situation juridique et conventionnement")
    kind = party.kind
    w.line("Nature de la structure", kind, "member.kind")
    if kind in SIAE_KINDS:
        w.line(
            "Structure d'insertion par l'activité économique conventionnée par l'État (L5132-2)",
            f"oui, {kind}",
            None,
        )
        w.line("Numéro et date de la convention", None, "member.convention")
    labels = ", ".join(s.get("labels") or []) or "aucun"
    w.line("Labels", labels, None)
    w.rubric("E", "Capacité économique et financière")
    turnover = s.get("annual_turnover_eur")
    known = float(turnover) if turnover else None
    w.line(
        "Chiffre d'affaires global HT du dernier exercice", fr_money(known) if known else None, "turnover[0]"
    )
    w.line("Chiffre d'affaires global HT de l'avant-dernier exercice", None, "turnover[1]")
    w.line("Chiffre d'affaires global HT du troisième exercice", None, "turnover[2]")
    w.rubric("F", "Capacités techniques et professionnelles")
    fte = s.get("insertion_fte")
    w.line("Effectifs en insertion (ETP)", fr_hours(fte, "") if fte else None, "member.staff")
    capacities = "; ".join(f"{trade_name(t)} : {fr_hours(h)}" for t, h in (s.get("capacities") or {}).items())
    w.line("Capacité disponible par métier", capacities or None, "member.capacities")
    w.rubric("G", "Marchés réservés")
    reserved = _reserved(kind)
    w.check("structure d'insertion par l'activité économique (L2113-13)", "siae" in reserved)
    w.check(
        "entreprise adaptée ou établissement et service d'aide par le travail (L2113-12)",
        "handicap" in reserved,
    )
    w.rubric("H", "Signature")
    w.line("Nom, prénom et qualité du signataire", None, "member.signatory")
    w.line("Lieu et date", None, "member.signature_date")
    return Dc2(
        **form_head(data, w, f"DC2 - Déclaration du candidat : {party.name}", buyer),
        member=party,
        turnover=[known, None, None],
        reserved=reserved,
    )


def dc2s(data: FormInput) -> list[Dc2]:
    return [dc2(data, m) for m in legal_members(data)]


__all__ = [
    "TO_COMPLETE",
    "Check",
    "FormInput",
    "Rubric",
    "Table",
    "annex",
    "dc1",
    "dc2",
    "dc2s",
    "dc4",
    "dc4s",
    "fr_date",
    "mad_summaries",
]
