"""The planner's diagnostics and result quality, said in French to a coordinator.

A diagnostic's code is stable; its sentence here names the structure or site by its name. A code this
module does not know yet is shown with the planner's own message.
"""

from __future__ import annotations

from collections.abc import Callable

from app.demo.french import number, pct, plural
from solver.plan import Diagnostic, Plan

# Said once, in one sentence listing the structures, or not at all.
GROUPED = frozenset({"structure_not_selected_not_needed"})
# Left out (the coordinator excluded them), or said by the report from the plan itself.
SILENT = frozenset({"structure_not_selected_excluded", "territory_without_member"})


def quality(plan: Plan, gap_rel: float) -> str:
    """How good the best grouping is, in words: proven best, or how far from the best at most."""
    gap = plan.solver.gap
    if plan.status == "optimal" or (gap is not None and gap <= gap_rel):
        return "meilleur groupement prouvé"
    if plan.status in ("feasible", "timeout") and gap is not None:
        return (
            f"au plus {pct(gap)} d'écart avec le meilleur groupement possible "
            "(le temps de calcul accordé est écoulé)"
        )
    if plan.status in ("feasible", "timeout"):
        return "groupement valable, sans mesure de l'écart au meilleur possible"
    if plan.status == "infeasible":
        return "aucun groupement ne respecte toutes les règles"
    return "le calcul a échoué"


Namer = Callable[[str | None], str]


def sentence(d: Diagnostic, structure: Namer, site: Namer, alternatives: int) -> str:
    """One diagnostic as a French sentence."""
    who, where = structure(d.structure), site(d.site)
    known: dict[str, str] = {
        "structure_not_selected_kind": f"{who} ne peut pas être co-traitant de ce marché (type de "
        "structure, ou lot réservé à d'autres structures).",
        "structure_not_selected_trade": f"{who} n'exerce aucun des métiers demandés.",
        "structure_not_selected_distance": f"{who} n'a aucun site dans son rayon d'intervention.",
        "site_uncovered_capacity_exhausted": f"Site {where} non couvert : les structures à portée qui "
        "exercent le métier n'ont plus d'heures disponibles (ou les plafonds du groupement les retiennent).",
        "site_uncovered_no_structure_in_reach": f"Site {where} non couvert : aucune structure exerçant "
        "le métier n'intervient jusque-là.",
        "no_possible_mandataire": "Aucun mandataire possible : aucune structure capable de porter le "
        "groupement devant l'acheteur ne peut y participer.",
        "rules_infeasible": "Aucun groupement ne respecte toutes les règles ensemble (nombre de membres, "
        "membres imposés, part minimale, plafonds de dépendance, règle des ACI, clause sociale).",
        "required_structure_without_site": f"{who} est imposé(e) mais aucun site n'est à sa portée.",
        "required_structure_not_possible": f"{who} est imposé(e) mais ne peut pas participer.",
        "solver_error": "Le calcul a échoué ; le détail est dans le journal du service.",
        "fewer_alternatives": f"Seuls {plural(alternatives, 'groupement distinct', 'groupements distincts')}"
        " respectent les règles.",
    }
    if d.code in known:
        return known[d.code]
    return f"{d.message} [{d.code}]"


def shortfall(required: float, delivered: float) -> str:
    """The state of a lot's clause sociale."""
    if delivered + 0.5 >= required:
        return "atteinte"
    return f"manque {number(required - delivered)} h"
