"""Work windows, the school calendar of zone C, availability per period, and the plan's period lines."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

import solver
from solver import periods
from tests.solver.reference import PAINT, problem, site, structure


def test_school_holidays_of_zone_c() -> None:
    summer = periods.named_period("ete-2026")
    assert (summer.start, summer.end) == (date(2026, 7, 4), date(2026, 8, 30))
    assert periods.named_period("toussaint-2025").start == date(2025, 10, 18)
    # Christmas is named after the year it starts in
    christmas = periods.named_period("noel-2025")
    assert (christmas.start, christmas.end) == (date(2025, 12, 20), date(2026, 1, 4))


def test_named_periods_beyond_the_data_or_unknown_are_refused() -> None:
    with pytest.raises(ValueError, match="beyond the school calendar shipped"):
        periods.named_period("toussaint-2026")
    with pytest.raises(ValueError, match="unknown named period 'summer-2026'"):
        periods.named_period("summer-2026")


def test_working_days_leave_out_weekends_and_public_holidays() -> None:
    # July 2026 starts on a Wednesday: 23 weekdays, less Tuesday 14 July
    assert periods.working_days_in("2026-07") == 22
    # ISO week 20 of 2026: Monday 11 to Sunday 17 May, Thursday 14 May is Ascension
    assert periods.working_days_in("2026-W20") == 4
    assert periods.period_unit("2026-07") == "month"
    assert periods.period_unit("2026-W28") == "week"
    assert periods.period_unit("2026-13") is None


def test_hours_spread_evenly_over_working_days() -> None:
    # Monday 27 July to Friday 7 August 2026: 5 working days in each month
    daily = periods.spread(100, [(date(2026, 7, 27), date(2026, 8, 7))])
    assert len(daily) == 10
    assert periods.by_period(daily, "month") == pytest.approx({"2026-07": 50, "2026-08": 50})
    assert periods.by_period(daily, "week") == pytest.approx({"2026-W31": 50, "2026-W32": 50})


def _timed(windows: list[dict[str, Any]], **structure_extra: Any) -> solver.PlanningProblem:
    return problem(
        [site("S1", 48.9, 2.40, 100, windows=windows)],
        [structure("E1", "EI", 48.9, 2.40, {PAINT: 500}, can_lead=True, **structure_extra)],
    )


@pytest.mark.parametrize(
    ("window", "reason"),
    [
        ({"period": "toussaint-2026"}, "beyond the school calendar shipped"),
        ({"start": "2026-07-10"}, "needs `start` and `end`"),
        ({"start": "2026-07-10", "end": "2026-07-01"}, "ends before it starts (2026-07-10)"),
        ({"start": "2026-07-11", "end": "2026-07-12"}, "no working day"),
        ({"period": "ete-2026", "start": "2026-07-01", "end": "2026-07-02"}, "not both"),
    ],
)
def test_bad_windows_are_refused_naming_the_field(window: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _timed([window])
    (error,) = caught.value.errors()
    assert error["loc"][:6] == ("tender", "lots", 0, "sites", 0, "windows")
    assert reason in error["msg"]


def test_bad_availability_is_refused() -> None:
    with pytest.raises(ValidationError, match="not a month"):
        _timed(
            [], availability=[{"trade": PAINT, "per": "month", "hours": 100, "overrides": {"2026-W30": 0}}]
        )
    with pytest.raises(ValidationError, match="unknown trade"):
        _timed([], availability=[{"trade": "peinture", "per": "week", "hours": 100}])


def test_plan_lines_carry_the_months_of_a_named_period() -> None:
    # the summer holidays of 2026: 4 July to 30 August; working days 6 July to 28 August, 14 July
    # and 15 August (a Saturday) aside: 19 in July (22 less 1, 2, 3 July), 20 in August
    plan = solver.solve(_timed([{"period": "ete-2026"}]))
    assert plan.status == "optimal"
    (a,) = plan.groupings[0].assignments
    hours = {line.period: line.hours for line in a.periods}
    assert hours == pytest.approx({"2026-07": 100 * 19 / 39, "2026-08": 100 * 20 / 39}, abs=0.01)


def test_a_site_window_overrides_its_lot_window() -> None:
    p = problem(
        [
            site("S1", 48.9, 2.40, 60, windows=[{"start": "2026-09-01", "end": "2026-09-30"}]),
            site("S2", 48.9, 2.4, 40),
        ],
        [structure("E1", "EI", 48.9, 2.40, {PAINT: 500}, can_lead=True)],
    )
    lot = p.tender.lots[0].model_copy(
        update={"windows": [periods.Window(start=date(2026, 7, 6), end=date(2026, 7, 10))]}
    )
    p = p.model_copy(update={"tender": p.tender.model_copy(update={"lots": [lot]})})
    plan = solver.solve(p)
    lines = {a.site: [(x.period, x.hours) for x in a.periods] for a in plan.groupings[0].assignments}
    assert lines == {"S1": [("2026-09", 60.0)], "S2": [("2026-07", 40.0)]}
