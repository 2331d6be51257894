"""Jinja2 templates of the web app, with the French number filters and the words of `labels`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.web import format as fmt
from app.web import labels
from solver.reference import sectors


def _sector_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for slug, (name, group) in sectors().items():
        groups.setdefault(group, []).append((slug, name))
    return sorted((g, sorted(items, key=lambda i: i[1])) for g, items in groups.items())


templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters.update(fmt.FILTERS)
templates.env.filters["metier"] = labels.trade
templates.env.filters["periode"] = labels.window
# A draft tender's sites may have no hours yet: they count for nothing in a sum.
templates.env.filters["somme"] = lambda items, attr: sum(getattr(i, attr, None) or 0 for i in items)
templates.env.globals.update(
    KINDS=labels.KINDS,
    TENDER_KINDS=labels.TENDER_KINDS,
    PLAN_STATUS=labels.PLAN_STATUS,
    ROLES=labels.ROLES,
    FORMS=labels.FORMS,
    field_name=labels.field_name,
    reason_fr=labels.reason_fr,
    SECTORS=_sector_groups(),
    SCHOOL_PERIODS=labels.school_periods(),
    errors_under=lambda errors, prefix: [(f, r) for f, r in errors.items() if f.startswith(prefix)],
)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    caller = getattr(request.state, "caller", None)
    values = {
        "caller": caller,
        "can_write": bool(caller and caller.role.can_write),
        "csrf": getattr(request.state, "csrf", ""),
        **(context or {}),
    }
    return templates.TemplateResponse(request, template, values, status_code=status_code)
