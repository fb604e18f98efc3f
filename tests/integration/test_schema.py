"""Migrations and mapping: the migrated schema is exactly the mapped metadata."""

import pytest
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


@pytest.mark.parametrize("table_name", sorted(t.name for t in metadata.sorted_tables))
def test_store_owned_tables_lead_with_store_id(table_name: str) -> None:
    import_all_tables()
    table = metadata.tables[table_name]
    kind = table.info.get("citus")
    assert kind in {"distributed", "reference"}, f"{table_name} must declare its Citus kind"
    if kind == "distributed":
        first = next(iter(table.primary_key.columns)).name
        assert first in {"store_id", "id"} and (first == "store_id" or table_name == "org_stores")
