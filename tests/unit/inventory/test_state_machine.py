"""Random sequences of stock operations; the invariants hold after every step.

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
    rule,
)
from returns.result import Failure, Success

from fours_domain.inventory import services as inv
from fours_domain.inventory.model import (
    NotEnoughStock,
    ReservationPurpose,
    ReservationStatus,
    ShortagePolicy,
    StockLocation,
)
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.ids import BinCode, SequentialIdSource, StoreId, WarehouseCode
from fours_domain.shared.time import FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork
from tests.unit.inventory.world import BINS, PARTS, STORES, seed

stores = st.sampled_from(STORES)
bins = st.sampled_from(BINS)
part_numbers = st.sampled_from(PARTS)
quantities = st.integers(1, 6)


class StockMachine(RuleBasedStateMachine):
    """Subclasses provide ``make_uow`` (a factory of fresh units of work)."""

    reservations = Bundle("reservations")
    transfers = Bundle("transfers")

    def make_uow(self) -> Callable[[], Any]:
        raise NotImplementedError

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(pendulum.datetime(2026, 11, 25, 9, tz="UTC"))
        self.ids = SequentialIdSource("sm")
        self.uow = self.make_uow()
        seed(self.uow, self.clock)
        self.expected_goods = 0  # receipts - issues + stocktake variance, counted independently
        self.closed: dict[str, ReservationStatus] = {}
        self.created: set[str] = set()

    # ------------------------------------------------------------ rules

    @rule(store=stores, bin_code=bins, part=part_numbers, qty=quantities)
    def receive(self, store: str, bin_code: str, part: str, qty: int) -> None:
        result = inv.receive_parts(
            self.uow(),
            inv.ReceiveParts(store, "W1", bin_code, (inv.PartQuantity(part, qty),)),
            self.clock,
            self.ids,
        )
        assert isinstance(result, Success), result
        self.expected_goods += qty
        for reservation_id, _ in self._open_reservations(store):
            self.created.add(reservation_id)

    @rule(
        target=reservations,
        store=stores,
        part=part_numbers,
        qty=st.integers(1, 10),
        policy=st.sampled_from(list(ShortagePolicy)),
        expiring=st.booleans(),
    )
    def reserve(
        self, store: str, part: str, qty: int, policy: ShortagePolicy, expiring: bool
    ) -> Any:
        before = self._available(store, part)
        expires = self.clock.now().add(hours=2) if expiring else None
        cmd = inv.ReserveParts(
            store,
            "W1",
            (inv.PartQuantity(part, qty),),
            ReservationPurpose.WORK_ORDER,
            "WO-1",
            policy,
            expires,
        )
        result = inv.reserve_parts(self.uow(), cmd, self.clock, self.ids)
        if policy is ShortagePolicy.ALL_OR_NOTHING and before < qty:
            assert isinstance(result, Failure)
            error = result.failure()
            assert isinstance(error, NotEnoughStock)
            assert error.details["available"] == before
            assert self._available(store, part) == before
            return (store, "none")
        outcome = result.unwrap()
        got = sum(r.quantity for r in outcome.reservations)
        assert got == min(qty, before)
        assert sum(b.quantity for b in outcome.backorders) == qty - got
        for reservation in outcome.reservations:
            self.created.add(reservation.id)
        return (store, outcome.reservations[0].id if outcome.reservations else "none")

    @rule(target_res=consumes(reservations))
    def release(self, target_res: tuple[str, str]) -> None:
        store, reservation_id = target_res
        result = inv.release_reservation(
            self.uow(), inv.ReleaseReservation(store, reservation_id), self.clock
        )
        self._check_close(reservation_id, result, ReservationStatus.RELEASED)

    @rule(target_res=reservations)
    def issue_reserved(self, target_res: tuple[str, str]) -> None:
        store, reservation_id = target_res
        quantity = self._reservation_quantity(store, reservation_id)
        result = inv.issue_reservation(
            self.uow(), inv.IssueReservation(store, reservation_id), self.clock, self.ids
        )
        if self._check_close(reservation_id, result, ReservationStatus.CONSUMED):
            self.expected_goods -= quantity

    @rule(store=stores, part=part_numbers, qty=quantities)
    def issue_unreserved(self, store: str, part: str, qty: int) -> None:
        before = self._available(store, part)
        result = inv.issue_parts(
            self.uow(),
            inv.IssueParts(store, "W1", (inv.PartQuantity(part, qty),)),
            self.clock,
            self.ids,
        )
        assert isinstance(result, Success) == (before >= qty)
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

    @rule(ref=consumes(transfers), bin_code=bins)
    def receive_transfer(self, ref: str, bin_code: str) -> None:
        store, transfer_id = ref.split(":")
        if store == "none":
            return
        result = inv.receive_transfer(
            self.uow(), inv.ReceiveTransfer(store, transfer_id, bin_code), self.clock, self.ids
        )
        assert isinstance(result, Success), result
        again = inv.receive_transfer(
            self.uow(), inv.ReceiveTransfer(store, transfer_id, bin_code), self.clock, self.ids
        )
        assert isinstance(again, Failure)

    @rule(store=stores, bin_code=bins, part=part_numbers, counted=st.integers(0, 12))
    def stocktake(self, store: str, bin_code: str, part: str, counted: int) -> None:
        location = self._location(store, bin_code, part)
        book, reserved, _ = self._item(location)
        result = inv.count_stock(
            self.uow(),
            inv.CountStock(store, "W1", (inv.CountLine(bin_code, part, counted),)),
            self.clock,
            self.ids,
        )
        if counted < reserved:
            assert isinstance(result.failure(), NotEnoughStock)
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

    @rule(hours=st.integers(0, 3))
    def expire(self, hours: int) -> None:
        self.clock.advance(hours=hours)
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
            assert on_hand_total + in_transit == self.expected_goods

    @invariant()
    def closed_reservations_stay_closed(self) -> None:
        with self.uow() as uow:
            for reservation_id, status in self.closed.items():
                found = next(
                    uow.stock.get_reservation(StoreId(s), reservation_id)
                    for s in STORES
                    if uow.stock.get_reservation(StoreId(s), reservation_id) is not None
                )
                assert found.status is status

    # ------------------------------------------------------------ helpers

    def _location(self, store: str, bin_code: str, part: str) -> StockLocation:
        return StockLocation(
            StoreId(store), WarehouseCode("W1"), BinCode(bin_code), PartNumber(part)
        )

    def _item(self, location: StockLocation) -> tuple[int, int, int]:
        """(on hand, reserved, available) read inside the unit of work."""
        with self.uow() as uow:
            item = uow.stock.lock([location]).get(location)
            return (item.on_hand, item.reserved, item.available) if item else (0, 0, 0)

    def _available(self, store: str, part: str) -> int:
        with self.uow() as uow:
            return sum(
                i.available for i in uow.stock.items(StoreId(store)) if i.part_number == part
            )

    def _open_reservations(self, store: str) -> list[tuple[str, Any]]:
        with self.uow() as uow:
            return [(r.id, r.expires_at) for r in uow.stock.open_reservations(StoreId(store))]

    def _reservation_quantity(self, store: str, reservation_id: str) -> int:
        with self.uow() as uow:
            found = uow.stock.get_reservation(StoreId(store), reservation_id)
            return found.quantity if found else 0

    def _check_close(self, reservation_id: str, result: Any, status: ReservationStatus) -> bool:
        if reservation_id == "none":
            assert isinstance(result, Failure)
            return False
        if reservation_id in self.closed:
            assert isinstance(result, Failure), (reservation_id, self.closed[reservation_id])
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
