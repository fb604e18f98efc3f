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
from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.identifiers import Vin
from fours_domain.shared.ids import BrandCode, StoreId
from fours_domain.shared.time import Clock, DateTime, StoreTimeZone
from fours_domain.vehicles.lifecycle import STOCK_STATES, VehicleState
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
    With ``store_id``, the cars on that store's books that count in its stock; a
    car in transfer counts in no store's stock (the source's dropped at dispatch),
    so it is matched only through ``incoming`` (in transfer *to* the store) or
    ``outgoing`` (dispatched by it) — ADR 0025. ``as_of`` (set by the service from
    its clock) is the instant the stock is read for: a reservation past its
    deadline then counts as free stock (ADR 0023), and days in stock are counted
    up to it.
    """

    brand: BrandCode | None = None
    store_id: StoreId | None = None
    model: ModelCode | None = None
    trim: TrimCode | None = None
    colour: ColourCode | None = None
    states: frozenset[VehicleState] | None = None
    availability: Availability | None = None
    limit: int = 500
    min_days: int | None = None
    """Only cars in stock at least this many whole store-local days."""
    max_days: int | None = None
    """Only cars in stock at most this many whole store-local days."""
    incoming: bool = False
    """With ``store_id``: also the cars in transfer to it (not yet received)."""
    outgoing: bool = False
    """With ``store_id``: also the cars it dispatched that are still in transfer."""
    as_of: DateTime | None = None

    def __attrs_post_init__(self) -> None:
        for name, days in (("min_days", self.min_days), ("max_days", self.max_days)):
            if days is not None and days < 0:
                raise InvariantViolation(f"{name} must be 0 or more, not {days}")
        low, high = self.min_days, self.max_days
        if low is not None and high is not None and low > high:
            raise InvariantViolation(f"min_days {low} is above max_days {high}")

    def wanted_states(self) -> frozenset[VehicleState]:
        """The states (as of ``as_of``) asked for: ``states`` narrowed by availability."""
        states = set(self.states if self.states is not None else HELD_STATES)
        if self.availability is Availability.FREE:
            states &= {VehicleState.IN_STOCK}
        elif self.availability is Availability.RESERVED:
            states &= {VehicleState.RESERVED}
        if self.min_days is not None or self.max_days is not None:
            states &= STOCK_STATES
        return frozenset(states)

    def stocked_window(self, zone: StoreTimeZone) -> tuple[DateTime | None, DateTime | None]:
        """For stores of ``zone``: ``(earliest, before)`` bounds of ``in_stock_since``
        meeting the days filter (``earliest`` inclusive, ``before`` exclusive).

        Days in stock are whole store-local calendar days, as
        :meth:`CarStockLine.days_in_stock` counts them."""
        if self.min_days is None and self.max_days is None:
            return None, None
        if self.as_of is None:
            raise InvariantViolation("a days-in-stock filter needs the instant it is read at")
        today = zone.local(self.as_of).date()
        before = (
            None if self.min_days is None else zone.start_of(today.subtract(days=self.min_days - 1))
        )
        earliest = (
            None if self.max_days is None else zone.start_of(today.subtract(days=self.max_days))
        )
        return earliest, before


HELD_STATES = STOCK_STATES | {VehicleState.IN_TRANSFER}
"""Default of the stock query: at a store, or in transfer between two."""


@attrs.frozen
class CarStockLine:
    """One car of the group-wide stock, as the read port returns it.

    A read model: the VIN is its stored text (validated when the car was written);
    ``state`` is the stored state (see :meth:`state_at` for a lapsed reservation).
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
    reserved_until: DateTime | None = None

    def reservation_lapsed(self, at: DateTime) -> bool:
        """Reserved, but past the deadline: free stock from ``at`` on (ADR 0023)."""
        return (
            self.state is VehicleState.RESERVED
            and self.reserved_until is not None
            and self.reserved_until <= at
        )

    def state_at(self, at: DateTime) -> VehicleState:
        """The state as of ``at``: a lapsed reservation reads as IN_STOCK."""
        return VehicleState.IN_STOCK if self.reservation_lapsed(at) else self.state

    def days_in_stock(self, clock: Clock) -> int | None:
        """Whole days in stock at its store, counted in the store's local calendar;
        None unless the car is in stock there (pipeline, in transfer, consigned, sold)."""
        if self.in_stock_since is None or self.state not in STOCK_STATES:
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
