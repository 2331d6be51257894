"""The three Seine-Saint-Denis planning scenarios, built from the shipped demo data (no database).

They follow the practices of the département's network of SIAE (Inser'Eco93):

- ``painting``: the Conseil départemental's market to repaint its 130 collèges, answered since 2013 by
  14 SIAE (EI, ACI, régies de quartier) with the 5 AI of the département as their subcontractors.
  **One lot** for the whole département, not one per territory: the GME answers the whole market, and
  the balance across the four territories is the model's job (territorial presence, distance term)
  rather than the buyer's. One lot per territory would force four separate answers and forbid a member
  from working on the other side of a territorial boundary a few streets away.
- ``replacement``: the département's need for replacement cleaning and catering agents in collèges
  over a school year, answered under the February 2021 agreement by the 5 AI and the 5 ETTI together
  (staffing: the intermédiaires are co-contractors here), with a strong weight on balance.
- ``textile``: a multi-trade order of the collèges' sports kits (collection, laundering, mending,
  embroidery) answered by the 4 textile SIAE, whose trades complement each other.

Workloads, values, trades and capacities are illustrative (see `data/README.md`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from app.demo.records import ILLUSTRATIVE_NOTE, College, StructureRecord, colleges, communes, structures
from solver.problem import Lot, Options, PlanningProblem, Site, TenderSpec, Weights

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


@dataclass(frozen=True)
class TenderRecord:
    """A tender as a back-office records it: the planning fields plus buyer and CPV codes."""

    reference: str
    title: str
    kind: str
    buyer: str
    cpv: tuple[str, ...]
    lots: tuple[Lot, ...]
    description: str = ""

    def spec(self) -> TenderSpec:
        return TenderSpec(reference=self.reference, title=self.title, kind=self.kind, lots=list(self.lots))


@dataclass(frozen=True)
class Scenario:
    """A demo scenario: the tender, the structures invited to answer it and the planning options."""

    name: str
    tender: TenderRecord
    structures: tuple[StructureRecord, ...]
    options: Options
    notes: tuple[str, ...] = field(default=(ILLUSTRATIVE_NOTE,))

    def trades(self) -> frozenset[str]:
        return frozenset(lot.trade for lot in self.tender.lots)

    def problem(self) -> PlanningProblem:
        trades = self.trades()
        return PlanningProblem(
            tender=self.tender.spec(),
            structures=[record.spec(trades) for record in self.structures],
            options=self.options,
        )


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
        reserved="siae",  # the demo tenders are reserved to SIAE (CCP L2113-13)
        sites=sites,
    )
    tender = TenderRecord(
        reference="CD93-2026-PEINT",
        title="Remise en peinture des collèges de la Seine-Saint-Denis",
        kind="works",
        buyer=BUYER,
        cpv=("45442110-1",),
        lots=(lot,),
        description="Marché réservé aux SIAE (L2113-13); one lot for the 130 public collèges.",
    )
    options = Options(
        max_members=PAINTING_MEMBERS,
        alternatives=3,
        territorial_presence=True,
        max_subcontracting_share=0.3,
        weights=Weights(distance=1.0, balance=1.0, members=0.0, staffing=0.5),
    )
    return Scenario("painting", tender, painting_members() + _kinds("AI"), options)


def _replacement_sites(suffix: str, rate: float, hours_of: Callable[[College], int]) -> list[Site]:
    return [
        college.site(hours_of(college), hours_of(college) * rate, suffix)
        for college in colleges()
        if hours_of(college) > 0
    ]


def replacement() -> Scenario:
    cleaning = Lot(
        id="L1",
        title="Remplacement d'agents d'entretien",
        trade=CLEAN,
        cpv="90911200-8",
        reserved="siae",  # the demo tenders are reserved to SIAE (CCP L2113-13)
        sites=_replacement_sites("-entretien", CLEANING_EUR_PER_HOUR, lambda c: c.cleaning_replacement_hours),
    )
    catering = Lot(
        id="L2",
        title="Remplacement d'agents de restauration",
        trade=CATER,
        cpv="55524000-9",
        reserved="siae",  # the demo tenders are reserved to SIAE (CCP L2113-13)
        sites=_replacement_sites(
            "-restauration", CATERING_EUR_PER_HOUR, lambda c: c.catering_replacement_hours
        ),
    )
    tender = TenderRecord(
        reference="CD93-2026-REMPL",
        title="Remplacement d'agents d'entretien et de restauration dans les collèges",
        kind="staffing",
        buyer=BUYER,
        cpv=("79620000-6", "90911200-8", "55524000-9"),
        lots=(cleaning, catering),
        description="Mise à disposition de personnel pour l'année scolaire; convention AI-ETTI de 2021.",
    )
    options = Options(
        max_members=10,
        alternatives=3,
        territorial_presence=True,
        max_subcontracting_share=0.0,
        weights=Weights(distance=1.0, balance=2.0, members=0.0, staffing=0.0),
    )
    return Scenario("replacement", tender, _kinds("AI", "ETTI"), options)


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


def textile() -> Scenario:
    pilots = [c for c in colleges() if c.textile_pilot]
    collection = [
        c.site(
            COLLECTION_HOURS[c.size_class], COLLECTION_HOURS[c.size_class] * TEXTILE_EUR_PER_HOUR, "-collecte"
        )
        for c in pilots
    ]
    months = [
        "septembre",
        "octobre",
        "novembre",
        "décembre",
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
    ]
    periods = ("rentrée", "automne", "hiver", "printemps", "fin d'année")
    territories = sorted({c.territory for c in pilots})
    lots = (
        Lot(
            id="L1",
            title="Collecte et tri des textiles usagés",
            trade=TEXTILE_TRADES[0],
            cpv="90511000-2",
            reserved="siae",  # the demo tenders are reserved to SIAE (CCP L2113-13)
            sites=collection,
        ),
        Lot(
            id="L2",
            title="Blanchisserie des tenues de sport",
            trade=TEXTILE_TRADES[1],
            cpv="98310000-9",
            reserved="siae",  # the demo tenders are reserved to SIAE (CCP L2113-13)
            sites=_central_batches("BLA", (f"Lot de linge, {m}" for m in months), 120, TEXTILE_EUR_PER_HOUR),
        ),
        Lot(
            id="L3",
            title="Retouches et réparation des tenues",
            trade=TEXTILE_TRADES[2],
            cpv="98393000-4",
            reserved="siae",  # the demo tenders are reserved to SIAE (CCP L2113-13)
            sites=_central_batches("COU", (f"Retouches, {p}" for p in periods), 160, TEXTILE_EUR_PER_HOUR),
        ),
        Lot(
            id="L4",
            title="Broderie et personnalisation des kits",
            trade=TEXTILE_TRADES[3],
            cpv="18412000-0",
            reserved="siae",  # the demo tenders are reserved to SIAE (CCP L2113-13)
            sites=_central_batches(
                "BRO", (f"Kits brodés, {t}" for t in territories), 200, EMBROIDERY_EUR_PER_HOUR
            ),
        ),
    )
    tender = TenderRecord(
        reference="CD93-2026-TEXT",
        title="Filière textile solidaire des kits scolaires et sportifs des collèges",
        kind="services",
        buyer=BUYER,
        cpv=("18000000-9", "98311000-6"),
        lots=lots,
        description=f"{len(pilots)} pilot collèges; batches delivered to a central point in Bobigny.",
    )
    options = Options(
        max_members=4,
        alternatives=3,
        territorial_presence=False,
        max_subcontracting_share=0.0,
        weights=Weights(distance=1.0, balance=1.0, members=0.0, staffing=0.0),
    )
    return Scenario("textile", tender, textile_structures(), options)


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
