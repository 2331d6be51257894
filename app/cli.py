"""The `planner` command line.

Each command's module (the solving engines, the web application, the database layer) is imported only
when that command runs, so that `planner --help` answers at once.
"""

from __future__ import annotations

import importlib

import typer
from typer import _click as click  # the click Typer is built on (vendored since Typer 0.24)
from typer.core import TyperGroup

# name: (module, attribute, one-line help shown by `planner --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "solve": ("solver.cli", "solve_command", "Solve a planning problem file and print the plan as JSON."),
    "serve": (
        "app.core.cli",
        "serve_command",
        "Serve the HTTP API (the embedded SQLite database is migrated).",
    ),
    "migrate": (
        "app.core.cli",
        "migrate_command",
        "Apply the database migrations (DATABASE_URL, SQLite by default).",
    ),
    "demo": (
        "app.demo.cli",
        "demo_command",
        "Load the Seine-Saint-Denis scenarios, plan and summarise each.",
    ),
    "worker": ("app.jobs.cli", "worker_command", "Solve queued plans from the PostgreSQL job queue."),
    "networks": ("app.networks.cli", "networks", "Create and list networks."),
    "keys": ("app.networks.cli", "keys", "Create, list and revoke a network's API keys."),
    "load-calendar": (
        "app.calendar.cli",
        "load_calendar_command",
        "Print a network's load calendar: hours per structure and month against capacity.",
    ),
}


def load_command(name: str) -> click.Command:
    """The click command of `name`, its module imported now."""
    module, attribute, _ = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        return typer.main.get_group(target)
    holder = typer.Typer(add_completion=False)
    holder.command(name)(target)
    return typer.main.get_command(holder)


class LazyGroup(TyperGroup):
    """Lists the commands from `COMMANDS` and imports a command's module only when it is called."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        command = load_command(cmd_name)
        command.name = cmd_name
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, text) for name, (_, _, text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


cli = typer.Typer(
    cls=LazyGroup,
    help="Plan consortia (GME) of social enterprises answering public tenders.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@cli.callback()
def _root() -> None:
    """Plan consortia (GME) of social enterprises answering public tenders."""


def main() -> None:
    cli()
