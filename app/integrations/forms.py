"""Drafts of the standard forms of a grouping's answer: DC1 (candidature letter naming the members of
the GME and its mandataire) and DC4 (one declaration per subcontracting line).

They are drafts: the coordinator checks them and the members sign the official forms.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.integrations.parties import SIAE_KINDS, PartyInfo, answered_lots, assigned_values, lots_of
from solver.plan import Grouping
from solver.reference import sectors

VAT_RATE = 0.20
# Code de la commande publique, R2193-10: a subcontractor is paid directly by the buyer from this amount.
DIRECT_PAYMENT_THRESHOLD_TTC_EUR = 600.0

GroupingForm = Literal["conjoint", "solidaire"]


class FormLot(BaseModel):
    id: str
    title: str


class FormParty(BaseModel):
    structure: str = Field(description="the structure's id")
    name: str
    siret: str | None = None
    kind: str | None = None
    address: str | None = None


class Dc1Member(FormParty):
    role: Literal["mandataire", "co-traitant"]
    lots: list[str] = Field(description="ids of the lots in which the member carries out sites")
    hours: float
    amount_ht_eur: float = Field(
        description="value of the member's sites in euros excluding VAT, its subcontracted part included"
    )
    share: float = Field(description="the member's part of the grouping's total, 0 to 1")


class Dc1(BaseModel):
    """DC1 draft: lettre de candidature et habilitation du mandataire par ses co-traitants."""

    form: Literal["DC1"] = "DC1"
    buyer: str | None
    tender_reference: str
    tender_title: str
    lots: list[FormLot] = Field(description="the lots the grouping answers")
    grouping_form: GroupingForm = Field(description="conjoint, or solidaire (a GMES of SIAE alone)")
    mandataire: Dc1Member
    members: list[Dc1Member] = Field(description="every member, the mandataire first")
    total_ht_eur: float


class Dc4(BaseModel):
    """DC4 draft: déclaration de sous-traitance, for one subcontracting line."""

    form: Literal["DC4"] = "DC4"
    number: int = Field(description="position of the line among the grouping's subcontracts, from 1")
    buyer: str | None
    tender_reference: str
    tender_title: str
    lots: list[FormLot] = Field(description="the lots of the holder's sites")
    holder: FormParty = Field(description="the co-traitant who subcontracts (titulaire)")
    subcontractor: FormParty
    nature: str = Field(description="nature of the subcontracted work")
    hours: float
    amount_ht_eur: float = Field(description="maximum amount excluding VAT")
    vat_rate: float = VAT_RATE
    vat_eur: float
    amount_ttc_eur: float
    direct_payment: bool = Field(description="paid directly by the buyer (from 600 EUR TTC)")


def _party(structure: str, parties: dict[str, PartyInfo]) -> FormParty:
    info = parties.get(structure) or PartyInfo(structure, structure)
    place = " ".join(p for p in (info.postcode, info.commune) if p)
    address = ", ".join(p for p in (info.address, place) if p) or None
    return FormParty(structure=structure, name=info.name, siret=info.siret, kind=info.kind, address=address)


def _lots(ids: list[str], tender: dict[str, Any]) -> list[FormLot]:
    titles = {str(lot["id"]): lot.get("title") or str(lot["id"]) for lot in tender["lots"]}
    return [FormLot(id=i, title=titles.get(i, i)) for i in ids]


def default_form(grouping: Grouping, parties: dict[str, PartyInfo]) -> GroupingForm:
    kinds = {(parties.get(m.structure) or PartyInfo(m.structure, "")).kind for m in grouping.members}
    return "solidaire" if kinds and kinds <= {k.value for k in SIAE_KINDS} else "conjoint"


def dc1(
    grouping: Grouping,
    tender: dict[str, Any],
    parties: dict[str, PartyInfo],
    grouping_form: GroupingForm | None = None,
) -> Dc1:
    lots = lots_of(grouping, tender)
    # A co-traitant answers to the buyer for its whole part, the part it subcontracts included.
    amounts = assigned_values(grouping, tender)
    total = sum(amounts.values())
    ordered = sorted(grouping.members, key=lambda m: m.structure != grouping.mandataire)
    members = [
        Dc1Member(
            **_party(m.structure, parties).model_dump(),
            role="mandataire" if m.structure == grouping.mandataire else "co-traitant",
            lots=lots.get(m.structure, []),
            hours=m.hours,
            amount_ht_eur=round(amounts[m.structure], 2),
            share=amounts[m.structure] / total if total else 0.0,
        )
        for m in ordered
    ]
    return Dc1(
        buyer=tender.get("buyer"),
        tender_reference=str(tender["reference"]),
        tender_title=tender.get("title") or str(tender["reference"]),
        lots=_lots(answered_lots(grouping, tender), tender),
        grouping_form=grouping_form or default_form(grouping, parties),
        mandataire=members[0],
        members=members,
        total_ht_eur=round(total, 2),
    )


def _nature(holder: str, grouping: Grouping, tender: dict[str, Any], hours: float) -> str:
    trade_of = {str(site["id"]): lot["trade"] for lot in tender["lots"] for site in lot["sites"]}
    trades = list(dict.fromkeys(trade_of[a.site] for a in grouping.assignments if a.structure == holder))
    names = ", ".join(sectors().get(t, (t, ""))[0] for t in trades) or "travaux du lot"
    return f"Mise à disposition de personnel pour : {names} ({hours:g} heures)"


def dc4s(grouping: Grouping, tender: dict[str, Any], parties: dict[str, PartyInfo]) -> list[Dc4]:
    lots = lots_of(grouping, tender)
    out = []
    for number, line in enumerate(grouping.subcontracts, start=1):
        ht = round(line.value_eur, 2)
        vat = round(ht * VAT_RATE, 2)
        ttc = round(ht + vat, 2)
        out.append(
            Dc4(
                number=number,
                buyer=tender.get("buyer"),
                tender_reference=str(tender["reference"]),
                tender_title=tender.get("title") or str(tender["reference"]),
                lots=_lots(lots.get(line.from_, []), tender),
                holder=_party(line.from_, parties),
                subcontractor=_party(line.to, parties),
                nature=_nature(line.from_, grouping, tender, line.hours),
                hours=line.hours,
                amount_ht_eur=ht,
                vat_eur=vat,
                amount_ttc_eur=ttc,
                direct_payment=ttc >= DIRECT_PAYMENT_THRESHOLD_TTC_EUR,
            )
        )
    return out
