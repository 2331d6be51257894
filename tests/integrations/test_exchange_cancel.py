"""Long exports and imports stop when their client goes away or the server stops, and store nothing."""

from __future__ import annotations

import gc
import threading
from typing import Any

import anyio
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from stdnum import luhn

from app.core.cancel import CancelCheck, Cancelled, collector_paused, run_cancellable
from app.core.errors import Unavailable
from app.integrations.directory_import import import_directory
from app.integrations.ocds import export_package
from app.integrations.ocds.importer import read_package
from app.networks.service import get_or_create_network
from app.structures.models import Structure
from app.tenders import service as tenders
from app.tenders.models import Site, Tender
from app.tenders.schemas import TenderCreate


class CancelAfter(CancelCheck):
    """A check that is cancelled at its `calls`-th call, as a client leaving halfway would."""

    def __init__(self, calls: int) -> None:
        super().__init__(threading.Event())
        self.calls = 0
        self.at = calls

    def __call__(self) -> None:
        self.calls += 1
        if self.calls == self.at:
            self.cancel("the client closed the connection")
        super().__call__()


def directory(rows: int) -> str:
    lines = ["siret,name,kind,lat,lon,capacities"]
    for i in range(rows):
        siren = f"{80000000 + i:08d}"
        siren += luhn.calc_check_digit(siren)
        siret = siren + "0001" + luhn.calc_check_digit(siren + "0001")
        lines.append(f"{siret},Structure {i},EI,48.92,2.41,peinture-revetement-des-murs:400")
    return "\n".join(lines) + "\n"


def tender(sites: int) -> dict[str, Any]:
    lots = []
    for start in range(0, sites, 1000):
        lots.append(
            {
                "id": f"L{start // 1000 + 1}",
                "title": "Peinture",
                "trade": "peinture-revetement-des-murs",
                "cpv": "45442110-1",
                "sites": [
                    {"id": f"S{i}", "name": f"Site {i}", "commune": "Bobigny", "lat": 48.9, "lon": 2.44}
                    | {"hours": 120, "value_eur": 5000}
                    for i in range(start, min(sites, start + 1000))
                ],
            }
        )
    return {"reference": "BANC-1", "title": "Peinture", "buyer": "Acheteur", "kind": "works", "lots": lots}


def count(engine: Engine, table: Any) -> int:
    with Session(engine) as session:
        number: int = session.exec(select(func.count()).select_from(table)).one()
    return number


def test_a_directory_import_cancelled_halfway_stores_nothing(db: Engine) -> None:
    with Session(db) as session:
        network = get_or_create_network(session, "inser-eco93")
        assert network.id is not None
        # Three checks while reading, three while checking the rows, one before the structures are
        # inserted: the eighth comes after they are, before their capacities.
        check = CancelAfter(8)
        with pytest.raises(Cancelled, match="client closed"):
            import_directory(session, network.id, directory(3000), check=check)
        assert check.calls == 8
        assert count(db, Structure) == 0
        # The session is left usable: the same file then goes in whole.
        report = import_directory(session, network.id, directory(3000))
        assert report.created == 3000
    assert count(db, Structure) == 3000


def test_an_ocds_import_cancelled_while_storing_stores_nothing(db: Engine) -> None:
    package = export_package(tender(3000), uri="https://planner.example.org/ocds/1", publisher="Réseau 93")
    with Session(db) as session:
        network = get_or_create_network(session, "inser-eco93")
        assert network.id is not None
        read = read_package(package)
        data = TenderCreate.model_validate(read.tender, context={"draft": True})
        with pytest.raises(Cancelled):
            tenders.create(session, network.id, data, check=CancelAfter(2))  # after the first lot
    assert (count(db, Tender), count(db, Site)) == (0, 0)


def test_an_ocds_export_stops_between_lots() -> None:
    check = CancelAfter(2)
    with pytest.raises(Cancelled):
        export_package(tender(3000), uri="https://planner.example.org/ocds/1", publisher="R", check=check)
    assert check.calls == 2


class Client:
    """The side of a request that `run_cancellable` watches: whether its client is still there."""

    def __init__(self, leaves_after_s: float | None) -> None:
        self.leaves_after_s = leaves_after_s
        self.started: float | None = None

    async def is_disconnected(self) -> bool:
        now = anyio.current_time()
        self.started = self.started if self.started is not None else now
        return self.leaves_after_s is not None and now - self.started >= self.leaves_after_s


def endless(stopped: list[str]) -> Any:
    """Work that would run for a minute, checking between chunks, unless it is cancelled."""

    def work(check: CancelCheck) -> str:
        for _ in range(60_000):
            try:
                check()
            except Cancelled as exc:
                stopped.append(str(exc))
                raise
            threading.Event().wait(0.001)
        return "finished"

    return work


def test_the_work_stops_when_the_client_disconnects() -> None:
    stopped: list[str] = []

    async def main() -> None:
        with pytest.raises(Unavailable, match="client closed the connection"):
            await run_cancellable(Client(leaves_after_s=0.3), endless(stopped))  # type: ignore[arg-type]

    anyio.run(main)
    assert stopped == ["the client closed the connection"]


def test_the_work_stops_when_the_server_cancels_the_request() -> None:
    stopped: list[str] = []

    async def main() -> None:
        # What `planner serve` does once its grace period after SIGTERM is over: cancel the request.
        with anyio.move_on_after(0.3):
            await run_cancellable(Client(leaves_after_s=None), endless(stopped))  # type: ignore[arg-type]
            raise AssertionError("the work was expected to be cancelled")

    anyio.run(main)
    # The thread had ended when the request's task did: its session is never closed under it.
    assert stopped == ["the server is stopping"]


def test_work_that_ends_gives_its_result_and_errors_pass_through() -> None:
    async def main() -> None:
        assert await run_cancellable(Client(None), lambda check: 42) == 42  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="bad row"):
            await run_cancellable(Client(None), lambda check: int("bad row"))  # type: ignore[arg-type]

    anyio.run(main)


def test_the_collector_pause_nests_across_threads_and_ends_with_the_last() -> None:
    assert gc.isenabled()
    first_in, second_out = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            first_in.wait(5)
        second_out.set()

    with collector_paused():
        thread = threading.Thread(target=other)
        thread.start()
        first_in.set()
        second_out.wait(5)
        assert not gc.isenabled()  # the other exchange ended, this one still runs
    thread.join(5)
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
