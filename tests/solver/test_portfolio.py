"""Several tenders planned together: shared capacity per period, commitments, shared revenue caps, and
the model's optimum against enumeration."""

from __future__ import annotations

import itertools
import json
import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import holidays
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import solver
from solver.portfolio import solve
from solver.portfolio_spec import PortfolioPlan, PortfolioProblem
from tests.solver.reference import PAINT, brute_force, objective_of, problem, site, structure

JULY = [{"start": "2026-07-06", "end": "2026-07-31"}]


def tender(
    reference: str, sites: list[dict[str, Any]], windows: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "tender": {
            "reference": reference,
            "kind": "works",
            "lots": [{"id": "L1", "trade": PAINT, "windows": windows, "sites": sites}],
        },
        # no sous-traitance: a member's hours are its own
        "options": {"weights": {"balance": 0}, "max_subcontracting_share": 0},
    }


def portfolio(
    tenders: list[dict[str, Any]], structures: list[dict[str, Any]], **options: Any
) -> PortfolioProblem:
    return PortfolioProblem.model_validate(
        {
            "reference": "YEAR",
            "tenders": tenders,
            "structures": structures,
            "options": {"gap_rel": 1e-9, **options},
        }
    )


def month_hours(plans: list[solver.Plan], structure_id: str) -> dict[str, float]:
    """A structure's planned hours per month, summed from the plans' period lines."""
    out: dict[str, float] = defaultdict(float)
    for plan in plans:
        for a in plan.groupings[0].assignments:
            if a.structure == structure_id:
                for line in a.periods:
                    out[line.period] += line.hours
    return dict(out)


def painters(july_hours: float = 150, **extra: Any) -> list[dict[str, Any]]:
    availability = [{"trade": PAINT, "per": "month", "hours": july_hours}]
    return [
        # Near: the nearest painter, 150 h a month; Far: 15 km away, plenty of time
        structure(
            "Near", "EI", 48.90, 2.40, {PAINT: 2000}, can_lead=True, availability=availability, **extra
        ),
        structure("Far", "EI", 48.90, 2.60, {PAINT: 2000}, can_lead=True),
    ]


def test_planned_apart_two_tenders_overbook_a_member_in_july_planned_together_they_do_not() -> None:
    t1 = tender("PEINT-A", [site("A1", 48.90, 2.41, 100)], JULY)
    t2 = tender("PEINT-B", [site("B1", 48.90, 2.39, 100)], JULY)
    structures = painters()

    apart = [
        solver.solve(solver.PlanningProblem.model_validate({**t, "structures": structures})) for t in (t1, t2)
    ]
    assert [p.groupings[0].assignments[0].structure for p in apart] == ["Near", "Near"]
    assert month_hours(apart, "Near") == pytest.approx({"2026-07": 200})  # 200 h promised, 150 h available

    together = solve(portfolio([t1, t2], structures))
    assert together.status == "optimal"
    plans = [t.plan for t in together.tenders]
    assert month_hours(plans, "Near") == pytest.approx({"2026-07": 100})
    assert sorted(p.groupings[0].assignments[0].structure for p in plans) == ["Far", "Near"]
    assert all(not p.groupings[0].uncovered for p in plans)
    # the load calendar says the same
    july = {(row.structure, row.period): row for row in together.calendar}
    assert july["Near", "2026-07"].planned == pytest.approx(100)
    assert july["Near", "2026-07"].capacity == pytest.approx(150)
    assert july["Far", "2026-07"].capacity is None
    assert [t.periods[0].period for t in together.tenders] == ["2026-07", "2026-07"]


def test_weekly_availability_binds_per_week() -> None:
    # two 40 h sites in the same week; Near has 50 h a week: one goes to Far
    week = [{"start": "2026-09-07", "end": "2026-09-11"}]
    structures = [
        structure(
            "Near",
            "EI",
            48.90,
            2.40,
            {PAINT: 2000},
            can_lead=True,
            availability=[{"trade": PAINT, "per": "week", "hours": 50}],
        ),
        structure("Far", "EI", 48.90, 2.60, {PAINT: 2000}, can_lead=True),
    ]
    together = solve(
        portfolio(
            [
                tender("A", [site("A1", 48.9, 2.41, 40)], week),
                tender("B", [site("B1", 48.9, 2.41, 40)], week),
            ],
            structures,
        )
    )
    assert sorted(t.plan.groupings[0].assignments[0].structure for t in together.tenders) == ["Far", "Near"]
    # a week later, Near has its 50 h again: both at Near
    later = [{"start": "2026-09-14", "end": "2026-09-18"}]
    split = solve(
        portfolio(
            [
                tender("A", [site("A1", 48.9, 2.41, 40)], week),
                tender("B", [site("B1", 48.9, 2.41, 40)], later),
            ],
            structures,
        )
    )
    assert [t.plan.groupings[0].assignments[0].structure for t in split.tenders] == ["Near", "Near"]


def test_a_commitment_blocks_hours_in_a_later_plan() -> None:
    t1 = tender("PEINT-A", [site("A1", 48.90, 2.41, 100)], JULY)
    single = solver.PlanningProblem.model_validate({**t1, "structures": painters()})
    assert solver.solve(single).groupings[0].assignments[0].structure == "Near"

    # an accepted grouping already holds 80 h of Near's July: 70 h left, the 100 h site goes to Far
    commitment = [
        {
            "reference": "CD93-2026-PEINT",
            "trade": PAINT,
            "start": "2026-07-01",
            "end": "2026-07-31",
            "hours": 80,
        }
    ]
    committed = solver.PlanningProblem.model_validate({**t1, "structures": painters(commitments=commitment)})
    plan = solver.solve(committed)
    assert plan.groupings[0].assignments[0].structure == "Far"

    # committed in June instead: July is free again
    june = [{**commitment[0], "start": "2026-06-01", "end": "2026-06-30"}]
    free = solver.PlanningProblem.model_validate({**t1, "structures": painters(commitments=june)})
    assert solver.solve(free).groupings[0].assignments[0].structure == "Near"


def test_commitments_beyond_a_months_capacity_are_reported_in_french() -> None:
    # Near's July holds 150 h and 200 h are already promised: the site goes to Far, and the coordinator
    # reads which member, trade and month are over-committed
    overbooking = [
        {"reference": "X", "trade": PAINT, "start": "2026-07-01", "end": "2026-07-31", "hours": 200}
    ]
    out = solve(
        portfolio([tender("A", [site("A1", 48.90, 2.41, 100)], JULY)], painters(commitments=overbooking))
    )
    assert out.tenders[0].plan.groupings[0].assignments[0].structure == "Far"
    (note,) = [d for d in out.diagnostics if d.code == "period_overbooked"]
    assert note.structure == "Near"
    assert note.message == (
        "Les engagements déjà pris dépassent à eux seuls la capacité de Structure Near en peinture & "
        "revêtement des murs pour juillet 2026 : rien de plus n'y est planifié."
    )
    # a single tender with the same availability says it in its own plan
    alone = solver.solve(
        solver.PlanningProblem.model_validate(
            {
                **tender("A", [site("A1", 48.90, 2.41, 100)], JULY),
                "structures": painters(commitments=overbooking),
            }
        )
    )
    assert [d.message for d in alone.diagnostics if d.code == "period_overbooked"] == [note.message]


def test_commitments_alone_plan_as_the_capacity_they_leave_by_the_staged_search() -> None:
    # no work window, no availability: a commitment only takes hours off the capacity per trade within
    # the tender's dates, so the tender is planned like one whose capacity is reduced by hand
    sites = [site(f"S{i}", 48.90, 2.38 + 0.01 * i, 60) for i in range(4)]
    execution = {"execution_start": "2027-01-01", "execution_end": "2027-12-31"}

    def structures(near_capacity: float, commitments: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        return [
            structure(
                "Near", "EI", 48.90, 2.40, {PAINT: near_capacity}, can_lead=True, commitments=commitments
            ),
            structure("Far", "ACI", 48.93, 2.45, {PAINT: 400}, can_lead=True),
        ]

    held = [{"reference": "X", "trade": PAINT, "start": "2027-03-01", "end": "2027-03-31", "hours": 180}]
    elsewhere = [{**held[0], "start": "2026-03-01", "end": "2026-03-31"}]  # before the execution
    weights = {"distance": 1, "members": 0.2, "balance": 0.2}
    committed = solver.solve(problem(sites, structures(300, held), tender=execution, weights=weights))
    by_hand = solver.solve(problem(sites, structures(120, None), tender=execution, weights=weights))
    free = solver.solve(problem(sites, structures(300, elsewhere), tender=execution, weights=weights))
    untouched = solver.solve(problem(sites, structures(300, None), tender=execution, weights=weights))

    def plan_of(plan: solver.Plan) -> list[tuple[str, str]]:
        return sorted((a.site, a.structure) for a in plan.groupings[0].assignments)

    assert committed.status == by_hand.status == "optimal"
    assert plan_of(committed) == plan_of(by_hand) != plan_of(untouched)
    assert committed.groupings[0].objective == pytest.approx(by_hand.groupings[0].objective, abs=1e-9)
    # Near's load is read against what the commitment leaves: 120 h
    (near,) = [m for m in committed.groupings[0].members if m.structure == "Near"]
    assert near.load_ratio == pytest.approx(near.own_hours / 120)
    # planned by the single tender's stages, not as a portfolio of one
    assert [s.name for s in committed.solver.stages][:1] == ["members"]
    # a commitment outside the execution's dates takes nothing
    assert plan_of(free) == plan_of(untouched)


def test_a_commitment_takes_yearly_capacity_within_the_tenders_dates() -> None:
    # Near holds 150 h a year, 80 h of it promised in July: the 100 h site goes to Far
    structures = [
        structure(
            "Near",
            "EI",
            48.90,
            2.40,
            {PAINT: 150},
            can_lead=True,
            commitments=[
                {"reference": "X", "trade": PAINT, "start": "2026-07-01", "end": "2026-07-31", "hours": 80}
            ],
        ),
        structure("Far", "EI", 48.90, 2.60, {PAINT: 2000}, can_lead=True),
    ]
    out = solve(portfolio([tender("A", [site("A1", 48.90, 2.41, 100)], JULY)], structures))
    assert out.tenders[0].plan.groupings[0].assignments[0].structure == "Far"
    row = next(r for r in out.calendar if r.structure == "Near")
    assert row.period == "2026-07"
    assert row.committed == pytest.approx(80)
    assert row.planned == 0


def test_dependence_is_capped_over_the_tenders_together() -> None:
    # Near's turnover is 30 000 €; at most 50 % of it per year from the tenders together: one 10 000 €
    # site fits, two do not
    structures = [
        structure("Near", "EI", 48.90, 2.40, {PAINT: 2000}, can_lead=True, annual_turnover_eur=30000),
        structure("Far", "EI", 48.90, 2.60, {PAINT: 2000}, can_lead=True),
    ]
    tenders = [tender(r, [site(f"{r}1", 48.90, 2.41, 100, value=10000)]) for r in ("A", "B")]
    free = solve(portfolio(tenders, structures))
    assert [t.plan.groupings[0].assignments[0].structure for t in free.tenders] == ["Near", "Near"]
    capped = solve(portfolio(tenders, structures, max_dependence=0.5))
    assert sorted(t.plan.groupings[0].assignments[0].structure for t in capped.tenders) == ["Far", "Near"]


def test_without_periods_the_plan_is_the_same_as_before() -> None:
    sites = [site("A", 48.90, 2.40, 100), site("B", 48.90, 2.50, 80), site("C", 48.95, 2.45, 60)]
    structures = [
        structure("E1", "EI", 48.90, 2.40, {PAINT: 200}, can_lead=True),
        structure("E2", "EI", 48.90, 2.50, {PAINT: 150}),
        structure("E3", "EI", 48.95, 2.45, {PAINT: 100}),
    ]
    untimed = problem(sites, structures)
    plan = solver.solve(untimed)
    assert "periods" not in json.dumps(json.loads(plan.to_json())["groupings"][0]["assignments"])
    assert plan.solver.stages != []  # planned by the staged search, as always
    # the same tender with a work window but no capacity per period: the same grouping
    timed = problem([{**s, "windows": JULY} for s in sites], structures)
    again = solver.solve(timed)
    assert again.groupings[0].objective == pytest.approx(plan.groupings[0].objective, rel=1e-6)
    assert [(a.site, a.structure) for a in again.groupings[0].assignments] == [
        (a.site, a.structure) for a in plan.groupings[0].assignments
    ]
    # and a portfolio of that one tender
    alone = solve(
        PortfolioProblem(
            reference="Y",
            tenders=[{"tender": untimed.tender, "options": untimed.options}],
            structures=untimed.structures,
        )
    )
    assert alone.solver.objective == pytest.approx(plan.groupings[0].objective, rel=1e-6)


# --- against enumeration ---------------------------------------------------------------------------


def _working_days(first: date, last: date) -> list[date]:
    off = holidays.country_holidays("FR", years=range(first.year, last.year + 1))
    return [
        first + timedelta(n)
        for n in range((last - first).days + 1)
        if (first + timedelta(n)).weekday() < 5 and first + timedelta(n) not in off
    ]


def _july_august_share(window: tuple[date, date]) -> dict[str, float]:
    days = _working_days(*window)
    return {m: sum(1 for d in days if d.month == int(m[5:])) / len(days) for m in ("2026-07", "2026-08")}


WINDOWS = [
    (date(2026, 7, 6), date(2026, 7, 31)),
    (date(2026, 7, 20), date(2026, 8, 14)),
    (date(2026, 8, 3), date(2026, 8, 28)),
]


@st.composite
def _portfolio(draw: st.DrawFn) -> tuple[list[solver.PlanningProblem], list[dict[str, Any]]]:
    coord = st.floats(0.0, 0.15)
    structures = [
        structure(
            f"E{j}",
            "EI",
            48.85 + draw(coord),
            2.35 + draw(coord),
            {PAINT: draw(st.integers(150, 400))},
            can_lead=draw(st.booleans()) or j == 0,
            availability=[{"trade": PAINT, "per": "month", "hours": draw(st.integers(40, 200))}],
        )
        for j in range(3)
    ]
    problems = []
    for t in range(2):
        n = draw(st.integers(1, 3))
        sites = []
        for i in range(n):
            w = WINDOWS[draw(st.integers(0, 2))]
            sites.append(
                site(
                    f"T{t}S{i}",
                    48.85 + draw(coord),
                    2.35 + draw(coord),
                    draw(st.integers(10, 90)),
                    windows=[{"start": w[0].isoformat(), "end": w[1].isoformat()}],
                )
            )
        problems.append(
            problem(
                sites,
                structures,
                max_members=draw(st.sampled_from([None, 2])),
                max_subcontracting_share=0,
                weights={
                    "distance": 1,
                    "members": draw(st.sampled_from([0.5, 1.0])),
                    "balance": draw(st.sampled_from([0.0, 1.0])),
                },
            )
        )
    return problems, structures


def _brute_force(problems: list[solver.PlanningProblem], structures: list[dict[str, Any]]) -> float | None:
    """The best sum of the tenders' objectives over every full assignment of both tenders that keeps
    each structure within its yearly capacity and its hours per month (README's rules)."""
    cap = {s["id"]: s["capacities"][PAINT] for s in structures}
    monthly = {s["id"]: s["availability"][0]["hours"] for s in structures}
    sites = [(p, s) for p in problems for lot in p.tender.lots for s in lot.sites]
    best = None
    for combo in itertools.product(*[[s["id"] for s in structures]] * len(sites)):
        hours: dict[str, float] = defaultdict(float)
        months: dict[tuple[str, str], float] = defaultdict(float)
        for (_, s), e in zip(sites, combo, strict=True):
            hours[e] += s.hours
            assert s.windows is not None
            for m, share in _july_august_share(s.windows[0].bounds()).items():
                months[e, m] += s.hours * share
        if any(h > cap[e] + 1e-9 for e, h in hours.items()) or any(
            h > monthly[e] + 1e-6 for (e, _), h in months.items()
        ):
            continue
        total = 0.0
        for p in problems:
            assignment = {s.id: e for (q, s), e in zip(sites, combo, strict=True) if q is p}
            found = objective_of(p, assignment)
            if found is None:
                break
            total += found.objective
        else:
            best = total if best is None else min(best, total)
    return best


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.generate],
)
@given(_portfolio())
def test_the_portfolio_optimum_equals_enumeration(
    case: tuple[list[solver.PlanningProblem], list[dict[str, Any]]],
) -> None:
    _check_against_enumeration(*case)


def test_the_portfolio_objective_is_its_plans_not_the_engines_rounded_figure() -> None:
    # a case where HiGHS's own objective sits 1e-6 below the plan's (its tolerance): the objective
    # reported is the sum of the tenders' plans, and still `optimal`
    july, august = WINDOWS[0], WINDOWS[2]
    structures = [
        structure(
            f"E{j}",
            "EI",
            lat,
            lon,
            {PAINT: cap},
            can_lead=lead,
            availability=[{"trade": PAINT, "per": "month", "hours": month}],
        )
        for j, (lat, lon, cap, lead, month) in enumerate(
            [
                (48.891894896760405, 2.484513745402523, 303, True, 132),
                (48.985815679860515, 2.4506885842954045, 370, False, 180),
                (48.932137124784255, 2.478555771966603, 280, True, 180),
            ]
        )
    ]

    def at(name: str, lat: float, lon: float, hours: int, w: tuple[date, date]) -> dict[str, Any]:
        return site(name, lat, lon, hours, windows=[{"start": w[0].isoformat(), "end": w[1].isoformat()}])

    first = [
        at("T0S0", 48.86798633343742, 2.368283081391478, 47, july),
        at("T0S1", 48.93423034445234, 2.376039090530381, 15, july),
        at("T0S2", 48.92503802268845, 2.4166703486865844, 77, august),
    ]
    second = [
        at("T1S0", 48.85, 2.458696891083675, 30, july),
        at("T1S1", 48.877223941374744, 2.4499895762418182, 58, july),
        at("T1S2", 48.932391301430535, 2.416937049225198, 51, july),
    ]
    weights = {"distance": 1, "members": 0.5}
    problems = [
        problem(
            first, structures, max_members=2, max_subcontracting_share=0, weights={**weights, "balance": 0}
        ),
        problem(second, structures, max_subcontracting_share=0, weights={**weights, "balance": 1}),
    ]
    _check_against_enumeration(problems, structures)


def _check_against_enumeration(
    problems: list[solver.PlanningProblem], structures: list[dict[str, Any]]
) -> None:
    expected = _brute_force(problems, structures)
    out = solve(
        PortfolioProblem(
            reference="Y",
            tenders=[
                {"tender": p.tender.model_copy(update={"reference": f"T{n}"}), "options": p.options}
                for n, p in enumerate(problems)
            ],
            structures=problems[0].structures,
            options={"gap_rel": 1e-9},
        )
    )
    if expected is None:
        # no full plan: the model leaves a site uncovered (or finds none), never claims a full one
        assert out.status == "infeasible" or any(
            t.plan.groupings and t.plan.groupings[0].uncovered for t in out.tenders
        )
        return
    assert out.status == "optimal"
    assert all(t.plan.status == "optimal" for t in out.tenders)
    assert all(not t.plan.groupings[0].uncovered for t in out.tenders)
    assert out.solver.objective == pytest.approx(expected, abs=1e-6)
    assert sum(t.plan.groupings[0].objective for t in out.tenders) == pytest.approx(expected, abs=1e-6)
    # the bound proven is a lower bound of the true optimum
    assert out.solver.bound is not None and out.solver.bound <= expected + 1e-6
    _check_the_tenders_bound(out, problems)


def _check_the_tenders_bound(out: PortfolioPlan, problems: list[solver.PlanningProblem]) -> None:
    """The bound from the tenders alone (stage `tenders`) is at most the sum of each tender's optimum
    planned alone (every structure's capacity to itself, no hours per month: enumerated), and the bound
    reported is the best of it and the whole model's."""
    by_name = {s.name: s for s in out.solver.stages}
    alone = by_name["tenders"].bound
    assert alone is not None and out.solver.bound is not None
    optima = [brute_force(p) for p in problems]
    if all(b is not None for b in optima):
        assert alone <= sum(b.objective for b in optima if b is not None) + 1e-6
    whole = by_name["portfolio"].bound
    assert out.solver.bound == pytest.approx(max(alone, whole if whole is not None else alone), abs=1e-12)


def _busy_year(deterministic: bool) -> PortfolioProblem:
    """Three July tenders of 5 sites over seven painters with 60 % of their yearly share free in July:
    the whole model is not proven within its work limit."""
    rng = random.Random(11)
    tenders = []
    for t in range(3):
        sites = [
            site(
                f"T{t}S{i}",
                48.85 + rng.uniform(0, 0.1),
                2.35 + rng.uniform(0, 0.15),
                rng.randrange(40, 200, 10),
            )
            for i in range(14)
        ]
        entry = tender(f"PEINT-{t}", sites[:5], JULY)
        entry["options"] = {"max_members": 4}
        tenders.append(entry)
    demand = sum(float(s["hours"]) for e in tenders for s in e["tender"]["lots"][0]["sites"])
    structures = [
        structure(
            f"E{j}",
            rng.choice(["EI", "ACI", "EITI"]),
            48.85 + rng.uniform(0, 0.1),
            2.35 + rng.uniform(0, 0.15),
            {PAINT: round(demand / 7 * 1.5)},
            can_lead=j % 2 == 0,
            availability=[{"trade": PAINT, "per": "month", "hours": round(demand / 7 * 0.6)}],
        )
        for j in range(7)
    ]
    return portfolio(tenders, structures, time_limit_s=10, gap_rel=1e-6, deterministic=deterministic)


def test_deterministic_mode_gives_the_same_portfolio_twice() -> None:
    problem_ = _busy_year(deterministic=True)
    first, second = solve(problem_), solve(problem_)
    # stopped by the work limit, not proven: the plan found by then is kept (not an engine error)
    assert first.status == "feasible", first.diagnostics
    # the plans were compared after the same amount of work, whatever the machine's load
    assert first.solver.seconds < 2 * 10 and second.solver.seconds < 2 * 10
    dump = [[g.model_dump() for g in t.plan.groupings] for t in first.tenders]
    assert dump == [[g.model_dump() for g in t.plan.groupings] for t in second.tenders]
    assert (first.solver.objective, first.solver.bound) == (second.solver.objective, second.solver.bound)
    assert [c.model_dump() for c in first.calendar] == [c.model_dump() for c in second.calendar]


def test_an_engine_failure_is_reported_in_french(monkeypatch: pytest.MonkeyPatch) -> None:
    import solver.portfolio

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("panne")

    monkeypatch.setattr(solver.portfolio, "_solve", broken)
    t1 = tender("PEINT-A", [site("A1", 48.90, 2.41, 100)], JULY)
    out = solve(portfolio([t1], painters()))
    assert out.status == "error"
    assert [d.code for d in out.diagnostics] == ["solver_error"]
    assert out.diagnostics[0].message.startswith("Le moteur de planification a échoué : ")
    assert "panne" in out.diagnostics[0].message


def test_the_bound_from_the_tenders_alone_holds_and_leaves_out_a_tender_without_mandataire() -> None:
    # tender B's only site is in reach of one structure, which cannot lead: no possible mandataire, it
    # is planned without the model and is not in the objective nor in the tenders' bound
    july = [{"trade": PAINT, "per": "month", "hours": 150}]
    structures = [
        structure(
            "Near", "EI", 48.90, 2.40, {PAINT: 2000}, can_lead=True, availability=july, max_distance_km=30
        ),
        structure("Far", "EI", 48.90, 2.60, {PAINT: 2000}, can_lead=True, max_distance_km=30),
        structure("Lone", "EI", 45.76, 4.83, {PAINT: 2000}, max_distance_km=30),
    ]
    t1 = tender("PEINT-A", [site("A1", 48.90, 2.41, 100), site("A2", 48.90, 2.45, 80)], JULY)
    t2 = tender("PEINT-B", [site("B1", 45.76, 4.84, 50)], JULY)
    out = solve(portfolio([t1, t2], structures))
    assert out.tenders[1].plan.status == "infeasible"
    assert "no_possible_mandataire" in [d.code for d in out.tenders[1].plan.diagnostics]
    assert out.status == "optimal"
    # tender A planned alone (every structure's capacity to itself, no hours per month): enumerated
    optimum = brute_force(solver.PlanningProblem.model_validate({**t1, "structures": structures}))
    assert optimum is not None
    assert out.solver.objective is not None and out.solver.objective >= optimum.objective - 1e-6
    tenders = next(s for s in out.solver.stages if s.name == "tenders")
    assert tenders.bound is not None and tenders.bound <= optimum.objective + 1e-6
    assert out.solver.bound is not None and tenders.bound <= out.solver.bound <= out.solver.objective + 1e-6


def test_the_sequential_start_keeps_the_shared_hours_per_month() -> None:
    # both tenders want Near (150 h in July) for 100 h each, and the balance term is on: the tenders
    # planned one after the other (each first without its balance term) leave Near within its July
    from solver import loads, stages
    from solver.portfolio import _assemble, _grouping, _less_committed, _sequential_start

    weights = {"weights": {"balance": 1}, "max_subcontracting_share": 0}
    t1 = {**tender("PEINT-A", [site("A1", 48.90, 2.41, 100), site("A2", 48.90, 2.59, 30)], JULY)}
    t2 = {**tender("PEINT-B", [site("B1", 48.90, 2.39, 100), site("B2", 48.90, 2.58, 30)], JULY)}
    t1["options"] = t2["options"] = weights
    p = portfolio([t1, t2], painters(), time_limit_s=20)
    days = [loads.site_days(e.tender) for e in p.tenders]
    structures = [_less_committed(s, None) for s in p.structures]
    start = _sequential_start(p, structures, days, stages.Clock(20, False), None)
    assert start is not None
    whole = _assemble(p, structures, days, 2)
    for v in whole.combined.variables():
        v.varValue = start.get(v.name, 0.0)
    plans = []
    for n, part in whole.parts.items():
        g, lacking = _grouping(part, days[n], 1)
        assert not g.uncovered and not lacking
        plans.append(solver.Plan(status="feasible", solver={"name": "HiGHS"}, groupings=[g]))
    assert month_hours(plans, "Near")["2026-07"] <= 150 + 1e-6
