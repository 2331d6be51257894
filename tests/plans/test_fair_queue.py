"""Networks take turns in the queue: a network's plan never waits behind all of another's plans.

Run on a database of its own (no runner picks the plans up while the order is read).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text, update
from sqlmodel import Session, col

from app.core.config import Settings
from app.jobs.queue import turn
from app.jobs.runner import fair_next_job
from app.models import metadata
from app.networks.models import Network
from app.plans.models import Plan, PlanStatus
from app.tenders.models import Tender
from tests.plans import scenario
from tests.plans.conftest import Headers, add_tender, queue_plan


@pytest.fixture
def own_db(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def queue(engine: Engine, plans: list[str]) -> dict[int, str]:
    """Queue plans in this order, each named by its network ('A', 'B'...) and its rank in it."""
    names: dict[int, str] = {}
    with Session(engine) as session:
        tenders: dict[str, int] = {}
        for network in sorted(set(plans)):
            row = Network(slug=network.lower(), name=network)
            session.add(row)
            session.flush()
            tender = Tender(network_id=row.id, reference="T", title="T", kind="works")  # type: ignore[arg-type]
            session.add(tender)
            session.flush()
            assert tender.id is not None
            tenders[network] = tender.id
        count: dict[str, int] = {}
        for network in plans:
            found = session.get(Tender, tenders[network])
            assert found is not None
            plan = Plan(network_id=found.network_id, tender_id=tenders[network], options={}, problem={})
            session.add(plan)
            session.flush()
            assert plan.id is not None
            count[network] = count.get(network, 0) + 1
            names[plan.id] = f"{network}{count[network]}"
        session.commit()
    return names


def solve_order(engine: Engine, names: dict[int, str], *, at_once: int) -> list[str]:
    """The order in which `at_once` runners start the queued plans (each runs until the next start)."""
    order: list[str] = []
    running: list[int] = []
    clock = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    with engine.begin() as conn:
        while True:
            if len(running) == at_once:
                finished = running.pop(0)
                conn.execute(
                    update(Plan).where(col(Plan.id) == finished).values(status=PlanStatus.done.value)
                )
            row = conn.execute(fair_next_job()).first()
            if row is None:
                return order
            assert row.kind == "plan"
            plan_id = row.id
            clock += timedelta(seconds=1)
            conn.execute(
                update(Plan)
                .where(col(Plan.id) == plan_id)
                .values(status=PlanStatus.running.value, started_at=clock)
            )
            running.append(plan_id)
            order.append(names[plan_id])


def test_a_late_network_passes_the_busy_networks_waiting_plans(own_db: Engine) -> None:
    names = queue(own_db, ["A"] * 5 + ["B", "C", "B"])
    assert solve_order(own_db, names, at_once=1) == ["A1", "B1", "C1", "A2", "B2", "A3", "A4", "A5"]


def test_turns_also_hold_with_two_runners(own_db: Engine) -> None:
    names = queue(own_db, ["A"] * 4 + ["B"] * 3)
    assert solve_order(own_db, names, at_once=2) == ["A1", "B1", "A2", "B2", "A3", "B3", "A4"]


def test_a_workers_job_priority_is_minus_the_plans_ahead_in_its_network(own_db: Engine) -> None:
    names = queue(own_db, ["A", "A", "A", "B"])
    with own_db.connect() as conn:
        turns = {names[plan_id]: turn(conn, plan_id) for plan_id in names}
    # procrastinate runs the highest priority first: B1 (0) passes A2 (-1) and A3 (-2).
    assert turns == {"A1": 0, "A2": 1, "A3": 2, "B1": 0}


def test_on_postgresql_another_networks_job_runs_before_this_ones_second(
    settings: Settings, client: TestClient, coordinator: Headers, stranger: Headers, db: Engine
) -> None:
    if settings.is_sqlite:
        pytest.skip("the job queue of the workers lives in PostgreSQL: run with TEST_DATABASE_URL")
    mine = add_tender(client, coordinator, scenario.tender(2, reference="A"))
    theirs = add_tender(client, stranger, scenario.tender(2, reference="B"))
    plans = [queue_plan(client, coordinator, mine)["id"] for _ in range(3)]
    plans.append(queue_plan(client, stranger, theirs)["id"])
    with db.connect() as conn:
        # procrastinate's own order: the highest priority first, then the oldest job.
        order = (
            conn.execute(
                text(
                    "SELECT (args->>'plan_id')::int FROM procrastinate_jobs WHERE status = 'todo'"
                    " ORDER BY priority DESC, id"
                )
            )
            .scalars()
            .all()
        )
    assert order == [plans[0], plans[3], plans[1], plans[2]]
