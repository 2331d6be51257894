"""The tender form: header fields, lots, each lot's sites as lines of text and its work windows, to and
from the API's body.

A site is one line: `identifiant ; nom ; latitude ; longitude ; territoire ; heures ; montant` (a
spreadsheet's columns pasted with tabs work too). A lot's work window is a row: a school holiday of
zone C chosen in a list, or a start and an end date. Sites' own windows are given over the API only:
the form keeps them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData

from app.periods.schemas import MAX_WINDOWS
from app.tenders.schemas import MAX_LOTS, LotCreate
from app.web import forms
from app.web.format import saisie

PARIS = ZoneInfo("Europe/Paris")
SITE_COLUMNS = ("id", "name", "lat", "lon", "territory", "hours", "value_eur")
BLANK_LOTS = 1
# Blank window rows under a lot's windows: two when it has none, one more otherwise.
BLANK_WINDOWS = 2
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
# Lot fields of the planning problem beyond id, title, trade and sites, offered when the model has them.
LOT_EXTRAS = [name for name in ("insertion_hours", "essential") if name in LotCreate.model_fields]


def _deadline(value: str) -> str | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment.isoformat()


def _day(value: str) -> str | None:
    """A date as typed: ISO (`2026-07-06`, what a date field sends) or French (`06/07/2026`)."""
    found = _FRENCH_DATE.match(value)
    if found:
        day, month, year = found.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return value or None


def windows_from_form(form: FormData, i: int) -> list[dict[str, Any]] | None:
    """The windows of lot row `i`: each filled row not ticked for removal, in order; None for none."""
    windows: list[dict[str, Any]] = []
    for j in range(forms.count(form, f"lot_win_rows_{i}", 0, MAX_WINDOWS + BLANK_WINDOWS)):
        if forms.checked(form, f"lot_win_drop_{i}_{j}"):
            continue
        window = {
            "period": forms.optional(form, f"lot_win_period_{i}_{j}"),
            "start": _day(forms.text(form, f"lot_win_start_{i}_{j}")),
            "end": _day(forms.text(form, f"lot_win_end_{i}_{j}")),
        }
        if any(v is not None for v in window.values()):
            windows.append(forms.drop_none(window))
    return windows or None


def window_rows(windows: list[Any] | None) -> list[dict[str, Any]]:
    """A lot's windows as the form's rows (dicts), with blank rows to add more."""
    rows = [w if isinstance(w, dict) else w.model_dump(mode="json", exclude_none=True) for w in windows or []]
    return rows + [{}] * max(1, BLANK_WINDOWS - len(rows))


def sites_from_text(text: str, lot_index: int, errors: dict[str, str]) -> list[dict[str, Any]]:
    sites: list[dict[str, Any]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in re.split(r"[;\t]", line)]
        if len(cells) != len(SITE_COLUMNS):
            errors.setdefault(
                f"lots.{lot_index}.sites",
                f"ligne {n} : {len(SITE_COLUMNS)} valeurs attendues séparées par « ; » "
                "(identifiant ; nom ; latitude ; longitude ; territoire ; heures ; montant), "
                f"{len(cells)} lues",
            )
            continue
        site: dict[str, Any] = dict(zip(SITE_COLUMNS, cells, strict=True))
        for key in ("lat", "lon", "hours", "value_eur"):
            site[key] = forms.number(site[key])
        site["territory"] = site["territory"] or None
        sites.append(site)
    return sites


def sites_to_text(sites: list[Any]) -> str:
    lines = []
    for site in sites:
        data = site if isinstance(site, dict) else site.model_dump()
        lines.append(" ; ".join(saisie(data.get(c)) for c in SITE_COLUMNS))
    return "\n".join(lines)


def tender_data(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The body of a tender as the API takes it, and the form errors found before validation."""
    errors: dict[str, str] = {}
    lots: list[dict[str, Any]] = []
    for i in range(forms.count(form, "lot_count", 1, MAX_LOTS + BLANK_LOTS)):
        lot_id = forms.text(form, f"lot_id_{i}")
        sites_text = forms.text(form, f"lot_sites_{i}")
        if not lot_id and not sites_text:
            continue
        lot: dict[str, Any] = {
            "id": lot_id,
            "title": forms.text(form, f"lot_title_{i}"),
            "trade": forms.text(form, f"lot_trade_{i}"),
            "cpv": forms.optional(form, f"lot_cpv_{i}"),
            "sites": sites_from_text(sites_text, len(lots), errors),
        }
        if "insertion_hours" in LOT_EXTRAS:
            lot["insertion_hours"] = forms.number_field(form, f"lot_insertion_hours_{i}")
        if "essential" in LOT_EXTRAS:
            lot["essential"] = forms.checked(form, f"lot_essential_{i}")
        kept = forms.drop_none(lot) | {"sites": lot["sites"]}
        if f"lot_win_rows_{i}" in form:
            # The form shows the lot's windows: what it posts replaces them, none removes them.
            kept["windows"] = windows_from_form(form, i)
        lots.append(kept)
    data = {
        "reference": forms.text(form, "reference"),
        "title": forms.text(form, "title"),
        "buyer": forms.optional(form, "buyer"),
        "kind": forms.text(form, "kind"),
        "cpv_codes": forms.words(form, "cpv_codes"),
        "reserved": forms.checked(form, "reserved"),
        "insertion_hours": forms.number_field(form, "insertion_hours"),
        "deadline": _deadline(forms.text(form, "deadline")),
        "execution_start": forms.optional(form, "execution_start"),
        "execution_end": forms.optional(form, "execution_end"),
        "estimated_value_eur": forms.number_field(form, "estimated_value_eur"),
        "lots": lots,
    }
    return data, errors


def form_values(tender: dict[str, Any]) -> dict[str, Any]:
    """A stored tender (as the API answers it) as the form shows it."""
    values = dict(tender)
    deadline = tender.get("deadline")
    if deadline:
        moment = datetime.fromisoformat(str(deadline)).astimezone(PARIS)
        values["deadline"] = moment.strftime("%Y-%m-%dT%H:%M")
    values["cpv_codes"] = ", ".join(tender.get("cpv_codes") or [])
    values["lots"] = [
        lot | {"sites_text": sites_to_text(lot.get("sites", []))} for lot in tender.get("lots", [])
    ]
    return values


def keep_windows(data: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """The stored work windows of the sites the form keeps (by id), which the form does not show, and of
    its lots when the form posted none of their window rows: replacing the lots must not drop them."""
    lots = {lot["id"]: lot for lot in stored.get("lots", [])}
    sites = {site["id"]: site for lot in lots.values() for site in lot.get("sites", [])}
    for lot in data.get("lots", []):
        if lots.get(lot.get("id"), {}).get("windows") is not None:
            lot.setdefault("windows", lots[lot["id"]]["windows"])
        for site in lot.get("sites", []):
            if sites.get(site.get("id"), {}).get("windows") is not None:
                site.setdefault("windows", sites[site["id"]]["windows"])
    return data
