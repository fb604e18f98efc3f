"""Engines: SQLite embedded (``./fours.db`` by default) and PostgreSQL through psycopg 3."""

from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError

DEFAULT_URL = "sqlite:///fours.db"

#: The drivers fours runs on: the standard library's sqlite3 and psycopg 3.
SUPPORTED_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")
_URL_FORMS = "sqlite:///PATH or postgresql://USER@HOST[:PORT]/DATABASE"


class DatabaseUrlError(ValueError):
    """A database URL fours cannot use; the message names the URL (password hidden)."""


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_url(raw: str) -> URL:
    """Parse and check a database URL: SQLite, or PostgreSQL through psycopg 3.

    >>> database_url("postgres://app:secret@db/fours").render_as_string()
    'postgresql+psycopg://app:***@db/fours'
    >>> database_url("mysql://db/fours")
    Traceback (most recent call last):
    ...
    fours_adapters.sql.engine.DatabaseUrlError: unsupported database URL 'mysql://db/fours': \
fours runs on sqlite:///PATH or postgresql://USER@HOST[:PORT]/DATABASE
    """
    if not raw.strip():
        raise DatabaseUrlError(f"the database URL is empty: expected {_URL_FORMS}")
    if "\x00" in raw:  # no file name nor connection string may hold one
        raise DatabaseUrlError(f"the database URL {_hide_password(raw)!r} contains a NUL character")
    try:
        url = make_url(normalise_url(raw.strip()))
    except (ArgumentError, ValueError) as error:  # ValueError: a port that is no number
        reason = "a port must be a number" if "int()" in str(error) else "malformed"
        raise DatabaseUrlError(
            f"cannot parse the database URL {_hide_password(raw)!r} ({reason}): "
            f"expected {_URL_FORMS}"
        ) from None
    if url.drivername not in SUPPORTED_DRIVERS:
        shown = url.render_as_string(hide_password=True)
        hint = (
            "fours talks to PostgreSQL through psycopg 3: write postgresql://…"
            if url.get_backend_name() == "postgresql"
            else f"fours runs on {_URL_FORMS}"
        )
        raise DatabaseUrlError(f"unsupported database URL {shown!r}: {hint}")
    if url.host is not None and not _host_name(url.host):
        shown = url.render_as_string(hide_password=True)
        raise DatabaseUrlError(
            f"cannot use the database URL {shown!r}: {url.host!r} is not a host name"
        )
    try:  # what create_engine does with the URL, so a bad one fails here, not later
        url.get_dialect()().create_connect_args(url)
    except (ArgumentError, TypeError, ValueError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        shown = url.render_as_string(hide_password=True)
        raise DatabaseUrlError(
            f"cannot use the database URL {shown!r} ({reason}): expected {_URL_FORMS}"
        ) from None
    return url


def _host_name(host: str) -> bool:
    """Whether the driver can look ``host`` up: printable, no spaces, IDNA-encodable."""
    if not host.strip() or any(c.isspace() or not c.isprintable() for c in host):
        return False
    try:
        host.encode("idna")
    except UnicodeError:
        return False
    return True


def _hide_password(raw: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", raw)


def make_engine(url: str, **options: Any) -> Engine:
    """An engine configured for fours: SQLite with WAL, foreign keys and immediate
    write transactions (so two writers queue instead of failing halfway);
    PostgreSQL with a modest pool whose connections are pinged at checkout when
    they sat idle (``pool_pre_ping=True`` pings every checkout instead).

    Raises :class:`DatabaseUrlError` for a URL it cannot use (never at first connect).
    """
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": 30}, **options)
        _configure_sqlite(engine)
        return engine
    idle_ping = options.pop("ping_after_idle", PING_AFTER_IDLE_SECONDS)
    options.setdefault("pool_size", 5)
    options.setdefault("max_overflow", 10)
    engine = create_engine(parsed, **options)
    if not options.get("pool_pre_ping"):
        _ping_after_idle(engine, float(idle_ping))
    return engine


PING_AFTER_IDLE_SECONDS = 2.0


def _ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling, but only for connections that sat idle.

    ``pool_pre_ping`` costs a round trip on every checkout — one more than the
    whole raw reservation issues besides its own statements (ADR 0013). A
    connection checked in less than ``idle_seconds`` ago was just working; one
    that sat longer (a server restart, a firewall dropping idle sessions) is
    pinged, and if the ping fails the pool discards it and connects afresh
    (SQLAlchemy's documented ``DisconnectionError`` recipe).
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None or time.monotonic() - checked_in < idle_seconds:
            return  # fresh from connect(), or busy a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(str(error)) from error


_CHECKED_IN = "fours.checked_in"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, issue BEGIN (see SQLAlchemy docs,
        # "Serializable isolation / Savepoints / Transactional DDL").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
