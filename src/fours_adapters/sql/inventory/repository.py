"""SQL repositories of the inventory context.

Every read that precedes a change locks what it read (``SELECT … FOR UPDATE``
on PostgreSQL, ordered by primary key so two transactions never wait on each
other in a cycle; on SQLite the ``BEGIN IMMEDIATE`` of every transaction holds
the database's single writer lock already). ``populate_existing`` makes the
locked read overwrite anything the session had cached, so the aggregate
decides on the row as it is now. See docs/adr/0010-stock-concurrency.md.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Select, case, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fours_adapters.sql.inventory import stock_sql
from fours_adapters.sql.inventory import tables as t
from fours_domain.inventory.model import (
    Backorder,
    BackorderStatus,
    ExpectedReceipt,
    LedgerEntry,
    Loan,
    Part,
    Reservation,
    ReservationStatus,
    SafetyStock,
    StockItem,
    StockLocation,
    Transfer,
    TransferStatus,
)
from fours_domain.inventory.reports import Availability
from fours_domain.org.model import MasterDataScope
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.ids import StoreId, WarehouseCode
from fours_domain.shared.time import DateTime

_STOCK_KEY = (
    t.stock.c.store_id,
    t.stock.c.warehouse_code,
    t.stock.c.bin_code,
    t.stock.c.part_number,
)


def _for_update(query: Select[Any]) -> Select[Any]:
    return query.with_for_update().execution_options(populate_existing=True)


class SqlPartRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, scope: MasterDataScope, number: PartNumber) -> Part | None:
        return self._session.get(Part, (scope.key, number))

    def add(self, part: Part) -> None:
        self._session.add(part)

    def list(self, scope: MasterDataScope | None = None) -> Sequence[Part]:
        query = select(Part).order_by(t.parts.c.number, t.parts.c.scope_key)
        if scope is not None:
            query = query.where(t.parts.c.scope_key == scope.key)
        return self._session.scalars(query).all()

    def get_safety_stock(
        self, store_id: StoreId, warehouse_code: WarehouseCode, number: PartNumber
    ) -> SafetyStock | None:
        return self._session.get(SafetyStock, (store_id, warehouse_code, number))

    def add_safety_stock(self, rule: SafetyStock) -> None:
        self._session.add(rule)

    def safety_stocks(self, store_id: StoreId) -> Sequence[SafetyStock]:
        c = t.safety_stock.c
        query = (
            select(SafetyStock)
            .where(c.store_id == store_id)
            .order_by(c.warehouse_code, c.part_number)
        )
        return self._session.scalars(query).all()


_TRACKED = "fours.inventory.stock"
_STOCK_COLUMNS = (
    *_STOCK_KEY,
    t.stock.c.on_hand,
    t.stock.c.reserved,
    t.stock.c.last_received_at,
    t.stock.c.last_issued_at,
    t.stock.c.stocked_since,
    t.stock.c.next_expiry,
)
_STOCK_FIELDS = (
    "on_hand",
    "reserved",
    "last_received_at",
    "last_issued_at",
    "stocked_since",
    "next_expiry",
)
Snapshot = tuple[object, ...]


def _state(item: StockItem) -> Snapshot:
    return tuple(getattr(item, f) for f in _STOCK_FIELDS)


def _tracked(session: Session) -> dict[StockLocation, tuple[StockItem, Snapshot]]:
    tracked: dict[StockLocation, tuple[StockItem, Snapshot]] = session.info.setdefault(_TRACKED, {})
    return tracked


def write_stock_changes(session: Session, *_: object) -> None:
    """``before_commit`` hook: write the stock items this session locked and changed,
    and insert the reservations it added.

    Stock items are not ORM-mapped: they are read locked on the driver, handed to
    the domain, and written back here with one UPDATE per changed row, inside the
    same transaction and before the session's own inserts; new reservations go
    in the same round trip (ADR 0013).
    """
    tracked = session.info.get(_TRACKED)
    changed = []
    for location, (item, before) in (tracked or {}).items():
        now = _state(item)
        if now != before:
            changed.append((location, item, now))
    driver = stock_sql.driver(session) if changed else stock_sql.current_driver(session)
    if driver is None:
        return
    driver.write([driver.sql.stock_row(item) for _, item, _ in changed])
    if tracked:
        for location, item, now in changed:
            tracked[location] = (item, now)


def forget_stock(session: Session, *_: object) -> None:
    """``after_commit`` / ``after_rollback`` hook: the locks are gone, so are the items.

    A later ``lock()`` in the same session reads (and locks) the rows afresh.
    """
    session.info.pop(_TRACKED, None)
    stock_sql.forget_driver(session)


def _item(row: Any) -> StockItem:
    return StockItem(
        store_id=row.store_id,
        warehouse_code=row.warehouse_code,
        bin_code=row.bin_code,
        part_number=row.part_number,
        on_hand=row.on_hand,
        reserved=row.reserved,
        last_received_at=row.last_received_at,
        last_issued_at=row.last_issued_at,
        stocked_since=row.stocked_since,
        next_expiry=row.next_expiry,
    )


class SqlStockRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _adopt(self, fresh: Iterable[StockItem]) -> list[StockItem]:
        """Locked rows → the session's stock items (one object per row per session)."""
        tracked = _tracked(self._session)
        items = []
        for item in fresh:
            location = item.location
            known = tracked.get(location)
            if known is None:
                tracked[location] = (item, _state(item))
            else:
                item = known[0]
            items.append(item)
        return items

    def lock(
        self,
        locations: Collection[StockLocation],
        *,
        create: bool | Collection[StockLocation] = False,
    ) -> dict[StockLocation, StockItem]:
        wanted = sorted(set(locations))
        if not wanted:
            return {}
        if create:
            # Missing rows are inserted in key order too, just before the locking read.
            self._create_missing(
                wanted if isinstance(create, bool) else sorted(set(create) & set(wanted))
            )
        condition = tuple_(*_STOCK_KEY).in_(
            [(w.store_id, w.warehouse_code, w.bin_code, w.part_number) for w in wanted]
        )
        query = select(*_STOCK_COLUMNS).where(condition).order_by(*_STOCK_KEY).with_for_update()
        items = self._adopt(_item(row) for row in self._session.execute(query))
        return {item.location: item for item in items}

    def _create_missing(self, wanted: Sequence[StockLocation]) -> None:
        dialect = self._session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        rows = [
            {
                "store_id": w.store_id,
                "warehouse_code": w.warehouse_code,
                "bin_code": w.bin_code,
                "part_number": w.part_number,
                "on_hand": 0,
                "reserved": 0,
            }
            for w in wanted
            if w not in _tracked(self._session)
        ]
        if rows:
            self._session.execute(insert(t.stock).values(rows).on_conflict_do_nothing())

    def lock_parts(
        self, store_id: StoreId, warehouse_code: WarehouseCode, numbers: Collection[PartNumber]
    ) -> Sequence[StockItem]:
        parts = sorted(set(numbers))
        if not parts:
            return []
        driver = stock_sql.driver(self._session)
        rows = driver.fetch(driver.sql.lock_parts(len(parts)), (store_id, warehouse_code, *parts))
        return self._adopt(driver.sql.item(row) for row in rows)

    def items(
        self, store_id: StoreId, warehouse_code: WarehouseCode | None = None
    ) -> Sequence[StockItem]:
        """Unlocked snapshots (for listings and reports; never written back)."""
        query = select(*_STOCK_COLUMNS).where(t.stock.c.store_id == store_id)
        if warehouse_code is not None:
            query = query.where(t.stock.c.warehouse_code == warehouse_code)
        return [_item(row) for row in self._session.execute(query.order_by(*_STOCK_KEY))]

    def append(self, entry: LedgerEntry) -> None:
        self._session.add(entry)

    def ledger(self, store_id: StoreId, number: PartNumber | None = None) -> Sequence[LedgerEntry]:
        c = t.ledger.c
        query = select(LedgerEntry).where(c.store_id == store_id)
        if number is not None:
            query = query.where(c.part_number == number)
        return self._session.scalars(query.order_by(c.at, c.id)).all()

    def add_reservation(self, reservation: Reservation) -> None:
        # A new reservation is inserted at commit, in the round trip that writes the
        # stock rows (the hot path of reserve_parts, ADR 0013); later changes load
        # it through the ORM as usual.
        driver = stock_sql.driver(self._session)
        driver.pending_reservations.append(driver.sql.reservation_row(reservation))

    def get_reservation(
        self, store_id: StoreId, reservation_id: str, *, locked: bool = True
    ) -> Reservation | None:
        c = t.reservations.c
        query = select(Reservation).where(c.store_id == store_id, c.id == reservation_id)
        return self._session.scalars(_for_update(query) if locked else query).first()

    def open_reservations(
        self, store_id: StoreId, expiring_before: DateTime | None = None
    ) -> Sequence[Reservation]:
        c = t.reservations.c
        query = select(Reservation).where(
            c.store_id == store_id, c.status == ReservationStatus.OPEN
        )
        if expiring_before is not None:
            query = query.where(c.expires_at <= expiring_before)
        return self._session.scalars(query.order_by(c.id)).all()

    def open_reservations_at(self, locations: Collection[StockLocation]) -> Sequence[Reservation]:
        wanted = sorted(set(locations))
        if not wanted:
            return []
        c = t.reservations.c
        # Exactly these locations: only rows under stock locks this transaction holds
        # are locked (lock order, docs/inventory.md "Lock order").
        query = select(Reservation).where(
            tuple_(c.store_id, c.warehouse_code, c.bin_code, c.part_number).in_(
                [(w.store_id, w.warehouse_code, w.bin_code, w.part_number) for w in wanted]
            ),
            c.status == ReservationStatus.OPEN,
        )
        return self._session.scalars(_for_update(query.order_by(c.store_id, c.id))).all()

    def find_reservations(
        self,
        store_id: StoreId,
        *,
        reference: str | None = None,
        open_only: bool = False,
        limit: int = 500,
    ) -> Sequence[Reservation]:
        c = t.reservations.c
        query = select(Reservation).where(c.store_id == store_id)
        if reference is not None:
            query = query.where(c.reference == reference)
        if open_only:
            query = query.where(c.status == ReservationStatus.OPEN)
        return self._session.scalars(query.order_by(c.id.desc()).limit(limit)).all()

    def add_backorder(self, backorder: Backorder) -> None:
        self._session.add(backorder)

    def get_backorder(self, store_id: StoreId, backorder_id: str) -> Backorder | None:
        c = t.backorders.c
        query = select(Backorder).where(c.store_id == store_id, c.id == backorder_id)
        return self._session.scalars(_for_update(query)).first()

    def find_backorders(
        self, store_id: StoreId, *, open_only: bool = False, limit: int = 500
    ) -> Sequence[Backorder]:
        c = t.backorders.c
        query = select(Backorder).where(c.store_id == store_id)
        if open_only:
            query = query.where(c.status == BackorderStatus.OPEN)
        return self._session.scalars(query.order_by(c.created_at, c.id).limit(limit)).all()

    def open_backorders(
        self, store_id: StoreId, warehouse_code: WarehouseCode, number: PartNumber
    ) -> Sequence[Backorder]:
        c = t.backorders.c
        query = select(Backorder).where(
            c.store_id == store_id,
            c.warehouse_code == warehouse_code,
            c.part_number == number,
            c.status == BackorderStatus.OPEN,
        )
        return self._session.scalars(_for_update(query.order_by(c.created_at, c.id))).all()

    def add_transfer(self, transfer: Transfer) -> None:
        self._session.add(transfer)

    def get_transfer(self, transfer_id: str) -> Transfer | None:
        query = select(Transfer).where(t.transfers.c.id == transfer_id)
        return self._session.scalars(_for_update(query)).first()

    def incoming_transfers(self, store_id: StoreId) -> Sequence[Transfer]:
        c = t.transfers.c
        query = select(Transfer).where(
            c.to_store_id == store_id, c.status == TransferStatus.IN_TRANSIT
        )
        return self._session.scalars(query.order_by(c.dispatched_at, c.id)).all()

    def add_expected_receipt(self, receipt: ExpectedReceipt) -> None:
        self._session.add(receipt)

    def get_expected_receipt(self, store_id: StoreId, receipt_id: str) -> ExpectedReceipt | None:
        c = t.expected_receipts.c
        query = select(ExpectedReceipt).where(c.store_id == store_id, c.id == receipt_id)
        return self._session.scalars(_for_update(query)).first()

    def open_expected_receipts(self, store_id: StoreId) -> Sequence[ExpectedReceipt]:
        c = t.expected_receipts.c
        query = (
            select(ExpectedReceipt)
            .where(c.store_id == store_id, c.received_at.is_(None))
            .order_by(c.eta, c.id)
        )
        return self._session.scalars(query).all()

    def add_loan(self, loan: Loan) -> None:
        self._session.add(loan)

    def get_loan(self, store_id: StoreId, loan_id: str) -> Loan | None:
        c = t.loans.c
        query = select(Loan).where(c.store_id == store_id, c.id == loan_id)
        return self._session.scalars(_for_update(query)).first()

    def open_loans(self, store_id: StoreId) -> Sequence[Loan]:
        c = t.loans.c
        query = select(Loan).where(c.store_id == store_id, c.returned_at.is_(None))
        return self._session.scalars(query.order_by(c.due_at, c.id)).all()


class SqlGroupStockQuery:
    """``GroupStockQuery`` in one indexed aggregate over ``ix_inv_stock_part``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def where_available(self, number: PartNumber, at: DateTime) -> Sequence[Availability]:
        c, r = t.stock.c, t.reservations.c
        # Reservations past their expiry hold nothing (ADR 0014); only rows whose
        # next_expiry has come can have any, so the subquery runs for those alone.
        lapsed = (
            select(func.coalesce(func.sum(r.quantity), 0))
            .where(
                r.store_id == c.store_id,
                r.status == ReservationStatus.OPEN,
                r.expires_at <= at,
                r.part_number == c.part_number,
                r.warehouse_code == c.warehouse_code,
                r.bin_code == c.bin_code,
            )
            .scalar_subquery()
        )
        live = case((c.next_expiry <= at, c.reserved - lapsed), else_=c.reserved)
        on_hand, reserved = func.sum(c.on_hand), func.sum(live)
        query = (
            select(c.store_id, c.warehouse_code, on_hand, reserved)
            .where(c.part_number == number)
            .group_by(c.store_id, c.warehouse_code)
            .having(on_hand > reserved)
            .order_by(c.store_id, c.warehouse_code)
        )
        return [
            Availability(StoreId(s), WarehouseCode(w), int(oh), int(rs))
            for s, w, oh, rs in self._session.execute(query)
        ]
