"""Signatures of webhook deliveries: HMAC-SHA256 of `<timestamp>.<body>` with the webhook's secret.

A receiver recomputes the signature from the `X-Planner-Timestamp` header and the raw body, compares it
with `X-Planner-Signature` in constant time, and refuses old timestamps to stop replays.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "X-Planner-Signature"
TIMESTAMP_HEADER = "X-Planner-Timestamp"
EVENT_HEADER = "X-Planner-Event"
DELIVERY_HEADER = "X-Planner-Delivery"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: ``sha256=<hex>``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance_s: int = 300,
    now: float | None = None,
) -> bool:
    """True when `signature` is the body's signature and the timestamp is recent."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - stamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature)
