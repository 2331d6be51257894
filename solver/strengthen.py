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

from solver.model import Model, label


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
