"""French words and number formats for what a coordinator reads: `1 234,5`, `12,3 %`, `18 000 €`.

Numbers use a plain space between thousands and a decimal comma; the report's number columns do not
wrap, so a figure is never cut at its space.
"""

from __future__ import annotations

from datetime import date

from app.core.french import MONTHS as MONTHS
from app.core.french import number as number

# The form of the groupement, the members' choice (CCP R2142-20, R2142-24); one member alone is a
# candidat individuel.
FORMS = {
    "conjoint": "groupement conjoint (chaque membre répond de sa part)",
    "conjoint_mandataire_solidaire": "groupement conjoint, mandataire solidaire des autres membres",
    "solidaire": "groupement solidaire (chaque membre répond du tout)",
    "individuel": "candidat individuel",
}
SHORT_FORMS = {
    "conjoint": "conjoint",
    "conjoint_mandataire_solidaire": "conjoint, mand. solidaire",
    "solidaire": "solidaire",
    "individuel": "individuel",
}
TENDER_KINDS = {
    "works": "travaux",
    "services": "services",
    "supplies": "fournitures",
    "staffing": "mise à disposition de personnel",
}
RESERVED = {
    "siae": "réservé aux SIAE (L2113-13)",
    "handicap": "réservé aux EA et ESAT (L2113-12)",
    "both": "réservé aux SIAE, EA et ESAT (L2113-12 et L2113-13)",
}
ROLES = {"mandataire": "mandataire", "co-traitant": "co-traitant"}


def hours(value: float) -> str:
    return f"{number(value)} h"


def eur(value: float) -> str:
    return f"{number(value)} €"


def pct(value: float | None, decimals: int = 1) -> str:
    """`0.123` -> `12,3 %`; `-` when unknown."""
    return "-" if value is None else f"{number(100 * value, decimals)} %"


def km(value: float) -> str:
    return f"{number(value, 1)} km"


def day(value: date) -> str:
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def plural(count: int, singular: str, several: str | None = None) -> str:
    return f"{number(count)} {singular if count == 1 else (several or singular + 's')}"


def of(name: str) -> str:
    """`de` before a name, elided before a vowel: `d'ASSOC ENERGIE`, `de Régie Est`."""
    return f"d'{name}" if name[:1].upper() in "AEIOUYÉÈÊÀÂÎÔÛ" else f"de {name}"
