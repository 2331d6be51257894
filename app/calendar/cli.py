"""`planner load-calendar --network SLUG [--from 2026-07] [--to 2027-06]`: the network's load calendar.

Per structure and month, the hours planned and committed against the month's capacity
(`planifié+engagé / capacité`, `!` past it), a few months per table so that it reads within 100
columns, as `planner demo --scenario year` prints it; then each tender's months.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.calendar.schemas import LoadCalendar
from app.calendar.service import MAX_MONTHS, load_calendar
from app.core.cli import fail
from app.core.errors import InvalidInput
from app.networks import service as networks
from app.networks.cli import session_scope
from solver.portfolio_cli import load_tables, month_fr, number_fr
from solver.portfolio_spec import MonthLoad

WIDTH = 100
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
STATES = {"committed": "engagé", "planned": "planifié"}
YEARLY_MARK = " ¹"


def _month(option: str, value: str | None) -> str | None:
    if value is not None and not _MONTH.match(value):
        raise fail(f"{option} : un mois s'écrit AAAA-MM (2026-07), pas {value!r}", code=2)
    return value


def rows(calendar: LoadCalendar) -> list[MonthLoad]:
    """One row per structure and month with hours, headed by the structure's name."""
    out = []
    for s in calendar.structures:
        name = s.name + (YEARLY_MARK if s.capacity_basis == "yearly" else "")
        for m in s.months:
            if m.committed or m.planned:
                out.append(
                    MonthLoad(
                        structure=name,
                        period=m.month,
                        capacity=m.capacity,
                        committed=m.committed,
                        planned=m.planned,
                    )
                )
    return out


def month_spans(months: list[str]) -> str:
    """`juil. 2026 – juin 2027, sept. 2027`: runs of consecutive months."""
    runs: list[list[str]] = []
    for month in months:
        year, number = int(month[:4]), int(month[5:])
        if runs:
            last = runs[-1][-1]
            follows = (int(last[:4]) * 12 + int(last[5:])) + 1 == year * 12 + number
            if follows:
                runs[-1].append(month)
                continue
        runs.append([month])
    return ", ".join(month_fr(r[0]) if len(r) == 1 else f"{month_fr(r[0])} – {month_fr(r[-1])}" for r in runs)


def tenders_table(calendar: LoadCalendar) -> Table:
    table = Table(title="Marchés : heures engagées (groupement retenu) ou planifiées (dernier plan)")
    for column, justify in (
        ("marché", "left"),
        ("état", "left"),
        ("du", "right"),
        ("au", "right"),
        ("heures", "right"),
        ("mois utilisés", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for t in calendar.tenders:
        table.add_row(
            t.reference,
            STATES[t.state],
            t.start.strftime("%d/%m/%Y"),
            t.end.strftime("%d/%m/%Y"),
            number_fr(t.hours),
            month_spans([m.month for m in t.months]),
        )
    return table


def print_calendar(console: Console, calendar: LoadCalendar) -> None:
    period = f"{month_fr(calendar.start)} – {month_fr(calendar.end)}"
    if not calendar.structures:
        console.print(f"Aucune heure engagée ni planifiée de {period}.", highlight=False)
        return
    for table in load_tables(rows(calendar), months=calendar.months):
        console.print(table)
    console.print(
        "Capacité du mois : les heures par mois ou par semaine de la structure ; "
        f"{YEARLY_MARK.strip()} sa capacité annuelle ÷ 12 quand elle n'en donne pas. "
        "! : au-delà de la capacité.",
        highlight=False,
    )
    console.print(tenders_table(calendar))


def load_calendar_command(
    network: Annotated[str, typer.Option("--network", help="le réseau (son identifiant)")],
    start: Annotated[
        str | None, typer.Option("--from", help="premier mois, AAAA-MM (par défaut le mois en cours)")
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help=f"dernier mois, AAAA-MM (12 mois par défaut, {MAX_MONTHS} au plus)"),
    ] = None,
) -> None:
    """Le calendrier de charge du réseau : par structure et par mois, heures engagées et planifiées
    face à la capacité."""
    start, end = _month("--from", start), _month("--to", end)
    if start and end and end < start:
        raise fail(f"--to : le dernier mois ({end}) précède le premier ({start})", code=2)
    with session_scope() as session:
        network_id = networks.get_network(session, network).id
        assert network_id is not None
        try:
            calendar = load_calendar(session, network_id, start, end)
        except InvalidInput:
            raise fail(f"--to : {MAX_MONTHS} mois au plus à la fois", code=2) from None
    console = Console() if sys.stdout.isatty() or "COLUMNS" in os.environ else Console(width=WIDTH)
    print_calendar(console, calendar)
