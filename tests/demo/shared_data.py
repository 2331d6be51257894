"""Where the public reference data lives, for the tests that compare the demo data with its source."""

from __future__ import annotations

import csv
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("PLANNER_SHARED_DATA", REPO.parent / "shared" / "data"))
SOURCE = SHARED_DATA / "seine-saint-denis"


def source_rows(name: str) -> list[dict[str, str]]:
    path = SOURCE / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the demo data tests compare app/demo/data with the public source "
            "(set PLANNER_SHARED_DATA to the shared data directory)"
        )
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
