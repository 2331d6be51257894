"""A map of sites and members' bases over the communes of Seine-Saint-Denis, drawn as SVG on the server.

The outlines (`data/communes-93.geojson`, IGN Admin Express via france-geojson, Licence Ouverte) are
projected equirectangularly around the area's mean latitude: at this scale (30 km) the distortion is
below what a reader sees, and no projection library is needed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from markupsafe import Markup

WIDTH = 800.0
MARGIN = 12.0
# Distinct colours readable against the pale communes (each with a dark outline on the map).
PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
)  # fmt: skip
UNCOVERED = "#ffffff"


@dataclass(frozen=True)
class Point:
    id: str
    label: str
    lat: float
    lon: float
    colour: str


@cache
def communes() -> list[dict[str, Any]]:
    text = resources.files(__package__).joinpath("data/communes-93.geojson").read_text(encoding="utf-8")
    features: list[dict[str, Any]] = json.loads(text)["features"]
    return features


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


class _Projection:
    def __init__(self, lons: list[float], lats: list[float]) -> None:
        self.west, self.east = min(lons), max(lons)
        self.south, self.north = min(lats), max(lats)
        self.kx = math.cos(math.radians((self.south + self.north) / 2))
        span = max((self.east - self.west) * self.kx, 1e-6)
        self.scale = (WIDTH - 2 * MARGIN) / span
        self.height = (self.north - self.south) * self.scale + 2 * MARGIN

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            MARGIN + (lon - self.west) * self.kx * self.scale,
            MARGIN + (self.north - lat) * self.scale,
        )


def colour_of(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def draw(sites: list[Point], bases: list[Point], title: str, description: str) -> Markup:
    """The SVG: one path per commune, one circle per site, one square per member's base."""
    outlines = communes()
    lons = [p[0] for f in outlines for ring in _rings(f["geometry"]) for p in ring]
    lats = [p[1] for f in outlines for ring in _rings(f["geometry"]) for p in ring]
    # Sites or bases outside the département widen the frame rather than fall off the map.
    lons += [p.lon for p in (*sites, *bases)]
    lats += [p.lat for p in (*sites, *bases)]
    proj = _Projection(lons, lats)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {proj.height:.0f}" '
        'role="img" aria-labelledby="carte-titre carte-desc" class="carte">',
        f'<title id="carte-titre">{escape(title)}</title>',
        f'<desc id="carte-desc">{escape(description)}</desc>',
        '<g class="communes" fill="#e9ebef" stroke="#8a8f99" stroke-width="0.8">',
    ]
    for feature in outlines:
        d = " ".join(
            "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in (proj.xy(lon, lat) for lon, lat, *_ in ring)) + "Z"
            for ring in _rings(feature["geometry"])
        )
        props = feature["properties"]
        out.append(
            f'<path class="commune" data-insee="{escape(str(props.get("code", "")))}" d="{d}">'
            f"<title>{escape(str(props.get('nom', '')))}</title></path>"
        )
    out.append("</g>")
    out.append('<g class="sites" stroke="#1b1b1b" stroke-width="1.2">')
    for site in sites:
        x, y = proj.xy(site.lon, site.lat)
        dash = ' stroke-dasharray="2 1.5"' if site.colour == UNCOVERED else ""
        out.append(
            f'<circle class="site" data-site="{escape(site.id)}" cx="{x:.1f}" cy="{y:.1f}" r="5" '
            f'fill="{site.colour}"{dash}><title>{escape(site.label)}</title></circle>'
        )
    out.append("</g>")
    out.append('<g class="bases" stroke="#1b1b1b" stroke-width="1.5">')
    for base in bases:
        x, y = proj.xy(base.lon, base.lat)
        out.append(
            f'<rect class="base" data-structure="{escape(base.id)}" x="{x - 7:.1f}" y="{y - 7:.1f}" '
            f'width="14" height="14" fill="{base.colour}">'
            f"<title>{escape(base.label)}</title></rect>"
        )
    out.append("</g></svg>")
    return Markup("\n".join(out))
