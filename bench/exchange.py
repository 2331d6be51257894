"""Time of the exchanges with back-offices at 1,000, 10,000 and 100,000 sites or rows.

    python -m bench.exchange [--sizes 1000,10000,100000] [--repeat 3] [--postgres URL [--no-sqlite]]

On a fresh SQLite file (and a PostgreSQL database when `--postgres` names an empty one), for each size:
- *OCDS export*: `GET /tenders/{id}/ocds` of a stored tender (read, write the package, validate it
  against the shipped schemas), through the API;
- *OCDS validation*: the validation alone of that package;
- *OCDS import*: what `POST /tenders/import/ocds` does with that package (validate, read, check, store),
  timed in the service: over HTTP the body limit (64 MB) refuses a 100,000-item package (about 70 MB);
- *CSV import*: the directory import of as many rows (parse, check, upsert in one transaction), then
  the same file again (every row unchanged). The service function is timed: over HTTP the body limit
  and the row limit (`MAX_CSV_ROWS`, 20,000 by default) refuse a 100,000-row file.

The imports are timed as the routes run them, in the pause of the garbage collector that
`app.core.cancel.run_cancellable` gives every export and import. Each cell gives the wall time and,
in brackets, the CPU time of the process (less sensitive to a loaded machine).

Sites are scattered over the 40 communes of Seine-Saint-Denis (the shipped communes table), in lots of
5,000 sites; rows carry generated SIRETs with valid check digits. Prints one table with the median of
`--repeat` runs and the ratio of the wall times to the previous size (10 when the time is linear).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlmodel import Session
from stdnum import luhn

from app.core import migrate
from app.core.cancel import collector_paused
from app.core.config import Settings
from app.integrations.communes import communes
from app.integrations.directory_import import import_directory
from app.integrations.ocds import validate_package
from app.integrations.ocds.importer import read_package
from app.main import create_app
from app.networks.models import Role
from app.networks.service import create_key, get_or_create_network
from app.structures.models import Structure
from app.tenders import service as tenders
from app.tenders.schemas import TenderCreate, TenderPublic

LOT_SIZE = 5000


def tender_body(reference: str, n: int, rng: random.Random) -> dict[str, Any]:
    places = communes()
    lots = []
    for start in range(0, n, LOT_SIZE):
        sites = []
        for i in range(start, min(n, start + LOT_SIZE)):
            c = places[i % len(places)]
            sites.append(
                {
                    "id": f"S{i:06d}",
                    "name": f"Site {i}",
                    "commune": c.name,
                    "territory": c.territory,
                    "lat": round(c.lat + rng.uniform(-0.01, 0.01), 6),
                    "lon": round(c.lon + rng.uniform(-0.01, 0.01), 6),
                    "hours": rng.choice([120, 240, 420]),
                    "value_eur": rng.choice([5000, 9800.5, 18000]),
                }
            )
        lots.append(
            {
                "id": f"L{start // LOT_SIZE + 1}",
                "title": f"Lot {start // LOT_SIZE + 1}",
                "trade": "peinture-revetement-des-murs",
                "cpv": "45442110-1",
                "sites": sites,
            }
        )
    return {
        "reference": reference,
        "title": "Banc d'essai",
        "buyer": "Acheteur",
        "kind": "works",
        "lots": lots,
    }


def siret(i: int) -> str:
    siren = f"{80000000 + i:08d}"
    siren += luhn.calc_check_digit(siren)
    nic = "0001"
    return siren + nic + luhn.calc_check_digit(siren + nic)


def csv_text(n: int, rng: random.Random) -> str:
    places = communes()
    lines = ["siret,name,kind,commune_insee,lat,lon,capacities"]
    for i in range(n):
        c = places[i % len(places)]
        kind = ("EI", "ACI", "EITI")[i % 3]
        lines.append(
            f"{siret(i)},Structure {i},{kind},{c.insee},{c.lat:.5f},{c.lon:.5f},"
            f"peinture-revetement-des-murs:{rng.choice([400, 800, 1200])}"
        )
    return "\n".join(lines) + "\n"


def import_package(session: Session, network_id: int, package: dict[str, Any]) -> TenderPublic:
    """What `POST /tenders/import/ocds` does, without HTTP: a 100 000-site package passes its body limit."""
    read = read_package(package)
    return tenders.create(
        session, network_id, TenderCreate.model_validate(read.tender, context={"draft": True})
    )


def timed(action: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[tuple[float, float], Any]:
    """(wall, CPU) seconds of `action`, and its result."""
    began, cpu = time.perf_counter(), time.process_time()
    result = action(*args, **kwargs)
    return (time.perf_counter() - began, time.process_time() - cpu), result


def as_served(action: Callable[..., Any]) -> Callable[..., Any]:
    """`action` in the collector pause that the routes give an export or import."""

    def run(*args: Any, **kwargs: Any) -> Any:
        with collector_paused():
            return action(*args, **kwargs)

    return run


Times = dict[str, dict[int, list[tuple[float, float]]]]


def measure(url: str, sizes: list[int], repeat: int) -> Times:
    settings = Settings(database_url=url, environment="development")
    migrate.upgrade(settings)
    app = create_app(settings)
    rng = random.Random(7)
    times: Times = {}

    def record(name: str, n: int, seconds: tuple[float, float]) -> None:
        times.setdefault(name, {}).setdefault(n, []).append(seconds)

    with TestClient(app) as client, Session(app.state.engine) as session:
        network = get_or_create_network(session, "bench-exchange")
        headers = {"Authorization": f"Bearer {create_key(session, network, Role.coordinator)}"}
        assert network.id is not None
        network_id: int = network.id
        for n in sizes:
            body = tender_body(f"BENCH-{n}-{time.time_ns()}", n, rng)
            created = client.post("/api/v1/tenders", json=body, headers=headers)
            assert created.status_code == 201, created.text[:300]
            tender_id = created.json()["id"]
            text = csv_text(n, rng)
            for _ in range(repeat):
                seconds, response = timed(client.get, f"/api/v1/tenders/{tender_id}/ocds", headers=headers)
                assert response.status_code == 200, response.text[:300]
                record("OCDS export (GET)", n, seconds)
                package = response.json()
                assert len(package["releases"][0]["tender"]["items"]) == n
                seconds, errors = timed(validate_package, package)
                assert errors == []
                record("OCDS validation", n, seconds)
                package["releases"][0]["tender"]["id"] = f"IMPORTED-{n}-{time.time_ns()}"
                seconds, imported = timed(as_served(import_package), session, network_id, package)
                assert imported.site_count == n and not imported.draft
                record("OCDS import (read, check, store)", n, seconds)
                # The read-back left a read transaction open: end it before the API writes (SQLite).
                session.rollback()
                client.delete(f"/api/v1/tenders/{imported.id}", headers=headers)

                session.execute(delete(Structure).where(Structure.network_id == network_id))  # type: ignore[arg-type]
                session.commit()
                seconds, report = timed(as_served(import_directory), session, network_id, text)
                assert report.created == n, (report.created, report.rejected)
                record("CSV import, new rows", n, seconds)
                seconds, report = timed(as_served(import_directory), session, network_id, text)
                assert report.unchanged == n
                record("CSV import, same file again", n, seconds)
            client.delete(f"/api/v1/tenders/{tender_id}", headers=headers)
    return times


def table(name: str, times: Times, sizes: list[int]) -> list[str]:
    head = " | ".join(f"{n:,} s (CPU s)".replace(",", " ") for n in sizes)
    lines = [f"| {name} | {head} |", "|---|" + "---|" * len(sizes)]
    for operation, by_size in times.items():
        cells = []
        previous = None
        for n in sizes:
            wall = statistics.median(w for w, _ in by_size[n])
            cpu = statistics.median(c for _, c in by_size[n])
            ratio = f" ×{wall / previous:.1f}" if previous else ""
            cells.append(f"{wall:.2f} ({cpu:.2f}){ratio}")
            previous = wall
        lines.append(f"| {operation} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database to measure as well")
    parser.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL only")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        urls = [] if args.no_sqlite else [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        if args.postgres:
            urls.append(("PostgreSQL", args.postgres))
        for name, url in urls:
            began = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
            times = measure(url, sizes, args.repeat)
            print(f"{name}, from {began} ({load}) to {datetime.now(UTC):%H:%M} UTC", end="")
            print(" (load average {:.1f} {:.1f} {:.1f})".format(*os.getloadavg()))
            print("\n".join(table(name, times, sizes)))
            print()


if __name__ == "__main__":
    main()
