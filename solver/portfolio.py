"""Several tenders planned together, as one model: a network's year.

Each tender keeps its own grouping (members, mandataire, form), built by the single tender's builders
(`solver.model.build`) with its own options; what the tenders share is added over them
(`solver.loads`): a structure's capacity per month or week, its capacity per trade, and its yearly
revenue caps (`max_dependence`, and for an ACI the rule of Code du travail D5132-34). The objective is
the sum of the tenders' objectives, each normalised as for a single tender.

Commitments (hours already promised, e.g. an accepted grouping) are taken off the capacity of their
periods and, within the tenders' dates, off the capacity per trade.

A single tender whose problem says something about time (work windows, availability) is planned here
too, as a portfolio of one (`solve_timed`); with commitments only, as an untimed tender with the
capacities they leave (`committed_only`); without time it is planned as it always was.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import pulp

from solver import diagnostics, eligibility, engine, loads, model, periods, results, stages, strengthen
from solver.plan import Diagnostic, Grouping, PeriodHours, Plan, PlanStatus, SolverReport, StageReport
from solver.portfolio_spec import (
    MonthLoad,
    PortfolioOptions,
    PortfolioPlan,
    PortfolioProblem,
    TenderEntry,
    TenderPlan,
)
from solver.problem import PlanningProblem, StructureSpec, TenderSpec
from solver.reference import sectors

Progress = Callable[[dict[str, Any]], None]


def solve(
    portfolio: PortfolioProblem, progress: Progress | None = None, *, started: float | None = None
) -> PortfolioPlan:
    """Plan every tender of the portfolio in one model. Never raises on a valid portfolio. `started` (a
    `time.monotonic()` reading) is when the time limit began to run; by default, now."""
    began = time.monotonic() if started is None else min(started, time.monotonic())
    try:
        return _solve(portfolio, progress, began, alternatives=1)[0]
    except Exception as error:  # a valid portfolio always gets an answer back, even when something breaks
        return PortfolioPlan(
            status="error",
            solver=SolverReport(name=portfolio.options.engine, seconds=time.monotonic() - began),
            tenders=[],
            diagnostics=[
                Diagnostic(code="solver_error", message=f"Le moteur de planification a échoué : {error!r}")
            ],
        )


def solve_timed(
    problem: PlanningProblem, progress: Progress | None = None, began: float | None = None
) -> Plan:
    """A single tender with work windows, availability or commitments: a portfolio of one, its
    `alternatives` groupings searched one after the other as for an untimed tender."""
    o = problem.options
    portfolio = PortfolioProblem(
        reference=problem.tender.reference,
        tenders=[TenderEntry(tender=problem.tender, options=o)],
        structures=problem.structures,
        options=PortfolioOptions(
            time_limit_s=o.time_limit_s,
            gap_rel=o.gap_rel,
            threads=o.threads,
            engine=o.engine,
            deterministic=o.deterministic,
        ),
    )
    began = time.monotonic() if began is None else began
    outcome, groupings = _solve(portfolio, progress, began, alternatives=o.alternatives)
    plan = outcome.tenders[0].plan
    if len(groupings) > 1:
        plan = plan.model_copy(update={"groupings": groupings})
    # the portfolio's own diagnostics (a period over capacity through commitments alone) are the plan's
    return plan.model_copy(
        update={"solver": outcome.solver, "diagnostics": [*plan.diagnostics, *outcome.diagnostics]}
    )


def is_timed(problem: PlanningProblem) -> bool:
    return loads.is_timed(problem.structures, [problem.tender])


def committed_only(problem: PlanningProblem) -> PlanningProblem | None:
    """A single tender whose only word about time is its structures' commitments (no work window, no
    availability): the same problem with each structure's capacity per trade less the hours it
    committed within the tender's dates, which is all a commitment does without periods, so that it is
    planned by the single tender's staged search. None when the problem says more about time."""
    tender = problem.tender
    if any(st.availability for st in problem.structures):
        return None
    if any(lot.windows or any(s.windows for s in lot.sites) for lot in tender.lots):
        return None
    within = loads.span([tender], {})
    structures = [
        _less_committed(st, within).model_copy(update={"commitments": None}) for st in problem.structures
    ]
    return problem.model_copy(update={"structures": structures})


# --- the model -------------------------------------------------------------------------------------


def _less_committed(st: StructureSpec, within: tuple[date, date] | None) -> StructureSpec:
    """The structure with its capacity per trade less the hours it committed within the tenders' dates."""
    if not st.commitments:
        return st
    capacities = {
        t: max(0.0, cap - loads.committed_within(st, t, within)) for t, cap in st.capacities.items()
    }
    return st.model_copy(update={"capacities": capacities})


def _years(tender: TenderSpec) -> float:
    years = getattr(tender, "execution_years", None)
    return float(years()) if callable(years) else 1.0


def _merge(into: pulp.LpProblem, built: model.Model, prefix: str) -> None:
    for v in built.prob.variables():
        v.name = prefix + v.name
    for name, row in list(built.prob._constraints.items()):
        into.addConstraint(row, prefix + name)


@dataclass
class _Assembly:
    """The tenders' models merged into one problem, with the rows they share."""

    combined: pulp.LpProblem
    parts: dict[int, loads.Part]
    plans: dict[int, Plan]  # tenders planned without the model (no possible mandataire)
    notes: dict[int, list[Diagnostic]]
    overbooked: list[tuple[str, str, str]]


def _assemble(
    portfolio: PortfolioProblem,
    structures: list[StructureSpec],
    days: list[dict[str, loads.Daily]],
    upto: int,
) -> _Assembly:
    """The model of the portfolio's first `upto` tenders."""
    o = portfolio.options
    combined = pulp.LpProblem(model.label(portfolio.reference) or "portfolio", pulp.LpMinimize)
    parts: dict[int, loads.Part] = {}
    plans: dict[int, Plan] = {}
    notes: dict[int, list[Diagnostic]] = {}
    for n, entry in enumerate(portfolio.tenders[:upto]):
        update = {
            "time_limit_s": o.time_limit_s,
            "gap_rel": o.gap_rel,
            "threads": o.threads,
            "engine": o.engine,
        }
        problem = PlanningProblem(
            tender=entry.tender, structures=structures, options=entry.options.model_copy(update=update)
        )
        elig = eligibility.compute(problem)
        notes[n] = diagnostics.before_solving(elig)
        if not diagnostics.mandataire_candidates(elig):
            plans[n] = Plan(
                status="infeasible",
                solver=SolverReport(name="CBC" if o.engine == "cbc" else "HiGHS"),
                diagnostics=[diagnostics.no_possible_mandataire(elig), *notes[n]],
            )
            continue
        built = model.build(elig, entry.tender.reference)
        strengthen.define_valid_inequalities(built)
        _merge(combined, built, f"t{n}_")
        timed = {s.index: days[n][s.id] for s in elig.sites if s.id in days[n]}
        parts[n] = loads.Part(built, timed, _years(entry.tender))
    shared = list(parts.values())
    overbooked = loads.define_period_capacity(combined, shared, structures)
    loads.define_shared_capacity(combined, shared, structures)
    loads.define_shared_revenue(combined, shared, structures, o.max_dependence)
    combined.setObjective(pulp.lpSum(p.model.prob.objective for p in shared))
    return _Assembly(combined, parts, plans, notes, overbooked)


def _sequential_start(
    portfolio: PortfolioProblem,
    structures: list[StructureSpec],
    days: list[dict[str, loads.Daily]],
    clock: stages.Clock,
    progress: Progress | None,
) -> dict[str, float] | None:
    """A plan of the whole portfolio to start from: the tenders planned one after the other, each in
    the model of the tenders before it (theirs fixed), so that it takes what they left. None when a
    step finds no plan in its time (`clock`: wall-clock or, in deterministic mode, nominal)."""
    o = portfolio.options
    count = len(portfolio.tenders)
    values: dict[str, float] | None = None
    fixed: dict[str, float] = {}
    for k in range(1, count + 1):
        step = _assemble(portfolio, structures, days, k)
        if not step.parts:
            continue
        for v in step.combined.variables():
            if v.name in fixed:
                v.lowBound = v.upBound = fixed[v.name]
        limit = max(0.5, clock.left() / (count - k + 1))

        def run(
            limit: float, stage: str, start: dict[str, float] | None, prob: pulp.LpProblem = step.combined
        ) -> engine.EngineResult:
            time_limit, node_limit = clock.engine_limits(limit)
            outcome = engine.solve(
                prob,
                engine=o.engine,
                time_limit=time_limit,
                gap_rel=max(o.gap_rel, 1e-3),
                threads=o.threads,
                progress=progress,
                stage=stage,
                start=start,
                node_limit=node_limit,
            )
            clock.charge_run(limit, outcome)
            return outcome

        new = step.parts.get(k - 1)
        if new is not None and new.model.spread is not None:
            # as a single tender's stage `members` (solver/stages.py): the new tender's fewest and nearest
            # members first, without its balance term (the spread relaxes badly), then the full
            # objective from that plan; every shared row stays in both runs
            model.define_objective(new.model, with_balance=False)
            step.combined.setObjective(pulp.lpSum(p.model.prob.objective for p in step.parts.values()))
            members = run(stages.FIRST_SHARE * limit, f"sequence_{k}_members", values)
            model.define_objective(new.model, with_balance=True)
            step.combined.setObjective(pulp.lpSum(p.model.prob.objective for p in step.parts.values()))
            if members.has_solution:
                values = {v.name: v.varValue or 0.0 for v in step.combined.variables()}
                values.update(_tight_spread(new.model))
            limit = max(0.5, limit * (1 - stages.FIRST_SHARE))
        outcome = run(limit, f"sequence_{k}", values)
        if not outcome.has_solution:
            return None
        values = {v.name: v.varValue or 0.0 for v in step.combined.variables()}
        integer = [v.name for v in step.combined.variables() if v.cat == pulp.LpInteger]
        fixed = {name: round(values[name]) for name in integer}
    return values


def _tight_spread(built: model.Model) -> dict[str, float]:
    """The spread's variables at the plan held in the variables: the largest load ratio and the members'
    smallest (a run without the balance term leaves them anywhere its rows allow)."""
    if built.spread is None:
        return {}
    ratios = {e: float(pulp.value(model.load_ratio(built, e)) or 0.0) for e in built.y}
    members = [r for e, r in ratios.items() if (built.y[e].varValue or 0.0) > 0.5]
    high = min(1.0, max([0.0, *ratios.values()]))
    low = min(members, default=high)
    return {built.spread[0].name: high, built.spread[1].name: min(low, high)}


# of the time left before the whole model's run, the most the tenders' bounds take (split between them)
TENDERS_SHARE = 0.1


def _tenders_bound(parts: dict[int, loads.Part], threads: int | None, clock: stages.Clock) -> float | None:
    """A lower bound of the portfolio's objective from its tenders alone. Dropping the shared rows
    (capacity per period, per trade over the tenders, yearly revenue) can only lower the minimum, and
    without them the objective is the sum of independent tenders, each with every structure's capacity
    (less its commitments, as the portfolio's) to itself: the sum of valid lower bounds of the tenders
    planned alone is a valid lower bound of the portfolio. Each tender's is the best of its data bound
    (`strengthen.data_bound`, no engine) and, outside deterministic mode and when its share of the time
    allows, its linear relaxation branched on the member count (`stages.count_bound`, on a model of the
    tender alone, built again: the tenders' models are merged into the portfolio's). Tenders planned
    without the model (no possible mandataire) are not in the portfolio's objective, nor in this sum.
    None when there is no tender in the model."""
    if not parts:
        return None
    total = 0.0
    for n, part in parts.items():
        built = part.model
        bound = strengthen.data_bound(built.elig, built.scales)
        limit = min(2 * stages.PROBE_S, TENDERS_SHARE * clock.left() / len(parts))
        probe = not clock.deterministic and limit >= stages.MIN_STAGE_S and len(built.x) <= stages.PROBE_UP_TO
        if probe:
            alone = model.build(built.elig, f"alone_{n}")
            strengthen.define_valid_inequalities(alone)
            model.define_member_count(alone)
            lifted = stages.count_bound(alone, threads, limit)
            if lifted is not None and lifted > bound:
                bound = lifted
        total += bound
    return total


def _solve(
    portfolio: PortfolioProblem, progress: Progress | None, began: float, alternatives: int
) -> tuple[PortfolioPlan, list[Grouping]]:
    o = portfolio.options
    tenders = [e.tender for e in portfolio.tenders]
    days = [loads.site_days(t) for t in tenders]
    within = loads.span(tenders, {f"{n}/{k}": d for n, by in enumerate(days) for k, d in by.items()})
    structures = [_less_committed(st, within) for st in portfolio.structures]
    # Deterministic mode: every run of the engine gets a work limit (nodes) and every decision on the
    # time left reads a nominal clock (as for a single tender, solver/stages.py).
    clock = stages.Clock(o.time_limit_s, o.deterministic)
    clock.began, clock.guard = began, began + stages.GUARD * o.time_limit_s
    start = None
    if len(tenders) > 1:
        # the whole model from scratch finds poor plans in its time on seed-scale tenders: it starts
        # from the tenders planned one after the other (70 % of the time)
        start = _sequential_start(portfolio, structures, days, clock.child(0.7 * o.time_limit_s), progress)
    assembly = _assemble(portfolio, structures, days, len(tenders))
    combined, parts, plans, notes = assembly.combined, assembly.parts, assembly.plans, assembly.notes
    overbooked = assembly.overbooked
    shared = list(parts.values())
    name = "CBC" if o.engine == "cbc" else "HiGHS"
    if progress is not None:
        progress({"stage": "model", "elapsed": time.monotonic() - began, "tenders": len(shared)})
    # the whole model's bound can be weak (near 0 or below on a loaded machine, BENCHMARKS.md): the
    # tenders alone give one that holds whatever the engine proves (out of the whole model's time)
    probing = time.monotonic()
    alone = _tenders_bound(parts, o.threads, clock)
    probed = time.monotonic() - probing

    found: list[Grouping] = []
    first: engine.EngineResult | None = None
    best: dict[int, Grouping] = {}  # each tender's grouping in the best plan
    for rank in range(1, alternatives + 1):
        left = max(0.5, clock.left())
        limit = left if rank == alternatives else left * 0.6
        time_limit, node_limit = clock.engine_limits(limit)
        outcome = (
            engine.solve(
                combined,
                engine=o.engine,
                time_limit=time_limit,
                gap_rel=o.gap_rel,
                threads=o.threads,
                progress=progress,
                stage="portfolio",
                start=start if rank == 1 else None,
                node_limit=node_limit,
            )
            if shared
            else None
        )
        if outcome is not None:
            clock.charge_run(limit, outcome)
        if outcome is not None and not outcome.has_solution and rank == 1 and start is not None:
            outcome = _kept(combined, start, outcome)
        if outcome is None or not outcome.has_solution:
            first = first or outcome
            break
        groupings = {n: _grouping(p, days[n], rank) for n, p in parts.items()}
        if first is None:
            first = outcome
            best = {n: g for n, (g, _) in groupings.items()}
            for n, (g, lacking) in groupings.items():
                p = parts[n]
                after = diagnostics.after_solving(p.model.elig, g, lacking, p.model.skipped_territories)
                plans[n] = Plan(
                    status=outcome.status,
                    solver=SolverReport(name=outcome.name, objective=g.objective, seconds=outcome.seconds),
                    groupings=[g],
                    diagnostics=[*notes[n], *after],
                )
        if alternatives > 1:
            ((n, p),) = parts.items()
            g = groupings[n][0]
            found.append(g)
            members = {m.structure for m in g.members}
            model.exclude_grouping(p.model, members, rank)
            row = f"not_grouping_{rank}"
            combined.addConstraint(p.model.prob._constraints[row], f"t{n}_{row}")

    status: PlanStatus = "infeasible"
    report = SolverReport(name=name, seconds=time.monotonic() - began)
    if first is not None:
        status = cast(PlanStatus, first.status)
        objective, gap = first.objective, first.gap
        bound = first.bound
        if alone is not None and first.status not in ("infeasible", "error"):
            bound = alone if bound is None else max(bound, alone)
            if objective is not None:
                gap = engine.relative_gap(objective, bound)
        if best:
            # the plan as read back, the engine's rounding cleaned: the engine's own figure may sit up to
            # its tolerance (engine.PROOF_TOL) below it, and what a coordinator reads must add up
            objective = sum(g.objective for g in best.values())
            reference = sum(
                stages.gap_reference(parts[n].model.elig, parts[n].model.scales.hours, g)
                for n, g in best.items()
            )
            gap = engine.relative_gap(objective, bound, reference)
            status = cast(PlanStatus, stages.status_of(objective, bound, o.gap_rel, reference))
            for n in best:
                plans[n] = plans[n].model_copy(update={"status": status})
        report = SolverReport(
            name=first.name,
            objective=objective,
            bound=bound,
            gap=gap,
            seconds=time.monotonic() - began,
            stages=[
                StageReport(
                    name="portfolio",
                    status=first.status,
                    objective=first.objective,
                    bound=first.bound,
                    gap=first.gap,
                    seconds=first.seconds,
                ),
                *(
                    [StageReport(name="tenders", status="feasible", bound=alone, seconds=probed)]
                    if alone is not None
                    else []
                ),
            ],
        )
    for n in range(len(portfolio.tenders)):
        if n not in plans:
            why = [diagnostics.infeasible(parts[n].model.elig)] if status == "infeasible" else []
            plans[n] = Plan(status=status, solver=report, diagnostics=[*why, *notes[n]])
    names = {st.id: st.name for st in portfolio.structures}
    extra = [
        Diagnostic(
            code="period_overbooked",
            structure=structure,
            message=f"Les engagements déjà pris dépassent à eux seuls la capacité de {names[structure]} "
            f"en {sectors().get(trade, (trade, ''))[0].lower()} pour {periods.period_name(key)} : rien "
            "de plus n'y est planifié.",
        )
        for structure, trade, key in overbooked
    ]
    tender_plans = [
        TenderPlan(reference=tenders[n].reference, periods=_tender_periods(plans[n]), plan=plans[n])
        for n in range(len(portfolio.tenders))
    ]
    outcome_plan = PortfolioPlan(
        status=status,
        solver=report,
        tenders=tender_plans,
        calendar=load_calendar(portfolio.structures, tender_plans),
        diagnostics=extra,
    )
    ranked = sorted(found, key=lambda g: g.objective)
    return outcome_plan, [g.model_copy(update={"rank": r}) for r, g in enumerate(ranked, 1)]


def _kept(
    combined: pulp.LpProblem, start: dict[str, float], failed: engine.EngineResult
) -> engine.EngineResult:
    """The whole model found no plan in its time: the starting plan (the tenders planned one after the
    other) is the answer, `feasible`, with the bound the engine proved if any."""
    for v in combined.variables():
        v.varValue = start.get(v.name, 0.0)
    objective = float(pulp.value(combined.objective) or 0.0)
    bound = failed.bound if failed.bound is not None and failed.bound <= objective else None
    gap = None if bound is None else max(0.0, objective - bound) / max(abs(objective), 1e-9)
    return engine.EngineResult("feasible", objective, bound, gap, failed.seconds, failed.name)


def _grouping(part: loads.Part, days: dict[str, loads.Daily], rank: int) -> tuple[Grouping, list[str]]:
    built = part.model
    solution = results.read_solution(built)
    g, lacking = results.grouping(built.elig, built.scales, solution, rank)
    timed = []
    for a in g.assignments:
        daily = days.get(a.site)
        if daily is not None:
            monthly = periods.by_period(daily, "month")
            lines = [PeriodHours(period=k, hours=round(h, 2)) for k, h in sorted(monthly.items())]
            a = a.model_copy(update={"periods": lines})
        timed.append(a)
    return g.model_copy(update={"assignments": timed}), lacking


def _tender_periods(plan: Plan) -> list[PeriodHours]:
    hours: dict[str, float] = defaultdict(float)
    for g in plan.groupings[:1]:
        for a in g.assignments:
            for line in a.periods:
                hours[line.period] += line.hours
    return [PeriodHours(period=k, hours=round(h, 2)) for k, h in sorted(hours.items())]


# --- the load calendar -----------------------------------------------------------------------------


def month_capacity(st: StructureSpec, month: str) -> float | None:
    """Hours a structure has in a month over its availabilities (a weekly one counted by the working days
    of each week that fall in the month); None when it gives no availability."""
    if not st.availability:
        return None
    total = 0.0
    year, number = int(month[:4]), int(month[5:])
    first = date(year, number, 1)
    last = date(year + number // 12, number % 12 + 1, 1)
    in_month = periods.working_days([(first, date.fromordinal(last.toordinal() - 1))])
    for avail in st.availability:
        if avail.per == "month":
            total += avail.hours_in(month)
        else:
            for day in in_month:
                week = periods.week_of(day)
                total += avail.hours_in(week) / periods.working_days_in(week)
    return total


def load_calendar(structures: list[StructureSpec], plans: list[TenderPlan]) -> list[MonthLoad]:
    """Per structure and month: hours planned (the best grouping of each tender) and committed, against
    the month's capacity. Sites without a work window are not placed in time and do not appear."""
    planned: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for tp in plans:
        for g in tp.plan.groupings[:1]:
            for a in g.assignments:
                for line in a.periods:
                    planned[a.structure, line.period][tp.reference] += line.hours
    rows = []
    for st in structures:
        committed = periods.by_period(loads.committed_days(st), "month")
        months = sorted(set(committed) | {m for (s, m) in planned if s == st.id})
        for month in months:
            per_tender = planned.get((st.id, month), {})
            rows.append(
                MonthLoad(
                    structure=st.id,
                    period=month,
                    capacity=month_capacity(st, month),
                    committed=round(committed.get(month, 0.0), 2),
                    planned=round(sum(per_tender.values()), 2),
                    tenders={k: round(v, 2) for k, v in sorted(per_tender.items())},
                )
            )
    return rows
