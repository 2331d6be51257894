"""Drafts of a grouping's candidature file, from the plan: DC1, DC2 per member, DC4 per subcontracting
line, the répartition annex of the acte d'engagement (ATTRI1) and a mise à disposition summary per member.

They are drafts: the coordinator checks them and the members sign the official forms. Only
`subcontracts[]` (sous-traitance, Code de la commande publique L2193-1) gives a DC4; staff put at a
member's disposal by an AI or ETTI (`staffing[]`, Code du travail L5132-7, L1251-1) is a contract
between the member and the intermédiaire, summarised apart and never declared to the buyer as
sous-traitance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.integrations.forms_build import Writer, fr_date, fr_hours, fr_money, fr_percent, split_cents
from app.integrations.forms_models import (
    TO_COMPLETE,
    Annex,
    AnnexLine,
    Buyer,
    Check,
    Dc1,
    Dc1Member,
    Dc2,
    Dc4,
    FormLot,
    GroupementForm,
    MadLine,
    MadSummary,
    Party,
    Rubric,
    Table,
)
from solver.reference import sectors

# Code de la commande publique, R2193-10: the buyer pays a subcontractor directly from 600 € TTC.
DIRECT_PAYMENT_THRESHOLD_TTC_EUR = 600.0
VAT_RATE = 0.20
SIAE_KINDS = frozenset({"EI", "ACI", "AI", "ETTI", "EITI"})
HANDICAP_KINDS = frozenset({"EA", "ESAT", "EATT"})
FORM_WORDS = {
    "conjoint": "groupement conjoint",
    "conjoint_mandataire_solidaire": "groupement conjoint, mandataire solidaire",
    "solidaire": "groupement solidaire",
    "individuel": "candidat individuel",
}
# Code de la commande publique: exclusions of L2141-1 to L2141-5 and L2141-7 to L2141-11; the
# employment of disabled workers (Code du travail L5212-1 to L5212-11).
ATTESTATIONS = [
    "n'entre dans aucun des cas d'exclusion de la procédure de passation prévus aux articles L2141-1 à "
    "L2141-5 et L2141-7 à L2141-11 du Code de la commande publique",
    "est en règle au regard des articles L5212-1 à L5212-11 du Code du travail concernant l'emploi des "
    "travailleurs handicapés",
    "a souscrit les déclarations et payé les impôts et cotisations sociales exigibles (L2141-2)",
    "les renseignements fournis dans le DC1 et le DC2 sont exacts",
]


@dataclass
class FormInput:
    """What every form reads: the plan's grouping, the tender as planned, the structures."""

    grouping: dict[str, Any]  # a grouping of the plan JSON (CONTRACT shape)
    tender: dict[str, Any]  # reference, title, buyer, buyer_siret, kind, lots with sites, dates
    structures: dict[str, dict[str, Any]]  # id -> the problem's structure and its directory address
    groupement_form: str | None = None  # the plan's form unless the caller overrides it


def _members(data: FormInput) -> list[dict[str, Any]]:
    """The plan's members, mandataire first; a plan from before SIREN grouping has one structure each."""
    mandataire = data.grouping.get("mandataire")
    out = []
    for m in data.grouping["members"]:
        siret = str(data.structures.get(m["structure"], {}).get("siret") or "")
        out.append(
            m
            | {
                "structures": m.get("structures") or [m["structure"]],
                "siren": m.get("siren") or (siret[:9] or None),
            }
        )
    return sorted(out, key=lambda m: m["structure"] != mandataire)


def form_of(data: FormInput) -> GroupementForm:
    if len(data.grouping["members"]) == 1:
        return "individuel"
    chosen = data.groupement_form or data.grouping.get("form") or "conjoint"
    return chosen if chosen in FORM_WORDS and chosen != "individuel" else "conjoint"  # type: ignore[return-value]


def _party(data: FormInput, structure: str, structures: list[str] | None = None) -> Party:
    s = data.structures.get(structure) or {"name": structure}
    place = " ".join(p for p in (s.get("postcode"), s.get("commune")) if p)
    address = ", ".join(p for p in (s.get("address"), place) if p) or None
    siret = s.get("siret")
    return Party(
        structure=structure,
        structures=structures or [structure],
        name=s.get("name") or structure,
        siren=siret[:9] if siret else None,
        siret=siret,
        kind=s.get("kind"),
        legal_form=s.get("legal_form"),
        address=address,
        email=s.get("email"),
        phone=s.get("phone"),
    )


LEGAL_FORMS = {"association": "association", "company": "société", "public": "personne publique"}


def _identity(w: Writer, party: Party, path: str) -> None:
    w.line("Dénomination sociale", party.name, f"{path}.name")
    w.line("SIREN", party.siren, f"{path}.siren")
    w.line("SIRET", party.siret, f"{path}.siret")
    w.line("Forme juridique", LEGAL_FORMS.get(party.legal_form or "", party.legal_form), f"{path}.legal_form")
    w.line("Adresse", party.address, f"{path}.address")
    w.line("Courriel", party.email, f"{path}.email")
    w.line("Téléphone", party.phone, f"{path}.phone")


def _buyer(w: Writer, data: FormInput) -> Buyer:
    buyer = Buyer(name=data.tender.get("buyer"), siret=data.tender.get("buyer_siret"))
    w.rubric("A", "Identification de l'acheteur")
    w.line("Acheteur", buyer.name, "buyer.name")
    w.line("SIRET de l'acheteur", buyer.siret, "buyer.siret")
    return buyer


def _object(w: Writer, data: FormInput, letter: str = "B", title: str = "Objet de la consultation") -> None:
    w.rubric(letter, title)
    w.line("Objet", data.tender.get("title") or str(data.tender["reference"]), "tender.title")
    w.line("Référence", str(data.tender["reference"]), "tender.reference")


def _site_lots(data: FormInput) -> dict[str, dict[str, Any]]:
    return {str(site["id"]): lot for lot in data.tender["lots"] for site in lot["sites"]}


def _lot(data: FormInput, lot_id: str | None) -> FormLot | None:
    for lot in data.tender["lots"]:
        if str(lot["id"]) == lot_id:
            return FormLot(
                id=str(lot["id"]),
                title=lot.get("title") or str(lot["id"]),
                kind=lot.get("kind") or data.tender.get("kind"),
            )
    return None


def _trade_name(trade: str | None) -> str:
    return sectors().get(trade or "", (trade or "prestations du lot", ""))[0]


def _member_lots(data: FormInput, member: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Lot id -> (hours, value of sites) that the member answers for, in the tender's lot order."""
    site_lot = _site_lots(data)
    values = {
        str(s["id"]): (float(s.get("hours") or 0), float(s.get("value_eur") or 0))
        for lot in data.tender["lots"]
        for s in lot["sites"]
    }
    found: dict[str, tuple[float, float]] = {}
    for a in data.grouping["assignments"]:
        if a["structure"] in member["structures"] and a["site"] in site_lot:
            lot_id = str(site_lot[a["site"]]["id"])
            hours, value = found.get(lot_id, (0.0, 0.0))
            found[lot_id] = (hours + values[a["site"]][0], value + values[a["site"]][1])
    order = [str(lot["id"]) for lot in data.tender["lots"]]
    return {lot: found[lot] for lot in order if lot in found}


def dc1(data: FormInput) -> Dc1:
    w = Writer()
    form = form_of(data)
    alone = form == "individuel"
    members = _members(data)
    total = round(sum(float(m["revenue_eur"]) for m in members), 2)
    buyer = _buyer(w, data)
    _object(w, data)
    answered = [
        lot for lot in data.tender["lots"] if any(str(lot["id"]) in _member_lots(data, m) for m in members)
    ]
    whole = len(answered) == len(data.tender["lots"])
    lots = [_lot(data, str(lot["id"])) for lot in answered]
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
        party = _party(data, m["structure"], m["structures"])
        member_lots = _member_lots(data, m)
        role = "candidat" if alone else m.get("role", "co-traitant")
        amount = round(float(m["revenue_eur"]), 2)
        out_members.append(
            Dc1Member(
                **party.model_dump(),
                role=role,
                lots=list(member_lots),
                amount_ht_eur=amount,
                share=amount / total if total else 0.0,
            )
        )
        w.subtitle(
            f"{'Candidat' if alone else f'Membre {n + 1}'} : {party.name}" + ("" if alone else f" ({role})")
        )
        _identity(w, party, f"members[{n}]")
        if not alone:
            prestations = "; ".join(
                f"lot {lot} : {_trade_name((_lot_data(data, lot) or {}).get('trade'))}, {fr_hours(h)}"
                for lot, (h, _) in member_lots.items()
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
    return Dc1(
        title="DC1 - Lettre de candidature"
        + ("" if alone else " et habilitation du mandataire par ses co-traitants"),
        buyer=buyer,
        tender_reference=str(data.tender["reference"]),
        tender_title=data.tender.get("title") or str(data.tender["reference"]),
        rubrics=w.rubrics,
        missing=w.missing,
        whole_market=whole,
        lots=[lot for lot in lots if lot],
        groupement_form=form,
        mandataire=mandataire,
        members=out_members,
        total_ht_eur=total,
    )


def _lot_data(data: FormInput, lot_id: str) -> dict[str, Any] | None:
    return next((lot for lot in data.tender["lots"] if str(lot["id"]) == lot_id), None)


def _reserved(kind: str | None) -> list[str]:
    if kind in SIAE_KINDS:
        return ["siae"]
    if kind in HANDICAP_KINDS:
        return ["handicap"]
    return []


def dc2(data: FormInput, member: dict[str, Any]) -> Dc2:
    w = Writer()
    party = _party(data, member["structure"], member.get("structures"))
    s = data.structures.get(member["structure"], {})
    buyer = _buyer(w, data)
    _object(w, data)
    w.rubric("C", "Identification du candidat individuel ou du membre du groupement")
    _identity(w, party, "member")
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
    capacities = "; ".join(
        f"{_trade_name(t)} : {fr_hours(h)}" for t, h in (s.get("capacities") or {}).items()
    )
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
        title=f"DC2 - Déclaration du candidat : {party.name}",
        buyer=buyer,
        tender_reference=str(data.tender["reference"]),
        tender_title=data.tender.get("title") or str(data.tender["reference"]),
        rubrics=w.rubrics,
        missing=w.missing,
        member=party,
        turnover=[known, None, None],
        reserved=reserved,
    )


def dc2s(data: FormInput) -> list[Dc2]:
    return [dc2(data, m) for m in _members(data)]


def _months(start: Any, end: Any) -> int | None:
    if not start or not end:
        return None
    a, b = (d if isinstance(d, date) else date.fromisoformat(str(d)[:10]) for d in (start, end))
    return max(1, (b.year - a.year) * 12 + b.month - a.month + (1 if b.day >= a.day else 0))


def _member_of(data: FormInput, structure: str) -> dict[str, Any] | None:
    return next((m for m in _members(data) if structure in m["structures"]), None)


def dc4(data: FormInput, number: int, line: dict[str, Any]) -> Dc4:
    w = Writer()
    buyer = _buyer(w, data)
    _object(w, data, "B", "Objet du marché public")
    lot = _lot(data, line.get("lot"))
    if lot is not None:
        w.line("Lot", f"{lot.id} ({lot.title})", None)
    w.rubric("C", "Objet de la déclaration du sous-traitant")
    w.check("la présente déclaration est annexée à l'offre du soumissionnaire", True)
    w.check("acte spécial en cours d'exécution du marché public")
    w.check("acte spécial modificatif")
    holder_member = _member_of(data, line["from"])
    holder = _party(data, line["from"], holder_member["structures"] if holder_member else None)
    form = form_of(data)
    members = _members(data)
    mandataire = (
        _party(data, members[0]["structure"], members[0]["structures"]) if form != "individuel" else None
    )
    w.rubric("D", "Identification du soumissionnaire ou du titulaire du marché public")
    _identity(w, holder, "holder")
    if mandataire is not None:
        w.line("Membre du groupement", f"oui, {FORM_WORDS[form]}", None)
        w.line("Mandataire du groupement", mandataire.name, None)
    w.rubric("E", "Identification du sous-traitant")
    sub = _party(data, line["to"])
    _identity(w, sub, "subcontractor")
    registry = (
        "RNA (répertoire national des associations)"
        if sub.legal_form == "association"
        else "RCS ou répertoire des métiers"
    )
    w.line(f"Numéro d'inscription au {registry}", None, "subcontractor.registration")
    w.line("Le sous-traitant est une PME (recommandation 2003/361/CE)", None, "subcontractor.sme")
    w.rubric("F", "Nature et prix des prestations sous-traitées")
    trade = line.get("trade") or ((_lot_data(data, line.get("lot") or "") or {}).get("trade"))
    hours = float(line["hours"])
    nature = f"{_trade_name(trade)}" + (f", lot {lot.id}" if lot else "") + f" : {fr_hours(hours)}"
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
    months = _months(data.tender.get("execution_start"), data.tender.get("execution_end"))
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
        title=f"DC4 - Déclaration de sous-traitance n° {number}",
        buyer=buyer,
        tender_reference=str(data.tender["reference"]),
        tender_title=data.tender.get("title") or str(data.tender["reference"]),
        rubrics=w.rubrics,
        missing=w.missing,
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


def annex(data: FormInput) -> Annex:
    """Each member's part per lot; the parts of a member add up to its revenue in the plan, to the cent."""
    w = Writer()
    form = form_of(data)
    buyer = _buyer(w, data)
    _object(w, data)
    members = _members(data)
    parties = [_party(data, m["structure"], m["structures"]) for m in members]
    lines: list[AnnexLine] = []
    totals: dict[str, float] = {}
    for m in members:
        revenue = round(float(m["revenue_eur"]), 2)
        by_lot = _member_lots(data, m)
        lot_ids = list(by_lot) or ["-"]
        amounts = split_cents(revenue, [by_lot[lot][1] for lot in lot_ids] if by_lot else [1.0])
        for lot_id, amount in zip(lot_ids, amounts, strict=True):
            trade = (_lot_data(data, lot_id) or {}).get("trade")
            lines.append(
                AnnexLine(
                    member=m["structure"],
                    lot=lot_id,
                    prestations=_trade_name(trade),
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
    rows += [[f"Total {names[s]}", "", "", "", fr_money(v)] for s, v in totals.items()]
    rows.append(["Total", "", "", "", fr_money(total)])
    w.table(["Membre", "Lot", "Prestations", "Heures", "Montant HT"], rows)
    w.rubric("D", "Signature")
    for n, p in enumerate(parties):
        w.line(f"{p.name} : lieu, date et signature", None, f"members[{n}].signature")
    return Annex(
        title="Annexe à l'acte d'engagement (ATTRI1) : répartition des prestations",
        buyer=buyer,
        tender_reference=str(data.tender["reference"]),
        tender_title=data.tender.get("title") or str(data.tender["reference"]),
        rubrics=w.rubrics,
        missing=w.missing,
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
    for m in _members(data):
        mine = [s for s in staffing if s["to"] in m["structures"]]
        if not mine:
            continue
        w = Writer()
        buyer = _buyer(w, data)
        _object(w, data)
        member = _party(data, m["structure"], m["structures"])
        w.rubric("C", "Membre utilisateur")
        _identity(w, member, "member")
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
                    intermediary=_party(data, s["from"]),
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
                    _trade_name(x.trade),
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
                title=f"Mise à disposition de personnel : {member.name}",
                buyer=buyer,
                tender_reference=str(data.tender["reference"]),
                tender_title=data.tender.get("title") or str(data.tender["reference"]),
                rubrics=w.rubrics,
                missing=w.missing,
                member=member,
                lines=lines,
                total_ht_eur=total_ht,
                total_ttc_eur=total_ttc,
            )
        )
    return out


__all__ = [
    "TO_COMPLETE",
    "Check",
    "FormInput",
    "Rubric",
    "Table",
    "annex",
    "dc1",
    "dc2s",
    "dc4s",
    "fr_date",
    "mad_summaries",
]
