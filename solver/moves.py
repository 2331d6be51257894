"""Local moves that even the members' load ratios of a plan, for tenders too large for the engine's
fairest-split stages.

The spread is max − min over all members: on a large grouping, one nearly idle member (a single small
site) sets it. Three moves, each kept only when the plan's objective (distance, spread, members; the
subcontracted hours stay) goes down:

- the least loaded member leaves the grouping, each of its sites going to the nearest member with room;
- the least loaded member takes a site from another member;
- the most loaded member gives a site to another member.

Every rule stays kept: own capacity per trade (the member's subcontracted hours held), the share σ, the
dependence cap, the mandataire keeps a site. The subcontracted hours can be re-spread afterwards
(`solver.balance`).
"""

from __future__ import annotations

import time
from collections import defaultdict

from solver.eligibility import Arc, Eligibility
from solver.model import Scales, revenue_cap


class _Plan:
    def __init__(
        self, elig: Eligibility, scales: Scales, assignments: dict[int, str], subcontracts: dict[Arc, float]
    ):
        self.elig, self.scales = elig, scales
        o = elig.problem.options
        self.sigma = o.max_subcontracting_share
        self.assign = dict(assignments)
        self.sites: dict[str, set[int]] = defaultdict(set)
        self.hours: dict[tuple[str, str], float] = defaultdict(float)
        self.total: dict[str, float] = defaultdict(float)
        self.revenue: dict[str, float] = defaultdict(float)
        self.out: dict[tuple[str, str], float] = defaultdict(float)
        self.out_total: dict[str, float] = defaultdict(float)
        self.distance = 0.0
        for k, e in assignments.items():
            self._add(k, e)
        for arc, h in subcontracts.items():
            self.out[arc.member, arc.trade] += h
            self.out_total[arc.member] += h
            self.revenue[arc.member] -= h * elig.eur_per_hour[arc.trade]
        self.capacity = {e: elig.tender_capacity(elig.members[e]) for e in self.sites}
        self.revenue_cap: dict[str, float] = {}
        for e, st in elig.members.items():
            cap = revenue_cap(elig.problem, st)
            self.revenue_cap[e] = cap if cap is not None else float("inf")

    def _add(self, k: int, e: str) -> None:
        s = self.elig.sites[k]
        self.sites[e].add(k)
        self.hours[e, s.trade] += s.hours
        self.total[e] += s.hours
        self.revenue[e] += s.value_eur
        self.distance += s.hours * self.elig.pairs[k, e]
        self.assign[k] = e

    def _remove(self, k: int, e: str) -> None:
        s = self.elig.sites[k]
        self.sites[e].discard(k)
        self.hours[e, s.trade] -= s.hours
        self.total[e] -= s.hours
        self.revenue[e] -= s.value_eur
        self.distance -= s.hours * self.elig.pairs[k, e]
        if not self.sites[e]:
            del self.sites[e]

    def ratio(self, e: str) -> float:
        return (self.total[e] - self.out_total[e]) / self.capacity[e]

    def can_take(self, k: int, e: str) -> bool:
        s = self.elig.sites[k]
        st = self.elig.members[e]
        own = self.hours[e, s.trade] - self.out[e, s.trade] + s.hours
        return own <= st.capacities.get(s.trade, 0.0) + 1e-6 and (
            self.revenue[e] + s.value_eur <= self.revenue_cap[e] + 1e-6
        )

    def can_give(self, k: int, e: str) -> bool:
        s = self.elig.sites[k]
        if len(self.sites[e]) <= 1:
            return False
        left = self.total[e] - s.hours
        return (
            self.out_total[e] <= self.sigma * left + 1e-6
            and self.hours[e, s.trade] - s.hours >= self.out[e, s.trade] - 1e-6
        )

    def objective(self) -> float:
        w = self.elig.problem.options.weights
        ratios = [self.ratio(e) for e in self.sites]
        return (
            w.distance * self.distance / self.scales.hours_km
            + w.balance * (max(ratios) - min(ratios))
            + w.members * len(self.sites) / self.scales.members
        )

    def move(self, k: int, to: str) -> None:
        self._remove(k, self.assign[k])
        self._add(k, to)
        self.capacity.setdefault(to, self.elig.tender_capacity(self.elig.members[to]))


def even_out(
    elig: Eligibility,
    scales: Scales,
    assignments: dict[int, str],
    subcontracts: dict[Arc, float],
    mandataire: str,
    time_limit: float,
) -> dict[int, str]:
    """Assignments with the load ratios evened by local moves; members only leave, never join."""
    plan = _Plan(elig, scales, assignments, subcontracts)
    deadline = time.monotonic() + time_limit
    current = plan.objective()
    improved = True
    while improved and time.monotonic() < deadline and len(plan.sites) > 1:
        improved = False
        ranked = sorted(plan.sites, key=plan.ratio)
        low, high = ranked[0], ranked[-1]
        # the least loaded member leaves, when it subcontracts nothing and is not the mandataire
        if low != mandataire and plan.out_total[low] == 0:
            moved: list[tuple[int, str]] = []
            for k in sorted(plan.sites[low], key=lambda k: -elig.sites[k].hours):
                to = min(
                    (e for e in elig.by_site[k] if e != low and e in plan.sites and plan.can_take(k, e)),
                    key=lambda e: elig.pairs[k, e],
                    default=None,
                )
                if to is None:
                    break
                moved.append((k, low))
                plan.move(k, to)
            else:
                value = plan.objective()
                if value < current - 1e-12:
                    current, improved = value, True
                    continue
            for k, back in reversed(moved):
                plan.move(k, back)
        for target, sites_to_try, taking in (
            (low, [k for k in elig.by_member.get(low, []) if plan.assign.get(k) not in (None, low)], True),
            (high, list(plan.sites[high]), False),
        ):
            best: tuple[float, int, str] | None = None
            for k in sites_to_try:
                giver = plan.assign[k] if taking else target
                options = (
                    [target] if taking else [e for e in elig.by_site[k] if e != target and e in plan.sites]
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
