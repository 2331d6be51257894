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
   does not is solved again within what is left, its structures already in the grouping costing
   nothing more. The first territory solved again, or the largest when none is, must hold a mandataire.
3. **Balance.** With the grouping fixed, the subcontracted hours are re-spread to even the load ratios
   (`solver.balance`).

The plan's certified gap is measured against the bound of step 1, never against a territory's own.
"""

from __future__ import annotations

import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pulp

from solver import balance, engine, model, moves, results, strengthen
from solver.eligibility import Arc, Eligibility
from solver.model import dependence_cap
from solver.plan import Grouping, StageReport
from solver.problem import StructureSpec
from solver.start import greedy_start

Progress = Callable[[dict[str, Any]], None]
MOVES_SHARE = 0.7  # of the time left after the territories
BOUND_SHARE = 0.9  # of the time: the territories' bounds and plans; the rest evens the load ratios


def applies(elig: Eligibility) -> bool:
    """Only where the couplings above are all the model has between territories."""
    o = elig.problem.options
    territories = {s.territory for s in elig.sites}
    return (
        len(territories) > 1
        and None not in territories
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
    relaxed: bool,
) -> Eligibility:
    o = elig.problem.options
    update: dict[str, Any] = {
        "max_members": None,
        "territorial_presence": False,
        "alternatives": 1,
        "weights": o.weights.model_copy(update={"balance": 0.0}),
    }
    if relaxed:
        update |= {"max_dependence": None, "aci_max_dependence": None}
    problem = elig.problem.model_copy(update={"options": o.model_copy(update=update)})
    new = {k: i for i, k in enumerate(sites)}
    pairs = {(new[k], e): elig.pairs[k, e] for k in sites for e in elig.by_site[k] if e in members}
    by_site = [[e for e in elig.by_site[k] if e in members] for k in sites]
    by_member: dict[str, list[int]] = defaultdict(list)
    for i, e in sorted(pairs):
        by_member[e].append(i)
    reach = {(e, elig.sites[k].trade) for k in sites for e in elig.by_site[k]}
    arcs = [a for a in elig.arcs if (a.member, a.trade) in reach and a.member in by_member]
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
    )


def _solve_part(
    elig: Eligibility,
    full: model.Scales,
    sites: list[int],
    sub: Eligibility,
    member_cost: Callable[[str], float],
    leader: bool,
    new_members: tuple[set[str], int] | None,
    time_limit: float,
    start: _Part | None,
) -> tuple[_Part | None, engine.EngineResult]:
    """One territory's plan; `new_members` = (members already in the grouping, how many more may join)."""
    built = model.build(sub, "territory", nearest=None, strong=True)
    strengthen.define_valid_inequalities(built)
    built.scales = replace(full, uncovered={i: full.uncovered[k] for i, k in enumerate(sites)})
    model.define_objective(built, with_balance=False)
    for e, y in built.y.items():
        built.prob.objective[y] = member_cost(e)
    if not leader:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            del built.prob.constraints["one_mandataire"]
    if new_members is not None:
        already, more = new_members
        built.prob += pulp.lpSum(y for e, y in built.y.items() if e not in already) <= more, "max_new_members"
    values = greedy_start(built) if start is None else _values(built, sites, start)
    outcome = engine.solve(
        built.prob,
        engine="highs",
        time_limit=time_limit,
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


def _values(built: model.Model, sites: list[int], part: _Part) -> dict[str, float]:
    used = set(part.assignments.values())
    values = {v.name: 0.0 for v in built.prob.variables()}
    for (i, e), x in built.x.items():
        values[x.name] = 1.0 if part.assignments.get(sites[i]) == e else 0.0
    for e, y in built.y.items():
        values[y.name] = 1.0 if e in used else 0.0
    for arc, z in built.z.items():
        values[z.name] = part.subcontracts.get(arc, 0.0)
    for k, u in built.uncovered.items():
        values[u.name] = 0.0 if sites[k] in part.assignments else 1.0
    leaders = [e for e in built.m if e in used]
    if leaders:
        values[built.m[leaders[0]].name] = 1.0
    return values


class _Ledger:
    """What the territories already planned use of each structure and intermédiaire."""

    def __init__(self, elig: Eligibility) -> None:
        self.elig = elig
        self.own: dict[tuple[str, str], float] = defaultdict(float)
        self.revenue: dict[str, float] = defaultdict(float)
        self.supplied: dict[tuple[str, str], float] = defaultdict(float)
        self.members: set[str] = set()

    def _usage(
        self, part: _Part
    ) -> tuple[dict[tuple[str, str], float], dict[str, float], dict[tuple[str, str], float]]:
        sites, rate = self.elig.sites, self.elig.eur_per_hour
        own: dict[tuple[str, str], float] = defaultdict(float)
        revenue: dict[str, float] = defaultdict(float)
        supplied: dict[tuple[str, str], float] = defaultdict(float)
        for k, e in part.assignments.items():
            own[e, sites[k].trade] += sites[k].hours
            revenue[e] += sites[k].value_eur
        for arc, h in part.subcontracts.items():
            own[arc.member, arc.trade] -= h
            revenue[arc.member] -= h * rate[arc.trade]
            supplied[arc.to, arc.trade] += h
        return own, revenue, supplied

    def fits(self, part: _Part) -> bool:
        o = self.elig.problem.options
        own, revenue, supplied = self._usage(part)
        for (e, t), h in own.items():
            if self.own[e, t] + h > self.elig.members[e].capacities.get(t, 0.0) + 1e-6:
                return False
        for e, r in revenue.items():
            st = self.elig.members[e]
            cap = dependence_cap(st.kind.value, o.max_dependence, o.aci_max_dependence)
            if (
                cap is not None
                and st.annual_turnover_eur > 0
                and self.revenue[e] + r > cap * st.annual_turnover_eur
            ):
                return False
        for (a, t), h in supplied.items():
            if self.supplied[a, t] + h > self.elig.intermediaries[a].capacities[t] + 1e-6:
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

    def left_members(self, names: set[str]) -> dict[str, StructureSpec]:
        """The structures as what is left of them: capacity and, for the dependence cap, turnover."""
        o = self.elig.problem.options
        out = {}
        for e in names:
            st = self.elig.members[e]
            capacities = {t: max(0.0, c - self.own[e, t]) for t, c in st.capacities.items()}
            turnover = st.annual_turnover_eur
            cap = dependence_cap(st.kind.value, o.max_dependence, o.aci_max_dependence)
            if cap is not None and turnover > 0:
                # a turnover of 0 means "no cap": keep a tiny one when the cap is used up
                turnover = max(1e-6, turnover - self.revenue[e] / cap)
            out[e] = st.model_copy(update={"capacities": capacities, "annual_turnover_eur": turnover})
        return out

    def left_intermediaries(self) -> dict[str, StructureSpec]:
        return {
            a: st.model_copy(
                update={
                    "capacities": {t: max(0.0, c - self.supplied[a, t]) for t, c in st.capacities.items()}
                }
            )
            for a, st in self.elig.intermediaries.items()
        }


def data_bound(elig: Eligibility, full: model.Scales) -> float:
    """A lower bound of the first-stage objective from the data alone: every site at its nearest
    possible member, the most subcontracting the intermédiaires and the share σ allow, and the fewest
    members whose reach, and whose own capacity, cover each trade's demand (`strengthen`). A plan
    leaving a site uncovered pays more than that site's distance and all the members together, so the
    bound holds for it too."""
    o = elig.problem.options
    w = o.weights
    sigma = o.max_subcontracting_share
    distance = 0.0
    for s in elig.sites:
        if elig.by_site[s.index]:
            distance += s.hours * min(elig.pairs[s.index, e] for e in elig.by_site[s.index])
    supply = sum(st.capacities.get(t, 0.0) for st in elig.intermediaries.values() for t in elig.trades)
    reward = min(sigma * full.hours, supply) if elig.arcs and sigma > 0 else 0.0
    fewest = 0
    if all(elig.by_site[s.index] for s in elig.sites):
        for t in elig.trades:
            in_reach: dict[str, float] = defaultdict(float)
            for s in elig.sites:
                if s.trade == t:
                    for e in elig.by_site[s.index]:
                        in_reach[e] += s.hours
            demand = sum(s.hours for s in elig.sites if s.trade == t)
            reach = []
            for e, h in in_reach.items():
                cap = elig.members[e].capacities.get(t, 0.0)
                # one trade: own hours ≤ capacity and subcontracted ≤ σ × hours, so hours ≤ cap ÷ (1 − σ)
                most = cap / (1 - sigma) if len(elig.trades) == 1 and sigma < 1 else h
                reach.append(min(h, most))
            k = strengthen.fewest_covering(reach, demand)
            fewest = max(fewest, k if k <= len(reach) else 0)
            # own hours: what the intermédiaires cannot take must be done by the members themselves
            suppliers = {a.to for a in elig.arcs if a.trade == t} if sigma > 0 else set()
            outsource = sum(elig.intermediaries[a].capacities.get(t, 0.0) for a in suppliers)
            if len(elig.trades) == 1:
                outsource = min(outsource, sigma * demand)
            if demand - outsource > 0:
                own = [min(h, elig.members[e].capacities.get(t, 0.0)) for e, h in in_reach.items()]
                k = strengthen.fewest_covering(own, demand - outsource)
                fewest = max(fewest, k if k <= len(own) else 0)
    return (
        w.distance * distance / full.hours_km
        - w.subcontracting * reward / full.hours
        + w.members * fewest / full.members
    )


def _repair(elig: Eligibility, ledger: _Ledger, part: _Part) -> _Part:
    """A territory's plan made to fit in what the others left: site by site, largest first, to the
    member its own plan chose when that still fits, else to the nearest member already in the grouping,
    else to the nearest that may join; the overflow of own capacity subcontracted when allowed."""
    o = elig.problem.options
    sigma = o.max_subcontracting_share
    rate = elig.eur_per_hour
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
    arcs_of: dict[tuple[str, str], list[Arc]] = defaultdict(list)
    for arc in elig.arcs:
        arcs_of[arc.member, arc.trade].append(arc)
    revenue = dict(ledger.revenue)
    hours: dict[str, float] = defaultdict(float)
    outsourced: dict[str, float] = defaultdict(float)
    members = set(ledger.members)
    assignments: dict[int, str] = {}
    subcontracts: dict[Arc, float] = defaultdict(float)

    def revenue_cap(e: str) -> float:
        st = elig.members[e]
        cap = dependence_cap(st.kind.value, o.max_dependence, o.aci_max_dependence)
        return (
            cap * st.annual_turnover_eur if cap is not None and st.annual_turnover_eur > 0 else float("inf")
        )

    for k in sorted(part.sites, key=lambda k: -elig.sites[k].hours):
        s = elig.sites[k]
        chosen = part.assignments.get(k)
        candidates = sorted(elig.by_site[k], key=lambda e: (e != chosen, e not in members, elig.pairs[k, e]))
        for e in candidates:
            if e not in members and o.max_members is not None and len(members) >= o.max_members:
                continue
            need = max(0.0, s.hours - max(0.0, own_left[e, s.trade]))
            suppliers = arcs_of[e, s.trade]
            if need > 0 and (
                outsourced[e] + need > sigma * (hours[e] + s.hours) + 1e-9
                or sum(max(0.0, supplier_left[a.to, s.trade]) for a in suppliers) < need
            ):
                continue
            if revenue.get(e, 0.0) + s.value_eur - need * rate[s.trade] > revenue_cap(e) + 1e-6:
                continue
            own_left[e, s.trade] -= s.hours - need
            outsourced[e] += need
            hours[e] += s.hours
            revenue[e] = revenue.get(e, 0.0) + s.value_eur - need * rate[s.trade]
            for arc in suppliers:
                give = min(need, max(0.0, supplier_left[arc.to, s.trade]))
                subcontracts[arc] += give
                supplier_left[arc.to, s.trade] -= give
                need -= give
            members.add(e)
            assignments[k] = e
            break
    return _Part(part.territory, part.sites, assignments, dict(subcontracts), part.bound)


def solve(elig: Eligibility, budget: float, progress: Progress | None) -> Outcome | None:
    """The grouping of a large tender, territory by territory; None when a territory found no plan
    (the caller then solves the whole model)."""
    began = time.monotonic()
    deadline = began + budget
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
    full = model.scales(elig)
    unit = o.weights.members / full.members
    weight = {t: sum(len(elig.by_site[k]) for k in by_territory[t]) + 1 for t in order}

    def share(t: str, pending: list[str], until: float) -> float:
        return max(0.5, (until - time.monotonic()) * weight[t] / sum(weight[p] for p in pending))

    parts: dict[str, _Part] = {}
    added: float | None = 0.0
    bound_until = began + budget * BOUND_SHARE
    for i, t in enumerate(order):
        sub = _sub_eligibility(elig, by_territory[t], elig.members, elig.intermediaries, relaxed=True)
        part, outcome = _solve_part(
            elig,
            full,
            by_territory[t],
            sub,
            lambda e: unit / spread_over[e],
            False,
            None,
            share(t, order[i:], bound_until),
            None,
        )
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
    # the sum of the territories' bounds, or the bound from the data alone when that is higher
    bound = max(added if added is not None else -float("inf"), data_bound(elig, full))
    reports = [
        StageReport(name="territories", status="feasible", bound=bound, seconds=time.monotonic() - began)
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
    found, missing = results.grouping(
        elig, full, _solution(assignments, mandataire, subcontracts, members), 1
    )
    if o.weights.balance > 0 and deadline - time.monotonic() > 1.0:
        moves_began = time.monotonic()
        moved = moves.even_out(
            elig, full, assignments, subcontracts, mandataire, MOVES_SHARE * (deadline - moves_began)
        )
        kept = frozenset(moved.values())
        candidate, lacking = results.grouping(elig, full, _solution(moved, mandataire, subcontracts, kept), 1)
        if candidate.objective < found.objective:
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
            candidate, lacking = results.grouping(
                elig, full, _solution(assignments, mandataire, spread, members), 1
            )
            if candidate.objective < found.objective:
                found, missing = candidate, lacking
        reports.append(
            StageReport(
                name="equalise",
                status="feasible",
                objective=found.objective,
                seconds=time.monotonic() - balance_began,
            )
        )
    return Outcome(found, missing, bound, reports, "feasible", outcome.name)


def _solution(
    assignments: dict[int, str], mandataire: str, subcontracts: dict[Arc, float], members: frozenset[str]
) -> results.Solution:
    return results.Solution(
        assignments,
        mandataire,
        {(a.member, a.to, a.trade): round(h, 6) for a, h in subcontracts.items() if h > 1e-6},
        members,
    )


def _emit(progress: Progress | None, stage: str, began: float, **extra: Any) -> None:
    if progress is not None:
        progress({"stage": stage, "elapsed": time.monotonic() - began, **extra})
