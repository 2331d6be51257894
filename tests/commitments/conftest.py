"""Commitment fixtures: the plan fixtures (something solves the plans, an empty queue after each test)."""

from __future__ import annotations

from tests.plans.conftest import _empty_after, solving, start_worker

__all__ = ["_empty_after", "solving", "start_worker"]
