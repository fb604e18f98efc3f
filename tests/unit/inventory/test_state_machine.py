"""Random sequences of stock operations; the invariants hold after every step.

Time advances as a rule of its own, so reservations lapse between steps whether
or not the expiry sweep runs; the machine checks that a lapsed reservation never
counts in what is available, never blocks a request and can no longer be issued.

The same machine runs on the pure domain (FakeUnitOfWork) and, smaller, through
the SQL adapter on SQLite (tests/integration/test_inventory_state_machine.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
)
from returns.result import Failure, Success

from fours_domain.inventory import services as inv
from fours_domain.inventory.model import (
    CountBelowReserved,
    NotEnoughStock,
    Reservation,
    ReservationExpired,
    ReservationPurpose,
    ReservationStatus,
    ShortagePolicy,
    StockLocation,
)
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.ids import BinCode, SequentialIdSource, StoreId, WarehouseCode
from fours_domain.shared.time import DateTime, FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork
from tests.unit.inventory.world import BINS, PARTS, STORES, seed

stores = st.sampled_from(STORES)
bins = st.sampled_from(BINS)
part_numbers = st.sampled_from(PARTS)
quantities = st.integers(1, 6)
purposes = st.sampled_from([ReservationPurpose.WORK_ORDER, ReservationPurpose.TRANSFER])

NONE = ("none", "none")
"""A bundle entry for "nothing was created" (rules consuming it expect a refusal)."""


class StockMachine(RuleBasedStateMachine):
    """Subclasses provide ``make_uow`` (a factory of fresh units of work)."""

    reservations = Bundle("reservations")
    transfers = Bundle("transfers")
    loans = Bundle("loans")

    def make_uow(self) -> Callable[[], Any]:
        raise NotImplementedError

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(pendulum.datetime(2026, 11, 25, 9, tz="UTC"))
        self.ids = SequentialIdSource("sm")
        self.uow = self.make_uow()
        seed(self.uow, self.clock)
        # receipts - issues ± stocktake variance, counted independently of the stores
        self.expected_goods = 0
        self.closed: dict[str, ReservationStatus] = {}
        self.created: set[str] = set()

    # ------------------------------------------------------------ rules: stock in

    @rule(target=reservations, store=stores, bin_code=bins, part=part_numbers, qty=quantities)
    def receive(self, store: str, bin_code: str, part: str, qty: int) -> Any:
        result = inv.receive_parts(
            self.uow(),
            inv.ReceiveParts(store, "W1", bin_code, (inv.PartQuantity(part, qty),)),
            self.clock,
            self.ids,
        )
        assert isinstance(result, Success), result
        self.expected_goods += qty
        return self._allocated(store, result.unwrap().allocations)

    # ------------------------------------------------------------ rules: reservations

    @rule(
        target=reservations,
        store=stores,
        part=part_numbers,
        qty=st.integers(1, 10),
        policy=st.sampled_from(list(ShortagePolicy)),
        expires_in=st.none() | st.integers(1, 3),
        purpose=purposes,
    )
    def reserve(
        self,
        store: str,
        part: str,
        qty: int,
        policy: ShortagePolicy,
        expires_in: int | None,
        purpose: ReservationPurpose,
    ) -> Any:
        before = self._available(store, part)
        expires = None if expires_in is None else self.clock.now().add(hours=expires_in)
        cmd = inv.ReserveParts(
            store, "W1", (inv.PartQuantity(part, qty),), purpose, "REQ-1", policy, expires
        )
        result = inv.reserve_parts(self.uow(), cmd, self.clock, self.ids)
        if policy is ShortagePolicy.ALL_OR_NOTHING and before < qty:
            # Lapsed reservations never make a request short: `before` excludes them.
            error = result.failure()
            assert isinstance(error, NotEnoughStock), error
            assert error.details["available"] == before
            assert self._available(store, part) == before
            return NONE
        outcome = result.unwrap()
        got = sum(r.quantity for r in outcome.reservations)
        assert got == min(qty, before)
        assert sum(b.quantity for b in outcome.backorders) == qty - got
        for reservation in outcome.reservations:
            self.created.add(reservation.id)
        return (store, outcome.reservations[0].id) if outcome.reservations else NONE

    @rule(target_res=consumes(reservations))
    def release(self, target_res: tuple[str, str]) -> None:
        store, reservation_id = target_res
        live = self._live(store, reservation_id)
        result = inv.release_reservation(
            self.uow(), inv.ReleaseReservation(store, reservation_id), self.clock
        )
        self._check_close(reservation_id, result, ReservationStatus.RELEASED, live)

    @rule(target_res=reservations)
    def issue_reserved(self, target_res: tuple[str, str]) -> None:
        store, reservation_id = target_res
        live = self._live(store, reservation_id)
        quantity = self._reservation(store, reservation_id, "quantity")
        result = inv.issue_reservation(
            self.uow(), inv.IssueReservation(store, reservation_id), self.clock, self.ids
        )
        if self._check_close(reservation_id, result, ReservationStatus.CONSUMED, live):
            self.expected_goods -= quantity

    @rule(hours=st.integers(1, 3))
    def time_passes(self, hours: int) -> None:
        """Reservations lapse with no sweep at all."""
        self.clock.advance(hours=hours)

    @rule()
    def expire(self) -> None:
        """The tidy-up sweep records every lapsed reservation as expired."""
        for store in STORES:
            due = [
                reservation_id
                for reservation_id, expires_at in self._open_reservations(store)
                if expires_at is not None and expires_at <= self.clock.now()
            ]
            result = inv.expire_reservations(self.uow(), inv.ExpireReservations(store), self.clock)
            expired = [r.id for r in result.unwrap()]
            assert sorted(expired) == sorted(due)
            for reservation_id in expired:
                assert reservation_id not in self.closed
                self.closed[reservation_id] = ReservationStatus.EXPIRED

    # ------------------------------------------------------------ rules: stock out

    @rule(store=stores, part=part_numbers, qty=quantities)
    def issue_unreserved(self, store: str, part: str, qty: int) -> None:
        before = self._available(store, part)
        result = inv.issue_parts(
            self.uow(),
            inv.IssueParts(store, "W1", (inv.PartQuantity(part, qty),)),
            self.clock,
            self.ids,
        )
        assert isinstance(result, Success) == (before >= qty), result
        if isinstance(result, Success):
            self.expected_goods -= qty

    @rule(target=transfers, part=part_numbers, qty=quantities, forward=st.booleans())
    def transfer(self, part: str, qty: int, forward: bool) -> str:
        source, target = STORES if forward else tuple(reversed(STORES))
        before = self._available(source, part)
        result = inv.dispatch_transfer(
            self.uow(),
            inv.DispatchTransfer(
                source,
                "W1",
                target,
                "W1",
                (inv.PartQuantity(part, qty),),
                eta=self.clock.now().add(days=1),
            ),
            self.clock,
            self.ids,
        )
        assert isinstance(result, Success) == (before >= qty), result
        return f"{target}:{result.unwrap().id}" if isinstance(result, Success) else "none:none"

    @rule(target=transfers, target_res=reservations)
    def transfer_reserved(self, target_res: tuple[str, str]) -> str:
        """Dispatch consumes a transfer reservation in the same transaction."""
        store, reservation_id = target_res
        if store == "none":
            return "none:none"
        other = next(s for s in STORES if s != store)
        live = self._live(store, reservation_id)
        purpose = self._reservation(store, reservation_id, "purpose")
        result = inv.dispatch_transfer(
            self.uow(),
            inv.DispatchTransfer(store, "W1", other, "W1", (), reservation_ids=(reservation_id,)),
            self.clock,
            self.ids,
        )
        if not live:
            assert isinstance(result, Failure), result
            return "none:none"
        if purpose is not ReservationPurpose.TRANSFER:
            assert result.failure().code == "reservation_mismatch"
            return "none:none"
        assert isinstance(result, Success), result
        self.closed[reservation_id] = ReservationStatus.CONSUMED
        return f"{other}:{result.unwrap().id}"

    @rule(target=reservations, ref=consumes(transfers), bin_code=bins, refuse=st.booleans())
    def settle_transfer(self, ref: str, bin_code: str, refuse: bool) -> Any:
        store, transfer_id = ref.split(":")
        if store == "none":
            return multiple()
        if refuse:
            result = inv.refuse_transfer(
                self.uow(),
                inv.RefuseTransfer(store, transfer_id, "wrong parts"),
                self.clock,
                self.ids,
            )
        else:
            result = inv.receive_transfer(
                self.uow(), inv.ReceiveTransfer(store, transfer_id, bin_code), self.clock, self.ids
            )
        assert isinstance(result, Success), result
        again = inv.receive_transfer(
            self.uow(), inv.ReceiveTransfer(store, transfer_id, bin_code), self.clock, self.ids
        )
        assert isinstance(again, Failure)
        # A refused transfer's goods (and the backorders they serve) are back at the source.
        where = result.unwrap().transfer.store_id if refuse else store
        return self._allocated(str(where), result.unwrap().allocations)

    @rule(target=loans, store=stores, bin_code=bins, part=part_numbers, qty=quantities)
    def lend(self, store: str, bin_code: str, part: str, qty: int) -> tuple[str, str]:
        _, _, available = self._item(self._location(store, bin_code, part))
        result = inv.lend_parts(
            self.uow(),
            inv.LendParts(store, "W1", bin_code, part, qty, "Body shop"),
            self.clock,
            self.ids,
        )
        assert isinstance(result, Success) == (available >= qty), result
        return (store, result.unwrap().id) if isinstance(result, Success) else NONE

    @rule(target=reservations, loan=consumes(loans))
    def return_loan(self, loan: tuple[str, str]) -> Any:
        store, loan_id = loan
        result = inv.return_loan(self.uow(), inv.ReturnLoan(store, loan_id), self.clock, self.ids)
        if loan_id == "none":
            assert isinstance(result, Failure)
            return multiple()
        back = result.unwrap()
        assert back.loan.outstanding == 0
        return self._allocated(store, back.allocations)

    @rule(store=stores, bin_code=bins, part=part_numbers, counted=st.integers(0, 12))
    def stocktake(self, store: str, bin_code: str, part: str, counted: int) -> None:
        location = self._location(store, bin_code, part)
        book, live, _ = self._item(location)
        result = inv.count_stock(
            self.uow(),
            inv.CountStock(store, "W1", (inv.CountLine(bin_code, part, counted),)),
            self.clock,
            self.ids,
        )
        if counted < live:
            error = result.failure()
            assert isinstance(error, CountBelowReserved), error
            assert error.details["reserved"] == live
            return
        report = result.unwrap()
        assert report.quantity_variance == counted - book
        self.expected_goods += counted - book

    @rule(store=stores, part=part_numbers, qty=quantities)
    def move(self, store: str, part: str, qty: int) -> None:
        location = self._location(store, BINS[0], part)
        _, _, available = self._item(location)
        result = inv.move_parts(
            self.uow(),
            inv.MoveParts(store, part, qty, "W1", BINS[0], "W1", BINS[1]),
            self.clock,
            self.ids,
        )
        assert isinstance(result, Success) == (available >= qty), result

    # ------------------------------------------------------------ invariants

    @invariant()
    def stock_is_consistent(self) -> None:
        with self.uow() as uow:
            on_hand_total = 0
            for store in STORES:
                sid = StoreId(store)
                open_by_location: dict[StockLocation, int] = {}
                for reservation in uow.stock.open_reservations(sid):
                    loc = reservation.location
                    open_by_location[loc] = open_by_location.get(loc, 0) + reservation.quantity
                ledger: dict[StockLocation, int] = {}
                for entry in uow.stock.ledger(sid):
                    loc = StockLocation(
                        entry.store_id, entry.warehouse_code, entry.bin_code, entry.part_number
                    )
                    ledger[loc] = ledger.get(loc, 0) + entry.quantity
                items = {i.location: i for i in uow.stock.items(sid)}
                for loc, item in items.items():
                    assert item.available >= 0 and item.reserved >= 0, item
                    assert item.on_hand == ledger.get(loc, 0), (loc, item.on_hand, ledger)
                    assert item.reserved == open_by_location.get(loc, 0), (loc, item)
                    on_hand_total += item.on_hand
                assert set(ledger) <= set(items)
                assert set(open_by_location) <= set(items)
            in_transit = sum(
                t.in_transit
                for store in STORES
                for t in uow.stock.incoming_transfers(StoreId(store))
            )
            lent = sum(
                loan.outstanding
                for store in STORES
                for loan in uow.stock.open_loans(StoreId(store))
            )
            assert on_hand_total + in_transit + lent == self.expected_goods

    @invariant()
    def no_lapsed_reservation_counts_as_available(self) -> None:
        books = {store: self._books(store) for store in STORES}
        for part in PARTS:
            shown = {
                (a.store_id, a.available)
                for a in inv.where_available(self.uow(), part, self.clock).unwrap()
            }
            expected = set()
            for store, (on_hand, live) in books.items():
                free = sum(q for loc, q in on_hand.items() if loc.part_number == part) - sum(
                    q for loc, q in live.items() if loc.part_number == part
                )
                if free > 0:
                    expected.add((store, free))
            assert shown == expected, (part, self.clock.now())
        for store, (_, live) in books.items():
            sheet = inv.count_sheet(self.uow(), store, "W1", self.clock).unwrap()
            assert {line.location: line.reserved for line in sheet if line.reserved} == live

    @invariant()
    def every_reservation_is_accounted_for(self) -> None:
        """Each reservation in the books was seen being made (by a request or by a
        receipt serving a backorder); a closed one stays closed in one status; one
        closed behind our back can only have lapsed."""
        with self.uow() as uow:
            found = [
                r
                for store in STORES
                for r in uow.stock.find_reservations(StoreId(store), limit=10**6)
            ]
            assert {r.id for r in found} == self.created
            for reservation in found:
                if reservation.is_open:
                    assert reservation.id not in self.closed
                    continue
                known = self.closed.setdefault(reservation.id, reservation.status)
                assert reservation.status is known, (reservation.id, known)
                if known is ReservationStatus.EXPIRED:
                    expiry = reservation.expires_at
                    assert expiry is not None and expiry <= self.clock.now()

    # ------------------------------------------------------------ helpers

    def _allocated(self, store: str, allocations: tuple[Reservation, ...]) -> Any:
        for reservation in allocations:
            assert reservation.backorder_id is not None
            self.created.add(reservation.id)
        return multiple(*[(store, r.id) for r in allocations])

    def _location(self, store: str, bin_code: str, part: str) -> StockLocation:
        return StockLocation(
            StoreId(store), WarehouseCode("W1"), BinCode(bin_code), PartNumber(part)
        )

    def _open_reservations(self, store: str) -> list[tuple[str, DateTime | None]]:
        """(id, expiry) of the store's open reservations, read inside the unit of work."""
        with self.uow() as uow:
            return [(r.id, r.expires_at) for r in uow.stock.open_reservations(StoreId(store))]

    def _books(self, store: str) -> tuple[dict[StockLocation, int], dict[StockLocation, int]]:
        """(on hand, held by live reservations) per stock item, read in one unit of work:
        computed here from the reservations, not by the services under test."""
        now = self.clock.now()
        with self.uow() as uow:
            on_hand = {i.location: i.on_hand for i in uow.stock.items(StoreId(store))}
            live: dict[StockLocation, int] = {}
            for r in uow.stock.open_reservations(StoreId(store)):
                if r.is_live(now):
                    live[r.location] = live.get(r.location, 0) + r.quantity
        return on_hand, live

    def _item(self, location: StockLocation) -> tuple[int, int, int]:
        """(on hand, live reserved, available now) of one bin."""
        on_hand, live = self._books(location.store_id)
        held = live.get(location, 0)
        return on_hand.get(location, 0), held, on_hand.get(location, 0) - held

    def _available(self, store: str, part: str) -> int:
        """On hand minus what live reservations hold, in one warehouse of ``store``."""
        on_hand, live = self._books(store)
        return sum(q for loc, q in on_hand.items() if loc.part_number == part) - sum(
            q for loc, q in live.items() if loc.part_number == part
        )

    def _reservation(self, store: str, reservation_id: str, field: str) -> Any:
        with self.uow() as uow:
            found = uow.stock.get_reservation(StoreId(store), reservation_id)
            return getattr(found, field) if found else 0

    def _live(self, store: str, reservation_id: str) -> bool:
        with self.uow() as uow:
            found = uow.stock.get_reservation(StoreId(store), reservation_id)
            return found is not None and found.is_live(self.clock.now())

    def _check_close(
        self, reservation_id: str, result: Any, status: ReservationStatus, live: bool
    ) -> bool:
        if reservation_id == "none":
            assert isinstance(result, Failure)
            return False
        if not live:
            assert isinstance(result, Failure), (reservation_id, result)
            if reservation_id not in self.closed:
                assert isinstance(result.failure(), ReservationExpired), result
            return False
        assert isinstance(result, Success), result
        self.closed[reservation_id] = status
        return True


class FakeStockMachine(StockMachine):
    def make_uow(self) -> Callable[[], Any]:
        fake = FakeUnitOfWork()
        return lambda: fake

    @initialize()
    def start(self) -> None:
        return None


FakeStockMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None
)
TestStockOnThePureDomain = FakeStockMachine.TestCase
