"""French notation shared by what people read: the demo's report, the forms and the web pages."""

from __future__ import annotations

import math
import re

from solver.periods import MONTHS  # the French months: one list for the app and the planner

__all__ = ["MONTHS", "number", "read_number"]

# After the spaces are taken out: a sign, digits, a decimal comma or point and digits.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")


def number(value: float, decimals: int = 0, *, thousands: str = " ") -> str:
    """`1234.5` -> `1 234,5`: `thousands` between groups of digits, a decimal comma."""
    return f"{value:,.{decimals}f}".replace(",", thousands).replace(".", ",")


def read_number(value: str) -> float | None:
    """A number as a person types it, the French way or the plain way: `1 234,5`, `1234,5`, `1234.5`,
    `-0,5` or `−0,5`, the thousands apart by a space, a no-break or a narrow no-break space (any space
    is taken out). Nothing typed is None. Anything else (`1.234,5`, `1,234.5`, `12 %`, `1e5`, `nan`, a
    number too large for a float) raises ValueError. Every number a person types, in a form or in a
    spreadsheet of the directory, is read here."""
    cleaned = re.sub(r"\s", "", value).replace("\u2212", "-")  # \s: U+00A0, U+202F, U+2009 too
    if cleaned == "":
        return None
    if _NUMBER.fullmatch(cleaned):
        read = float(cleaned.replace(",", "."))
        if math.isfinite(read):
            return read
    raise ValueError(f"not a number: {value.strip()!r} (write it as 1 234,5 or 1234.5)")
