"""The `planner` command line."""

from __future__ import annotations

import typer

from app.core.cli import migrate_command, serve_command
from app.demo.cli import demo_command
from app.jobs.cli import worker_command
from app.networks.cli import keys, networks
from solver.cli import solve_command

cli = typer.Typer(
    help="Plan consortia (GME) of social enterprises answering public tenders.", no_args_is_help=True
)
cli.command("solve")(solve_command)
cli.command("serve")(serve_command)
cli.command("migrate")(migrate_command)
cli.command("demo")(demo_command)
cli.command("worker")(worker_command)
cli.add_typer(networks, name="networks")
cli.add_typer(keys, name="keys")


def main() -> None:
    cli()
