"""The hours a grouping commits, worked out by hand on small cases."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.commitments.hours import grouping_lines, untimed_span
from solver import periods
from solver.problem import PlanningProblem

TRADE = "peinture-revetement-des-murs"


def problem(windows: list[dict[str, Any]] | None, **tender: Any) -> PlanningProblem:
    lot: dict[str, Any] = {
        "id": "L1",
        "trade": TRADE,
        "sites": [
            {"id": "c1", "lat": 48.93, "lon": 2.36, "hours": 390, "value_eur": 17550},
            {"id": "c2", "lat": 48.94, "lon": 2.37, "hours": 100, "value_eur": 4500},
        ],
    }
    if windows is not None:
        lot["sites"][0]["windows"] = windows
    return PlanningProblem.model_validate(
        {
            "tender": {"reference": "CD93-A", "kind": "works", "lots": [lot], **tender},
            "structures": [
                {"id": "1", "kind": "EI", "lat": 48.93, "lon": 2.36, "capacities": {TRADE: 1000}},
                {"id": "2", "kind": "AI", "lat": 48.93, "lon": 2.36, "capacities": {TRADE: 500}},
            ],
        }
    )


GROUPING = {
    "assignments": [{"site": "c1", "structure": "1"}, {"site": "c2", "structure": "1"}],
    # 98 h put at the member's disposal on the lot: a fifth of its 490 h
    "staffing": [{"from": "2", "to": "1", "lot": "L1", "trade": TRADE, "hours": 98}],
    "subcontracts": [],
}


def test_a_summer_site_s_hours_are_held_on_its_working_days_and_shared_with_the_intermediaire() -> None:
    # 6 July to 28 August 2026: 19 working days in July (14 July is a public holiday, Code du travail
    # L3133-1), 20 in August, so 10 h a day for the 390 h collège. The other collège has no window and
    # is held over the execution. Of the member's 490 h, 98 (one fifth) are the AI's staff's.
    summer = problem(
        [{"start": "2026-07-06", "end": "2026-08-28"}],
        execution_start="2026-07-01",
        execution_end="2027-06-30",
    )
    lines = grouping_lines(summer, GROUPING, date(2026, 3, 1))
    got = {(x.structure, x.start.isoformat(), x.end.isoformat()): x.hours for x in lines}
    assert got == {
        ("1", "2026-07-06", "2026-07-31"): 152.0,  # 190 h × 4/5
        ("2", "2026-07-06", "2026-07-31"): 38.0,
        ("1", "2026-08-03", "2026-08-28"): 160.0,  # 200 h × 4/5
        ("2", "2026-08-03", "2026-08-28"): 40.0,
        ("1", "2026-07-01", "2027-06-30"): 80.0,  # 100 h × 4/5
        ("2", "2026-07-01", "2027-06-30"): 20.0,
    }
    assert {x.trade for x in lines} == {TRADE}
    # Spread again over the working days between its dates (as the solver spreads a commitment), a
    # line gives back the site's own days: 8 h a day for the member, 2 for the AI.
    july = periods.spread(152.0, [(date(2026, 7, 6), date(2026, 7, 31))])
    assert set(july.values()) == {8.0} and date(2026, 7, 14) not in july


def test_a_site_s_windows_apart_in_one_month_make_two_lines() -> None:
    # Two school weeks of October 2026 apart: two runs, so no hours land on the weeks between.
    split = problem(
        [{"start": "2026-10-05", "end": "2026-10-09"}, {"start": "2026-10-19", "end": "2026-10-23"}]
    )
    lines = grouping_lines(split, {"assignments": [{"site": "c1", "structure": "1"}]}, date(2026, 3, 1))
    assert [(x.start.isoformat(), x.end.isoformat(), x.hours) for x in lines if x.hours != 100] == [
        ("2026-10-05", "2026-10-09", 195.0),
        ("2026-10-19", "2026-10-23", 195.0),
    ]


def test_hours_without_window_are_held_over_the_execution_or_one_year() -> None:
    def span(**tender: Any) -> tuple[str, str]:
        start, end = untimed_span(problem(None, **tender).tender, date(2026, 3, 2))
        return start.isoformat(), end.isoformat()

    assert span(execution_start="2026-07-01", execution_end="2028-06-30") == ("2026-07-01", "2028-06-30")
    assert span(execution_start="2026-09-01") == ("2026-09-01", "2027-08-31")
    assert span(execution_end="2027-06-30") == ("2026-07-01", "2027-06-30")
    assert span() == ("2026-03-02", "2027-03-01")  # from the day the grouping was accepted
    assert span(execution_start="2028-02-29") == ("2028-02-29", "2029-02-28")
