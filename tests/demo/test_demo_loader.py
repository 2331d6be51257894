"""`planner demo` loads its scenarios through the API's schemas and services, idempotently."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from app.demo import NETWORK_SLUG, SCENARIOS, scenario, scenario_record
from app.demo.loader import Loaded, load, structure_create
from app.networks.models import Network
from app.plans.problem import build_problem
from app.structures import service as structures
from app.structures.models import Structure
from app.structures.schemas import StructureUpdate
from app.tenders import service as tenders
from app.tenders.models import Tender
from tests.conftest import empty_tables


@pytest.fixture
def session(demo_engine: Engine) -> Iterator[Session]:
    with Session(demo_engine) as session:
        yield session
    empty_tables(demo_engine)


def _load(session: Session) -> Loaded:
    return load(session, [scenario_record(name) for name in SCENARIOS])


def _count(session: Session, model: type[Network] | type[Structure] | type[Tender]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_loading_twice_creates_nothing_the_second_time(session: Session) -> None:
    distinct = {r.id for name in SCENARIOS for r in scenario_record(name).structures}

    first = _load(session)
    assert first.counts == {"structures created": len(distinct), "tenders created": len(SCENARIOS)}
    second = _load(session)
    assert second.counts == {"structures unchanged": len(distinct), "tenders unchanged": len(SCENARIOS)}

    assert (_count(session, Network), _count(session, Structure), _count(session, Tender)) == (
        1,
        len(distinct),
        len(SCENARIOS),
    )
    assert [s.tender_id for s in second.scenarios] == [s.tender_id for s in first.scenarios]
    assert [s.structure_ids for s in second.scenarios] == [s.structure_ids for s in first.scenarios]
    network = session.exec(select(Network)).one()
    assert network.slug == NETWORK_SLUG


def test_a_record_changed_in_the_database_is_put_back_in_place(session: Session) -> None:
    loaded = _load(session)
    painting = loaded.scenarios[0]
    record = painting.scenario.structures[0]
    structure_id = int(painting.structure_ids[record.id])
    structures.update(
        session, loaded.network_id, structure_id, StructureUpdate(capacities={}, can_lead=not record.can_lead)
    )
    tenders.delete(session, loaded.network_id, loaded.scenarios[2].tender_id)

    again = _load(session)

    assert again.counts["structures updated"] == 1
    assert again.counts["tenders created"] == 1
    restored = structures.read(session, loaded.network_id, structure_id)
    assert (restored.capacities, restored.can_lead) == (record.capacities, record.can_lead)
    assert _count(session, Tender) == len(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_problem_built_from_the_database_is_the_scenario(session: Session, name: str) -> None:
    loaded = _load(session)
    (where,) = [s for s in loaded.scenarios if s.scenario.name == name]
    expected = scenario(name)
    options = expected.options.model_copy(update={"excluded": loaded.excluded(where)})

    built = build_problem(session, session.get_one(Tender, where.tender_id), options)

    assert built.tender.model_dump() == expected.tender.model_dump()
    assert built.options == options
    # Planned are the invited structures, under their database ids; the network's others are excluded.
    invited = {s.id for s in built.structures} - set(options.excluded)
    assert invited == set(where.structure_ids.values())
    by_id = {s.id: s for s in built.structures}
    trades = {lot.trade for lot in expected.tender.lots}
    for spec in expected.structures:
        stored = by_id[where.structure_ids[spec.id]]
        kept = {t: h for t, h in stored.capacities.items() if t in trades}
        assert stored.model_copy(update={"id": spec.id, "capacities": kept}) == spec


def test_a_record_the_api_would_refuse_is_refused() -> None:
    record = scenario_record("textile").structures[0]
    with pytest.raises(ValidationError, match="siret"):
        structure_create(dataclasses.replace(record, siret="12345678901234"))
