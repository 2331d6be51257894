"""The three Seine-Saint-Denis planning scenarios, built from the shipped demo data (no database).

They follow the practices of the département's network of SIAE (Inser'Eco93):

- ``painting``: the Conseil départemental's market to repaint its 130 collèges over two years of
  execution, reserved to SIAE (CCP L2113-13) with a clause sociale, answered since 2013 by 14 SIAE (EI,
  ACI, régies de quartier) with the 5 AI of the département putting staff at their disposal (mise à
  disposition, Code du travail L5132-7: not sous-traitance). Among the 14 are the two cases of one
  legal entity holding several structures: the Régie de Quartier Tremblay (an EI and an ACI
  convention under one SIRET) and URBAN DECO CONCEPT (two SIRETs of one SIREN); each is one member.
  **One lot** for the whole département, not one per territory: the GME answers the whole market, and
  the balance across the four territories is the model's job (territorial presence, distance term)
  rather than the buyer's. One lot per territory would force four separate answers and forbid a member
  from working on the other side of a territorial boundary a few streets away.
- ``replacement``: the département's need for replacement cleaning and catering agents in collèges
  over a school year, answered under the February 2021 agreement by the 5 AI and the 5 ETTI together
  (staffing: the intermédiaires are co-contractors here), with a strong weight on balance.
- ``textile``: a multi-trade order of the collèges' sports kits (collection, laundering, mending,
  embroidered kits bought as supplies) answered by the 4 textile SIAE, whose trades complement each
  other.

Every lot is reserved to SIAE and carries a clause sociale (insertion hours). Its figure, like the
workloads, values, trades and capacities, is illustrative (see `data/README.md`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from app.demo.french import MONTHS, number
from app.demo.records import (
    College,
    Scenario,
    StructureRecord,
    TenderRecord,
    colleges,
    communes,
    structures,
)
from solver.problem import Lot, Options, PlanningProblem, Site, Weights

BUYER = "Conseil départemental de la Seine-Saint-Denis"
# The network whose members answer the demo tenders (a back-office's tenant).
NETWORK_SLUG = "inser-eco93"
NETWORK_NAME = "Inser'Eco93"
PAINT = "peinture-revetement-des-murs"
CLEAN = "nettoyage-de-locaux-16"
CATER = "restauration-collective"
TEXTILE_TRADES = (
    "collecte-des-dechets-textiles",
    "blanchisserie",
    "couture-reprisage-retouches",
    "textiles-30",
)
CO_CONTRACTOR_KINDS = frozenset({"EI", "ACI", "EITI"})
INTERMEDIARY_KINDS = frozenset({"AI", "ETTI"})
PAINTING_MEMBERS = 14

# Illustrative prices, euros excluding VAT per hour of work (labour, supplies and overheads).
PAINTING_EUR_PER_HOUR = 43
CLEANING_EUR_PER_HOUR = 26
CATERING_EUR_PER_HOUR = 28
TEXTILE_EUR_PER_HOUR = 35
EMBROIDERY_EUR_PER_HOUR = 45
# Textile collection hours at a pilot collège, by size class.
COLLECTION_HOURS = {"S": 20, "M": 28, "L": 36, "XL": 44}
# Clause sociale of each lot (illustrative): insertion hours as a share of the lot's hours, rounded.
PAINTING_INSERTION_SHARE = 0.5
REPLACEMENT_INSERTION_SHARE = 0.7
TEXTILE_INSERTION_SHARE = 0.5
# Execution: the collèges are repainted over two years; replacements and textile over a school year.
PAINTING_EXECUTION = (date(2026, 7, 1), date(2028, 6, 30))
SCHOOL_YEAR = (date(2026, 9, 1), date(2027, 8, 31))


def _holds(record: StructureRecord, trade: str) -> bool:
    return record.capacities.get(trade, 0) > 0


def painting_members() -> tuple[StructureRecord, ...]:
    """The 14 EI/ACI of the painting network.

    Every EI/ACI whose name says it paints (régies de quartier, building and decoration workshops) is
    in; the others holding the trade complete the 14, largest painting capacity first.
    """
    holders = [r for r in structures() if r.kind in CO_CONTRACTOR_KINDS and _holds(r, PAINT)]
    ranked = sorted(
        holders, key=lambda r: (not r.trades_basis.startswith("name:"), -r.capacities[PAINT], r.id)
    )
    if len(ranked) < PAINTING_MEMBERS:
        raise ValueError(
            f"the demo data has {len(ranked)} painting EI/ACI, the scenario needs {PAINTING_MEMBERS}"
        )
    return tuple(ranked[:PAINTING_MEMBERS])


def _kinds(*kinds: str) -> tuple[StructureRecord, ...]:
    return tuple(r for r in structures() if r.kind in kinds)


def clause(sites: Iterable[Site], share: float) -> float:
    """Insertion hours of a lot's clause sociale: a share of its hours, to the hundred (illustrative)."""
    return float(round(share * sum(site.hours for site in sites), -2))


def _months(execution: tuple[date, date]) -> str:
    start, end = execution
    return f"de {MONTHS[start.month - 1]} {start.year} à {MONTHS[end.month - 1]} {end.year}"


def painting() -> Scenario:
    sites = [
        college.site(college.painting_hours, college.painting_hours * PAINTING_EUR_PER_HOUR)
        for college in colleges()
    ]
    lot = Lot(
        id="L1",
        title="Remise en peinture des collèges publics du département",
        trade=PAINT,
        cpv="45442110-1",
        kind="works",
        reserved="siae",
        insertion_hours=clause(sites, PAINTING_INSERTION_SHARE),
        sites=sites,
    )
    tender = TenderRecord(
        reference="CD93-2026-PEINT",
        title="Remise en peinture des collèges de la Seine-Saint-Denis",
        kind="works",
        buyer=BUYER,
        cpv=("45442110-1",),
        lots=(lot,),
        execution=PAINTING_EXECUTION,
        description="Marché réservé aux SIAE (L2113-13); one lot for the 130 public collèges.",
    )
    options = Options(
        max_members=PAINTING_MEMBERS,
        alternatives=3,
        territorial_presence=True,
        groupement_form="conjoint_mandataire_solidaire",
        max_subcontracting_share=0.3,
        weights=Weights(distance=1.0, balance=1.0, members=0.0, staffing=0.5),
    )
    story = (
        f"Le {BUYER} fait repeindre ses {len(sites)} collèges publics {_months(PAINTING_EXECUTION)}, "
        f"dans un marché réservé aux SIAE avec une clause sociale de "
        f"{number(lot.insertion_hours)} heures d'insertion"
    )
    return Scenario("painting", tender, painting_members() + _kinds("AI"), options, story)


def _replacement_sites(suffix: str, rate: float, hours_of: Callable[[College], int]) -> list[Site]:
    return [
        college.site(hours_of(college), hours_of(college) * rate, suffix)
        for college in colleges()
        if hours_of(college) > 0
    ]


def replacement() -> Scenario:
    cleaning_sites = _replacement_sites(
        "-entretien", CLEANING_EUR_PER_HOUR, lambda c: c.cleaning_replacement_hours
    )
    catering_sites = _replacement_sites(
        "-restauration", CATERING_EUR_PER_HOUR, lambda c: c.catering_replacement_hours
    )
    cleaning = Lot(
        id="L1",
        title="Remplacement d'agents d'entretien",
        trade=CLEAN,
        cpv="90911200-8",
        kind="staffing",
        reserved="siae",
        insertion_hours=clause(cleaning_sites, REPLACEMENT_INSERTION_SHARE),
        sites=cleaning_sites,
    )
    catering = Lot(
        id="L2",
        title="Remplacement d'agents de restauration",
        trade=CATER,
        cpv="55524000-9",
        kind="staffing",
        reserved="siae",
        insertion_hours=clause(catering_sites, REPLACEMENT_INSERTION_SHARE),
        sites=catering_sites,
    )
    tender = TenderRecord(
        reference="CD93-2026-REMPL",
        title="Remplacement d'agents d'entretien et de restauration dans les collèges",
        kind="staffing",
        buyer=BUYER,
        cpv=("79620000-6", "90911200-8", "55524000-9"),
        lots=(cleaning, catering),
        execution=SCHOOL_YEAR,
        description="Mise à disposition de personnel pour l'année scolaire; convention AI-ETTI de 2021.",
    )
    options = Options(
        max_members=10,
        alternatives=3,
        territorial_presence=True,
        groupement_form="conjoint_mandataire_solidaire",
        max_subcontracting_share=0.0,
        weights=Weights(distance=1.0, balance=2.0, members=0.0, staffing=0.0),
    )
    colleges_in_need = {site.id.split("-")[0] for lot in tender.lots for site in lot.sites}
    story = (
        f"Le {BUYER} remplace ses agents d'entretien et de restauration absents dans "
        f"{len(colleges_in_need)} collèges {_months(SCHOOL_YEAR)}, un besoin que les AI et ETTI du réseau "
        "couvrent ensemble depuis leur convention de 2021"
    )
    return Scenario("replacement", tender, _kinds("AI", "ETTI"), options, story)


def textile_structures() -> tuple[StructureRecord, ...]:
    """The EI/ACI of the file holding at least one of the textile trades of the order."""
    return tuple(
        r
        for r in structures()
        if r.kind in CO_CONTRACTOR_KINDS and any(_holds(r, trade) for trade in TEXTILE_TRADES)
    )


def _central_batches(prefix: str, names: Iterable[str], hours: float, rate: float) -> list[Site]:
    """Batches delivered to and collected from one central point, the Hôtel du Département's town."""
    bobigny = next(c for c in communes() if c.name == "Bobigny")
    return [
        Site(
            id=f"{prefix}-{index:02d}",
            name=name,
            commune=bobigny.name,
            lat=bobigny.lat,
            lon=bobigny.lon,
            territory=bobigny.ept,
            hours=hours,
            value_eur=hours * rate,
        )
        for index, name in enumerate(names, start=1)
    ]


# The textile tender's laundry batches, one per month of the school year (September to June), and its
# mending batches, one per school period, are named after them (`Lot de linge, septembre`): the year's
# portfolio (app/demo/year.py) reads their windows from these names.
TEXTILE_MONTHS = (*MONTHS[8:], *MONTHS[:6])
TEXTILE_PERIODS = ("rentrée", "automne", "hiver", "printemps", "fin d'année")


def textile() -> Scenario:
    pilots = [c for c in colleges() if c.textile_pilot]
    collection = [
        c.site(
            COLLECTION_HOURS[c.size_class], COLLECTION_HOURS[c.size_class] * TEXTILE_EUR_PER_HOUR, "-collecte"
        )
        for c in pilots
    ]
    territories = sorted({c.territory for c in pilots})
    batches = {
        "L2": _central_batches(
            "BLA", (f"Lot de linge, {m}" for m in TEXTILE_MONTHS), 120, TEXTILE_EUR_PER_HOUR
        ),
        "L3": _central_batches(
            "COU", (f"Retouches, {p}" for p in TEXTILE_PERIODS), 160, TEXTILE_EUR_PER_HOUR
        ),
        "L4": _central_batches(
            "BRO", (f"Kits brodés, {t}" for t in territories), 200, EMBROIDERY_EUR_PER_HOUR
        ),
    }

    def lot(lot_id: str, title: str, trade: str, cpv: str, sites: list[Site], kind: str) -> Lot:
        return Lot(
            id=lot_id,
            title=title,
            trade=trade,
            cpv=cpv,
            kind=kind,
            reserved="siae",
            insertion_hours=clause(sites, TEXTILE_INSERTION_SHARE),
            sites=sites,
        )

    lots = (
        lot(
            "L1",
            "Collecte et tri des textiles usagés",
            TEXTILE_TRADES[0],
            "90511000-2",
            collection,
            "services",
        ),
        lot(
            "L2",
            "Blanchisserie des tenues de sport",
            TEXTILE_TRADES[1],
            "98310000-9",
            batches["L2"],
            "services",
        ),
        lot(
            "L3",
            "Retouches et réparation des tenues",
            TEXTILE_TRADES[2],
            "98393000-4",
            batches["L3"],
            "services",
        ),
        # The buyer buys the personalised kits: a supply, the embroidery being the SIAE's work on them.
        lot(
            "L4",
            "Fourniture de kits brodés et personnalisés",
            TEXTILE_TRADES[3],
            "18412000-0",
            batches["L4"],
            "supplies",
        ),
    )
    tender = TenderRecord(
        reference="CD93-2026-TEXT",
        title="Filière textile solidaire des kits scolaires et sportifs des collèges",
        kind="services",
        buyer=BUYER,
        cpv=("18000000-9", "98311000-6"),
        lots=lots,
        execution=SCHOOL_YEAR,
        description=f"{len(pilots)} pilot collèges; batches delivered to a central point in Bobigny.",
    )
    options = Options(
        max_members=4,
        alternatives=3,
        territorial_presence=False,
        groupement_form="conjoint_mandataire_solidaire",
        max_subcontracting_share=0.0,
        weights=Weights(distance=1.0, balance=1.0, members=0.0, staffing=0.0),
    )
    story = (
        f"Le {BUYER} confie la collecte, le lavage, la réparation et la broderie des kits sportifs de "
        f"{len(pilots)} collèges pilotes à la filière textile solidaire du réseau"
    )
    return Scenario("textile", tender, textile_structures(), options, story)


BUILDERS: dict[str, Callable[[], Scenario]] = {
    "painting": painting,
    "replacement": replacement,
    "textile": textile,
}
SCENARIOS: tuple[str, ...] = tuple(BUILDERS)


def scenario_record(name: str) -> Scenario:
    """The named scenario with its full records (buyer, CPV codes, SIRET, addresses...)."""
    try:
        builder = BUILDERS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}: expected one of {', '.join(SCENARIOS)}") from None
    return builder()


def scenario(name: str) -> PlanningProblem:
    """The named scenario as a planning problem, ready for `solver.solve`."""
    return scenario_record(name).problem()
