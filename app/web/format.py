"""Numbers as a French reader writes them: `1 234,5`, `12,3 %`, `18 000 €`.

The thousands separator is a no-break space (U+00A0) so that a number never wraps across lines.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.core.french import MONTHS

NBSP = "\u00a0"
PARIS = ZoneInfo("Europe/Paris")


def nombre(value: Any, decimals: int = 0) -> str:
    if value is None or value == "":
        return "–"
    number = float(value)
    if decimals == 0:
        number = round(number)
    text = f"{number:,.{decimals}f}"
    if text.startswith("-"):
        text = "−" + text[1:]
    if text in ("−0", "−0,0") or (text.startswith("−") and float(text[1:].replace(",", "")) == 0):
        text = text[1:]
    return text.replace(",", NBSP).replace(".", ",")


def pourcent(share: Any, decimals: int = 1) -> str:
    """A share (0.123) as a percentage (`12,3 %`)."""
    if share is None:
        return "–"
    return f"{nombre(float(share) * 100, decimals)}{NBSP}%"


def euros(value: Any) -> str:
    return "–" if value is None else f"{nombre(value)}{NBSP}€"


def heures(value: Any) -> str:
    return "–" if value is None else f"{nombre(value)}{NBSP}h"


def km(value: Any, decimals: int = 1) -> str:
    return "–" if value is None else f"{nombre(value, decimals)}{NBSP}km"


def secondes(value: Any) -> str:
    if value is None:
        return "–"
    seconds = float(value)
    if seconds < 60:
        return f"{nombre(seconds, 1)}{NBSP}s"
    return f"{int(seconds // 60)}{NBSP}min{NBSP}{int(seconds % 60):02d}{NBSP}s"


def date_fr(value: Any) -> str:
    """`2 mars 2026`, with the time (`à 12 h 00`) for a datetime."""
    if value is None:
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(PARIS)  # stored in UTC, read in the coordinator's time
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    if isinstance(value, datetime):
        text += f" à {value.hour}{NBSP}h{NBSP}{value.minute:02d}"
    return text


FILTERS = {
    "nombre": nombre,
    "pourcent": pourcent,
    "euros": euros,
    "heures": heures,
    "km": km,
    "secondes": secondes,
    "date_fr": date_fr,
}
