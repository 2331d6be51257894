"""Large neighbourhoods: a large tender's plan re-solved exactly around one member at a time, the rest
held, so that every member's load ratio comes within a band around the common level.

The spread is max − min over all members. Local moves (`solver.moves`) change one site at a time and
keep a change only when the spread falls; on a large grouping many members share the lowest ratio (a
member without staff put at its disposal, its ratio set by whole sites of 150 to 900 h), so no single
move lowers it and the moves stall (national: spread 0.11 after them, BENCHMARKS.md). The whole
model with the members fixed is too large for the engine at that scale.

Here the target is a band, not the extremes: the common level is the members' own hours over their
capacity (what every ratio would be in a perfectly even plan), and each member's distance outside
[level − `band`, level + `band`] is charged at the balance weight. The member furthest outside it is
taken with its neighbourhood: the sites it may reach (the nearest ones) and the members doing them.
That small problem, with everything else of the plan held, is solved by the engine on distance, staff
put at disposal and the charge outside the band: each of its sites goes to any of those members that
may do it, the hours put at those members' disposal are re-spread, and every hard rule holds (own
capacity per legal entity and trade, own hours per structure and lot, the intermédiaires' capacity and
the AI's 480 h towards a company (Code du travail L5132-9), dependence and the ACI's cap
(D5132-34), every member keeps a site). A neighbourhood's answer is kept only when it lowers that
charge plus the rest of the objective; one that cannot is not tried again until a neighbour changes.

The caller keeps the result only when the plan's own objective (spread included) is lower and every hard
rule holds (`solver.checks`). Sous-traitance is not moved: the plans of `solver.decompose` have none.
"""

from __future__ import annotations

import time
from collections import defaultdict

import pulp

from solver import engine
from solver.eligibility import Arc, Eligibility
from solver.model import Scales, ai_company_cap, ai_to_company
from solver.moves import Loads

BAND = 0.0005  # half the band's width around the common level
SITES = 60  # sites of a neighbourhood: the nearest its member may reach, with its own
SOLVE_S = 2.0  # the engine's time on one neighbourhood, at most
# hours kept clear of each capacity: the engine's tolerance and the plan's hours rounded to 1e-6 per arc
# must not take a plan over one (`solver.checks`)
MARGIN = 1e-4


def even_band(
    elig: Eligibility,
    scales: Scales,
    assignments: dict[int, str],
    staffing: dict[Arc, float],
    mandataire: str,
    time_limit: float,
    band: float = BAND,
) -> tuple[dict[int, str], dict[Arc, float]]:
    """Assignments and staff put at disposal with the members' load ratios brought within `band` of
    their common level where the neighbourhoods allow; members neither join nor leave."""
    deadline = time.monotonic() + time_limit
    search = _Search(elig, scales, assignments, staffing, mandataire, band)
    for size in (SITES, 2 * SITES, 4 * SITES):
        # members furthest outside the band first, then the others (distance and staff at disposal
        # improved around them); a member whose neighbourhood gave nothing waits for a neighbour's change
        tried: set[str] = set()
        while time.monotonic() < deadline - 0.2:
            level = search.level()
            left = [(-search.excess(E, level), E) for E in search.loads.sites if E not in tried]
            if not left:
                break
            E = min(left)[1]
            touched = search.resolve(E, level, size, min(SOLVE_S, deadline - time.monotonic()))
            if touched:
                tried -= touched
            else:
                tried.add(E)
    return dict(search.loads.assign), {a: h for a, h in search.staffing.items() if h > 1e-6}


class _Search:
    def __init__(
        self,
        elig: Eligibility,
        scales: Scales,
        assignments: dict[int, str],
        staffing: dict[Arc, float],
        mandataire: str,
        band: float,
    ) -> None:
        self.elig, self.scales, self.band, self.mandataire = elig, scales, band, mandataire
        self.loads = Loads(elig, scales, assignments, staffing)
        self.staffing: dict[Arc, float] = defaultdict(float, staffing)
        self.arcs_of: dict[str, list[Arc]] = defaultdict(list)  # structure -> its arcs
        for arc in elig.arcs:
            self.arcs_of[arc.member].append(arc)
        self.supplied: dict[tuple[str, str], float] = defaultdict(float)  # (intermédiaire, trade)
        for arc, h in staffing.items():
            self.supplied[arc.to, arc.trade] += h

    def level(self) -> float:
        own = sum(self.loads.total[E] - self.loads.out_total[E] for E in self.loads.sites)
        return own / sum(self.loads.capacity[E] for E in self.loads.sites)

    def excess(self, E: str, level: float) -> float:
        r = self.loads.ratio(E)
        return max(0.0, r - level - self.band, level - self.band - r)

    def resolve(self, E: str, level: float, size: int, limit: float) -> set[str]:
        """Re-solve `E`'s neighbourhood; the members whose sites or staff changed (none: kept as is)."""
        elig, loads = self.elig, self.loads
        of = elig.entity_of
        w = elig.problem.options.weights
        reach = sorted(
            {
                (elig.pairs[k, e], k)
                for e in elig.entities[E]
                for k in elig.by_member.get(e, [])
                if k in loads.assign
            }
        )
        sites = {k for _, k in reach[:size]} | loads.sites[E]
        members = {of(loads.assign[k]) for k in sites} | {E}
        structures = [e for M in sorted(members) for e in elig.entities[M]]
        prob = pulp.LpProblem("neighbourhood", pulp.LpMinimize)
        x: dict[tuple[int, str], pulp.LpVariable] = {}
        for k in sorted(sites):
            for j, e in enumerate(structures):
                if (k, e) in elig.pairs:
                    x[k, e] = prob.add_variable(f"x_{k}_{j}", cat=pulp.LpBinary)
        arcs = [a for e in structures for a in self.arcs_of[e]]
        z = {a: prob.add_variable(f"z_{i}", lowBound=0) for i, a in enumerate(arcs)}

        # what the held part of the plan leaves each member
        hours = {(M, t): loads.hours[M, t] - loads.out[M, t] for M in members for t in elig.trades}
        held_total = {M: loads.total[M] - loads.out_total[M] for M in members}
        part = {(e, lot): loads.part[e, lot] - loads.mad[e, lot] for e in structures for lot in self._lots()}
        revenue = {key: loads.revenue[key] for key in list(members) + ["structure:" + e for e in structures]}
        count = {M: len(loads.sites[M]) for M in members}
        for k in sites:
            s, e = elig.sites[k], loads.assign[k]
            hours[of(e), s.trade] -= s.hours
            held_total[of(e)] -= s.hours
            part[e, s.lot] -= s.hours
            revenue[of(e)] -= s.value_eur
            revenue["structure:" + e] -= s.value_eur
            count[of(e)] -= 1
        for a in arcs:  # their staff at disposal is re-spread here: back to the held part
            h = self.staffing.get(a, 0.0)
            hours[of(a.member), a.trade] += h
            held_total[of(a.member)] += h
            part[a.member, a.lot] += h

        for k in sorted(sites):
            prob += pulp.lpSum(x[k, e] for e in structures if (k, e) in x) == 1
        for M in sorted(members):
            mine = [(k, e) for (k, e) in x if of(e) == M]
            for t in elig.trades:
                doing = [(k, e) for (k, e) in mine if elig.sites[k].trade == t]
                relief = [a for a in arcs if of(a.member) == M and a.trade == t]
                if not doing and not relief and hours[M, t] <= 1e-9:
                    continue
                own = (
                    hours[M, t]
                    + pulp.lpSum(elig.sites[k].hours * x[k, e] for k, e in doing)
                    - pulp.lpSum(z[a] for a in relief)
                )
                prob += own <= elig.entity_capacity(M, t) - (MARGIN if relief else 0.0)
            if loads.revenue_cap[M] < float("inf"):
                prob += (
                    revenue[M] + pulp.lpSum(elig.sites[k].value_eur * x[k, e] for k, e in mine)
                    <= loads.revenue_cap[M]
                )
            if count[M] < 1:
                prob += pulp.lpSum(x[k, e] for k, e in mine) >= 1
        for e in structures:
            if loads.revenue_cap["structure:" + e] < float("inf"):
                prob += (
                    revenue["structure:" + e]
                    + pulp.lpSum(elig.sites[k].value_eur * x[k, f] for k, f in x if f == e)
                    <= loads.revenue_cap["structure:" + e]
                )
        by_part: dict[tuple[str, str], list[Arc]] = defaultdict(list)
        by_supplier: dict[tuple[str, str], list[Arc]] = defaultdict(list)
        for a in arcs:
            by_part[a.member, a.lot].append(a)
            by_supplier[a.to, a.trade].append(a)
        for (e, lot), relief in by_part.items():
            done = part.get((e, lot), 0.0) + pulp.lpSum(
                elig.sites[k].hours * x[k, f] for k, f in x if f == e and elig.sites[k].lot == lot
            )
            prob += pulp.lpSum(z[a] for a in relief) <= done - MARGIN
        for (i, t), relief in by_supplier.items():
            held = self.supplied[i, t] - sum(self.staffing.get(a, 0.0) for a in relief)
            room = max(0.0, elig.intermediaries[i].capacities[t] - held - MARGIN)
            prob += pulp.lpSum(z[a] for a in relief) <= room
        for (i, _), relief in ai_to_company(elig, arcs).items():
            prob += pulp.lpSum(z[a] for a in relief) <= ai_company_cap(elig, i) - MARGIN

        outside: list[pulp.LpVariable] = []
        start = {x[k, loads.assign[k]].name: 1.0 for k in sites}
        start.update({z[a].name: self.staffing[a] for a in arcs if self.staffing.get(a, 0.0) > 0})
        for n, M in enumerate(sorted(members)):
            ratio = (
                held_total[M]
                + pulp.lpSum(elig.sites[k].hours * x[k, e] for k, e in x if of(e) == M)
                - pulp.lpSum(z[a] for a in arcs if of(a.member) == M)
            ) * (1.0 / loads.capacity[M])
            above = prob.add_variable(f"above_{n}", lowBound=0)
            below = prob.add_variable(f"below_{n}", lowBound=0)
            prob += ratio - above <= level + self.band
            prob += ratio + below >= level - self.band
            outside += [above, below]
            r = loads.ratio(M)
            start[above.name] = max(0.0, r - level - self.band)
            start[below.name] = max(0.0, level - self.band - r)
        distance = pulp.lpSum(elig.sites[k].hours * elig.pairs[k, e] * x[k, e] for k, e in x)
        prob.setObjective(
            (w.distance / self.scales.hours_km) * distance
            - (w.staffing / self.scales.hours) * pulp.lpSum(z.values())
            + w.balance * pulp.lpSum(outside)
        )
        before = sum(
            (w.distance / self.scales.hours_km) * elig.sites[k].hours * elig.pairs[k, loads.assign[k]]
            for k in sites
        )
        before += -(w.staffing / self.scales.hours) * sum(self.staffing.get(a, 0.0) for a in arcs)
        before += w.balance * sum(self.excess(M, level) for M in members)
        outcome = engine.solve(
            prob,
            engine="highs",
            time_limit=max(0.2, limit),
            gap_rel=1e-6,
            threads=elig.problem.options.threads,
            start=start,
        )
        if not outcome.has_solution or outcome.objective is None or outcome.objective >= before - 1e-7:
            return set()
        changed: set[str] = set()
        for (k, e), var in x.items():
            if (var.varValue or 0.0) > 0.5 and loads.assign[k] != e:
                changed |= {of(e), of(loads.assign[k])}
                loads.move(k, e)
        for a in arcs:
            new = float(z[a].varValue or 0.0)
            new = 0.0 if new < 1e-7 else new
            old = self.staffing.get(a, 0.0)
            if abs(new - old) > 1e-7:
                changed.add(of(a.member))
                loads.relieve(a, new - old)
                self.supplied[a.to, a.trade] += new - old
                self.staffing[a] = new
        return changed

    def _lots(self) -> list[str]:
        return [lot.id for lot in self.elig.problem.tender.lots]
