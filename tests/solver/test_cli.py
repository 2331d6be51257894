"""`planner solve`: a good file gives the plan's JSON; a bad file gives one line and exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from pydantic import ValidationError
from typer.testing import CliRunner

from solver import PlanningProblem
from solver.cli import solve_command
from solver.schema import field_errors, plan_schema, problem_schema, write_schemas
from tests.solver.reference import PAINT, problem, site, structure

app = typer.Typer()
app.command("solve")(solve_command)


@app.callback()
def _group() -> None:
    """Keeps `solve` a sub-command, as in `planner solve`."""


def good_problem(tmp_path: Path) -> Path:
    p = problem(
        [site("C1", 48.9, 2.45, 100), site("C2", 48.91, 2.46, 80)],
        [
            structure("e1", "EI", 48.9, 2.45, {PAINT: 1000}, can_lead=True),
            structure("a1", "AI", 48.9, 2.45, {PAINT: 1000}),
        ],
        weights={"distance": 1, "balance": 1, "members": 1, "subcontracting": 1},
    )
    path = tmp_path / "problem.json"
    path.write_text(p.model_dump_json())
    return path


def test_good_file_prints_the_plan_on_stdout(tmp_path: Path) -> None:
    # a real process: the solver library's own output must not mix with the plan on stdout
    done = subprocess.run(
        [sys.executable, "-c", "from app.cli import cli; cli()", "solve", str(good_problem(tmp_path))],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 and "unexpected extra argument" in done.stderr:
        # `planner` has a single command here: Typer then takes the file as its first argument
        done = subprocess.run(
            [sys.executable, "-c", "from app.cli import cli; cli()", str(good_problem(tmp_path))],
            capture_output=True,
            text=True,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["status"] == "optimal"
    assert plan["groupings"][0]["mandataire"] == "e1"
    assert plan["groupings"][0]["staffing"][0]["to"] == "e1" and plan["groupings"][0]["subcontracts"] == []


def test_out_option_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["solve", str(good_problem(tmp_path)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["groupings"][0]["rank"] == 1


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "fichier introuvable"),
        ("{not json", "pas du JSON"),
        ('{"tender": {"reference": "T", "kind": "works", "lots": []}, "structures": []}', "tender.lots"),
        (
            '{"tender": {"reference": "T", "kind": "roads", "lots": [{"id": "L", "trade": "x", '
            '"sites": [{"id": "s", "lat": 48.9, "lon": 2.4, "hours": -1, "value_eur": 0}]}]}, '
            '"structures": []}',
            "tender.lots.0.sites.0.hours",
        ),
    ],
)
def test_bad_file_gives_one_line_and_exit_2(tmp_path: Path, content: str | None, words: str) -> None:
    path = tmp_path / "problem.json"
    if content is not None:
        path.write_text(content)
    result = CliRunner().invoke(app, ["solve", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("erreur :") and words in lines[0]
    assert "Traceback" not in result.output


def test_every_bad_field_is_named() -> None:
    bad = {
        "tender": {
            "reference": "T",
            "kind": "roads",
            "lots": [
                {
                    "id": "L",
                    "trade": "x",
                    "sites": [{"id": "s", "lat": 91, "lon": 2, "hours": 1, "value_eur": 0}],
                }
            ],
        },
        "structures": [{"id": "e", "kind": "EI", "lat": 48, "lon": 2, "capacities": {PAINT: -5}}],
        "options": {"time_limit_s": 0},
    }
    with pytest.raises(ValidationError) as caught:
        PlanningProblem.model_validate(bad)
    paths = {path for path, _ in field_errors(caught.value)}
    assert {
        "tender.kind",
        "tender.lots.0.trade",
        "tender.lots.0.sites.0.lat",
        "structures.0.capacities",
        "options.time_limit_s",
    } <= paths


def test_schemas_for_back_offices(tmp_path: Path) -> None:
    assert {"tender", "structures", "options"} <= set(problem_schema()["properties"])
    assert "from" in json.dumps(plan_schema())
    written = write_schemas(tmp_path)
    assert [p.name for p in written] == [
        "planning-problem.schema.json",
        "plan.schema.json",
        "portfolio.schema.json",
        "portfolio-plan.schema.json",
    ]
    assert json.loads(written[0].read_text())["title"] == "PlanningProblem"


def test_help_imports_no_engine_web_or_database_layer() -> None:
    # `planner --help` must answer at once: the engines, the web application and the database layer
    # are imported only by the command that needs them
    code = (
        "import sys\n"
        "from app.cli import cli\n"
        "try:\n"
        "    cli(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "layers = ('pulp', 'highspy', 'fastapi', 'sqlalchemy', 'sqlmodel', 'uvicorn')\n"
        "heavy = [m for m in layers if m in sys.modules]\n"
        "print('loaded:', ','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "solve" in done.stdout and "serve" in done.stdout and "keys" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "loaded:"


def test_every_command_is_listed_and_loads() -> None:
    from app.cli import COMMANDS, cli

    for name in COMMANDS:
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage" in result.output


def test_the_time_limit_counts_from_the_given_start(tmp_path: Path) -> None:
    # a solve whose time limit began long ago has no time left: it still answers, at once, with what it has
    import time

    from solver import solve

    p = PlanningProblem.model_validate_json(good_problem(tmp_path).read_text())
    p = p.model_copy(update={"options": p.options.model_copy(update={"time_limit_s": 5.0})})
    began = time.monotonic()
    plan = solve(p, started=began - 30.0)
    assert plan.solver.seconds >= 30.0
    assert time.monotonic() - began < 5.0
    assert plan.status in {"optimal", "feasible", "timeout"}
