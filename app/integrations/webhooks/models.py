"""Webhooks of a network, and the deliveries of its events to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime, utcnow


class Event(StrEnum):
    plan_done = "plan.done"
    plan_failed = "plan.failed"
    grouping_accepted = "grouping.accepted"
    portfolio_done = "portfolio.done"
    portfolio_failed = "portfolio.failed"
    # Sent on demand to check that a receiver answers and verifies signatures.
    ping = "ping"


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class Webhook(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    network_id: int = Field(
        sa_column=Column(Integer, ForeignKey("network.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    url: str
    events: list[str] = Field(default_factory=list, sa_type=JSON)
    description: str | None = None
    # Encrypted with the server's SECRET_KEY (vault.py): signing needs the secret itself, the database
    # alone does not give it. It is shown to the coordinator once, at creation or rotation.
    secret: str
    # The secret before the last rotation, encrypted too: deliveries are signed with it as well until
    # `previous_secret_until`, so a receiver can switch secrets without losing a delivery.
    previous_secret: str | None = None
    previous_secret_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_delivery"
    # The deliverer looks for due deliveries: pending ones whose next attempt time has come.
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: int = Field(
        sa_column=Column(Integer, ForeignKey("webhook.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    network_id: int = Field(
        sa_column=Column(Integer, ForeignKey("network.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    event: str
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = DeliveryStatus.pending.value
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    response_status: int | None = None
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
