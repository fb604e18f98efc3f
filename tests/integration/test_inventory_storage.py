"""The inventory through the SQL adapter, on SQLite and PostgreSQL."""

from __future__ import annotations

import pendulum
from returns.result import Failure, Success

from fours_adapters.bootstrap import FoursApp
from fours_domain.inventory import services as inv
from fours_domain.inventory.model import (
    BackorderAllocated,
    MoveKind,
    MovementClass,
    NotEnoughStock,
    PartsReserved,
    ReservationPurpose,
    ReservationStatus,
    ShortagePolicy,
    StockLocation,
    TransferStatus,
)
from fours_domain.inventory.reports import AlertKind
from fours_domain.org.model import MasterDataScope
from fours_domain.shared.catalogue import PartNumber, SpecPattern
from fours_domain.shared.events import DomainEvent
from fours_domain.shared.ids import BinCode, BusinessUnitId, StoreId, WarehouseCode
from fours_domain.shared.money import cny
from fours_domain.shared.time import FixedClock
from tests.unit.inventory.world import seed


def _receive(app: FoursApp, store: str, part: str, qty: int, bin_code: str = "A-01") -> None:
    inv.receive_parts(
        app.uow(),
        inv.ReceiveParts(store, "W1", bin_code, (inv.PartQuantity(part, qty),), "PO-1"),
        app.clock,
        app.ids,
    ).unwrap()


def _reserve(
    app: FoursApp,
    store: str,
    part: str,
    qty: int,
    policy: ShortagePolicy = ShortagePolicy.ALL_OR_NOTHING,
) -> inv.ReservationOutcome | NotEnoughStock:
    result = inv.reserve_parts(
        app.uow(),
        inv.ReserveParts(
            store,
            "W1",
            (inv.PartQuantity(part, qty),),
            ReservationPurpose.WORK_ORDER,
            "WO-7",
            policy,
        ),
        app.clock,
        app.ids,
    )
    match result:
        case Success(outcome):
            assert isinstance(outcome, inv.ReservationOutcome)
            return outcome
        case Failure(error):
            assert isinstance(error, NotEnoughStock), error
            return error
    raise AssertionError(result)


def test_part_round_trips_with_fitment_money_and_scope(app: FoursApp) -> None:
    seed(app.uow, app.clock)
    added = inv.add_part(
        app.uow(),
        inv.AddPart(
            "4h0-698-151a",
            "前刹车片 Front brake pads",
            "repair",
            "1299.50",
            "880.00",
            "Bosch",
            ("AUDI/A6L", "AUDI/Q5L/45TFSI"),
            MovementClass.SLOW,
            "PREMIUM",
        ),
    )
    assert isinstance(added, Success)
    with app.uow() as uow:
        part = uow.parts.get(MasterDataScope(BusinessUnitId("PREMIUM")), PartNumber("4H0-698-151A"))
        assert part is not None
        assert part.fits == (SpecPattern("AUDI", "A6L"), SpecPattern("AUDI", "Q5L", "45TFSI"))
        assert (part.list_price, part.cost_price) == (cny("1299.50"), cny("880.00"))
        assert (part.part_class, part.movement_class) == ("REPAIR", MovementClass.SLOW)
        assert uow.parts.get(MasterDataScope.group(), PartNumber("4H0-698-151A")) is None
    again = inv.add_part(
        app.uow(), inv.AddPart("4H0-698-151A", "x", "REPAIR", "1", "1", business_unit_id="PREMIUM")
    )
    assert again.failure().code == "already_exists"


def test_import_is_all_or_nothing_and_names_every_bad_row(app: FoursApp) -> None:
    seed(app.uow, app.clock)
    rows = (
        inv.AddPart("N-1", "ok", "BODY", "10", "5"),
        inv.AddPart("P-1", "duplicate of the seed", "BODY", "10", "5"),
        inv.AddPart("N-2", "bad price", "BODY", "ten", "5"),
    )
    result = inv.import_parts(app.uow(), inv.ImportParts(rows))
    assert isinstance(result, Failure)
    assert "2 bad rows" in result.failure().message and "row 3" in result.failure().message
    with app.uow() as uow:
        assert uow.parts.get(MasterDataScope.group(), PartNumber("N-1")) is None


def test_receive_reserve_issue_and_the_ledger(app: FoursApp) -> None:
    seed(app.uow, app.clock)
    events: list[DomainEvent] = []
    app.handlers.append(events.append)
    _receive(app, "S1", "P-1", 3, "A-01")
    _receive(app, "S1", "P-1", 2, "A-02")
    outcome = _reserve(app, "S1", "P-1", 4)
    assert isinstance(outcome, inv.ReservationOutcome)
    assert [r.quantity for r in outcome.reservations] == [3, 1]
    assert sum(isinstance(e, PartsReserved) for e in events) == 2
    refused = _reserve(app, "S1", "P-1", 2)
    assert isinstance(refused, NotEnoughStock)
    assert refused.message == ("not enough stock of part P-1 at S1/W1: 2 requested, 1 available")
    issued = inv.issue_reservation(
        app.uow(), inv.IssueReservation("S1", outcome.reservations[0].id), app.clock, app.ids
    )
    assert issued.unwrap().quantity == -3
    released = inv.release_reservation(
        app.uow(), inv.ReleaseReservation("S1", outcome.reservations[0].id), app.clock
    )
    assert released.failure().code == "illegal_transition"
    with app.uow() as uow:
        items = {str(i.bin_code): i for i in uow.stock.items(StoreId("S1"))}
        assert (items["A-01"].on_hand, items["A-01"].reserved) == (0, 0)
        assert (items["A-02"].on_hand, items["A-02"].reserved) == (2, 1)
        kinds = [(e.kind, e.quantity) for e in uow.stock.ledger(StoreId("S1"), PartNumber("P-1"))]
        assert sorted(kinds, key=str) == sorted(
            [(MoveKind.RECEIVE, 3), (MoveKind.RECEIVE, 2), (MoveKind.ISSUE, -3)], key=str
        )
        reservation = uow.stock.get_reservation(StoreId("S1"), outcome.reservations[0].id)
        assert reservation is not None and reservation.status is ReservationStatus.CONSUMED


def test_a_failed_multi_line_request_leaves_stock_untouched(app: FoursApp) -> None:
    seed(app.uow, app.clock)
    _receive(app, "S1", "P-1", 5)
    _receive(app, "S1", "P-2", 1)
    lines = (inv.PartQuantity("P-1", 4), inv.PartQuantity("P-2", 2))
    for result in (
        inv.issue_parts(app.uow(), inv.IssueParts("S1", "W1", lines), app.clock, app.ids),
        inv.reserve_parts(
            app.uow(),
            inv.ReserveParts("S1", "W1", lines, ReservationPurpose.COUNTER_SALE, "C-1"),
            app.clock,
            app.ids,
        ),
    ):
        assert isinstance(result.failure(), NotEnoughStock)
    with app.uow() as uow:
        assert {(i.part_number, i.on_hand, i.reserved) for i in uow.stock.items(StoreId("S1"))} == {
            ("P-1", 5, 0),
            ("P-2", 1, 0),
        }
        assert len(uow.stock.ledger(StoreId("S1"))) == 2


def test_backorder_is_filled_by_the_next_receipt_oldest_first(app: FoursApp) -> None:
    seed(app.uow, app.clock)
    events: list[DomainEvent] = []
    app.handlers.append(events.append)
    _receive(app, "S1", "P-1", 1)
    first = _reserve(app, "S1", "P-1", 3, ShortagePolicy.BACKORDER)
    assert isinstance(first, inv.ReservationOutcome)
    assert [b.open_quantity for b in first.backorders] == [2]
    assert isinstance(app.clock, FixedClock)
    app.clock.advance(minutes=1)
    second = _reserve(app, "S1", "P-1", 2, ShortagePolicy.BACKORDER)
    assert isinstance(second, inv.ReservationOutcome) and not second.reservations
    app.clock.advance(minutes=1)
    _receive(app, "S1", "P-1", 3, "A-02")
    allocated = [e for e in events if isinstance(e, BackorderAllocated)]
    assert [(e.backorder_id, e.quantity, e.still_open) for e in allocated] == [
        (first.backorders[0].id, 2, 0),
        (second.backorders[0].id, 1, 1),
    ]
    with app.uow() as uow:
        assert sum(i.available for i in uow.stock.items(StoreId("S1"))) == 0


def test_transfer_between_stores_and_group_availability(app: FoursApp) -> None:
    seed(app.uow, app.clock)
    _receive(app, "S1", "P-2", 6)
    eta = app.clock.now().add(hours=20)
    transfer = inv.dispatch_transfer(
        app.uow(),
        inv.DispatchTransfer("S1", "W1", "S2", "W1", (inv.PartQuantity("P-2", 4),), eta, "TR-1"),
        app.clock,
        app.ids,
    ).unwrap()
    availability = inv.where_available(app.uow(), "p-2", app.clock).unwrap()
    assert [(a.store_id, a.available) for a in availability] == [("S1", 2)]
    alerts = inv.stock_alerts(app.uow(), "S2", app.clock).unwrap()
    assert [a.kind for a in alerts] == [AlertKind.ARRIVAL_DUE]
    wrong_store = inv.receive_transfer(
        app.uow(), inv.ReceiveTransfer("S1", transfer.id, "A-01"), app.clock, app.ids
    )
    assert wrong_store.failure().code == "not_found"
    received = inv.receive_transfer(
        app.uow(), inv.ReceiveTransfer("S2", transfer.id, "A-02"), app.clock, app.ids
    ).unwrap()
    assert received.transfer.status is TransferStatus.RECEIVED
    availability = inv.where_available(app.uow(), "P-2", app.clock).unwrap()
    assert [(a.store_id, a.warehouse_code, a.available) for a in availability] == [
        ("S1", "W1", 2),
        ("S2", "W1", 4),
    ]


def test_stocktake_posts_variance_through_the_ledger(app: FoursApp) -> None:
    seed(app.uow, app.clock)
    _receive(app, "S2", "P-1", 100)
    report = inv.count_stock(
        app.uow(),
        inv.CountStock(
            "S2", "W1", (inv.CountLine("A-01", "P-1", 98), inv.CountLine("A-02", "P-2", 1))
        ),
        app.clock,
        app.ids,
    ).unwrap()
    assert report.quantity_variance == -1
    assert report.value_variance == cny("-80.00")
    assert str(report.error_rate) == "0.0300" and not report.within_target
    with app.uow() as uow:
        ledger = uow.stock.ledger(StoreId("S2"))
        assert sorted(e.quantity for e in ledger if e.kind is MoveKind.ADJUST) == [-2, 1]


def test_expiry_and_safety_stock_and_dead_stock_alerts(app: FoursApp) -> None:
    seed(app.uow, app.clock)
    _receive(app, "S1", "P-1", 2)
    inv.set_safety_stock(app.uow(), inv.SetSafetyStock("S1", "W1", "P-1", 5)).unwrap()
    expiry = app.clock.now().add(hours=1)
    inv.reserve_parts(
        app.uow(),
        inv.ReserveParts(
            "S1",
            "W1",
            (inv.PartQuantity("P-1", 2),),
            ReservationPurpose.SALES_ORDER,
            "SO-1",
            expires_at=expiry,
        ),
        app.clock,
        app.ids,
    ).unwrap()
    assert (
        inv.expire_reservations(app.uow(), inv.ExpireReservations("S1"), app.clock).unwrap() == []
    )
    assert isinstance(app.clock, FixedClock)
    app.clock.advance(hours=2)
    expired = inv.expire_reservations(app.uow(), inv.ExpireReservations("S1"), app.clock).unwrap()
    assert [r.status for r in expired] == [ReservationStatus.EXPIRED]
    app.clock.current = pendulum.datetime(2027, 11, 1, tz="UTC")
    kinds = sorted(a.kind.value for a in inv.stock_alerts(app.uow(), "S1", app.clock).unwrap())
    assert kinds == ["below_safety_stock", "dead_stock"]


def test_move_and_lend_and_return(app: FoursApp) -> None:
    seed(app.uow, app.clock)
    _receive(app, "S1", "P-1", 4)
    inv.move_parts(
        app.uow(), inv.MoveParts("S1", "P-1", 3, "W1", "A-01", "W1", "A-02"), app.clock, app.ids
    ).unwrap()
    loan = inv.lend_parts(
        app.uow(), inv.LendParts("S1", "W1", "A-02", "P-1", 2, "Body shop"), app.clock, app.ids
    ).unwrap()
    too_many = inv.return_loan(app.uow(), inv.ReturnLoan("S1", loan.id, 3), app.clock, app.ids)
    assert isinstance(too_many, Failure)
    inv.return_loan(app.uow(), inv.ReturnLoan("S1", loan.id, 2), app.clock, app.ids).unwrap()
    with app.uow() as uow:
        assert {i.bin_code: i.on_hand for i in uow.stock.items(StoreId("S1"))} == {
            "A-01": 1,
            "A-02": 3,
        }
        assert sum(e.quantity for e in uow.stock.ledger(StoreId("S1"))) == 4


def test_expected_receipts_raise_arrival_alerts_until_received(app: FoursApp) -> None:
    seed(app.uow, app.clock)
    receipt = inv.expect_parts(
        app.uow(),
        inv.ExpectParts("S1", "W1", "P-2", 10, app.clock.now().add(hours=6), "PO-77"),
        app.ids,
    ).unwrap()
    alerts = inv.stock_alerts(app.uow(), "S1", app.clock).unwrap()
    assert [(a.kind, a.reference, a.quantity) for a in alerts] == [
        (AlertKind.ARRIVAL_DUE, receipt.id, 10)
    ]
    wrong_part = inv.receive_parts(
        app.uow(),
        inv.ReceiveParts("S1", "W1", "A-01", (inv.PartQuantity("P-1", 10),), "DN-1", receipt.id),
        app.clock,
        app.ids,
    )
    assert isinstance(wrong_part, Failure)
    with app.uow() as uow:
        assert uow.stock.items(StoreId("S1")) == []
    inv.receive_parts(
        app.uow(),
        inv.ReceiveParts("S1", "W1", "A-01", (inv.PartQuantity("P-2", 10),), "DN-2", receipt.id),
        app.clock,
        app.ids,
    ).unwrap()
    assert inv.stock_alerts(app.uow(), "S1", app.clock).unwrap() == []
    twice = inv.receive_parts(
        app.uow(),
        inv.ReceiveParts("S1", "W1", "A-01", (inv.PartQuantity("P-2", 1),), "DN-3", receipt.id),
        app.clock,
        app.ids,
    )
    assert twice.failure().code == "illegal_transition"


def test_a_unit_of_work_rereads_stock_after_commit_and_rollback(app: FoursApp) -> None:
    seed(app.uow, app.clock)
    _receive(app, "S1", "P-1", 5)
    location = StockLocation(StoreId("S1"), WarehouseCode("W1"), BinCode("A-01"), PartNumber("P-1"))
    with app.uow() as uow:
        item = uow.stock.lock([location])[location]
        item.receive(1, at=app.clock.now(), entry_id="x1")
        uow.rollback()
        assert uow.stock.lock([location])[location].on_hand == 5
        again = uow.stock.lock([location])[location]
        uow.stock.append(again.receive(2, at=app.clock.now(), entry_id="x2"))
        uow.commit()
        assert uow.stock.lock([location])[location].on_hand == 7
