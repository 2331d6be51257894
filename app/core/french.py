"""French notation shared by what people read: the demo's report, the forms and the web pages."""

from __future__ import annotations

MONTHS = (
    *("janvier", "février", "mars", "avril", "mai", "juin"),
    *("juillet", "août", "septembre", "octobre", "novembre", "décembre"),
)


def number(value: float, decimals: int = 0, *, thousands: str = " ") -> str:
    """`1234.5` -> `1 234,5`: `thousands` between groups of digits, a decimal comma."""
    return f"{value:,.{decimals}f}".replace(",", thousands).replace(".", ",")
