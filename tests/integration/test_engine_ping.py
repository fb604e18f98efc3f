"""Connections that sat idle are pinged at checkout; busy ones are not (ADR 0013)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text

from fours_adapters.sql.engine import make_engine


def test_a_connection_killed_while_idle_is_replaced_at_checkout(pg_server_url: str) -> None:
    engine = make_engine(pg_server_url, pool_size=1, max_overflow=0, ping_after_idle=0.2)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("select pg_backend_pid()")).scalar_one()
        admin = make_engine(pg_server_url, pool_size=1)
        with admin.begin() as conn:
            conn.execute(text("select pg_terminate_backend(:pid)"), {"pid": first})
        admin.dispose()
        time.sleep(0.3)
        with engine.connect() as conn:
            second = conn.execute(text("select pg_backend_pid()")).scalar_one()
        assert second != first
    finally:
        engine.dispose()


def test_a_connection_back_from_work_a_moment_ago_is_not_pinged(pg_server_url: str) -> None:
    engine = make_engine(pg_server_url, pool_size=1, max_overflow=0, ping_after_idle=60)
    pings: list[object] = []
    original = engine.dialect.do_ping

    def counting_ping(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return original(dbapi_connection)

    engine.dialect.do_ping = counting_ping  # type: ignore[method-assign]
    try:
        for _ in range(3):
            with engine.connect() as conn:
                conn.execute(text("select 1"))
        assert pings == []
    finally:
        engine.dispose()
