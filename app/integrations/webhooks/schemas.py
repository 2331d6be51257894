"""Webhooks over the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, Field

from app.core.schemas import ApiInput, Paging
from app.integrations.webhooks.models import DeliveryStatus, Event

SUBSCRIBABLE = [Event.plan_done, Event.plan_failed, Event.grouping_accepted]


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("an http:// or https:// URL with a host is required")
    if parts.username or parts.password:
        raise ValueError("credentials in the URL would be stored in clear: verify the signature instead")
    return value


Url = Annotated[
    str,
    Field(max_length=2000, examples=["https://back-office.example.org/planner"]),
    AfterValidator(_check_url),
]


def _check_events(value: list[Event]) -> list[Event]:
    if Event.ping in value:
        raise ValueError("ping is sent on demand (POST /webhooks/{id}/ping), not subscribed to")
    return list(dict.fromkeys(value))


Events = Annotated[
    list[Event],
    Field(min_length=1, max_length=10, examples=[[e.value for e in SUBSCRIBABLE]]),
    AfterValidator(_check_events),
]


class WebhookCreate(ApiInput):
    url: Url
    events: Events = Field(default_factory=lambda: list(SUBSCRIBABLE))
    description: str | None = Field(default=None, max_length=200)


class WebhookUpdate(ApiInput):
    url: Url | None = None
    events: Events | None = None
    description: str | None = Field(default=None, max_length=200)
    active: bool | None = None


class WebhookPublic(BaseModel):
    id: int
    url: str
    events: list[Event]
    description: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="signs every delivery; shown this once, keep it in the receiver")


class WebhooksPublic(Paging):
    items: list[WebhookPublic]


class DeliveryPublic(BaseModel):
    id: int
    webhook_id: int
    event: Event
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="when the next attempt is due, while pending")
    last_attempt_at: datetime | None
    response_status: int | None = Field(description="HTTP status of the last attempt's answer")
    error: str | None = Field(description="why the last attempt failed")
    created_at: datetime
    delivered_at: datetime | None


class DeliveriesPublic(Paging):
    items: list[DeliveryPublic]
