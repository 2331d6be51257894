"""Time over the API: work windows of lots and sites, a structure's hours per month or per week.

The fields are those of the planning problem (`solver.periods.Window`, `Availability`); these input
schemas name the field at fault (`lots.0.windows.1.end`) and refuse what the planner would read
silently as something else: overlapping windows, the same trade given twice per month.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from app.core.schemas import ApiInput
from solver.periods import PeriodUnit, Window, check_end, check_trade, named_period, period_unit

MAX_WINDOWS = 50
MAX_AVAILABILITY = 200
MAX_OVERRIDES = 400


class WindowIn(ApiInput, Window):
    """When hours are done: from `start` to `end` (both included), or a named `period`, a school
    holiday of zone C (académie de Créteil) such as `ete-2026`."""

    period: str | None = Field(
        default=None,
        max_length=40,
        description="a school holiday of zone C: toussaint-YYYY, noel-YYYY, hiver-YYYY, printemps-YYYY, "
        "pont-ascension-YYYY, ete-YYYY (known up to the summer of 2026)",
        examples=["ete-2026"],
    )

    # The checks are the planning problem's (`Window`); those of one field run again on the field, first,
    # so that its error names it (`lots.0.windows.1.end`). The window's own checks are inherited.
    @field_validator("end")
    @classmethod
    def _after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        check_end(info.data.get("start"), value)
        return value

    @field_validator("period")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None:
            named_period(value)  # ValueError: unknown, or beyond the shipped school calendar
        return value


def check_windows(value: list[WindowIn] | None) -> list[WindowIn] | None:
    """Windows of one lot or site that overlap are refused: the hours would be read once, not twice."""
    if not value:
        return value
    spans = sorted((w.bounds(), n) for n, w in enumerate(value))
    for ((_, end), n), ((start, _), m) in pairwise(spans):
        if start <= end:
            raise ValueError(
                f"windows {min(n, m)} and {max(n, m)} overlap ({start.isoformat()} to {end.isoformat()}): "
                "give each day once"
            )
    return value


class WindowPublic(Window):
    """A window as posted: dates, or a named period."""

    start: date | None = Field(default=None, exclude_if=lambda v: v is None)
    end: date | None = Field(default=None, exclude_if=lambda v: v is None)
    period: str | None = Field(default=None, exclude_if=lambda v: v is None)


def stored_windows(value: list[WindowIn] | None) -> list[dict[str, Any]] | None:
    """The windows as stored and as the planning problem reads them."""
    return None if value is None else [w.model_dump(mode="json", exclude_none=True) for w in value]


class AvailabilityIn(ApiInput):
    """Hours a structure can give per calendar month or per ISO week in a trade."""

    trade: str = Field(max_length=100, description="a sector slug of the Marché de l'inclusion")
    per: PeriodUnit = Field(description="`month` (2026-07) or `week` (ISO week, 2026-W28)")
    hours: float = Field(ge=0, description="hours per period")
    overrides: dict[str, float] = Field(
        default_factory=dict,
        max_length=MAX_OVERRIDES,
        description='hours of single periods that differ, e.g. a closed August: {"2026-08": 0}',
        examples=[{"2026-08": 40}],
    )

    _trade = field_validator("trade")(check_trade)

    @field_validator("overrides")
    @classmethod
    def _periods(cls, value: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        per = info.data.get("per")
        for key, hours in value.items():
            unit = period_unit(key)
            if unit is None or (per is not None and unit != per):
                shape = (
                    "2026-07" if per == "month" else "2026-W28" if per == "week" else "2026-07 or 2026-W28"
                )
                raise ValueError(f"{key!r} is not a {per or 'period'} ({shape})")
            if hours < 0:
                raise ValueError(f"{key!r}: hours must be >= 0")
        return value


def check_availability(value: list[AvailabilityIn] | None) -> list[AvailabilityIn] | None:
    """One line per trade and unit: a second would be a second, silent cap."""
    seen: set[tuple[str, str]] = set()
    for n, line in enumerate(value or []):
        if (line.trade, line.per) in seen:
            raise ValueError(f"line {n} gives {line.trade!r} per {line.per} a second time")
        seen.add((line.trade, line.per))
    return value
