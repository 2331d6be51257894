"""The network's load calendar: per structure and month, hours committed and planned against capacity.

- **committed**: the lines of the active commitments (`app.commitments`), spread over the working days
  between their dates (as the solver spreads a commitment);
- **planned**: for each tender with no accepted grouping, the best grouping of what planned it last,
  a plan of its own or a portfolio (`app.portfolios`), its hours placed in time as a commitment would
  place them (`app.commitments.hours`);
- **capacity**: in the trades the structure has hours in, its hours per month or per week (its
  `availability`, counted per month as the solver counts them), else its yearly capacities ÷ 12.

A tender whose accepted grouping's commitment was released is in neither: its hours are free.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.calendar.schemas import (
    LoadCalendar,
    MonthLoad,
    StructureLoad,
    TenderMonth,
    TenderPeriods,
    TenderState,
)
from app.commitments.hours import Line, tender_lines
from app.commitments.models import Commitment, CommitmentLine, CommitmentStatus
from app.core.db import snapshot, utcnow
from app.core.errors import FieldError, InvalidInput
from app.plans.models import Plan, PlanStatus
from app.plans.problem import structures_data
from app.portfolios.models import Portfolio
from app.tenders.models import Tender
from solver import periods
from solver.portfolio import month_capacity
from solver.problem import PlanningProblem, StructureSpec, TenderSpec

MAX_MONTHS = 36
DEFAULT_MONTHS = 12


def _month(value: str) -> date:
    return date(int(value[:4]), int(value[5:7]), 1)


def _plus(first: date, months: int) -> date:
    n = first.year * 12 + first.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def month_range(start: str | None, end: str | None, today: date) -> list[str]:
    """The months from `start` to `end` (`2026-07`), both included: 12 from the current month by
    default; at most 36. A 422 names the bound at fault."""
    first = _month(start) if start else date(today.year, today.month, 1)
    last = _month(end) if end else _plus(first, DEFAULT_MONTHS - 1)
    if last < first:
        raise InvalidInput([FieldError(field="to", reason=f"the last month is before the first ({start})")])
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    if count > MAX_MONTHS:
        raise InvalidInput(
            [FieldError(field="to", reason=f"at most {MAX_MONTHS} months at once ({count} asked)")]
        )
    return [periods.month_of(_plus(first, n)) for n in range(count)]


@lru_cache(maxsize=4096)
def _by_month(start: date, end: date) -> tuple[tuple[str, float], ...]:
    """The share of a line's hours in each month: its working days there ÷ all its working days."""
    days = periods.working_days([(start, end)])
    counts: dict[str, int] = defaultdict(int)
    for day in days:
        counts[periods.month_of(day)] += 1
    return tuple((m, n / len(days)) for m, n in sorted(counts.items())) if days else ()


@dataclass
class _Tender:
    state: TenderState
    plan_id: int | None
    commitment_id: int | None = None
    portfolio_id: int | None = None
    start: date | None = None
    end: date | None = None
    months: dict[str, float] = field(default_factory=lambda: defaultdict(float))


@dataclass
class _Hours:
    committed: dict[tuple[int, str], float] = field(default_factory=lambda: defaultdict(float))
    planned: dict[tuple[int, str], float] = field(default_factory=lambda: defaultdict(float))
    tenders: dict[int, _Tender] = field(default_factory=dict)
    trades: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, tender_id: int, structure: int, line: Line | CommitmentLine, shown: set[str]) -> None:
        t = self.tenders[tender_id]
        t.start = min(t.start or line.start, line.start)
        t.end = max(t.end or line.end, line.end)
        into = self.committed if t.state == "committed" else self.planned
        for month, share in _by_month(line.start, line.end):
            if month in shown:
                self.trades[structure].add(line.trade)
                into[structure, month] += line.hours * share
                t.months[month] += line.hours * share


def _committed(
    session: Session, network_id: int, first: date, last: date, hours: _Hours, shown: set[str]
) -> None:
    rows = session.exec(
        select(CommitmentLine, Commitment)
        .join(Commitment, col(Commitment.id) == col(CommitmentLine.commitment_id))
        .where(Commitment.network_id == network_id)
        .where(Commitment.status == CommitmentStatus.active.value)
        .where(col(CommitmentLine.end) >= first, col(CommitmentLine.start) <= last)
        .order_by(col(CommitmentLine.id))
    ).all()
    for line, commitment in rows:
        if commitment.tender_id not in hours.tenders:
            hours.tenders[commitment.tender_id] = _Tender("committed", commitment.plan_id, commitment.id)
        hours.add(commitment.tender_id, line.structure_id, line, shown)


@dataclass
class _Source:
    """What planned a tender last: a plan or a portfolio, done at `finished`."""

    finished: datetime
    tender: TenderSpec
    grouping: dict[str, Any]
    plan_id: int | None = None
    portfolio_id: int | None = None


_NEVER = datetime.min.replace(tzinfo=UTC)


def _plan_sources(session: Session, network_id: int, accepted: set[int]) -> dict[int, _Source]:
    latest = (
        select(func.max(Plan.id))
        .where(Plan.network_id == network_id, Plan.status == PlanStatus.done.value)
        .group_by(col(Plan.tender_id))
    )
    found: dict[int, _Source] = {}
    for plan in session.exec(select(Plan).where(col(Plan.id).in_(latest))).all():
        groupings = (plan.result or {}).get("groupings") or []
        if plan.tender_id in accepted or not groupings:
            continue
        try:
            tender = PlanningProblem.model_validate(plan.problem).tender
        except ValidationError:  # a problem stored by an older version that no longer reads
            continue
        found[plan.tender_id] = _Source(plan.finished_at or _NEVER, tender, groupings[0], plan_id=plan.id)
    return found


def _portfolio_sources(session: Session, network_id: int, accepted: set[int]) -> dict[int, _Source]:
    """Per tender, its plan in the network's latest done portfolio that holds it."""
    done = session.exec(
        select(Portfolio.id, Portfolio.tenders)
        .where(Portfolio.network_id == network_id, Portfolio.status == PlanStatus.done.value)
        .order_by(col(Portfolio.id))
    ).all()
    last: dict[int, int] = {}
    for portfolio_id, entries in done:
        for entry in entries or []:
            if isinstance(entry.get("tender"), int) and entry["tender"] not in accepted:
                last[entry["tender"]] = portfolio_id or 0
    found: dict[int, _Source] = {}
    for portfolio in session.exec(select(Portfolio).where(col(Portfolio.id).in_(set(last.values())))).all():
        # The portfolio's tenders, its problem's and its result's are in the same order.
        planned = (portfolio.result or {}).get("tenders") or []
        specs = (portfolio.problem or {}).get("tenders") or []
        for asked, entry, spec in zip(portfolio.tenders, planned, specs, strict=False):
            tender_id = asked.get("tender")
            groupings = (entry.get("plan") or {}).get("groupings") or []
            if not isinstance(tender_id, int) or last.get(tender_id) != portfolio.id or not groupings:
                continue
            try:
                tender = TenderSpec.model_validate(spec.get("tender"))
            except ValidationError:
                continue
            finished = portfolio.finished_at or _NEVER
            found[tender_id] = _Source(finished, tender, groupings[0], portfolio_id=portfolio.id)
    return found


def _planned(session: Session, network_id: int, today: date, hours: _Hours, shown: set[str]) -> None:
    """The tenders with no accepted grouping, each as planned last: by a plan of its own or by a
    portfolio."""
    accepted = set(
        session.exec(
            select(Plan.tender_id).where(Plan.network_id == network_id, col(Plan.accepted_rank).is_not(None))
        ).all()
    )
    sources = _plan_sources(session, network_id, accepted)
    for tender_id, source in _portfolio_sources(session, network_id, accepted).items():
        if tender_id not in sources or source.finished > sources[tender_id].finished:
            sources[tender_id] = source
    for tender_id, source in sorted(sources.items()):
        on = source.finished.date() if source.finished is not _NEVER else today
        hours.tenders[tender_id] = _Tender("planned", source.plan_id, portfolio_id=source.portfolio_id)
        for line in tender_lines(source.tender, source.grouping, on):
            if line.structure.isdigit():
                hours.add(tender_id, int(line.structure), line, shown)


def _capacity(spec: StructureSpec | None, month: str) -> float | None:
    if spec is None:
        return None
    if spec.availability:
        return month_capacity(spec, month)
    yearly = sum(spec.capacities.values())
    return yearly / 12 if yearly > 0 else None


def _spec(data: dict[str, object], trades: set[str]) -> StructureSpec | None:
    """The structure's capacity in the trades it has hours in: its hours in other trades would hide its
    load in these."""
    try:
        spec = StructureSpec.model_validate(data)
    except ValidationError:
        return None
    availability = [a for a in spec.availability or [] if a.trade in trades]
    capacities = {t: h for t, h in spec.capacities.items() if t in trades}
    return spec.model_copy(update={"availability": availability or None, "capacities": capacities})


def load_calendar(
    session: Session, network_id: int, start: str | None = None, end: str | None = None
) -> LoadCalendar:
    """The network's calendar from month `start` to month `end` (12 months from the current one by
    default)."""
    months = month_range(start, end, utcnow().date())
    first, last = _month(months[0]), _plus(_month(months[-1]), 1) - timedelta(days=1)
    shown = set(months)
    snapshot(session)
    hours = _Hours()
    _committed(session, network_id, first, last, hours, shown)
    _planned(session, network_id, utcnow().date(), hours, shown)
    structures = {int(d["id"]): d for d in structures_data(session, network_id)}
    loaded = {s for (s, _), h in [*hours.committed.items(), *hours.planned.items()] if h > 0.005}
    rows = []
    for sid in loaded:
        data = structures.get(sid)
        if data is None:
            continue
        spec = _spec(data, hours.trades[sid])
        cells = []
        for month in months:
            capacity = _capacity(spec, month)
            committed = round(hours.committed.get((sid, month), 0.0), 2)
            planned = round(hours.planned.get((sid, month), 0.0), 2)
            ratio = (committed + planned) / capacity if capacity else None
            cells.append(
                MonthLoad(
                    month=month,
                    capacity=None if capacity is None else round(capacity, 2),
                    committed=committed,
                    planned=planned,
                    load_ratio=None if ratio is None else round(ratio, 4),
                )
            )
        basis = (
            None
            if spec is None
            else ("availability" if spec.availability else ("yearly" if spec.capacities else None))
        )
        rows.append(
            StructureLoad(
                structure_id=sid,
                name=str(data.get("name") or sid),
                kind=str(data["kind"]),
                capacity_basis=basis,
                months=cells,
            )
        )
    rows.sort(key=lambda r: (r.name.casefold(), r.structure_id))
    tenders = _tenders(session, network_id, hours)
    return LoadCalendar(start=months[0], end=months[-1], months=months, structures=rows, tenders=tenders)


def _tenders(session: Session, network_id: int, hours: _Hours) -> list[TenderPeriods]:
    used = {tid: t for tid, t in hours.tenders.items() if any(h > 0.005 for h in t.months.values())}
    records = session.exec(
        select(Tender).where(Tender.network_id == network_id, col(Tender.id).in_(list(used)))
    ).all()
    out = []
    for tender in records:
        t = used[tender.id or 0]
        assert t.start is not None and t.end is not None
        months = [TenderMonth(month=m, hours=round(h, 2)) for m, h in sorted(t.months.items()) if h > 0.005]
        out.append(
            TenderPeriods(
                tender_id=tender.id or 0,
                reference=tender.reference,
                title=tender.title,
                state=t.state,
                plan_id=t.plan_id,
                portfolio_id=t.portfolio_id,
                commitment_id=t.commitment_id,
                start=t.start,
                end=t.end,
                hours=round(sum(m.hours for m in months), 2),
                months=months,
            )
        )
    out.sort(key=lambda t: (t.state != "committed", t.start, t.reference))
    return out
