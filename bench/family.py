"""Benchmark of the seed scale on a seeded family: `python -m bench.family [--repeat 3]`.

Every instance of `bench.instances.FAMILY_SEEDS` (130 sites × 20 co-contractors + 5 AI, all four terms)
and the seed instance itself are solved, each run in its own process:

- with a 10 s time limit: the certified gap (plan's full objective against the best proven bound);
- with a 60 s time limit: the time to proof (the run stops once the plan is proven optimal), or the gap
  left at 60 s;
- the wall time of each run, the process's start and imports included.

Prints a Markdown table, one line per instance with the median of each figure over the runs, then the
medians over the instances.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any

SHORT_S = 10.0
LONG_S = 60.0


def run_case(seed: int, limit: float, deterministic: bool) -> dict[str, Any]:
    import solver
    from bench import instances

    options: dict[str, Any] = {"time_limit_s": limit}
    if deterministic:
        options["deterministic"] = True
    problem = instances.seed_scale(**options) if seed == 0 else instances.seed_family(seed, **options)
    began = time.monotonic()
    plan = solver.solve(problem)
    return {
        "seed": seed,
        "status": plan.status,
        "objective": plan.solver.objective,
        "bound": plan.solver.bound,
        "gap": plan.solver.gap,
        "solve_s": time.monotonic() - began,
    }


def _run(seed: int, limit: float, deterministic: bool) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.family", "--case", str(seed), "--limit", str(limit)]
    if deterministic:
        command.append("--deterministic")
    began = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.monotonic() - began
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"seed {seed}: failed: {done.stderr.strip().splitlines()[-1:]}")
    found: dict[str, Any] = json.loads(lines[-1])
    found["wall_s"] = wall
    return found


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _num(value: float | None, digits: int) -> str:
    """A figure, or "-" when no run gave it (e.g. no plan within the limit)."""
    return "-" if value is None else f"{value:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seeds", help="comma-separated seeds (0 = the seed instance); default: all")
    parser.add_argument("--deterministic", action="store_true", help="options.deterministic")
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=float, default=SHORT_S, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case is not None:
        print(json.dumps(run_case(args.case, args.limit, args.deterministic)))
        return
    from bench.instances import FAMILY_SEEDS

    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else [0, *FAMILY_SEEDS]
    print(
        f"| instance | gap at {SHORT_S:.0f} s | objective at {SHORT_S:.0f} s "
        f"| wall s ({SHORT_S:.0f} s limit) | proven in ({LONG_S:.0f} s limit) | proven runs "
        f"| gap at {LONG_S:.0f} s | objective at {LONG_S:.0f} s | wall s ({LONG_S:.0f} s limit) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    summary: dict[str, list[float | None]] = {k: [] for k in ("gap10", "wall10", "proof", "gap60", "wall60")}
    for seed in seeds:
        short = [_run(seed, SHORT_S, args.deterministic) for _ in range(args.repeat)]
        long = [_run(seed, LONG_S, args.deterministic) for _ in range(args.repeat)]
        proven = [r for r in long if r["status"] == "optimal"]
        # a run not proven counts as the whole limit for the median time to proof
        proof = _median([r["solve_s"] if r["status"] == "optimal" else None for r in long])
        proof_all = statistics.median([r["solve_s"] if r["status"] == "optimal" else LONG_S for r in long])
        row = {
            "gap10": _median([r["gap"] for r in short]),
            "obj10": _median([r["objective"] for r in short]),
            "wall10": _median([r["wall_s"] for r in short]),
            "gap60": _median([r["gap"] for r in long]),
            "obj60": _median([r["objective"] for r in long]),
            "wall60": _median([r["wall_s"] for r in long]),
        }
        for key in ("gap10", "wall10", "gap60", "wall60"):
            summary[key].append(row[key])
        summary["proof"].append(proof_all)
        name = "seed" if seed == 0 else f"family {seed}"
        proof_text = "-" if proof is None else f"{proof_all:.1f} s"
        print(
            f"| {name} | {_pct(row['gap10'])} | {_num(row['obj10'], 4)} | {_num(row['wall10'], 1)} "
            f"| {proof_text} | {len(proven)}/{len(long)} | {_pct(row['gap60'])} | {_num(row['obj60'], 4)} "
            f"| {_num(row['wall60'], 1)} |",
            flush=True,
        )
    print(
        f"| **median over {len(seeds)} instances** | {_pct(_median(summary['gap10']))} | | "
        f"{_num(_median(summary['wall10']), 1)} | {_num(_median(summary['proof']), 1)} s | | "
        f"{_pct(_median(summary['gap60']))} | | {_num(_median(summary['wall60']), 1)} |"
    )
    gaps = [g for g in summary["gap10"] if g is not None]
    worst = _pct(max(gaps, default=None))
    print(f"\nworst gap at {SHORT_S:.0f} s over the instances (medians of runs): {worst}")


if __name__ == "__main__":
    main()
