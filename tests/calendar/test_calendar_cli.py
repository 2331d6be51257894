"""`planner load-calendar`: the same calendar as the API, as tables in French within 100 columns."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import Settings
from tests.calendar.conftest import Year
from tests.plans.conftest import Headers

runner = CliRunner()


def test_the_calendar_printed_in_tables_of_four_months(settings: Settings, year: Year) -> None:
    result = runner.invoke(
        cli,
        ["load-calendar", "--network", "inser-eco93", "--from", "2026-06", "--to", "2026-09"],
        env={"DATABASE_URL": settings.database_url, "COLUMNS": "100"},
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    text = result.stdout
    assert "juin 2026 – sept. 2026" in text and "juil. 2026" in text
    # Saint-Denis: 95 h committed of 150 in July, 100 in August; Montreuil: 120 h planned against
    # 1 000 ÷ 12 = 83 h in September, over its capacity (!), its capacity being yearly (¹).
    saint_denis = next(line for line in lines if "Peinture Saint-Denis" in line)
    assert "95 / 150" in saint_denis and "100 / 150" in saint_denis
    montreuil = next(line for line in lines if "Peinture Montreuil ¹" in line)
    assert "120 / 83 !" in montreuil
    summer = next(line for line in lines if "CD93-ETE" in line)
    assert "engagé" in summer and "06/07/2026" in summer and "juil. 2026 – août 2026" in summer
    assert "planifié" in next(line for line in lines if "CD93-SEPT" in line)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--network", "inser-eco39"], "réseau inconnu 'inser-eco39'"),
        (["--network", "inser-eco93", "--from", "2026-7"], "--from : un mois s'écrit AAAA-MM"),
        (["--network", "inser-eco93", "--from", "2026-09", "--to", "2026-06"], "précède le premier"),
        (["--network", "inser-eco93", "--from", "2026-01", "--to", "2029-01"], "36 mois au plus"),
    ],
)
def test_bad_input_is_one_line_in_french(
    settings: Settings, coordinator: Headers, args: list[str], message: str
) -> None:
    result = runner.invoke(cli, ["load-calendar", *args], env={"DATABASE_URL": settings.database_url})
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
