"""Webhook signing secrets at rest: encrypted with the server's `SECRET_KEY` (Fernet: AES-128-CBC and
HMAC-SHA256). The database alone does not give them away; signing decrypts them when sending."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken


class UnreadableSecret(ValueError):
    """A stored secret that the server's key does not open (the key changed)."""


class Vault:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key)

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            raise UnreadableSecret("the stored secret cannot be read with this SECRET_KEY") from None
