"""Calendrier de charge: the network's load per structure and month as a heat map, the months each
tender uses, and the commitments a coordinator may release."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from app.calendar import service
from app.calendar.schemas import LoadCalendar, MonthLoad
from app.commitments import service as commitments
from app.commitments.models import CommitmentStatus
from app.core.deps import ResourceId, SessionDep
from app.core.errors import InvalidInput
from app.web.auth import PageCaller, WebRoute, checked_form, writer
from app.web.format import heures, nombre
from app.web.render import render
from solver.periods import period_name

router = APIRouter(prefix="/charge", route_class=WebRoute, include_in_schema=False)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
SHORT = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
# Load ratio (hours committed and planned ÷ capacity) -> colour class and words, lowest first.
LEVELS = [
    (0.5, "n1", "moins de 50 %"),
    (0.8, "n2", "de 50 à 80 %"),
    (1.0, "n3", "de 80 à 100 %"),
    (float("inf"), "n4", "au-delà de 100 %"),
]


@dataclass
class Cell:
    css: str
    text: str
    detail: str
    title: str


def _month_name(month: str) -> str:
    return period_name(month)


def _cell(structure: str, m: MonthLoad) -> Cell:
    used = m.committed + m.planned
    parts = []
    if m.committed:
        parts.append(f"{heures(m.committed)} engagées")
    if m.planned:
        parts.append(f"{heures(m.planned)} planifiées")
    hours = " et ".join(parts) or "aucune heure"
    if m.capacity is None:
        title = f"{structure}, {_month_name(m.month)} : {hours}, capacité inconnue"
        return Cell(
            "inconnue" if used else "n0", nombre(used) if used else "", "" if not used else "?", title
        )
    ratio = m.load_ratio or 0.0
    css = "n0" if not used else next(c for limit, c, _ in LEVELS if ratio <= limit)
    share = f"{nombre(100 * ratio)} %"
    title = f"{structure}, {_month_name(m.month)} : {hours} sur {heures(m.capacity)} de capacité ({share})"
    if not used:
        return Cell(css, "", "", title)
    return Cell(css, f"{nombre(used)}/{nombre(m.capacity)}", share + (" !" if ratio > 1 else ""), title)


def _shift(month: str, months: int) -> str:
    n = int(month[:4]) * 12 + int(month[5:]) - 1 + months
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def _view(calendar: LoadCalendar) -> dict[str, Any]:
    count = len(calendar.months)
    return {
        "calendar": calendar,
        "heads": [(SHORT[int(m[5:]) - 1], m[:4], _month_name(m)) for m in calendar.months],
        "rows": [(s, [_cell(s.name, m) for m in s.months]) for s in calendar.structures],
        "tender_rows": [
            (
                t,
                [
                    (next((x.hours for x in t.months if x.month == m), 0.0), _month_name(m))
                    for m in calendar.months
                ],
            )
            for t in calendar.tenders
        ],
        "before": (_shift(calendar.start, -count), _shift(calendar.start, -1)),
        "after": (_shift(calendar.end, 1), _shift(calendar.end, count)),
        "levels": [(c, words) for _, c, words in LEVELS],
    }


@router.get("")
def load_calendar(
    request: Request, session: SessionDep, caller: PageCaller, du: str | None = None, au: str | None = None
) -> Response:
    """The heat map of the network's load: 12 months from the current one unless asked otherwise."""
    error = None
    asked = [v if v and _MONTH.match(v) else None for v in (du, au)]
    if (du and not asked[0]) or (au and not asked[1]):
        error = (
            "Un mois s'écrit AAAA-MM (par exemple 2026-07) : "
            "les 12 mois à partir de ce mois-ci sont affichés."
        )
        asked = [None, None]
    try:
        calendar = service.load_calendar(session, caller.network_id, asked[0], asked[1])
    except InvalidInput as exc:
        reason = exc.errors[0].reason if exc.errors else ""
        error = (
            f"Période refusée : {service.MAX_MONTHS} mois au plus."
            if "at most" in reason
            else "Période refusée : le dernier mois précède le premier."
        )
        calendar = service.load_calendar(session, caller.network_id)
    active = commitments.list_commitments(
        session, caller.network_id, status=CommitmentStatus.active, limit=200
    ).items
    released = request.query_params.get("libere")
    context = _view(calendar) | {
        "error": error,
        "active": active,
        "released": released if released and released.isdigit() else None,
    }
    return render(request, "charge.html", context)


@router.post("/engagements/{commitment_id}/liberer")
async def release(
    request: Request, session: SessionDep, caller: PageCaller, commitment_id: ResourceId
) -> Response:
    """Free a commitment's hours for the plans to come."""
    form = await checked_form(request)
    writer(caller)
    commitments.release(session, caller.network_id, commitment_id)
    back = {k: str(form.get(k) or "") for k in ("du", "au")}
    query = "&".join(f"{k}={v}" for k, v in back.items() if _MONTH.match(v))
    return RedirectResponse(f"/charge?{query + '&' if query else ''}libere={commitment_id}", status_code=303)
