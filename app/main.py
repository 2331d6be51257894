"""The FastAPI application, built from settings (nothing is connected at import time)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

from app.calendar import routes as load_calendar
from app.commitments import routes as commitments
from app.core import health
from app.core.body_limit import BodyLimit, BodyLimitMiddleware
from app.core.config import Settings
from app.core.db import make_engine, make_read_engine
from app.core.errors import Problem, document_problems, install_error_handlers
from app.core.ratelimit import FailedAuthLimiter
from app.integrations import routes as integrations
from app.integrations.routes import MAX_CSV_BYTES
from app.integrations.webhooks.delivery import Deliverer
from app.integrations.webhooks.policy import WebhookPolicy
from app.jobs.backend import make_jobs
from app.networks import routes as networks
from app.plans import routes as plans
from app.plans.limits import machine_cores
from app.portfolios import routes as portfolios
from app.structures import routes as structures
from app.tenders import routes as tenders
from app.tenders.schemas import MAX_LOTS, MAX_SITES_PER_LOT, MAX_SITES_PER_TENDER
from app.web import install as install_web

API_PREFIX = "/api/v1"

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "a body that is not valid JSON"},
    401: {"model": Problem, "description": "missing, unknown, revoked or expired API key"},
    403: {"model": Problem, "description": "the key's role may not write"},
    404: {"model": Problem, "description": "no such resource in the key's network"},
    413: {"model": Problem, "description": "request body over the route's limit (see the limits above)"},
    422: {"model": Problem, "description": "invalid fields, each named in `errors`"},
    429: {
        "model": Problem,
        "description": "too many refused API keys from this client (`Retry-After` says when to try again)",
    },
}


def body_limits(settings: Settings) -> list[BodyLimit]:
    """The routes whose bodies may be larger than `MAX_BODY_BYTES`, and their own limits."""
    write = frozenset({"POST", "PUT", "PATCH"})
    return [
        BodyLimit(write, rf"{API_PREFIX}/structures/import", MAX_CSV_BYTES),
        # The web form's upload: the same file with its multipart envelope.
        BodyLimit(write, r"/annuaire/import", MAX_CSV_BYTES + 64_000),
        BodyLimit(write, rf"{API_PREFIX}/tenders/import/ocds", settings.max_ocds_body_bytes),
        BodyLimit(write, r"/marches/import-ocds", settings.max_ocds_body_bytes + 64_000),
        BodyLimit(write, rf"{API_PREFIX}/tenders(/[^/]+)?", settings.max_tender_body_bytes),
    ]


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def limits_description(settings: Settings) -> str:
    """The limits of this service, stated at the top of its OpenAPI document."""
    lines = [
        "**Limits** (settings in brackets):",
        "",
        f"- request body: {_n(settings.max_body_bytes)} bytes (`MAX_BODY_BYTES`); a tender with its lots"
        f" and sites {_n(settings.max_tender_body_bytes)} (`MAX_TENDER_BODY_BYTES`); an OCDS package"
        f" {_n(settings.max_ocds_body_bytes)} (`MAX_OCDS_BODY_BYTES`); a directory CSV {_n(MAX_CSV_BYTES)}."
        " Counted while the body streams in: beyond, 413.",
        f"- a directory CSV import: at most {_n(settings.max_csv_rows)} data rows (`MAX_CSV_ROWS`); beyond,"
        " 413 naming the limit, nothing stored.",
        f"- a tender: at most {MAX_LOTS} lots, {_n(MAX_SITES_PER_LOT)} sites per lot,"
        f" {_n(MAX_SITES_PER_TENDER)} sites in all; names and titles bounded (`maxLength` in each schema);"
        " every number within ±1e12, so that sums stay finite.",
        f"- a plan: `options.threads` ≤ {machine_cores()} (this machine's cores), `options.time_limit_s` ≤"
        f" {settings.plan_max_time_limit_s:g} (`PLAN_MAX_TIME_LIMIT_S`), `options.alternatives` ≤"
        f" {settings.plan_max_alternatives} (`PLAN_MAX_ALTERNATIVES`); beyond, 422 naming the option.",
        f"- a portfolio: at most {settings.portfolio_max_tenders} tenders (`PORTFOLIO_MAX_TENDERS`),"
        " `options.time_limit_s` as a plan's; beyond, 422 naming the field.",
        f"- {settings.plan_max_active_per_network} plans queued or running per network"
        " (`PLAN_MAX_ACTIVE_PER_NETWORK`, a portfolio counting as one): one more is a 429 with"
        " `Retry-After`. Networks take turns in the queue.",
        f"- {settings.auth_failure_limit} refused API keys per client within"
        f" {settings.auth_failure_window_s:g} s (`AUTH_FAILURE_LIMIT`, `AUTH_FAILURE_WINDOW_S`): then 429"
        " with `Retry-After`.",
    ]
    return "\n".join(lines)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = make_engine(settings)
    read_engine = make_read_engine(settings, engine)
    jobs = make_jobs(
        settings.jobs_mode, settings.database_url, engine, runner_concurrency=settings.runner_concurrency
    )

    webhook_policy = WebhookPolicy.from_settings(settings)
    deliverer = Deliverer(engine, webhooks=webhook_policy)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        jobs.start()
        deliverer.start()
        yield
        deliverer.stop()
        jobs.stop()
        engine.dispose()
        read_engine.dispose()

    # Swagger UI and ReDoc from assets shipped in a package: `/docs` works without the internet.
    app = FastAPIOffline(
        title="planner",
        summary="Plans the consortia (GME) in which SIAE answer public tenders together.",
        version="0.1.0",
        description=limits_description(settings),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.session_secret = (settings.session_secret or secrets.token_hex(32)).encode()
    app.state.engine = engine
    app.state.read_engine = read_engine
    app.state.plan_jobs = jobs
    app.state.webhook_deliverer = deliverer
    app.state.webhook_policy = webhook_policy
    app.state.auth_limiter = FailedAuthLimiter(settings.auth_failure_limit, settings.auth_failure_window_s)
    install_error_handlers(app)
    document_problems(app)
    app.add_middleware(
        BodyLimitMiddleware, limits=body_limits(settings), default_bytes=settings.max_body_bytes
    )

    api = APIRouter(prefix=API_PREFIX)
    api.include_router(health.router)
    # integrations first: `/structures/import` and `/tenders/import/ocds` are fixed paths.
    for domain in (
        networks,
        integrations,
        structures,
        tenders,
        plans,
        portfolios,
        commitments,
        load_calendar,
    ):
        api.include_router(domain.router, responses=_PROBLEMS)
    app.include_router(api)
    install_web(app)
    return app
