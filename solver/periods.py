"""Time in the planning problem: work windows, capacity per period, commitments, and the calendar.

- A **work window** says when a lot's or a site's hours are done: dates (`start`, `end`) or a named
  period of the school calendar of zone C (académie de Créteil, Seine-Saint-Denis), e.g. `ete-2026`
  for the summer holidays of 2026 (see `solver/reference/README.md`). A site's hours are spread evenly
  over the working days of its windows: Monday to Friday, French public holidays excepted (Code du
  travail L3133-1; the `holidays` package's calendar of metropolitan France).
- A structure's **availability** gives its hours per month or per ISO week in a trade (`overrides`
  change single periods: a closed August, a busy week).
- A **commitment** is hours a structure has already promised (an accepted grouping, other work): spread
  like a site's hours over the working days of its dates, they are taken off the availability.

Periods are calendar months (`2026-07`) and ISO weeks (`2026-W28`). This module reads nothing of the
planning problem: `solver.problem` imports its types.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Literal

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from solver.reference import sector_slugs

PeriodUnit = Literal["month", "week"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


@dataclass(frozen=True)
class NamedPeriod:
    slug: str
    name: str
    start: date
    end: date


@cache
def school_holidays() -> dict[str, NamedPeriod]:
    """The school holidays of zone C, by slug (`toussaint-2025`, `noel-2025`, `hiver-2026`, ...)."""
    text = resources.files("solver.reference").joinpath("vacances_scolaires_zone_c.csv").read_text("utf-8")
    return {
        row["slug"]: NamedPeriod(
            row["slug"], row["name"], date.fromisoformat(row["start"]), date.fromisoformat(row["end"])
        )
        for row in csv.DictReader(text.splitlines())
    }


def calendar_ends() -> date:
    """The last day the shipped school calendar covers."""
    return max(p.end for p in school_holidays().values())


def named_period(slug: str) -> NamedPeriod:
    """A named period, or ValueError saying why not (unknown, or beyond the shipped data)."""
    found = school_holidays().get(slug)
    if found is not None:
        return found
    ends = calendar_ends()
    kind, _, year = slug.rpartition("-")
    known = {p.slug.rpartition("-")[0] for p in school_holidays().values()}
    if kind in known and year.isdigit() and int(year) >= ends.year:
        raise ValueError(
            f"named period {slug!r} is beyond the school calendar shipped (zone C, known up to "
            f"{ends.isoformat()}): give its dates instead"
        )
    raise ValueError(
        f"unknown named period {slug!r}: use a school holiday of zone C such as 'ete-2026', "
        "'toussaint-2025', 'noel-2025', 'hiver-2026', 'printemps-2026' or 'pont-ascension-2026'"
    )


def check_end(start: date | None, end: date | None) -> None:
    """ValueError when a window ends before it starts (nothing to say while either is unknown)."""
    if start is not None and end is not None and end < start:
        raise ValueError(f"the window ends before it starts ({start.isoformat()})")


class Window(_Model):
    """When hours are done: from `start` to `end` (both included), or the named `period`."""

    start: date | None = None
    end: date | None = None
    period: str | None = Field(default=None, description="a school holiday of zone C, e.g. `ete-2026`")

    @model_validator(mode="after")
    def _one_way(self) -> Window:
        if self.period is not None:
            if self.start is not None or self.end is not None:
                raise ValueError("give either `period` or `start` and `end`, not both")
            named_period(self.period)
        elif self.start is None or self.end is None:
            raise ValueError("a window needs `start` and `end`, or a named `period`")
        check_end(self.start, self.end)
        if not working_days([self.bounds()]):
            raise ValueError("the window has no working day (Monday to Friday, public holidays excepted)")
        return self

    def bounds(self) -> tuple[date, date]:
        if self.period is not None:
            named = named_period(self.period)
            return named.start, named.end
        assert self.start is not None and self.end is not None
        return self.start, self.end


def check_trade(value: str) -> str:
    """A trade is a sector slug of the Marché de l'inclusion, or ValueError."""
    if value not in sector_slugs():
        raise ValueError(f"unknown trade {value!r}: not a sector slug of the Marché de l'inclusion")
    return value


class Availability(_Model):
    """Hours a structure can give per month or per ISO week in a trade."""

    trade: str
    per: PeriodUnit
    hours: float = Field(ge=0, description="hours per period")
    overrides: dict[str, float] = Field(
        default_factory=dict, description="hours of single periods (`2026-08`, `2026-W28`) that differ"
    )

    _trade = field_validator("trade")(check_trade)

    @model_validator(mode="after")
    def _overrides(self) -> Availability:
        for key, hours in self.overrides.items():
            if period_unit(key) != self.per:
                raise ValueError(f"overrides: {key!r} is not a {self.per} (2026-07 or 2026-W28)")
            if hours < 0:
                raise ValueError(f"overrides: {key!r} must be >= 0 hours")
        return self

    def hours_in(self, key: str) -> float:
        return self.overrides.get(key, self.hours)


class Commitment(_Model):
    """Hours already promised: taken off the structure's availability over the working days of its
    dates."""

    reference: str = Field(min_length=1, max_length=120, description="what the hours are promised to")
    trade: str
    start: date
    end: date
    hours: float = Field(gt=0)

    _trade = field_validator("trade")(check_trade)

    @model_validator(mode="after")
    def _dates(self) -> Commitment:
        if self.end < self.start:
            raise ValueError("`end` must not be before `start`")
        if not working_days([(self.start, self.end)]):
            raise ValueError("the dates hold no working day (Monday to Friday, public holidays excepted)")
        return self


# --- the calendar ----------------------------------------------------------------------------------


@cache
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday, French public holidays (metropolitan France) excepted."""
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def days(start: date, end: date) -> Iterable[date]:
    for n in range((end - start).days + 1):
        yield start + timedelta(days=n)


def working_days(windows: Iterable[tuple[date, date]]) -> list[date]:
    """The working days of the union of the windows, in order."""
    found = {d for start, end in windows for d in days(start, end) if is_working_day(d)}
    return sorted(found)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def period_of(day: date, unit: PeriodUnit) -> str:
    return month_of(day) if unit == "month" else week_of(day)


def period_unit(key: str) -> PeriodUnit | None:
    """`month` for `2026-07`, `week` for `2026-W28`, None for anything else."""
    parts = key.split("-")
    if len(parts) != 2 or not parts[0].isdigit() or len(parts[0]) != 4:
        return None
    if parts[1].isdigit() and len(parts[1]) == 2 and 1 <= int(parts[1]) <= 12:
        return "month"
    if parts[1][:1] == "W" and parts[1][1:].isdigit() and 1 <= int(parts[1][1:]) <= 53:
        return "week"
    return None


def spread(hours: float, windows: Iterable[tuple[date, date]]) -> dict[date, float]:
    """`hours` spread evenly over the working days of the windows; ValueError when there is none."""
    found = working_days(windows)
    if not found:
        raise ValueError("the window has no working day (Monday to Friday, public holidays excepted)")
    each = hours / len(found)
    return dict.fromkeys(found, each)


def by_period(daily: dict[date, float], unit: PeriodUnit) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for day, hours in daily.items():
        out[period_of(day, unit)] += hours
    return dict(out)


MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def period_name(key: str) -> str:
    """A month (`2026-07`) or an ISO week (`2026-W28`) as a coordinator reads it: `juillet 2026`,
    `semaine 28 de 2026`."""
    if period_unit(key) == "month":
        return f"{MONTHS[int(key[5:]) - 1]} {key[:4]}"
    return f"semaine {int(key[6:])} de {key[:4]}"


def working_days_in(key: str) -> int:
    """Working days of a month (`2026-07`) or an ISO week (`2026-W28`)."""
    unit = period_unit(key)
    if unit == "month":
        year, month = int(key[:4]), int(key[5:])
        first = date(year, month, 1)
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return len(working_days([(first, last)]))
    if unit == "week":
        monday = date.fromisocalendar(int(key[:4]), int(key[6:]), 1)
        return len(working_days([(monday, monday + timedelta(days=6))]))
    raise ValueError(f"not a period: {key!r}")
