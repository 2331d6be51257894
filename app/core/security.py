"""API keys: high-entropy random tokens, stored as their SHA-256 digest and shown once."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "pln_"
DISPLAY_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8


def new_token() -> str:
    # 256 random bits: a plain (unsalted, unpeppered) digest is then as strong as the token itself.
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def display_prefix(token: str) -> str:
    """The start of a key, kept in clear so a coordinator can tell keys apart."""
    return token[:DISPLAY_PREFIX_LENGTH]
