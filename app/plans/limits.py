"""What one plan may ask of the machine, and how many plans a network may have waiting at once.

A plan's solver threads are bounded by the machine's cores; its time limit and number of
alternatives by the settings (`PLAN_MAX_TIME_LIMIT_S`, `PLAN_MAX_ALTERNATIVES`); a network's queued
and running plans by `PLAN_MAX_ACTIVE_PER_NETWORK` (one more is a 429 with `Retry-After`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import FieldError, InvalidInput, TooManyRequests
from app.networks.models import Network
from app.plans.models import Plan, PlanStatus
from app.portfolios.models import Portfolio
from solver.problem import Options

ACTIVE = (PlanStatus.queued.value, PlanStatus.running.value)


def machine_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(frozen=True)
class PlanLimits:
    max_time_limit_s: float = 600
    max_alternatives: int = 10
    max_active_per_network: int = 10
    max_portfolio_tenders: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> PlanLimits:
        return cls(
            max_time_limit_s=settings.plan_max_time_limit_s,
            max_alternatives=settings.plan_max_alternatives,
            max_active_per_network=settings.plan_max_active_per_network,
            max_portfolio_tenders=settings.portfolio_max_tenders,
        )


def time_limit_over(time_limit_s: float, limits: PlanLimits) -> list[FieldError]:
    """`options.time_limit_s` over this service's limit, named; nothing when within it."""
    if time_limit_s <= limits.max_time_limit_s:
        return []
    reason = f"at most {limits.max_time_limit_s:g} s on this service (PLAN_MAX_TIME_LIMIT_S)"
    return [FieldError(field="options.time_limit_s", reason=reason)]


def threads_over(threads: int | None, field: str) -> list[FieldError]:
    """Solver threads over the machine's cores, named at `field`; nothing when within them."""
    cores = machine_cores()
    if threads is None or threads <= cores:
        return []
    return [FieldError(field=field, reason=f"at most {cores}, the cores of this machine")]


def check_options(options: Options, limits: PlanLimits) -> None:
    """Every option over a limit of this service, named (422)."""
    errors = time_limit_over(options.time_limit_s, limits)
    if options.alternatives > limits.max_alternatives:
        errors.append(
            FieldError(
                field="options.alternatives",
                reason=f"at most {limits.max_alternatives} on this service (PLAN_MAX_ALTERNATIVES)",
            )
        )
    errors += threads_over(options.threads, "options.threads")
    if errors:
        raise InvalidInput(errors)


def check_room(session: Session, network_id: int, limits: PlanLimits) -> None:
    """Refuse (429) a plan when the network already has its most plans queued or running (a portfolio
    queued or running counts as one).

    On PostgreSQL the network's row is locked until the plan is committed, so two requests at the
    same time cannot both take the last place.
    """
    session.exec(select(Network.id).where(Network.id == network_id).with_for_update()).first()
    active = [
        *session.exec(
            select(Plan.status, Plan.started_at, Plan.options).where(
                Plan.network_id == network_id, col(Plan.status).in_(ACTIVE)
            )
        ).all(),
        *session.exec(
            select(Portfolio.status, Portfolio.started_at, Portfolio.options).where(
                Portfolio.network_id == network_id, col(Portfolio.status).in_(ACTIVE)
            )
        ).all(),
    ]
    if len(active) < limits.max_active_per_network:
        return
    now = utcnow()
    # The soonest a place frees: a running plan reaching its time limit, else the shortest queued one.
    running = [
        _seconds(options) - (now - started_at).total_seconds()
        for status, started_at, options in active
        if status == PlanStatus.running.value and started_at is not None
    ]
    wait = min(running) if running else min(_seconds(options) for _, _, options in active)
    raise TooManyRequests(
        f"the network has {len(active)} plans and portfolios queued or running, the most allowed"
        f" (PLAN_MAX_ACTIVE_PER_NETWORK = {limits.max_active_per_network}): try again when one is done",
        retry_after_s=min(3600, max(1, math.ceil(wait))),
    )


def _seconds(options: Mapping[str, object]) -> float:
    value = options.get("time_limit_s", 30)
    return float(value) if isinstance(value, int | float) else 30.0
