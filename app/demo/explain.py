"""The planner's result quality and its diagnostics, said in French to a coordinator.

The planner words its diagnostics in French already; the summary groups the routine ones (structures
the best grouping does without) into one sentence and leaves out those about structures the
coordinator excluded.
"""

from __future__ import annotations

from app.demo.french import number, pct
from solver.plan import Diagnostic, Plan

# Said once, in one sentence listing the structures, or not at all.
GROUPED = frozenset({"structure_not_selected_not_needed"})
# Left out: the coordinator excluded them.
SILENT = frozenset({"structure_not_selected_excluded"})


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


def sentence(d: Diagnostic) -> str:
    """A diagnostic as the planner words it, in French, naming the structure, site or lot."""
    return d.message


def shortfall(required: float, delivered: float) -> str:
    """The state of a lot's clause sociale."""
    if delivered + 0.5 >= required:
        return "atteinte"
    return f"manque {number(required - delivered)} h"
