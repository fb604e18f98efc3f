"""The reservation hot path, issued on the DBAPI connection of the session's transaction.

Locking the stock rows, inserting a reservation and writing changed stock rows back
are the statements every reservation issues (ADR 0013). Through SQLAlchemy Core each
costs ~180 µs of Python (compile cache lookup, parameter processing, result set-up)
against ~35 µs through the driver itself; with 8 workers on 2 cores that client time
decides the throughput. So these three statements are rendered once per dialect and
run on the driver cursor of the connection the session already holds (same
transaction, same locks). Values go through the columns' own type decorators, so
what is stored is exactly what Core would store.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table, TypeDecorator
from sqlalchemy.orm import Session

from fours_adapters.sql.inventory import tables as t
from fours_adapters.sql.types import UtcDateTime
from fours_domain.inventory.model import Reservation, StockItem

_UTC = UtcDateTime()
_KEY = "store_id, warehouse_code, bin_code, part_number"
# Identifiers below are constants of this module; every value is a bound parameter.
_STOCK_SELECT = (
    f"SELECT {_KEY}, on_hand, reserved, last_received_at, last_issued_at,"  # noqa: S608
    " stocked_since, next_expiry FROM inv_stock"
)


def _binders(table: Table) -> tuple[tuple[str, Any], ...]:
    return tuple(
        (c.name, c.type.process_bind_param if isinstance(c.type, TypeDecorator) else None)
        for c in table.columns
    )


_RESERVATION_BINDERS = _binders(t.reservations)
_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class StockStatements:
    """Driver SQL of one dialect for the stock hot path."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.mark = _MARKS[dialect.paramstyle]  # sqlite3: qmark; psycopg: pyformat
        self.for_update = " FOR UPDATE" if dialect.name == "postgresql" else ""
        m = self.mark
        columns = ", ".join(name for name, _ in _RESERVATION_BINDERS)
        marks = ", ".join(m for _ in _RESERVATION_BINDERS)
        self.insert_reservation = f"INSERT INTO inv_reservations ({columns}) VALUES ({marks})"  # noqa: S608
        self.write_stock = (
            f"UPDATE inv_stock SET on_hand = {m}, reserved = {m}, last_received_at = {m},"  # noqa: S608
            f" last_issued_at = {m}, stocked_since = {m}, next_expiry = {m}"
            f" WHERE store_id = {m} AND warehouse_code = {m}"
            f" AND bin_code = {m} AND part_number = {m}"
        )

    @cache  # noqa: B019 - one instance per dialect, kept for the process
    def lock_parts(self, count: int) -> str:
        m = self.mark
        parts = ", ".join(m for _ in range(count))
        return (
            f"{_STOCK_SELECT} WHERE store_id = {m} AND warehouse_code = {m}"
            f" AND part_number IN ({parts}) ORDER BY {_KEY}{self.for_update}"
        )

    def item(self, row: Sequence[Any]) -> StockItem:
        store, warehouse, bin_code, part, on_hand, reserved, *times = row
        received, issued, stocked, expiry = (
            _UTC.process_result_value(t, self.dialect) for t in times
        )
        return StockItem(
            store_id=store,
            warehouse_code=warehouse,
            bin_code=bin_code,
            part_number=part,
            on_hand=on_hand,
            reserved=reserved,
            last_received_at=received,
            last_issued_at=issued,
            stocked_since=stocked,
            next_expiry=expiry,
        )

    def reservation_row(self, reservation: Reservation) -> tuple[Any, ...]:
        dialect = self.dialect
        return tuple(
            value if bind is None or value is None else bind(value, dialect)
            for name, bind in _RESERVATION_BINDERS
            for value in (getattr(reservation, name),)
        )

    def stock_row(self, item: StockItem) -> tuple[Any, ...]:
        dialect = self.dialect
        return (
            item.on_hand,
            item.reserved,
            _UTC.process_bind_param(item.last_received_at, dialect),
            _UTC.process_bind_param(item.last_issued_at, dialect),
            _UTC.process_bind_param(item.stocked_since, dialect),
            _UTC.process_bind_param(item.next_expiry, dialect),
            item.store_id,
            item.warehouse_code,
            item.bin_code,
            item.part_number,
        )


_BY_DIALECT: dict[int, StockStatements] = {}


def statements(connection: Connection) -> StockStatements:
    dialect = connection.dialect
    found = _BY_DIALECT.get(id(dialect))
    if found is None or found.dialect is not dialect:
        found = _BY_DIALECT[id(dialect)] = StockStatements(dialect)
    return found


class Driver:
    """The DBAPI connection of one session transaction and its statements."""

    def __init__(self, transaction: object, connection: Connection) -> None:
        self.transaction = transaction
        self.sql = statements(connection)
        self._dbapi = connection.connection.dbapi_connection
        self._pipeline = connection.dialect.driver == "psycopg" and _pipeline_supported()
        self.pending_reservations: list[tuple[Any, ...]] = []

    def fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """The rows of one query."""
        cursor = self._dbapi.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def execute(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement per row of parameters."""
        cursor = self._dbapi.cursor()  # type: ignore[union-attr]
        try:
            if len(rows) == 1:
                cursor.execute(sql, rows[0])
            else:
                cursor.executemany(sql, rows)
        finally:
            cursor.close()

    def write(self, stock_rows: Sequence[Sequence[Any]]) -> None:
        """Changed stock rows and the pending reservations, in one round trip on psycopg.

        Everything is sent before the first result is awaited (psycopg pipeline
        mode); errors are raised here all the same, and the transaction is then
        rolled back by the unit of work.
        """
        work = [
            (sql, rows)
            for sql, rows in (
                (self.sql.write_stock, stock_rows),
                (self.sql.insert_reservation, self.pending_reservations),
            )
            if rows
        ]
        self.pending_reservations = []
        if not self._pipeline:
            for sql, rows in work:
                self.execute(sql, rows)
            return
        connection = self._dbapi
        with connection.pipeline(), connection.cursor() as cursor:  # type: ignore[union-attr]
            for sql, rows in work:
                for row in rows:
                    cursor.execute(sql, row)


def _pipeline_supported() -> bool:
    import psycopg

    return bool(psycopg.Pipeline.is_supported())


_DRIVER = "fours.inventory.driver"


def driver(session: Session) -> Driver:
    """The driver connection of ``session``'s current transaction (begun if need be).

    Kept in ``session.info`` for the transaction: asking the session for its
    connection three times per reservation cost more than the statements.
    """
    found: Driver | None = session.info.get(_DRIVER)
    if found is not None and found.transaction is session.get_transaction():
        return found
    connection = session.connection()
    found = Driver(session.get_transaction(), connection)
    session.info[_DRIVER] = found
    return found


def current_driver(session: Session) -> Driver | None:
    """The driver of the session's current transaction, if the stock path used one."""
    found: Driver | None = session.info.get(_DRIVER)
    if found is not None and found.transaction is session.get_transaction():
        return found
    return None


def forget_driver(session: Session) -> None:
    """The transaction ended: drop its driver connection."""
    session.info.pop(_DRIVER, None)
