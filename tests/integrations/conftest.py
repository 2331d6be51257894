"""Keys of the integration tests; a test that takes one starts from and leaves an empty database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from app.networks.models import Role
from tests.conftest import new_key

Headers = dict[str, str]


@pytest.fixture
def coordinator(db: Engine) -> Headers:
    return new_key(db, "inser-eco93", Role.coordinator)


@pytest.fixture
def viewer(db: Engine) -> Headers:
    return new_key(db, "inser-eco93", Role.viewer)


@pytest.fixture
def stranger(db: Engine) -> Headers:
    """A coordinator of another network."""
    return new_key(db, "autre-reseau", Role.coordinator)
