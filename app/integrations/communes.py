"""The communes of Seine-Saint-Denis, to place a site or structure known only by its commune.

`communes_93.csv`: the 40 communes with postcodes, coordinates and EPT (INSEE COG and population
figures, Licence Ouverte; coordinates from the public dataset rcarlier/datas.fun; EPT membership from
the laws creating the Métropole du Grand Paris territories).
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    postcodes: tuple[str, ...]
    territory: str
    lat: float
    lon: float


@lru_cache(maxsize=4096)
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


@cache
def territories() -> frozenset[str]:
    return frozenset(c.territory for c in communes())


@cache
def _indexes() -> tuple[dict[str, Commune], dict[str, Commune], dict[str, list[Commune]]]:
    by_insee = {c.insee: c for c in communes()}
    by_name = {_key(c.name): c for c in communes()}
    by_postcode: dict[str, list[Commune]] = {}
    for c in communes():
        for postcode in c.postcodes:
            by_postcode.setdefault(postcode, []).append(c)
    return by_insee, by_name, by_postcode


def locate_commune(
    *, insee: str | None = None, postcode: str | None = None, name: str | None = None
) -> tuple[Commune, str] | tuple[None, None]:
    """The commune and what named it (`insee`, `locality` or `postcode`): the INSEE code first, then the
    name, then a postcode that one commune alone holds."""
    by_insee, by_name, by_postcode = _indexes()
    if insee and insee.strip() in by_insee:
        return by_insee[insee.strip()], "insee"
    if name and _key(name) in by_name:
        return by_name[_key(name)], "locality"
    if postcode:
        matches = by_postcode.get(postcode.strip(), [])
        if len(matches) == 1:
            return matches[0], "postcode"
    return None, None


def find_commune(
    *, insee: str | None = None, postcode: str | None = None, name: str | None = None
) -> Commune | None:
    """The commune named by its INSEE code, else by its name, else by a postcode it alone holds."""
    return locate_commune(insee=insee, postcode=postcode, name=name)[0]
