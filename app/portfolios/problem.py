"""The portfolio problem: the tenders' lots and sites, the network's structures, each tender's options
and the shared ones, built from the database as a plan's problem is (`app.plans.problem`)."""

from __future__ import annotations

from pydantic import ValidationError
from sqlmodel import Session

from app.commitments.service import respected_structures
from app.plans.problem import invalid_problem, structures_data, tender_data
from app.portfolios.schemas import PortfolioOptionsIn, PortfolioTenderIn
from app.tenders.models import Tender
from solver.portfolio_spec import PortfolioProblem


def build_problem(
    session: Session,
    network_id: int,
    reference: str,
    tenders: list[tuple[Tender, PortfolioTenderIn]],
    options: PortfolioOptionsIn,
) -> PortfolioProblem:
    """The problem as the data stand now; a 422 names what makes it unsolvable as posed.

    The hours held by the accepted groupings of the network's other tenders are not free for these
    (the tenders' own commitments never hold back a new plan of them)."""
    try:
        problem = PortfolioProblem.model_validate(
            {
                "reference": reference,
                "tenders": [
                    {"tender": tender_data(session, tender), "options": entry.options.model_dump()}
                    for tender, entry in tenders
                ],
                "structures": structures_data(session, network_id),
                "options": options.model_dump(),
            }
        )
    except ValidationError as exc:
        raise invalid_problem(exc) from exc
    ids = [tender.id for tender, _ in tenders if tender.id is not None]
    tender_specs = [entry.tender for entry in problem.tenders]
    structures = respected_structures(session, network_id, tender_specs, ids, problem.structures)
    return (
        problem if structures is problem.structures else problem.model_copy(update={"structures": structures})
    )
