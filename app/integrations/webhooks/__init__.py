"""Webhooks: a network registers URLs; plan and grouping events are POSTed to them, signed and retried.

The plans domain calls `emit` in the transaction that records what the event announces.
"""

from app.integrations.webhooks.models import Event
from app.integrations.webhooks.service import emit

__all__ = ["Event", "emit"]
