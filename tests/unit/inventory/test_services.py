"""Inventory application services against the in-memory fakes: the rules the
audit found missing (lapsing reservations, unknown input, loans, backorders,
transfer reservations and refusals, stock age)."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from fours_domain.inventory import services as inv
from fours_domain.inventory.model import (
    BackorderCancelled,
    BackorderStatus,
    CountBelowReserved,
    MoveKind,
    NotEnoughStock,
    ReservationExpired,
    ReservationPurpose,
    ReservationStatus,
    ShortagePolicy,
    TransferRefused,
    TransferStatus,
)
from fours_domain.inventory.reports import AlertKind
from fours_domain.org import services as org
from fours_domain.org.model import WarehouseKind
from fours_domain.shared.ids import SequentialIdSource, StoreId
from fours_domain.shared.time import FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork
from tests.unit.inventory.world import seed

WO = ReservationPurpose.WORK_ORDER


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(pendulum.datetime(2026, 11, 25, 9, tz="UTC"))


@pytest.fixture
def uow(clock: FixedClock) -> FakeUnitOfWork:
    fake = FakeUnitOfWork()
    seed(lambda: fake, clock)
    org.add_warehouse(fake, org.AddWarehouse("S1", "YARD", "New cars", WarehouseKind.VEHICLES))
    return fake


IDS = SequentialIdSource("t")


def _receive(uow: FakeUnitOfWork, clock: FixedClock, qty: int, **kw: Any) -> inv.Receipt:
    cmd = inv.ReceiveParts(
        kw.get("store", "S1"),
        "W1",
        kw.get("bin", "A-01"),
        (inv.PartQuantity(kw.get("part", "P-1"), qty),),
    )
    return inv.receive_parts(uow, cmd, clock, IDS).unwrap()


def _reserve(
    uow: FakeUnitOfWork,
    clock: FixedClock,
    qty: int,
    *,
    hours: int | None = None,
    purpose: ReservationPurpose = WO,
    policy: ShortagePolicy = ShortagePolicy.ALL_OR_NOTHING,
    ref: str = "WO-1",
    part: str = "P-1",
) -> Any:
    expires = None if hours is None else clock.now().add(hours=hours)
    cmd = inv.ReserveParts(
        "S1", "W1", (inv.PartQuantity(part, qty),), purpose, ref, policy, expires
    )
    return inv.reserve_parts(uow, cmd, clock, IDS)


def _available(uow: FakeUnitOfWork, clock: FixedClock, part: str = "P-1") -> int:
    return sum(a.available for a in inv.where_available(uow, part, clock, "S1").unwrap())


# ---------------------------------------------------------------- lapsing reservations


def test_an_expired_reservation_blocks_nothing_without_a_sweep(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    """The audit's evidence: 40 on hand, 2 held by a reservation that expired
    5 hours ago; reserving all 40 must succeed, issuing the lapsed one must not."""
    _receive(uow, clock, 40)
    lapsed = _reserve(uow, clock, 2, hours=1).unwrap().reservations[0]
    clock.advance(hours=5)
    assert _available(uow, clock) == 40
    sheet = inv.count_sheet(uow, "S1", "W1", clock).unwrap()
    assert [(line.on_hand, line.reserved) for line in sheet] == [(40, 0)]
    issued = inv.issue_reservation(uow, inv.IssueReservation("S1", lapsed.id), clock, IDS)
    error = issued.failure()
    assert isinstance(error, ReservationExpired)
    assert error.message.startswith(f"reservation {lapsed.id} (2 × P-1 at S1/W1/A-01 for ")
    assert "expired at 2026-11-25T10:00:00Z: cannot issue it" in error.message
    released = inv.release_reservation(uow, inv.ReleaseReservation("S1", lapsed.id), clock)
    assert isinstance(released.failure(), ReservationExpired)
    everything = _reserve(uow, clock, 40, ref="WO-2").unwrap()
    assert sum(r.quantity for r in everything.reservations) == 40
    stored = uow.stock.get_reservation(StoreId("S1"), lapsed.id)
    assert stored is not None and stored.status is ReservationStatus.EXPIRED
    assert inv.expire_reservations(uow, inv.ExpireReservations("S1"), clock).unwrap() == []


def test_a_refused_request_names_what_is_available_after_lapsing(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    _receive(uow, clock, 5)
    _reserve(uow, clock, 3, hours=2)
    _reserve(uow, clock, 1, ref="WO-9")
    clock.advance(hours=2)
    refused = _reserve(uow, clock, 5, ref="WO-3").failure()
    assert refused.message == "not enough stock of part P-1 at S1/W1: 5 requested, 4 available"
    issued = inv.issue_parts(
        uow, inv.IssueParts("S1", "W1", (inv.PartQuantity("P-1", 4),)), clock, IDS
    )
    assert isinstance(issued, Success)


@settings(max_examples=60, deadline=None)
@given(
    on_hand=st.integers(1, 20),
    held=st.lists(st.tuples(st.integers(1, 4), st.none() | st.integers(1, 6)), max_size=4),
    later=st.integers(0, 8),
)
def test_available_never_counts_a_lapsed_reservation(
    on_hand: int, held: list[tuple[int, int | None]], later: int
) -> None:
    clock = FixedClock(pendulum.datetime(2026, 11, 25, 9, tz="UTC"))
    uow = FakeUnitOfWork()
    seed(lambda: uow, clock)
    _receive(uow, clock, on_hand)
    made = []
    for qty, hours in held:
        result = _reserve(uow, clock, qty, hours=hours)
        if isinstance(result, Success):
            made.append((qty, hours))
    clock.advance(hours=later)
    live = sum(q for q, h in made if h is None or h > later)
    assert _available(uow, clock) == on_hand - live
    whole = _reserve(uow, clock, on_hand - live, ref="ALL") if on_hand > live else None
    assert whole is None or isinstance(whole, Success)


def test_a_reservation_must_expire_in_the_future(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    _receive(uow, clock, 5)
    cmd = inv.ReserveParts(
        "S1", "W1", (inv.PartQuantity("P-1", 1),), WO, "WO-1", expires_at=clock.now()
    )
    refused = inv.reserve_parts(uow, cmd, clock, IDS).failure()
    assert refused.message.startswith("a reservation must expire after now")


# ---------------------------------------------------------------- unknown input


@pytest.mark.parametrize(
    ("run", "message"),
    [
        (
            lambda u, c: inv.issue_parts(
                u, inv.IssueParts("S1", "W1", (inv.PartQuantity("NOPE-9", 1),)), c, IDS
            ),
            "part (catalogue of store S1) NOPE-9 not found",
        ),
        (
            lambda u, c: inv.issue_parts(
                u, inv.IssueParts("NOPE", "W1", (inv.PartQuantity("P-1", 1),)), c, IDS
            ),
            "store NOPE not found",
        ),
        (
            lambda u, c: inv.reserve_parts(
                u,
                inv.ReserveParts("S1", "NOWH", (inv.PartQuantity("P-1", 1),), WO, "WO-1"),
                c,
                IDS,
            ),
            "warehouse at store S1 NOWH not found",
        ),
        (
            lambda u, c: inv.reserve_parts(
                u,
                inv.ReserveParts(
                    "S1",
                    "NOWH",
                    (inv.PartQuantity("P-1", 1),),
                    WO,
                    "WO-1",
                    ShortagePolicy.BACKORDER,
                ),
                c,
                IDS,
            ),
            "warehouse at store S1 NOWH not found",
        ),
        (
            lambda u, c: inv.move_parts(
                u, inv.MoveParts("S1", "NOPE-9", 1, "W1", "A-01", "W1", "A-02"), c, IDS
            ),
            "part (catalogue of store S1) NOPE-9 not found",
        ),
        (
            lambda u, c: inv.move_parts(
                u, inv.MoveParts("S1", "P-1", 1, "W1", "Z-99", "W1", "A-02"), c, IDS
            ),
            "bin in S1/W1 Z-99 not found",
        ),
        (
            lambda u, c: inv.dispatch_transfer(
                u,
                inv.DispatchTransfer("S1", "NOWH", "S2", "W1", (inv.PartQuantity("P-1", 1),)),
                c,
                IDS,
            ),
            "warehouse at store S1 NOWH not found",
        ),
        (
            lambda u, c: inv.lend_parts(
                u, inv.LendParts("S1", "W1", "A-01", "NOPE-9", 1, "x"), c, IDS
            ),
            "part (catalogue of store S1) NOPE-9 not found",
        ),
        (
            lambda u, c: inv.receive_parts(
                u, inv.ReceiveParts("S1", "YARD", "A-01", (inv.PartQuantity("P-1", 1),)), c, IDS
            ),
            "warehouse YARD at store S1 is a vehicles warehouse, not a parts warehouse",
        ),
        (
            lambda u, c: inv.where_available(u, "NOPE-9", c),
            "part NOPE-9 not found",
        ),
        (lambda u, c: inv.where_available(u, "P-1", c, "NOPE"), "store NOPE not found"),
        (lambda u, c: inv.count_sheet(u, "NOPE", "W1", c), "store NOPE not found"),
        (lambda u, c: inv.count_sheet(u, "S1", "NOWH", c), "warehouse at store S1 NOWH not found"),
    ],
)
def test_unknown_input_is_reported_as_such(
    uow: FakeUnitOfWork, clock: FixedClock, run: Any, message: str
) -> None:
    _receive(uow, clock, 3)
    failure = run(uow, clock).failure()
    assert failure.message == message
    assert not isinstance(failure, NotEnoughStock)


def test_a_known_part_that_is_short_is_still_not_enough_stock(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    failure = inv.issue_parts(
        uow, inv.IssueParts("S1", "W1", (inv.PartQuantity("P-2", 1),)), clock, IDS
    ).failure()
    assert isinstance(failure, NotEnoughStock) and failure.details["available"] == 0
    assert inv.where_available(uow, "P-2", clock).unwrap() == []


# ---------------------------------------------------------------- stocktake below reserved


def test_a_count_below_reserved_names_the_reservations(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    _receive(uow, clock, 8)
    first = _reserve(uow, clock, 5, ref="WO-1").unwrap().reservations[0]
    second = _reserve(uow, clock, 2, ref="WO-2").unwrap().reservations[0]
    refused = inv.count_stock(
        uow, inv.CountStock("S1", "W1", (inv.CountLine("A-01", "P-1", 1),)), clock, IDS
    ).failure()
    assert isinstance(refused, CountBelowReserved)
    assert refused.message == (
        "count of 1 × P-1 at S1/W1/A-01 is below the 7 reserved by "
        f"{first.id} (work_order WO-1: 5), {second.id} (work_order WO-2: 2): "
        "release or re-plan those reservations first"
    )


# ---------------------------------------------------------------- backorders


def test_receipts_show_their_allocations_and_cancelled_backorders_are_skipped(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    first = _reserve(uow, clock, 3, policy=ShortagePolicy.BACKORDER, ref="WO-1").unwrap()
    clock.advance(minutes=1)
    second = _reserve(uow, clock, 2, policy=ShortagePolicy.BACKORDER, ref="WO-2").unwrap()
    clock.advance(minutes=1)
    cancel = inv.CancelBackorder("S1", first.backorders[0].id, "customer went elsewhere")
    cancelled = inv.cancel_backorder(uow, cancel, clock).unwrap()
    assert cancelled.status is BackorderStatus.CANCELLED
    assert any(isinstance(e, BackorderCancelled) for e in uow.published)
    again = inv.cancel_backorder(uow, cancel, clock).failure()
    assert again.message == f"backorder {first.backorders[0].id} is cancelled: cannot cancel it"
    receipt = _receive(uow, clock, 4)
    assert [(r.backorder_id, r.quantity, r.reference) for r in receipt.allocations] == [
        (second.backorders[0].id, 2, "WO-2")
    ]
    listed = inv.list_reservations(uow, "S1", reference="WO-2").unwrap()
    assert [r.id for r in listed] == [receipt.allocations[0].id]
    waiting = inv.list_backorders(uow, "S1", open_only=True).unwrap()
    assert waiting == []
    every = inv.list_backorders(uow, "S1").unwrap()
    assert [b.status for b in every] == [BackorderStatus.CANCELLED, BackorderStatus.FILLED]
    no_reason = inv.cancel_backorder(uow, inv.CancelBackorder("S1", "x", " "), clock)
    assert no_reason.failure().code == "not_found"


# ---------------------------------------------------------------- loans


def test_loans_are_due_back_and_overdue_ones_alert(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    _receive(uow, clock, 5)
    loan = inv.lend_parts(
        uow, inv.LendParts("S1", "W1", "A-01", "P-1", 3, "Body shop"), clock, IDS
    ).unwrap()
    # 7 days from the store-local day (Asia/Shanghai: 2026-11-25), due at the end of it.
    assert loan.due_at == pendulum.datetime(2026, 12, 2, 16, tz="UTC")
    past = inv.LendParts("S1", "W1", "A-01", "P-1", 1, "x", pendulum.Date(2026, 11, 24))
    assert (
        inv.lend_parts(uow, past, clock, IDS)
        .failure()
        .message.startswith("a loan cannot be due on 2026-11-24")
    )
    assert [x.id for x in inv.open_loans(uow, "S1").unwrap()] == [loan.id]
    assert inv.stock_alerts(uow, "S1", clock).unwrap() == []
    clock.advance(days=9)
    alerts = inv.stock_alerts(uow, "S1", clock).unwrap()
    assert [(a.kind, a.quantity, a.reference) for a in alerts] == [
        (AlertKind.LOAN_OVERDUE, 3, loan.id)
    ]
    assert "lent to Body shop" in alerts[0].message and "1 day(s) overdue" in alerts[0].message
    part_back = inv.return_loan(uow, inv.ReturnLoan("S1", loan.id, 1), clock, IDS).unwrap()
    assert part_back.loan.outstanding == 2 and part_back.entry.kind is MoveKind.LEND_RETURN
    too_many = inv.return_loan(uow, inv.ReturnLoan("S1", loan.id, 3), clock, IDS)
    assert "only 2 outstanding" in too_many.failure().message
    rest = inv.return_loan(uow, inv.ReturnLoan("S1", loan.id), clock, IDS).unwrap()
    assert rest.loan.outstanding == 0 and rest.entry.quantity == 2
    assert inv.open_loans(uow, "S1").unwrap() == []
    done = inv.return_loan(uow, inv.ReturnLoan("S1", loan.id), clock, IDS)
    assert done.failure().message == f"loan {loan.id} of P-1 is fully returned"


# ---------------------------------------------------------------- transfers


def test_dispatch_consumes_transfer_reservations(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    _receive(uow, clock, 5)
    held = _reserve(uow, clock, 3, purpose=ReservationPurpose.TRANSFER, ref="TR-1").unwrap()
    reservation = held.reservations[0]
    work = _reserve(uow, clock, 1, ref="WO-1").unwrap().reservations[0]
    mismatch = inv.dispatch_transfer(
        uow,
        inv.DispatchTransfer("S1", "W1", "S2", "W1", (), reservation_ids=(work.id,)),
        clock,
        IDS,
    ).failure()
    assert mismatch.code == "reservation_mismatch"
    sent = inv.dispatch_transfer(
        uow,
        inv.DispatchTransfer(
            "S1", "W1", "S2", "W1", (inv.PartQuantity("P-1", 1),), reservation_ids=(reservation.id,)
        ),
        clock,
        IDS,
    ).unwrap()
    assert sorted(line.quantity for line in sent.lines) == [1, 3]
    stored = uow.stock.get_reservation(StoreId("S1"), reservation.id)
    assert stored is not None and stored.status is ReservationStatus.CONSUMED
    assert _available(uow, clock) == 0
    twice = inv.dispatch_transfer(
        uow,
        inv.DispatchTransfer("S1", "W1", "S2", "W1", (), reservation_ids=(reservation.id,)),
        clock,
        IDS,
    ).failure()
    assert twice.code == "illegal_transition"


def test_an_expired_transfer_reservation_cannot_be_sent(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    _receive(uow, clock, 2)
    held = _reserve(uow, clock, 2, purpose=ReservationPurpose.TRANSFER, hours=1).unwrap()
    clock.advance(hours=1)
    refused = inv.dispatch_transfer(
        uow,
        inv.DispatchTransfer(
            "S1", "W1", "S2", "W1", (), reservation_ids=(held.reservations[0].id,)
        ),
        clock,
        IDS,
    ).failure()
    assert isinstance(refused, ReservationExpired)


def test_a_transfer_to_a_vehicle_yard_is_refused(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    org.add_warehouse(uow, org.AddWarehouse("S2", "YARD", "Yard", WarehouseKind.VEHICLES))
    _receive(uow, clock, 2)
    refused = inv.dispatch_transfer(
        uow,
        inv.DispatchTransfer("S1", "W1", "S2", "YARD", (inv.PartQuantity("P-1", 1),)),
        clock,
        IDS,
    ).failure()
    assert refused.message == (
        "warehouse YARD at store S2 is a vehicles warehouse, not a parts warehouse"
    )


def test_a_refused_transfer_goes_back_to_the_source_through_the_ledger(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    _receive(uow, clock, 3, bin="A-01")
    _receive(uow, clock, 2, bin="A-02")
    backorder = _reserve(uow, clock, 9, policy=ShortagePolicy.BACKORDER, ref="WO-7").unwrap()
    inv.release_reservation(
        uow, inv.ReleaseReservation("S1", backorder.reservations[0].id), clock
    ).unwrap()
    inv.release_reservation(
        uow, inv.ReleaseReservation("S1", backorder.reservations[1].id), clock
    ).unwrap()
    sent = inv.dispatch_transfer(
        uow, inv.DispatchTransfer("S1", "W1", "S2", "W1", (inv.PartQuantity("P-1", 4),)), clock, IDS
    ).unwrap()
    wrong = inv.refuse_transfer(uow, inv.RefuseTransfer("S1", sent.id, "no"), clock, IDS)
    assert wrong.failure().code == "not_found"  # only the target refuses
    no_reason = inv.refuse_transfer(uow, inv.RefuseTransfer("S2", sent.id, "  "), clock, IDS)
    assert no_reason.failure().message == f"refusing transfer {sent.id} needs a reason"
    back = inv.refuse_transfer(
        uow, inv.RefuseTransfer("S2", sent.id, "wrong part revision"), clock, IDS
    ).unwrap()
    assert back.transfer.status is TransferStatus.REFUSED
    assert sorted((e.kind, e.bin_code, e.quantity) for e in back.entries) == [
        (MoveKind.TRANSFER_RETURN, "A-01", 3),
        (MoveKind.TRANSFER_RETURN, "A-02", 1),
    ]
    assert [a.backorder_id for a in back.allocations] == [backorder.backorders[0].id] * 2
    assert any(isinstance(e, TransferRefused) for e in uow.published)
    receive = inv.receive_transfer(uow, inv.ReceiveTransfer("S2", sent.id, "A-01"), clock, IDS)
    assert receive.failure().message == f"transfer {sent.id} is refused: cannot receive it"
    assert sum(e.quantity for e in uow.stock.ledger(StoreId("S1"))) == 5
    assert uow.stock.incoming_transfers(StoreId("S2")) == []


# ---------------------------------------------------------------- dead stock


@pytest.mark.parametrize("arrival", ["move", "transfer", "stocktake", "loan return", "receipt"])
def test_dead_stock_is_counted_for_every_way_in(
    uow: FakeUnitOfWork, clock: FixedClock, arrival: str
) -> None:
    if arrival == "move":
        _receive(uow, clock, 4, bin="A-02")
        inv.move_parts(uow, inv.MoveParts("S1", "P-1", 4, "W1", "A-02", "W1", "A-01"), clock, IDS)
    elif arrival == "transfer":
        _receive(uow, clock, 4, store="S2")
        sent = inv.dispatch_transfer(
            uow,
            inv.DispatchTransfer("S2", "W1", "S1", "W1", (inv.PartQuantity("P-1", 4),)),
            clock,
            IDS,
        ).unwrap()
        clock.advance(days=2)
        inv.receive_transfer(uow, inv.ReceiveTransfer("S1", sent.id, "A-01"), clock, IDS).unwrap()
    elif arrival == "stocktake":
        inv.count_stock(
            uow, inv.CountStock("S1", "W1", (inv.CountLine("A-01", "P-1", 4),)), clock, IDS
        ).unwrap()
    elif arrival == "loan return":
        _receive(uow, clock, 4)
        loan = inv.lend_parts(uow, inv.LendParts("S1", "W1", "A-01", "P-1", 4, "x"), clock, IDS)
        clock.advance(days=2)
        inv.return_loan(uow, inv.ReturnLoan("S1", loan.unwrap().id), clock, IDS).unwrap()
    else:
        _receive(uow, clock, 4)
    clock.advance(days=179)
    kinds = [a.kind for a in inv.stock_alerts(uow, "S1", clock, dead_after_days=180).unwrap()]
    assert AlertKind.DEAD_STOCK not in kinds
    clock.advance(days=3)
    dead = [
        a
        for a in inv.stock_alerts(uow, "S1", clock, dead_after_days=180).unwrap()
        if a.kind is AlertKind.DEAD_STOCK
    ]
    assert [(a.part_number, a.quantity) for a in dead] == [("P-1", 4)]
    assert "no issue since" in dead[0].message


def test_dead_stock_counts_from_the_last_issue_and_a_move_keeps_the_age(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    _receive(uow, clock, 6, bin="A-02")
    clock.advance(days=100)
    inv.issue_parts(uow, inv.IssueParts("S1", "W1", (inv.PartQuantity("P-1", 1),)), clock, IDS)
    clock.advance(days=100)
    inv.move_parts(uow, inv.MoveParts("S1", "P-1", 5, "W1", "A-02", "W1", "A-01"), clock, IDS)
    clock.advance(days=81)
    dead = [
        a.message
        for a in inv.stock_alerts(uow, "S1", clock, dead_after_days=180).unwrap()
        if a.kind is AlertKind.DEAD_STOCK
    ]
    assert dead == ["5 × P-1 in W1/A-01 idle for 181 days (no issue since 2027-03-05)"]
    _receive(uow, clock, 1, bin="A-01")
    assert len(inv.stock_alerts(uow, "S1", clock, dead_after_days=180).unwrap()) == 1


# ---------------------------------------------------------------- catalogue


def test_import_names_the_row_of_every_problem(uow: FakeUnitOfWork) -> None:
    rows = (
        inv.AddPart("N-1", "ok", "BODY", "10", "5"),
        inv.AddPart("P-1", "already in the catalogue", "BODY", "10", "5"),
        inv.AddPart("N-1", "again", "BODY", "10", "5"),
        inv.AddPart("N-3", "unknown unit", "BODY", "10", "5", business_unit_id="NOPE"),
    )
    failure = inv.import_parts(uow, inv.ImportParts(rows, first_row=2, row_label="line")).failure()
    assert failure.details["rows"] == [
        "line 3: part (scope *) P-1 already exists",
        "line 4: part N-1 (scope *) repeats line 2",
        "line 5: business unit NOPE not found",
    ]
    single = inv.add_part(uow, inv.AddPart("P-1", "dup", "BODY", "10", "5")).failure()
    assert single.message == "part (scope *) P-1 already exists"
    bad = inv.add_part(uow, inv.AddPart("N-9", "x", "BODY", "ten", "5")).failure()
    assert not bad.message.startswith("row")


def test_part_entries_are_fetched_per_scope(uow: FakeUnitOfWork) -> None:
    inv.add_part(
        uow, inv.AddPart("P-1", "Premium pads", "REPAIR", "150", "90", business_unit_id="PREMIUM")
    ).unwrap()
    assert [p.scope_key for p in inv.part_entries(uow, "p-1").unwrap()] == ["*", "PREMIUM"]
    assert isinstance(inv.part_entries(uow, "NOPE-9"), Failure)
