"""Synthetic repainting tenders and structures in Seine-Saint-Denis, as the API takes them.

Coordinates fall in the département's bounding box; figures (hours, turnover, capacities) are
illustrative, drawn from a seeded generator so that every run builds the same data.
"""

from __future__ import annotations

import random
from typing import Any

from stdnum import luhn

TRADE = "peinture-revetement-des-murs"
TERRITORIES = ["Plaine Commune", "Est Ensemble", "Paris Terres d'Envol", "Grand Paris - Grand Est"]
_LAT = (48.85, 48.98)
_LON = (2.28, 2.60)


def siret(rng: random.Random) -> str:
    # Both the SIREN (9 digits) and the whole SIRET carry a Luhn check digit.
    siren = "".join(str(rng.randint(0, 9)) for _ in range(8))
    siren += luhn.calc_check_digit(siren)
    body = siren + "".join(str(rng.randint(0, 9)) for _ in range(4))
    return body + luhn.calc_check_digit(body)


def _point(rng: random.Random) -> tuple[float, float]:
    return round(rng.uniform(*_LAT), 5), round(rng.uniform(*_LON), 5)


def tender(sites: int, *, reference: str = "CD93-PEINT", seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    items = []
    for index in range(sites):
        lat, lon = _point(rng)
        hours = rng.choice([120, 180, 240, 300, 420])
        items.append(
            {
                "id": f"093{index:04d}X",
                "name": f"Collège {index + 1}",
                "lat": lat,
                "lon": lon,
                "territory": TERRITORIES[index % len(TERRITORIES)],
                "hours": hours,
                "value_eur": hours * 45,
            }
        )
    return {
        "reference": reference,
        "title": "Remise en peinture des collèges",
        "kind": "works",
        "lots": [{"id": "L1", "title": "Peinture", "trade": TRADE, "sites": items}],
    }


def structures(
    co_contractors: int, intermediaries: int, *, total_hours: float, seed: int = 2
) -> list[dict[str, Any]]:
    """Co-contractors (EI, ACI) whose capacities cover `total_hours` about 1.6 times, plus AI."""
    rng = random.Random(seed)
    out = []
    for index in range(co_contractors):
        lat, lon = _point(rng)
        capacity = round(1.6 * total_hours / co_contractors * rng.uniform(0.6, 1.4))
        out.append(
            {
                "siret": siret(rng),
                "name": f"Entreprise {index + 1}",
                "kind": "EI" if index % 3 else "ACI",
                "lat": lat,
                "lon": lon,
                "territory": TERRITORIES[index % len(TERRITORIES)],
                "annual_turnover_eur": round(capacity * 45 * rng.uniform(2.5, 6)),
                "can_lead": index % 3 == 1,
                "max_distance_km": 30,
                "capacities": {TRADE: capacity},
            }
        )
    for index in range(intermediaries):
        lat, lon = _point(rng)
        out.append(
            {
                "siret": siret(rng),
                "name": f"Association intermédiaire {index + 1}",
                "kind": "AI",
                "lat": lat,
                "lon": lon,
                "territory": TERRITORIES[index % len(TERRITORIES)],
                "annual_turnover_eur": 400000,
                "max_distance_km": 30,
                "capacities": {TRADE: round(total_hours / 10)},
            }
        )
    return out


def seed_scale(seed: int = 1) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The seed's scale: the 130 collèges, about 20 co-contractors and the 5 AI."""
    body = tender(130, seed=seed)
    total = sum(site["hours"] for lot in body["lots"] for site in lot["sites"])
    return body, structures(20, 5, total_hours=total, seed=seed + 100)
