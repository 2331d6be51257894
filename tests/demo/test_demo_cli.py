"""`planner demo` as a newcomer runs it: a fresh SQLite file, files to re-solve with `planner solve`."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.demo import ILLUSTRATIVE_NOTE, SCENARIOS
from solver.plan import Plan
from solver.problem import PlanningProblem

PLANNER = str(Path(sys.executable).with_name("planner"))


def planner(*args: str, database: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run([PLANNER, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def member_sets(plan: Plan) -> list[frozenset[str]]:
    return [frozenset(m.structure for m in g.members) for g in plan.groupings]


def test_an_unknown_scenario_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    database = tmp_path / "planner.db"
    result = CliRunner().invoke(
        cli, ["demo", "--scenario", "cleaning"], env={"DATABASE_URL": f"sqlite:///{database}"}
    )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"erreur : scénario inconnu 'cleaning' : au choix {', '.join(SCENARIOS)}"
    ]
    assert not database.exists(), "nothing is loaded when the request is wrong"


@pytest.mark.slow
def test_the_textile_demo_writes_files_that_planner_solve_plans_alike(tmp_path: Path) -> None:
    database = tmp_path / "planner.db"  # not there yet: the demo creates and migrates it
    out = tmp_path / "out"

    demo = planner(
        "demo",
        "--scenario",
        "textile",
        "--out",
        str(out),
        "--time-limit",
        "7",
        database=database,
        cwd=tmp_path,
    )

    assert demo.returncode == 0, demo.stderr
    assert "CD93-2026-TEXT" in demo.stdout
    # In French, within 100 columns (the summary is not on a terminal here).
    assert ILLUSTRATIVE_NOTE in " ".join(demo.stdout.split())
    assert max(len(line) for line in demo.stdout.splitlines()) <= 100
    assert "structures : 4 créées · marchés : 1 créé" in demo.stdout
    assert "qualité :" in demo.stdout and "Clause sociale" in demo.stdout
    assert "planner keys create --network inser-eco93 --role coordinator" in demo.stdout
    written = {p.name for p in out.iterdir()}
    assert {"textile.plan.json", "textile.problem.json"} <= written
    # The candidature file of the best grouping: DC1, DC2, DC4 and the répartition annex.
    for form in ("dc1", "dc2", "dc4", "annexe-repartition"):
        assert {f"textile.{form}.pdf", f"textile.{form}.json"} <= written, form
        assert (out / f"textile.{form}.pdf").read_bytes().startswith(b"%PDF")
    dc1 = json.loads((out / "textile.dc1.json").read_text("utf-8"))
    assert dc1["tender_reference"] == "CD93-2026-TEXT"
    problem = PlanningProblem.model_validate_json((out / "textile.problem.json").read_text("utf-8"))
    plan = Plan.model_validate_json((out / "textile.plan.json").read_text("utf-8"))
    assert problem.tender.reference == "CD93-2026-TEXT"
    assert problem.options.time_limit_s == 7
    assert plan.groupings
    names = {s.id: s.name for s in problem.structures}
    # a long name may be wrapped in its table cell or in the sentence that introduces the plan
    flat = " ".join(demo.stdout.split())
    for member in plan.groupings[0].members:
        name = names[member.structure]
        assert name in flat or all(word in flat for word in name.split()), "the summary names every member"

    resolved_path = tmp_path / "resolved.json"
    solved = planner(
        "solve",
        str(out / "textile.problem.json"),
        "--out",
        str(resolved_path),
        database=database,
        cwd=tmp_path,
    )
    assert solved.returncode == 0, solved.stderr
    resolved = Plan.model_validate_json(resolved_path.read_text("utf-8"))
    assert member_sets(resolved) == member_sets(plan)
    assert [g.mandataire for g in resolved.groupings][:1] == [g.mandataire for g in plan.groupings][:1]

    again = planner("demo", "--scenario", "textile", database=database, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(database) as db:
        counts = [
            db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("structure", "tender", "plan")
        ]
    invited = len(problem.structures) - len(problem.options.excluded)
    assert counts == [invited, 1, 2], "a second run adds a plan, and no structure or tender"


@pytest.mark.slow
def test_the_deterministic_demo_gives_the_same_plan_twice(tmp_path: Path) -> None:
    plans = []
    for run in ("first", "second"):
        out = tmp_path / run
        demo = planner(
            "demo",
            "--scenario",
            "textile",
            "--deterministic",
            "--time-limit",
            "5",
            "--out",
            str(out),
            database=tmp_path / f"{run}.db",
            cwd=tmp_path,
        )
        assert demo.returncode == 0, demo.stderr
        problem = PlanningProblem.model_validate_json((out / "textile.problem.json").read_text("utf-8"))
        assert problem.options.deterministic
        plans.append(Plan.model_validate_json((out / "textile.plan.json").read_text("utf-8")))
    first, second = plans
    assert first.groupings
    assert [g.model_dump() for g in first.groupings] == [g.model_dump() for g in second.groupings]
