"""A private PostgreSQL schema with the migrated fours schema, for tests that need their
own tables (races between processes, injected failures): one place for the set-up and the
clean-up every such fixture repeated."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, text

from fours_adapters.sql.engine import make_engine
from fours_adapters.sql.migrate import upgrade


@contextmanager
def private_schema(
    server_url: str, prefix: str, *, migrate: bool = True, **engine_options: Any
) -> Iterator[tuple[str, Engine]]:
    """A fresh schema ``{prefix}_{pid}`` and an engine whose search_path is that schema
    (migrated unless ``migrate=False``); both dropped on exit."""
    schema = f"{prefix}_{os.getpid()}"
    admin = make_engine(server_url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(
        server_url, connect_args={"options": f"-csearch_path={schema}"}, **engine_options
    )
    try:
        if migrate:
            upgrade(engine)
        yield schema, engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
