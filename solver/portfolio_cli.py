"""`planner solve` on a portfolio file: the tenders' summary and the load calendar, in French.

The load calendar: one row per structure, one column per month, each cell the hours planned and
committed that month against the month's capacity (`planifié+engagé / capacité`); `!` marks a month
over capacity (only commitments can put it there: a plan never does).
"""

from __future__ import annotations

from collections import defaultdict

from rich.table import Table

from solver.portfolio_spec import MonthLoad, PortfolioPlan

MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
STATUS = {
    "optimal": "optimal",
    "feasible": "réalisable",
    "infeasible": "impossible",
    "timeout": "temps écoulé",
    "error": "erreur",
}


def number_fr(value: float, decimals: int = 0) -> str:
    """`1 234,5`: a narrow no-break space between thousands, a decimal comma."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def month_fr(period: str) -> str:
    return f"{MONTHS[int(period[5:]) - 1]} {period[:4]}"


def tenders_table(plan: PortfolioPlan) -> Table:
    s = plan.solver
    gap = f"{number_fr(100 * s.gap, 2)} %" if s.gap is not None else "-"
    table = Table(
        title=f"Portefeuille : {STATUS[plan.status]} · {s.name} · {number_fr(s.seconds, 1)} s · écart {gap}"
    )
    for column in ("marché", "objectif", "membres", "mandataire", "heures", "mois", "sites non couverts"):
        table.add_column(column, justify="right")
    for t in plan.tenders:
        g = t.plan.groupings[0] if t.plan.groupings else None
        months = ", ".join(month_fr(p.period) for p in t.periods) or "-"
        table.add_row(
            t.reference,
            number_fr(g.objective, 3) if g else "-",
            str(g.terms.members) if g else "-",
            g.mandataire if g else STATUS[t.plan.status],
            number_fr(sum(m.hours for m in g.members)) if g else "-",
            months,
            str(len(g.uncovered)) if g else "-",
        )
    return table


def cell(row: MonthLoad) -> str:
    used = row.planned + row.committed
    if row.capacity is None:
        return number_fr(used)
    mark = " !" if used > row.capacity + 1e-6 else ""
    return f"{number_fr(used)} / {number_fr(row.capacity)}{mark}"


def calendar_tables(plan: PortfolioPlan, months_per_table: int = 4) -> list[Table]:
    """The load calendar, a few months per table so that it reads within 100 columns."""
    return load_tables(plan.calendar, months_per_table=months_per_table)


def load_tables(
    calendar: list[MonthLoad], months: list[str] | None = None, months_per_table: int = 4
) -> list[Table]:
    """Load rows (one per structure and month) as tables of a few `months` each (by default those of
    the rows); a row's `structure` heads its line, a month without row is left blank."""
    months = months or sorted({row.period for row in calendar})
    rows: dict[str, dict[str, MonthLoad]] = defaultdict(dict)
    for row in calendar:
        rows[row.structure][row.period] = row
    tables = []
    for start in range(0, len(months), months_per_table):
        shown = months[start : start + months_per_table]
        title = "Calendrier de charge (heures planifiées + engagées / capacité du mois)"
        table = Table(title=f"{title}, {month_fr(shown[0])} – {month_fr(shown[-1])}")
        table.add_column("structure")
        for month in shown:
            table.add_column(month_fr(month), justify="right")
        for structure, by_month in sorted(rows.items()):
            if any(m in by_month for m in shown):
                table.add_row(structure, *(cell(by_month[m]) if m in by_month else "" for m in shown))
        tables.append(table)
    return tables
