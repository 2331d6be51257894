"""The one registry of table models: importing this module registers every table on `metadata`.

Alembic's env.py and the tests read `metadata` from here; a new domain adds its models below.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import SQLModel

from app.commitments.models import Commitment, CommitmentLine
from app.core.idempotency import IdempotentRequest
from app.integrations.webhooks.models import Webhook, WebhookDelivery
from app.networks.models import ApiKey, Network
from app.plans.models import Plan
from app.portfolios.models import Portfolio
from app.structures.models import Structure, StructureCapacity
from app.tenders.models import Lot, Site, Tender

metadata = SQLModel.metadata


def is_model_object(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Whether a database object belongs to these models, for Alembic's comparisons (`include_name`).

    procrastinate's job queue tables live in the same PostgreSQL database but are procrastinate's:
    a migration applies its schema as a whole and no model describes them.
    """
    table = name if type_ == "table" else parent_names.get("table_name")
    return not (table or "").startswith("procrastinate_")


__all__ = [
    "ApiKey",
    "Commitment",
    "CommitmentLine",
    "IdempotentRequest",
    "Lot",
    "Network",
    "Plan",
    "Portfolio",
    "Site",
    "Structure",
    "StructureCapacity",
    "Tender",
    "Webhook",
    "WebhookDelivery",
    "is_model_object",
    "metadata",
]
