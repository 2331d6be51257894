"""`/api/v1/webhooks`: the network's webhooks and their deliveries; a coordinator's business only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.core.deps import Limit, Offset, ResourceId, SessionDep, WriterDep
from app.integrations.webhooks import service
from app.integrations.webhooks.models import DeliveryStatus
from app.integrations.webhooks.policy import WebhookPolicy, get_policy
from app.integrations.webhooks.schemas import (
    DeliveriesPublic,
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhooksPublic,
    WebhookUpdate,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

PolicyDep = Annotated[WebhookPolicy, Depends(get_policy)]


@router.post("", response_model=WebhookCreated, status_code=201)
def create_webhook(
    session: SessionDep, caller: WriterDep, policy: PolicyDep, body: WebhookCreate
) -> WebhookCreated:
    """Register a URL for the network's events; the answer shows the signing secret, this once.

    The URL's host must be public: a host that is or resolves to a loopback, private, link-local,
    multicast, reserved or unspecified address is refused (422).
    """
    return service.create(session, caller.network_id, body, policy)


@router.get("", response_model=WebhooksPublic)
def list_webhooks(
    session: SessionDep, caller: WriterDep, limit: Limit = 50, offset: Offset = 0
) -> WebhooksPublic:
    """List the network's webhooks (without their secrets)."""
    return service.list_webhooks(session, caller.network_id, limit=limit, offset=offset)


@router.get("/{webhook_id}", response_model=WebhookPublic)
def read_webhook(session: SessionDep, caller: WriterDep, webhook_id: ResourceId) -> WebhookPublic:
    """Read one webhook."""
    return service.public(service.get(session, caller.network_id, webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookPublic)
def update_webhook(
    session: SessionDep, caller: WriterDep, policy: PolicyDep, webhook_id: ResourceId, body: WebhookUpdate
) -> WebhookPublic:
    """Change a webhook's URL (public hosts only), events, description, or pause it (`active: false`)."""
    return service.update(session, caller.network_id, webhook_id, body, policy)


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(session: SessionDep, caller: WriterDep, webhook_id: ResourceId) -> Response:
    """Remove a webhook and its deliveries."""
    service.delete(session, caller.network_id, webhook_id)
    return Response(status_code=204)


@router.post("/{webhook_id}/secret", response_model=WebhookCreated)
def rotate_webhook_secret(
    session: SessionDep, caller: WriterDep, policy: PolicyDep, webhook_id: ResourceId
) -> WebhookCreated:
    """Replace the signing secret; the answer shows the new one, this once. For the overlap set by
    WEBHOOK_SECRET_OVERLAP_S (24 hours by default) deliveries carry a signature with the old secret
    too; rotate again at once (twice) to revoke a leaked secret without overlap."""
    return service.rotate_secret(session, caller.network_id, webhook_id, policy)


@router.post("/{webhook_id}/ping", response_model=DeliveryPublic, status_code=202)
def ping_webhook(session: SessionDep, caller: WriterDep, webhook_id: ResourceId) -> DeliveryPublic:
    """Queue a signed `ping` delivery to the webhook, to check the receiver."""
    return service.ping(session, caller.network_id, webhook_id)


@router.get("/{webhook_id}/deliveries", response_model=DeliveriesPublic)
def list_deliveries(
    session: SessionDep,
    caller: WriterDep,
    webhook_id: ResourceId,
    status: DeliveryStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DeliveriesPublic:
    """The webhook's deliveries, newest first: status, attempts, the receiver's last answer."""
    return service.deliveries(
        session, caller.network_id, webhook_id, status=status, limit=limit, offset=offset
    )


@router.post("/{webhook_id}/deliveries/{delivery_id}/retry", response_model=DeliveryPublic, status_code=202)
def retry_delivery(
    session: SessionDep, caller: WriterDep, webhook_id: ResourceId, delivery_id: ResourceId
) -> DeliveryPublic:
    """Send a failed delivery again, with a new round of attempts."""
    return service.retry(session, caller.network_id, webhook_id, delivery_id)
