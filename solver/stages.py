"""Solving in stages, so that the balance term does not hide a good grouping behind a weak bound.

The max − min spread of load ratios relaxes badly: left in from the start, the engine finds the nearest
and fewest members slowly and proves little. So, for each grouping:

1. `members` finds the fewest and nearest members (distance, members, subcontracting; no balance) and
   proves a lower bound LB1 on them. Since the spread is never negative, LB1 is also a lower bound of the
   full objective;
2. after every stage that finds a plan, `equalise` evens its load ratios by local moves and by
   re-spreading the staff put at disposal (`solver.moves`, `solver.balance`);
3. `count`: the linear relaxation of the full objective branched once on the number of members
   (`count_bound`), a lower bound often above what stage 1 proved in its time; the number of members
   becomes an integer variable the engine may branch on in the stages after;
4. `sets`, when few entities may be members: a bound member set by member set (no big-M once the set
   is fixed) and each open set's fairest split (`solver.sets`); otherwise `fixed` finds the fairest
   split with one member set fixed (no big-M left on the spread);
5. when the full objective is not yet within the asked gap of the best bound, `all` searches all
   groupings on the full objective from the best plan so far, until proven or out of time; its bound
   raises the certified bound.

The reported bound is the best of the valid bounds (LB1, the data bound, `count`'s, `sets`', `all`'s); the
bound of `fixed` only holds for its member set and is never reported as the plan's bound (it is listed
in the stage reports). `optimal` means that the gap between the plan's full objective and that bound is
within `gap_rel`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import pulp

from solver import balance, checks, engine, model, moves, results, sets, strengthen
from solver.eligibility import Eligibility
from solver.engine import EngineResult, Progress
from solver.plan import Grouping, StageReport
from solver.start import greedy_start

# of a grouping's time: 40 % to the members, then 60 % of what is left to the fairest split of the best
# member set, the rest to the whole model. Measured on the seed scale (BENCHMARKS.md): a stage searching
# the fairest split among the plans within 2 % of stage 1's best, between these, found nothing the
# others did not and took the time the whole model needs for its proof
FIRST_SHARE = 0.4
FIXED_SHARE = 0.6
BRANCH_SHARE = 0.5  # of the time left after stage `fixed`: the relaxation branched on memberships
MIN_STAGE_S = 0.5
# stage 1's latest plans with other member sets, tried for a fairer split
EARLIER = 4
# beyond this many assignment variables a linear relaxation is no quick probe
PROBE_UP_TO = 20_000
PROBE_S = 2.0
# the equalising linear programme is small; at national scale handing it over takes a few seconds
EQUALISE_MAX_S = 30.0
# stage `sets`: the first member set run (the one with the lowest bound, which is then the plan's bound)
# gets the time left but this share of it for each other set that may hold a better plan (at most
# SETS_RESERVE in all); those are run after it, up to the bound it reached (a run restarted from
# scratch would not pass it)
SET_SHARE = 0.05
SETS_RESERVE = 0.25


# deterministic mode: branch-and-bound nodes per second of time limit (about what HiGHS explores on the
# seed scale on one quiet core), so that a time limit reads as the same amount of work on any machine
NODES_PER_S = 25
# ... and the wall-clock limit is kept only as a guard: this many times the time limit
GUARD = 2.0


class Clock:
    """The time left to a solve. By default the wall clock. In deterministic mode a nominal clock, which
    advances by the work each engine run did (its nodes ÷ NODES_PER_S, or its whole limit when it
    stopped on it), so that every decision taken on the time left is the same on every run."""

    def __init__(self, budget: float, deterministic: bool, parent: Clock | None = None) -> None:
        self.budget = budget
        self.deterministic = deterministic
        self.began = time.monotonic()
        self.spent = 0.0
        self.parent = parent
        # the wall-clock guard of deterministic mode
        self.guard: float = parent.guard if parent is not None else self.began + GUARD * budget

    def left(self) -> float:
        if self.deterministic:
            return self.budget - self.spent
        return self.budget - (time.monotonic() - self.began)

    def child(self, budget: float) -> Clock:
        return Clock(budget, self.deterministic, self)

    def charge(self, seconds: float) -> None:
        self.spent += seconds
        if self.parent is not None:
            self.parent.charge(seconds)

    def engine_limits(self, limit: float) -> tuple[float, int | None]:
        """The engine's time limit and node limit for a run given `limit` seconds (nominal ones in
        deterministic mode, where the time limit is the guard's)."""
        if not self.deterministic:
            return limit, None
        return max(MIN_STAGE_S, self.guard - time.monotonic()), max(1, round(NODES_PER_S * limit))

    def charge_run(self, limit: float, outcome: EngineResult) -> None:
        if self.deterministic:
            stopped = outcome.status in ("feasible", "timeout") or outcome.nodes >= NODES_PER_S * limit
            self.charge(limit if stopped else min(limit, outcome.nodes / NODES_PER_S))


@dataclass(frozen=True)
class Incumbent:
    values: dict[str, float]
    objective: float
    members: frozenset[str]
    reference: float = 0.0  # what the gap is measured against (`gap_reference`)


def gap_reference(elig: Eligibility, hours: float, grouping: Grouping) -> float:
    """The objective with the intermédiaires' reward added back: the sum of the positive terms (and
    penalties). The relative gap is measured against it, so that a reward subtracted from the objective,
    which can take it near 0, does not blow a small absolute gap up into a large relative one."""
    w = elig.problem.options.weights
    reward = w.staffing * grouping.terms.staffing_hours / hours if hours > 0 else 0.0
    return grouping.objective + max(0.0, reward)


def _snapshot(built: model.Model) -> Incumbent:
    solution = results.read_solution(built)
    found, _ = results.grouping(built.elig, built.scales, solution, 0)
    values = {v.name: float(v.varValue or 0.0) for v in built.prob.variables()}
    if built.spread is not None:
        ratios = [m.load_ratio for m in found.members]
        values[built.spread[0].name] = max(ratios)
        values[built.spread[1].name] = min(ratios)
    return Incumbent(
        values, found.objective, solution.members, gap_reference(built.elig, built.scales.hours, found)
    )


def _restore(prob: pulp.LpProblem, values: dict[str, float]) -> None:
    for v in prob.variables():
        v.varValue = values.get(v.name, 0.0)


def status_of(objective: float, bound: float | None, gap_rel: float, reference: float = 0.0) -> str:
    """`optimal` only when the full objective is within `gap_rel` of a valid proven lower bound."""
    return "optimal" if engine.within(objective, bound, gap_rel, reference) else "feasible"


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
    built: model.Model,
    budget: float,
    progress: Progress | None,
    staged: bool = True,
    clock: Clock | None = None,
) -> tuple[EngineResult, list[StageReport]]:
    """Solve for the best grouping within `budget` seconds (of `clock`, the solve's: nominal ones in
    deterministic mode); the variables hold it afterwards. Also returns each stage's own report
    (stage 2's bound holds only within its 2 % ceiling)."""
    reports: list[StageReport] = []
    o = built.elig.problem.options
    began = time.monotonic()
    own = (clock or Clock(budget, o.deterministic)).child(budget)

    # what a run costs beyond the engine's own clock (PuLP reading the solution back), as measured
    overhead = [0.0]
    # a seed-scale model started from a good plan: HiGHS's presolve and its restarts cost more than they
    # save there; from a poor start they find better plans (BENCHMARKS.md)
    no_presolve = len(built.x) <= PROBE_UP_TO

    def run(
        limit: float,
        stage: str,
        start: Incumbent | None = None,
        seen: list[list[float]] | None = None,
        stop_at: float | None = None,
    ) -> EngineResult:
        limit = min(limit, own.left()) - overhead[0]
        # deterministic mode: past the wall-clock guard, the later stages are skipped
        guarded = own.deterministic and time.monotonic() >= own.guard
        if (limit < MIN_STAGE_S or guarded) and stage != "members":
            return EngineResult("timeout", None, None, None, 0.0, "skipped: no time left")
        limit = max(MIN_STAGE_S, limit)
        time_limit, node_limit = own.engine_limits(limit)
        if start is not None and built.count is not None:
            # the member count of a plan found before the count was added
            members = sum(round(start.values.get(y.name, 0.0)) for y in built.y.values())
            start = replace(start, values={**start.values, built.count.name: float(members)})
        outcome = engine.solve(
            built.prob,
            engine=o.engine,
            time_limit=time_limit,
            gap_rel=o.gap_rel,
            threads=o.threads,
            start=start.values if start else None,
            progress=progress,
            stage=stage,
            incumbents=seen,
            node_limit=node_limit,
            presolve=not (no_presolve and stage in ("fixed", "all")),
            stop_at=stop_at,
        )
        own.charge_run(limit, outcome)
        if not own.deterministic:
            overhead[0] = max(overhead[0], outcome.seconds - limit)
        return outcome

    if not staged:
        return run(budget, "solve"), reports
    greedy = Incumbent(greedy_start(built), float("inf"), frozenset())
    if built.spread is None:
        return run(budget, "solve", greedy), reports

    model.define_objective(built, with_balance=False)
    seen: list[list[float]] = []
    first = run(budget * FIRST_SHARE, "members", greedy, seen)
    reports.append(_report("members", first))
    model.define_objective(built, with_balance=True)
    if not first.has_solution or first.objective is None:
        return first, reports
    # the bound from the data alone (`strengthen.data_bound`) holds whatever the engine had time to
    # prove: on a loaded machine stage 1 may stop before its first relaxation is solved
    floor = strengthen.data_bound(built.elig, built.scales)
    bound = first.bound if first.bound is not None and first.bound >= floor else floor
    members_plan = _snapshot(built)
    best = _equalised(built, members_plan, own, reports)
    if status_of(best.objective, bound, o.gap_rel, best.reference) == "optimal":
        return _finish(built, best, bound, began, first.name, o.gap_rel), reports

    # the relaxation branched on the number of members: often well above what stage 1 proved in its time;
    # the engine may branch on that number in the stages after this one
    if len(built.x) <= PROBE_UP_TO:
        model.define_member_count(built)
    # (half the time left at most: the stages after it find the plans)
    limit = min(2 * PROBE_S, 0.5 * own.left())
    if own.deterministic:
        limit = max(2 * PROBE_S, own.guard - time.monotonic())
    if built.count is not None and first.status != "optimal" and limit >= MIN_STAGE_S:
        probing = time.monotonic()
        lifted = count_bound(built, o.threads, limit)
        _restore(built.prob, best.values)
        if lifted is not None and lifted > bound:
            bound = lifted
            reports.append(
                StageReport(name="count", status="feasible", bound=lifted, seconds=time.monotonic() - probing)
            )
        if status_of(best.objective, bound, o.gap_rel, best.reference) == "optimal":
            return _finish(built, best, bound, began, first.name, o.gap_rel), reports

    # few possible members: a bound member set by member set, and the fairest split of each set that
    # may still hold a better plan (`solver.sets`), instead of stage `fixed` on one set
    by_sets = False
    if len(built.x) <= PROBE_UP_TO and sets.applies(built) and own.left() >= 4 * MIN_STAGE_S:
        best, bound, by_sets = _by_sets(built, best, bound, own, run, reports)
        if status_of(best.objective, bound, o.gap_rel, best.reference) == "optimal":
            return _finish(built, best, bound, began, first.name, o.gap_rel), reports

    # the member set of a plan stage 1 passed on its way may split more fairly: the set whose fairest
    # split has the lowest linear-relaxation bound (no big-M once the set is fixed) goes to stage `fixed`
    start = best
    small = len(built.x) <= PROBE_UP_TO and not by_sets
    small = small and own.left() >= 4 * MIN_STAGE_S
    lowest = _fixed_relaxation(built, best.members, o.threads, own.left()) if small else None
    for earlier in _earlier(built, seen, best.members) if small else []:
        if own.left() < 4 * MIN_STAGE_S or (own.deterministic and time.monotonic() >= own.guard):
            break
        _restore(built.prob, earlier)
        plan = _snapshot(built)
        value = _fixed_relaxation(built, plan.members, o.threads, own.left())
        if value is not None and (lowest is None or value < lowest - engine.ABS_GAP):
            start, lowest = plan, value
    _restore(built.prob, best.values)
    # with the members fixed the spread has no big-M: the fairest split of this member set is easy
    if not by_sets:
        fixed = _run_fixed(built, start, lambda limit: run(limit, "fixed", start), own.left() * FIXED_SHARE)
        reports.append(_report("fixed", fixed))
        if fixed.has_solution:
            candidate = _equalised(built, _snapshot(built), own, reports)
            best = candidate if candidate.objective < best.objective else best
    if status_of(best.objective, bound, o.gap_rel, best.reference) == "optimal":
        return _finish(built, best, bound, began, first.name, o.gap_rel), reports

    # more possible members than stage `sets` lists: the relaxation branched on memberships, best first
    # (`sets.branched`), raises the bound where the engine's own stays at its root's for seconds
    limit = BRANCH_SHARE * own.left()
    if (
        len(built.x) <= PROBE_UP_TO
        and not by_sets
        and not own.deterministic
        and limit >= MIN_STAGE_S
        and not engine.within(best.objective, bound, o.gap_rel, best.reference)
    ):
        probing = time.monotonic()
        target = best.objective - o.gap_rel * max(abs(best.objective), best.reference)
        lifted = sets.branched(built, o.threads, limit, best.objective, target)
        _restore(built.prob, best.values)
        if lifted is not None and lifted > bound:
            bound = lifted
            reports.append(
                StageReport(
                    name="branch", status="feasible", bound=lifted, seconds=time.monotonic() - probing
                )
            )
        if status_of(best.objective, bound, o.gap_rel, best.reference) == "optimal":
            return _finish(built, best, bound, began, first.name, o.gap_rel), reports

    if not engine.within(best.objective, bound, o.gap_rel, best.reference):
        third = run(own.left(), "all", best)
        reports.append(_report("all", third))
        if third.bound is not None and third.status != "error":
            bound = third.bound if bound is None else max(bound, third.bound)
        if third.has_solution:
            candidate = _equalised(built, _snapshot(built), own, reports)
            best = candidate if candidate.objective < best.objective else best
    return _finish(built, best, bound, began, first.name, o.gap_rel), reports


def _by_sets(
    built: model.Model,
    best: Incumbent,
    bound: float,
    own: Clock,
    run: Callable[..., EngineResult],
    reports: list[StageReport],
) -> tuple[Incumbent, float, bool]:
    """Stage `sets` (`solver.sets`): best first, the member set with the lowest bound that may still
    hold a plan better than the best one has its bound raised, from the data's floor to its linear
    relaxation with the memberships fixed, then by the engine on the model with the set fixed (half
    the time left the first time, all of it after), which also gives that set's best plan. The lowest
    bound over all sets bounds every plan. Returns the best plan, the bound and whether the stage ran."""
    o = built.elig.problem.options
    began = time.monotonic()
    table = sets.Sets(built, o.threads)
    plans = {best.members: best}
    runs: dict[frozenset[str], int] = {}
    done: set[frozenset[str]] = set()  # proven, failing or run twice: not run again (their bound stays)

    def tolerance() -> float:
        return max(engine.ABS_GAP, o.gap_rel * max(abs(best.objective), best.reference))

    def lowest() -> frozenset[str] | None:
        open_sets = [s for s, v in table.values.items() if s not in done and best.objective - v > tolerance()]
        return min(open_sets, key=lambda s: table.values[s], default=None)

    while (chosen := lowest()) is not None and own.left() >= MIN_STAGE_S:
        if own.deterministic and time.monotonic() >= own.guard:
            break
        if chosen not in table.relaxed_sets:
            # deterministic mode: the wall-clock guard only, as for stage `count`
            guard = max(PROBE_S, own.guard - time.monotonic())
            table.relax(chosen, guard if own.deterministic else min(PROBE_S, own.left()))
            continue
        start = plans.get(chosen)
        # the first set run (the lowest) gets most of the time, each later one half of what is left, a
        # second run all of it; none runs past the best plan, nor past the bounds the sets run before
        # it reached (the lowest of all is what bounds the plan)
        given = own.left() * (0.5 if chosen not in runs else 1.0)
        if not runs:
            others = sum(
                1
                for s in table.relaxed_sets
                if s != chosen and best.objective - table.values[s] > tolerance()
            )
            given = own.left() * (1.0 - min(SETS_RESERVE, others * SET_SHARE))
        target = best.objective - tolerance()
        reached = [table.values[s] for s in runs if s != chosen]
        stop_at = min(target, max(reached)) if reached else target
        runs[chosen] = runs.get(chosen, 0) + 1

        def run_set(limit: float, start: Incumbent | None = start, stop_at: float = stop_at) -> EngineResult:
            return run(limit, "sets", start, None, stop_at)

        outcome = _run_fixed(built, Incumbent({}, 0.0, chosen), run_set, given)
        if outcome.status == "infeasible":
            table.raise_to(chosen, math.inf)
        elif outcome.bound is not None and outcome.status != "error":
            table.raise_to(chosen, outcome.bound)
        if outcome.has_solution:
            found = _equalised(built, _snapshot(built), own, reports)
            if (
                found.members == chosen
                and found.objective < plans.get(chosen, found).objective + engine.ABS_GAP
            ):
                plans[chosen] = found
            if found.objective < best.objective:
                best = found
        if outcome.status in ("optimal", "infeasible", "error") or runs[chosen] >= 2:
            done.add(chosen)
        _restore(built.prob, best.values)
    lifted = table.bound()
    reports.append(
        StageReport(
            name="sets",
            status="feasible",
            objective=best.objective,
            bound=lifted if math.isfinite(lifted) else None,
            seconds=time.monotonic() - began,
        )
    )
    if math.isfinite(lifted) and lifted > bound:
        bound = lifted
    return best, bound, True


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


def _fixed_relaxation(
    built: model.Model, members: frozenset[str], threads: int | None, left: float
) -> float | None:
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
            min(PROBE_S, 0.25 * left),
        )
    finally:
        for v in built.prob.variables():
            v.cat = saved[v.name]
    return outcome.bound if outcome.has_solution else None


def count_bound(built: model.Model, threads: int | None, limit: float) -> float | None:
    """A lower bound of the objective in place (the full one, or stage 1's, which is below it): the
    linear relaxation branched once on the number of members. The relaxation pays the members' term
    with fractions of entities; every plan has a whole number n of members, so it lies in the branch
    n ≤ ⌊n*⌋ or n ≥ ⌈n*⌉ of the relaxation's n*, and its objective is at least the lower of the two
    branches' relaxations. None when a relaxation is not solved within `limit` seconds."""
    count = built.count
    if count is None:
        return None
    began = time.monotonic()
    relaxed = engine.Relaxation(built.prob, threads)

    def left() -> float:
        return limit - (time.monotonic() - began)

    whole = relaxed.solve(left())
    if whole is None or not math.isfinite(whole):
        return None  # a plan exists (stage 1 found it): an infeasible relaxation is a numerical failure
    n = relaxed.value(count)
    if abs(n - round(n)) <= 1e-6:
        return whole
    low, high = float(count.lowBound or 0), float(count.upBound or len(built.y))
    relaxed.bound(count, low, math.floor(n))
    below = relaxed.solve(left())
    relaxed.bound(count, math.ceil(n), high)
    above = relaxed.solve(left())
    if below is None or above is None or not math.isfinite(min(below, above)):
        return whole
    return max(whole, min(below, above))


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
    model.sync_count(built)


def _finish(
    built: model.Model, best: Incumbent, bound: float | None, began: float, name: str, gap_rel: float
) -> EngineResult:
    _restore(built.prob, best.values)
    gap = engine.relative_gap(best.objective, bound, best.reference)
    status = status_of(best.objective, bound, gap_rel, best.reference)
    return EngineResult(status, best.objective, bound, gap, time.monotonic() - began, name)


def _equalised(built: model.Model, plan: Incumbent, clock: Clock, reports: list[StageReport]) -> Incumbent:
    """The plan with its subcontracted hours re-spread to even the load ratios (`solver.balance`), when
    that lowers its objective; the variables hold the returned plan. In deterministic mode the local
    moves run until none helps (they always end)."""
    began = time.monotonic()
    limit = min(EQUALISE_MAX_S, 0.1 * clock.left())
    if limit < MIN_STAGE_S / 5:
        return plan
    if clock.deterministic:
        limit = EQUALISE_MAX_S
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
