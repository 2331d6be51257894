"""Where the public reference data lives, for the tests that compare the demo data with its source.

The public files are shipped with the repository in `scripts/data/` (sources and licences in its README).
"""

from __future__ import annotations

import csv
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCE_DATA = REPO / "scripts" / "data"
SOURCE = SOURCE_DATA / "seine-saint-denis"


def source_rows(name: str) -> list[dict[str, str]]:
    with (SOURCE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
