"""A structure's hours per month or per week in a trade (`availability`), as rows of the structure form.

A row: a trade, `mois` or `semaine`, the hours per period, and the periods that differ written
`2026-08 : 120 ; 2026-12 : 0` (a month `2026-08`, an ISO week `2026-W28`).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

from app.periods.schemas import MAX_AVAILABILITY
from app.web import forms
from app.web.format import saisie

# Blank rows under a structure's lines: two when it has none, one more otherwise.
BLANK_ROWS = 2
_SEPARATOR = re.compile(r"[;\n]")


def overrides_text(overrides: dict[str, Any] | None) -> str:
    return " ; ".join(f"{key} : {saisie(hours)}" for key, hours in (overrides or {}).items())


def rows_from_form(form: FormData) -> list[dict[str, str]]:
    """The filled rows as typed, without those ticked for removal."""
    rows = []
    for i in range(forms.count(form, "av_rows", 0, MAX_AVAILABILITY + BLANK_ROWS)):
        row = {
            "trade": forms.text(form, f"av_trade_{i}"),
            "per": forms.text(form, f"av_per_{i}") or "month",
            "hours": forms.text(form, f"av_hours_{i}"),
            "overrides": forms.text(form, f"av_overrides_{i}"),
        }
        if forms.checked(form, f"av_drop_{i}") or not (row["trade"] or row["hours"] or row["overrides"]):
            continue
        rows.append(row)
    return rows


def availability_data(rows: list[dict[str, str]], errors: dict[str, str]) -> list[dict[str, Any]] | None:
    """The rows as the API takes `availability` (None for none); an exception that cannot be read is
    named in `errors`."""
    lines: list[dict[str, Any]] = []
    for n, row in enumerate(rows):
        overrides: dict[str, Any] = {}
        for item in _SEPARATOR.split(row["overrides"]):
            if not item.strip():
                continue
            parts = re.split(r"\s*[:=]\s*", item.strip(), maxsplit=1)
            if len(parts) != 2 or not parts[0] or not parts[1]:
                errors.setdefault(
                    f"availability.{n}.overrides",
                    f"« {item.strip()} » : attendu période : heures, séparées par « ; » "
                    "(ex. 2026-08 : 120 ; 2026-W28 : 0)",
                )
                continue
            overrides[parts[0]] = forms.number(parts[1])
        lines.append(
            {
                "trade": row["trade"],
                "per": row["per"],
                "hours": forms.number(row["hours"]),
                "overrides": overrides,
            }
        )
    return lines or None


def rows_of(availability: list[Any] | None) -> list[dict[str, str]]:
    """Stored lines as the form's rows."""
    rows = []
    for line in availability or []:
        data = line if isinstance(line, dict) else line.model_dump(mode="json")
        rows.append(
            {
                "trade": data.get("trade") or "",
                "per": data.get("per") or "month",
                "hours": saisie(data.get("hours")),
                "overrides": overrides_text(data.get("overrides")),
            }
        )
    return rows


def with_blanks(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    blank = {"trade": "", "per": "month", "hours": "", "overrides": ""}
    return rows + [blank] * max(1, BLANK_ROWS - len(rows))
