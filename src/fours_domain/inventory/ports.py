"""Ports of the inventory context.

Locking contract: ``StockRepository.lock`` returns the stock items at the given
locations *locked for this unit of work* (PostgreSQL ``SELECT … FOR UPDATE`` in
primary-key order; SQLite's writer lock, taken by ``BEGIN IMMEDIATE``), so the
aggregate's decision (enough available?) cannot be invalidated by another
writer before commit. See docs/adr/0010-stock-concurrency.md.

Lock order (docs/adr/0072-one-lock-order.md): a command locks (1) the one document
it names (transfer, loan, expected receipt), (2) its stock rows, in one call, in
key order, (3) reservations and backorders of those stock rows, by key. Nothing
is locked out of this order: a reservation named by a command is read unlocked
first, to find its stock row, and locked after that row.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from fours_domain.inventory.model import (
    Backorder,
    ExpectedReceipt,
    LedgerEntry,
    Loan,
    Part,
    Reservation,
    SafetyStock,
    StockItem,
    StockLocation,
    Transfer,
)
from fours_domain.inventory.reports import Availability
from fours_domain.org.model import MasterDataScope
from fours_domain.org.ports import OrgRepository
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.ids import StoreId, WarehouseCode
from fours_domain.shared.time import DateTime
from fours_domain.shared.uow import UnitOfWork


class PartRepository(Protocol):
    """The parts catalogue (reference data) and safety stock levels."""

    def get(self, scope: MasterDataScope, number: PartNumber) -> Part | None: ...
    def add(self, part: Part) -> None: ...
    def list(self, scope: MasterDataScope | None = None) -> Sequence[Part]: ...
    def get_safety_stock(
        self, store_id: StoreId, warehouse_code: WarehouseCode, number: PartNumber
    ) -> SafetyStock | None: ...
    def add_safety_stock(self, rule: SafetyStock) -> None: ...
    def safety_stocks(self, store_id: StoreId) -> Sequence[SafetyStock]: ...


class StockRepository(Protocol):
    """Stock items, the ledger, reservations, backorders, transfers and loans of stores."""

    def lock(
        self,
        locations: Collection[StockLocation],
        *,
        create: bool | Collection[StockLocation] = False,
    ) -> dict[StockLocation, StockItem]:
        """The items at ``locations``, locked until the unit of work ends, in key order.

        Without ``create`` only existing items are returned; with ``True``, missing
        ones are created empty first (two writers creating the same item do
        not collide); with a collection, only those of its locations that are
        missing. A command locks all its stock rows in one call (lock order).
        """
        ...

    def lock_parts(
        self, store_id: StoreId, warehouse_code: WarehouseCode, numbers: Collection[PartNumber]
    ) -> Sequence[StockItem]:
        """Every bin's item of these parts in one warehouse, locked, in key order."""
        ...

    def items(
        self, store_id: StoreId, warehouse_code: WarehouseCode | None = None
    ) -> Sequence[StockItem]: ...
    def append(self, entry: LedgerEntry) -> None:
        """Add a ledger entry (the ledger is append-only: nothing updates or deletes)."""
        ...

    def ledger(
        self, store_id: StoreId, number: PartNumber | None = None
    ) -> Sequence[LedgerEntry]: ...
    def add_reservation(self, reservation: Reservation) -> None: ...
    def get_reservation(
        self, store_id: StoreId, reservation_id: str, *, locked: bool = True
    ) -> Reservation | None:
        """The reservation, locked for change (like every ``get_*`` of this port);
        ``locked=False``: a plain read, to find the stock row to lock first."""
        ...

    def open_reservations(
        self, store_id: StoreId, expiring_before: DateTime | None = None
    ) -> Sequence[Reservation]:
        """Open reservations of a store (those expiring at or before ``expiring_before``,
        when it is given), unlocked."""
        ...

    def open_reservations_at(self, locations: Collection[StockLocation]) -> Sequence[Reservation]:
        """Every open reservation of these stock items, locked in key order (to expire
        lapsed ones); call it only with stock items this unit of work has locked."""
        ...

    def find_reservations(
        self,
        store_id: StoreId,
        *,
        reference: str | None = None,
        open_only: bool = False,
        limit: int = 500,
    ) -> Sequence[Reservation]:
        """A store's reservations for listings (newest first), unlocked."""
        ...

    def add_backorder(self, backorder: Backorder) -> None: ...
    def get_backorder(self, store_id: StoreId, backorder_id: str) -> Backorder | None:
        """The backorder, locked for change."""
        ...

    def find_backorders(
        self, store_id: StoreId, *, open_only: bool = False, limit: int = 500
    ) -> Sequence[Backorder]:
        """A store's backorders for listings (oldest first), unlocked."""
        ...

    def open_backorders(
        self, store_id: StoreId, warehouse_code: WarehouseCode, number: PartNumber
    ) -> Sequence[Backorder]:
        """Open backorders of a part in a warehouse, oldest first."""
        ...

    def add_transfer(self, transfer: Transfer) -> None: ...
    def get_transfer(self, transfer_id: str) -> Transfer | None: ...
    def incoming_transfers(self, store_id: StoreId) -> Sequence[Transfer]:
        """Transfers to ``store_id`` still in transit."""
        ...

    def add_expected_receipt(self, receipt: ExpectedReceipt) -> None: ...
    def get_expected_receipt(
        self, store_id: StoreId, receipt_id: str
    ) -> ExpectedReceipt | None: ...
    def open_expected_receipts(self, store_id: StoreId) -> Sequence[ExpectedReceipt]: ...
    def add_loan(self, loan: Loan) -> None: ...
    def get_loan(self, store_id: StoreId, loan_id: str) -> Loan | None: ...
    def open_loans(self, store_id: StoreId) -> Sequence[Loan]:
        """Loans of a store with parts still out, oldest due first."""
        ...


class GroupStockQuery(Protocol):
    """Read port: where a part can be had across the group (集团配件全局库存)."""

    def where_available(self, number: PartNumber, at: DateTime) -> Sequence[Availability]:
        """(store, warehouse) rows with something available at ``at``, by store then
        warehouse; reservations past their expiry at ``at`` do not count (ADR 0014)."""
        ...


class InventoryUnitOfWork(UnitOfWork, Protocol):
    @property
    def org(self) -> OrgRepository: ...
    @property
    def parts(self) -> PartRepository: ...
    @property
    def stock(self) -> StockRepository: ...
    @property
    def group_stock(self) -> GroupStockQuery: ...
