"""`planner demo [--scenario NAME] [--out DIR] [--time-limit S] [--deterministic]`: the demo.

Loads the scenarios into the database (the embedded SQLite file is created and migrated on first use),
plans each one as the service does, and prints a summary per scenario on stdout; progress goes to
stderr. With `--out`, writes `NAME.problem.json` and `NAME.plan.json` for `planner solve`, and the
candidature file of the best grouping: DC1, DC2, DC4 and the répartition annex (PDF and JSON).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.rule import Rule
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.core.cli import database_reason, ensure_schema, load_settings
from app.core.db import make_engine
from app.core.errors import ProblemError
from app.demo.forms_out import write_forms
from app.demo.loader import Loaded, LoadedScenario
from app.demo.records import ILLUSTRATIVE_NOTE
from app.demo.report import PlanReport
from app.demo.run import TIME_LIMITS, ScenarioPlan, load_scenarios, plan_scenario, write_files
from app.demo.scenarios import NETWORK_NAME, NETWORK_SLUG, SCENARIOS
from solver.cli import _stdout_to_stderr as stdout_to_stderr

_DEFAULT_LIMITS = ", ".join(f"{name} {limit:g}" for name, limit in TIME_LIMITS.items())


# Where to read the plans next: the web app, signed in with a coordinator key of the demo's network.
WEB_APP_HINT = (
    f"Pour lire ces plans dans l'application web : planner keys create --network {NETWORK_SLUG} "
    "--role coordinator (la clé est la dernière ligne), puis planner serve, et ouvrir "
    "http://127.0.0.1:8000/ avec cette clé."
)


def _fail(message: str, code: int = 2) -> typer.Exit:
    Console(stderr=True).print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code=code)


def _progress_detail(event: dict[str, Any]) -> str:
    words = [str(event.get("stage") or "starting")]
    if event.get("objective") is not None:
        words.append(f"objective {event['objective']:.4g}")
    if event.get("gap") is not None:
        words.append(f"gap {event['gap']:.1%}")
    return " · ".join(words)


def _solve(
    engine: Engine,
    loaded: Loaded,
    scenario: LoadedScenario,
    limit: float,
    err: Console,
    deterministic: bool = False,
) -> ScenarioPlan:
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    # HiGHS prints its banner on file descriptor 1, in the solving process too (it inherits it): the
    # summary alone goes to stdout.
    with Progress(*columns, console=err) as progress, stdout_to_stderr():
        task = progress.add_task(f"planning {scenario.scenario.name}", total=limit, detail="queued")

        def on_progress(event: dict[str, Any]) -> None:
            elapsed = float(event.get("elapsed_s") or 0.0)
            progress.update(task, completed=min(elapsed, limit), detail=_progress_detail(event))

        planned = plan_scenario(engine, loaded, scenario, limit, on_progress, deterministic=deterministic)
        progress.update(task, completed=limit, detail=planned.status)
    return planned


def demo_command(
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            metavar="NAME",
            help=f"a scenario to run (repeatable): {', '.join(SCENARIOS)}; `year` (asked alone) plans "
            "the three tenders of the school year together",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="write NAME.problem.json, NAME.plan.json and the forms (DC1, DC2, DC4, annex) here",
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            metavar="S",
            min=1,
            max=3600,
            help=f"seconds per scenario (default: {_DEFAULT_LIMITS})",
        ),
    ] = None,
    deterministic: Annotated[
        bool,
        typer.Option(
            "--deterministic",
            help="reproducible plans: work limits instead of wall-clock ones (solver/README.md)",
        ),
    ] = False,
) -> None:
    """Load the Seine-Saint-Denis scenarios, plan them and print a summary of each."""
    names = list(dict.fromkeys(scenario or SCENARIOS))
    if names == ["year"]:
        # the network's year, planned as one portfolio offline (app/demo/year_cli.py)
        from app.demo.year_cli import run_year

        plan = run_year(Console(width=200), Console(stderr=True), out, time_limit)
        if plan.status not in ("optimal", "feasible"):
            raise typer.Exit(code=1)
        return
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise _fail(f"unknown scenario {unknown[0]!r}: expected one of {', '.join(SCENARIOS)}")
    if out is not None and out.exists() and not out.is_dir():
        raise _fail(f"--out {out}: not a folder")

    settings = load_settings()
    ensure_schema(settings)
    engine = make_engine(settings)
    # Piped to a file, Rich would fold the member tables to 80 columns: give them room instead.
    console = Console() if sys.stdout.isatty() or "COLUMNS" in os.environ else Console(width=160)
    err = Console(stderr=True)
    try:
        loaded = load_scenarios(engine, names)
    except SQLAlchemyError as exc:
        raise _fail(f"cannot load the demo data: {database_reason(exc)}", code=1) from None
    except ProblemError as exc:
        raise _fail(f"the demo data were refused: {exc.detail}", code=1) from None
    counts = " · ".join(
        f"{records}: {n} {outcome}"
        for records, outcome, n in sorted([*k.split(), v] for k, v in loaded.counts.items())
    )
    console.print(f"{NETWORK_NAME} · {counts}", highlight=False)

    failed = []
    name = ""
    try:
        for item in loaded.scenarios:
            name = item.scenario.name
            limit = time_limit or TIME_LIMITS[name]
            planned = _solve(engine, loaded, item, limit, err, deterministic)
            console.print(Rule(f"{name} · plan {planned.plan_id}"))
            if planned.plan is not None:
                console.print(
                    PlanReport(planned.problem, planned.plan, not_invited=planned.not_invited).render()
                )
            if planned.plan is None or planned.status != "done":
                failed.append(name)
                console.print(
                    f"The plan {planned.status}: {planned.reason or 'no reason given'}", highlight=False
                )
            elif not planned.plan.groupings:
                failed.append(name)  # the summary above says why, in its diagnostics
            if out is not None:
                try:
                    paths = write_files(out, planned)
                    paths += write_forms(engine, loaded.network_id, out, planned)
                except OSError as exc:
                    raise _fail(f"cannot write in {out}: {exc.strerror}", code=1) from None
                console.print("written: " + ", ".join(str(p) for p in paths), highlight=False)
    except KeyboardInterrupt:
        raise _fail("interrupted; the plan being solved was cancelled", code=130) from None
    except ProblemError as exc:
        reasons = "; ".join(f"{e.field}: {e.reason}" for e in exc.errors or [])
        raise _fail(f"cannot plan {name}: {exc.detail}{' (' + reasons + ')' if reasons else ''}", 1) from None
    except SQLAlchemyError as exc:
        raise _fail(f"cannot plan {name}: {database_reason(exc)}", code=1) from None
    finally:
        engine.dispose()
    console.print()
    console.print(ILLUSTRATIVE_NOTE, markup=False, highlight=False, soft_wrap=True)
    console.print(WEB_APP_HINT, markup=False, highlight=False, soft_wrap=True)
    if out is not None:
        console.print(f"Re-solve a scenario offline: planner solve {out / (names[0] + '.problem.json')}")
    if failed:
        raise typer.Exit(code=1)
