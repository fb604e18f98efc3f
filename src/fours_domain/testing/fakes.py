"""In-memory fakes of the ports, for service tests without a database.

``FakeUnitOfWork`` keeps committed state in plain dictionaries and copies
nothing: like the SQL unit of work, changes to loaded aggregates are kept only
when ``commit()`` is called (uncommitted work is rolled back by snapshot).
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from types import TracebackType
from typing import Any, Self

from fours_domain.inventory.model import (
    Backorder,
    BackorderStatus,
    ExpectedReceipt,
    LedgerEntry,
    Loan,
    Part,
    Reservation,
    SafetyStock,
    StockItem,
    StockLocation,
    Transfer,
    TransferStatus,
)
from fours_domain.inventory.reports import Availability, availability_of
from fours_domain.org.model import Brand, BusinessUnit, Group, MasterDataScope, Region, Store
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.events import DomainEvent, EventRecorder
from fours_domain.shared.ids import BrandCode, BusinessUnitId, RegionId, StoreId, WarehouseCode
from fours_domain.shared.time import DateTime


class FakeOrgRepository:
    def __init__(self) -> None:
        self.group: Group | None = None
        self.regions: dict[RegionId, Region] = {}
        self.units: dict[BusinessUnitId, BusinessUnit] = {}
        self.brands: dict[BrandCode, Brand] = {}
        self.stores: dict[StoreId, Store] = {}

    def get_group(self) -> Group | None:
        return self.group

    def add_group(self, group: Group) -> None:
        self.group = group

    def get_region(self, region_id: RegionId) -> Region | None:
        return self.regions.get(region_id)

    def add_region(self, region: Region) -> None:
        self.regions[region.id] = region

    def list_regions(self) -> Sequence[Region]:
        return sorted(self.regions.values(), key=lambda r: r.id)

    def get_business_unit(self, unit_id: BusinessUnitId) -> BusinessUnit | None:
        return self.units.get(unit_id)

    def add_business_unit(self, unit: BusinessUnit) -> None:
        self.units[unit.id] = unit

    def list_business_units(self) -> Sequence[BusinessUnit]:
        return sorted(self.units.values(), key=lambda u: u.id)

    def get_brand(self, brand_code: BrandCode) -> Brand | None:
        return self.brands.get(brand_code)

    def add_brand(self, brand: Brand) -> None:
        self.brands[brand.code] = brand

    def list_brands(self) -> Sequence[Brand]:
        return sorted(self.brands.values(), key=lambda b: b.code)

    def get_store(self, store_id: StoreId) -> Store | None:
        return self.stores.get(store_id)

    def add_store(self, store: Store) -> None:
        self.stores[store.id] = store

    def list_stores(self, region_id: RegionId | None = None) -> Sequence[Store]:
        return sorted(
            (s for s in self.stores.values() if region_id is None or s.region_id == region_id),
            key=lambda s: s.id,
        )


class FakePartRepository:
    def __init__(self) -> None:
        self.parts: dict[tuple[str, PartNumber], Part] = {}
        self.safety: dict[tuple[StoreId, WarehouseCode, PartNumber], SafetyStock] = {}

    def get(self, scope: MasterDataScope, number: PartNumber) -> Part | None:
        return self.parts.get((scope.key, number))

    def add(self, part: Part) -> None:
        self.parts[(part.scope_key, part.number)] = part

    def list(self, scope: MasterDataScope | None = None) -> Sequence[Part]:
        return sorted(
            (p for p in self.parts.values() if scope is None or p.scope_key == scope.key),
            key=lambda p: (p.number, p.scope_key),
        )

    def get_safety_stock(
        self, store_id: StoreId, warehouse_code: WarehouseCode, number: PartNumber
    ) -> SafetyStock | None:
        return self.safety.get((store_id, warehouse_code, number))

    def add_safety_stock(self, rule: SafetyStock) -> None:
        self.safety[(rule.store_id, rule.warehouse_code, rule.part_number)] = rule

    def safety_stocks(self, store_id: StoreId) -> Sequence[SafetyStock]:
        return [r for k, r in sorted(self.safety.items()) if k[0] == store_id]


class FakeStockRepository:
    """Stock, ledger, reservations, backorders, transfers, loans; also the group query."""

    def __init__(self) -> None:
        self.stock: dict[StockLocation, StockItem] = {}
        self.entries: list[LedgerEntry] = []
        self.reservations: dict[tuple[StoreId, str], Reservation] = {}
        self.backorders: list[Backorder] = []
        self.transfers: dict[str, Transfer] = {}
        self.loans: dict[tuple[StoreId, str], Loan] = {}
        self.expected: dict[tuple[StoreId, str], ExpectedReceipt] = {}

    def lock(
        self, locations: Collection[StockLocation], *, create: bool = False
    ) -> dict[StockLocation, StockItem]:
        if create:
            for loc in locations:
                if loc not in self.stock:
                    self.stock[loc] = StockItem(
                        loc.store_id, loc.warehouse_code, loc.bin_code, loc.part_number
                    )
        return {loc: self.stock[loc] for loc in sorted(locations) if loc in self.stock}

    def lock_parts(
        self, store_id: StoreId, warehouse_code: WarehouseCode, numbers: Collection[PartNumber]
    ) -> Sequence[StockItem]:
        wanted = set(numbers)
        return [
            item
            for loc, item in sorted(self.stock.items())
            if loc.store_id == store_id
            and loc.warehouse_code == warehouse_code
            and loc.part_number in wanted
        ]

    def items(
        self, store_id: StoreId, warehouse_code: WarehouseCode | None = None
    ) -> Sequence[StockItem]:
        return [
            item
            for loc, item in sorted(self.stock.items())
            if loc.store_id == store_id
            and (warehouse_code is None or loc.warehouse_code == warehouse_code)
        ]

    def append(self, entry: LedgerEntry) -> None:
        self.entries.append(entry)

    def ledger(self, store_id: StoreId, number: PartNumber | None = None) -> Sequence[LedgerEntry]:
        return [
            e
            for e in self.entries
            if e.store_id == store_id and (number is None or e.part_number == number)
        ]

    def add_reservation(self, reservation: Reservation) -> None:
        self.reservations[(reservation.store_id, reservation.id)] = reservation

    def get_reservation(self, store_id: StoreId, reservation_id: str) -> Reservation | None:
        return self.reservations.get((store_id, reservation_id))

    def open_reservations(
        self, store_id: StoreId, expiring_before: DateTime | None = None
    ) -> Sequence[Reservation]:
        return [
            r
            for (sid, _), r in sorted(self.reservations.items())
            if sid == store_id
            and r.is_open
            and (
                expiring_before is None
                or (r.expires_at is not None and r.expires_at <= expiring_before)
            )
        ]

    def add_backorder(self, backorder: Backorder) -> None:
        self.backorders.append(backorder)

    def open_backorders(
        self, store_id: StoreId, warehouse_code: WarehouseCode, number: PartNumber
    ) -> Sequence[Backorder]:
        return sorted(
            (
                b
                for b in self.backorders
                if (b.store_id, b.warehouse_code, b.part_number)
                == (store_id, warehouse_code, number)
                and b.status is BackorderStatus.OPEN
            ),
            key=lambda b: (b.created_at, b.id),
        )

    def add_transfer(self, transfer: Transfer) -> None:
        self.transfers[transfer.id] = transfer

    def get_transfer(self, transfer_id: str) -> Transfer | None:
        return self.transfers.get(transfer_id)

    def incoming_transfers(self, store_id: StoreId) -> Sequence[Transfer]:
        return [
            t
            for t in self.transfers.values()
            if t.to_store_id == store_id and t.status is TransferStatus.IN_TRANSIT
        ]

    def add_expected_receipt(self, receipt: ExpectedReceipt) -> None:
        self.expected[(receipt.store_id, receipt.id)] = receipt

    def get_expected_receipt(self, store_id: StoreId, receipt_id: str) -> ExpectedReceipt | None:
        return self.expected.get((store_id, receipt_id))

    def open_expected_receipts(self, store_id: StoreId) -> Sequence[ExpectedReceipt]:
        return sorted(
            (r for (sid, _), r in self.expected.items() if sid == store_id and r.is_open),
            key=lambda r: (r.eta, r.id),
        )

    def add_loan(self, loan: Loan) -> None:
        self.loans[(loan.store_id, loan.id)] = loan

    def get_loan(self, store_id: StoreId, loan_id: str) -> Loan | None:
        return self.loans.get((store_id, loan_id))

    def where_available(self, number: PartNumber) -> Sequence[Availability]:
        return availability_of(i for loc, i in self.stock.items() if loc.part_number == number)


class FakeUnitOfWork:
    """Satisfies the context unit-of-work protocols in memory."""

    def __init__(self) -> None:
        self.org = FakeOrgRepository()
        self.parts = FakePartRepository()
        self.stock = FakeStockRepository()
        self.committed = 0
        self.published: list[DomainEvent] = []
        self._tracked: list[EventRecorder] = []
        self._snapshot: dict[str, Any] = {}

    @property
    def group_stock(self) -> FakeStockRepository:
        return self.stock

    def _repositories(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in vars(self).items()
            if not name.startswith("_") and name not in {"committed", "published"}
        }

    def __enter__(self) -> Self:
        self._snapshot = copy.deepcopy(self._repositories())
        self._tracked = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def track(self, aggregate: EventRecorder) -> None:
        self._tracked.append(aggregate)

    def commit(self) -> None:
        self.committed += 1
        self._snapshot = copy.deepcopy(self._repositories())
        for aggregate in self._tracked:
            self.published.extend(aggregate.pull_events())
        self._tracked = []

    def rollback(self) -> None:
        for name, value in self._snapshot.items():
            setattr(self, name, copy.deepcopy(value))
        self._tracked = []
