"""In-memory fakes of the ports, for service tests without a database.

``FakeUnitOfWork`` keeps committed state in plain dictionaries and copies
nothing: like the SQL unit of work, changes to loaded aggregates are kept only
when ``commit()`` is called (uncommitted work is rolled back by snapshot).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

from fours_domain.dms.ports import ImportRecord
from fours_domain.dms.records import RecordKind
from fours_domain.org.model import Brand, BusinessUnit, Group, Region, Store
from fours_domain.shared.events import DomainEvent, EventRecorder
from fours_domain.shared.ids import BrandCode, BusinessUnitId, RegionId, StoreId


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


class FakeImportJournal:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, RecordKind, str], ImportRecord] = {}

    def find(self, adapter: str, kind: RecordKind, document_key: str) -> ImportRecord | None:
        return self.entries.get((adapter, kind, document_key))

    def add(self, entry: ImportRecord) -> None:
        self.entries[(entry.adapter, entry.kind, entry.document_key)] = entry

    def recent(self, limit: int = 20) -> Sequence[ImportRecord]:
        return sorted(self.entries.values(), key=lambda e: e.imported_at, reverse=True)[:limit]


class FakeUnitOfWork:
    """Satisfies the context unit-of-work protocols in memory."""

    def __init__(self) -> None:
        self.org = FakeOrgRepository()
        self.dms_imports = FakeImportJournal()
        self.committed = 0
        self.published: list[DomainEvent] = []
        self._tracked: list[EventRecorder] = []
        self._snapshot: dict[str, Any] = {}

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
