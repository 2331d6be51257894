"""A bound of the full objective, balance term included, member set by member set (few possible members).

The spread's rows hold `load_min` below a member's load ratio through a big-M on its membership
(`load_min − ratio + y ≤ 1`): with memberships at fractions such as 0.9, the linear relaxation escapes
it, and its bound is about that of the terms without the spread. Once the member set is fixed the big-M
is gone: `load_min ≤ ratio` for the members only, exactly. Every plan has one member set S, so

    optimum ≥ min over S of LB(S)

for any LB(S) below every plan whose member set is S. Three such bounds, each cheaper than the next:

- `floor`, from the data: each site at its nearest structure of S (or uncovered, at its penalty), the
  members' term of |S| members, a territory without a member of S based there at its penalty, the
  most reward the intermédiaires' hours can bring; the spread, sous-traitance and shortfall at 0;
- the linear relaxation with every membership fixed to S (`Sets.relax`), re-solved from the previous
  set's basis in a few iterations;
- the engine's proven bound on the model with S fixed (run by `solver.stages`).

A set the rules forbid (over `max_members`, without a required member, with an entity that may not
join) is not listed; one cut off by an earlier grouping has an infeasible relaxation (+inf). When the
possible member entities are few (`SETS_UP_TO`), every one of the 2^n − 1 sets is listed, so the lowest
of the sets' bounds is a bound of every plan. The stage raises the lowest ones first (best first).
"""

from __future__ import annotations

import heapq
import math
import time

import numpy as np

from solver import engine, model

# 2^10 − 1 = 1023 sets: their floors cost a millisecond, and only the sets whose floor is below the best
# plan get a linear programme (a few milliseconds each); more entities are left to the other stages
SETS_UP_TO = 10


def applies(built: model.Model) -> bool:
    return built.spread is not None and 2 <= len(built.y) <= SETS_UP_TO


def allowed(built: model.Model) -> list[frozenset[str]]:
    """Every non-empty member set the memberships' bounds and `max_members` allow."""
    entities = list(built.y)
    most = built.elig.problem.options.max_members or len(entities)
    low = {E: (y.lowBound or 0) > 0.5 for E, y in built.y.items()}
    high = {E: y.upBound is None or y.upBound > 0.5 for E, y in built.y.items()}
    found = []
    for mask in range(1, 2 ** len(entities)):
        chosen = frozenset(E for i, E in enumerate(entities) if mask >> i & 1)
        if len(chosen) <= most and all(high[E] if E in chosen else not low[E] for E in entities):
            found.append(chosen)
    return found


def floors(built: model.Model, sets: list[frozenset[str]]) -> dict[frozenset[str], float]:
    """`floor` of each set (see the module's docstring): below every plan whose member set it is.
    −inf when the objective has terms it does not read (re-planning's moves)."""
    elig, sc = built.elig, built.scales
    o = elig.problem.options
    w = o.weights
    if o.baseline is not None:
        return dict.fromkeys(sets, -math.inf)
    entities = list(built.y)
    column = {E: j for j, E in enumerate(entities)}
    cost = np.full((len(elig.sites), len(entities)), np.inf)
    for (k, e), km in elig.pairs.items():
        j = column[elig.entity_of(e)]
        c = w.distance * elig.sites[k].hours * km / sc.hours_km if w.distance > 0 else 0.0
        cost[k, j] = min(cost[k, j], c)
    penalty = np.array([sc.uncovered[s.index] for s in elig.sites])
    # Σ hours put at disposal ≤ each arc's bound summed, and ≤ the hours of the tender (a member's own
    # hours on a lot are at least 0)
    most_staff = min(elig.total_hours, sum(float(z.upBound or 0.0) for z in built.z.values()))
    reward = w.staffing * most_staff / sc.hours if w.staffing > 0 and sc.hours > 0 else 0.0
    based: dict[str, set[str]] = {}
    for territory in built.territory_gap:
        based[territory] = {
            E for E in entities if any(elig.members[e].territory == territory for e in elig.entities[E])
        }
    values = {}
    for chosen in sets:
        columns = [column[E] for E in chosen]
        nearest = np.minimum(cost[:, columns].min(axis=1), penalty) if len(elig.sites) else penalty
        value = float(nearest.sum()) + w.members * len(chosen) / sc.members - reward
        value += sc.territory * sum(1 for entities_there in based.values() if not entities_there & chosen)
        values[chosen] = value + float(built.prob.objective.constant)
    return values


class Sets:
    """The member sets and the best bound known for each (`floor`, then relaxation, then engine runs)."""

    def __init__(self, built: model.Model, threads: int | None) -> None:
        self.built = built
        self.threads = threads
        self.values = floors(built, allowed(built))
        self.relaxed_sets: set[frozenset[str]] = set()
        self._relaxation: engine.Relaxation | None = None

    def relax(self, chosen: frozenset[str], limit: float) -> None:
        """Raise the set's bound to its linear relaxation with every membership fixed (when solved within
        `limit` seconds; +inf when the set has no plan)."""
        if self._relaxation is None:
            self._relaxation = engine.Relaxation(self.built.prob, self.threads)
        for E, y in self.built.y.items():
            on = 1.0 if E in chosen else 0.0
            self._relaxation.bound(y, on, on)
        value = self._relaxation.solve(limit)
        self.relaxed_sets.add(chosen)
        if value is not None and value > self.values[chosen]:
            self.values[chosen] = value

    def raise_to(self, chosen: frozenset[str], value: float) -> None:
        if value > self.values[chosen]:
            self.values[chosen] = value

    def bound(self) -> float:
        """The lowest bound over the member sets: a bound of every plan (+inf when no set has a plan)."""
        return min(self.values.values(), default=math.inf)


def branched(
    built: model.Model, threads: int | None, limit: float, incumbent: float, target: float
) -> float | None:
    """A bound of the full objective for more entities than `SETS_UP_TO`: the linear relaxation branched
    on memberships, best first. Each node fixes some memberships to 0 or 1 (the others as the model has
    them); its relaxation is below every plan whose member set agrees with those choices, and every plan
    agrees with one open node, so the lowest open node bounds every plan. A node whose relaxation is
    infeasible holds no plan; one at or above `incumbent` (a plan's objective) cannot hold a better one
    and is closed; one whose memberships come out whole is not branched further. The most fractional
    membership is branched (in, then out). Once a membership is fixed to 1 its member's spread rows lose
    their big-M, so the bound climbs quickly (family 101: 0.6587 at the root, 0.6729 after ~150 nodes in
    3 s, where the engine's own bound stays at 0.6627 for 12 s). Stops when the lowest open node reaches
    `target` or after `limit` seconds. None when the root is not solved in time."""
    began = time.monotonic()

    def left() -> float:
        return limit - (time.monotonic() - began)

    relaxed = engine.Relaxation(built.prob, threads)
    ys = built.y
    base = {
        E: (float(y.lowBound or 0.0), 1.0 if y.upBound is None else float(y.upBound)) for E, y in ys.items()
    }
    root = relaxed.solve(left())
    if root is None or not math.isfinite(root):
        return None
    open_nodes: list[tuple[float, int, tuple[tuple[str, float], ...]]] = [(root, 0, ())]
    finished = math.inf  # the lowest node whose memberships came out whole
    count = 0
    while open_nodes and open_nodes[0][0] < min(target, finished) and left() > 0:
        value, _, fixed = heapq.heappop(open_nodes)
        for E, (low, high) in base.items():
            relaxed.bound(ys[E], low, high)
        for E, on in fixed:
            relaxed.bound(ys[E], on, on)
        solved = relaxed.solve(left())
        if solved is None:  # out of time: the node stays open with its parent's bound
            heapq.heappush(open_nodes, (value, -1, fixed))
            break
        solved = max(solved, value)
        if solved >= incumbent:
            continue  # no plan better than the incumbent here (none at all when infeasible)
        chosen = {E for E, _ in fixed}
        shares = {E: relaxed.value(ys[E]) for E in ys if E not in chosen}
        fractional = [(abs(v - 0.5), E) for E, v in shares.items() if 1e-6 < v < 1 - 1e-6]
        if not fractional:
            finished = min(finished, solved)
            continue
        E = min(fractional)[1]
        for on in (1.0, 0.0):
            count += 1
            heapq.heappush(open_nodes, (solved, count, (*fixed, (E, on))))
    lowest = open_nodes[0][0] if open_nodes else math.inf
    return min(lowest, finished, incumbent)
