"""The FastAPI application, built from settings (nothing is connected at import time)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

from app.core import health
from app.core.config import Settings
from app.core.db import make_engine
from app.core.errors import Problem, document_problems, install_error_handlers
from app.core.ratelimit import FailedAuthLimiter
from app.integrations import routes as integrations
from app.integrations.webhooks.delivery import Deliverer
from app.integrations.webhooks.policy import WebhookPolicy
from app.jobs.backend import make_jobs
from app.networks import routes as networks
from app.plans import routes as plans
from app.structures import routes as structures
from app.tenders import routes as tenders
from app.web import install as install_web

API_PREFIX = "/api/v1"

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "missing, unknown, revoked or expired API key"},
    403: {"model": Problem, "description": "the key's role may not write"},
    404: {"model": Problem, "description": "no such resource in the key's network"},
    422: {"model": Problem, "description": "invalid fields, each named in `errors`"},
    429: {
        "model": Problem,
        "description": "too many refused API keys from this client (`Retry-After` says when to try again)",
    },
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = make_engine(settings)
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

    # Swagger UI and ReDoc from assets shipped in a package: `/docs` works without the internet.
    app = FastAPIOffline(
        title="planner",
        summary="Plans the consortia (GME) in which SIAE answer public tenders together.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.session_secret = (settings.session_secret or secrets.token_hex(32)).encode()
    app.state.engine = engine
    app.state.plan_jobs = jobs
    app.state.webhook_deliverer = deliverer
    app.state.webhook_policy = webhook_policy
    app.state.auth_limiter = FailedAuthLimiter(settings.auth_failure_limit, settings.auth_failure_window_s)
    install_error_handlers(app)
    document_problems(app)

    api = APIRouter(prefix=API_PREFIX)
    api.include_router(health.router)
    # integrations first: `/structures/import` and `/tenders/import/ocds` are fixed paths.
    for domain in (networks, integrations, structures, tenders, plans):
        api.include_router(domain.router, responses=_PROBLEMS)
    app.include_router(api)
    install_web(app)
    return app
