"""Vehicles on SQLite and PostgreSQL: mapping round trip, lifecycle, group stock, locking."""

from __future__ import annotations

import pendulum
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from fours_adapters.bootstrap import FoursApp
from fours_adapters.sql.vehicles import tables as t
from fours_domain.org import services as org
from fours_domain.shared.catalogue import ColourCode, ModelCode, VehicleSpec
from fours_domain.shared.ids import StoreId
from fours_domain.shared.money import cny
from fours_domain.shared.time import FixedClock
from fours_domain.testing.strategies import vehicles
from fours_domain.vehicles import services as svc
from fours_domain.vehicles.lifecycle import VehicleAction, VehicleState
from fours_domain.vehicles.model import (
    ChecklistItem,
    ConcurrentChange,
    HolderKind,
    ManufacturerData,
    Vehicle,
)
from fours_domain.vehicles.ports import Availability, CarStockFilter

VIN = "LFV3A24G6P3000101"
VIN2 = "LFV3A24G8P3000102"
SPEC = VehicleSpec("AUDI", "A6L", "45TFSI", "BLACK", "BEIGE", 2026)
OK = (ChecklistItem("brakes", True),)
S = VehicleState


def _seed(app: FoursApp) -> None:
    org.create_group(app.uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(app.uow(), org.AddRegion("EAST", "East")).unwrap()
    for brand in ("AUDI", "BYD", "VW"):
        org.add_brand(app.uow(), org.AddBrand(brand, brand, "OEM")).unwrap()
    for store in ("S1", "S2"):
        cmd = org.OpenStore(store, store, "EAST", "Asia/Shanghai", ("AUDI", "BYD", "VW"))
        org.open_store(app.uow(), cmd, app.clock).unwrap()


def _fields(car: Vehicle) -> tuple[object, ...]:
    return (
        car.store_id,
        car.vin,
        car.spec,
        car.state,
        car.options,
        car.manufacturer_data,
        car.reservation,
        car.transfer_from,
        car.transfer_to,
        car.consigned_to,
        car.in_stock_since,
        car.last_seq,
        [
            (h.store_id, h.seq, h.at, h.action, h.from_state, h.to_state, h.actor, h.reason)
            for h in car.history
        ],
        [(i.number, i.items, i.passed, i.findings, i.inspector) for i in car.inspections],
    )


@settings(
    max_examples=15,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    car=vehicles(),
    price=st.none() | st.decimals("0", "2000000", places=2).map(cny),
    options=st.lists(st.sampled_from(["PANORAMA", "HUD", "TOWBAR"]), unique=True),
)
def test_vehicle_round_trips(
    app: FoursApp, car: Vehicle, price: object, options: list[str]
) -> None:
    with app.uow() as uow:
        seeded = uow.org.get_group() is not None
    if not seeded:
        _seed(app)
    car.set_manufacturer_data(
        ManufacturerData(
            order_number="PO-1",
            eta=pendulum.Date(2026, 12, 1),
            carrier="安吉物流",
            invoice_price=price,  # type: ignore[arg-type]
        )
    )
    car.set_master_data(engine_number="E1", certificate_number="C1", options=tuple(options))
    if car.transfer_to is not None:
        car.transfer_to = StoreId("S2")
    expected = _fields(car)
    with app.uow() as uow:
        uow.vehicles.add(car)
        uow.vehicles.save(car)
        uow.commit()
    try:
        with app.uow() as uow:
            loaded = uow.vehicles.get(car.vin)
            assert loaded is not None
            assert _fields(loaded) == expected
            loaded.check_invariants()
    finally:
        with app.engine.begin() as conn:
            for table in (t.history, t.inspections, t.vehicles):
                conn.execute(delete(table).where(table.c.vin == car.vin))


def test_lifecycle_transfer_and_history(app: FoursApp, clock: FixedClock) -> None:
    _seed(app)
    data = ManufacturerData(invoice_price=cny("339000.00"), order_number="PO-9")
    add = svc.AddVehicle("S1", VIN, SPEC, "amy", options=("HUD",), manufacturer=data)
    svc.add_vehicle(app.uow(), add, clock).unwrap()
    svc.inspect_vehicle(app.uow(), svc.InspectVehicle("S1", VIN, "bob", OK), clock).unwrap()
    svc.transfer_vehicle(app.uow(), svc.TransferVehicle("S1", VIN, "S2", "amy"), clock).unwrap()
    clock.advance(hours=20)
    svc.receive_vehicle(app.uow(), svc.ReceiveVehicle("S2", VIN, "cat"), clock).unwrap()
    with app.uow() as uow:
        car = uow.vehicles.get(svc.lookup_vin(VIN))
        assert car is not None and car.store_id == "S2" and car.state is S.IN_STOCK
        assert str(car.invoice_split.net.amount) == "300000.00"  # type: ignore[union-attr]
        entries = [(e.store_id, e.action) for e in uow.car_stock.history(car.vin)]
    assert entries == [
        ("S1", VehicleAction.RECORD),
        ("S1", VehicleAction.PASS_PDI),
        ("S1", VehicleAction.DISPATCH),
        ("S2", VehicleAction.RECEIVE),
    ]
    car, history = svc.vehicle_history(app.uow(), VIN).unwrap()
    assert [h.seq for h in history] == [1, 2, 3, 4] and car.inspections[0].passed


def test_group_stock_query(app: FoursApp, clock: FixedClock) -> None:
    _seed(app)
    red = VehicleSpec("BYD", "HAN", colour="RED")
    for vin, store, spec in (
        (VIN, "S1", SPEC),
        (VIN2, "S2", red),
        ("LGXCE4CB8P0000201", "S1", red),
    ):
        svc.add_vehicle(app.uow(), svc.AddVehicle(store, vin, spec, "amy"), clock).unwrap()
        svc.inspect_vehicle(app.uow(), svc.InspectVehicle(store, vin, "bob", OK), clock).unwrap()
    reserve = svc.ReserveVehicle("S2", VIN2, HolderKind.CUSTOMER, "C1", "amy")
    svc.reserve_vehicle(app.uow(), reserve, clock).unwrap()
    free_red = CarStockFilter(
        model=ModelCode("HAN"),
        colour=ColourCode("RED"),
        availability=Availability.FREE,
    )
    found = svc.find_cars(app.uow(), free_red).unwrap()
    assert [(c.vin, c.store_id) for c in found] == [("LGXCE4CB8P0000201", "S1")]
    reserved = svc.find_cars(app.uow(), CarStockFilter(availability=Availability.RESERVED))
    assert [(c.vin, c.reserved_for) for c in reserved.unwrap()] == [(VIN2, "C1")]
    by_store = svc.find_cars(app.uow(), CarStockFilter(store_id=StoreId("S1"))).unwrap()
    assert sorted(c.vin for c in by_store) == sorted([VIN, "LGXCE4CB8P0000201"])
    clock.advance(days=2)
    assert {c.days_in_stock(clock) for c in by_store} == {2}


def test_expiry_through_storage(app: FoursApp, clock: FixedClock) -> None:
    _seed(app)
    svc.add_vehicle(app.uow(), svc.AddVehicle("S1", VIN, SPEC, "amy"), clock).unwrap()
    svc.inspect_vehicle(app.uow(), svc.InspectVehicle("S1", VIN, "bob", OK), clock).unwrap()
    until = clock.now().add(hours=2)
    reserve = svc.ReserveVehicle("S1", VIN, HolderKind.SALES_ORDER, "SO-1", "amy", until)
    svc.reserve_vehicle(app.uow(), reserve, clock).unwrap()
    assert svc.expire_reservations(app.uow(), clock).unwrap() == ()
    clock.advance(hours=2)
    assert [v.value for v in svc.expire_reservations(app.uow(), clock).unwrap()] == [VIN]


def test_manufacturer_sync_is_idempotent_in_storage(app: FoursApp, clock: FixedClock) -> None:
    _seed(app)
    record = svc.ManufacturerVehicleRecord(
        "STAR:FAW", "S1", VIN, SPEC, "IN_TRANSIT", options=("HUD", "PANORAMA")
    )
    first = svc.sync_vehicle_from_manufacturer(app.uow(), record, clock).unwrap()
    second = svc.sync_vehicle_from_manufacturer(app.uow(), record, clock).unwrap()
    assert (first.status, second.status) == (svc.SyncStatus.CREATED, svc.SyncStatus.UNCHANGED)


# PostgreSQL only: SQLite serialises writers (BEGIN IMMEDIATE), so two sessions of one
# thread cannot interleave their writes there.
@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_stale_write_is_a_concurrent_change(app: FoursApp, clock: FixedClock) -> None:
    assert app.engine.dialect.name == "postgresql"
    _seed(app)
    svc.add_vehicle(app.uow(), svc.AddVehicle("S1", VIN, SPEC, "amy"), clock).unwrap()
    svc.inspect_vehicle(app.uow(), svc.InspectVehicle("S1", VIN, "bob", OK), clock).unwrap()
    vin = svc.lookup_vin(VIN)
    with app.uow() as first, app.uow() as second:
        a, b = first.vehicles.get(vin), second.vehicles.get(vin)
        assert a is not None and b is not None
        a.reserve(holder_kind=HolderKind.CUSTOMER, holder="C1", actor="x", at=clock.now()).unwrap()
        first.vehicles.save(a)
        first.commit()
        b.reserve(holder_kind=HolderKind.CUSTOMER, holder="C2", actor="y", at=clock.now()).unwrap()
        with pytest.raises(ConcurrentChange):
            second.vehicles.save(b)
    # Through the service the loser is retried on fresh data and refused cleanly.
    again = svc.reserve_vehicle(
        app.uow(), svc.ReserveVehicle("S1", VIN, HolderKind.CUSTOMER, "C2", "y"), clock
    )
    assert again.failure().message == f"vehicle {VIN} is RESERVED: cannot reserve"


def test_group_stock_as_of_now_in_sql(app: FoursApp, clock: FixedClock) -> None:
    """Lapsed reservations read as free, days in stock per store-local zone, and a
    store sees its incoming cars (not the ones it dispatched) — in SQL."""
    _seed(app)
    org.open_store(
        app.uow(), org.OpenStore("URUMQI", "乌鲁木齐", "EAST", "Asia/Urumqi", ("AUDI",)), clock
    ).unwrap()
    far = "LFV3A24GXP3000103"
    for vin, store in ((VIN, "S1"), (far, "URUMQI")):
        svc.add_vehicle(app.uow(), svc.AddVehicle(store, vin, SPEC, "amy"), clock).unwrap()
        svc.inspect_vehicle(app.uow(), svc.InspectVehicle(store, vin, "bob", OK), clock).unwrap()
    until = clock.now().add(hours=1)
    reserve = svc.ReserveVehicle("S1", VIN, HolderKind.CUSTOMER, "C1", "amy", until)
    svc.reserve_vehicle(app.uow(), reserve, clock).unwrap()

    def found(**kw: object) -> list[tuple[str, str, int | None]]:
        lines = svc.find_cars(app.uow(), CarStockFilter(**kw), clock).unwrap()  # type: ignore[arg-type]
        return sorted((c.vin, c.state_at(clock.now()).value, c.days_in_stock(clock)) for c in lines)

    assert found(availability=Availability.FREE) == [(far, "IN_STOCK", 0)]
    clock.advance(hours=1)
    assert found(availability=Availability.FREE) == [(VIN, "IN_STOCK", 0), (far, "IN_STOCK", 0)]
    assert found(availability=Availability.RESERVED) == []
    # 09:30 Shanghai on 25 Nov + 15 h = 01:30 on 26 Nov in Shanghai, 23:30 on 25 Nov in Urumqi.
    clock.advance(hours=14)
    assert found(min_days=1) == [(VIN, "IN_STOCK", 1)]
    assert found(max_days=0) == [(far, "IN_STOCK", 0)]
    svc.transfer_vehicle(app.uow(), svc.TransferVehicle("S1", VIN, "S2", "amy"), clock).unwrap()
    assert found(store_id=StoreId("S1")) == []
    assert found(store_id=StoreId("S1"), outgoing=True) == [(VIN, "IN_TRANSFER", None)]
    assert found(store_id=StoreId("S2"), incoming=True) == [(VIN, "IN_TRANSFER", None)]
    assert found(min_days=0) == [(far, "IN_STOCK", 0)]
