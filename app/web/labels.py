"""The words a coordinator reads for the API's values, and field errors in French."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from app.web.format import NBSP, Unread, date_fr, nombre
from solver.periods import school_holidays
from solver.reference import sectors

KINDS = {
    "EI": "Entreprise d'insertion (EI)",
    "ACI": "Atelier et chantier d'insertion (ACI)",
    "AI": "Association intermédiaire (AI)",
    "ETTI": "Entreprise de travail temporaire d'insertion (ETTI)",
    "EITI": "Entreprise d'insertion par le travail indépendant (EITI)",
    "GEIQ": "Groupement d'employeurs pour l'insertion et la qualification (GEIQ)",
    "EA": "Entreprise adaptée (EA)",
    "ESAT": "Établissement et service d'aide par le travail (ESAT)",
    "EATT": "Entreprise adaptée de travail temporaire (EATT)",
    "SEP": "Structure d'emploi protégé (SEP)",
}
TENDER_KINDS = {
    "works": "travaux",
    "services": "services",
    "supplies": "fournitures",
    "staffing": "mise à disposition de personnel",
}
PLAN_STATUS = {
    "queued": "en attente",
    "running": "en cours de calcul",
    "done": "terminé",
    "failed": "échoué",
    "cancelled": "annulé",
}
ROLES = {"coordinator": "coordination", "member": "membre", "viewer": "lecture"}
MEMBER_ROLES = {"mandataire": "mandataire", "co-traitant": "co-traitant"}
FORMS = {
    "conjoint": "conjoint",
    "conjoint_mandataire_solidaire": "conjoint, mandataire solidaire",
    "solidaire": "solidaire",
    "individuel": "candidature individuelle",
}


def trade(slug: str | None) -> str:
    if not slug:
        return "–"
    found = sectors().get(slug)
    return found[0] if found else slug


FIELDS = {
    "siret": "SIRET",
    "name": "nom",
    "kind": "type",
    "labels": "labels",
    "address": "adresse",
    "postcode": "code postal",
    "commune_insee": "code INSEE de la commune",
    "lat": "latitude",
    "lon": "longitude",
    "territory": "territoire",
    "annual_turnover_eur": "chiffre d'affaires annuel",
    "insertion_fte": "postes d'insertion (ETP)",
    "can_lead": "peut être mandataire",
    "max_distance_km": "distance maximale",
    "capacities": "capacités",
    "reference": "référence",
    "title": "intitulé",
    "buyer": "acheteur",
    "cpv_codes": "codes CPV",
    "cpv": "code CPV",
    "reserved": "réservé",
    "insertion_hours": "heures d'insertion",
    "deadline": "date limite",
    "execution_start": "début d'exécution",
    "execution_end": "fin d'exécution",
    "estimated_value_eur": "montant estimé",
    "lots": "lots",
    "sites": "sites",
    "trade": "métier",
    "hours": "heures",
    "value_eur": "montant",
    "id": "identifiant",
    "windows": "périodes de travail",
    "period": "vacances scolaires",
    "start": "début",
    "end": "fin",
    "availability": "heures par période",
    "per": "par",
    "overrides": "exceptions",
    # The planning options, as the form `planifier` names them.
    "w_distance": "proximité des sites",
    "w_balance": "équilibre entre les membres",
    "w_members": "peu de membres",
    "w_staffing": "travail confié aux AI et ETTI",
    "max_members": "nombre maximal de membres",
    "max_subcontracting_share": "part sous-traitable",
    "alternatives": "groupements à comparer",
    "time_limit_s": "temps de calcul",
}

_TYPES = {
    "missing": "champ obligatoire",
    "string_too_short": "ne peut pas être vide",
    "too_short": "ne peut pas être vide",
    "string_too_long": "trop long (au plus {max_length} caractères)",
    "too_long": "trop d'éléments (au plus {max_length})",
    "string_pattern_mismatch": "format invalide",
    "float_parsing": "doit être un nombre",
    "float_type": "doit être un nombre",
    "int_parsing": "doit être un nombre entier",
    "int_type": "doit être un nombre entier",
    "int_from_float": "doit être un nombre entier",
    "bool_parsing": "doit être oui ou non",
    "finite_number": "doit être un nombre fini",
    "greater_than": "doit être supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than": "doit être inférieur à {lt}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "enum": "valeur non reconnue",
    "literal_error": "valeur non reconnue",
    "date_parsing": "date invalide (jj/mm/aaaa)",
    "date_from_datetime_parsing": "date invalide (jj/mm/aaaa)",
    "datetime_parsing": "date et heure invalides",
    "datetime_from_date_parsing": "date et heure invalides",
    "timezone_aware": "date et heure invalides",
    "extra_forbidden": "champ inconnu",
    "json_invalid": "fichier JSON illisible",
}

# Reasons the services and validators give in English, by their start.
_REASONS = (
    ("invalid checksum", "clé de contrôle invalide : vérifiez les 14 chiffres du SIRET"),
    ("invalid length", "longueur invalide : un SIRET a 14 chiffres"),
    ("invalid format", "format invalide : un SIRET a 14 chiffres"),
    ("unknown trade", "métier inconnu : choisissez un secteur du Marché de l'inclusion"),
    ("unknown cpv", "code CPV inconnu (CPV 2008, par exemple 45442110-1)"),
    ("duplicate lot id", "deux lots ont le même identifiant"),
    ("duplicate site id", "deux sites ont le même identifiant dans ce marché"),
    ("execution ends before it starts", "la fin d'exécution précède le début"),
    ("capacity for", "une capacité ne peut pas être négative"),
    ("must not contain nul", "caractère interdit"),
    ("window ends before it starts", "la fin précède le début"),
    (
        "unknown named period",
        "période inconnue : choisissez des vacances scolaires de la zone C dans la liste",
    ),
    (
        "beyond the school calendar",
        "au-delà du calendrier scolaire connu (zone C) : donnez les dates de début et de fin",
    ),
    ("give either `period`", "choisissez des vacances scolaires ou des dates, pas les deux"),
    ("a window needs", "donnez une date de début et une date de fin, ou choisissez des vacances scolaires"),
    ("has no working day", "aucun jour ouvré dans cette période (du lundi au vendredi, hors jours fériés)"),
    ("a second time", "ce métier a déjà une ligne pour la même durée (mois ou semaine)"),
    ("hours must be >= 0", "les heures ne peuvent pas être négatives"),
    ("must be >= 0 hours", "les heures ne peuvent pas être négatives"),
    ("is not a month", "un mois s'écrit 2026-08"),
    ("is not a week", "une semaine s'écrit 2026-W28 (semaine ISO)"),
    ("is not a period", "une période s'écrit 2026-08 (mois) ou 2026-W28 (semaine ISO)"),
    ("overlap (", "deux périodes se chevauchent : ne donnez chaque jour qu'une fois"),
)


# Pydantic's own English messages, as a row report carries them (reason only, no error type).
_MESSAGES = (
    (re.compile(r"field required", re.I), "champ obligatoire"),
    (re.compile(r"workload in hours is required", re.I), "heures de travail obligatoires (plus de 0)"),
    (re.compile(r"required: identifies", re.I), "obligatoire : avec le type, il identifie la structure"),
    (re.compile(r"yes/no", re.I), "doit être oui ou non"),
    (re.compile(r"could not convert|valid number", re.I), "doit être un nombre"),
    (re.compile(r"trade:hours", re.I), "attendu : métier:heures, séparés par |"),
    (re.compile(r"not UTF-8", re.I), "fichier non UTF-8 : enregistrez-le au format « CSV UTF-8 »"),
    (re.compile(r"^empty", re.I), "fichier vide : une ligne d'en-tête, puis une ligne par structure"),
    (re.compile(r"^no (\w+) column", re.I), "colonne {0} absente de la ligne d'en-tête"),
    (re.compile(r"unreadable CSV", re.I), "fichier CSV illisible"),
    (re.compile(r"valid number|valid float|valid integer", re.I), "doit être un nombre"),
    (re.compile(r"greater than or equal to (\S+)", re.I), "doit être supérieur ou égal à {0}"),
    (re.compile(r"greater than (\S+)", re.I), "doit être supérieur à {0}"),
    (re.compile(r"less than or equal to (\S+)", re.I), "doit être inférieur ou égal à {0}"),
    (re.compile(r"should match pattern", re.I), "format invalide"),
    (re.compile(r"at least 1 character", re.I), "ne peut pas être vide"),
    (re.compile(r"should be '|input should be (?:an? )?(?:valid )?enum", re.I), "valeur non reconnue"),
    (re.compile(r"same siret and kind as line (\d+)", re.I), "même SIRET et même type qu'à la ligne {0}"),
    (re.compile(r"same siret and kind", re.I), "une structure de même SIRET et de même type existe déjà"),
    (re.compile(r"unknown kind|not a kind", re.I), "type de structure inconnu"),
    (re.compile(r"no coordinates|lat.*lon|latitude", re.I), "coordonnées absentes : latitude et longitude"),
)


def reason_fr(error_type: str, message: str, ctx: dict[str, Any] | None = None) -> str:
    if error_type == "value_error" or error_type not in _TYPES:
        lowered = message.lower().removeprefix("value error, ")
        for start, french in _REASONS:
            if lowered.startswith(start) or start in lowered:
                return french
        for pattern, text in _MESSAGES:
            found = pattern.search(message)
            if found:
                return text.format(*found.groups())
        return "valeur invalide"
    text = _TYPES[error_type]
    values = {k: _number(v) for k, v in (ctx or {}).items()}
    try:
        return text.format(**values)
    except (KeyError, IndexError):
        return text


def _number(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return nombre(value, 0 if float(value).is_integer() else 2)
    return value


def field_errors_fr(errors: Sequence[Any]) -> dict[str, str]:
    """Pydantic's errors as {dotted field: French reason}, the first reason of each field."""
    out: dict[str, str] = {}
    for error in errors:
        loc = [str(part) for part in error["loc"] if part not in ("body", "query")]
        field = ".".join(loc) or "formulaire"
        reason = reason_fr(error["type"], str(error["msg"]), error.get("ctx"))
        if isinstance(error.get("input"), Unread):
            # Text typed in a number field that the forms' parser could not read (forms.number).
            reason += f", par exemple 1{NBSP}234,5 (lu : « {error['input']} »)"
        out.setdefault(field, reason)
    return out


def field_name(field: str) -> str:
    """`lots.0.sites.2.hours` -> `lot 1, site 3, heures`; `lots.0.windows.1.end` -> `lot 1, période de
    travail 2, fin`."""
    parts = field.split(".")
    words: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        numbered = part in ("lots", "sites", "windows", "availability")
        if numbered and i + 1 < len(parts) and parts[i + 1].isdigit():
            word = {"windows": "période de travail", "availability": "disponibilité"}.get(part, part[:-1])
            words.append(f"{word} {int(parts[i + 1]) + 1}")
            i += 2
            continue
        words.append(FIELDS.get(part, part))
        i += 1
    return ", ".join(words)


def school_periods() -> list[tuple[str, str]]:
    """The school holidays of zone C shipped with the planner, latest first: (slug, French words)."""
    found = sorted(school_holidays().values(), key=lambda p: p.start, reverse=True)
    return [(p.slug, f"{p.name} (du {date_fr(p.start)} au {date_fr(p.end)})") for p in found]


def window(value: Any) -> str:
    """A work window in words: `Vacances d'été 2026 (du 4 juillet 2026 au 30 août 2026)`, or its
    dates."""
    data = value if isinstance(value, dict) else value.model_dump(mode="json", exclude_none=True)
    slug = data.get("period")
    if slug:
        named = school_holidays().get(slug)
        if named is None:
            return str(slug)
        return f"{named.name} (du {date_fr(named.start)} au {date_fr(named.end)})"
    start, end = data.get("start"), data.get("end")
    return f"du {date_fr(_day(start))} au {date_fr(_day(end))}"


def _day(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value
