"""Sending recorded deliveries: signed POSTs, retried with exponential backoff, each attempt recorded.

Any number of deliverers (one per API process) may run on one database: a deliverer claims a delivery
by moving its next attempt time forward in a conditional UPDATE, so only one of them sends it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app.core.db import utcnow
from app.integrations.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from app.integrations.webhooks.policy import WebhookPolicy
from app.integrations.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign_all,
)
from app.integrations.webhooks.targets import TargetRefused, Unresolved, checked_addresses, pinned
from app.integrations.webhooks.vault import UnreadableSecret

logger = logging.getLogger("planner")

# What a delivery records when no answer came. The same words whatever the socket said (refused,
# reset, timed out, no route): the deliveries list must not tell open ports from closed ones.
UNREACHABLE = "the receiver could not be reached (no connection, or no answer in time)"


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt n (from 1) that fails is retried after base_delay_s × factor^(n-1), up to max_attempts."""

    max_attempts: int = 8
    base_delay_s: float = 10.0
    factor: float = 3.0
    timeout_s: float = 10.0
    # A claimed delivery is left alone this long: more than an attempt can take.
    lease_s: float = 60.0

    def delay(self, attempts: int) -> float:
        return self.base_delay_s * self.factor ** (attempts - 1)


class Deliverer:
    def __init__(
        self,
        engine: Engine,
        policy: RetryPolicy | None = None,
        *,
        webhooks: WebhookPolicy,
        poll_s: float = 1.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.engine = engine
        self.policy = policy or RetryPolicy()
        self.webhooks = webhooks
        self.poll_s = poll_s
        self._client = httpx.Client(
            timeout=self.policy.timeout_s, follow_redirects=False, transport=transport
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and self.poll_s > 0:
            self._thread = threading.Thread(target=self._loop, name="webhook-deliverer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.policy.timeout_s + 5)
            self._thread = None
        self._client.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver_due()
            except Exception:
                # A database hiccup must not end deliveries for the life of the process.
                logger.exception("webhook deliveries: pass failed; next pass in %s s", self.poll_s)
            self._stop.wait(self.poll_s)

    def deliver_due(self, limit: int = 50) -> int:
        """Attempt every due delivery once; return how many were attempted."""
        now = utcnow()
        with Session(self.engine) as session:
            due = session.exec(
                select(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
                .where(WebhookDelivery.status == DeliveryStatus.pending.value)
                .where(col(WebhookDelivery.next_attempt_at) <= now)
                .order_by(col(WebhookDelivery.next_attempt_at))
                .limit(limit)
            ).all()
        attempted = 0
        for delivery_id, due_at in due:
            if delivery_id is not None and self._claim(delivery_id, due_at, now):
                self._attempt(delivery_id)
                attempted += 1
        return attempted

    def _claim(self, delivery_id: int, due_at: datetime, now: datetime) -> bool:
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(WebhookDelivery)
                .where(col(WebhookDelivery.id) == delivery_id)
                .where(col(WebhookDelivery.status) == DeliveryStatus.pending.value)
                .where(col(WebhookDelivery.next_attempt_at) == due_at)
                .values(next_attempt_at=now + timedelta(seconds=self.policy.lease_s))
            )
            return bool(claimed.rowcount)

    def _attempt(self, delivery_id: int) -> None:
        with Session(self.engine) as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            hook = session.get(Webhook, delivery.webhook_id) if delivery else None
            if delivery is None or hook is None:
                return
            body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            status, error = self._post(hook, delivery, body)
            now = utcnow()
            delivery.attempts += 1
            delivery.last_attempt_at = now
            delivery.response_status = status
            delivery.error = error
            if error is None:
                delivery.status = DeliveryStatus.delivered.value
                delivery.delivered_at = now
            elif delivery.attempts >= self.policy.max_attempts:
                delivery.status = DeliveryStatus.failed.value
            else:
                delivery.next_attempt_at = now + timedelta(seconds=self.policy.delay(delivery.attempts))
            session.add(delivery)
            session.commit()
            logger.info(
                "webhook delivery %s (%s) to webhook %s: attempt %s, %s",
                delivery_id,
                delivery.event,
                hook.id,
                delivery.attempts,
                error or "delivered",
            )

    def _secrets(self, hook: Webhook) -> list[str]:
        """The secrets to sign with: the current one, and the previous one during its overlap."""
        vault = self.webhooks.vault
        secrets = [vault.open(hook.secret)]
        if hook.previous_secret and hook.previous_secret_until and utcnow() < hook.previous_secret_until:
            secrets.append(vault.open(hook.previous_secret))
        return secrets

    def _post(self, hook: Webhook, delivery: WebhookDelivery, body: bytes) -> tuple[int | None, str | None]:
        try:
            secrets = self._secrets(hook)
        except UnreadableSecret:
            return None, "the webhook's secret cannot be read with the server's SECRET_KEY: rotate it"
        try:
            # Resolved and checked now, at each attempt: the name may point elsewhere than at creation.
            address = checked_addresses(hook.url, allow_private=self.webhooks.allow_private_targets)[0]
        except TargetRefused as exc:
            return None, str(exc)
        except Unresolved:
            return None, UNREACHABLE
        url, host, server_name = pinned(hook.url, address)
        timestamp = int(time.time())
        headers: dict[str, Any] = {
            "Host": host,
            "Content-Type": "application/json",
            "User-Agent": "planner-webhooks",
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.id),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign_all(secrets, timestamp, body),
        }
        try:
            # Connects to the checked address; TLS checks the certificate against the URL's host name.
            response = self._client.post(
                url, content=body, headers=headers, extensions={"sni_hostname": server_name}
            )
        except httpx.HTTPError as exc:
            logger.debug("webhook delivery %s: %s", delivery.id, type(exc).__name__)
            return None, UNREACHABLE
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"the receiver answered {response.status_code}"
