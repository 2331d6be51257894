"""`planner solve` on a portfolio file: every tender's plan on stdout, the load calendar on stderr; a bad
file gives one line naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from solver.schema import portfolio_plan_schema, portfolio_schema
from tests.solver.reference import site
from tests.solver.test_cli import app
from tests.solver.test_portfolio import JULY, painters, tender


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "portfolio.json"
    path.write_text(json.dumps(data))
    return path


def test_a_portfolio_file_gives_each_tenders_plan_and_the_load_calendar(tmp_path: Path) -> None:
    data = {
        "reference": "INSERECO93-2026",
        "tenders": [
            tender("PEINT-A", [site("A1", 48.90, 2.41, 100)], JULY),
            tender("PEINT-B", [site("B1", 48.90, 2.39, 100)], JULY),
        ],
        "structures": painters(),
    }
    done = CliRunner().invoke(app, ["solve", str(write(tmp_path, data))])
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert out["status"] == "optimal"
    assert [t["reference"] for t in out["tenders"]] == ["PEINT-A", "PEINT-B"]
    near = [row for row in out["calendar"] if row["structure"] == "Near"]
    assert near == [
        {
            "structure": "Near",
            "period": "2026-07",
            "capacity": 150.0,
            "committed": 0.0,
            "planned": 100.0,
            # B1 is Near's; A1, 0.02° nearer to Far than B1, goes to Far
            "tenders": {"PEINT-B": 100.0},
        }
    ]
    assert "Calendrier de charge" in done.stderr
    assert "100 / 150" in done.stderr  # Near's July: 100 h planned of 150
    assert "juil. 2026" in done.stderr


def test_a_named_period_beyond_the_calendar_gives_one_line(tmp_path: Path) -> None:
    data = {
        "reference": "Y",
        "tenders": [tender("A", [site("A1", 48.90, 2.41, 100)], [{"period": "ete-2027"}])],
        "structures": painters(),
    }
    done = CliRunner().invoke(app, ["solve", str(write(tmp_path, data))])
    assert done.exit_code == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "portefeuille invalide" in lines[0]
    assert "tenders.0.tender.lots.0.windows.0" in lines[0]
    assert "'ete-2027' is beyond the school calendar shipped" in lines[0]


def test_the_portfolio_file_and_its_answer_follow_their_schemas(tmp_path: Path) -> None:
    data = {
        "reference": "Y",
        "tenders": [tender("A", [site("A1", 48.90, 2.41, 100)], [{"period": "ete-2026"}])],
        "structures": painters(),
    }
    jsonschema.validate(data, portfolio_schema())
    done = CliRunner().invoke(app, ["solve", str(write(tmp_path, data))])
    assert done.exit_code == 0, done.output
    jsonschema.validate(json.loads(done.stdout), portfolio_plan_schema())
    wrong = {**data, "tenders": [{"tender": {"reference": "A"}}]}
    with pytest.raises(jsonschema.ValidationError, match="is a required property"):
        jsonschema.validate(wrong, portfolio_schema())
