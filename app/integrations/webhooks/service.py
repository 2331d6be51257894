"""Webhooks of a network: registration, and the recording of events as deliveries to send.

`emit` writes in the caller's transaction: an event is delivered if and only if what it announces
was committed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert
from sqlmodel import Session, col, select

from app.core.db import utcnow
from app.core.errors import Conflict, FieldError, InvalidInput, NotFound
from app.integrations.webhooks.models import DeliveryStatus, Event, Webhook, WebhookDelivery
from app.integrations.webhooks.policy import WebhookPolicy
from app.integrations.webhooks.schemas import (
    DeliveriesPublic,
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhooksPublic,
    WebhookUpdate,
)
from app.integrations.webhooks.signing import new_secret
from app.integrations.webhooks.targets import TargetRefused, check_url


def emit(bind: Session | Connection, network_id: int, event: Event | str, data: dict[str, Any]) -> int:
    """Record one delivery of `event` per active webhook of the network subscribed to it.

    Nothing is committed here: the caller's commit makes the deliveries due, its rollback drops them.
    Returns the number of deliveries recorded.
    """
    event = Event(event)
    conn = bind.connection() if isinstance(bind, Session) else bind
    hooks = conn.execute(
        select(Webhook.id, Webhook.events).where(Webhook.network_id == network_id, col(Webhook.active))
    ).all()
    now = utcnow()
    envelope = {"event": event.value, "created_at": now.isoformat(), "data": data}
    rows = [
        {
            "webhook_id": hook_id,
            "network_id": network_id,
            "event": event.value,
            "payload": envelope,
            "status": DeliveryStatus.pending.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for hook_id, events in hooks
        if event.value in (events or [])
    ]
    if rows:
        conn.execute(insert(WebhookDelivery), rows)
    return len(rows)


def get(session: Session, network_id: int, webhook_id: int) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.network_id != network_id:
        raise NotFound(f"no webhook {webhook_id} in this network")
    return hook


def public(hook: Webhook) -> WebhookPublic:
    return WebhookPublic.model_validate(hook, from_attributes=True)


def _check_target(url: str, policy: WebhookPolicy) -> None:
    try:
        check_url(url, allow_private=policy.allow_private_targets)
    except TargetRefused as exc:
        raise InvalidInput([FieldError(field="url", reason=str(exc))]) from None


def _created(hook: Webhook, secret: str) -> WebhookCreated:
    return WebhookCreated.model_validate(public(hook).model_dump() | {"secret": secret})


def create(session: Session, network_id: int, data: WebhookCreate, policy: WebhookPolicy) -> WebhookCreated:
    _check_target(data.url, policy)
    secret = new_secret()
    hook = Webhook(
        network_id=network_id,
        url=data.url,
        events=[e.value for e in data.events],
        description=data.description,
        secret=policy.vault.seal(secret),
    )
    session.add(hook)
    session.commit()
    session.refresh(hook)
    return _created(hook, secret)


def list_webhooks(session: Session, network_id: int, *, limit: int, offset: int) -> WebhooksPublic:
    query = select(Webhook).where(Webhook.network_id == network_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = session.exec(query.order_by(col(Webhook.id)).limit(limit).offset(offset)).all()
    return WebhooksPublic(items=[public(h) for h in page], total=total, limit=limit, offset=offset)


def update(
    session: Session, network_id: int, webhook_id: int, patch: WebhookUpdate, policy: WebhookPolicy
) -> WebhookPublic:
    hook = get(session, network_id, webhook_id)
    if patch.url is not None:
        _check_target(patch.url, policy)
    for name, value in patch.model_dump(exclude_unset=True).items():
        if value is None and name != "description":
            continue
        setattr(hook, name, [Event(e).value for e in value] if name == "events" else value)
    hook.updated_at = utcnow()
    session.add(hook)
    session.commit()
    session.refresh(hook)
    return public(hook)


def rotate_secret(
    session: Session, network_id: int, webhook_id: int, policy: WebhookPolicy
) -> WebhookCreated:
    """Replace the signing secret. Deliveries are signed with the new one and, for the overlap set by
    WEBHOOK_SECRET_OVERLAP_S, with the old one too, so that the receiver can switch without a gap."""
    hook = get(session, network_id, webhook_id)
    secret = new_secret()
    now = utcnow()
    hook.previous_secret = hook.secret if policy.secret_overlap.total_seconds() > 0 else None
    hook.previous_secret_until = now + policy.secret_overlap if hook.previous_secret else None
    hook.secret = policy.vault.seal(secret)
    hook.updated_at = now
    session.add(hook)
    session.commit()
    session.refresh(hook)
    return _created(hook, secret)


def delete(session: Session, network_id: int, webhook_id: int) -> None:
    session.delete(get(session, network_id, webhook_id))
    session.commit()


def ping(session: Session, network_id: int, webhook_id: int) -> DeliveryPublic:
    """Queue a `ping` delivery to one webhook, active or not, to check the receiver."""
    hook = get(session, network_id, webhook_id)
    assert hook.id is not None
    now = utcnow()
    delivery = WebhookDelivery(
        webhook_id=hook.id,
        network_id=network_id,
        event=Event.ping.value,
        payload={"event": Event.ping.value, "created_at": now.isoformat(), "data": {"webhook_id": hook.id}},
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    session.commit()
    session.refresh(delivery)
    return DeliveryPublic.model_validate(delivery, from_attributes=True)


def retry(session: Session, network_id: int, webhook_id: int, delivery_id: int) -> DeliveryPublic:
    """Send a failed delivery again, with a new round of attempts (after the receiver is fixed)."""
    get(session, network_id, webhook_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook_id:
        raise NotFound(f"no delivery {delivery_id} of webhook {webhook_id}")
    if delivery.status != DeliveryStatus.failed.value:
        raise Conflict(f"delivery {delivery_id} is {delivery.status}: only a failed delivery is sent again")
    delivery.status = DeliveryStatus.pending.value
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    session.add(delivery)
    session.commit()
    session.refresh(delivery)
    return DeliveryPublic.model_validate(delivery, from_attributes=True)


def deliveries(
    session: Session,
    network_id: int,
    webhook_id: int,
    *,
    status: DeliveryStatus | None,
    limit: int,
    offset: int,
) -> DeliveriesPublic:
    get(session, network_id, webhook_id)
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status.value)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = session.exec(query.order_by(col(WebhookDelivery.id).desc()).limit(limit).offset(offset)).all()
    items = [DeliveryPublic.model_validate(d, from_attributes=True) for d in page]
    for item in items:
        if item.status != DeliveryStatus.pending:
            item.next_attempt_at = None
    return DeliveriesPublic(items=items, total=total, limit=limit, offset=offset)
