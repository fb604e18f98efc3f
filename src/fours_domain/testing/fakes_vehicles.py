"""In-memory fakes of the vehicles ports (attached in ``FakeUnitOfWork``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from fours_domain.org.model import Store
from fours_domain.shared.identifiers import Vin
from fours_domain.shared.ids import StoreId
from fours_domain.shared.time import DateTime
from fours_domain.vehicles.lifecycle import STOCK_STATES, VehicleState
from fours_domain.vehicles.model import ConcurrentChange, HistoryEntry, Vehicle
from fours_domain.vehicles.ports import CarStockFilter, CarStockLine, StoredCar


def _at_store(wanted: CarStockFilter, line: CarStockLine) -> bool:
    """The SQL adapter's store rule: held stock, in-transfer cars only as asked for."""
    if wanted.store_id is None:
        return True
    if line.state is not VehicleState.IN_TRANSFER:
        return line.store_id == wanted.store_id
    return (wanted.incoming and line.transfer_to == wanted.store_id) or (
        wanted.outgoing and line.store_id == wanted.store_id
    )


def _stocked_within(wanted: CarStockFilter, line: CarStockLine) -> bool:
    if wanted.min_days is None and wanted.max_days is None:
        return True
    earliest, before = wanted.stocked_window(line.time_zone)
    since = line.in_stock_since
    return (
        since is not None
        and line.state in STOCK_STATES
        and (earliest is None or since >= earliest)
        and (before is None or since < before)
    )


class _Stores(Protocol):
    def get_store(self, store_id: StoreId) -> Store | None: ...


class FakeVehicleRepository:
    """In-memory :class:`~fours_domain.vehicles.ports.VehicleRepository`: cars by VIN
    with their history."""

    def __init__(self) -> None:
        self.cars: dict[str, Vehicle] = {}
        self.saves = 0

    def get(self, vin: Vin) -> Vehicle | None:
        return self.cars.get(vin.value)

    def add(self, vehicle: Vehicle) -> None:
        self.cars[vehicle.vin.value] = vehicle

    def save(self, vehicle: Vehicle) -> None:
        self.saves += 1

    def stored(self, vins: Collection[Vin]) -> Mapping[str, StoredCar]:
        found = (self.cars.get(vin.value) for vin in vins)
        return {
            car.vin.value: StoredCar(
                vin=car.vin,
                store_id=car.store_id,
                state=car.state,
                spec=car.spec,
                engine_number=car.engine_number,
                certificate_number=car.certificate_number,
                options=car.options,
                manufacturer=car.manufacturer_data,
            )
            for car in found
            if car is not None
        }

    def get_many(self, vins: Collection[Vin]) -> Mapping[str, Vehicle]:
        return {vin.value: self.cars[vin.value] for vin in vins if vin.value in self.cars}

    def add_new(self, vehicles: Sequence[Vehicle]) -> None:
        for vehicle in vehicles:
            if vehicle.vin.value in self.cars:
                raise ConcurrentChange(vehicle.vin)
        for vehicle in vehicles:
            self.cars[vehicle.vin.value] = vehicle
        self.saves += 1

    def save_all(self, vehicles: Sequence[Vehicle]) -> None:
        self.saves += 1

    def reserved_until_before(
        self, at: DateTime, store_id: StoreId | None = None
    ) -> Sequence[Vehicle]:
        return sorted(
            (
                c
                for c in self.cars.values()
                if c.state is VehicleState.RESERVED
                and c.reserved_until is not None
                and c.reserved_until <= at
                and (store_id is None or c.store_id == store_id)
            ),
            key=lambda c: c.vin.value,
        )


class FakeCarStockQuery:
    """The group-wide stock over the fake repository (same filter rules as SQL)."""

    def __init__(self, cars: FakeVehicleRepository, stores: _Stores) -> None:
        self._cars = cars
        self._stores = stores

    def find(self, wanted: CarStockFilter) -> Sequence[CarStockLine]:
        states = wanted.wanted_states()
        lines = []
        for car in self._cars.cars.values():
            store = self._stores.get_store(car.store_id)
            if store is None:
                continue
            line = CarStockLine(
                vin=car.vin.value,
                store_id=car.store_id,
                brand=car.brand,
                model=car.model,
                trim=car.trim,
                colour=car.colour,
                interior=car.interior,
                model_year=car.model_year,
                state=car.state,
                reserved_for=car.reserved_for,
                transfer_to=car.transfer_to,
                in_stock_since=car.in_stock_since,
                time_zone=store.time_zone,
                reserved_until=car.reserved_until,
            )
            state = line.state if wanted.as_of is None else line.state_at(wanted.as_of)
            if state not in states or not _at_store(wanted, line):
                continue
            if any(
                want is not None and want != have
                for want, have in (
                    (wanted.brand, car.brand),
                    (wanted.model, car.model),
                    (wanted.trim, car.trim),
                    (wanted.colour, car.colour),
                )
            ):
                continue
            if not _stocked_within(wanted, line):
                continue
            lines.append(line)
        lines.sort(key=lambda c: (c.model, c.colour or "", c.store_id, c.vin))
        return lines[: wanted.limit]

    def history(self, vin: Vin) -> Sequence[HistoryEntry]:
        car = self._cars.get(vin)
        return [] if car is None else list(car.history)
