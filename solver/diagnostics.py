"""Diagnostics in a coordinator's words, in French: why a site is uncovered, why a structure is left
out, why a lot's clause sociale is not met, what a re-plan after the award changed.

Codes are stable (English, for back-offices); messages name the site, lot or structure.
"""

from __future__ import annotations

import math

from solver.eligibility import Eligibility, SiteItem
from solver.geo import haversine_km
from solver.model import after_award_members
from solver.plan import Diagnostic, Grouping


def hours(value: float) -> str:
    """French number format: 12 000,5 h."""
    text = f"{value:,.1f}".replace(",", " ").replace(".", ",").removesuffix(",0")
    return f"{text} h"


def km(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " km"


def no_possible_mandataire(elig: Eligibility) -> Diagnostic:
    able = [st for st in elig.problem.structures if st.can_lead]
    if not able:
        why = "aucune structure n'est marquée comme pouvant être mandataire (can_lead)"
    else:
        names = ", ".join(st.name or st.id for st in able[:5])
        why = (
            f"les structures pouvant être mandataires ({names}) ne peuvent pas être cotraitantes ici "
            "(type, métier, distance, lot réservé ou exclusion)"
        )
        if _after_award(elig):
            why += (
                " ; après l'attribution, seul un membre restant du groupement peut reprendre ce rôle "
                "(CCP R2142-26)"
            )
    return Diagnostic(
        code="no_possible_mandataire",
        message=f"Aucun mandataire possible : {why}. Un groupement a besoin d'un membre capable de le "
        "représenter devant l'acheteur.",
    )


def _after_award(elig: Eligibility) -> bool:
    b = elig.problem.options.baseline
    return b is not None and b.mode == "after_award"


def mandataire_candidates(elig: Eligibility) -> list[str]:
    """Structures able to lead that may be members (after the award: of the accepted grouping)."""
    required = set(elig.problem.options.required)
    frozen = after_award_members(elig)
    return [
        e
        for e, st in elig.members.items()
        if st.can_lead
        and (e in elig.by_member or e in required)
        and (frozen is None or elig.entity_of(e) in frozen)
    ]


def before_solving(elig: Eligibility) -> list[Diagnostic]:
    found = []
    for e in elig.problem.options.required:
        if e in elig.members and e not in elig.by_member:
            found.append(
                Diagnostic(
                    code="required_structure_without_site",
                    structure=e,
                    message=f"{_name(elig, e)} est imposée mais aucun site du marché n'est à sa portée : "
                    "elle serait membre sans site.",
                )
            )
        elif e not in elig.members:
            _, why = elig.leave_reasons[e]
            found.append(
                Diagnostic(
                    code="required_structure_not_possible", structure=e, message=f"Imposée, mais : {why}"
                )
            )
    return found


def infeasible(elig: Eligibility) -> Diagnostic:
    o = elig.problem.options
    rules = [f"au plus {o.max_members} membres"] if o.max_members else []
    if o.required:
        rules.append(f"membres imposés {', '.join(o.required)}")
    if o.min_member_share > 0:
        rules.append(f"part de chaque membre d'au moins {o.min_member_share:.0%}".replace("%", " %"))
    if o.max_dependence is not None:
        rules.append("plafond de dépendance à ce marché (part du chiffre d'affaires annuel)")
    if _after_award(elig):
        rules.append("composition figée après l'attribution (CCP R2142-26)")
    return Diagnostic(
        code="rules_infeasible",
        message="Aucun groupement ne respecte toutes les règles ensemble : "
        + " ; ".join(rules or ["un mandataire"])
        + ".",
    )


def _name(elig: Eligibility, structure_id: str) -> str:
    for st in elig.problem.structures:
        if st.id == structure_id:
            return st.name or st.id
    return structure_id


def _uncovered(elig: Eligibility, site: SiteItem) -> Diagnostic:
    if elig.by_site[site.index]:
        n = len(elig.by_site[site.index])
        return Diagnostic(
            code="site_uncovered_capacity_exhausted",
            site=site.id,
            lot=site.lot,
            message=f"Site {site.id} non couvert : les {n} structure(s) à portée qui ont le métier "
            f"{site.trade} n'ont plus de capacité (ou sont retenues par les plafonds de membres, de part "
            "ou de dépendance, ou la composition figée après l'attribution).",
        )
    holders = [st for st in elig.members.values() if st.capacities.get(site.trade, 0.0) > 0] + [
        st
        for st in elig.problem.structures
        if st.capacities.get(site.trade, 0.0) > 0
        and elig.leave_reasons.get(st.id, ("",))[0].endswith("distance")
    ]
    if holders:
        nearest = min(holders, key=lambda st: haversine_km(site.lat, site.lon, st.lat, st.lon))
        d = haversine_km(site.lat, site.lon, nearest.lat, nearest.lon)
        reach = nearest.max_distance_km if nearest.max_distance_km is not None else math.inf
        limit = min(reach, elig.problem.options.max_distance_km or math.inf)
        detail = (
            f"la plus proche, {nearest.name or nearest.id}, est à {km(d)} et intervient à {limit:g} km "
            "au plus"
        )
    else:
        detail = "aucun cotraitant possible n'a ce métier dans ce lot (type ou réservation du lot)"
    return Diagnostic(
        code="site_uncovered_no_structure_in_reach",
        site=site.id,
        lot=site.lot,
        message=f"Site {site.id} non couvert : aucune structure ayant le métier {site.trade} n'est à "
        f"portée ({detail}).",
    )


def unreachable_sites(elig: Eligibility) -> list[Diagnostic]:
    """Sites no possible co-traitant can reach, whatever the grouping."""
    return [_uncovered(elig, s) for s in elig.sites if not elig.by_site[s.index]]


def insertion_shortfalls(elig: Eligibility, best: Grouping) -> list[Diagnostic]:
    """A lot whose clause sociale is not met, reported like an uncovered site."""
    found = []
    for line in best.insertion:
        missing = line.required - line.delivered
        if missing <= 1e-6 * max(1.0, line.required):
            continue
        found.append(
            Diagnostic(
                code="insertion_shortfall",
                lot=line.lot,
                message=f"Lot {line.lot} : clause sociale de {hours(line.required)} d'insertion, "
                f"{hours(line.delivered)} réalisées, il manque {hours(missing)}. Les membres à portée "
                "(heures propres × taux d'insertion) et le personnel mis à disposition par les AI/ETTI "
                "ne suffisent pas : ajouter une structure d'insertion, une mise à disposition, ou revoir "
                "la clause avec l'acheteur.",
            )
        )
    return found


def after_award(elig: Eligibility, best: Grouping) -> list[Diagnostic]:
    """What a re-plan after the award did (CCP R2142-26: the grouping's composition is frozen)."""
    b = elig.problem.options.baseline
    if b is None or b.mode != "after_award":
        return []
    found = []
    withdrawn = [e for e in b.withdrawn if e in b.accepted()]
    receivers = sorted({m.to for m in best.moved if m.to is not None})
    for e in withdrawn:
        sites = [m.site for m in best.moved if m.from_ == e]
        to = ", ".join(_name(elig, r) for r in receivers) or "aucun membre"
        found.append(
            Diagnostic(
                code="replan_after_award_withdrawal",
                structure=e,
                message=f"Après l'attribution, {_name(elig, e)} se retire : aucun nouveau membre n'entre "
                f"(CCP R2142-26) ; ses {len(sites)} site(s) passent aux membres restants ({to}) ou au "
                "personnel mis à leur disposition.",
            )
        )
    if b.mandataire is not None and b.mandataire in withdrawn:
        found.append(
            Diagnostic(
                code="replan_after_award_mandataire",
                structure=best.mandataire,
                message=f"Le mandataire {_name(elig, b.mandataire)} s'est retiré : "
                f"{_name(elig, best.mandataire)}, membre restant pouvant représenter le groupement, le "
                "remplace (CCP R2142-26 ; l'acheteur doit l'accepter).",
            )
        )
    return found


def after_solving(
    elig: Eligibility, best: Grouping, missing_territories: list[str], skipped: list[str]
) -> list[Diagnostic]:
    found = [_uncovered(elig, elig.sites[k]) for k, s in enumerate(elig.sites) if s.id in set(best.uncovered)]
    found += insertion_shortfalls(elig, best)
    found += after_award(elig, best)
    in_plan = (
        {e for m in best.members for e in [m.structure, *m.structures]}
        | {line.from_ for line in best.staffing}
        | {sc.to for sc in best.subcontracts}
    )
    frozen_out = _after_award(elig)
    for st in elig.problem.structures:
        if st.id in in_plan:
            continue
        name = st.name or st.id
        if st.id in elig.leave_reasons:
            code, message = elig.leave_reasons[st.id]
        elif st.id in elig.intermediaries:
            code, message = (
                "structure_not_selected_not_needed",
                f"{name} ({st.kind.value}, mise à disposition) ne met personne à disposition dans le "
                "meilleur groupement.",
            )
        elif frozen_out and st.id in elig.members:
            code, message = (
                "structure_not_selected_after_award",
                f"{name} ne faisait pas partie du groupement retenu : après l'attribution, aucun nouveau "
                "membre ne peut entrer (CCP R2142-26).",
            )
        else:
            code, message = (
                "structure_not_selected_not_needed",
                f"{name} pourrait participer mais le meilleur groupement s'en passe (d'autres sont plus "
                "proches, il faut moins de membres, ou elle déséquilibrerait la répartition).",
            )
        found.append(Diagnostic(code=code, structure=st.id, message=message))
    for territory in missing_territories:
        why = (
            "aucun membre possible n'y est implanté"
            if territory in skipped
            else "aucun groupement respectant les autres règles n'a de membre implanté là"
        )
        found.append(
            Diagnostic(
                code="territory_without_member",
                message=f"Le territoire {territory} a des sites mais aucun membre du groupement n'y est "
                f"implanté : {why}.",
            )
        )
    return found
