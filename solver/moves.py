"""Local moves that even the members' load ratios of a plan, for tenders too large for the engine's
fairest-split stages.

The spread is max − min over all members: on a large grouping, one nearly idle member (a single small
site) sets it. Three moves, each kept only when the plan's objective (distance, spread, members; the
subcontracted hours stay) goes down:

- the least loaded member leaves the grouping, each of its sites going to the nearest member with room;
- the least loaded member takes a site from another member;
- the most loaded member gives a site to another member.

Members are legal entities (a SIREN's structures pooled). Every rule stays kept: own capacity per
entity and trade (the staff put at disposal held), staff at disposal within each structure's hours on a
lot, the dependence cap and the ACI rule, the mandataire keeps a site. The staffing hours can be
re-spread afterwards (`solver.balance`). Sous-traitance is left as it is: a plan these moves break is
refused by the caller's check (`solver.results.violations`).
"""

from __future__ import annotations

import time
from collections import defaultdict

from solver.eligibility import Arc, Eligibility
from solver.model import Scales, aci_cap, dependence_cap


class Loads:
    """A plan's figures per member, kept up to date as sites move and staff is re-spread."""

    def __init__(
        self, elig: Eligibility, scales: Scales, assignments: dict[int, str], staffing: dict[Arc, float]
    ):
        self.elig, self.scales = elig, scales
        self.of = elig.entity_of
        self.assign = dict(assignments)
        self.sites: dict[str, set[int]] = defaultdict(set)  # entity -> its sites
        self.hours: dict[tuple[str, str], float] = defaultdict(float)  # (entity, trade)
        self.part: dict[tuple[str, str], float] = defaultdict(float)  # (structure, lot)
        self.total: dict[str, float] = defaultdict(float)
        self.revenue: dict[str, float] = defaultdict(float)  # per entity and per "structure:<id>"
        self.out: dict[tuple[str, str], float] = defaultdict(float)
        self.mad: dict[tuple[str, str], float] = defaultdict(float)
        self.out_total: dict[str, float] = defaultdict(float)
        self.distance = 0.0
        for k, e in assignments.items():
            self._add(k, e)
        for arc, h in staffing.items():
            self.out[self.of(arc.member), arc.trade] += h
            self.mad[arc.member, arc.lot] += h
            self.out_total[self.of(arc.member)] += h
        self.capacity = {E: elig.entity_tender_capacity(E) for E in elig.entities}
        self.revenue_cap: dict[str, float] = {}
        for E, structures in elig.entities.items():
            cap = dependence_cap(elig.problem, sum(elig.members[e].annual_turnover_eur for e in structures))
            self.revenue_cap[E] = cap if cap is not None else float("inf")
        for e, st in elig.members.items():
            cap = aci_cap(elig.problem, st)
            self.revenue_cap["structure:" + e] = cap if cap is not None else float("inf")

    def _add(self, k: int, e: str) -> None:
        s = self.elig.sites[k]
        E = self.of(e)
        self.sites[E].add(k)
        self.hours[E, s.trade] += s.hours
        self.part[e, s.lot] += s.hours
        self.total[E] += s.hours
        self.revenue[E] += s.value_eur
        self.revenue["structure:" + e] += s.value_eur
        self.distance += s.hours * self.elig.pairs[k, e]
        self.assign[k] = e

    def _remove(self, k: int, e: str) -> None:
        s = self.elig.sites[k]
        E = self.of(e)
        self.sites[E].discard(k)
        self.hours[E, s.trade] -= s.hours
        self.part[e, s.lot] -= s.hours
        self.total[E] -= s.hours
        self.revenue[E] -= s.value_eur
        self.revenue["structure:" + e] -= s.value_eur
        self.distance -= s.hours * self.elig.pairs[k, e]
        if not self.sites[E]:
            del self.sites[E]

    def ratio(self, E: str) -> float:
        return (self.total[E] - self.out_total[E]) / self.capacity[E]

    def can_take(self, k: int, e: str) -> bool:
        s = self.elig.sites[k]
        E = self.of(e)
        own = self.hours[E, s.trade] - self.out[E, s.trade] + s.hours
        return (
            own <= self.elig.entity_capacity(E, s.trade) + 1e-6
            and self.revenue[E] + s.value_eur <= self.revenue_cap[E] + 1e-6
            and self.revenue["structure:" + e] + s.value_eur <= self.revenue_cap["structure:" + e] + 1e-6
        )

    def can_give(self, k: int, e: str) -> bool:
        s = self.elig.sites[k]
        E = self.of(e)
        if len(self.sites[E]) <= 1:
            return False
        return (
            self.hours[E, s.trade] - s.hours >= self.out[E, s.trade] - 1e-6
            and self.part[e, s.lot] - s.hours >= self.mad[e, s.lot] - 1e-6
        )

    def objective(self) -> float:
        w = self.elig.problem.options.weights
        ratios = [self.ratio(E) for E in self.sites]
        return (
            w.distance * self.distance / self.scales.hours_km
            + w.balance * (max(ratios) - min(ratios))
            + w.members * len(self.sites) / self.scales.members
        )

    def move(self, k: int, to: str) -> None:
        self._remove(k, self.assign[k])
        self._add(k, to)

    def relieve(self, arc: Arc, hours: float) -> None:
        """`hours` more (or fewer, when negative) put at disposal on `arc`."""
        self.out[self.of(arc.member), arc.trade] += hours
        self.mad[arc.member, arc.lot] += hours
        self.out_total[self.of(arc.member)] += hours


def even_out(
    elig: Eligibility,
    scales: Scales,
    assignments: dict[int, str],
    subcontracts: dict[Arc, float],
    mandataire: str,
    time_limit: float,
) -> dict[int, str]:
    """Assignments with the load ratios evened by local moves; members only leave, never join."""
    plan = Loads(elig, scales, assignments, subcontracts)
    deadline = time.monotonic() + time_limit
    current = plan.objective()
    improved = True
    while improved and time.monotonic() < deadline and len(plan.sites) > 1:
        improved = False
        ranked = sorted(plan.sites, key=plan.ratio)
        low, high = ranked[0], ranked[-1]
        # the least loaded member leaves, when no staff is put at its disposal and it is not the mandataire
        if low != mandataire and plan.out_total[low] == 0:
            moved: list[tuple[int, str]] = []
            for k in sorted(plan.sites[low], key=lambda k: -elig.sites[k].hours):
                to = min(
                    (
                        e
                        for e in elig.by_site[k]
                        if plan.of(e) != low and plan.of(e) in plan.sites and plan.can_take(k, e)
                    ),
                    key=lambda e: elig.pairs[k, e],
                    default=None,
                )
                if to is None:
                    break
                moved.append((k, plan.assign[k]))
                plan.move(k, to)
            else:
                value = plan.objective()
                if value < current - 1e-12:
                    current, improved = value, True
                    continue
            for k, back in reversed(moved):
                plan.move(k, back)
        for target, sites_to_try, taking in (
            (
                low,
                [
                    k
                    for e in elig.entities[low]
                    for k in elig.by_member.get(e, [])
                    if k in plan.assign and plan.of(plan.assign[k]) != low
                ],
                True,
            ),
            (high, list(plan.sites[high]), False),
        ):
            best: tuple[float, int, str] | None = None
            for k in sites_to_try:
                giver = plan.assign[k]
                options = (
                    [e for e in elig.by_site[k] if plan.of(e) == target]
                    if taking
                    else [e for e in elig.by_site[k] if plan.of(e) != target and plan.of(e) in plan.sites]
                )
                for to in options:
                    if not plan.can_give(k, giver) or not plan.can_take(k, to):
                        continue
                    plan.move(k, to)
                    value = plan.objective()
                    plan.move(k, giver)
                    if value < current - 1e-12 and (best is None or value < best[0]):
                        best = (value, k, to)
            if best is not None:
                current, improved = best[0], True
                plan.move(best[1], best[2])
                break
    return dict(plan.assign)
