"""Manufacturer feeds in batches: ``sync_vehicles_from_manufacturer`` gives, record for
record, what ``sync_vehicle_from_manufacturer`` gives one record at a time (ADR 0066)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from fours_domain.org import services as org
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import DomainError
from fours_domain.shared.identifiers import VinCheck
from fours_domain.shared.money import cny
from fours_domain.shared.time import FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork
from fours_domain.vehicles import services as svc
from fours_domain.vehicles.model import ConcurrentChange, ManufacturerData, Vehicle

CLOCK = FixedClock(pendulum.datetime(2026, 11, 25, 1, 30, tz="UTC"))
VINS = ("LFV3A24G6P3000101", "LFV3A24G8P3000102", "LFV3A24GXP3000103", "WVWZZZ1KZAW000001")
AUDI = VehicleSpec("AUDI", "A6L", "45TFSI", "BLACK", "BEIGE", 2026)
BYD = VehicleSpec("BYD", "HAN", None, "RED", None, 2026)
DATA = (
    ManufacturerData(),
    ManufacturerData(order_number="PO-1", eta=pendulum.Date(2026, 12, 1), carrier="安吉物流"),
    ManufacturerData.from_invoice(
        invoice_price=cny("398000.00"), invoice_tax=cny("45787.61"), invoice_number="INV-9"
    ),
)
STATES = ("ON_ORDER", "IN_TRANSIT", "RECEIVED", "AVAILABLE", "PRE_SOLD", "SOLD", "DAMAGED")


def _group() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    org.create_group(uow, org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(uow, org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(uow, org.AddBrand("AUDI", "Audi", "FAW")).unwrap()
    org.add_brand(uow, org.AddBrand("BYD", "BYD", "BYD")).unwrap()
    for store, brands in (("S1", ("AUDI",)), ("S2", ("AUDI", "BYD"))):
        org.open_store(uow, org.OpenStore(store, store, "EAST", "Asia/Shanghai", brands), CLOCK)
    uow.published.clear()
    return uow


feed_records = st.builds(
    svc.ManufacturerVehicleRecord,
    source=st.just("STAR:FAW"),
    store_id=st.sampled_from(["S1", "S2", "NOPE", "no such store!"]),
    vin=st.sampled_from(VINS),
    spec=st.sampled_from([AUDI, BYD]),
    manufacturer_state=st.sampled_from([*STATES, "LOST"]),
    engine_number=st.sampled_from([None, "EA888-1"]),
    options=st.sampled_from([(), ("wa3", "PQD"), (" ",)]),
    manufacturer=st.sampled_from(DATA),
    vin_check=st.just(VinCheck.LENIENT),
)


def _outcome(result: Result[svc.SyncOutcome, DomainError]) -> tuple[Any, ...]:
    match result:
        case Success(outcome):
            return ("ok", outcome.vin, outcome.status, outcome.state, outcome.notes)
        case Failure(error):
            return ("refused", type(error).__name__, error.message)
    raise AssertionError("unreachable")


def _cars(uow: FakeUnitOfWork) -> dict[str, tuple[Any, ...]]:
    def fields(obj: Any) -> tuple[Any, ...]:
        return tuple(
            getattr(obj, f.name)
            for f in attrs.fields(type(obj))
            if f.name not in {"history", "inspections"}
        )

    cars: dict[str, Vehicle] = uow.vehicles.cars
    return {
        vin: (fields(car), [fields(entry) for entry in car.history])
        for vin, car in sorted(cars.items())
    }


def _events(uow: FakeUnitOfWork) -> list[Any]:
    return sorted(uow.published, key=lambda e: (getattr(e, "vin", ""), repr(e)))


class _RacedOnce:
    """A repository whose first bulk write loses a race (a VIN inserted meanwhile)."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._add_new = uow.vehicles.add_new
        self.raced = False
        uow.vehicles.add_new = self  # type: ignore[method-assign]

    def __call__(self, vehicles: Sequence[Vehicle]) -> None:
        if vehicles and not self.raced:
            self.raced = True
            raise ConcurrentChange(vehicles[0].vin)
        self._add_new(vehicles)


@given(
    before=st.lists(feed_records, max_size=4),
    records=st.lists(feed_records, min_size=1, max_size=12),
    batch=st.integers(1, 12),
    race=st.booleans(),
)
def test_a_batch_does_what_its_records_do_one_by_one(
    before: list[svc.ManufacturerVehicleRecord],
    records: list[svc.ManufacturerVehicleRecord],
    batch: int,
    race: bool,
) -> None:
    one_by_one, batched = _group(), _group()
    for record in before:
        svc.sync_vehicle_from_manufacturer(one_by_one, record, CLOCK)
        svc.sync_vehicle_from_manufacturer(batched, record, CLOCK)
    if race:
        _RacedOnce(batched)
    expected = [svc.sync_vehicle_from_manufacturer(one_by_one, r, CLOCK) for r in records]
    got: list[Result[svc.SyncOutcome, DomainError]] = []
    for start in range(0, len(records), batch):
        got += svc.sync_vehicles_from_manufacturer(batched, records[start : start + batch], CLOCK)
    assert [_outcome(r) for r in got] == [_outcome(r) for r in expected]
    assert _cars(batched) == _cars(one_by_one)
    assert _events(batched) == _events(one_by_one)


def test_a_resent_record_changes_nothing_without_loading_the_car() -> None:
    uow = _group()
    record = svc.ManufacturerVehicleRecord(
        "STAR:FAW", "S1", VINS[0], AUDI, "IN_TRANSIT", manufacturer=DATA[2]
    )
    [created] = svc.sync_vehicles_from_manufacturer(uow, [record], CLOCK)
    assert created.unwrap().status is svc.SyncStatus.CREATED
    loaded: list[object] = []

    def load(*args: object) -> dict[str, Vehicle]:
        loaded.append(args)
        return {}

    uow.vehicles.get_many = load  # type: ignore[method-assign,assignment]
    uow.vehicles.get = load  # type: ignore[method-assign,assignment]
    [again] = svc.sync_vehicles_from_manufacturer(uow, [record], CLOCK)
    assert again.unwrap().status is svc.SyncStatus.UNCHANGED and loaded == []


def test_notes_name_the_field_they_are_about() -> None:
    uow = _group()
    record = svc.ManufacturerVehicleRecord(
        "STAR:FAW", "S1", VINS[3], AUDI, "ON_ORDER", vin_check=VinCheck.LENIENT
    )
    [created] = svc.sync_vehicles_from_manufacturer(uow, [record], CLOCK)
    assert [n.field for n in created.unwrap().notes] == ["vin"]  # an EU VIN, lenient
    moved = attrs.evolve(record, store_id="S2", manufacturer_state="SOLD")
    [outcome] = svc.sync_vehicles_from_manufacturer(uow, [moved], CLOCK)
    assert [(n.field, n.message) for n in outcome.unwrap().notes] == [
        ("state", "manufacturer says SOLD: recorded as ARRIVED, PDI pending"),
        ("store_id", "feed names store S2, the car is held by S1"),
    ]


@pytest.mark.parametrize("state", ["LOST", ""])
def test_records_refused_before_any_lookup_keep_their_place(state: str) -> None:
    uow = _group()
    good = svc.ManufacturerVehicleRecord("STAR:FAW", "S1", VINS[0], AUDI, "ON_ORDER")
    bad = attrs.evolve(good, vin=VINS[1], manufacturer_state=state)
    results = svc.sync_vehicles_from_manufacturer(uow, [bad, good, bad], CLOCK)
    assert [type(r) for r in results] == [Failure, Success, Failure]
