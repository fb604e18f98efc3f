"""Migrations and mapping: the migrated schema is exactly the mapped metadata."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from fours_adapters.sql.mapping import start_mappers
from fours_adapters.sql.metadata import metadata
from fours_adapters.sql.migrate import status
from fours_adapters.sql.tables import import_all_tables

import_all_tables()


def test_migrations_match_the_metadata(engine: Engine) -> None:
    import_all_tables()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_status_is_up_to_date(engine: Engine) -> None:
    current = status(engine)
    assert current.up_to_date and current.current == current.head


def test_start_mappers_is_idempotent() -> None:
    start_mappers()
    start_mappers()
