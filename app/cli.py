"""The `planner` command line."""

from __future__ import annotations

import typer

from solver.cli import solve_command

cli = typer.Typer(
    help="Plan consortia (GME) of social enterprises answering public tenders.", no_args_is_help=True
)
cli.command("solve")(solve_command)


def main() -> None:
    cli()
