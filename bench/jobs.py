"""Benchmark of plans solved as jobs on PostgreSQL: throughput of 1 then 2 workers, and API latency.

    python -m bench.jobs [--plans 20] [--clients 50] [--requests 40] [--admin-url postgresql://...]
    python -m bench.jobs --only-latency --api-workers 1,2 --runs 3      # GET latency only, medians

On a fresh database (created, then dropped): `planner serve` on 127.0.0.1, a seed-scale tender
(130 collèges, 20 co-contractors, 5 AI; synthetic figures), then
1. N plans queued at once, solved by 1 worker, then N more by 2 workers: plans per minute of each, their
   ratio, and a check that every plan is done with exactly one succeeded job (no job lost);
2. while 2 workers solve, C concurrent clients each send R `GET /plans/{id}` (a bounded loop against
   127.0.0.1 only), first polling once a second each, then back to back: latency percentiles.

`--solving-workers 0` measures the latency with no worker solving (the API alone; the polled plans stay
queued). Each latency pattern also reports the API processes' CPU time per request (from /proc), which
does not depend on the share of the machine they get.

With `--api-workers 1,2` the latency is measured with `planner serve --workers 1`, then 2, each
`--runs` times on the same server; a table of the runs and their medians ends the output.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import create_engine, text
from sqlmodel import Session

from app.core import migrate
from app.core.config import Settings
from app.networks.models import Role
from app.networks.service import create_key, get_or_create_network
from tests.plans import scenario

# Solves that end on their own (2 % gap) rather than at a time limit, so that the workers' throughput
# measures computing, not waiting: about 5 s of one core each for this instance.
OPTIONS: dict[str, Any] = {
    "time_limit_s": 120,
    "gap_rel": 0.02,
    "weights": {"distance": 1.0, "balance": 0.0, "members": 1.0, "subcontracting": 0.0},
}
PLANNER = [sys.executable, "-c", "from app.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    name = f"planner_bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        base = admin_url.rsplit("/", 1)[0]
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Processes:
    def __init__(self, database_url: str, logs: Path) -> None:
        # The benchmark queues more plans at once than a network may have by default.
        self.env = {**os.environ, "DATABASE_URL": database_url, "PLAN_MAX_ACTIVE_PER_NETWORK": "1000"}
        self.logs = logs
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{args[0]}-{len(self.running)}.log").open("wb")
        process = subprocess.Popen([*PLANNER, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.running.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                self.stop(process)


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"error: {url} did not answer within {timeout:.0f} s")


def _wait_workers(engine: Any, count: int) -> None:
    while True:
        with engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar_one() >= count:
                return
        time.sleep(0.2)


def _queue(api: httpx.Client, tender_id: int, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        answer = api.post(f"/tenders/{tender_id}/plans", json={"options": OPTIONS})
        answer.raise_for_status()
        ids.append(answer.json()["id"])
    return ids


def _wait_done(engine: Any, ids: list[int]) -> None:
    while True:
        with engine.connect() as conn:
            left = conn.execute(
                text("SELECT count(*) FROM plan WHERE id = ANY(:ids) AND status IN ('queued', 'running')"),
                {"ids": ids},
            ).scalar_one()
        if not left:
            return
        time.sleep(0.25)


def _check(engine: Any, ids: list[int]) -> dict[str, Any]:
    with engine.connect() as conn:
        plans = conn.execute(
            text(
                "SELECT p.status, j.status AS job, j.attempts, "
                "EXTRACT(EPOCH FROM p.finished_at - p.started_at) AS seconds "
                "FROM plan p LEFT JOIN procrastinate_jobs j ON j.id = p.job_id WHERE p.id = ANY(:ids)"
            ),
            {"ids": ids},
        ).all()
        jobs = conn.execute(
            text("SELECT count(*) FROM procrastinate_jobs WHERE (args->>'plan_id')::int = ANY(:ids)"),
            {"ids": ids},
        ).scalar_one()
    done = sum(1 for p in plans if p.status == "done" and p.job == "succeeded")
    return {
        "plans": len(ids),
        "done_with_succeeded_job": done,
        "jobs": jobs,
        "lost": len(ids) - done,
        "most_attempts": max(int(p.attempts or 0) for p in plans),
        "mean_solve_s": round(statistics.mean(float(p.seconds) for p in plans), 2),
    }


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its waited-for children (its solvers), from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def _tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its live descendants (the API processes of `serve --workers N`)."""
    parents: dict[int, int] = {}
    own: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        own[child] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    tree, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        grew = bool(more)
        tree |= more
    return sum(own.get(member, 0.0) for member in tree)


def throughput(
    procs: Processes, engine: Any, api: httpx.Client, tender_id: int, plans: int, workers: int
) -> dict[str, Any]:
    started = [procs.start("worker", "--poll", "1") for _ in range(workers)]
    _wait_workers(engine, workers)
    load = os.getloadavg()[0]
    began = time.monotonic()
    ids = _queue(api, tender_id, plans)
    _wait_done(engine, ids)
    elapsed = time.monotonic() - began
    cpu = sum(_cpu_seconds(process.pid) for process in started)
    for process in started:
        procs.stop(process)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM procrastinate_workers"))
    return {
        "workers": workers,
        "seconds": round(elapsed, 1),
        "plans_per_minute": round(plans / elapsed * 60, 2),
        "cpu_s_per_plan": round(cpu / plans, 2),
        "cores_obtained": round(cpu / elapsed, 2),
        "load_before": round(load, 2),
        **_check(engine, ids),
    }


async def _latency(
    base: str, headers: dict[str, str], ids: list[int], clients: int, requests: int, interval_s: float
) -> list[float]:
    timings: list[float] = []
    retried: list[int] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as client:

        async def one_client(index: int) -> None:
            # Spread the pollers' starts over one interval, as independent back-offices would be.
            await asyncio.sleep(interval_s * index / clients)
            for n in range(requests):
                plan_id = ids[(index + n) % len(ids)]
                start = time.perf_counter()
                try:
                    answer = await client.get(f"/plans/{plan_id}")
                except httpx.TransportError:
                    # A kept-alive connection closed by the server as the request left: counted, sent
                    # again on a new connection, its time counted from the first attempt.
                    retried.append(plan_id)
                    answer = await client.get(f"/plans/{plan_id}")
                timings.append(time.perf_counter() - start)
                answer.raise_for_status()
                await asyncio.sleep(max(0.0, interval_s - (time.perf_counter() - start)))

        await asyncio.gather(*(one_client(i) for i in range(clients)))
    if retried:
        print(f"{len(retried)} request(s) sent again after a closed connection", file=sys.stderr)
    return timings


def _percentiles(timings: list[float], elapsed: float) -> dict[str, Any]:
    ms = sorted(t * 1000 for t in timings)
    return {
        "requests": len(ms),
        "seconds": round(elapsed, 1),
        "requests_per_s": round(len(ms) / elapsed, 1),
        "p50_ms": round(ms[len(ms) // 2], 1),
        "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 1),
        "p99_ms": round(ms[int(len(ms) * 0.99) - 1], 1),
        "max_ms": round(ms[-1], 1),
    }


def latency(
    procs: Processes,
    engine: Any,
    api: httpx.Client,
    base: str,
    tender_id: int,
    clients: int,
    requests: int,
    server: int,
    solving: int = 2,
) -> dict[str, Any]:
    """GET /plans/{id} while `solving` workers solve (0: none, the plans stay queued): clients polling
    each second, then back to back."""
    started = [procs.start("worker", "--poll", "1") for _ in range(solving)]
    if solving:
        _wait_workers(engine, solving)
    ids = _queue(api, tender_id, 6)
    while solving:  # measure while the workers are solving
        with engine.connect() as conn:
            running = conn.execute(
                text("SELECT count(*) FROM plan WHERE id = ANY(:ids) AND status = 'running'"), {"ids": ids}
            ).scalar_one()
        if running >= solving:
            break
        time.sleep(0.2)
    results: dict[str, Any] = {
        "clients": clients,
        "solving_workers": solving,
        "load_before": round(os.getloadavg()[0], 2),
        "uptime_before": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
    }
    for name, interval in (("polling_every_1s", 1.0), ("back_to_back", 0.0)):
        began, api_cpu, client_cpu = time.monotonic(), _tree_cpu_seconds(server), time.process_time()
        timings = asyncio.run(_latency(base, dict(api.headers), ids, clients, requests, interval))
        elapsed = time.monotonic() - began
        results[name] = _percentiles(timings, elapsed)
        # What a request costs the API processes in CPU, whatever the machine's load: the requests a
        # second one core would serve; and the cores the API and the clients obtained meanwhile.
        api_cpu = _tree_cpu_seconds(server) - api_cpu
        results[name] |= {
            "api_cpu_ms_per_request": round(api_cpu * 1000 / len(timings), 2),
            "api_cores_obtained": round(api_cpu / elapsed, 2),
            "client_cores_obtained": round((time.process_time() - client_cpu) / elapsed, 2),
        }
    with engine.connect() as conn:
        results["plans_running_at_end"] = conn.execute(
            text("SELECT count(*) FROM plan WHERE id = ANY(:ids) AND status = 'running'"), {"ids": ids}
        ).scalar_one()
    for process in started:
        procs.stop(process)
    return results


def _latency_table(runs: dict[int, list[dict[str, Any]]]) -> str:
    lines = [
        "| API processes | pattern | runs | req/s (median) | p50 ms (median) | p95 ms (each run)"
        " | p95 ms (median) | API CPU ms per request (median) | API cores obtained (median) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for api_workers, results in runs.items():
        for pattern in ("polling_every_1s", "back_to_back"):
            rows = [r[pattern] for r in results]
            p95 = [row["p95_ms"] for row in rows]
            lines.append(
                f"| {api_workers} | {pattern.replace('_', ' ')} | {len(rows)}"
                f" | {statistics.median(row['requests_per_s'] for row in rows):.1f}"
                f" | {statistics.median(row['p50_ms'] for row in rows):.1f}"
                f" | {', '.join(f'{v:.1f}' for v in p95)} | {statistics.median(p95):.1f}"
                f" | {statistics.median(row.get('api_cpu_ms_per_request', 0) for row in rows):.2f}"
                f" | {statistics.median(row.get('api_cores_obtained', 0) for row in rows):.2f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--plans", type=int, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="GET requests per client and pattern")
    parser.add_argument(
        "--api-workers", default="1", help="comma-separated `planner serve --workers` values to measure"
    )
    parser.add_argument("--runs", type=int, default=1, help="latency runs per number of API processes")
    parser.add_argument("--only-latency", action="store_true", help="skip the throughput measures")
    parser.add_argument(
        "--solving-workers", type=int, default=2, help="workers solving during the latency measure (0: none)"
    )
    parser.add_argument("--logs", type=Path, default=Path("out/bench-jobs"))
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    args.logs.mkdir(parents=True, exist_ok=True)
    api_workers = [int(n) for n in args.api_workers.split(",")]

    results: dict[str, Any] = {"cores": os.cpu_count(), "options": OPTIONS}
    latencies: dict[int, list[dict[str, Any]]] = {}
    with fresh_database(args.admin_url) as url:
        settings = Settings(database_url=url)
        migrate.upgrade(settings)
        engine = create_engine(settings.database_url)
        with Session(engine) as session:
            key = create_key(session, get_or_create_network(session, "bench"), Role.coordinator)
        procs = Processes(settings.database_url, args.logs)
        tender_id = None
        try:
            for count in api_workers:
                port = _free_port()
                base = f"http://127.0.0.1:{port}/api/v1"
                server = procs.start("serve", "--port", str(port), "--workers", str(count))
                _wait_http(f"{base}/health")
                auth = {"Authorization": f"Bearer {key}"}
                with httpx.Client(base_url=base, headers=auth, timeout=60) as api:
                    if tender_id is None:
                        tender, structures = scenario.seed_scale()
                        for body in structures:
                            api.post("/structures", json=body).raise_for_status()
                        tender_id = api.post("/tenders", json=tender).raise_for_status().json()["id"]
                    if not args.only_latency and "one_worker" not in results:
                        one = throughput(procs, engine, api, tender_id, args.plans, 1)
                        print(json.dumps(one), flush=True)
                        two = throughput(procs, engine, api, tender_id, args.plans, 2)
                        print(json.dumps(two), flush=True)
                        ratio = round(two["plans_per_minute"] / one["plans_per_minute"], 2)
                        results |= {"one_worker": one, "two_workers": two, "ratio": ratio}
                    for _ in range(args.runs):
                        lat = latency(
                            procs,
                            engine,
                            api,
                            base,
                            tender_id,
                            args.clients,
                            args.requests,
                            server.pid,
                            args.solving_workers,
                        )
                        lat["api_workers"] = count
                        print(json.dumps(lat), flush=True)
                        latencies.setdefault(count, []).append(lat)
                        with engine.begin() as conn:  # the next run starts from an idle queue
                            conn.execute(text("UPDATE plan SET status = 'cancelled' WHERE status = 'queued'"))
                            conn.execute(text("DELETE FROM procrastinate_jobs WHERE status = 'todo'"))
                procs.stop(server)
        finally:
            procs.stop_all()
            engine.dispose()
    results["latency"] = {str(k): v for k, v in latencies.items()}
    print(json.dumps(results, indent=2))
    print(_latency_table(latencies))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
