"""What the settings decide for webhooks: the key of the secrets, the targets allowed, the overlap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request

from app.core.config import Settings
from app.integrations.webhooks.vault import Vault


@dataclass(frozen=True)
class WebhookPolicy:
    vault: Vault
    allow_private_targets: bool
    secret_overlap: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookPolicy:
        return cls(
            vault=Vault(settings.secret_key),
            allow_private_targets=settings.webhook_allow_private_targets,
            secret_overlap=timedelta(seconds=settings.webhook_secret_overlap_s),
        )


def get_policy(request: Request) -> WebhookPolicy:
    policy: WebhookPolicy = request.app.state.webhook_policy
    return policy
