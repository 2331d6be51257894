"""The `year` scenario: the network's school year 2025-2026 planned as one portfolio.

The three Seine-Saint-Denis tenders of `app.demo.scenarios`, placed in time and planned together:

- painting: the collèges are repainted during the summer holidays of 2026 (`ete-2026`, zone C);
- replacement: agents are replaced week by week during the school weeks of 2025-2026 (the weeks
  between the holidays of zone C, from the rentrée of 1 September 2025 to 3 July 2026);
- textile: laundry in monthly batches (September to June), mending in five batches (one per school
  period), collection and embroidery over the whole school year.

Illustrative figures, labelled as such in the output: the structures' hours per month or per week
(a painting structure gives up to a quarter of its yearly painting hours in a summer month; an AI or
ETTI a 36th of its yearly hours per school week, plus a quarter for the peaks; a textile structure a
tenth of its yearly hours per month, plus a quarter) and one commitment (a régie de quartier has already
promised 300 h of painting in July 2026 to another market).
"""

from __future__ import annotations

from datetime import date, timedelta

from app.demo.scenarios import PAINT, TEXTILE_MONTHS, TEXTILE_PERIODS, scenario
from solver.periods import Availability, Commitment, Window, named_period, school_holidays
from solver.portfolio_spec import PortfolioOptions, PortfolioProblem, TenderEntry
from solver.problem import Lot, PlanningProblem, StructureSpec

REFERENCE = "INSERECO93-2025-2026"
YEAR_NOTE = (
    "Année scolaire 2025-2026, zone C : capacités par mois ou par semaine et engagement de 300 h en "
    "juillet 2026 illustratifs."
)
SCHOOL_YEAR = (date(2025, 9, 1), date(2026, 7, 3))


def school_periods() -> list[tuple[date, date]]:
    """The school weeks of 2025-2026 as runs of days between the holidays of zone C."""
    holidays = [
        p for p in school_holidays().values() if p.end >= SCHOOL_YEAR[0] and p.start <= SCHOOL_YEAR[1]
    ]
    off = {p.start + timedelta(n) for p in holidays for n in range((p.end - p.start).days + 1)}
    runs: list[tuple[date, date]] = []
    day = SCHOOL_YEAR[0]
    while day <= SCHOOL_YEAR[1]:
        if day not in off:
            if runs and runs[-1][1] == day - timedelta(1):
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
        day += timedelta(1)
    return runs


def _month(name: str) -> Window:
    number = TEXTILE_MONTHS.index(name)
    year, month = (2025, 9 + number) if number < 4 else (2026, number - 3)
    first = date(year, month, 1)
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(1)
    return Window(start=first, end=last)


def _windows(windows: list[tuple[date, date]]) -> list[Window]:
    return [Window(start=a, end=b) for a, b in windows]


def _painting() -> PlanningProblem:
    p = scenario("painting")
    lots = [lot.model_copy(update={"windows": [Window(period="ete-2026")]}) for lot in p.tender.lots]
    return p.model_copy(update={"tender": p.tender.model_copy(update={"lots": lots})})


def _replacement() -> PlanningProblem:
    p = scenario("replacement")
    weeks = _windows(school_periods())
    lots = [lot.model_copy(update={"windows": weeks}) for lot in p.tender.lots]
    return p.model_copy(update={"tender": p.tender.model_copy(update={"lots": lots})})


def _textile_lot(lot: Lot, periods: list[tuple[date, date]]) -> Lot:
    if lot.id == "L2":  # laundry: one batch a month, the month in its name
        sites = [s.model_copy(update={"windows": [_month(s.name.rsplit(", ", 1)[1])]}) for s in lot.sites]
        return lot.model_copy(update={"sites": sites})
    if lot.id == "L3":  # mending: one batch per school period
        sites = [
            s.model_copy(
                update={"windows": _windows([periods[TEXTILE_PERIODS.index(s.name.rsplit(", ", 1)[1])]])}
            )
            for s in lot.sites
        ]
        return lot.model_copy(update={"sites": sites})
    return lot.model_copy(update={"windows": _windows(periods)})


def _textile() -> PlanningProblem:
    p = scenario("textile")
    periods = school_periods()
    lots = [_textile_lot(lot, periods) for lot in p.tender.lots]
    return p.model_copy(update={"tender": p.tender.model_copy(update={"lots": lots})})


def _availability(st: StructureSpec, painting: set[str], textile: set[str]) -> list[Availability]:
    found = []
    for trade, hours in sorted(st.capacities.items()):
        if hours <= 0:
            continue
        if trade == PAINT and st.id in painting and st.kind.value not in ("AI", "ETTI"):
            found.append(Availability(trade=trade, per="month", hours=round(hours / 4)))
        elif st.kind.value in ("AI", "ETTI"):
            found.append(Availability(trade=trade, per="week", hours=round(hours / 36 * 1.25)))
        elif st.id in textile:
            found.append(Availability(trade=trade, per="month", hours=round(hours / 10 * 1.25)))
    return found


def year() -> PortfolioProblem:
    """The portfolio of the network's school year, ready for `solver.portfolio.solve`."""
    problems = [_painting(), _replacement(), _textile()]
    painting = {s.id for s in problems[0].structures}
    textile = {s.id for s in problems[2].structures}
    structures: dict[str, StructureSpec] = {}
    for p in problems:
        for st in p.structures:
            structures.setdefault(st.id, st)
    regie = next(
        (
            st
            for st in problems[0].structures
            if "regie-de-quartier" in st.labels and st.capacities.get(PAINT)
        ),
        None,
    )
    shared = []
    summer = named_period("ete-2026")
    for st in structures.values():
        update: dict[str, object] = {"availability": _availability(st, painting, textile) or None}
        if regie is not None and st.id == regie.id:
            update["commitments"] = [
                Commitment(
                    reference="Autre marché (illustratif)",
                    trade=PAINT,
                    start=summer.start,
                    end=date(2026, 7, 31),
                    hours=300,
                )
            ]
        shared.append(st.model_copy(update=update))
    # every structure of the year is known to every tender: those not invited to one are excluded there
    tenders = []
    for p in problems:
        invited = {s.id for s in p.structures}
        excluded = sorted(set(structures) - invited)
        options = p.options.model_copy(update={"excluded": sorted(set(p.options.excluded) | set(excluded))})
        tenders.append(TenderEntry(tender=p.tender, options=options))
    return PortfolioProblem(
        reference=REFERENCE, tenders=tenders, structures=shared, options=PortfolioOptions(time_limit_s=120)
    )
