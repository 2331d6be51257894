"""The planner's diagnostics, in the words of a coordinator: why a structure is out, why a site is not
covered, what the plan could not do."""

from __future__ import annotations

from typing import Any

LEFT_OUT = {
    "structure_not_selected_excluded": "écartée par les options du plan (non invitée ou exclue)",
    "structure_not_selected_kind": "son type de structure ne peut pas répondre à ce marché (lot réservé)",
    "structure_not_selected_trade": "aucune capacité déclarée dans les métiers du marché",
    "structure_not_selected_distance": "aucun site du marché à sa portée (distance maximale d'intervention)",
    "structure_not_selected_not_needed": (
        "pourrait participer, mais le groupement s'en passe : d'autres sont plus proches, moins de "
        "membres suffisent, ou elle déséquilibrerait le partage"
    ),
}
UNCOVERED = {
    "site_uncovered_capacity_exhausted": (
        "les structures qui ont ce métier à portée de ce site n'ont plus d'heures disponibles"
    ),
    "site_uncovered_no_structure_in_reach": "aucune structure ayant ce métier n'est à portée de ce site",
}
OTHER = {
    "no_possible_mandataire": "Aucune structure invitée ne peut être mandataire d'un groupement.",
    "rules_infeasible": "Les règles du réseau ne peuvent pas être toutes respectées ensemble.",
    "required_structure_without_site": "Une structure imposée n'a aucun site à sa portée.",
    "required_structure_not_possible": "Une structure imposée ne peut pas faire partie du groupement.",
    "fewer_alternatives": "Le moteur a trouvé moins de groupements différents que demandé.",
    "solver_error": "Le moteur de calcul a échoué.",
}


def left_out_reason(code: str | None) -> str:
    return LEFT_OUT.get(code or "", LEFT_OUT["structure_not_selected_not_needed"])


def uncovered_reason(code: str | None) -> str:
    return UNCOVERED.get(code or "", "aucun membre du groupement ne peut le prendre en charge")


def other_notes(diagnostics: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Diagnostics about the plan as a whole, in French (`lang` says when only the original exists)."""
    notes = []
    for d in diagnostics:
        code = d.get("code", "")
        if d.get("structure") or d.get("site") or code in LEFT_OUT or code in UNCOVERED:
            continue
        if code == "territory_without_member":
            message = str(d.get("message", ""))
            territory = message.removeprefix("Territory ").split(" has sites")[0]
            notes.append(
                {
                    "text": f"Le territoire {territory} a des sites mais aucun membre n'y est basé.",
                    "lang": "fr",
                }
            )
        elif code in OTHER:
            notes.append({"text": OTHER[code], "lang": "fr"})
        else:
            notes.append({"text": str(d.get("message", code)), "lang": "en"})
    return notes
