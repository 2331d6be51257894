"""The hours a grouping takes from each structure, in time: what a commitment holds.

Per structure and trade, the hours its own staff do (the solver's own hours: a member's sites less
the hours put at its disposal and those it subcontracts; an intermédiaire's hours put at a member's
disposal, Code du travail L5132-7; a sous-traitant's hours, CCP L2193-1), each placed when the work
is done:

- a site with work windows: on the working days of its windows (Monday to Friday, public holidays
  excepted, Code du travail L3133-1; `solver.loads.site_days`), as runs of
  days without a gap within a month, so that spreading a line over the working days between its dates
  gives back the site's own days;
- a site without windows: over the tender's execution, and when a date is missing over one year (as
  the solver counts the years of execution): from `execution_start`, or up to `execution_end`, or from
  the day the grouping was accepted.

Hours put at a member's disposal or subcontracted on a lot are placed like the member's hours on it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from solver import loads, periods
from solver.problem import PlanningProblem, TenderSpec

Span = tuple[date, date]


@dataclass(frozen=True)
class Line:
    structure: str
    trade: str
    start: date
    end: date
    hours: float


def _one_year_from(day: date) -> date:
    try:
        return day.replace(year=day.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _one_year_to(day: date) -> date:
    try:
        return day.replace(year=day.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        return date(day.year - 1, 3, 1)


def untimed_span(tender: TenderSpec, accepted_on: date) -> Span:
    """When hours without a work window are done: the execution, one year when a date is missing."""
    start, end = tender.execution_start, tender.execution_end
    if start is not None and end is not None:
        return start, end
    if start is not None:
        return start, _one_year_from(start)
    if end is not None:
        return _one_year_to(end), end
    return accepted_on, _one_year_from(accepted_on)


def _gap(before: date, after: date) -> bool:
    """Whether a working day lies strictly between two days."""
    return bool(periods.working_days([(before + timedelta(days=1), after - timedelta(days=1))]))


def runs(daily: dict[date, float]) -> dict[Span, float]:
    """A site's hours per day as runs of working days within a month and without a gap."""
    out: dict[Span, float] = {}
    days = sorted(daily)
    first = prev = days[0]
    total = daily[first]
    for day in days[1:]:
        if periods.month_of(day) != periods.month_of(prev) or _gap(prev, day):
            out[first, prev] = total
            first, total = day, 0.0
        total += daily[day]
        prev = day
    out[first, prev] = total
    return out


def grouping_lines(problem: PlanningProblem, grouping: dict[str, Any], accepted_on: date) -> list[Line]:
    """The hours each structure of the grouping gives, per trade and span of days."""
    return tender_lines(problem.tender, grouping, accepted_on)


def tender_lines(tender: TenderSpec, grouping: dict[str, Any], accepted_on: date) -> list[Line]:
    """The hours each structure of a grouping of the tender gives (a plan's or a portfolio's)."""
    where = {site.id: lot for lot, site in tender.sites()}
    hours = {site.id: site.hours for _, site in tender.sites()}
    trade = {lot.id: lot.trade for lot in tender.lots}
    timed = loads.site_days(tender)
    fallback = untimed_span(tender, accepted_on)
    # (structure, lot) -> span -> hours of its sites
    shape: dict[tuple[str, str], dict[Span, float]] = defaultdict(lambda: defaultdict(float))
    for a in grouping.get("assignments", []):
        site, structure = a["site"], a["structure"]
        lot = where[site].id
        if site in timed:
            for span, h in runs(timed[site]).items():
                shape[structure, lot][span] += h
        else:
            shape[structure, lot][fallback] += hours[site]
    # hours the structure's own staff do not do, and who does them instead
    handed: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for line in grouping.get("staffing", []):
        handed[line["to"], line["lot"]].append((line["from"], line["hours"]))
    for line in grouping.get("subcontracts", []):
        handed[line["from"], line["lot"]].append((line["to"], line["hours"]))
    out: dict[tuple[str, str, date, date], float] = defaultdict(float)
    for (structure, lot), spans in shape.items():
        total = sum(spans.values())
        others = handed.get((structure, lot), [])
        own = max(0.0, total - sum(h for _, h in others))
        for (start, end), h in spans.items():
            share = h / total if total > 0 else 0.0
            out[structure, trade[lot], start, end] += own * share
            for other, given in others:
                out[other, trade[lot], start, end] += given * share
    return [
        Line(structure, t, start, end, round(h, 2))
        for (structure, t, start, end), h in sorted(out.items())
        if round(h, 2) > 0
    ]
