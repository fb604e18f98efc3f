"""Shared set-up of the inventory benchmarks: the fours_bench database and schemas.

``FOURS_BENCH_PG_URL`` (default postgresql://postgres@127.0.0.1:5432/fours_bench)
names the database; it is created if missing. Each benchmark works in its own
schema migrated to head, and large data sets stay there between runs.
"""

from __future__ import annotations

import os
import sys

import psycopg
from sqlalchemy import Engine

from fours_adapters.sql.engine import make_engine
from fours_adapters.sql.migrate import upgrade

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/fours_bench"


def pg_url() -> str:
    return os.environ.get("FOURS_BENCH_PG_URL", DEFAULT_URL)


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def ensure_database(url: str) -> bool:
    """Create the benchmark database if missing; False (with a note) if no server."""
    base, _, name = libpq_url(url).rpartition("/")
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL benchmarks skipped: {exc}", file=sys.stderr)
        return False
    return True


def schema_engine(url: str, schema: str, **options: object) -> Engine:
    """An engine on ``schema`` (created and migrated to head if needed)."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"}, **options)
    upgrade(engine)
    return engine
