"""The server key of webhook secrets: a real Fernet key, never the published one in production, and
the migration that encrypts the secrets stored in clear before it."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError
from sqlalchemy import Engine, text

from app.core import migrate
from app.core.config import DEVELOPMENT_SECRET_KEY, Settings
from app.integrations.webhooks.vault import UnreadableSecret, Vault


def test_production_refuses_the_development_key_and_takes_its_own() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY est la clé de développement"):
        Settings(environment="production")
    own = Fernet.generate_key().decode()
    assert Settings(environment="production", secret_key=own).secret_key == own
    assert Settings(environment="development").secret_key == DEVELOPMENT_SECRET_KEY


def test_a_key_that_is_not_a_fernet_key_is_refused_with_the_way_to_make_one() -> None:
    with pytest.raises(ValidationError, match=r"Fernet\.generate_key"):
        Settings(secret_key="correct horse battery staple")


def test_a_secret_sealed_with_another_key_does_not_open() -> None:
    sealed = Vault(Fernet.generate_key().decode()).seal("whsec_x")
    with pytest.raises(UnreadableSecret):
        Vault(DEVELOPMENT_SECRET_KEY).open(sealed)


def test_the_migration_encrypts_secrets_stored_in_clear_and_the_downgrade_decrypts_them(
    settings: Settings, db: Engine
) -> None:
    migrate.downgrade(settings, "0007_idempotency_keys")
    try:
        with db.begin() as conn:
            conn.execute(
                text("INSERT INTO network (id, slug, name, created_at) VALUES (1, 'n', 'N', :now)"),
                {"now": "2026-01-01 00:00:00"},
            )
            conn.execute(
                text(
                    "INSERT INTO webhook"
                    " (id, network_id, url, events, secret, active, created_at, updated_at)"
                    " VALUES (1, 1, 'https://example.org/h', '[]', 'whsec_clear', true, :now, :now)"
                ),
                {"now": "2026-01-01 00:00:00"},
            )
        migrate.upgrade(settings)
        with db.connect() as conn:
            stored = conn.execute(text("SELECT secret FROM webhook")).scalar_one()
        assert "whsec_clear" not in stored
        assert Vault(settings.secret_key).open(stored) == "whsec_clear"

        migrate.downgrade(settings, "0007_idempotency_keys")
        with db.connect() as conn:
            assert conn.execute(text("SELECT secret FROM webhook")).scalar_one() == "whsec_clear"
    finally:
        migrate.upgrade(settings)
