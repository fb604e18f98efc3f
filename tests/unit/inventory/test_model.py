"""Catalogue and stock item rules of the pure domain."""

from __future__ import annotations

from collections.abc import Callable

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fours_domain.inventory.model import (
    CountBelowReserved,
    MoveKind,
    NotEnoughStock,
    Part,
    ReservationPurpose,
    StockInvariantViolation,
    StockItem,
    format_fitment,
    parse_fitment,
)
from fours_domain.shared.catalogue import PartNumber, VehicleSpec
from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.ids import BinCode, StoreId, WarehouseCode
from fours_domain.shared.money import cny
from fours_domain.testing import strategies as fs

AT = pendulum.datetime(2026, 11, 25, tz="UTC")


def _item(on_hand: int = 0, reserved: int = 0) -> StockItem:
    return StockItem(
        StoreId("S1"), WarehouseCode("W1"), BinCode("A1"), PartNumber("P1"), on_hand, reserved
    )


@given(fs.fitments())
def test_fitment_text_round_trips(pattern: object) -> None:
    from fours_domain.shared.catalogue import SpecPattern

    assert isinstance(pattern, SpecPattern)
    assert parse_fitment(format_fitment(pattern)) == pattern


def test_part_rules() -> None:
    part = Part("*", " 4h0-1 ", "Pads", "repair", cny("10"), cny("5"), fits=("AUDI/A6L",))
    assert (part.number, part.part_class, str(part.list_price.amount)) == (
        "4H0-1",
        "REPAIR",
        "10.00",
    )
    assert part.fits_vehicle(VehicleSpec("AUDI", "A6L", trim="45TFSI"))
    assert not part.fits_vehicle(VehicleSpec("AUDI", "Q5L"))
    bad: Callable[[], Part]
    for bad in (
        lambda: Part("*", "P", "", "REPAIR", cny("1"), cny("1")),
        lambda: Part("*", "P", "x\x00", "REPAIR", cny("1"), cny("1")),
        lambda: Part("*", "P", "x", "repair class", cny("1"), cny("1")),
        lambda: Part("*", "P", "x", "REPAIR", cny("-1"), cny("1")),
        lambda: Part("*", "P", "x", "REPAIR", cny("1.001"), cny("1")),
    ):
        with pytest.raises(InvariantViolation):
            bad()


def test_stock_item_refuses_to_break_its_invariant() -> None:
    with pytest.raises(StockInvariantViolation):
        _item(on_hand=1, reserved=2)
    with pytest.raises(InvariantViolation):
        _item(5).receive(0, at=AT, entry_id="e")
    with pytest.raises(InvariantViolation):
        _item(5).take(1, at=AT, entry_id="e", kind=MoveKind.RECEIVE)


@given(st.integers(0, 20), st.integers(0, 20), st.integers(1, 25))
def test_reserve_and_take_never_exceed_available(on_hand: int, reserved: int, qty: int) -> None:
    reserved = min(reserved, on_hand)
    item = _item(on_hand, reserved)
    result = item.reserve(
        qty, reservation_id="r", purpose=ReservationPurpose.WORK_ORDER, reference="WO", at=AT
    )
    if qty > on_hand - reserved:
        error = result.failure()
        assert isinstance(error, NotEnoughStock)
        assert error.details["available"] == on_hand - reserved
        assert (item.on_hand, item.reserved) == (on_hand, reserved)
    else:
        assert result.unwrap().quantity == qty
        assert item.available == on_hand - reserved - qty
    before = item.available
    taken = item.take(qty, at=AT, entry_id="e", kind=MoveKind.ISSUE)
    assert item.available >= 0
    if qty <= before:
        assert taken.unwrap().quantity == -qty and item.available == before - qty
    else:
        assert isinstance(taken.failure(), NotEnoughStock) and item.available == before


def test_adjust_below_reserved_is_refused() -> None:
    item = _item(5, 3)
    refused = item.adjust_to(2, at=AT, entry_id="e").failure()
    assert isinstance(refused, CountBelowReserved) and refused.details["reserved"] == 3
    entry = item.adjust_to(4, at=AT, entry_id="e").unwrap()
    assert entry is not None and entry.quantity == -1 and item.on_hand == 4
    assert item.adjust_to(4, at=AT, entry_id="e2").unwrap() is None
