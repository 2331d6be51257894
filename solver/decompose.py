"""Large tenders, solved territory by territory.

A regional or national tender's territories are nearly independent: a structure only reaches the sites
around it. What couples them is the single mandataire (no cost: any member able to lead), `max_members`,
structures within reach of several territories (their capacity, dependence and membership are shared),
the intermédiaires' capacity, and the spread of load ratios.

1. **Bound.** Each territory's sites are solved on the first stage's terms (distance, members,
   subcontracting) with every coupling dropped: no mandataire, no `max_members`, no dependence cap, the
   full capacity of every structure and intermédiaire, and a member's cost split evenly between the n
   territories it can reach (cost ÷ n in each). Any plan of the whole tender, cut into its territories
   (its subcontracted hours split in proportion to each territory's hours), is a plan of each of these
   problems whose objectives add up to at most its own (a member used in a territory pays 1/n there,
   at most n times). So **the sum of the territories' proven lower bounds is a lower bound of the
   tender's first-stage objective**, and, the spread being never negative, of its full objective.
2. **Plan.** The territories' plans are then taken in turn, largest first: a plan that fits in what the
   previous ones left (capacities, dependence, intermédiaires, `max_members`) is kept as it is; one that
   does not is repaired site by site (`_repair`). The mandataire is the member able to lead with the
   most hours.
3. **Balance.** Local moves even the load ratios (`solver.moves`), then, with the grouping fixed, the
   subcontracted hours are re-spread (`solver.balance`).

Before them, the whole tender's Lagrangian bound (`solver.lagrange`) and its plan; when that plan is
whole, local moves and the re-spread (`_polished`), then the neighbourhoods' search
(`solver.neighbourhoods`: every member's load ratio brought near the common level, `_banded`); when it
is not, the full objective on the members that relaxation uses (`_fixed_set`). Each is kept when
better. A bound from the data alone (`strengthen.data_bound`) is also computed; the highest of the
bounds is reported.

The plan's certified gap is measured against the bound of step 1, never against a territory's own.
"""

from __future__ import annotations

import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from solver import balance, checks, engine, lagrange, model, moves, neighbourhoods, results, strengthen
from solver.eligibility import Arc, Eligibility
from solver.model import revenue_cap
from solver.plan import Grouping, StageReport
from solver.problem import StructureKind, StructureSpec
from solver.start import greedy_start

Progress = Callable[[dict[str, Any]], None]
MOVES_SHARE = 0.7  # of the time left after the territories
LAGRANGE_SHARE = 0.2  # of the time: the whole tender's Lagrangian bound (`solver.lagrange`)
BOUND_SHARE = 0.35  # of the time: up to here the territories' bounds and plans (when needed)
BUILD_S_PER_PAIR = 3e-4  # building a model, per pair, on a loaded machine (regional: 1e-4 at load 9-15)
FIXED_SHARE = 0.75  # of the time left after the territories: the full model on the members the bound uses
POLISH_SHARE = 0.1  # of the time left before stage `fixed`: local moves and the re-spread of its start
BAND_SHARE = 0.9  # of the time left after them: the neighbourhoods' search (`solver.neighbourhoods`)
CAPACITY_MARGIN = 1.2  # the members given to that model, with the intermédiaires, cover this × the demand


def applies(elig: Eligibility) -> bool:
    """Only where the couplings above are all the model has between territories."""
    o = elig.problem.options
    territories = {s.territory for s in elig.sites}
    return (
        len(territories) > 1
        and None not in territories
        # one structure per legal entity, no clause sociale: nothing else couples the territories
        and all(len(structures) == 1 for structures in elig.entities.values())
        and not any(lot.insertion_hours > 0 for lot in elig.problem.tender.lots)
        and o.alternatives == 1
        and o.baseline is None
        and not o.required
        and o.min_member_share == 0
        and o.engine == "highs"
    )


@dataclass
class _Part:
    territory: str
    sites: list[int]  # indices in the whole tender
    assignments: dict[int, str]  # whole-tender site index -> member
    subcontracts: dict[Arc, float]
    bound: float | None


@dataclass
class Outcome:
    grouping: Grouping
    missing: list[str]
    bound: float | None
    stages: list[StageReport]
    status: str
    engine: str


def _sub_eligibility(
    elig: Eligibility,
    sites: list[int],
    members: dict[str, StructureSpec],
    intermediaries: dict[str, StructureSpec],
) -> Eligibility:
    o = elig.problem.options
    update: dict[str, Any] = {
        "max_members": None,
        "territorial_presence": False,
        "alternatives": 1,
        "weights": o.weights.model_copy(update={"balance": 0.0}),
    }
    update |= {"max_dependence": None}
    # no dependence cap in a territory's bound (the ACI rule dropped with the charges)
    structures = [s.model_copy(update={"annual_charges_eur": None}) for s in elig.problem.structures]
    problem = elig.problem.model_copy(
        update={"options": o.model_copy(update=update), "structures": structures}
    )
    new = {k: i for i, k in enumerate(sites)}
    pairs = {(new[k], e): elig.pairs[k, e] for k in sites for e in elig.by_site[k] if e in members}
    by_site = [[e for e in elig.by_site[k] if e in members] for k in sites]
    by_member: dict[str, list[int]] = defaultdict(list)
    for i, e in sorted(pairs):
        by_member[e].append(i)
    reach = {(e, elig.sites[k].trade) for k in sites for e in elig.by_site[k]}
    arcs = [a for a in elig.arcs if (a.member, a.trade) in reach and a.member in by_member]
    # sous-traitance stays possible in a territory's bound (so that the bound holds), never in its plan
    lots = {elig.sites[k].lot for k in sites}
    sub_arcs = [a for a in elig.subcontract_arcs if a.member in by_member and a.lot in lots]
    return Eligibility(
        problem,
        [replace(elig.sites[k], index=i) for i, k in enumerate(sites)],
        elig.trades,
        elig.eur_per_hour,
        {e: members[e] for e in by_member},
        intermediaries,
        pairs,
        by_site,
        dict(by_member),
        arcs,
        set(),
        {},
        sub_arcs,
        {a.to: elig.subcontractors[a.to] for a in sub_arcs},
    )


def _solve_part(
    elig: Eligibility,
    full: model.Scales,
    sites: list[int],
    sub: Eligibility,
    member_cost: Callable[[str], float],
    time_limit: Callable[[], float],
    build_seconds: list[float],
) -> tuple[_Part | None, engine.EngineResult]:
    """One territory's plan and bound, with no mandataire asked (any member able to lead will do).
    `time_limit` is asked once the model is built, so that building counts in the time limit."""
    building = time.monotonic()
    built = model.build(sub, "territory", nearest=None, strong=True)
    strengthen.define_valid_inequalities(built)
    built.scales = replace(full, uncovered={i: full.uncovered[k] for i, k in enumerate(sites)})
    model.define_objective(built, with_balance=False)
    for e, y in built.y.items():
        built.prob.objective[y] = member_cost(e)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        del built.prob.constraints["one_mandataire"]
    build_seconds[0] += time.monotonic() - building
    values = greedy_start(built)
    outcome = engine.solve(
        built.prob,
        engine="highs",
        time_limit=time_limit(),
        gap_rel=elig.problem.options.gap_rel,
        threads=elig.problem.options.threads,
        start=values or None,
    )
    if not outcome.has_solution:
        return None, outcome
    assignments = {sites[i]: e for (i, e), x in built.x.items() if (x.varValue or 0.0) > 0.5}
    subcontracts = {a: float(z.varValue or 0.0) for a, z in built.z.items() if (z.varValue or 0.0) > 1e-6}
    return _Part(
        elig.sites[sites[0]].territory or "", sites, assignments, subcontracts, outcome.bound
    ), outcome


class _Ledger:
    """What the territories already planned use of each structure and intermédiaire."""

    def __init__(self, elig: Eligibility) -> None:
        self.elig = elig
        self.own: dict[tuple[str, str], float] = defaultdict(float)
        self.revenue: dict[str, float] = defaultdict(float)
        self.supplied: dict[tuple[str, str], float] = defaultdict(float)
        self.to_company: dict[tuple[str, str], float] = defaultdict(float)
        self.members: set[str] = set()

    def _usage(
        self, part: _Part
    ) -> tuple[dict[tuple[str, str], float], dict[str, float], dict[tuple[str, str], float]]:
        """Own hours per (member, trade), revenue per member, staff supplied per (intermédiaire, trade)
        and, keyed (AI, member) in the same mapping, hours an AI puts at a company's disposal."""
        sites = self.elig.sites
        own: dict[tuple[str, str], float] = defaultdict(float)
        revenue: dict[str, float] = defaultdict(float)
        supplied: dict[tuple[str, str], float] = defaultdict(float)
        for k, e in part.assignments.items():
            own[e, sites[k].trade] += sites[k].hours
            revenue[e] += sites[k].value_eur
        for arc, h in part.subcontracts.items():
            own[arc.member, arc.trade] -= h
            supplied[arc.to, arc.trade] += h
            if _to_company(self.elig, arc):
                supplied["company:" + arc.to, arc.member] += h
        return own, revenue, supplied

    def fits(self, part: _Part) -> bool:
        o = self.elig.problem.options
        own, revenue, supplied = self._usage(part)
        for (e, t), h in own.items():
            if self.own[e, t] + h > self.elig.members[e].capacities.get(t, 0.0) + 1e-6:
                return False
        for e, r in revenue.items():
            cap = revenue_cap(self.elig.problem, self.elig.members[e])
            if cap is not None and self.revenue[e] + r > cap + 1e-6:
                return False
        for (a, t), h in supplied.items():
            if a.startswith("company:"):
                if (
                    self.supplied[a, t] + h
                    > model.ai_company_cap(self.elig, a.removeprefix("company:")) + 1e-6
                ):
                    return False
            elif self.supplied[a, t] + h > self.elig.intermediaries[a].capacities[t] + 1e-6:
                return False
        new = set(part.assignments.values()) - self.members
        return o.max_members is None or len(self.members) + len(new) <= o.max_members

    def take(self, part: _Part) -> None:
        own, revenue, supplied = self._usage(part)
        for key, h in own.items():
            self.own[key] += h
        for e, r in revenue.items():
            self.revenue[e] += r
        for key, h in supplied.items():
            self.supplied[key] += h
        self.members |= set(part.assignments.values())


def _to_company(elig: Eligibility, arc: Arc) -> bool:
    """An AI's staff at a company's disposal: 480 h per person (Code du travail L5132-9)."""
    return elig.intermediaries[arc.to].kind == StructureKind.AI and elig.members[arc.member].form == "company"


def _repair(elig: Eligibility, ledger: _Ledger, part: _Part) -> _Part:
    """A territory's plan made to fit in what the others left: site by site, largest first, to the
    member its own plan chose when that still fits, else to the nearest member already in the grouping,
    else to the nearest that may join; the overflow of own capacity subcontracted when allowed."""
    o = elig.problem.options
    own_left = {
        (e, t): elig.members[e].capacities.get(t, 0.0) - ledger.own[e, t]
        for k in part.sites
        for e in elig.by_site[k]
        for t in [elig.sites[k].trade]
    }
    supplier_left = {
        (a, t): st.capacities.get(t, 0.0) - ledger.supplied[a, t]
        for a, st in elig.intermediaries.items()
        for t in elig.trades
    }
    arcs_of: dict[tuple[str, str], list[Arc]] = defaultdict(list)  # (member, lot)
    for arc in elig.arcs:
        arcs_of[arc.member, arc.lot].append(arc)
    company_left = {
        (a.to, a.member): model.ai_company_cap(elig, a.to) - ledger.supplied["company:" + a.to, a.member]
        for a in elig.arcs
        if _to_company(elig, a)
    }

    def room(arc: Arc) -> float:
        free = max(0.0, supplier_left[arc.to, arc.trade])
        return min(free, max(0.0, company_left[arc.to, arc.member])) if _to_company(elig, arc) else free

    revenue = dict(ledger.revenue)
    members = set(ledger.members)
    assignments: dict[int, str] = {}
    subcontracts: dict[Arc, float] = defaultdict(float)

    def cap_of(e: str) -> float:
        cap = revenue_cap(elig.problem, elig.members[e])
        return cap if cap is not None else float("inf")

    for k in sorted(part.sites, key=lambda k: -elig.sites[k].hours):
        s = elig.sites[k]
        chosen = part.assignments.get(k)
        candidates = sorted(elig.by_site[k], key=lambda e: (e != chosen, e not in members, elig.pairs[k, e]))
        for e in candidates:
            if e not in members and o.max_members is not None and len(members) >= o.max_members:
                continue
            need = max(0.0, s.hours - max(0.0, own_left[e, s.trade]))
            suppliers = arcs_of[e, s.lot]
            if need > 0 and sum(room(a) for a in suppliers) < need - 1e-9:
                continue
            if revenue.get(e, 0.0) + s.value_eur > cap_of(e) + 1e-6:
                continue
            own_left[e, s.trade] -= s.hours - need
            revenue[e] = revenue.get(e, 0.0) + s.value_eur
            for arc in suppliers:
                give = min(need, room(arc))
                if give <= 0:
                    continue
                subcontracts[arc] += give
                supplier_left[arc.to, s.trade] -= give
                if _to_company(elig, arc):
                    company_left[arc.to, arc.member] -= give
                need -= give
            members.add(e)
            assignments[k] = e
            break
    return _Part(part.territory, part.sites, assignments, dict(subcontracts), part.bound)


def solve(elig: Eligibility, budget: float, progress: Progress | None) -> Outcome | None:
    """The grouping of a large tender: the whole tender's Lagrangian bound, the territories' plans, then
    the full objective on the members the relaxation uses, kept when better. None when the territories
    give no plan with a member able to lead (the caller then solves the whole model)."""
    began = time.monotonic()
    deadline = began + budget
    o = elig.problem.options
    full = model.scales(elig)
    bound = strengthen.data_bound(elig, full)
    reports: list[StageReport] = []
    relaxed = lagrange.bound(elig, full, budget * LAGRANGE_SHARE)
    if relaxed is not None:
        _emit(progress, "lagrange", began, bound=relaxed.bound, iterations=relaxed.iterations)
        reports.append(
            StageReport(name="lagrange", status="feasible", bound=relaxed.bound, seconds=relaxed.seconds)
        )
        bound = max(bound, relaxed.bound)
    rounded = _rounded(elig, full, relaxed.plan) if relaxed is not None else None
    _emit(progress, "rounded", began, objective=rounded[1].objective if rounded else None)
    engine_name = "HiGHS"
    per_pair = BUILD_S_PER_PAIR
    if rounded is not None and not rounded[1].uncovered:
        # a whole plan keeping every rule: the territories' plans would only be a fallback
        solution, found, missing = rounded
        assignments, mandataire = dict(solution.assignments), solution.mandataire
        subcontracts: dict[Arc, float] = defaultdict(float, solution.staffing)
        members = solution.members
        _emit(progress, "built", began, build_s=0.0)
    else:
        by_parts = _by_territories(elig, full, began, began + budget * BOUND_SHARE, progress)
        if by_parts is None:
            return None
        assignments, subcontracts, mandataire, added, engine_name, part_reports, built_s = by_parts
        # the sum of the territories' bounds, when higher than the others
        bound = max(bound, added if added is not None else -float("inf"))
        reports += part_reports
        members = frozenset(assignments.values())
        found, missing = results.grouping(
            elig, full, _solution(assignments, mandataire, subcontracts, members), 1
        )
        # the territories' models had every pair: as long per pair to build the one below
        per_pair = built_s / max(1, len(elig.pairs))
        if rounded is not None and rounded[1].objective < found.objective:
            solution, found, missing = rounded
            assignments, mandataire = dict(solution.assignments), solution.mandataire
            subcontracts, members = defaultdict(float, solution.staffing), solution.members
    if relaxed is not None and deadline - time.monotonic() > 2.0:
        fixed_began = time.monotonic()
        if rounded is not None and not rounded[1].uncovered:  # its members, from its plan
            start = rounded[0]
            # local moves and the re-spread first: the model starts from the polished plan, and
            # searches from there (measured: BENCHMARKS.md)
            polished = _polished(elig, full, start, POLISH_SHARE * (deadline - fixed_began))
            if polished is not None and polished[1].objective < found.objective:
                start, found, missing = polished
                assignments, mandataire = dict(start.assignments), start.mandataire
                subcontracts, members = defaultdict(float, start.staffing), start.members
            # the load ratios brought within a band of their common level, neighbourhood by
            # neighbourhood (`solver.neighbourhoods`): where the engine on the whole model with these
            # members found nothing better than its start (national) or took 15-20 s (regional)
            guided = _banded(elig, full, start, BAND_SHARE * (deadline - time.monotonic()))
            stage = "neighbourhoods"
        else:
            stage = "fixed"
            chosen = _guided_members(elig, relaxed.usage)
            core = {E for E in chosen if relaxed.usage[E] >= 0.5}
            guided = _fixed_set(elig, full, chosen, FIXED_SHARE * (deadline - fixed_began), core, per_pair)
        if guided is not None:
            engine_name = guided[3]
        if guided is not None and guided[1].objective < found.objective:
            solution, found, missing, _ = guided
            assignments, mandataire = dict(solution.assignments), solution.mandataire
            subcontracts, members = defaultdict(float, solution.staffing), solution.members
        reports.append(
            StageReport(
                name=stage,
                status="feasible" if guided is not None else "timeout",
                objective=guided[1].objective if guided is not None else None,
                seconds=time.monotonic() - fixed_began,
            )
        )
        _emit(progress, stage, began, objective=found.objective)
    if o.weights.balance > 0 and deadline - time.monotonic() > 1.0:
        moves_began = time.monotonic()
        moved = moves.even_out(
            elig, full, assignments, subcontracts, mandataire, MOVES_SHARE * (deadline - moves_began)
        )
        kept = frozenset(moved.values())
        tried = _solution(moved, mandataire, subcontracts, kept)
        candidate, lacking = results.grouping(elig, full, tried, 1)
        if candidate.objective < found.objective and not checks.violations(elig, tried):
            found, missing, assignments, members = candidate, lacking, moved, kept
        reports.append(
            StageReport(
                name="moves",
                status="feasible",
                objective=found.objective,
                seconds=time.monotonic() - moves_began,
            )
        )
    left = deadline - time.monotonic()
    if left > 1.0 and o.weights.balance > 0:
        balance_began = time.monotonic()
        upper = {a: elig.intermediaries[a.to].capacities[a.trade] for a in elig.arcs if a.member in members}
        spread = balance.spread_subcontracting(elig, full.hours, assignments, upper, left * 0.8)
        if spread is not None:
            tried = _solution(assignments, mandataire, spread, members)
            candidate, lacking = results.grouping(elig, full, tried, 1)
            if candidate.objective < found.objective and not checks.violations(elig, tried):
                found, missing = candidate, lacking
        reports.append(
            StageReport(
                name="equalise",
                status="feasible",
                objective=found.objective,
                seconds=time.monotonic() - balance_began,
            )
        )
    final = _solution(
        _assignments_of(elig, found),
        found.mandataire,
        _staffing_of(elig, found),
        frozenset(m.structure for m in found.members),
    )
    if checks.violations(elig, final):
        return None  # the caller solves the whole model
    return Outcome(found, missing, bound, reports, "feasible", engine_name)


def _by_territories(
    elig: Eligibility, full: model.Scales, began: float, until: float, progress: Progress | None
) -> tuple[dict[int, str], dict[Arc, float], str, float | None, str, list[StageReport], float] | None:
    """Each territory's plan and bound (steps 1 and 2 of the module's description): the assignments,
    the staff put at disposal, the mandataire, the sum of the territories' bounds (None when one has
    none), the engine's name, the stages' reports, the seconds spent building the territories' models;
    None when no member may lead."""
    o = elig.problem.options
    by_territory: dict[str, list[int]] = defaultdict(list)
    for s in elig.sites:
        by_territory[s.territory or ""].append(s.index)
    order = sorted(by_territory, key=lambda t: -sum(elig.sites[k].hours for k in by_territory[t]))
    reach: dict[str, set[str]] = defaultdict(set)
    for t, sites in by_territory.items():
        for k in sites:
            reach[t].update(elig.by_site[k])
    spread_over: dict[str, int] = defaultdict(int)
    for names in reach.values():
        for e in names:
            spread_over[e] += 1
    unit = o.weights.members / full.members
    weight = {t: sum(len(elig.by_site[k]) for k in by_territory[t]) + 1 for t in order}

    def share(t: str, pending: list[str], until: float) -> float:
        return max(0.5, (until - time.monotonic()) * weight[t] / sum(weight[p] for p in pending))

    parts: dict[str, _Part] = {}
    added: float | None = 0.0
    build_seconds = [0.0]  # building the territories' models (the benchmark's "build" column)
    name = "HiGHS"
    for i, t in enumerate(order):
        sub = _sub_eligibility(elig, by_territory[t], elig.members, elig.intermediaries)
        part, outcome = _solve_part(
            elig,
            full,
            by_territory[t],
            sub,
            lambda e: unit / spread_over[e],
            partial(share, t, order[i:], until),
            build_seconds,
        )
        name = outcome.name
        if part is None:
            # no plan in time: the territory's sites are placed greedily below
            part = _Part(t, by_territory[t], {}, {}, None)
        parts[t] = part
        if outcome.bound is None:
            added = None
        elif added is not None:
            added += outcome.bound
        _emit(
            progress,
            "territory",
            began,
            territory=t,
            bound=outcome.bound,
            gap=outcome.gap,
            kept=outcome.status,
        )
    _emit(progress, "built", began, build_s=build_seconds[0])
    reports = [
        StageReport(name="territories", status="feasible", bound=added, seconds=time.monotonic() - began)
    ]
    ledger = _Ledger(elig)
    plan_began = time.monotonic()
    for t in order:
        if ledger.fits(parts[t]):
            ledger.take(parts[t])
        else:
            parts[t] = _repair(elig, ledger, parts[t])
            ledger.take(parts[t])
    if not any(elig.members[e].can_lead for e in ledger.members):
        return None
    reports.append(StageReport(name="plan", status="feasible", seconds=time.monotonic() - plan_began))
    assignments = {k: e for part in parts.values() for k, e in part.assignments.items()}
    subcontracts: dict[Arc, float] = defaultdict(float)
    for part in parts.values():
        for arc, h in part.subcontracts.items():
            subcontracts[arc] += h
    members = frozenset(assignments.values())
    mandataire = max(
        (e for e in members if elig.members[e].can_lead),
        key=lambda e: sum(elig.sites[k].hours for k, m in assignments.items() if m == e),
    )
    return assignments, subcontracts, mandataire, added, name, reports, build_seconds[0]


def _rounded(
    elig: Eligibility, full: model.Scales, chosen: dict[int, str]
) -> tuple[results.Solution, Grouping, list[str]] | None:
    """The relaxation's plan made whole: each site to the entity that took most of it when that fits,
    else as `_repair` does; None when it breaks a rule or has no member able to lead."""
    part = _repair(elig, _Ledger(elig), _Part("", [s.index for s in elig.sites], chosen, {}, None))
    members = frozenset(part.assignments.values())
    leaders = [e for e in members if elig.members[e].can_lead]
    if not leaders:
        return None
    hours: dict[str, float] = defaultdict(float)
    for k, e in part.assignments.items():
        hours[e] += elig.sites[k].hours
    solution = _solution(part.assignments, max(leaders, key=lambda e: hours[e]), part.subcontracts, members)
    if checks.violations(elig, solution):
        return None
    found, missing = results.grouping(elig, full, solution, 1)
    return solution, found, missing


def _guided_members(elig: Eligibility, usage: dict[str, float]) -> set[str]:
    """The entities the Lagrangian relaxation chose in at least half of its last iterations, with, for
    each site none of them reaches, its nearest entity, and a member able to lead; at most
    `max_members`, the most used first."""
    o = elig.problem.options
    ranked = sorted(usage, key=lambda E: -usage[E])
    chosen = {E for E in ranked if usage[E] >= 0.5}
    for s in elig.sites:
        reaching = elig.by_site[s.index]
        if reaching and not any(elig.entity_of(e) in chosen for e in reaching):
            chosen.add(elig.entity_of(min(reaching, key=lambda e: elig.pairs[s.index, e])))
    if not any(elig.members[e].can_lead for E in chosen for e in elig.entities[E]):
        leaders = [E for E in ranked if any(elig.members[e].can_lead for e in elig.entities[E])]
        chosen |= set(leaders[:1])
    # enough capacity: the relaxation leans on fractions of members, a plan needs whole ones
    demand = {t: sum(s.hours for s in elig.sites if s.trade == t) for t in elig.trades}
    outside = {t: sum(st.capacities.get(t, 0.0) for st in elig.intermediaries.values()) for t in elig.trades}
    for t in elig.trades:
        own = sum(elig.entity_capacity(E, t) for E in chosen)
        for E in ranked:
            if own + outside[t] >= CAPACITY_MARGIN * demand[t]:
                break
            if E not in chosen and elig.entity_capacity(E, t) > 0:
                chosen.add(E)
                own += elig.entity_capacity(E, t)
    if o.max_members is not None and len(chosen) > o.max_members:
        chosen = set(sorted(chosen, key=lambda E: -usage[E])[: o.max_members])
    return chosen


def _fixed_set(
    elig: Eligibility,
    full: model.Scales,
    chosen: set[str],
    limit: float,
    fixed: set[str] | None = None,
    per_pair: float = 0.0,
) -> tuple[results.Solution, Grouping, list[str], str] | None:
    """The full objective (spread included) with the members fixed to `chosen`: no big-M is left on the
    spread, and the model has only the chosen members' pairs. No sous-traitance, as in the territories'
    plans. None, without building it, when building it would take half the time (at `per_pair` seconds
    per pair)."""
    structures = {e: st for e, st in elig.members.items() if elig.entity_of(e) in chosen}
    pairs = {(k, e): d for (k, e), d in elig.pairs.items() if e in structures}
    if per_pair * len(pairs) > 0.5 * limit:
        return None
    by_site = [[e for e in elig.by_site[s.index] if e in structures] for s in elig.sites]
    by_member = {e: ks for e, ks in elig.by_member.items() if e in structures}
    restricted = Eligibility(
        elig.problem,
        elig.sites,
        elig.trades,
        elig.eur_per_hour,
        structures,
        elig.intermediaries,
        pairs,
        by_site,
        by_member,
        [a for a in elig.arcs if a.member in structures],
        set(),
        {},
        [],
        {},
        {e: elig.entity[e] for e in structures},
        {E: elig.entities[E] for E in chosen},
        elig.lot_rate,
    )
    began = time.monotonic()
    built = model.build(restricted, "fixed", nearest=None, strong=True)
    built.scales = full
    model.define_objective(built)
    values = greedy_start(built)
    for E, y in built.y.items():
        # fixed, without big-M on the spread, when the starting plan uses it (the start stays valid)
        if (fixed is None or E in fixed) and values.get(y.name, 0.0) > 0.5:
            y.lowBound = y.upBound = 1
    outcome = engine.solve(
        built.prob,
        engine="highs",
        time_limit=max(0.5, limit - (time.monotonic() - began)),
        gap_rel=elig.problem.options.gap_rel,
        threads=elig.problem.options.threads,
        start=values or None,
    )
    if not outcome.has_solution:
        return None
    solution = results.read_solution(built)
    solution = results.Solution(
        solution.assignments, solution.mandataire, solution.staffing, solution.members, {}
    )
    if checks.violations(elig, solution):
        return None
    found, missing = results.grouping(elig, full, solution, 1)
    return solution, found, missing, outcome.name


def _assignments_of(elig: Eligibility, found: Grouping) -> dict[int, str]:
    index = {s.id: s.index for s in elig.sites}
    return {index[a.site]: a.structure for a in found.assignments}


def _staffing_of(elig: Eligibility, found: Grouping) -> dict[Arc, float]:
    return {Arc(line.to, line.from_, line.trade, line.lot): line.hours for line in found.staffing}


def _polished(
    elig: Eligibility, full: model.Scales, plan: results.Solution, limit: float
) -> tuple[results.Solution, Grouping, list[str]] | None:
    """`plan` after local moves (`solver.moves`) and the re-spread of the staff put at its members'
    disposal (`solver.balance`), when that keeps every rule; None otherwise."""
    began = time.monotonic()
    moved = moves.even_out(elig, full, plan.assignments, dict(plan.staffing), plan.mandataire, 0.7 * limit)
    return _respread(elig, full, moved, plan.mandataire, dict(plan.staffing), began + limit)


def _banded(
    elig: Eligibility, full: model.Scales, plan: results.Solution, limit: float
) -> tuple[results.Solution, Grouping, list[str], str] | None:
    """`plan` after the neighbourhoods' search and the re-spread of the staff put at disposal, when
    that keeps every rule; None otherwise."""
    began = time.monotonic()
    assignments, staffing = neighbourhoods.even_band(
        elig, full, plan.assignments, dict(plan.staffing), plan.mandataire, 0.95 * limit
    )
    found = _respread(elig, full, assignments, plan.mandataire, staffing, began + limit)
    return None if found is None else (*found, engine.highs_name())


def _respread(
    elig: Eligibility,
    full: model.Scales,
    assignments: dict[int, str],
    mandataire: str,
    staffing: dict[Arc, float],
    until: float,
) -> tuple[results.Solution, Grouping, list[str]] | None:
    """The better of these assignments with `staffing` and with the staff put at disposal re-spread
    (`solver.balance`, until `until`), among those keeping every rule; None when neither does."""
    kept = frozenset(elig.entity_of(e) for e in assignments.values())
    candidates = [_solution(assignments, mandataire, staffing, kept)]
    upper = {a: elig.intermediaries[a.to].capacities[a.trade] for a in elig.arcs if a.member in kept}
    left = max(0.5, until - time.monotonic())
    spread = balance.spread_subcontracting(elig, full.hours, assignments, upper, left)
    if spread is not None:
        candidates.append(_solution(assignments, mandataire, spread, kept))
    graded = [(results.grouping(elig, full, c, 1), c) for c in candidates if not checks.violations(elig, c)]
    if not graded:
        return None
    (found, missing), best = min(graded, key=lambda g: g[0][0].objective)
    return best, found, missing


def _solution(
    assignments: dict[int, str], mandataire: str, staffing: dict[Arc, float], members: frozenset[str]
) -> results.Solution:
    return results.Solution(
        assignments, mandataire, {a: round(h, 6) for a, h in staffing.items() if h > 1e-6}, members
    )


def _emit(progress: Progress | None, stage: str, began: float, **extra: Any) -> None:
    if progress is not None:
        progress({"stage": stage, "elapsed": time.monotonic() - began, **extra})
