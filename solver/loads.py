"""Hours in time: each site's hours per day, the structures' capacity per period, the rows that share a
structure between several tenders, and the load calendar.

Rows added to the tenders' models (each tender's own rows come from `solver.model.build`):

- **capacity per period** (`period_capacity_<structure>_<trade>_<period>`): for a structure with an
  availability in a trade, the hours of its sites done in a month or ISO week, over every tender,
  stay within that period's hours minus the hours already committed then. The hours a member has staff
  put at its disposal or subcontracts are counted too: what a member takes on in a period is bounded;
- **capacity shared** (`shared_capacity_<structure>_<trade>`): a structure's hours in a trade over
  every tender (its own hours as a member, the hours it puts at a member's disposal or does as a
  sous-traitant) stay within its capacity, less the hours committed within the tenders' dates;
- **revenue shared** (`shared_revenue_<structure>`): the yearly revenue over every tender (each tender's
  revenue ÷ its years of execution) stays within the yearly caps: `max_dependence` × turnover, and for an
  ACI the rule of Code du travail D5132-34 (commercial revenue below `aci_cap_rate` × its charges).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import pulp

from solver import periods
from solver.model import Model, label
from solver.problem import Lot, Site, StructureSpec, TenderSpec

Daily = dict[date, float]


def windows_of(tender: TenderSpec, lot: Lot, site: Site) -> list[tuple[date, date]] | None:
    """The site's work windows, else its lot's, else none (its hours are not placed in time)."""
    chosen = site.windows if site.windows is not None else lot.windows
    if not chosen:
        return None
    return [w.bounds() for w in chosen]


def site_days(tender: TenderSpec) -> dict[str, Daily]:
    """Site id -> hours per working day, for the sites that have a work window."""
    out: dict[str, Daily] = {}
    for lot, site in tender.sites():
        found = windows_of(tender, lot, site)
        if found is not None:
            out[site.id] = periods.spread(site.hours, found)
    return out


def is_timed(structures: list[StructureSpec], tenders: list[TenderSpec]) -> bool:
    """Whether the problem says anything about time: without it, the planner works as it always has."""
    if any(st.availability or st.commitments for st in structures):
        return True
    return any(lot.windows or any(s.windows for s in lot.sites) for t in tenders for lot in t.lots)


def committed_days(st: StructureSpec, trade: str | None = None) -> Daily:
    out: Daily = defaultdict(float)
    for c in st.commitments or []:
        if trade is None or c.trade == trade:
            for day, hours in periods.spread(c.hours, [(c.start, c.end)]).items():
                out[day] += hours
    return dict(out)


def span(tenders: list[TenderSpec], days: dict[str, Daily]) -> tuple[date, date] | None:
    """The dates the tenders cover: their sites' windows and, when given, their execution dates."""
    found = [d for daily in days.values() for d in daily]
    for t in tenders:
        found += [d for d in (getattr(t, "execution_start", None), getattr(t, "execution_end", None)) if d]
    return (min(found), max(found)) if found else None


def committed_within(st: StructureSpec, trade: str, within: tuple[date, date] | None) -> float:
    """Hours a structure has committed in a trade within the tenders' dates (all of them when no date)."""
    days = committed_days(st, trade)
    if within is None:
        return sum(days.values())
    return sum(h for d, h in days.items() if within[0] <= d <= within[1])


@dataclass(frozen=True)
class Part:
    """One tender of the portfolio as the shared rows see it: its model and its sites' days."""

    model: Model
    days: dict[int, Daily]  # site index -> hours per working day
    years: float  # years of execution, over which its revenue is spread


def _outsourced(m: Model) -> dict[Any, pulp.LpVariable]:
    """Hours a member has others do that are no longer its own: staff put at its disposal or hours
    subcontracted (`z`) and, where the model has it, sous-traitance to SIAE outside the grouping (`w`)."""
    return {**m.z, **getattr(m, "w", {})}


def _own_terms(part: Part, member: str, trade: str) -> list[tuple[pulp.LpVariable, float]]:
    """A structure's hours in a trade in one tender: its sites' hours less what it has others do, plus
    the hours it does for a member (as intermédiaire or sous-traitant)."""
    m = part.model
    terms = [
        (m.x[k, member], m.elig.sites[k].hours)
        for k in m.elig.by_member.get(member, [])
        if m.elig.sites[k].trade == trade
    ]
    for arc, v in _outsourced(m).items():
        if arc.trade == trade and arc.member == member:
            terms.append((v, -1.0))
        elif arc.trade == trade and arc.to == member:
            terms.append((v, 1.0))
    return terms


def _revenue_terms(part: Part, member: str) -> list[tuple[pulp.LpVariable, float]]:
    """A member's revenue from one tender, as the tender's model counts it (`solver.model`): its sites'
    value less the value it subcontracts (paid to the sous-traitant)."""
    m = part.model
    terms = [(m.x[k, member], m.elig.sites[k].value_eur) for k in m.elig.by_member.get(member, [])]
    sub = getattr(m, "w", None)
    if sub is not None:  # sous-traitance paid directly by the buyer, at the lot's € per hour
        rates = getattr(m.elig, "lot_rate", {})
        terms += [(v, -rates[arc.lot]) for arc, v in sub.items() if arc.member == member]
    else:  # hours subcontracted to the intermédiaires, at the trade's € per hour
        terms += [(v, -m.elig.eur_per_hour[arc.trade]) for arc, v in m.z.items() if arc.member == member]
    return terms


def define_period_capacity(
    prob: pulp.LpProblem, parts: list[Part], structures: list[StructureSpec]
) -> list[tuple[str, str, str]]:
    """Capacity per period over every tender; returns the periods overbooked by commitments alone, as
    (structure, trade, period)."""
    overbooked = []
    for st in structures:
        for avail in st.availability or []:
            load: dict[str, list[tuple[pulp.LpVariable, float]]] = defaultdict(list)
            for part in parts:
                m = part.model
                for k in m.elig.by_member.get(st.id, []):
                    if m.elig.sites[k].trade != avail.trade or k not in part.days:
                        continue
                    for key, hours in periods.by_period(part.days[k], avail.per).items():
                        load[key].append((m.x[k, st.id], hours))
            committed = periods.by_period(committed_days(st, avail.trade), avail.per)
            for key, terms in sorted(load.items()):
                room = avail.hours_in(key) - committed.get(key, 0.0)
                if room < 0:
                    overbooked.append((st.id, avail.trade, key))
                if sum(h for _, h in terms) <= room + 1e-9:
                    continue
                prob += (
                    pulp.LpAffineExpression(terms) <= max(0.0, room),
                    f"period_capacity_{label(st.id)}_{label(avail.trade)}_{label(key)}",
                )
    return overbooked


def define_shared_capacity(prob: pulp.LpProblem, parts: list[Part], structures: list[StructureSpec]) -> None:
    """A structure's hours per trade over every tender (as member, intermédiaire or sous-traitant)
    within its capacity (already reduced by its commitments, see `solver.portfolio`)."""
    for st in structures:
        for trade, cap in st.capacities.items():
            terms = [t for p in parts for t in _own_terms(p, st.id, trade)]
            in_parts = [p for p in parts if any(True for _ in _own_terms(p, st.id, trade))]
            if len(in_parts) < 2:
                continue  # one tender: its own capacity rows hold
            if sum(h for _, h in terms if h > 0) > cap:
                prob += (
                    pulp.LpAffineExpression(terms) <= cap,
                    f"shared_capacity_{label(st.id)}_{label(trade)}",
                )


def yearly_revenue_cap(st: StructureSpec, max_dependence: float | None) -> float | None:
    """The most a structure may earn per year from the tenders together, or None (no cap).

    - `max_dependence` × annual turnover (none when the turnover is 0, not recorded);
    - an ACI with `annual_charges_eur` (Code du travail D5132-34): commercial revenue, what it already has
      plus the tenders', below `aci_cap_rate` (0.3 by default, at most 0.5) × its charges."""
    caps = []
    if max_dependence is not None and st.annual_turnover_eur > 0:
        caps.append(max_dependence * st.annual_turnover_eur)
    charges = getattr(st, "annual_charges_eur", None)
    if st.kind.value == "ACI" and charges is not None:
        rate = getattr(st, "aci_cap_rate", None) or 0.3
        caps.append(max(0.0, rate * charges - (getattr(st, "commercial_revenue_eur", None) or 0.0)))
    return min(caps) if caps else None


def define_shared_revenue(
    prob: pulp.LpProblem, parts: list[Part], structures: list[StructureSpec], max_dependence: float | None
) -> None:
    for st in structures:
        in_parts = [p for p in parts if st.id in p.model.elig.members]
        cap = yearly_revenue_cap(st, max_dependence)
        if cap is None or len(in_parts) < 2:
            continue
        terms = [(v, coef / p.years) for p in in_parts for v, coef in _revenue_terms(p, st.id)]
        prob += pulp.LpAffineExpression(terms) <= cap, f"shared_revenue_{label(st.id)}"
