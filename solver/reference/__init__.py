"""Reference vocabularies the planning problem is checked against.

`sectors.csv`: the 154 sectors (20 groups) of the Marché de l'inclusion's taxonomy, the trade vocabulary
of the planner, so that a network's data matches the national directory. Source: gip-inclusion/le-marche
fixtures (public data).

`vacances_scolaires_zone_c.csv`: the school holidays of zone C, read by `solver.periods`; sources and
licences of both files in `README.md` beside them.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def sectors() -> dict[str, tuple[str, str]]:
    """Sector slug -> (name, group name)."""
    text = resources.files(__package__).joinpath("sectors.csv").read_text(encoding="utf-8")
    return {row["slug"]: (row["name"], row["group"]) for row in csv.DictReader(text.splitlines())}


def sector_slugs() -> frozenset[str]:
    return frozenset(sectors())
