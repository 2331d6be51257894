"""`planner solve PROBLEM.json [--out PLAN.json]`: solve a planning problem file offline.

The plan goes to stdout (or the file); progress and a summary table go to stderr. A bad file gives one
line on stderr naming the problem and exit code 2.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from solver.plan import Plan
from solver.portfolio_spec import PortfolioPlan, PortfolioProblem
from solver.problem import PlanningProblem
from solver.schema import field_errors

# kept out of the time limit for printing the summary, writing the plan and the process's exit (up to
# 1.2 s measured on a loaded 2-core machine)
WRITE_S = 1.0


def process_started() -> float:
    """The `time.monotonic()` reading at which this process started (Linux: /proc), else now: the time
    limit of `planner solve` covers the whole command, the interpreter's start and imports included."""
    now = time.monotonic()
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            # field 22, after the command name in parentheses: start time in clock ticks since boot
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        since_boot = time.clock_gettime(time.CLOCK_BOOTTIME)
        age = since_boot - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return now
    return now - min(max(age, 0.0), 60.0)


def _fail(console: Console, message: str) -> typer.Exit:
    console.print(f"erreur : {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def load_problem(path: Path) -> PlanningProblem | PortfolioProblem:
    """Read and check a problem file (one tender, or a portfolio: several `tenders`); raises ValueError
    with one readable line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path} : fichier introuvable") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} : illisible ({error})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path} : pas du JSON ({error.msg}, ligne {error.lineno}, colonne {error.colno})"
        ) from None
    portfolio = isinstance(data, dict) and "tenders" in data
    try:
        if portfolio:
            return PortfolioProblem.model_validate(data)
        return PlanningProblem.model_validate(data)
    except ValidationError as error:
        # the fields keep the contract's names; the reasons are the schema's (English, as over the API)
        fields = " ; ".join(f"{where} : {why}" for where, why in field_errors(error))
        what = "portefeuille invalide" if portfolio else "problème de planification invalide"
        raise ValueError(f"{path} : {what} : {fields}") from None


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """The HiGHS library prints its banner on the process's stdout, where the plan's JSON goes."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def summary(plan: Plan) -> Table:
    """The plan's groupings as a table for the terminal, in French (the JSON keeps the contract's names)."""
    from solver.portfolio_cli import STATUS, number_fr

    s = plan.solver
    gap = f"{number_fr(100 * s.gap, 2)} %" if s.gap is not None else "-"
    bound = number_fr(s.bound, 4) if s.bound is not None else "-"
    table = Table(
        title=f"{STATUS[plan.status]} · {s.name} · {number_fr(s.seconds, 1)} s · borne {bound} · écart {gap}"
    )
    for column in (
        "rang",
        "objectif",
        "membres",
        "mandataire",
        "heure·km",
        "écart de charge",
        "h sous-traitées",
        "sites non couverts",
    ):
        table.add_column(column, justify="right")
    for g in plan.groupings:
        t = g.terms
        table.add_row(
            str(g.rank),
            number_fr(g.objective, 4),
            str(t.members),
            g.mandataire,
            number_fr(t.distance_hour_km),
            number_fr(t.balance_spread, 3),
            number_fr(t.subcontracted_hours),
            str(len(g.uncovered)),
        )
    return table


def solve_command(
    problem: Annotated[Path, typer.Argument(help="planning problem JSON file")],
    out: Annotated[Path | None, typer.Option("--out", help="write the plan here instead of stdout")] = None,
) -> None:
    """Solve a planning problem file and print the plan as JSON."""
    started = process_started() - WRITE_S
    from solver.planning import solve  # the engines, imported once the command runs

    err = Console(stderr=True)
    try:
        loaded = load_problem(problem)
    except ValueError as error:
        raise _fail(err, str(error)) from None

    from solver.portfolio_cli import number_fr

    with err.status("éligibilité…") as status, _stdout_to_stderr():

        def progress(event: dict[str, Any]) -> None:
            words = [event["stage"], f"{number_fr(event.get('elapsed', 0.0), 1)} s"]
            if event.get("objective") is not None:
                words.append(f"objectif {number_fr(event['objective'], 4)}")
            if event.get("gap") is not None:
                words.append(f"écart de l'étape {number_fr(100 * event['gap'], 2)} %")
            status.update(" · ".join(words))

        plan: Plan | PortfolioPlan
        if isinstance(loaded, PortfolioProblem):
            from solver import portfolio

            plan = portfolio.solve(loaded, progress=progress, started=started)
        else:
            plan = solve(loaded, progress=progress, started=started)
    if isinstance(plan, PortfolioPlan):
        from solver.portfolio_cli import calendar_tables, tenders_table

        err.print(tenders_table(plan))
        for table in calendar_tables(plan):
            err.print(table)
        notes = [*plan.diagnostics, *(d for t in plan.tenders for d in t.plan.diagnostics)]
    else:
        err.print(summary(plan))
        notes = plan.diagnostics
    for d in notes:
        err.print(f"[{d.code}] {d.message}", markup=False, highlight=False)
    if out is None:
        sys.stdout.write(plan.to_json() + "\n")
    else:
        try:
            out.write_text(plan.to_json() + "\n", encoding="utf-8")
        except OSError as error:
            raise _fail(err, f"{out} : écriture du plan impossible ({error.strerror})") from None
    if plan.status == "error":
        raise typer.Exit(code=1)
