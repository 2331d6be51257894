"""`/api/v1/load-calendar`: the network's load, per structure and month, against capacity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.calendar import service
from app.calendar.schemas import LoadCalendar
from app.core.deps import CallerDep, SessionDep

router = APIRouter(tags=["load calendar"])

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


@router.get("/load-calendar", response_model=LoadCalendar)
def read_load_calendar(
    session: SessionDep,
    caller: CallerDep,
    start: Annotated[
        str | None, Query(alias="from", pattern=MONTH, description="first month, `2026-07`")
    ] = None,
    end: Annotated[
        str | None, Query(alias="to", pattern=MONTH, description="last month (at most 36)")
    ] = None,
) -> LoadCalendar:
    """Per structure and month, the hours committed and planned against its capacity; per tender, the
    months it uses. Twelve months from the current one by default."""
    return service.load_calendar(session, caller.network_id, start, end)
