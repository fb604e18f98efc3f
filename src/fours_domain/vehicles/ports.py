"""Ports of the vehicles context: the car repository and the group-wide stock read port."""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

import attrs

from fours_domain.org.ports import OrgUnitOfWork
from fours_domain.shared.catalogue import (
    ColourCode,
    InteriorCode,
    ModelCode,
    TrimCode,
    VehicleSpec,
)
from fours_domain.shared.identifiers import Vin
from fours_domain.shared.ids import BrandCode, StoreId
from fours_domain.shared.time import Clock, DateTime, StoreTimeZone
from fours_domain.vehicles.lifecycle import VehicleState
from fours_domain.vehicles.model import HistoryEntry, ManufacturerData, Vehicle


@attrs.frozen
class StoredCar:
    """What is stored of a car, enough to tell that a manufacturer record changes
    nothing without loading the aggregate (its history, its inspections)."""

    vin: Vin
    store_id: StoreId
    state: VehicleState
    spec: VehicleSpec
    engine_number: str | None
    certificate_number: str | None
    options: tuple[str, ...]
    manufacturer: ManufacturerData


class VehicleRepository(Protocol):
    """Cars by VIN, wherever in the group they are."""

    def get(self, vin: Vin) -> Vehicle | None:
        """The car with this VIN, with its history and inspections."""
        ...

    def add(self, vehicle: Vehicle) -> None: ...

    def save(self, vehicle: Vehicle) -> None:
        """Write the changes now; raise
        :class:`~fours_domain.vehicles.model.ConcurrentChange` when another
        transaction changed the car since it was read (optimistic locking)."""
        ...

    def reserved_until_before(
        self, at: DateTime, store_id: StoreId | None = None
    ) -> Sequence[Vehicle]:
        """Reserved cars whose reservation deadline is at or before ``at``."""
        ...

    # Batched access, for manufacturer feeds of thousands of cars (docs/adr/0066).

    def stored(self, vins: Collection[Vin]) -> Mapping[str, StoredCar]:
        """What is stored of those of ``vins`` that exist, by VIN text (one query)."""
        ...

    def get_many(self, vins: Collection[Vin]) -> Mapping[str, Vehicle]:
        """Those of ``vins`` that exist, with history and inspections, by VIN text."""
        ...

    def add_new(self, vehicles: Sequence[Vehicle]) -> None:
        """Write new cars with their history and inspections now, in bulk; raise
        :class:`~fours_domain.vehicles.model.ConcurrentChange` when a VIN exists already
        (the caller then goes car by car). The cars are not kept by the repository."""
        ...

    def save_all(self, vehicles: Sequence[Vehicle]) -> None:
        """:meth:`save` for several changed cars at once."""
        ...


class Availability(enum.Enum):
    """Free (in stock, nobody's) or reserved (预留)."""

    FREE = "free"
    RESERVED = "reserved"


@attrs.frozen
class CarStockFilter:
    """What to look for in the group-wide car stock (集团车辆全局库存); ``None`` = any.

    ``states`` defaults to the cars the group holds: at a store or in transfer.
    """

    brand: BrandCode | None = None
    store_id: StoreId | None = None
    model: ModelCode | None = None
    trim: TrimCode | None = None
    colour: ColourCode | None = None
    states: frozenset[VehicleState] | None = None
    availability: Availability | None = None
    limit: int = 500


@attrs.frozen
class CarStockLine:
    """One car of the group-wide stock, as the read port returns it.

    A read model: the VIN is its stored text (validated when the car was written).
    """

    vin: str
    store_id: StoreId
    brand: BrandCode
    model: ModelCode
    trim: TrimCode | None
    colour: ColourCode | None
    interior: InteriorCode | None
    model_year: int | None
    state: VehicleState
    reserved_for: str | None
    transfer_to: StoreId | None
    in_stock_since: DateTime | None
    time_zone: StoreTimeZone

    def days_in_stock(self, clock: Clock) -> int | None:
        """Whole days in stock at its store, counted in the store's local calendar."""
        if self.in_stock_since is None:
            return None
        today = self.time_zone.today(clock)
        return (today - self.time_zone.local(self.in_stock_since).date()).days


class CarStockQuery(Protocol):
    """Read port: the group's cars, filtered, without loading aggregates."""

    def find(self, wanted: CarStockFilter) -> Sequence[CarStockLine]:
        """Matching cars ordered by model, colour, store, VIN (at most ``wanted.limit``)."""
        ...

    def history(self, vin: Vin) -> Sequence[HistoryEntry]:
        """One car's transitions, oldest first (empty for an unknown VIN)."""
        ...


class VehiclesUnitOfWork(OrgUnitOfWork, Protocol):
    @property
    def vehicles(self) -> VehicleRepository: ...

    @property
    def car_stock(self) -> CarStockQuery: ...
