"""Alembic environment: runs against the connection handed in by
:mod:`fours_adapters.sql.migrate`, or the URL in the Alembic config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from fours_adapters.sql.engine import make_engine
from fours_adapters.sql.metadata import metadata
from fours_adapters.sql.tables import import_all_tables

import_all_tables()
config = context.config
target_metadata = metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url, "set sqlalchemy.url or pass a connection"
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
