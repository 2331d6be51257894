"""JSON Schemas of the planning problem and of the plan, for back-offices.

`python -m solver.schema DIRECTORY` writes `planning-problem.schema.json`, `plan.schema.json`,
`portfolio.schema.json` and `portfolio-plan.schema.json` (several tenders planned together) there.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from solver.plan import Plan
from solver.portfolio_spec import PortfolioPlan, PortfolioProblem
from solver.problem import PlanningProblem


def problem_schema() -> dict[str, Any]:
    return PlanningProblem.model_json_schema()


def plan_schema() -> dict[str, Any]:
    return Plan.model_json_schema(by_alias=True, mode="serialization")


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    schemas = (
        ("planning-problem", problem_schema()),
        ("plan", plan_schema()),
        ("portfolio", portfolio_schema()),
        ("portfolio-plan", portfolio_plan_schema()),
    )
    for name, schema in schemas:
        path = directory / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def portfolio_schema() -> dict[str, Any]:
    return PortfolioProblem.model_json_schema()


def portfolio_plan_schema() -> dict[str, Any]:
    return PortfolioPlan.model_json_schema(by_alias=True, mode="serialization")


def field_errors(error: ValidationError) -> list[tuple[str, str]]:
    """Every bad field of an invalid problem, as (field path, reason), e.g. ("tender.lots.0.trade", ...)."""
    found = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or "problem"
        reason = item["msg"].removeprefix("Value error, ")
        found.append((path, reason))
    return found


if __name__ == "__main__":
    for written in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(written)
