"""API fixtures: keys per network and role, and bodies built from the Seine-Saint-Denis public data."""

from __future__ import annotations

import csv
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import ROOT

PAINTING = "peinture-revetement-des-murs"
CLEANING = "nettoyage-de-locaux-16"
# Source: Ministère de l'Éducation nationale, établissements d'enseignement, 2024 (Licence Ouverte), as
# shipped with the demo data (app/demo/data/README.md).
COLLEGES_CSV = ROOT / "app" / "demo" / "data" / "colleges_93.csv"

Headers = dict[str, str]


@pytest.fixture(autouse=True)
def _empty_after(db: Engine) -> None:
    """Every API test starts from and leaves an empty database."""


def structure_body(**overrides: Any) -> dict[str, Any]:
    # JADE, an ACI of La Courneuve (ASP list of SIAE, Marché de l'inclusion, 2021); turnover and
    # capacity are illustrative.
    body: dict[str, Any] = {
        "siret": "34980413800049",
        "name": "JADE",
        "kind": "ACI",
        "labels": ["regie-de-quartier"],
        "address": "145 Rue Rateau",
        "postcode": "93120",
        "commune_insee": "93027",
        "lat": 48.924896,
        "lon": 2.414678,
        "territory": "Plaine Commune",
        "annual_turnover_eur": 750000,
        "insertion_fte": 24.5,
        "can_lead": True,
        "max_distance_km": 25,
        "capacities": {PAINTING: 3000},
    }
    return body | overrides


def colleges() -> list[dict[str, Any]]:
    """The 130 public collèges of Seine-Saint-Denis as sites (hours and values are illustrative)."""
    with COLLEGES_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [
        {
            "id": row["uai"],
            "name": row["name"],
            "address": row["address"],
            "commune": row["commune"],
            "lat": float(row["lat"]),
            "lon": float(row["lon"]),
            "hours": 400 + 10 * (i % 7),
            "value_eur": 18000,
        }
        for i, row in enumerate(rows)
    ]


def tender_body(sites: list[dict[str, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reference": "CD93-2026-PEINT",
        "title": "Travaux de peinture dans les collèges",
        "buyer": "Conseil départemental de la Seine-Saint-Denis",
        "kind": "works",
        "cpv_codes": ["45442110-1"],
        "reserved": True,
        "insertion_hours": 5000,
        "deadline": "2026-03-02T12:00:00+01:00",
        "execution_start": "2026-07-01",
        "execution_end": "2027-06-30",
        "estimated_value_eur": 2340000,
        "lots": [
            {
                "id": "L1",
                "title": "Peinture des collèges",
                "trade": PAINTING,
                "cpv": "45442110-1",
                "sites": sites if sites is not None else colleges()[:3],
            }
        ],
    }
    return body | overrides
