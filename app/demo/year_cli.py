"""`planner demo --scenario year`: the network's school year planned as one portfolio, offline.

Prints the tenders' table and the load calendar (per structure and month, hours planned and committed
against capacity); with `--out`, writes `year.problem.json` (the portfolio file `planner solve` reads)
and `year.plan.json`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.rule import Rule

from app.demo.records import ILLUSTRATIVE_NOTE
from app.demo.year import YEAR_NOTE, year
from solver.cli import _stdout_to_stderr as stdout_to_stderr
from solver.portfolio import solve
from solver.portfolio_cli import calendar_tables, number_fr, tenders_table
from solver.portfolio_spec import PortfolioOptions, PortfolioPlan

YEAR = "year"
TIME_LIMIT_S = 120.0


def run_year(console: Console, err: Console, out: Path | None, time_limit: float | None) -> PortfolioPlan:
    limit = time_limit or TIME_LIMIT_S
    problem = year()
    problem = problem.model_copy(update={"options": PortfolioOptions(time_limit_s=limit)})
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err) as progress, stdout_to_stderr():
        task = progress.add_task("planning year", total=limit)

        def on_progress(event: dict[str, Any]) -> None:
            progress.update(task, completed=min(float(event.get("elapsed") or 0.0), limit))

        plan = solve(problem, progress=on_progress)
        progress.update(task, completed=limit)
    sites = sum(len(lot.sites) for e in problem.tenders for lot in e.tender.lots)
    console.print(
        Rule(f"year · {len(problem.tenders)} marchés · {number_fr(sites)} sites planifiés ensemble")
    )
    console.print(tenders_table(plan))
    for table in calendar_tables(plan):
        console.print(table)
    for d in [*plan.diagnostics, *(d for t in plan.tenders for d in t.plan.diagnostics)]:
        if not d.code.startswith("structure_not_selected"):
            console.print(f"[{d.code}] {d.message}", markup=False, highlight=False)
    console.print(YEAR_NOTE, markup=False, highlight=False, soft_wrap=True)
    console.print(ILLUSTRATIVE_NOTE, markup=False, highlight=False, soft_wrap=True)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "year.problem.json").write_text(problem.model_dump_json(indent=2) + "\n", encoding="utf-8")
        (out / "year.plan.json").write_text(plan.to_json() + "\n", encoding="utf-8")
        console.print(f"written: {out / 'year.problem.json'}, {out / 'year.plan.json'}", highlight=False)
    return plan
