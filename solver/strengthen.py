"""Valid inequalities derived from the data: they cut no grouping off, but tighten the relaxation the
engine bounds the objective with, so that it proves optimality sooner.

Per trade *t*, with `H_t` the hours of its sites and `u_s` the uncovered-site variables:

- reach: Σ_e R[e,t]·y[e] + Σ_s h_s·u_s ≥ H_t, where R[e,t] is the most a member can take in the trade
  (its own capacity, raised to C/(1−σ) when it may subcontract a share σ, never above the hours of the
  sites in its reach);
- own hours: Σ_e min(C[e,t], hours in reach)·y[e] + Σ_s h_s·u_s ≥ H_t − S_t, where S_t is the most
  the intermédiaires can take (their capacity in the trade; for a one-trade tender also σ·H_t);
- fewest members: Σ_e y[e] + k·Σ_s u_s ≥ k, where k is the fewest members whose reach (and whose own
  capacity) covers every trade's demand: a bound that holds whenever every site is covered.
"""

from __future__ import annotations

from collections import defaultdict

import pulp

from solver.eligibility import Eligibility
from solver.model import Model, Scales, label


def fewest_covering(capacities: list[float], demand: float) -> int:
    total, count = 0.0, 0
    for c in sorted(capacities, reverse=True):
        if total >= demand - 1e-9:
            break
        total += c
        count += 1
    return count if total >= demand - 1e-9 else len(capacities) + 1


def define_valid_inequalities(model: Model) -> None:
    elig = model.elig
    sigma = elig.problem.options.max_subcontracting_share
    one_trade = len(elig.trades) == 1
    supplied: dict[str, set[str]] = defaultdict(set)
    subcontracting: dict[str, set[str]] = defaultdict(set)
    for arc in model.z:
        supplied[arc.trade].add(arc.to)
        subcontracting[arc.trade].add(arc.member)
    all_uncovered = list(model.uncovered.values())
    fewest = 0
    for t in elig.trades:
        sites = [s for s in elig.sites if s.trade == t]
        demand = sum(s.hours for s in sites)
        in_reach: dict[str, float] = defaultdict(float)
        for s in sites:
            for e in elig.by_site[s.index]:
                in_reach[e] += s.hours
        if not in_reach:
            continue
        ai = sum(elig.intermediaries[a].capacities[t] for a in supplied[t])
        outsource = min(ai, sigma * demand) if one_trade else ai
        reach, own = {}, {}
        for e, hours in in_reach.items():
            cap = elig.members[e].capacities[t]
            own[e] = min(cap, hours)
            stretched = hours if sigma >= 1 or not one_trade else cap / (1 - sigma)
            reach[e] = min(hours, stretched) if e in subcontracting[t] else own[e]
        uncovered = [(model.uncovered[s.index], s.hours) for s in sites]
        name = label(t)
        model.prob += (
            pulp.LpAffineExpression([(model.y[e], r) for e, r in reach.items()] + uncovered) >= demand,
            f"cover_reach_{name}",
        )
        if outsource > 0 and demand - outsource > 0:
            model.prob += (
                pulp.LpAffineExpression([(model.y[e], c) for e, c in own.items()] + uncovered)
                >= demand - outsource,
                f"cover_own_{name}",
            )
        k = max(
            fewest_covering(list(reach.values()), demand),
            fewest_covering(list(own.values()), demand - outsource),
        )
        fewest = max(fewest, k)
    # when even every member together cannot cover the demand there is no bound on their number
    if 1 < fewest <= len(model.y):
        terms = [(y, 1.0) for y in model.y.values()] + [(u, float(fewest)) for u in all_uncovered]
        model.prob += pulp.LpAffineExpression(terms) >= fewest, "fewest_members"


def data_bound(elig: Eligibility, full: Scales) -> float:
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
            k = fewest_covering(reach, demand)
            fewest = max(fewest, k if k <= len(reach) else 0)
            # own hours: what the intermédiaires cannot take must be done by the members themselves
            suppliers = {a.to for a in elig.arcs if a.trade == t} if sigma > 0 else set()
            outsource = sum(elig.intermediaries[a].capacities.get(t, 0.0) for a in suppliers)
            if len(elig.trades) == 1:
                outsource = min(outsource, sigma * demand)
            if demand - outsource > 0:
                own = [min(h, elig.members[e].capacities.get(t, 0.0)) for e, h in in_reach.items()]
                k = fewest_covering(own, demand - outsource)
                fewest = max(fewest, k if k <= len(own) else 0)
    # more members than allowed cannot cover every site: every plan then leaves a site uncovered, whose
    # penalty exceeds the whole members' term (≤ 1), not `fewest` ÷ `max_members`
    fewest_term = min(float(fewest), full.members) / full.members
    return (
        w.distance * distance / full.hours_km
        - w.subcontracting * reward / full.hours
        + w.members * fewest_term
    )
