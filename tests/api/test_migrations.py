"""The migrations build the schema the models describe, and go down and up again, on the test database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from app.core import migrate
from app.core.config import Settings
from app.models import is_model_object, metadata
from tests.conftest import empty_tables


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": is_model_object}
        )
        assert compare_metadata(context, metadata) == []


def test_the_migrations_form_one_line(settings: Settings) -> None:
    """Two migrations written from the same parent would leave two heads, and `planner migrate` fails."""
    script = ScriptDirectory.from_config(migrate.alembic_config(settings))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_upgrade_downgrade_upgrade(settings: Settings, engine: Engine) -> None:
    assert set(metadata.tables) <= tables(engine)
    migrate.downgrade(settings, "base")
    assert tables(engine) == {"alembic_version"}
    migrate.upgrade(settings)
    queue = {
        "procrastinate_jobs",
        "procrastinate_workers",
        "procrastinate_events",
        "procrastinate_periodic_defers",
    }
    assert tables(engine) == set(metadata.tables) | {"alembic_version"} | (
        set() if settings.is_sqlite else queue
    )


def test_structures_and_lots_stored_before_the_legal_entity_fields_keep_their_data(
    settings: Settings, engine: Engine
) -> None:
    """0006 adds the legal form, ACI and MAD figures and the lots' kind, reservation, insertion hours
    and essential flag: rows stored before it come through with the fields unset and not essential."""
    migrate.downgrade(settings, "0005_api_key_lifecycle")
    now = "2026-01-01 00:00:00"
    try:
        with engine.begin() as c:
            c.execute(
                text("INSERT INTO network (id, slug, name, created_at) VALUES (1, 'r', 'R', :t)"), {"t": now}
            )
            c.execute(
                text(
                    "INSERT INTO structure (id, network_id, siret, kind, name, labels, lat, lon,"
                    " annual_turnover_eur, can_lead, created_at, updated_at) VALUES"
                    " (1, 1, '39281437200034', 'ACI', 'Régie', '[]', 48.9, 2.5, 400000, false, :t, :t)"
                ),
                {"t": now},
            )
            c.execute(
                text(
                    "INSERT INTO tender (id, network_id, reference, title, kind, cpv_codes, reserved,"
                    " created_at, updated_at) VALUES (1, 1, 'T', 'T', 'works', '[]', true, :t, :t)"
                ),
                {"t": now},
            )
            c.execute(
                text(
                    "INSERT INTO lot (id, tender_id, ref, position, title, trade)"
                    " VALUES (1, 1, 'L1', 0, 'Peinture', 'peinture-revetement-des-murs')"
                )
            )
        migrate.upgrade(settings)
        with engine.connect() as c:
            lot = c.execute(text("SELECT kind, reserved, insertion_hours, essential FROM lot")).one()
            assert tuple(lot) == (None, None, None, False)
            structure = c.execute(
                text("SELECT siret, legal_form, insertion_rate, annual_charges_eur, mad_staff FROM structure")
            ).one()
            assert tuple(structure) == ("39281437200034", None, None, None, None)
        migrate.downgrade(settings, "0005_api_key_lifecycle")
        with engine.connect() as c:
            assert c.execute(text("SELECT ref, trade FROM lot")).one() == (
                "L1",
                "peinture-revetement-des-murs",
            )
            assert "legal_form" not in {col["name"] for col in inspect(engine).get_columns("structure")}
    finally:
        migrate.upgrade(settings)
        empty_tables(engine)
