"""Benchmark of portfolios (several tenders planned as one model): `python -m bench.portfolio`.

Cases:

- `year`: the demo's `year` scenario (painting in the summer holidays, replacement in the school weeks,
  textile in batches; `app.demo.year`);
- `five`: five seed-scale tenders (130 sites each, `bench.instances`, seeds 1 to 5) answered by the same
  20 co-traitants and 5 AI/ETTI, whose yearly capacities are five times a seed tender's (1.35 × the
  demand of the five); tender k is worked in months k+3 and k+4 of 2026 (two tenders overlap in every
  month from April to July); each co-traitant has a fifth of its yearly capacity per month
  (illustrative). Planned apart first (each tender alone, `solver.solve`, the same time limit split
  five ways), then together: the table says how many (structure, month) pairs the plans made apart
  over-book, and the objectives.

Prints a Markdown table; each case runs once (the machine is shared: times are noisy).
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

from bench.instances import generate
from solver import solve
from solver.periods import Availability, Window
from solver.plan import Plan
from solver.portfolio import solve as solve_portfolio
from solver.portfolio_spec import PortfolioOptions, PortfolioPlan, PortfolioProblem, TenderEntry
from solver.problem import PlanningProblem, StructureSpec


def five(time_limit: float) -> PortfolioProblem:
    base = generate(130, 20, 5, seed=1)
    structures = []
    for st in base.structures:
        # capacity for the five tenders of the year; a fifth of it in any one month
        yearly = {t: 5 * h for t, h in st.capacities.items()}
        months = [Availability(trade=t, per="month", hours=round(0.2 * h)) for t, h in yearly.items()]
        co_traitant = st.kind.value not in ("AI", "ETTI")
        structures.append(
            st.model_copy(update={"capacities": yearly, "availability": months if co_traitant else None})
        )
    tenders = []
    for k in range(5):
        p = generate(130, 20, 5, seed=k + 1)
        month = k + 3
        window = Window.model_validate({"start": f"2026-{month:02d}-01", "end": f"2026-{month + 1:02d}-28"})
        lots = [lot.model_copy(update={"windows": [window]}) for lot in p.tender.lots]
        tender = p.tender.model_copy(update={"reference": f"SEED-{k + 1}", "lots": lots})
        tenders.append(TenderEntry(tender=tender, options=p.options))
    return PortfolioProblem(
        reference="FIVE",
        tenders=tenders,
        structures=structures,
        options=PortfolioOptions(time_limit_s=time_limit),
    )


def overbooked(structures: list[StructureSpec], plans: list[Plan]) -> int:
    """(structure, month) pairs whose planned hours exceed the month's availability."""
    hours: dict[tuple[str, str], float] = defaultdict(float)
    for plan in plans:
        for a in plan.groupings[0].assignments if plan.groupings else []:
            for line in a.periods:
                hours[a.structure, line.period] += line.hours
    caps = {st.id: sum(a.hours for a in st.availability or []) for st in structures}
    return sum(1 for (s, _), h in hours.items() if s in caps and caps[s] and h > caps[s] + 1e-6)


def _row(name: str, sites: int, seconds: float, out: PortfolioPlan, extra: str) -> str:
    s = out.solver
    gap = f"{100 * s.gap:.2f}%" if s.gap is not None else "-"
    objective = f"{s.objective:.4f}" if s.objective is not None else "-"
    uncovered = sum(len(t.plan.groupings[0].uncovered) for t in out.tenders if t.plan.groupings)
    # the bound reported, and the two it is the best of: the whole model's, the tenders' alone summed
    by_stage = {st.name: st.bound for st in s.stages}
    bounds = " / ".join(
        "-" if b is None else f"{b:.4f}"
        for b in (s.bound, by_stage.get("portfolio"), by_stage.get("tenders"))
    )
    return (
        f"| {name} | {len(out.tenders)} | {sites} | {seconds:.1f} | {out.status} | {objective} | {gap} | "
        f"{bounds} | {uncovered} | {extra} |"
    )


def run(case: str, time_limit: float, deterministic: bool = False) -> list[str]:
    rows = []
    if case == "year":
        from app.demo.year import year

        problem = year().model_copy(update={"options": PortfolioOptions(time_limit_s=time_limit)})
    else:
        problem = five(time_limit)
    if deterministic:
        options = problem.options.model_copy(update={"deterministic": True})
        problem = problem.model_copy(update={"options": options})
    sites = sum(len(lot.sites) for e in problem.tenders for lot in e.tender.lots)
    extra = "-"
    if case == "five" and not deterministic:
        began = time.monotonic()
        apart = []
        for e in problem.tenders:
            single = e.options.model_copy(update={"time_limit_s": time_limit / len(problem.tenders)})
            apart.append(
                solve(PlanningProblem(tender=e.tender, structures=problem.structures, options=single))
            )
        seconds = time.monotonic() - began
        total = sum(p.groupings[0].objective for p in apart if p.groupings)
        extra = (
            f"apart: {seconds:.1f} s, objective {total:.4f}, "
            f"{overbooked(problem.structures, apart)} (structure, month) over-booked"
        )
    began = time.monotonic()
    out = solve_portfolio(problem)
    rows.append(_row(case, sites, time.monotonic() - began, out, extra))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", default="year,five")
    parser.add_argument("--limit", type=float, default=120.0, help="time limit of each portfolio, seconds")
    parser.add_argument(
        "--deterministic", action="store_true", help="deterministic mode (the tenders are not planned apart)"
    )
    args = parser.parse_args()
    print(
        "| case | tenders | sites | seconds | status | objective | certified gap | "
        "bound (reported / whole model / tenders alone) | uncovered | apart |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for case in args.cases.split(","):
        for row in run(case, args.limit, args.deterministic):
            print(row, flush=True)


if __name__ == "__main__":
    main()
