"""`planner solve PROBLEM.json [--out PLAN.json]`: solve a planning problem file offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def solve_command(
    problem: Annotated[Path, typer.Argument(help="planning problem JSON file")],
    out: Annotated[Path | None, typer.Option("--out", help="write the plan here instead of stdout")] = None,
) -> None:
    """Solve a planning problem file and print the plan as JSON."""
    raise typer.Exit(code=1)
