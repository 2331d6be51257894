"""The one registry of table models: importing this module registers every table on `metadata`.

Alembic's env.py and the tests read `metadata` from here; a new domain adds its models below.
"""

from __future__ import annotations

from sqlmodel import SQLModel

from app.integrations.webhooks.models import Webhook, WebhookDelivery
from app.networks.models import ApiKey, Network
from app.plans.models import Plan
from app.structures.models import Structure, StructureCapacity
from app.tenders.models import Lot, Site, Tender

metadata = SQLModel.metadata

__all__ = [
    "ApiKey",
    "Lot",
    "Network",
    "Plan",
    "Site",
    "Structure",
    "StructureCapacity",
    "Tender",
    "Webhook",
    "WebhookDelivery",
    "metadata",
]
