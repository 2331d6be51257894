"""`solve`: eligibility, model, engine, then the k best groupings with distinct member sets.

Never raises on a valid problem: infeasibility, time-outs and engine failures come back as a Plan with
its status and diagnostics.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from solver import (
    decompose,
    diagnostics,
    eligibility,
    engine,
    loads,
    model,
    portfolio,
    results,
    stages,
    strengthen,
)
from solver.plan import Diagnostic, Grouping, Plan, SolverReport, StageReport
from solver.problem import Baseline, PlanningProblem

Progress = Callable[[dict[str, Any]], None]
DISAGGREGATE_UP_TO = 20_000
# measured on a loaded 2-core machine: even 8 rows per site slowed the first relaxation of a
# 1,000-site tender past a minute, so large tenders keep the aggregated rows only
NEAREST_ROWS = 0


def solve(
    problem: PlanningProblem,
    progress: Progress | None = None,
    *,
    strong: bool = True,
    started: float | None = None,
) -> Plan:
    """Plan the groupings of a tender. `progress` receives dicts with `stage`, `elapsed` and, while the
    engine runs, the incumbent `objective`, best `bound` and `gap` when the engine gives them.
    `strong=False` solves the plain formulation in one stage (to measure what the strong one gains).
    `started` (a `time.monotonic()` reading, e.g. the process's start) is when the time limit began
    to run; by default, now."""
    began = time.monotonic() if started is None else min(started, time.monotonic())
    try:
        if loads.is_timed(problem.structures, [problem.tender]):
            untimed = portfolio.committed_only(problem)
            if untimed is None:
                # work windows or availability per period: planned with time (solver/portfolio.py)
                return portfolio.solve_timed(problem, progress, began)
            problem = untimed
        return _solve(problem, progress, began, strong)
    except Exception as error:  # a valid problem always gets a plan back, even when something breaks
        return Plan(
            status="error",
            solver=SolverReport(name=problem.options.engine, seconds=time.monotonic() - began),
            diagnostics=[
                Diagnostic(code="solver_error", message=f"Le moteur de planification a échoué : {error!r}")
            ],
        )


def replan(problem: PlanningProblem, baseline: Baseline, progress: Progress | None = None) -> Plan:
    """Re-plan after changes (e.g. a member withdrew), keeping every assignment of `baseline` that can be
    kept; each moved site costs `baseline.move_penalty` and is listed in `Grouping.moved`."""
    options = problem.options.model_copy(update={"baseline": baseline})
    return solve(problem.model_copy(update={"options": options}), progress)


def _emit(progress: Progress | None, stage: str, began: float, **extra: Any) -> None:
    if progress is not None:
        progress({"stage": stage, "elapsed": time.monotonic() - began, **extra})


def _solve(problem: PlanningProblem, progress: Progress | None, began: float, strong: bool) -> Plan:
    o = problem.options
    elig = eligibility.compute(problem)
    _emit(progress, "eligibility", began, pairs=len(elig.pairs))
    notes = diagnostics.before_solving(elig)
    engine_name = "CBC" if o.engine == "cbc" else "HiGHS"
    if not diagnostics.mandataire_candidates(elig):
        leave = [
            Diagnostic(code=code, structure=s, message=message)
            for s, (code, message) in elig.leave_reasons.items()
        ]
        return Plan(
            status="infeasible",
            solver=SolverReport(name=engine_name, seconds=time.monotonic() - began),
            diagnostics=[
                diagnostics.no_possible_mandataire(elig),
                *notes,
                *diagnostics.unreachable_sites(elig),
                *leave,
            ],
        )
    # one x ≤ y row per pair bounds far better, but beyond ~20,000 pairs the engine's first linear
    # relaxation alone takes minutes: large tenders get the aggregated rows
    nearest = None if len(elig.pairs) <= DISAGGREGATE_UP_TO else NEAREST_ROWS
    if strong and nearest is not None and decompose.applies(elig):
        parts = decompose.solve(elig, o.time_limit_s - (time.monotonic() - began), progress)
        if parts is not None:
            return _decomposed_plan(elig, parts, notes, began)
    built = model.build(elig, problem.tender.reference, nearest=nearest, strong=strong)
    if strong:
        strengthen.define_valid_inequalities(built)
    _emit(
        progress,
        "model",
        began,
        variables=built.prob.numVariables(),
        constraints=built.prob.numConstraints(),
    )

    groupings: list[Grouping] = []
    missing: list[list[str]] = []  # territories without a member, per grouping in search order
    first: engine.EngineResult | None = None
    first_reports: list[StageReport] = []
    clock = stages.Clock(o.time_limit_s, o.deterministic)
    if not o.deterministic:
        clock.began = began  # the time limit counts from the start (eligibility and model included)
    for rank in range(1, o.alternatives + 1):
        left = clock.left()
        # the best grouping gets most of the time; the alternatives share the rest
        share = 1.0 if rank == o.alternatives else (0.6 if rank == 1 else 1.0 / (o.alternatives - rank + 1))
        budget = max(1.0, left * share)
        outcome, reports = stages.best_grouping(built, budget, progress, staged=strong, clock=clock)
        first_reports = first_reports if first is not None else reports
        first = first or outcome
        if not outcome.has_solution:
            if rank > 1 and outcome.status == "infeasible":
                notes.append(
                    Diagnostic(
                        code="fewer_alternatives",
                        message=f"Seulement {rank - 1} groupement(s) distinct(s) respectent les règles "
                        f"({o.alternatives} demandés).",
                    )
                )
            break
        solution = results.read_solution(built)
        found, lacking = results.grouping(elig, built.scales, solution, rank)
        groupings.append(found)
        missing.append(lacking)
        _emit(progress, "grouping", began, rank=rank, objective=found.objective)
        model.exclude_grouping(built, set(solution.members), rank)

    assert first is not None
    order = sorted(range(len(groupings)), key=lambda i: groupings[i].objective)
    lacking_best = missing[order[0]] if groupings else []
    groupings = [groupings[i].model_copy(update={"rank": n}) for n, i in enumerate(order, 1)]
    objective, gap = first.objective, first.gap
    status = first.status
    if groupings and first.objective is not None:
        # the best plan as read back (the engine's own figure may sit up to its tolerance below it), or
        # an alternative searched later that beat the first under the time limit: the first search's
        # bound (over all groupings) still bounds it
        objective = groupings[0].objective
        reference = stages.gap_reference(elig, built.scales.hours, groupings[0])
        gap = engine.relative_gap(objective, first.bound, reference)
        status = stages.status_of(objective, first.bound, o.gap_rel, reference)
    report = SolverReport(
        name=first.name,
        objective=objective,
        bound=first.bound,
        gap=gap,
        seconds=time.monotonic() - began,
        stages=first_reports,
    )
    if not groupings:
        extra = [diagnostics.infeasible(elig)] if first.status == "infeasible" else []
        return Plan(status=first.status, solver=report, diagnostics=[*extra, *notes])
    found_notes = diagnostics.after_solving(elig, groupings[0], lacking_best, built.skipped_territories)
    return Plan(status=status, solver=report, groupings=groupings, diagnostics=[*notes, *found_notes])


def _decomposed_plan(
    elig: eligibility.Eligibility, parts: decompose.Outcome, notes: list[Diagnostic], began: float
) -> Plan:
    o = elig.problem.options
    best = parts.grouping
    reference = stages.gap_reference(elig, model.scales(elig).hours, best)
    report = SolverReport(
        name=parts.engine,
        objective=best.objective,
        bound=parts.bound,
        gap=engine.relative_gap(best.objective, parts.bound, reference),
        seconds=time.monotonic() - began,
        stages=parts.stages,
    )
    skipped = []
    if o.territorial_presence:
        based = {st.territory for st in elig.members.values()}
        skipped = sorted({s.territory for s in elig.sites if s.territory and s.territory not in based})
    found_notes = diagnostics.after_solving(elig, best, parts.missing, skipped)
    return Plan(
        status=stages.status_of(best.objective, parts.bound, o.gap_rel, reference),
        solver=report,
        groupings=[best],
        diagnostics=[*notes, *found_notes],
    )
