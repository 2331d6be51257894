"""Valid inequalities derived from the data: they cut no grouping off, but tighten the relaxation the
engine bounds the objective with, so that it proves optimality sooner.

Members are legal entities E (their structures pooled). Per trade *t*, with `H_t` the hours of its
sites and `u_s` the uncovered-site variables:

- reach: Σ_E R[E,t]·y[E] + Σ_s h_s·u_s ≥ H_t, where R[E,t] is the most a member can take in the trade:
  the hours of the sites in its reach when staff may be put at its disposal there (mise à disposition
  has no share cap); else its own capacity, raised to C/(1−σ) in a one-trade tender when it may
  subcontract a share σ of its part; never above the hours in its reach;
- own hours: Σ_E min(C[E,t], hours in reach)·y[E] + Σ_s h_s·u_s ≥ H_t − S_t, where S_t is the most
  others can take: the intermédiaires' capacity in the trade plus, when sous-traitance is possible,
  the sous-traitants' (and σ·H_t at most for a one-trade tender);
- fewest members: Σ_E y[E] + k·Σ_s u_s ≥ k, where k is the fewest members whose reach (and whose own
  capacity) covers every trade's demand: a bound that holds whenever every site is covered.
"""

from __future__ import annotations

from collections import defaultdict

import pulp

from solver.eligibility import Eligibility
from solver.model import Model, Scales, label


def _reach(
    elig: Eligibility, t: str, in_reach: dict[str, float], staffed: set[str], subbed: set[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """Per entity: the most it can take in trade t (R) and the most its own staff can do there."""
    sigma = elig.problem.options.max_subcontracting_share
    one_trade = len(elig.trades) == 1
    reach, own = {}, {}
    for E, hours in in_reach.items():
        cap = elig.entity_capacity(E, t)
        own[E] = min(cap, hours)
        if E in staffed or (E in subbed and not one_trade):
            reach[E] = hours
        elif E in subbed:
            reach[E] = min(hours, cap / (1 - sigma))
        else:
            reach[E] = own[E]
    return reach, own


def _outside(
    elig: Eligibility, t: str, demand: float, suppliers: set[str], subcontractors: set[str]
) -> float:
    """The most of trade t that others than the members' own staff can do."""
    sigma = elig.problem.options.max_subcontracting_share
    mad = sum(elig.intermediaries[a].capacities.get(t, 0.0) for a in suppliers)
    sub = sum(elig.subcontractors[f].capacities.get(t, 0.0) for f in subcontractors)
    if len(elig.trades) == 1:
        sub = min(sub, sigma * demand)
    return mad + sub


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
    of = elig.entity_of
    suppliers: dict[str, set[str]] = defaultdict(set)
    staffed: dict[str, set[str]] = defaultdict(set)
    for arc in model.z:
        suppliers[arc.trade].add(arc.to)
        staffed[arc.trade].add(of(arc.member))
    subcontractors: dict[str, set[str]] = defaultdict(set)
    subbed: dict[str, set[str]] = defaultdict(set)
    for sub in model.w:
        subcontractors[sub.trade].add(sub.to)
        subbed[sub.trade].add(of(sub.member))
    all_uncovered = list(model.uncovered.values())
    fewest = 0
    for t in elig.trades:
        sites = [s for s in elig.sites if s.trade == t]
        demand = sum(s.hours for s in sites)
        in_reach: dict[str, float] = defaultdict(float)
        for s in sites:
            for E in {of(e) for e in elig.by_site[s.index]}:
                in_reach[E] += s.hours
        if not in_reach:
            continue
        outsource = _outside(elig, t, demand, suppliers[t], subcontractors[t])
        reach, own = _reach(elig, t, in_reach, staffed[t], subbed[t])
        uncovered = [(model.uncovered[s.index], s.hours) for s in sites]
        name = label(t)
        model.prob += (
            pulp.LpAffineExpression([(model.y[E], r) for E, r in reach.items()] + uncovered) >= demand,
            f"cover_reach_{name}",
        )
        if outsource > 0 and demand - outsource > 0:
            model.prob += (
                pulp.LpAffineExpression([(model.y[E], c) for E, c in own.items()] + uncovered)
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
    possible member, the most staffing the intermédiaires allow (rewarded), no sous-traitance (it only
    costs), and the fewest members whose reach, and whose own capacity, cover each trade's demand
    (`_reach`). A plan leaving a site uncovered pays more than that site's distance and all the members
    together, so the bound holds for it too."""
    w = elig.problem.options.weights
    of = elig.entity_of
    distance = 0.0
    for s in elig.sites:
        if elig.by_site[s.index]:
            distance += s.hours * min(elig.pairs[s.index, e] for e in elig.by_site[s.index])
    supply = sum(st.capacities.get(t, 0.0) for st in elig.intermediaries.values() for t in elig.trades)
    reward = min(full.hours, supply) if elig.arcs else 0.0
    fewest = 0
    if all(elig.by_site[s.index] for s in elig.sites):
        for t in elig.trades:
            in_reach: dict[str, float] = defaultdict(float)
            for s in elig.sites:
                if s.trade == t:
                    for E in {of(e) for e in elig.by_site[s.index]}:
                        in_reach[E] += s.hours
            demand = sum(s.hours for s in elig.sites if s.trade == t)
            suppliers = {a.to for a in elig.arcs if a.trade == t}
            staffed = {of(a.member) for a in elig.arcs if a.trade == t}
            subcontractors = {a.to for a in elig.subcontract_arcs if a.trade == t}
            subbed = {of(a.member) for a in elig.subcontract_arcs if a.trade == t}
            reach, own = _reach(elig, t, in_reach, staffed, subbed)
            k = fewest_covering(list(reach.values()), demand)
            fewest = max(fewest, k if k <= len(reach) else 0)
            # own hours: what the others cannot take must be done by the members themselves
            outsource = _outside(elig, t, demand, suppliers, subcontractors)
            if demand - outsource > 0:
                k = fewest_covering(list(own.values()), demand - outsource)
                fewest = max(fewest, k if k <= len(own) else 0)
    # more members than allowed cannot cover every site: every plan then leaves a site uncovered, whose
    # penalty exceeds the whole members' term (≤ 1), not `fewest` ÷ `max_members`
    fewest_term = min(float(fewest), full.members) / full.members
    return w.distance * distance / full.hours_km - w.staffing * reward / full.hours + w.members * fewest_term
