"""Solving in stages, so that the balance term does not hide a good grouping behind a weak bound.

The max − min spread of load ratios relaxes badly: left in from the start, the engine finds the nearest
and fewest members slowly and proves little. So, for each grouping:

1. `members` finds the fewest and nearest members (distance, members, subcontracting; no balance) and
   proves a lower bound LB1 on them. Since the spread is never negative, LB1 is also a lower bound of the
   full objective;
2. after every stage that finds a plan, `equalise` evens its load ratios by local moves and by
   re-spreading the subcontracted hours (`solver.moves`, `solver.balance`);
3. `split` finds the fairest split (full objective) among the plans within 2 % of stage 1's best on
   distance, members and subcontracting;
4. `fixed` finds the fairest split with a member set fixed (no big-M left on the spread);
5. when the full objective is not yet within the asked gap of the best bound, `all` searches all
   groupings on the full objective from the best plan so far, until proven or out of time; its bound
   raises the certified bound.

The reported bound is the best of the valid bounds (LB1, stage `all`'s); the bounds of `fixed` and
`split` only hold within their restriction and are never reported as the plan's bound (they are listed
in the stage reports). `optimal` means that the gap between the plan's full objective and that bound is
within `gap_rel`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import pulp

from solver import balance, checks, engine, model, moves, results
from solver.engine import EngineResult, Progress
from solver.plan import StageReport
from solver.start import greedy_start

# stage 2 looks for the fairest split among plans within 2 % of stage 1's best on its own terms
TOLERANCE = 0.02
# of a grouping's time: 40 % to the members, then 70 % of what is left to the split, then 60 % of the
# rest to the fairest split of the best member set. Measured on the seed scale: the split (within 2 % of
# stage 1) is where the fair groupings are found; fixing the members first, on stage 1's set, locked
# HiGHS onto a set whose fair split cost 6 % more
FIRST_SHARE = 0.4
SPLIT_SHARE = 0.7
FIXED_SHARE = 0.6
MIN_STAGE_S = 0.5
# stage 1's latest plans with other member sets, tried for a fairer split
EARLIER = 4
# beyond this many assignment variables a linear relaxation is no quick probe
PROBE_UP_TO = 20_000
PROBE_S = 2.0
# the equalising linear programme is small; at national scale handing it over takes a few seconds
EQUALISE_MAX_S = 30.0


@dataclass(frozen=True)
class Incumbent:
    values: dict[str, float]
    objective: float
    members: frozenset[str]


def _snapshot(built: model.Model) -> Incumbent:
    solution = results.read_solution(built)
    found, _ = results.grouping(built.elig, built.scales, solution, 0)
    values = {v.name: float(v.varValue or 0.0) for v in built.prob.variables()}
    if built.spread is not None:
        ratios = [m.load_ratio for m in found.members]
        values[built.spread[0].name] = max(ratios)
        values[built.spread[1].name] = min(ratios)
    return Incumbent(values, found.objective, solution.members)


def _restore(prob: pulp.LpProblem, values: dict[str, float]) -> None:
    for v in prob.variables():
        v.varValue = values.get(v.name, 0.0)


def relative_gap(objective: float, bound: float | None) -> float | None:
    if bound is None:
        return None
    return max(0.0, objective - bound) / max(abs(objective), 1e-9)


def status_of(objective: float, bound: float | None, gap_rel: float) -> str:
    """`optimal` only when the full objective is within `gap_rel` of a valid proven lower bound."""
    gap = relative_gap(objective, bound)
    proven = bound is not None and (
        objective - bound <= engine.ABS_GAP or (gap is not None and gap <= gap_rel + 1e-9)
    )
    return "optimal" if proven else "feasible"


def _report(name: str, outcome: EngineResult) -> StageReport:
    return StageReport(
        name=name,
        status=outcome.status,
        objective=outcome.objective,
        bound=outcome.bound,
        gap=outcome.gap,
        seconds=outcome.seconds,
    )


def best_grouping(
    built: model.Model, budget: float, progress: Progress | None, staged: bool = True
) -> tuple[EngineResult, list[StageReport]]:
    """Solve for the best grouping within `budget` seconds; the variables hold it afterwards.
    Also returns each stage's own report (stage 2's bound holds only within its 2 % ceiling)."""
    reports: list[StageReport] = []
    o = built.elig.problem.options
    began = time.monotonic()
    deadline = began + budget

    # what a run costs beyond the engine's own clock (PuLP reading the solution back), as measured
    overhead = [0.0]

    def run(
        limit: float, stage: str, start: Incumbent | None = None, seen: list[list[float]] | None = None
    ) -> EngineResult:
        limit = min(limit, deadline - time.monotonic()) - overhead[0]
        if limit < MIN_STAGE_S and stage != "members":
            return EngineResult("timeout", None, None, None, 0.0, "skipped: no time left")
        outcome = engine.solve(
            built.prob,
            engine=o.engine,
            time_limit=max(MIN_STAGE_S, limit),
            gap_rel=o.gap_rel,
            threads=o.threads,
            start=start.values if start else None,
            progress=progress,
            stage=stage,
            incumbents=seen,
        )
        overhead[0] = max(overhead[0], outcome.seconds - max(MIN_STAGE_S, limit))
        return outcome

    if not staged:
        return run(budget, "solve"), reports
    greedy = Incumbent(greedy_start(built), float("inf"), frozenset())
    if built.spread is None:
        return run(budget, "solve", greedy), reports

    model.define_objective(built, with_balance=False)
    without_balance = built.prob.objective.copy()
    seen: list[list[float]] = []
    first = run(budget * FIRST_SHARE, "members", greedy, seen)
    reports.append(_report("members", first))
    model.define_objective(built, with_balance=True)
    if not first.has_solution or first.objective is None:
        return first, reports
    bound = first.bound
    members_plan = _snapshot(built)
    best = _equalised(built, members_plan, deadline, reports)
    if status_of(best.objective, bound, o.gap_rel) == "optimal":
        return _finish(built, best, bound, began, first.name, o.gap_rel), reports

    ceiling = first.objective + TOLERANCE * abs(first.objective) + engine.ABS_GAP
    built.prob += without_balance <= ceiling, "near_best_members"
    # stage 1's own plan is within the ceiling; a fairer plan found since may not be
    second = run((deadline - time.monotonic()) * SPLIT_SHARE, "split", members_plan)
    reports.append(_report("split", second))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PuLP 3.3 warns on the mapping; the row must go before stage 3
        del built.prob.constraints["near_best_members"]
    if second.has_solution:
        candidate = _equalised(built, _snapshot(built), deadline, reports)
        best = candidate if candidate.objective < best.objective else best

    # the member set of a plan stage 1 passed on its way may split more fairly: the set whose fairest
    # split has the lowest linear-relaxation bound (no big-M once the set is fixed) goes to stage `fixed`
    start = best
    small = len(built.x) <= PROBE_UP_TO
    lowest = _fixed_relaxation(built, best.members, o.threads) if small else None
    for earlier in _earlier(built, seen, best.members) if small else []:
        if deadline - time.monotonic() < 4 * MIN_STAGE_S:
            break
        _restore(built.prob, earlier)
        plan = _snapshot(built)
        value = _fixed_relaxation(built, plan.members, o.threads)
        if value is not None and (lowest is None or value < lowest - engine.ABS_GAP):
            start, lowest = plan, value
    _restore(built.prob, best.values)
    # with the members fixed the spread has no big-M: the fairest split of this member set is easy
    fixed = _run_fixed(
        built, start, lambda limit: run(limit, "fixed", start), (deadline - time.monotonic()) * FIXED_SHARE
    )
    reports.append(_report("fixed", fixed))
    if fixed.has_solution:
        candidate = _equalised(built, _snapshot(built), deadline, reports)
        best = candidate if candidate.objective < best.objective else best
    if status_of(best.objective, bound, o.gap_rel) == "optimal":
        return _finish(built, best, bound, began, first.name, o.gap_rel), reports

    gap = relative_gap(best.objective, bound)
    if (gap is None or gap > o.gap_rel) and best.objective - (bound or -1e300) > engine.ABS_GAP:
        third = run(deadline - time.monotonic(), "all", best)
        reports.append(_report("all", third))
        if third.bound is not None and third.status != "error":
            bound = third.bound if bound is None else max(bound, third.bound)
        if third.has_solution:
            candidate = _equalised(built, _snapshot(built), deadline, reports)
            best = candidate if candidate.objective < best.objective else best
    return _finish(built, best, bound, began, first.name, o.gap_rel), reports


def _run_fixed(
    built: model.Model, best: Incumbent, run: Callable[[float], EngineResult], limit: float
) -> EngineResult:
    """Run with every membership fixed as in `best` (the bound of such a run holds for that member set
    only: it is listed in the stage reports, never reported as the plan's bound)."""
    saved = {e: (y.lowBound, y.upBound) for e, y in built.y.items()}
    try:
        for e, y in built.y.items():
            y.lowBound = y.upBound = 1 if e in best.members else 0
        return run(limit)
    finally:
        for e, y in built.y.items():
            y.lowBound, y.upBound = saved[e]


def _fixed_relaxation(built: model.Model, members: frozenset[str], threads: int | None) -> float | None:
    """The linear relaxation's bound on the full objective with this member set fixed."""
    saved = {v.name: v.cat for v in built.prob.variables()}
    try:
        for v in built.prob.variables():
            v.cat = pulp.LpContinuous
        outcome = _run_fixed(
            built,
            Incumbent({}, 0.0, members),
            lambda limit: engine.solve(
                built.prob, engine="highs", time_limit=limit, gap_rel=1e-9, threads=threads
            ),
            PROBE_S,
        )
    finally:
        for v in built.prob.variables():
            v.cat = saved[v.name]
    return outcome.bound if outcome.has_solution else None


def _earlier(built: model.Model, seen: list[list[float]], last: frozenset[str]) -> list[dict[str, float]]:
    """Up to EARLIER distinct member sets among stage 1's latest plans (the last one excluded)."""
    names = [v.name for v in built.prob.variables()]
    ys = {y.name: e for e, y in built.y.items()}
    found: list[dict[str, float]] = []
    sets = {last}
    for values in reversed(seen):
        if len(found) >= EARLIER or len(values) != len(names):
            break
        plan = dict(zip(names, values, strict=True))
        members = frozenset(e for name, e in ys.items() if plan.get(name, 0.0) > 0.5)
        if members not in sets:
            sets.add(members)
            found.append(plan)
    return found


def _even_out(built: model.Model, limit: float) -> None:
    """Local moves on the plan held in the variables (`solver.moves`); members may leave, none joins."""
    solution = results.read_solution(built)
    staffing = {arc: float(z.varValue or 0.0) for arc, z in built.z.items() if (z.varValue or 0.0) > 1e-9}
    moved = moves.even_out(
        built.elig, built.scales, solution.assignments, staffing, solution.mandataire, limit
    )
    for (k, e), x in built.x.items():
        x.varValue = 1.0 if moved.get(k) == e else 0.0
    kept = {built.elig.entity_of(e) for e in moved.values()}
    required = {built.elig.entity_of(e) for e in built.elig.problem.options.required}
    for entity, y in built.y.items():
        if entity not in kept and entity not in required:
            y.varValue = 0.0


def _finish(
    built: model.Model, best: Incumbent, bound: float | None, began: float, name: str, gap_rel: float
) -> EngineResult:
    _restore(built.prob, best.values)
    gap = relative_gap(best.objective, bound)
    return EngineResult(
        status_of(best.objective, bound, gap_rel), best.objective, bound, gap, time.monotonic() - began, name
    )


def _equalised(built: model.Model, plan: Incumbent, deadline: float, reports: list[StageReport]) -> Incumbent:
    """The plan with its subcontracted hours re-spread to even the load ratios (`solver.balance`), when
    that lowers its objective; the variables hold the returned plan."""
    began = time.monotonic()
    limit = min(EQUALISE_MAX_S, 0.1 * (deadline - began))
    if limit < MIN_STAGE_S / 5:
        return plan
    _even_out(built, limit)
    if not balance.equalise(built, max(limit, MIN_STAGE_S)):
        _restore(built.prob, plan.values)
        return plan
    candidate = _snapshot(built)
    # the polished plan is kept only when it keeps every hard rule (checked apart from the model)
    kept = not checks.violations(built.elig, results.read_solution(built))
    better = kept and candidate.objective < plan.objective - engine.ABS_GAP
    reports.append(
        StageReport(
            name="equalise",
            status="feasible",
            objective=candidate.objective if better else plan.objective,
            seconds=time.monotonic() - began,
        )
    )
    if better:
        return candidate
    _restore(built.prob, plan.values)
    return plan
