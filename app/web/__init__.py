"""The coordinator's web app, in French: server-rendered pages over the same services as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import (
    views_calendar,
    views_home,
    views_plans,
    views_portfolios,
    views_structures,
    views_tenders,
)

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Serve the pages at `/` and their assets at `/static`."""
    app.mount("/static", StaticFiles(directory=STATIC), name="web-static")
    modules = (views_home, views_structures, views_tenders, views_plans, views_calendar, views_portfolios)
    for module in modules:
        app.include_router(module.router)
