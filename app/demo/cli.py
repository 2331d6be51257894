"""`planner demo [--scenario NAME] [--out DIR] [--time-limit S] [--deterministic]`: the demo.

Loads the scenarios into the database (the embedded SQLite file is created and migrated on first use),
plans each one as the service does, and prints a summary per scenario on stdout, in French and within
100 columns; progress goes to stderr. With `--out`, writes `NAME.problem.json` and `NAME.plan.json` for
`planner solve`, and the candidature file of the best grouping: DC1, DC2, DC4 and the répartition annex
(PDF and JSON).
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

from app.core.cli import database_reason, ensure_schema, fail, load_settings
from app.core.db import make_engine
from app.core.errors import ProblemError
from app.demo.forms_out import write_forms
from app.demo.french import number, pct
from app.demo.loader import Loaded, LoadedScenario
from app.demo.records import ILLUSTRATIVE_NOTE
from app.demo.report import PlanReport
from app.demo.run import TIME_LIMITS, ScenarioPlan, load_scenarios, plan_scenario, write_files
from app.demo.scenarios import NETWORK_NAME, NETWORK_SLUG, SCENARIOS
from solver.cli import _stdout_to_stderr as stdout_to_stderr

_DEFAULT_LIMITS = ", ".join(f"{name} {number(limit)}" for name, limit in TIME_LIMITS.items())
# The width of the summary when it is not shown on a terminal (piped to a file or a pager).
WIDTH = 100
# What the loading did, in words agreeing with the records and their number.
OUTCOMES = {
    "structures": {"created": "créée", "updated": "mise à jour", "unchanged": "inchangée"},
    "tenders": {"created": "créé", "updated": "mis à jour", "unchanged": "inchangé"},
}
RECORDS = {"structures": "structures", "tenders": "marchés"}


def _loaded(records: str, outcome: str, n: int) -> str:
    word = OUTCOMES[records][outcome]
    first, _, rest = word.partition(" ")
    if n > 1 and not first.endswith("s"):
        word = f"{first}s {rest}".strip()  # mise à jour -> mises à jour
    return f"{RECORDS[records]} : {number(n)} {word}"


ENDED = {"failed": "a échoué", "cancelled": "a été annulé", "queued": "n'a pas démarré"}


# Where to read the plans next: the web app, signed in with a coordinator key of the demo's network.
# On lines of their own: the command is copied whole, and the summary stays within 100 columns.
WEB_APP_HINT = (
    "Pour lire ces plans dans l'application web, créer une clé (elle est la dernière ligne affichée) :\n"
    f"  planner keys create --network {NETWORK_SLUG} --role coordinator\n"
    "puis lancer planner serve et ouvrir http://127.0.0.1:8000/ avec cette clé."
)


def _progress_detail(event: dict[str, Any]) -> str:
    if event.get("gap") is not None:
        # The stage's own gap: the plan's certified gap is printed once it is done.
        return f"étape en cours : au plus {pct(event['gap'])} d'écart avec son meilleur possible"
    return "recherche d'un premier groupement" if event.get("elapsed_s") else "en attente"


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
        task = progress.add_task(f"calcul de {scenario.scenario.name}", total=limit, detail="en attente")

        def on_progress(event: dict[str, Any]) -> None:
            elapsed = float(event.get("elapsed_s") or 0.0)
            progress.update(task, completed=min(elapsed, limit), detail=_progress_detail(event))

        planned = plan_scenario(engine, loaded, scenario, limit, on_progress, deterministic=deterministic)
        progress.update(
            task, completed=limit, detail="terminé" if planned.status == "done" else planned.status
        )
    return planned


def demo_command(
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            metavar="NAME",
            help=f"un scénario à calculer (répétable) : {', '.join(SCENARIOS)} ; `year` (seul) planifie "
            "ensemble les trois marchés de l'année scolaire",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="écrit ici NAME.problem.json, NAME.plan.json et les formulaires (DC1, DC2, DC4, annexe)",
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            metavar="S",
            min=1,
            max=3600,
            help=f"secondes par scénario (par défaut : {_DEFAULT_LIMITS})",
        ),
    ] = None,
    deterministic: Annotated[
        bool,
        typer.Option(
            "--deterministic",
            help="plans reproductibles : limites de travail au lieu de limites de temps (solver/README.md)",
        ),
    ] = False,
) -> None:
    """Charge les scénarios de Seine-Saint-Denis, les planifie et résume chacun, en français."""
    names = list(dict.fromkeys(scenario or SCENARIOS))
    if names == ["year"]:
        # the network's year, planned as one portfolio offline (app/demo/year_cli.py)
        from app.demo.year_cli import run_year

        console = Console() if sys.stdout.isatty() or "COLUMNS" in os.environ else Console(width=WIDTH)
        plan = run_year(console, Console(stderr=True), out, time_limit)
        if plan.status not in ("optimal", "feasible"):
            raise typer.Exit(code=1)
        return
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise fail(f"scénario inconnu {unknown[0]!r} : au choix {', '.join(SCENARIOS)}", code=2)
    if out is not None and out.exists() and not out.is_dir():
        raise fail(f"--out {out} : ce n'est pas un dossier", code=2)

    settings = load_settings()
    ensure_schema(settings)
    engine = make_engine(settings)
    # Piped to a file, Rich would fold the tables to 80 columns: the summary is laid out for 100.
    console = Console() if sys.stdout.isatty() or "COLUMNS" in os.environ else Console(width=WIDTH)
    err = Console(stderr=True)
    try:
        loaded = load_scenarios(engine, names)
    except SQLAlchemyError as exc:
        raise fail(
            f"impossible de charger les données de la démonstration : {database_reason(exc)}", code=1
        ) from None
    except ProblemError as exc:
        raise fail(f"données de la démonstration refusées : {exc.detail}", code=1) from None
    words = []
    for key, n in sorted(loaded.counts.items()):
        records, outcome = key.split()
        words.append(_loaded(records, outcome, n))
    counts = " · ".join(words)
    console.print(f"{NETWORK_NAME} · {counts}", highlight=False)

    failed = []
    name = ""
    try:
        for item in loaded.scenarios:
            name = item.scenario.name
            limit = time_limit or TIME_LIMITS[name]
            planned = _solve(engine, loaded, item, limit, err, deterministic)
            console.print(Rule(f"scénario {name} · plan {planned.plan_id}"))
            if planned.plan is not None:
                console.print(
                    PlanReport(
                        planned.problem, planned.plan, not_invited=planned.not_invited, story=planned.story
                    ).render()
                )
            if planned.plan is None or planned.status != "done":
                failed.append(name)
                ended = ENDED.get(planned.status, planned.status)
                console.print(f"Le plan {ended} : {planned.reason or 'sans raison donnée'}", highlight=False)
            elif not planned.plan.groupings:
                failed.append(name)  # the summary above says why, in its diagnostics
            if out is not None:
                try:
                    paths = write_files(out, planned)
                    paths += write_forms(engine, loaded.network_id, out, planned)
                except OSError as exc:
                    raise fail(f"impossible d'écrire dans {out} : {exc.strerror}", code=1) from None
                console.print("écrit : " + ", ".join(str(p) for p in paths), highlight=False)
    except KeyboardInterrupt:
        raise fail("interrompu ; le plan en cours de calcul a été annulé", code=130) from None
    except ProblemError as exc:
        reasons = "; ".join(f"{e.field}: {e.reason}" for e in exc.errors or [])
        detail = f"{exc.detail}{' (' + reasons + ')' if reasons else ''}"
        raise fail(f"impossible de planifier {name} : {detail}", code=1) from None
    except SQLAlchemyError as exc:
        raise fail(f"impossible de planifier {name} : {database_reason(exc)}", code=1) from None
    finally:
        engine.dispose()
    console.print()
    console.print(ILLUSTRATIVE_NOTE, markup=False, highlight=False)
    console.print(WEB_APP_HINT, markup=False, highlight=False)
    if out is not None:
        console.print(
            f"Pour recalculer un scénario hors ligne : planner solve {out / (names[0] + '.problem.json')}"
        )
    if failed:
        raise typer.Exit(code=1)
