"""Numbers as a French reader writes them: `1 234,5`, `12,3 %`, `18 000 €`.

The thousands separator is a no-break space (U+00A0) so that a number never wraps across lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
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


@dataclass(frozen=True)
class Unread:
    """Text typed in a number field that is no number, as `forms.number` gives it. Not a `str`, which
    validation would try to read in its own way (`1e3`, `nan`): every number field refuses it,
    `labels.field_errors_fr` names the field and quotes it, and the form gives it back as typed."""

    text: str

    def __str__(self) -> str:
        return self.text


def saisie(value: Any) -> str:
    """A number as a form's text field shows it, every digit kept: `48,9362`, `500 000`, `1 000,5` (no
    `.0`, no rounding). Text, as a person typed it when it was no number, is given back as it is; none
    is an empty field.

    The minus sign stays the keyboard's `-`: the value is there to be edited and posted again (the
    form's parser, `forms.number`, reads `−` as well). Only text fields may hold it: an
    `<input type="number">` refuses `1 234,5`, so the forms' numbers are text fields with
    `inputmode="decimal"` (or `"numeric"`)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    # repr() is the shortest text that reads back as the same float; Decimal writes it without exponent.
    plain = format(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), "f")
    sign = "-" if plain.startswith("-") else ""
    whole, _, decimals = plain.lstrip("-").partition(".")
    decimals = decimals.rstrip("0")
    if int(whole) == 0 and not decimals:
        sign = ""  # no `-0`
    grouped = f"{int(whole):,}".replace(",", NBSP)
    return sign + grouped + ("," + decimals if decimals else "")


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
    "saisie": saisie,
    "pourcent": pourcent,
    "euros": euros,
    "heures": heures,
    "km": km,
    "secondes": secondes,
    "date_fr": date_fr,
}
