"""Reading a directory of structures from CSV: the project's own columns, the ASP "liste des SIAE"
columns, and those of the Marché de l'inclusion's export (siret, name, brand, kind, naf, legal_form...).

A legal form is read as the planner's `association`, `company` or `public`, or as the French form a
directory writes (`SARL`, `SAS`, `SCOP`... are companies; `Association loi 1901` an association; a
commune, an EPCI or a CCAS a public body). A rate is read as a share (`0,6`) or a percentage (`60 %`).

The text is UTF-8; the separator (`,` or `;`) is sniffed from the header line. Each data row becomes
the fields of a structure (the names of `StructureCreate`), or the reasons it cannot.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core.french import read_number
from app.integrations.communes import find_commune

# Each structure field and the headers that carry it, normalised (lower case, ASCII, `_` for spaces).
ALIASES: dict[str, tuple[str, ...]] = {
    "siret": ("siret", "numero_siret"),
    "name": ("name", "denomination_sociale", "raison_sociale", "nom", "denomination"),
    "kind": ("kind", "mesure", "type_siae", "type"),
    "labels": ("labels",),
    "address": ("address", "adresse", "adresse_postale"),
    "postcode": ("postcode", "code_postal", "cp"),
    "commune_insee": ("commune_insee", "code_insee", "code_commune", "insee"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "longitude"),
    "territory": ("territory", "ept", "territoire"),
    "legal_form": ("legal_form", "forme_juridique"),
    "annual_turnover_eur": ("annual_turnover_eur", "chiffre_affaires", "ca"),
    "insertion_fte": ("insertion_fte", "etp_insertion"),
    "insertion_rate": ("insertion_rate", "taux_insertion", "taux_d_insertion"),
    "annual_charges_eur": ("annual_charges_eur", "charges_annuelles"),
    "commercial_revenue_eur": ("commercial_revenue_eur", "recettes_commerciales"),
    "aci_cap_rate": ("aci_cap_rate", "plafond_recettes_aci"),
    "mad_rate_eur_per_hour": ("mad_rate_eur_per_hour", "tarif_horaire_mad"),
    "mad_staff": ("mad_staff", "salaries_mad"),
    "can_lead": ("can_lead",),
    "max_distance_km": ("max_distance_km",),
    "capacities": ("capacities",),
}
# Read to place a structure, not stored as such.
COMMUNE_HEADERS = ("city", "commune", "ville", "libelle_commune")
ADDRESS_PARTS = ("numero_voie", "num_voie", "type_voie", "libelle_voie", "nom_voie")
FLOAT_FIELDS = {
    "lat",
    "lon",
    "annual_turnover_eur",
    "insertion_fte",
    "max_distance_km",
    "annual_charges_eur",
    "commercial_revenue_eur",
    "mad_rate_eur_per_hour",
}
RATE_FIELDS = {"insertion_rate", "aci_cap_rate"}
# French legal forms as directories write them (INSEE's catégories juridiques, in words), normalised.
COMPANY_FORMS = frozenset(
    {"sarl", "sas", "sasu", "sa", "eurl", "scop", "scic", "snc", "sca", "societe", "entreprise", "company"}
)
ASSOCIATION_FORMS = frozenset({"association", "asso", "assoc"})
PUBLIC_FORMS = frozenset(
    {"public", "commune", "epci", "ccas", "cias", "collectivite", "etablissement_public", "departement"}
)
TRUE = {"true", "1", "yes", "oui", "vrai", "x"}
FALSE = {"false", "0", "no", "non", "faux", ""}
RQ_NAME = re.compile(r"r[ée]gie\s+de\s+quartier", re.IGNORECASE)


class CsvFormatError(ValueError):
    """The file as a whole cannot be read (encoding, header); `field` names where."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class TooManyRows(ValueError):
    """The file has more data rows than one import takes (`MAX_CSV_ROWS`): refused whole."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} rows: one import takes at most {limit} (MAX_CSV_ROWS)")
        self.limit = limit


@dataclass
class CsvRow:
    """One data row: the structure fields it gives, the fields a creation adds, or its errors."""

    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class CsvDirectory:
    delimiter: str
    columns: dict[str, str]  # structure field -> header it was read from
    ignored: list[str]
    rows: list[CsvRow]


def _norm(header: str) -> str:
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFormatError(
            "body", f"not UTF-8 (byte {exc.start}): save the file as CSV UTF-8 and send it again"
        ) from None


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def kind_of(value: str) -> str:
    """`ACI_DC`, `aci`, `EI_MP` -> the structure kind; the ASP suffixes name the legal regime."""
    return value.strip().upper().split("_")[0]


def _number(value: str) -> float:
    # French spreadsheets write a decimal comma and group thousands; a cell left empty is no number
    read = read_number(value)
    if read is None:
        raise ValueError("not a number: empty")
    return read


def _capacities(value: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in value.split("|"))):
        trade, sep, hours = part.partition(":")
        if not sep:
            raise ValueError(f"{part!r}: expected trade:hours pairs separated by |")
        out[trade.strip()] = _number(hours)
    return out


def _rate(value: str) -> float:
    text = value.strip()
    if text.endswith("%"):
        return _number(text[:-1]) / 100
    return _number(text)


def legal_form_of(value: str) -> str:
    """`SARL`, `Association loi 1901`, `Commune`... -> company, association or public."""
    words = _norm(value).split("_")
    joined = _norm(value)
    if words[0] in ASSOCIATION_FORMS:
        return "association"
    if words[0] in COMPANY_FORMS or joined.startswith("societe"):
        return "company"
    if words[0] in PUBLIC_FORMS or joined.startswith("etablissement_public"):
        return "public"
    raise ValueError(
        f"unknown legal form {value.strip()!r}: expected association, company or public "
        "(or a French form such as SARL, SAS, SCOP, Association, Commune)"
    )


def _convert(name: str, value: str) -> Any:
    if name in FLOAT_FIELDS:
        return _number(value)
    if name in RATE_FIELDS:
        return _rate(value)
    if name == "mad_staff":
        return int(_number(value)) if _number(value).is_integer() else _number(value)
    if name == "legal_form":
        return legal_form_of(value)
    if name == "can_lead":
        if value.strip().lower() in TRUE:
            return True
        if value.strip().lower() in FALSE:
            return False
        raise ValueError(f"{value!r} is not a yes/no value")
    if name == "labels":
        return [label.strip() for label in value.split("|") if label.strip()]
    if name == "capacities":
        return _capacities(value)
    if name == "kind":
        return kind_of(value)
    if name == "siret":
        return re.sub(r"[\s.]", "", value)
    return value.strip()


def _row(line: int, record: dict[str, str], columns: dict[str, str], headers: dict[str, str]) -> CsvRow:
    row = CsvRow(line)
    for name, header in columns.items():
        raw = (record.get(header) or "").strip()
        if raw == "":
            continue
        try:
            row.fields[name] = _convert(name, raw)
        except ValueError as exc:
            row.errors.append((name, str(exc)))
    if "address" not in row.fields:
        parts = [(record.get(headers[p]) or "").strip() for p in ADDRESS_PARTS if p in headers]
        if any(parts):
            row.fields["address"] = " ".join(p for p in parts if p)
    city = next(((record.get(headers[h]) or "").strip() for h in COMMUNE_HEADERS if h in headers), "")
    commune = find_commune(
        insee=row.fields.get("commune_insee"), postcode=row.fields.get("postcode"), name=city or None
    )
    if commune is not None:
        row.fields.setdefault("commune_insee", commune.insee)
        row.fields.setdefault("territory", commune.territory)
        if "lat" not in row.fields and "lon" not in row.fields:
            # A new structure without coordinates is placed at its commune's centre; a known one keeps
            # the position it has.
            row.defaults["lat"], row.defaults["lon"] = commune.lat, commune.lon
    if "labels" not in columns and RQ_NAME.search(str(row.fields.get("name", ""))):
        row.defaults["labels"] = ["regie-de-quartier"]
    for required in ("siret", "kind"):
        if required not in row.fields and all(name != required for name, _ in row.errors):
            row.errors.append((required, "required: identifies the structure with the other of siret/kind"))
    return row


def parse_directory(
    text: str, *, max_rows: int | None = None, check: Callable[[], None] = lambda: None
) -> CsvDirectory:
    """Every data row of the file, read into structure fields; a bad row never stops the others.

    Raises `TooManyRows` as soon as the file has more than `max_rows` data rows; calls `check` every
    thousand rows (it raises to stop the reading)."""
    if not text.strip():
        raise CsvFormatError("body", "empty: expected a header line and one row per structure")
    delimiter = _delimiter(text)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    raw_headers = reader.fieldnames or []
    headers = {_norm(h): h for h in raw_headers}
    columns: dict[str, str] = {}
    for name, aliases in ALIASES.items():
        header = next((headers[a] for a in aliases if a in headers), None)
        if header is not None:
            columns[name] = header
    for required in ("siret", "kind"):
        if required not in columns:
            raise CsvFormatError(
                "header",
                f"no {required} column: expected the structure fields, the ASP columns (MESURE, SIRET, "
                "DENOMINATION_SOCIALE, ...) or siret,name,kind,...",
            )
    used = set(columns.values()) | {headers[h] for h in (*COMMUNE_HEADERS, *ADDRESS_PARTS) if h in headers}
    ignored = [h for h in raw_headers if h not in used]
    rows: list[CsvRow] = []
    line = reader.line_num + 1
    try:
        for record in reader:
            if max_rows is not None and len(rows) >= max_rows:
                raise TooManyRows(max_rows)
            if len(rows) % 1000 == 0:
                check()
            rows.append(_row(line, record, columns, headers))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise CsvFormatError(f"line {line}", f"unreadable CSV: {exc}") from None
    return CsvDirectory(delimiter, columns, ignored, rows)
