"""Time of the API's heaviest plain write: a tender with the 130 collèges of Seine-Saint-Denis in one POST.

    python -m bench.api [--repeat 21]

Creates a fresh SQLite file (and a fresh PostgreSQL database when `--postgres URL` names a server's
admin database), posts the tender `--repeat` times under distinct references, reads each back whole,
and prints the median and the 90th percentile. The sites are the shipped demo collèges
(`app/demo/data/colleges_93.csv`, Ministère de l'Éducation nationale, Licence Ouverte 2.0).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core import migrate
from app.core.config import Settings
from app.demo.scenarios import scenario
from app.main import create_app
from app.networks.models import Role
from app.networks.service import create_key, get_or_create_network


def tender_body(reference: str) -> dict[str, object]:
    painting = scenario("painting").tender
    lot = painting.lots[0]
    return {
        "reference": reference,
        "title": painting.title,
        "kind": painting.kind.value,
        "cpv_codes": ["45442110-1"],
        "lots": [lot.model_dump(exclude_none=True)],
    }


def measure(url: str, repeat: int) -> tuple[list[float], list[float]]:
    settings = Settings(database_url=url, environment="development")
    migrate.upgrade(settings)
    app = create_app(settings)
    with TestClient(app) as client:
        with Session(app.state.engine) as session:
            token = create_key(session, get_or_create_network(session, "bench"), Role.coordinator)
        headers = {"Authorization": f"Bearer {token}"}
        posts, reads = [], []
        for i in range(repeat):
            body = tender_body(f"BENCH-{time.time_ns()}-{i}")
            began = time.perf_counter()
            created = client.post("/api/v1/tenders", json=body, headers=headers)
            posts.append(time.perf_counter() - began)
            assert created.status_code == 201, created.text
            began = time.perf_counter()
            read = client.get(f"/api/v1/tenders/{created.json()['id']}", headers=headers)
            reads.append(time.perf_counter() - began)
            assert len(read.json()["lots"][0]["sites"]) == 130
    return posts, reads


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database to measure as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        urls = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        if args.postgres:
            urls.append(("PostgreSQL", args.postgres))
        print("| database | POST 130 sites, median ms | p90 ms | GET back, median ms | p90 ms |")
        print("|---|---|---|---|---|")
        for name, url in urls:
            posts, reads = measure(url, args.repeat)
            print(
                f"| {name} | {1000 * statistics.median(posts):.0f} | {1000 * p90(posts):.0f} "
                f"| {1000 * statistics.median(reads):.0f} | {1000 * p90(reads):.0f} |"
            )


if __name__ == "__main__":
    main()
