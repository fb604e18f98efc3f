"""Vehicle application services against the in-memory fakes."""

from __future__ import annotations

from typing import Any

import attrs
import pendulum
import pytest
from returns.result import Failure, Success

from fours_domain.org import services as org
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.identifiers import VinCheck
from fours_domain.shared.ids import StoreId
from fours_domain.shared.money import cny
from fours_domain.shared.time import FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork
from fours_domain.vehicles import services as svc
from fours_domain.vehicles.lifecycle import VehicleAction, VehicleState
from fours_domain.vehicles.model import (
    ChecklistItem,
    HolderKind,
    ManufacturerData,
    VehicleStateChanged,
)
from fours_domain.vehicles.ports import Availability, CarStockFilter

USCC_HOME = "91310115MA1H7XXX08"
USCC_SISTER = "91440101MA59ABCD1D"
VIN = "LFV3A24G6P3000101"
VIN2 = "LFV3A24G8P3000102"
SPEC = VehicleSpec("AUDI", "A6L", "45TFSI", "BLACK", "BEIGE", 2026)
OK = (ChecklistItem("brakes", True), ChecklistItem("paint", True))
S = VehicleState


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(pendulum.datetime(2026, 11, 25, 15, 30, tz="UTC"))  # 23:30 in Shanghai


@pytest.fixture
def uow(clock: FixedClock) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    org.create_group(uow, org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(uow, org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(uow, org.AddBrand("AUDI", "Audi", "FAW")).unwrap()
    org.add_brand(uow, org.AddBrand("BYD", "BYD", "BYD")).unwrap()
    org.add_company(uow, org.AddCompany("HOME-CO", "上海安驰汽车销售有限公司", USCC_HOME)).unwrap()
    org.add_company(uow, org.AddCompany("SISTER-CO", "广州安驰汽车服务有限公司", USCC_SISTER))
    for store, brands in (("S1", ("AUDI",)), ("S2", ("AUDI", "BYD")), ("S3", ("BYD",))):
        company = "HOME-CO" if store == "S1" else None
        org.open_store(
            uow, org.OpenStore(store, store, "EAST", "Asia/Shanghai", brands, None, company), clock
        )
    return uow


def _in_stock(uow: FakeUnitOfWork, clock: FixedClock, vin: str = VIN, store: str = "S1") -> None:
    svc.add_vehicle(uow, svc.AddVehicle(store, vin, SPEC, "amy"), clock).unwrap()
    svc.inspect_vehicle(uow, svc.InspectVehicle(store, vin, "bob", OK), clock).unwrap()


def test_add_checks_store_brand_and_duplicates(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    add = svc.AddVehicle("S3", VIN, SPEC, "amy")
    assert svc.add_vehicle(uow, add, clock).failure().message == "store S3 does not sell AUDI"
    nowhere = svc.add_vehicle(uow, svc.AddVehicle("NOPE", VIN, SPEC, "amy"), clock)
    assert nowhere.failure().message == "store NOPE not found"
    assert isinstance(svc.add_vehicle(uow, svc.AddVehicle("s1", VIN, SPEC, "amy"), clock), Success)
    again = svc.add_vehicle(uow, svc.AddVehicle("S2", VIN, SPEC, "amy"), clock)
    assert again.failure().message == f"vehicle {VIN} already exists (at store S1)"
    in_stock = svc.add_vehicle(uow, svc.AddVehicle("S1", VIN2, SPEC, "amy", S.IN_STOCK), clock)
    assert "not IN_STOCK" in in_stock.failure().message


def test_vin_check_digit_strict_or_lenient(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    wrong = "LFV3A24G0P3000101"  # check digit should be 6
    strict = svc.add_vehicle(uow, svc.AddVehicle("S1", wrong, SPEC, "amy"), clock)
    assert strict.failure().code == "invalid_identifier"
    lenient = svc.AddVehicle("S1", wrong, SPEC, "amy", vin_check=VinCheck.LENIENT)
    car = svc.add_vehicle(uow, lenient, clock).unwrap()
    assert car.vin.warnings and not car.vin.check_digit_valid
    found = svc.vehicle_history(uow, wrong.lower())
    assert found.unwrap()[0].vin.value == wrong


def test_pdi_failure_goes_back_to_repair_and_reinspection(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    svc.add_vehicle(uow, svc.AddVehicle("S1", VIN, SPEC, "amy"), clock).unwrap()
    failing = (ChecklistItem("brakes", True), ChecklistItem("paint", False, "scratch"))
    first = svc.inspect_vehicle(uow, svc.InspectVehicle("S1", VIN, "bob", failing, "door"), clock)
    assert first.unwrap().passed is False
    again = svc.inspect_vehicle(uow, svc.InspectVehicle("S1", VIN, "bob", OK), clock)
    assert again.failure().message == f"vehicle {VIN} is PDI_FAILED: cannot inspect"
    repair = svc.ChangeVehicleState("S1", VIN, VehicleAction.REPAIR, "joe", "repainted")
    svc.change_vehicle_state(uow, repair, clock).unwrap()
    second = svc.inspect_vehicle(uow, svc.InspectVehicle("S1", VIN, "bob", OK), clock).unwrap()
    assert (second.number, second.passed) == (2, True)
    car, history = svc.vehicle_history(uow, VIN).unwrap()
    assert car.state is S.IN_STOCK
    assert [(h.action.value, h.actor, h.reason) for h in history] == [
        ("record", "amy", None),
        ("fail PDI", "bob", "door"),
        ("repair", "joe", "repainted"),
        ("pass PDI", "bob", None),
    ]


def test_reservation_refusals_and_expiry(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    _in_stock(uow, clock)
    until = clock.now().add(hours=48)
    reserve = svc.ReserveVehicle("S1", VIN, HolderKind.CUSTOMER, "C1", "amy", until)
    assert isinstance(svc.reserve_vehicle(uow, reserve, clock), Success)
    other = svc.ReserveVehicle("S1", VIN, HolderKind.SALES_ORDER, "SO-9", "zoe")
    assert svc.reserve_vehicle(uow, other, clock).failure().message == (
        f"vehicle {VIN} is RESERVED: cannot reserve"
    )
    sold_to_other = svc.sell_vehicle(uow, svc.SellVehicle("S1", VIN, "C2", "zoe"), clock)
    assert sold_to_other.failure().message == f"vehicle {VIN} is reserved for C1, not C2"
    assert svc.expire_reservations(uow, clock).unwrap() == ()
    clock.advance(hours=48)
    assert [v.value for v in svc.expire_reservations(uow, clock, "S1").unwrap()] == [VIN]
    car, history = svc.vehicle_history(uow, VIN).unwrap()
    assert car.state is S.IN_STOCK and car.reservation is None
    assert (history[-1].action, history[-1].actor) == (VehicleAction.EXPIRE, "system")


def test_wrong_store_and_unknown_vin(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    _in_stock(uow, clock)
    elsewhere = svc.ReserveVehicle("S2", VIN, HolderKind.CUSTOMER, "C1", "amy")
    refused = svc.reserve_vehicle(uow, elsewhere, clock).failure()
    assert (refused.code, refused.message) == (
        "wrong_store",
        f"vehicle {VIN} is held by store S1, not S2",
    )
    unknown = svc.reserve_vehicle(
        uow, svc.ReserveVehicle("S1", VIN2, HolderKind.CUSTOMER, "C1", "amy"), clock
    ).failure()
    assert (unknown.code, unknown.message) == ("not_found", f"vehicle {VIN2} not found")
    bad = svc.vehicle_history(uow, "NOT-A-VIN").failure()
    assert bad.code == "invalid_identifier"


def test_transfer_moves_stock_only_on_receipt(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    _in_stock(uow, clock)

    def stock(store: str) -> int:
        from fours_domain.shared.ids import StoreId

        wanted = CarStockFilter(store_id=StoreId(store))
        return len([c for c in svc.find_cars(uow, wanted).unwrap() if c.state is not S.IN_TRANSFER])

    to_byd_only = svc.transfer_vehicle(uow, svc.TransferVehicle("S1", VIN, "S3", "amy"), clock)
    assert to_byd_only.failure().message == "store S3 does not sell AUDI"
    svc.transfer_vehicle(uow, svc.TransferVehicle("S1", VIN, "S2", "amy"), clock).unwrap()
    assert (stock("S1"), stock("S2")) == (0, 0)
    in_transit = svc.find_cars(uow, CarStockFilter(states=frozenset({S.IN_TRANSFER}))).unwrap()
    assert [(c.store_id, c.transfer_to) for c in in_transit] == [("S1", "S2")]
    wrong = svc.receive_vehicle(uow, svc.ReceiveVehicle("S1", VIN, "amy"), clock).failure()
    assert wrong.message == f"vehicle {VIN} is in transfer to store S2, not S1"
    svc.refuse_transfer(uow, svc.ReceiveVehicle("S2", VIN, "cat", "wrong colour"), clock).unwrap()
    assert (stock("S1"), stock("S2")) == (1, 0)
    svc.transfer_vehicle(uow, svc.TransferVehicle("S1", VIN, "S2", "amy"), clock).unwrap()
    clock.advance(days=3)
    svc.receive_vehicle(uow, svc.ReceiveVehicle("S2", VIN, "cat"), clock).unwrap()
    assert (stock("S1"), stock("S2")) == (0, 1)
    again = svc.receive_vehicle(uow, svc.ReceiveVehicle("S2", VIN, "cat"), clock).failure()
    assert again.message == f"vehicle {VIN} is IN_STOCK: cannot receive"
    published = [e for e in uow.published if isinstance(e, VehicleStateChanged)]
    assert [e.action for e in published][-2:] == [VehicleAction.DISPATCH, VehicleAction.RECEIVE]


def test_consign_sell_deliver_register(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    _in_stock(uow, clock)
    for to, message in (
        ("HOME-CO", f"vehicle {VIN} is held by store S1 of company HOME-CO: consign it to another"),
        ("nobody", "group company NOBODY not found"),
        ("S2", "group company S2 not found"),
    ):
        refused = svc.consign_vehicle(uow, svc.ConsignVehicle("S1", VIN, to, "amy"), clock)
        assert refused.failure().message.startswith(message), refused
    _in_stock(uow, clock, VIN2, "S2")
    companyless = svc.consign_vehicle(
        uow, svc.ConsignVehicle("S2", VIN2, "SISTER-CO", "amy"), clock
    )
    assert companyless.failure().message.startswith("store S2 belongs to no group company yet")
    svc.consign_vehicle(uow, svc.ConsignVehicle("S1", VIN, "sister-co", "amy"), clock).unwrap()
    car = svc.vehicle_history(uow, VIN).unwrap()[0]
    assert (car.state, car.consigned_to, car.stock_store) == (S.CONSIGNED, "SISTER-CO", None)
    svc.sell_vehicle(uow, svc.SellVehicle("S1", VIN, "C7", "amy"), clock).unwrap()
    for action in (VehicleAction.DELIVER, VehicleAction.REGISTER):
        cmd = svc.ChangeVehicleState("S1", VIN, action, "amy")
        svc.change_vehicle_state(uow, cmd, clock).unwrap()
    car = svc.vehicle_history(uow, VIN).unwrap()[0]
    assert (car.state, car.consigned_to) == (S.REGISTERED, None)
    car.check_invariants()


def test_group_stock_filters_and_store_local_days(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    _in_stock(uow, clock)  # 23:30 in Shanghai on 25 Nov
    _in_stock(uow, clock, VIN2, "S2")
    svc.reserve_vehicle(
        uow, svc.ReserveVehicle("S2", VIN2, HolderKind.CUSTOMER, "C1", "amy"), clock
    ).unwrap()
    free = svc.find_cars(uow, CarStockFilter(availability=Availability.FREE)).unwrap()
    assert [c.vin for c in free] == [VIN]
    reserved = svc.find_cars(uow, CarStockFilter(availability=Availability.RESERVED)).unwrap()
    assert [(c.vin, c.reserved_for) for c in reserved] == [(VIN2, "C1")]
    clock.advance(hours=1)  # 00:30 on 26 Nov in Shanghai, still 25 Nov in UTC
    assert free[0].days_in_stock(clock) == 1


def test_manufacturer_records_create_update_and_are_idempotent(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    record = svc.ManufacturerVehicleRecord(
        source="STAR:FAW",
        store_id="S1",
        vin=VIN,
        spec=SPEC,
        manufacturer_state="ON_ORDER",
        manufacturer=ManufacturerData(order_number="PO-1", invoice_price=cny("339000")),
    )
    created = svc.sync_vehicle_from_manufacturer(uow, record, clock).unwrap()
    assert (created.status, created.state) == (svc.SyncStatus.CREATED, S.ON_ORDER)
    same = svc.sync_vehicle_from_manufacturer(uow, record, clock).unwrap()
    assert same.status is svc.SyncStatus.UNCHANGED
    shipped = attrs.evolve(
        record,
        manufacturer_state="in-transit",
        manufacturer=ManufacturerData(
            order_number="PO-1",
            carrier="安吉物流",
            eta=pendulum.Date(2026, 12, 1),
            invoice_price=cny("339000"),
        ),
    )
    updated = svc.sync_vehicle_from_manufacturer(uow, shipped, clock).unwrap()
    assert (updated.status, updated.state) == (svc.SyncStatus.UPDATED, S.IN_TRANSIT)
    available = attrs.evolve(shipped, manufacturer_state="AVAILABLE")
    arrived = svc.sync_vehicle_from_manufacturer(uow, available, clock).unwrap()
    assert arrived.state is S.ARRIVED and "PDI pending" in arrived.notes[0].message
    kept = svc.sync_vehicle_from_manufacturer(
        uow, attrs.evolve(shipped, manufacturer_state="SOLD"), clock
    )
    assert kept.unwrap().status is svc.SyncStatus.UNCHANGED
    assert "state kept" in kept.unwrap().notes[0].message
    car, history = svc.vehicle_history(uow, VIN).unwrap()
    assert car.carrier == "安吉物流" and car.invoice_split is not None
    assert str(car.invoice_split.net.amount) == "300000.00"
    assert [h.actor for h in history] == ["STAR:FAW"] * 3
    damaged = svc.sync_vehicle_from_manufacturer(
        uow, attrs.evolve(shipped, manufacturer_state="DAMAGED"), clock
    ).unwrap()
    assert (damaged.status, damaged.state) == (svc.SyncStatus.UPDATED, S.DAMAGED)


def test_manufacturer_pre_sold_and_unknown_state(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    record = svc.ManufacturerVehicleRecord("STAR:FAW", "S1", VIN2, SPEC, "PRE_SOLD")
    created = svc.sync_vehicle_from_manufacturer(uow, record, clock).unwrap()
    assert created.state is S.RESERVED
    car = svc.vehicle_history(uow, VIN2).unwrap()[0]
    assert car.reservation is not None and car.reservation.holder_kind is HolderKind.MANUFACTURER
    again = svc.sync_vehicle_from_manufacturer(uow, record, clock).unwrap()
    assert again.status is svc.SyncStatus.UNCHANGED
    bogus = svc.sync_vehicle_from_manufacturer(
        uow, attrs.evolve(record, manufacturer_state="LOST"), clock
    )
    assert isinstance(bogus, Failure)
    assert bogus.failure().message == "unknown manufacturer vehicle state 'LOST'"


# ---------------------------------------------------------------- the audit's gaps


def test_a_lapsed_reservation_lets_the_next_clerk_reserve_and_sell(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    _in_stock(uow, clock)
    until = clock.now().add(hours=2)
    first = svc.ReserveVehicle("S1", VIN, HolderKind.CUSTOMER, "C1", "amy", until)
    svc.reserve_vehicle(uow, first, clock).unwrap()
    second = svc.ReserveVehicle("S1", VIN, HolderKind.CUSTOMER, "C2", "zoe")
    assert svc.reserve_vehicle(uow, second, clock).failure().message == (
        f"vehicle {VIN} is RESERVED: cannot reserve"
    )
    clock.advance(hours=2)
    free = svc.find_cars(uow, CarStockFilter(availability=Availability.FREE), clock).unwrap()
    assert [(c.vin, c.state_at(clock.now())) for c in free] == [(VIN, S.IN_STOCK)]
    held = svc.find_cars(uow, CarStockFilter(availability=Availability.RESERVED), clock)
    assert held.unwrap() == []
    svc.reserve_vehicle(uow, second, clock).unwrap()
    car, history = svc.vehicle_history(uow, VIN).unwrap()
    assert (car.state, car.reserved_for) == (S.RESERVED, "C2")
    assert [(h.action, h.actor, h.reason) for h in history[-2:]] == [
        (VehicleAction.EXPIRE, "system", "reservation for C1 expired at 2026-11-25T17:30:00Z"),
        (VehicleAction.RESERVE, "zoe", "for customer C2"),
    ]
    # While live, only the holder buys; once lapsed, anyone.
    assert (
        "reserved for C2, not C3"
        in svc.sell_vehicle(uow, svc.SellVehicle("S1", VIN, "C3", "amy"), clock).failure().message
    )


def test_a_lapsed_reservation_does_not_stop_a_sale_to_someone_else(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    _in_stock(uow, clock)
    until = clock.now().add(hours=1)
    svc.reserve_vehicle(
        uow, svc.ReserveVehicle("S1", VIN, HolderKind.CUSTOMER, "C1", "amy", until), clock
    ).unwrap()
    clock.advance(hours=1)
    svc.sell_vehicle(uow, svc.SellVehicle("S1", VIN, "C3", "amy"), clock).unwrap()
    car, history = svc.vehicle_history(uow, VIN).unwrap()
    assert [h.action for h in history[-2:]] == [VehicleAction.EXPIRE, VehicleAction.SELL]
    assert car.state is S.SOLD


@pytest.mark.parametrize("action", [VehicleAction.HOLD, VehicleAction.DAMAGE, VehicleAction.RETURN])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_hold_damage_and_return_need_a_reason(
    uow: FakeUnitOfWork, clock: FixedClock, action: VehicleAction, reason: str | None
) -> None:
    _in_stock(uow, clock)
    cmd = svc.ChangeVehicleState("S1", VIN, action, "amy", reason)
    refused = svc.change_vehicle_state(uow, cmd, clock).failure()
    assert refused.message == f"vehicle {VIN}: {action.value} needs a reason"
    assert svc.vehicle_history(uow, VIN).unwrap()[0].state is S.IN_STOCK
    done = svc.change_vehicle_state(uow, attrs.evolve(cmd, reason="hail damage"), clock)
    assert done.unwrap().reason == "hail damage"


def test_a_refused_transfer_keeps_the_stock_age(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    _in_stock(uow, clock)
    stocked = svc.vehicle_history(uow, VIN).unwrap()[0].in_stock_since
    clock.advance(days=10)
    svc.transfer_vehicle(uow, svc.TransferVehicle("S1", VIN, "S2", "amy"), clock).unwrap()
    clock.advance(days=1)
    svc.refuse_transfer(uow, svc.ReceiveVehicle("S2", VIN, "cat", "wrong colour"), clock).unwrap()
    car = svc.vehicle_history(uow, VIN).unwrap()[0]
    assert car.in_stock_since == stocked
    (line,) = svc.find_cars(uow, CarStockFilter(store_id=StoreId("S1")), clock).unwrap()
    assert line.days_in_stock(clock) == 11
    svc.transfer_vehicle(uow, svc.TransferVehicle("S1", VIN, "S2", "amy"), clock).unwrap()
    svc.receive_vehicle(uow, svc.ReceiveVehicle("S2", VIN, "cat"), clock).unwrap()
    assert svc.vehicle_history(uow, VIN).unwrap()[0].in_stock_since == clock.now()


def test_a_lenient_vin_warning_is_recorded_in_the_history(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    wrong = "LFV3A24G0P3000101"
    cmd = svc.AddVehicle("S1", wrong, SPEC, "amy", vin_check=VinCheck.LENIENT, reason="import")
    svc.add_vehicle(uow, cmd, clock).unwrap()
    first = svc.vehicle_history(uow, wrong).unwrap()[1][0]
    assert first.reason == (
        f"import; VIN {wrong}: check digit 0 does not match 6 (accepted, lenient mode)"
    )
    event = next(e for e in uow.published if isinstance(e, VehicleStateChanged))
    assert event.reason == first.reason


def test_days_in_stock_only_in_stock_and_filtered_by_days(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    _in_stock(uow, clock)
    clock.advance(days=5)
    _in_stock(uow, clock, VIN2, "S2")
    clock.advance(days=2)

    def found(**kw: Any) -> list[tuple[str, int | None]]:
        lines = svc.find_cars(uow, CarStockFilter(**kw), clock).unwrap()
        return sorted((c.vin, c.days_in_stock(clock)) for c in lines)

    assert found() == [(VIN, 7), (VIN2, 2)]
    assert found(min_days=3) == [(VIN, 7)]
    assert found(max_days=2) == [(VIN2, 2)]
    assert found(min_days=2, max_days=7) == [(VIN, 7), (VIN2, 2)]
    assert found(min_days=8) == []
    svc.transfer_vehicle(uow, svc.TransferVehicle("S1", VIN, "S2", "amy"), clock).unwrap()
    assert found() == [(VIN, None), (VIN2, 2)]
    assert found(min_days=0) == [(VIN2, 2)]
    # The source's stock dropped at dispatch; the target sees the car as incoming.
    assert found(store_id=StoreId("S1")) == []
    assert found(store_id=StoreId("S1"), outgoing=True) == [(VIN, None)]
    assert found(store_id=StoreId("S2")) == [(VIN2, 2)]
    assert found(store_id=StoreId("S2"), incoming=True) == [(VIN, None), (VIN2, 2)]
    with pytest.raises(InvariantViolation):
        CarStockFilter(min_days=3, max_days=2, as_of=clock.now())
    unknown = svc.find_cars(uow, CarStockFilter(store_id=StoreId("NOPE")), clock)
    assert unknown.failure().message == "store NOPE not found"
