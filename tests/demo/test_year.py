"""The demo's `year` scenario: three tenders of the school year 2025-2026 placed in time and planned
together."""

from __future__ import annotations

from datetime import date

from rich.console import Console

from app.demo.year import school_periods, year
from solver.portfolio import solve
from solver.portfolio_cli import calendar_tables, month_fr
from solver.portfolio_spec import PortfolioOptions


def test_the_year_places_each_tender_in_its_periods() -> None:
    p = year()
    painting, replacement, textile = (e.tender for e in p.tenders)
    assert [w.period for lot in painting.lots for w in lot.windows or []] == ["ete-2026"]
    # the school weeks: from the rentrée to the Toussaint, ..., from the spring holidays to 3 July
    assert school_periods() == [
        (date(2025, 9, 1), date(2025, 10, 17)),
        (date(2025, 11, 3), date(2025, 12, 19)),
        (date(2026, 1, 5), date(2026, 2, 20)),
        (date(2026, 3, 9), date(2026, 4, 17)),
        (date(2026, 5, 4), date(2026, 7, 3)),
    ]
    assert all(len(lot.windows or []) == 5 for lot in replacement.lots)
    laundry = next(lot for lot in textile.lots if lot.id == "L2")
    first = laundry.sites[0]
    assert first.name.endswith("septembre")
    assert first.windows is not None
    assert first.windows[0].bounds() == (date(2025, 9, 1), date(2025, 9, 30))
    committed = [st for st in p.structures if st.commitments]
    assert len(committed) == 1 and "regie-de-quartier" in committed[0].labels
    # the intermédiaires work by the week, the others by the month
    for st in p.structures:
        for avail in st.availability or []:
            assert avail.per == ("week" if st.kind.value in ("AI", "ETTI") else "month")


def test_the_year_planned_together_stays_within_every_month() -> None:
    p = year()
    out = solve(p.model_copy(update={"options": PortfolioOptions(time_limit_s=30)}))
    assert out.status in ("optimal", "feasible")
    assert all(t.plan.groupings and not t.plan.groupings[0].uncovered for t in out.tenders)
    rows = [r for r in out.calendar if r.capacity is not None]
    assert rows
    # a month's hours are the sum of the tenders' hours; a structure available by the month is never
    # planned beyond it (those available by the week are bound week by week)
    monthly = {st.id for st in p.structures if any(a.per == "month" for a in st.availability or [])}
    for r in rows:
        assert abs(sum(r.tenders.values()) - r.planned) < 0.05
        if r.structure in monthly:
            assert r.capacity is not None and r.planned + r.committed <= r.capacity + 0.05, r
    painted = sum(line.hours for line in out.tenders[0].periods)
    assert abs(painted - sum(s.hours for lot in p.tenders[0].tender.lots for s in lot.sites)) < 0.5

    # The load calendar reads at 100 columns: every month is shown, none cut short.
    console = Console(width=100, record=True)
    for table in calendar_tables(out):
        console.print(table)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "…" not in text
    for period in {r.period for r in out.calendar}:
        assert month_fr(period) in text
