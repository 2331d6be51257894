"""Benchmark of the planning engine: `python -m bench.solver [--scales seed,regional,national]`.

Each case runs in its own process so that its peak memory is its own. Prints a Markdown table: model
build seconds (eligibility and PuLP model; the hand-over to the engine is counted in solve), solve
seconds, status, certified gap, peak memory. The seed scale also runs on CBC and with the plain
formulation, in the same run, for the ratios.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

CASES: dict[str, tuple[str, str, bool]] = {
    # name: (instance, engine, strong formulation)
    "seed": ("seed", "highs", True),
    "seed-naive": ("seed", "highs", False),
    "seed-cbc": ("seed", "cbc", True),
    "regional": ("regional", "highs", True),
    "national": ("national", "highs", True),
}


def run_case(name: str, time_limit: float) -> dict[str, Any]:
    import solver
    from bench import instances

    instance, engine, strong = CASES[name]
    problem = getattr(instances, {"seed": "seed_scale"}.get(instance, instance))(
        time_limit_s=time_limit, engine=engine
    )
    marks: dict[str, float] = {}
    first_within: dict[str, float] = {}

    def progress(event: dict[str, Any]) -> None:
        marks.setdefault(event["stage"], event["elapsed"])
        if event["stage"] == "built":  # a large tender solved by territory: its models' build time
            marks["model"] = marks.get("eligibility", 0.0) + event["build_s"]

    began = time.monotonic()
    plan = solver.solve(problem, progress, strong=strong)
    total = time.monotonic() - began
    build = marks.get("model", 0.0)
    best = plan.groupings[0] if plan.groupings else None
    return {
        "case": name,
        "sites": sum(len(lot.sites) for lot in problem.tender.lots),
        "structures": len(problem.structures),
        "engine": plan.solver.name,
        "formulation": ("by territory" if "built" in marks else "strong, staged") if strong else "plain",
        "build_s": build,
        "solve_s": total - build,
        "total_s": total,
        "status": plan.status,
        "objective": plan.solver.objective,
        "bound": plan.solver.bound,
        "gap": plan.solver.gap,
        "members": best.terms.members if best else None,
        "uncovered": len(best.uncovered) if best else None,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "first_within": first_within,
    }


def _row(r: dict[str, Any]) -> str:
    gap = f"{r['gap']:.2%}" if r["gap"] is not None else "-"
    objective = f"{r['objective']:.4f}" if r["objective"] is not None else "-"
    share = r["build_s"] / r["total_s"] if r["total_s"] else 0.0
    return (
        f"| {r['case']} | {r['sites']} × {r['structures']} | {r['engine']} | {r['formulation']} | "
        f"{r['build_s']:.2f} ({share:.0%}) | {r['solve_s']:.1f} | {r['status']} | {objective} | {gap} | "
        f"{r['members']} | {r['uncovered']} | {r['peak_mb']:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="seed,regional,national")
    parser.add_argument("--limit", type=float, default=60.0, help="time limit (s) for seed and regional")
    parser.add_argument("--national-limit", type=float, default=600.0)
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each seed and regional case (the median is printed)"
    )
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        limit = args.national_limit if args.case == "national" else args.limit
        print(json.dumps(run_case(args.case, limit)))
        return
    scales = args.scales.split(",")
    names = [n for n in CASES if CASES[n][0] in scales]
    print(
        "| case | sites × structures | engine | formulation | build s (share) | solve s | status | objective "
        "| certified gap | members | uncovered | peak MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        runs = []
        for _ in range(args.repeat if CASES[name][0] != "national" else 1):
            found = _run(name, args)
            if found is None:
                continue
            runs.append(found)
            print(_row(found), flush=True)
        if len(runs) > 1:
            print(_row(_median(runs)), flush=True)


def _run(name: str, args: argparse.Namespace) -> dict[str, Any] | None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.solver",
            "--case",
            name,
            "--limit",
            str(args.limit),
            "--national-limit",
            str(args.national_limit),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        print(f"| {name} | failed: {done.stderr.strip().splitlines()[-1:]} |")
        return None
    found: dict[str, Any] = json.loads(lines[-1])
    return found


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure over the runs (each figure on its own); the most frequent status."""
    out = dict(runs[0])
    for key in ("build_s", "solve_s", "total_s", "objective", "gap", "members", "uncovered", "peak_mb"):
        values = [r[key] for r in runs if r[key] is not None]
        out[key] = statistics.median(values) if values else None
    statuses = [r["status"] for r in runs]
    out["status"] = max(set(statuses), key=statuses.count)
    out["case"] = f"**{runs[0]['case']} median of {len(runs)}**"
    return out


if __name__ == "__main__":
    main()
