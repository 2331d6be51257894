"""The JSON of the candidature forms: DC1, DC2, DC4, the répartition annex (ATTRI1) and the mise à
disposition summary.

Each form carries its facts (identities, amounts) and its `rubrics`, in the order of the official form,
as the PDF prints them. A fact the service does not know is never invented: it reads "à compléter" and
its path is listed in `missing`. The JSON Schema of each form is published (`GET /forms/schemas/{form}`)
and shipped in `app/integrations/forms_schemas/`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

TO_COMPLETE = "à compléter"
GroupementForm = Literal["individuel", "conjoint", "conjoint_mandataire_solidaire", "solidaire"]


class Line(BaseModel):
    label: str
    value: str
    missing: bool = Field(default=False, description="true when the value is to be completed")


class Check(BaseModel):
    """A box of the form: checked when the plan decides it, left empty for the members to tick."""

    text: str
    checked: bool = False


class Table(BaseModel):
    headers: list[str]
    rows: list[list[str]]


class Rubric(BaseModel):
    letter: str = Field(description="the rubric's letter on the official form (A, B, ...)")
    title: str
    lines: list[Line] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class Party(BaseModel):
    """A legal entity as the forms name it (one member: the structures sharing its SIREN)."""

    structure: str = Field(description="the structure's id in the plan (the first, for a member)")
    structures: list[str] = Field(default_factory=list)
    name: str
    siren: str | None = None
    siret: str | None = None
    kind: str | None = Field(default=None, description="EI, ACI, AI, ETTI, EITI, EA, ESAT...")
    legal_form: str | None = None
    address: str | None = None
    email: str | None = None
    phone: str | None = None


class FormLot(BaseModel):
    id: str
    title: str
    kind: str | None = None


class Buyer(BaseModel):
    name: str | None
    siret: str | None


class FormBase(BaseModel):
    title: str
    buyer: Buyer
    tender_reference: str
    tender_title: str
    rubrics: list[Rubric]
    missing: list[str] = Field(description="paths of the facts to complete before signing")


class Dc1Member(Party):
    role: Literal["mandataire", "co-traitant", "candidat"]
    lots: list[str]
    amount_ht_eur: float = Field(description="the member's revenue in the plan, euros excluding VAT")
    share: float = Field(description="part of the candidature's total, 0 to 1")


class Dc1(FormBase):
    """DC1: lettre de candidature et habilitation du mandataire par ses co-traitants."""

    form: Literal["DC1"] = "DC1"
    whole_market: bool = Field(description="the candidature covers every lot of the consultation")
    lots: list[FormLot]
    groupement_form: GroupementForm
    mandataire: str | None = Field(description="structure id of the mandataire; null for one candidate")
    members: list[Dc1Member]
    total_ht_eur: float


class Dc2(FormBase):
    """DC2: déclaration du candidat individuel ou du membre du groupement."""

    form: Literal["DC2"] = "DC2"
    member: Party
    turnover: list[float | None] = Field(
        description="turnover of the last three financial years, the latest first (null: unknown)"
    )
    reserved: list[str] = Field(
        description="reserved markets the member may answer: siae (L2113-13), handicap (L2113-12)"
    )


class Dc4(FormBase):
    """DC4 (2024): déclaration de sous-traitance, for one subcontracting line of the plan."""

    form: Literal["DC4"] = "DC4"
    number: int = Field(description="position of the line among the plan's subcontracts, from 1")
    declaration: Literal["offre", "acte_special", "modificatif"] = "offre"
    lot: FormLot | None
    holder: Party
    mandataire: Party | None
    subcontractor: Party
    nature: str
    hours: float
    amount_ht_eur: float
    vat: Literal["taux", "autoliquidation"] = Field(
        description="autoliquidation: works subcontracted, VAT paid by the holder (CGI 283-2 nonies)"
    )
    vat_rate: float
    vat_eur: float
    amount_ttc_eur: float
    direct_payment: bool = Field(description="paid directly by the buyer from 600 € TTC (R2193-10)")
    duration_months: int | None


class AnnexLine(BaseModel):
    member: str = Field(description="the member's structure id")
    lot: str
    prestations: str
    hours: float
    amount_ht_eur: float


class Annex(FormBase):
    """Annexe de répartition (acte d'engagement ATTRI1): each member's part and amount."""

    form: Literal["ATTRI1-annexe"] = "ATTRI1-annexe"
    groupement_form: GroupementForm
    members: list[Party]
    lines: list[AnnexLine]
    totals: dict[str, float] = Field(description="member's structure id -> its amount, = its revenue")
    total_ht_eur: float


class MadLine(BaseModel):
    intermediary: Party
    lot: str | None
    trade: str | None
    hours: float
    rate_eur_per_hour: float
    amount_ht_eur: float
    vat_rate: float
    vat_eur: float
    amount_ttc_eur: float


class MadSummary(FormBase):
    """Mise à disposition: what an AI or ETTI puts at a member's disposal (a contract between them)."""

    form: Literal["MAD"] = "MAD"
    member: Party
    lines: list[MadLine]
    total_ht_eur: float
    total_ttc_eur: float


FORM_MODELS: dict[str, type[FormBase]] = {
    "dc1": Dc1,
    "dc2": Dc2,
    "dc4": Dc4,
    "annexe-repartition": Annex,
    "mise-a-disposition": MadSummary,
}
