"""The planning options in plain words, and their presets.

"Pratique du réseau" is the demo's practice for the collèges' painting: proximity and a fair split
weigh the same, the number of members does not count, the intermédiaires' hours are encouraged, at
least one member per territory, three groupings to compare.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from app.web import forms

PRESETS: dict[str, dict[str, Any]] = {
    "reseau": {
        "label": "Pratique du réseau",
        "help": "proximité et partage équitable à parts égales, nombre de membres libre, travail confié "
        "aux AI et ETTI encouragé, un membre au moins dans chaque territoire",
        "weights": {"distance": 1.0, "balance": 1.0, "members": 0.0, "staffing": 0.5},
        "territorial_presence": True,
        "max_subcontracting_share": 0.3,
    },
    "proximite": {
        "label": "Au plus près",
        "help": "les sites vont d'abord aux structures les plus proches",
        "weights": {"distance": 3.0, "balance": 0.5, "members": 0.5, "staffing": 0.0},
    },
    "equilibre": {
        "label": "Partage équitable",
        "help": "chaque membre reçoit une charge en rapport avec ses capacités",
        "weights": {"distance": 1.0, "balance": 3.0, "members": 0.0, "staffing": 0.0},
    },
    "resserre": {
        "label": "Groupement resserré",
        "help": "le moins de membres possible, pour une coordination plus simple",
        "weights": {"distance": 1.0, "balance": 0.5, "members": 3.0, "staffing": 0.0},
    },
}
DEFAULTS: dict[str, Any] = {
    "preset": "reseau",
    "alternatives": 3,
    "time_limit_s": 30,
    "max_members": None,
    "max_subcontracting_share": 0.3,
    "territorial_presence": True,
    "groupement_form": "conjoint_mandataire_solidaire",
    "weights": PRESETS["reseau"]["weights"],
}


def options_from_form(form: FormData, structure_ids: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The options body (as `POST /tenders/{id}/plans` takes it) and the values to show back."""
    preset = forms.text(form, "preset")
    if preset in PRESETS:
        chosen = PRESETS[preset]
        weights = dict(chosen["weights"])
    else:
        preset = "personnalise"
        weights = {
            k: forms.number_field(form, f"w_{k}") for k in ("distance", "balance", "members", "staffing")
        }
        weights = {k: (0.0 if v is None else v) for k, v in weights.items()}
    share = forms.number_field(form, "max_subcontracting_share")
    invited = set(form.getlist("invited"))
    options: dict[str, Any] = {
        "alternatives": forms.number_field(form, "alternatives") or 1,
        "time_limit_s": forms.number_field(form, "time_limit_s") or 30,
        "max_members": forms.number_field(form, "max_members"),
        "territorial_presence": forms.checked(form, "territorial_presence"),
        # Shown in percent; text that is no number goes through, for validation to name the field.
        "max_subcontracting_share": share / 100 if isinstance(share, float) else share,
        "excluded": [s for s in structure_ids if s not in invited],
        "weights": dict(weights),
    }
    if forms.text(form, "groupement_form"):
        options["groupement_form"] = forms.text(form, "groupement_form")
    values = options | {"preset": preset, "weights": weights, "invited": invited}
    return forms.drop_none(options), values
