"""OCDS packages and tenders shared by the OCDS tests."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any


def example_package() -> dict[str, Any]:
    """The OCDS example shipped with the schemas (a buyer's package: quantities in m²)."""
    text = resources.files("app.integrations").joinpath("schemas", "example-release-package.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


def package_with_hours() -> dict[str, Any]:
    """The example with each item's workload in hours, as the planner needs it."""
    package = copy.deepcopy(example_package())
    items = package["releases"][0]["tender"]["items"]
    items[0].update(
        quantity=420,
        unit={"scheme": "UNCEFACT", "id": "HUR", "name": "hours", "value": {"amount": 40, "currency": "EUR"}},
    )
    items[1].update(
        quantity=300.5, unit={"id": "HUR", "name": "heures", "value": {"amount": 45.5, "currency": "EUR"}}
    )
    return package


TENDER: dict[str, Any] = {
    "reference": "CD93-2026-PEINT",
    "title": "Peinture des collèges",
    "buyer": "Département de la Seine-Saint-Denis",
    "kind": "works",
    "cpv_codes": ["45442110-1", "90911200-8"],
    "deadline": "2026-04-02T12:00:00+02:00",
    "estimated_value_eur": 40000.0,
    "lots": [
        {
            "id": "L1",
            "title": "Est",
            "trade": "peinture-revetement-des-murs",
            "cpv": "45442110-1",
            "sites": [
                {
                    "id": "0931713G",
                    "name": "Collège Lavoisier",
                    "address": "1 rue de la Paix",
                    "commune": "Montreuil",
                    "lat": 48.889,
                    "lon": 2.42,
                    "territory": "Est Ensemble",
                    "hours": 420,
                    "value_eur": 18000,
                },
                {
                    "id": "0930001A",
                    "name": "Collège Jean Jaurès",
                    "commune": "Pantin",
                    "lat": 48.894,
                    "lon": 2.409,
                    "territory": "Est Ensemble",
                    "hours": 333.3,
                    "value_eur": 14999.99,
                },
            ],
        },
        {
            "id": "L2",
            "title": "Nord",
            "trade": "nettoyage-de-locaux-16",
            "cpv": "90911200-8",
            "sites": [
                {
                    "id": "0932000B",
                    "name": "Collège Nord",
                    "commune": "Saint-Denis",
                    "lat": 48.93,
                    "lon": 2.36,
                    "territory": "Plaine Commune",
                    "hours": 100,
                    "value_eur": 3500,
                }
            ],
        },
    ],
}
