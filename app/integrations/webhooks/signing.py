"""Signatures of webhook deliveries: HMAC-SHA256 of `<timestamp>.<body>` with the webhook's secret.

A receiver recomputes the signature from the `X-Planner-Timestamp` header and the raw body, compares it
with `X-Planner-Signature` in constant time, and refuses old timestamps to stop replays. After a
rotation of the secret, the header carries two signatures for a while, `sha256=<new>,sha256=<old>`:
a receiver that still has the old secret keeps verifying until it is given the new one.
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


def sign_all(secrets_: list[str], timestamp: int, body: bytes) -> str:
    """The header's value with one signature per secret, newest first, comma-separated."""
    return ",".join(sign(secret, timestamp, body) for secret in secrets_)


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance_s: int = 300,
    now: float | None = None,
) -> bool:
    """True when `signature` (or one of its comma-separated signatures) is the body's and the timestamp
    is recent."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - stamp) > tolerance_s:
        return False
    expected = sign(secret, stamp, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in signature.split(","))
