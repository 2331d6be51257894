"""Derive the Seine-Saint-Denis demo data shipped in `app/demo/data/` from the public reference data.

Usage: python scripts/derive_demo_data.py [SOURCE_DIR] [--out app/demo/data]

SOURCE_DIR (default `scripts/data`, shipped with the repository) holds `seine-saint-denis/` with the
public files of the collèges, the SIAE and the communes, as published (sources and licences:
`scripts/data/README.md`).

The public facts (names, codes, places, coordinates) are copied as published. What is not public
(trades, capacities, turnover, insertion FTE and rate, maximum travel distance, ability to lead, an ACI's
charges and commercial revenue, an intermédiaire's hourly rate and staff, the legal form where the
published column is empty) and the needs of each collège are *illustrative*: derived deterministically
from the name and NAF code where they say something, otherwise drawn with a seed that is a stable hash
of the structure's SIRET and kind (or the collège's UAI). Same input, byte-identical output:
re-running this script is how the data is rebuilt.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO / "scripts" / "data"
DEFAULT_OUT = REPO / "app" / "demo" / "data"

# Usable hours per insertion FTE and year, once training and support time are set aside.
HOURS_PER_FTE = 1200

PAINT = "peinture-revetement-des-murs"
CLEAN = "nettoyage-de-locaux-16"
CATER = "restauration-collective"

# Kind-typical annual turnover (euros, drawn log-uniformly) and turnover per insertion FTE.
TURNOVER_RANGE = {
    "EI": (500_000, 3_000_000),
    "ACI": (300_000, 1_500_000),  # total resources, mostly subsidies
    "AI": (500_000, 2_000_000),
    "ETTI": (1_000_000, 4_000_000),
    "EA": (500_000, 2_000_000),
    "GEIQ": (500_000, 2_000_000),
}
TURNOVER_PER_FTE = {"EI": 60_000, "ACI": 45_000, "AI": 30_000, "ETTI": 35_000, "EA": 55_000, "GEIQ": 45_000}
DISTANCE_RANGE_KM = {"EI": (12, 25), "ACI": (8, 15), "AI": (10, 20), "ETTI": (20, 35), "EA": (15, 25)}
DISTANCE_RANGE_KM["GEIQ"] = DISTANCE_RANGE_KM["EA"]
# A mandataire must be able to carry the GME: a commercial kind (an ACI's revenue is capped by its
# funding agreement) with a turnover large enough to advance the costs of coordination.
LEAD_KINDS = frozenset({"EI", "AI", "ETTI", "EITI"})
LEAD_MIN_TURNOVER = 600_000

# Share of a structure's own hours worked by people in an insertion pathway (the clause sociale counts
# them), drawn in a range typical of the kind. An intermédiaire's staff at disposal are all in a pathway.
INSERTION_RATE_RANGE = {
    "EI": (0.55, 0.75),
    "ACI": (0.75, 0.9),
    "EITI": (0.6, 0.8),
    "AI": (1.0, 1.0),
    "ETTI": (1.0, 1.0),
    "GEIQ": (0.7, 0.85),
    "EA": (0.5, 0.7),
}
# An ACI's resources are mostly subsidies: its yearly charges are about its resources, and its commercial
# revenue a small share of them (Code du travail D5132-34 caps it below 30 %).
ACI_CHARGES_RANGE = (0.95, 1.05)
ACI_COMMERCIAL_SHARE_RANGE = (0.05, 0.2)
# Price of an hour of staff put at disposal (mise à disposition), and people put at disposal per FTE
# (most work part time).
MAD_RATE_RANGE = {"AI": (19.0, 23.0), "ETTI": (24.0, 28.0)}
MAD_STAFF_PER_FTE = {"AI": 2.5, "ETTI": 1.5}
# The legal form: the published column where it says one, else the name, else the usual form of the kind.
COMPANY_FORMS = ("SARL", "SAS", "SASU", "SA", "EURL", "SCOP", "SCIC", "COOPERATIVE")
PUBLIC_FORMS = ("COMMUNE", "CCAS", "EPCI", "ETABLISSEMENT PUBLIC")
ASSOCIATION_WORDS = ("ASSOC", "ASSOCIATION", "REGIE")
KIND_LEGAL_FORM = {
    "EI": "company",
    "ETTI": "company",
    "EITI": "company",
    "ACI": "association",
    "AI": "association",
    "GEIQ": "association",
    "EA": "association",
}

# The intermédiaires put staff at others' disposal: their trades are those of the staff they place.
INTERMEDIARY_TRADES = {
    "AI": ((CLEAN, 0.45), (CATER, 0.3), ("aide-menagere", 0.2), (PAINT, 0.05)),
    "ETTI": ((CLEAN, 0.35), (CATER, 0.25), ("manutention", 0.2), ("logistique-conditionnement", 0.2)),
}

# Trades suggested by the name (or brand), first match wins; matched on upper-case text without accents.
NAME_RULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (r"\bREGIE\b", "régie de quartier", (PAINT, CLEAN, "entretien-et-maintenance-de-lespace-urbain-17")),
    (r"\bBAT\b|BATIMENT|\bDECO\b|PEINTURE", "building", (PAINT, "tous-travaux-et-petits-bricolages-42")),
    (r"\bLE RELAIS\b", "textile collection", ("collecte-des-dechets-textiles", "recyclage-textiles")),
    (
        r"COLLECTERIE|RESSOURCERIE",
        "ressourcerie",
        (
            "collecte-des-dechets-textiles",
            "blanchisserie",
            "collecte-des-dechets-delements-dameublement-dae-et-petits-objets",
        ),
    ),
    (r"MAIN FINE|COUTURE|RETOUCHE", "sewing", ("couture-reprisage-retouches", "blanchisserie", "repassage")),
    (
        r"\bMODE\b|TEXTILE|BRODERIE",
        "fashion and textiles",
        ("textiles-30", "couture-reprisage-retouches", "confection-a-facon"),
    ),
    (
        r"RESTAURANTS DU COEUR|SOLIDARITE ALIMENTAIRE",
        "food aid",
        ("logistique-conditionnement", "manutention"),
    ),
    (
        r"EMMAUS",
        "second-hand goods",
        (
            "recyclage-delements-dameublement-dae-et-petits-objets",
            "collecte-des-dechets-delements-dameublement-dae-et-petits-objets",
        ),
    ),
    (
        r"RESTAURANT|RESTAURATION|MARMITE|\bA TABLE\b|TAF ET MAFFE|TRAITEUR|INSTANTS",
        "catering",
        (CATER, "traiteur", "restaurants-cantines"),
    ),
    (r"JARDIN|PAYSAN|MARAICH", "urban farming", ("maraichage", "creation-et-entretien-des-espaces-verts")),
    (
        r"HALAGE",
        "riverbanks",
        (
            "creation-et-entretien-des-espaces-verts",
            "entretien-restauration-amenagement-des-espaces-naturels",
        ),
    ),
    (r"LOGISTIQUE|LOGISCITE", "logistics", ("logistique-conditionnement", "manutention")),
    (r"MENAGE|PROPRETE|NETTOYAGE", "cleaning", (CLEAN, "nettoyage-industriel")),
    (r"INCLUSIVE TECH|INFORMATIQUE|NUMERIQUE", "digital", ("tests-de-logiciels", "conception-de-logiciels")),
    (r"MOBILIER", "furniture", ("equipements-et-mobiliers", "demenagement-45")),
)

# Trades suggested by the NAF code (exact code, else its first two digits).
NAF_RULES: dict[str, tuple[str, ...]] = {
    "4334Z": (PAINT,),
    "43": ("tous-travaux-et-petits-bricolages-42", PAINT),
    "8121Z": (CLEAN, "nettoyage-specifique-chantiers-parkings-6"),
    "8122Z": (CLEAN, "nettoyage-industriel"),
    "13": ("textiles-30", "confection-a-facon"),
    "14": ("couture-reprisage-retouches", "confection-a-facon"),
    "9601A": ("blanchisserie", "pressing-et-nettoyage-a-sec"),
    "9601B": ("pressing-et-nettoyage-a-sec", "blanchisserie"),
    "3811Z": ("collecte-5-flux-papier-metal-verre-et-bois-et-fournitures-dentreprise",),
    "3832Z": ("recyclage-5-flux-et-fournitures-dentreprise",),
    "5610A": ("restaurants-cantines", CATER),
    "5621Z": ("traiteur", CATER),
    "5510Z": ("hotellerie", "organisation-devenements"),
    "8299Z": ("logistique-conditionnement", "mailing-archivage-secretariat-52"),
    "4942Z": ("demenagement-45",),
    "6202A": ("conception-de-logiciels",),
    "6312Z": ("logistique-conditionnement",),
    "4779Z": ("recyclage-delements-dameublement-dae-et-petits-objets",),
    "9609Z": ("aide-menagere", "entretien-des-jardins"),
}

# When neither name nor NAF code says anything (social-action NAF codes 8899B, 9499Z...), two trades are
# drawn from the activities typical of the kind.
KIND_POOLS: dict[str, tuple[str, ...]] = {
    "ACI": (
        "creation-et-entretien-des-espaces-verts",
        "entretien-et-maintenance-de-lespace-urbain-17",
        CLEAN,
        PAINT,
        "collecte-dencombrants",
        "tous-travaux-et-petits-bricolages-42",
        CATER,
        "logistique-conditionnement",
    ),
    "EI": (
        CLEAN,
        PAINT,
        "logistique-conditionnement",
        "creation-et-entretien-des-espaces-verts",
        "tous-travaux-et-petits-bricolages-42",
        "demenagement-45",
    ),
    "EA": ("logistique-conditionnement", "coursiers-livraison-de-plis-colis", CLEAN),
    "GEIQ": ("travaux-de-chantiers-74", "tous-travaux-et-petits-bricolages-42", "logistique-conditionnement"),
}
SHARES = {1: (1.0,), 2: (0.6, 0.4), 3: (0.5, 0.3, 0.2)}

# Needs of each collège (illustrative): size class -> painting hours of the year's repaint.
SIZE_CLASSES = (("S", 0.25, 300), ("M", 0.60, 420), ("L", 0.85, 540), ("XL", 1.0, 660))
CLEANING_NEED_SHARE = 0.45  # share of collèges that need a cleaning replacement during the school year
CATERING_NEED_SHARE = 0.35
TEXTILE_PILOTS_PER_TERRITORY = 5

ILLUSTRATIVE_NOTE = "yes"

NEEDS_HEADER = (
    "uai",
    "size_class",
    "painting_hours",
    "cleaning_replacement_hours",
    "catering_replacement_hours",
    "textile_pilot",
    "illustrative",
)
SIAE_HEADER = (
    "siret",
    "kind",
    "name",
    "brand",
    "naf",
    "legal_form",
    "address",
    "postcode",
    "commune_insee",
    "commune",
    "lat",
    "lon",
    "territory",
    "labels",
)
SIAE_ILLUSTRATIVE_HEADER = (
    "siret",
    "kind",
    "insertion_fte",
    "annual_turnover_eur",
    "can_lead",
    "max_distance_km",
    "capacities",
    "trades_basis",
    "legal_form",
    "legal_form_basis",
    "insertion_rate",
    "annual_charges_eur",
    "commercial_revenue_eur",
    "mad_rate_eur_per_hour",
    "mad_staff",
    "illustrative",
)


def unit(*parts: str) -> float:
    """A number in [0, 1) from a stable hash: the same on every machine and Python version."""
    digest = hashlib.sha256("|".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def normalise(text: str) -> str:
    """Upper case, no accents, punctuation as spaces: how names are matched."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").upper()
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", plain).split())


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows with their text on one line: a name may hold a quoted comma or a newline (csv module, not
    line splitting), and a newline typed inside a name is a data-entry slip, not part of the name."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {key: " ".join(value.split()) for key, value in row.items()} for row in csv.DictReader(handle)
        ]


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


class Communes:
    """The communes of the département, found by INSEE code, name or postcode."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.rows = rows
        self.by_insee = {row["insee"]: row for row in rows}
        self.by_name = {normalise(row["name"]): row for row in rows}

    def find(self, city: str, postcode: str) -> dict[str, str]:
        row = self.by_name.get(normalise(city))
        if row is None:
            matches = [r for r in self.rows if postcode in r["postcodes"].split("|")]
            if len(matches) != 1:
                raise ValueError(f"commune of {city!r} ({postcode}) not found in communes_93.csv")
            row = matches[0]
        return row


def derive_communes(rows: list[dict[str, str]]) -> list[list[object]]:
    out: list[list[object]] = []
    saint_denis = next(r["insee"] for r in rows if r["name"] == "Saint-Denis")
    for row in sorted(rows, key=lambda r: r["insee"]):
        merged = saint_denis if row["name"] == "Pierrefitte-sur-Seine" else ""
        out.append([row["insee"], row["name"], row["postcodes"], row["ept"], row["population_2021"]])
        out[-1] += [row["lat"], row["lon"], merged]
    return out


def derive_colleges(rows: list[dict[str, str]], communes: Communes) -> list[list[object]]:
    out: list[list[object]] = []
    for row in sorted(rows, key=lambda r: r["uai"]):
        commune = communes.by_insee.get(row["commune_insee"])
        if commune is None:
            raise ValueError(
                f"collège {row['uai']}: commune {row['commune_insee']} is not in communes_93.csv"
            )
        out.append([row["uai"], row["name"], row["address"], row["postcode"], row["commune_insee"]])
        out[-1] += [row["commune"], row["lat"], row["lon"], commune["ept"]]
    return out


def labels_of(row: dict[str, str]) -> list[str]:
    text = normalise(f"{row['name']} {row['brand']}")
    return ["regie-de-quartier"] if re.search(r"\bREGIE\b", text) else []


def trades_of(row: dict[str, str]) -> tuple[tuple[tuple[str, float], ...], str]:
    """Trades with their share of the structure's hours, and what they were inferred from."""
    siret, kind, naf = row["siret"], row["kind"], row["naf"]
    if kind in INTERMEDIARY_TRADES:
        return INTERMEDIARY_TRADES[kind], f"kind:{kind}"
    text = normalise(f"{row['name']} {row['brand']}")
    for pattern, reason, trades in NAME_RULES:
        if re.search(pattern, text):
            return tuple(zip(trades, SHARES[len(trades)], strict=True)), f"name:{reason}"
    naf_trades = NAF_RULES.get(naf) or NAF_RULES.get(naf[:2])
    if naf_trades:
        return tuple(zip(naf_trades, SHARES[len(naf_trades)], strict=True)), f"naf:{naf}"
    pool = KIND_POOLS[kind]
    drawn = sorted(pool, key=lambda trade: unit(siret, kind, "trade", trade))[:2]
    return tuple(zip(drawn, SHARES[2], strict=True)), "drawn"


def legal_form_of(row: dict[str, str]) -> tuple[str, str]:
    """association, company or public, and what it was read from (`source:`, `name:`, `kind:`)."""
    published = normalise(row["legal_form"])
    words = set(normalise(f"{row['name']} {row['brand']}").split())
    for text, basis in ((published, "source"), (" ".join(sorted(words)), "name")):
        found = set(text.split())
        if basis == "source" and not text:
            continue
        if found & set(COMPANY_FORMS):
            return "company", f"{basis}:{' '.join(sorted(found & set(COMPANY_FORMS)))}"
        if any(form in text for form in PUBLIC_FORMS) and basis == "source":
            return "public", f"{basis}:{published}"
        if found & set(ASSOCIATION_WORDS):
            return "association", f"{basis}:{' '.join(sorted(found & set(ASSOCIATION_WORDS)))}"
    return KIND_LEGAL_FORM[row["kind"]], f"kind:{row['kind']}"


def legal_forms_by_siren(rows: list[dict[str, str]]) -> dict[str, tuple[str, str]]:
    """One legal form per legal entity (SIREN), read from the best basis among its structures: the
    published column, then a name, then the kinds, where an ACI or AI convention means an association
    (an AI is an association by law, Code du travail L5132-7; most ACI are)."""
    rank = {"source": 0, "name": 1, "kind": 2}
    best: dict[str, tuple[tuple[int, int], tuple[str, str]]] = {}
    for row in rows:
        form, basis = legal_form_of(row)
        key = (rank[basis.split(":")[0]], 0 if form == "association" else 1)
        siren = row["siret"][:9]
        if siren not in best or key < best[siren][0]:
            best[siren] = (key, (form, basis))
    return {siren: found for siren, (_, found) in best.items()}


def drawn(low: float, high: float, step: float, *seed: str) -> float:
    """A value drawn uniformly in [low, high], rounded to `step`."""
    return round((low + (high - low) * unit(*seed)) / step) * step


def law_figures(siret: str, kind: str, fte: float, turnover: float) -> list[object]:
    """Insertion rate, ACI charges and commercial revenue, MAD rate and staff (empty when not of the kind)."""
    low, high = INSERTION_RATE_RANGE.get(kind, (0.5, 0.7))
    rate = drawn(low, high, 0.05, siret, kind, "insertion-rate")
    charges = revenue = mad_rate = mad_staff = ""
    if kind == "ACI":
        value = round(turnover * drawn(*ACI_CHARGES_RANGE, 0.01, siret, kind, "charges"), -4)
        charges = f"{value:.0f}"
        revenue = f"{round(value * drawn(*ACI_COMMERCIAL_SHARE_RANGE, 0.01, siret, kind, 'revenue'), -3):.0f}"
    if kind in MAD_RATE_RANGE:
        mad_rate = f"{drawn(*MAD_RATE_RANGE[kind], 0.5, siret, kind, 'mad-rate'):g}"
        mad_staff = str(round(fte * MAD_STAFF_PER_FTE[kind]))
    return [f"{rate:.2f}", charges, revenue, mad_rate, mad_staff]


def derive_siae(
    rows: list[dict[str, str]], communes: Communes
) -> tuple[list[list[object]], list[list[object]]]:
    public: list[list[object]] = []
    illustrative: list[list[object]] = []
    seen: set[tuple[str, str]] = set()
    legal_forms = legal_forms_by_siren(rows)
    for row in sorted(rows, key=lambda r: (r["siret"], r["kind"])):
        siret, kind = row["siret"], row["kind"]
        if (siret, kind) in seen:
            raise ValueError(f"SIAE {siret} ({kind}) appears twice with the same kind")
        seen.add((siret, kind))
        commune = communes.find(row["city"], row["postcode"])
        public.append([siret, kind, row["name"], row["brand"], row["naf"], row["legal_form"], row["address"]])
        public[-1] += [row["postcode"], commune["insee"], commune["name"], row["lat"], row["lon"]]
        public[-1] += [commune["ept"], "|".join(labels_of(row))]

        low, high = TURNOVER_RANGE[kind]
        turnover = round(low * (high / low) ** unit(siret, kind, "turnover"), -4)
        fte = round(2 * turnover / TURNOVER_PER_FTE[kind]) / 2
        trades, basis = trades_of(row)
        capacities = "|".join(
            f"{trade}:{round(fte * HOURS_PER_FTE * share, -1):.0f}" for trade, share in trades
        )
        dmin, dmax = DISTANCE_RANGE_KM[kind]
        distance = dmin + int(unit(siret, kind, "distance") * (dmax - dmin + 1))
        can_lead = kind in LEAD_KINDS and turnover >= LEAD_MIN_TURNOVER
        illustrative.append([siret, kind, f"{fte:g}", f"{turnover:.0f}", "true" if can_lead else "false"])
        illustrative[-1] += [distance, capacities, basis, *legal_forms[siret[:9]]]
        illustrative[-1] += [*law_figures(siret, kind, fte, turnover), ILLUSTRATIVE_NOTE]
    return public, illustrative


def derive_college_needs(colleges: list[list[object]]) -> list[list[object]]:
    """Per collège: size class, painting hours, replacement hours, textile pilot (all illustrative)."""
    by_territory: dict[str, list[str]] = {}
    for college in colleges:
        by_territory.setdefault(str(college[8]), []).append(str(college[0]))
    pilots = {
        uai
        for uais in by_territory.values()
        for uai in sorted(uais, key=lambda u: unit(u, "textile"))[:TEXTILE_PILOTS_PER_TERRITORY]
    }
    out: list[list[object]] = []
    for college in colleges:
        uai = str(college[0])
        size = unit(uai, "size")
        size_class, base_hours = next((name, hours) for name, upper, hours in SIZE_CLASSES if size < upper)
        painting = round(base_hours * (0.9 + 0.2 * unit(uai, "painting")), -1)
        cleaning = 0
        if unit(uai, "cleaning") < CLEANING_NEED_SHARE:
            cleaning = 35 * (2 + int(unit(uai, "cleaning-weeks") * 11))  # 2 to 12 weeks of 35 h
        catering = 0
        if unit(uai, "catering") < CATERING_NEED_SHARE:
            catering = 35 * (2 + int(unit(uai, "catering-weeks") * 7))  # 2 to 8 weeks
        out.append([uai, size_class, f"{painting:.0f}", cleaning, catering])
        out[-1] += ["true" if uai in pilots else "false", ILLUSTRATIVE_NOTE]
    return out


def derive(source: Path, out: Path) -> None:
    folder = source / "seine-saint-denis"
    communes = Communes(read_csv(folder / "communes_93.csv"))
    out.mkdir(parents=True, exist_ok=True)

    write_csv(
        out / "communes_93.csv",
        ["insee", "name", "postcodes", "ept", "population_2021", "lat", "lon", "merged_into"],
        derive_communes(communes.rows),
    )
    colleges = derive_colleges(read_csv(folder / "colleges_publics_93.csv"), communes)
    write_csv(
        out / "colleges_93.csv",
        ["uai", "name", "address", "postcode", "commune_insee", "commune", "lat", "lon", "territory"],
        colleges,
    )
    write_csv(
        out / "colleges_93_needs_illustrative.csv",
        NEEDS_HEADER,
        derive_college_needs(colleges),
    )
    public, illustrative = derive_siae(read_csv(folder / "siae_93.csv"), communes)
    write_csv(
        out / "siae_93.csv",
        SIAE_HEADER,
        public,
    )
    write_csv(
        out / "siae_93_illustrative.csv",
        SIAE_ILLUSTRATIVE_HEADER,
        illustrative,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE, help="public source data")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the demo data")
    args = parser.parse_args(argv)
    if not (args.source / "seine-saint-denis").is_dir():
        print(f"error: {args.source} has no seine-saint-denis/ folder of public data", file=sys.stderr)
        return 2
    try:
        derive(args.source, args.out)
    except (KeyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
