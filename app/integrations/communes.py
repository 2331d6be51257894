"""The communes of Seine-Saint-Denis, to place a site or structure known only by its commune.

`communes_93.csv`: the 40 communes with postcodes, coordinates and EPT (INSEE COG and population
figures, Licence Ouverte; coordinates from the public dataset rcarlier/datas.fun; EPT membership from
the laws creating the Métropole du Grand Paris territories).
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    postcodes: tuple[str, ...]
    territory: str
    lat: float
    lon: float


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in text if ch.isalnum())


@cache
def communes() -> tuple[Commune, ...]:
    text = resources.files(__package__).joinpath("communes_93.csv").read_text(encoding="utf-8")
    return tuple(
        Commune(
            row["insee"],
            row["name"],
            tuple(row["postcodes"].split("|")),
            row["ept"],
            float(row["lat"]),
            float(row["lon"]),
        )
        for row in csv.DictReader(text.splitlines())
    )


def territories() -> frozenset[str]:
    return frozenset(c.territory for c in communes())


def find_commune(
    *, insee: str | None = None, postcode: str | None = None, name: str | None = None
) -> Commune | None:
    """The commune named by its INSEE code, else by its name, else by a postcode it alone holds."""
    if insee:
        for c in communes():
            if c.insee == insee.strip():
                return c
    if name:
        key = _key(name)
        for c in communes():
            if _key(c.name) == key:
                return c
    if postcode:
        matches = [c for c in communes() if postcode.strip() in c.postcodes]
        if len(matches) == 1:
            return matches[0]
    return None
