"""Browser sessions of the web app: a signed cookie that names the API key it was opened with.

The cookie holds the key's SHA-256 digest (never the key), a random nonce and the time it was issued,
signed with HMAC-SHA-256; deleting the key ends every session opened with it. The CSRF token of a
session is derived from its nonce, so forms need no server-side state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE = "planner_session"
MAX_AGE_S = 12 * 3600


@dataclass(frozen=True)
class SessionData:
    key_digest: str
    nonce: str
    issued: int


def _sign(secret: bytes, payload: bytes) -> str:
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()


def issue(secret: bytes, key_digest: str) -> str:
    """A new cookie value for a session of the key with this digest."""
    body = json.dumps({"k": key_digest, "n": secrets.token_urlsafe(16), "t": int(time.time())})
    encoded = base64.urlsafe_b64encode(body.encode()).rstrip(b"=")
    return f"{encoded.decode()}.{_sign(secret, encoded)}"


def read(secret: bytes, value: str | None) -> SessionData | None:
    """The session in a cookie value, or None when it is missing, forged or expired."""
    if not value or "." not in value:
        return None
    encoded, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(_sign(secret, encoded.encode()), signature):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        session = SessionData(str(data["k"]), str(data["n"]), int(data["t"]))
    except (ValueError, KeyError, TypeError):
        return None
    if not 0 <= time.time() - session.issued <= MAX_AGE_S:
        return None
    return session


def csrf_token(secret: bytes, session: SessionData) -> str:
    return _sign(secret, b"csrf:" + session.nonce.encode())
