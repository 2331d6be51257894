"""What the candidature forms share: their input (the plan's grouping, the tender, the structures),
the members by legal entity, identities and the rubrics every form opens with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.integrations.forms_build import Writer
from app.integrations.forms_models import (
    Buyer,
    FormLot,
    GroupementForm,
    Party,
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


def legal_members(data: FormInput) -> list[dict[str, Any]]:
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


def party_of(data: FormInput, structure: str, structures: list[str] | None = None) -> Party:
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


def identity_lines(w: Writer, party: Party, path: str) -> None:
    w.line("Dénomination sociale", party.name, f"{path}.name")
    w.line("SIREN", party.siren, f"{path}.siren")
    w.line("SIRET", party.siret, f"{path}.siret")
    w.line("Forme juridique", LEGAL_FORMS.get(party.legal_form or "", party.legal_form), f"{path}.legal_form")
    w.line("Adresse", party.address, f"{path}.address")
    w.line("Courriel", party.email, f"{path}.email")
    w.line("Téléphone", party.phone, f"{path}.phone")


def buyer_rubric(w: Writer, data: FormInput) -> Buyer:
    buyer = Buyer(name=data.tender.get("buyer"), siret=data.tender.get("buyer_siret"))
    w.rubric("A", "Identification de l'acheteur")
    w.line("Acheteur", buyer.name, "buyer.name")
    w.line("SIRET de l'acheteur", buyer.siret, "buyer.siret")
    return buyer


def tender_title(data: FormInput) -> str:
    """The tender's title, or its reference when it has none."""
    return str(data.tender.get("title") or data.tender["reference"])


def object_rubric(
    w: Writer, data: FormInput, letter: str = "B", title: str = "Objet de la consultation"
) -> None:
    w.rubric(letter, title)
    w.line("Objet", tender_title(data), "tender.title")
    w.line("Référence", str(data.tender["reference"]), "tender.reference")


def form_head(data: FormInput, w: Writer, title: str, buyer: Buyer) -> dict[str, Any]:
    """The fields every form has (`FormBase`): its title, the buyer, the tender, and the rubrics `w`
    wrote with the facts left to complete."""
    return {
        "title": title,
        "buyer": buyer,
        "tender_reference": str(data.tender["reference"]),
        "tender_title": tender_title(data),
        "rubrics": w.rubrics,
        "missing": w.missing,
    }


def _site_lots(data: FormInput) -> dict[str, dict[str, Any]]:
    return {str(site["id"]): lot for lot in data.tender["lots"] for site in lot["sites"]}


def form_lot(data: FormInput, lot_id: str | None) -> FormLot | None:
    for lot in data.tender["lots"]:
        if str(lot["id"]) == lot_id:
            return FormLot(
                id=str(lot["id"]),
                title=lot.get("title") or str(lot["id"]),
                kind=lot.get("kind") or data.tender.get("kind"),
            )
    return None


def trade_name(trade: str | None) -> str:
    return sectors().get(trade or "", (trade or "prestations du lot", ""))[0]


def member_lots(data: FormInput, member: dict[str, Any]) -> dict[str, tuple[float, float]]:
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


def lot_data(data: FormInput, lot_id: str) -> dict[str, Any] | None:
    return next((lot for lot in data.tender["lots"] if str(lot["id"]) == lot_id), None)


def months_between(start: Any, end: Any) -> int | None:
    if not start or not end:
        return None
    a, b = (d if isinstance(d, date) else date.fromisoformat(str(d)[:10]) for d in (start, end))
    return max(1, (b.year - a.year) * 12 + b.month - a.month + (1 if b.day >= a.day else 0))


def member_of(data: FormInput, structure: str) -> dict[str, Any] | None:
    return next((m for m in legal_members(data) if structure in m["structures"]), None)
