"""A lower bound of the whole tender's objective by Lagrangian relaxation (large tenders).

The model is a capacitated facility location: members open (`y`), sites go to open members (`x ≤ y`),
each member's own hours stay within its capacity, staff put at disposal by AI/ETTI relieve it. Relaxing
the rows "every site is done once or left uncovered" (multiplier λ_s per site) and the intermédiaires'
capacity rows (multiplier ν ≥ 0 per intermédiaire and trade) leaves one small problem per legal entity:

    L(λ, ν) = Σ_s λ_s + Σ_s min(0, P_s − λ_s) − Σ_a ν_a·cap_a + Σ_{E chosen} (f_E − F_E(λ, ν))

where P_s is the penalty of leaving site s uncovered, f_E a member's cost (members weight ÷ the members'
scale), and F_E the most entity E gains from the sites in its reach: Σ (λ_s − c_{s,E})·x_s minus the
cheapest way of doing the hours it takes (its own capacity at no cost, staff put at its disposal at
ν_a − the staffing reward per hour, sous-traitance at its cost per hour). With x continuous in [0, 1]
this is a fractional knapsack whose cost per hour rises with the hours taken: solved exactly by
sorting (see `_entity_gain`). The entities chosen are those whose f_E − F_E is negative, the most
negative first, at most `max_members`.

**For every λ and every ν ≥ 0, L(λ, ν) is a lower bound of the stage-1 objective** (distance, members,
staffing, sous-traitance, penalties) of every plan, hence of the full objective (the spread is never
negative): each rule left out (one mandataire, a member's minimum site, dependence, the ACI rule, the
clause sociale, territorial presence, the sous-traitants' shared capacity, the share σ per lot, read per
trade over the hours in reach) only enlarges the set of plans the minimum is taken over, and a relaxed
row with its multiplier adds a term that is ≤ 0 on every plan. The dual is maximised by subgradient
steps (Polyak's rule towards the best plan's value); the best L seen is the bound, whatever the steps.

The relaxation also says which entities a good plan is likely to use: `Result.usage` is the share of
the last iterations in which each entity was chosen (an estimate of the linear relaxation's `y`),
`Result.plan` the entity that took the largest share of each site over them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from solver.eligibility import Eligibility
from solver.model import SUBCONTRACTING_COST, Scales, after_award_members, ai_company_cap
from solver.problem import StructureKind

# Polyak's step factor: starts at 2, halved after this many steps without a better bound
STALL = 12
AIM = 0.25  # without a plan's value to aim at, Polyak's target is this much above the best bound
USAGE_DECAY = 0.05  # weight of the latest iteration in `Result.usage`


@dataclass
class _Block:
    """One legal entity in one trade."""

    entity: int
    sites: np.ndarray  # site index per pair
    cost: np.ndarray  # weighted distance cost per pair
    hours: np.ndarray  # site hours per pair
    capacity: float  # own capacity in the trade
    staff_keys: np.ndarray  # index of (intermédiaire, trade) per staffing item
    staff_limit: np.ndarray  # most hours of each intermédiaire at this entity's disposal
    sub_limit: float  # most hours subcontracted (σ × hours in reach, within the sous-traitants')


@dataclass
class Result:
    bound: float
    iterations: int
    seconds: float
    usage: dict[str, float] = field(default_factory=dict)
    # per site, the entity whose share of it was the largest over the last iterations (none: -)
    plan: dict[int, str] = field(default_factory=dict)


def applies(elig: Eligibility) -> bool:
    """The objective must be the one described above: no re-planning penalties."""
    return elig.problem.options.baseline is None and bool(elig.sites)


def _blocks(elig: Eligibility, full: Scales) -> tuple[list[_Block], list[str], np.ndarray]:
    o = elig.problem.options
    w = o.weights
    sigma = o.max_subcontracting_share
    entities = list(elig.entities)
    index = {E: i for i, E in enumerate(entities)}
    keys: dict[tuple[str, str], int] = {}
    for a, st in elig.intermediaries.items():
        for t in elig.trades:
            if st.capacities.get(t, 0.0) > 0:
                keys[a, t] = len(keys)
    key_cap = np.zeros(len(keys))
    for (a, t), i in keys.items():
        key_cap[i] = elig.intermediaries[a].capacities[t]
    pairs: dict[tuple[str, str], list[tuple[int, float, float]]] = defaultdict(list)
    for (k, e), km in elig.pairs.items():
        s = elig.sites[k]
        c = w.distance * s.hours * km / full.hours_km if w.distance > 0 else 0.0
        pairs[elig.entity_of(e), s.trade].append((k, c, s.hours))
    staffing: dict[tuple[str, str], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for arc in elig.arcs:
        E = elig.entity_of(arc.member)
        lot_hours = sum(
            elig.sites[k].hours for k in elig.by_member.get(arc.member, []) if elig.sites[k].lot == arc.lot
        )
        staffing[E, arc.trade][keys[arc.to, arc.trade]] += min(
            elig.intermediaries[arc.to].capacities[arc.trade], lot_hours
        )
    for arc in elig.arcs:  # an AI towards a company: 480 h per person (Code du travail L5132-9)
        E = elig.entity_of(arc.member)
        if elig.intermediaries[arc.to].kind == StructureKind.AI and elig.members[E].form == "company":
            i = keys[arc.to, arc.trade]
            staffing[E, arc.trade][i] = min(staffing[E, arc.trade][i], ai_company_cap(elig, arc.to))
    subs: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for sub in elig.subcontract_arcs:
        cap = elig.subcontractors[sub.to].capacities[sub.trade]
        subs[elig.entity_of(sub.member), sub.trade][sub.to] += cap
    blocks = []
    for (E, t), items in sorted(pairs.items()):
        sites = np.array([k for k, _, _ in items], dtype=np.int64)
        hours = np.array([h for _, _, h in items])
        within = {f: min(c, elig.subcontractors[f].capacities[t]) for f, c in subs.get((E, t), {}).items()}
        staff = staffing.get((E, t), {})
        blocks.append(
            _Block(
                entity=index[E],
                sites=sites,
                cost=np.array([c for _, c, _ in items]),
                hours=hours,
                capacity=elig.entity_capacity(E, t),
                staff_keys=np.array(list(staff), dtype=np.int64),
                staff_limit=np.array(list(staff.values())),
                sub_limit=min(sum(within.values()), sigma * float(hours.sum())) if within else 0.0,
            )
        )
    return blocks, entities, key_cap


def _entity_gain(
    b: _Block, lam: np.ndarray, nu_hour: np.ndarray, reward: float, sub_cost: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """max Σ (λ_s − c_s)·x_s − g(A), A = Σ h_s·x_s, x in [0, 1]; g(A) the cheapest way of doing A hours:
    staff put at disposal (at most A hours in all, cost ν − reward per hour), then own capacity (free),
    then the rest. g is convex and piecewise linear: its slopes sorted, the hours taken are those whose
    gain per hour exceeds the slope of g where they fall. Returns the gain, the sites' x (in the block's
    order), the staffing hours per item."""
    staff_slope = nu_hour[b.staff_keys] - reward
    slopes = np.concatenate([staff_slope, [0.0, sub_cost]])
    lengths = np.concatenate([b.staff_limit, [b.capacity, b.sub_limit]])
    order = np.argsort(slopes, kind="stable")
    slopes, lengths = slopes[order], lengths[order]
    ends = np.cumsum(lengths)
    starts = ends - lengths
    ratio = (lam[b.sites] - b.cost) / b.hours
    by_gain = np.argsort(-ratio, kind="stable")
    r, h = ratio[by_gain], b.hours[by_gain]
    first = np.cumsum(h) - h
    reach = np.concatenate([[0.0], ends])[np.searchsorted(slopes, r, side="left")]
    taken = np.clip(reach - first, 0.0, h)
    total = float(taken.sum())
    used = np.clip(total - starts, 0.0, lengths)
    gain = float(r @ taken) - float(slopes @ used)
    x = np.empty_like(taken)
    x[by_gain] = taken / h
    staff_used = np.empty(len(order))
    staff_used[order] = used
    return gain, x, staff_used[: len(b.staff_keys)]


def bound(
    elig: Eligibility,
    full: Scales,
    seconds: float,
    upper: float | None = None,
    max_iterations: int = 100_000,
) -> Result | None:
    """The best Lagrangian bound found within `seconds` (and `max_iterations`); `upper` (a plan's
    objective without the spread) guides the steps and stops them when reached. None when it does not
    apply."""
    if not applies(elig):
        return None
    began = time.monotonic()
    o = elig.problem.options
    w = o.weights
    blocks, entities, key_cap = _blocks(elig, full)
    if not blocks:
        return None  # no site can be done by anyone
    n = len(elig.sites)
    penalty = np.array([full.uncovered[s.index] for s in elig.sites])
    member_cost = w.members / full.members if w.members > 0 else 0.0
    reward = w.staffing / full.hours if w.staffing > 0 else 0.0
    sub_cost = SUBCONTRACTING_COST / full.hours
    required = {elig.entity_of(e) for e in o.required if e in elig.entity}
    frozen = after_award_members(elig)
    closed = np.array([frozen is not None and E not in frozen for E in entities])
    forced = np.array([E in required for E in entities]) & ~closed
    limit = o.max_members if o.max_members is not None else len(entities)
    # start: each site at the cheapest entity, paying its share of the member's cost when full
    lam = penalty.copy()
    for b in blocks:
        share = b.cost + member_cost * b.hours / max(b.capacity, 1e-9)
        np.minimum.at(lam, b.sites, share)
    # multipliers of the intermédiaires' rows, per unit of their capacity (Σ z ÷ cap ≤ 1)
    nu = np.zeros(len(key_cap))
    usage = np.zeros(len(entities))
    best, best_at = -np.inf, 0
    theta, it = 2.0, 0
    # every block's pairs and staffing items in flat arrays, for the sums over chosen entities
    block_entity = np.array([b.entity for b in blocks], dtype=np.int64)
    pair_site = np.concatenate([b.sites for b in blocks])
    pair_entity = np.concatenate([np.full(len(b.sites), b.entity) for b in blocks])
    staff_key = np.concatenate([b.staff_keys for b in blocks]).astype(np.int64)
    staff_entity = np.concatenate([np.full(len(b.staff_keys), b.entity) for b in blocks]).astype(np.int64)
    share = np.zeros(len(pair_site))
    gain = np.zeros(len(blocks))
    while it < max_iterations and time.monotonic() - began < seconds:
        it += 1
        nu_hour = nu / np.maximum(key_cap, 1e-9)
        xs, staffs = [], []
        for i, b in enumerate(blocks):
            gain[i], x_b, staff_b = _entity_gain(b, lam, nu_hour, reward, sub_cost)
            xs.append(x_b)
            staffs.append(staff_b)
        x = np.concatenate(xs)
        staff_used = np.concatenate(staffs)
        value = member_cost - np.bincount(block_entity, gain, len(entities))
        value[closed] = np.inf
        chosen = forced.copy()
        free = np.flatnonzero(~forced & (value < 0))
        room = max(0, limit - int(forced.sum()))
        if len(free) > room:
            free = free[np.argsort(value[free], kind="stable")[:room]]
        chosen[free] = True
        uncovered = penalty < lam
        L = float(lam.sum() + np.minimum(0.0, penalty - lam).sum() - nu.sum() + value[chosen].sum())
        usage = (1 - USAGE_DECAY) * usage + USAGE_DECAY * chosen
        in_plan = chosen[pair_entity]
        share = (1 - USAGE_DECAY) * share + USAGE_DECAY * x * in_plan
        if not np.isfinite(best) or best + 1e-12 * max(1.0, abs(best)) < L:
            best, best_at = L, it
        elif it - best_at >= STALL:
            theta, best_at = theta / 2, it
            if theta < 1e-4:
                break
        # subgradient: 1 − Σ x − u per site; Σ z ÷ cap − 1 per intermédiaire row
        covered = np.bincount(pair_site, x * in_plan, n)
        supplied = np.bincount(staff_key, staff_used * chosen[staff_entity], len(key_cap))
        g_site = 1.0 - covered - uncovered
        g_key = supplied / np.maximum(key_cap, 1e-9) - 1.0
        g_key[(nu <= 0) & (g_key < 0)] = 0.0  # projected on ν ≥ 0
        norm = float(g_site @ g_site + g_key @ g_key)
        if norm < 1e-18:
            break  # the relaxed plan is a plan: L is the optimum of the relaxation
        # aim at the plan's value, or, without one (or far above), a quarter above the best bound
        guess = best + AIM * max(abs(best), 0.05)
        target = min(upper, guess) if upper is not None and upper > best else guess
        if upper is not None and best >= upper - 1e-9:
            break
        step = theta * (target - L) / norm
        lam = lam + step * g_site
        nu = np.maximum(0.0, nu + step * g_key)
    owner = np.full(n, -1, dtype=np.int64)
    order = np.lexsort((share, pair_site))  # per site, the largest share last
    last = np.flatnonzero(np.append(pair_site[order][1:] != pair_site[order][:-1], True))
    top = order[last]
    held = share[top] > 0
    owner[pair_site[top][held]] = pair_entity[top][held]
    return Result(
        plan={k: entities[E] for k, E in enumerate(owner) if E >= 0},
        bound=float(best),
        iterations=it,
        seconds=time.monotonic() - began,
        usage={E: float(u) for E, u in zip(entities, usage, strict=True)},
    )
