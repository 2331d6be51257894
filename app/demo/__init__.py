"""Seine-Saint-Denis demo: public data on collèges, SIAE and communes, and three planning scenarios.

`scenario(name)` returns a `PlanningProblem`; `scenario_record(name)` the same with the records a
database loader needs (buyer, CPV codes, SIRET, addresses, insertion FTE). Figures that are not public
are illustrative: see `data/README.md`.
"""

from app.demo.records import (
    ILLUSTRATIVE_NOTE,
    College,
    Commune,
    Scenario,
    StructureRecord,
    TenderRecord,
    colleges,
    communes,
    structure,
    structures,
)
from app.demo.scenarios import (
    BUYER,
    NETWORK_NAME,
    NETWORK_SLUG,
    SCENARIOS,
    scenario,
    scenario_record,
)

__all__ = [
    "BUYER",
    "ILLUSTRATIVE_NOTE",
    "NETWORK_NAME",
    "NETWORK_SLUG",
    "SCENARIOS",
    "College",
    "Commune",
    "Scenario",
    "StructureRecord",
    "TenderRecord",
    "colleges",
    "communes",
    "scenario",
    "scenario_record",
    "structure",
    "structures",
]
