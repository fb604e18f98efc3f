"""The DMS's stock positions against our ledger, and the stocktake that puts a store right
(``fours_domain.dms.positions``), with the in-memory fakes: properties over any stock and
any positions."""

from __future__ import annotations

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fours_domain.dms.positions import (
    AdjustStock,
    ComparePositions,
    StockPosition,
    adjust_stock_to_positions,
    compare,
    compare_positions,
)
from fours_domain.inventory import services as inv
from fours_domain.inventory.model import ReservationPurpose, StaleCount
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.ids import SequentialIdSource, StoreId
from fours_domain.shared.time import FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork
from tests.unit.inventory import world

CLOCK = FixedClock(pendulum.datetime(2026, 11, 25, 9, tz="Asia/Shanghai"))
AT = CLOCK.now()
LOCATIONS = ("A-01", "A-02", "X-9", "")


def seeded() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    world.seed(lambda: uow, CLOCK)
    return uow


def position(part: str, location: str, on_hand: int, store: str = "S1") -> StockPosition:
    return StockPosition(StoreId(store), PartNumber(part), location, on_hand, "imp-1", AT)


quantities = st.integers(0, 12)


@st.composite
def worlds(draw: st.DrawFn) -> tuple[FakeUnitOfWork, list[StockPosition]]:
    """Our stock of S1 (receipts, reservations) and the DMS's positions of S1."""
    uow = seeded()
    ids = SequentialIdSource("w")
    for part in world.PARTS:
        for bin_code in world.BINS:
            received = draw(quantities)
            if received:
                inv.receive_parts(
                    uow,
                    inv.ReceiveParts("S1", "W1", bin_code, (inv.PartQuantity(part, received),)),
                    CLOCK,
                    ids,
                ).unwrap()
        reserve = draw(st.integers(0, 3))
        if reserve:
            inv.reserve_parts(
                uow,
                inv.ReserveParts(
                    "S1",
                    "W1",
                    (inv.PartQuantity(part, reserve),),
                    ReservationPurpose.WORK_ORDER,
                    "WO",
                ),
                CLOCK,
                ids,
            )
    parts = [*world.PARTS, "P-9"]  # P-9: a part the catalogue does not know
    positions = {
        (part, location): position(part, location, draw(quantities))
        for part in draw(st.lists(st.sampled_from(parts), min_size=1, unique=True))
        for location in draw(st.lists(st.sampled_from(LOCATIONS), min_size=1, unique=True))
    }
    listed = list(positions.values())
    uow.dms_positions.put(listed)
    uow.commit()
    return uow, listed


def on_hand(uow: FakeUnitOfWork, part: str) -> int:
    with uow:
        return sum(i.on_hand for i in uow.stock.items(StoreId("S1")) if i.part_number == part)


def test_compare_lists_every_part_either_side_holds() -> None:
    c = compare({"S1": {"A": 2, "B": 0}}, {"S1": {"A": 2, "C": 4, "D": 0}})
    assert (c.parts_compared, c.agreeing) == (3, 2)
    assert [(d.part_number, d.theirs, d.ours, d.difference) for d in c.differences] == [
        ("C", 0, 4, 4)
    ]


@settings(max_examples=60, deadline=None)
@given(worlds(), st.sampled_from([None, "A-02"]))
def test_adjusting_brings_every_adjustable_part_to_the_dms_figure_and_no_further(
    drawn: tuple[FakeUnitOfWork, list[StockPosition]], default_bin: str | None
) -> None:
    uow, listed = drawn
    before = {part: on_hand(uow, part) for part in (*world.PARTS, "P-9")}
    result = adjust_stock_to_positions(
        uow, AdjustStock("S1", default_bin=default_bin), CLOCK, SequentialIdSource("adj")
    ).unwrap()
    theirs = {p: sum(x.on_hand for x in listed if x.part_number == p) for p in before}
    skipped = {line.part_number: line for line in result.not_adjusted}
    for part, was in before.items():
        now = on_hand(uow, part)
        if part in skipped or theirs[part] == was:
            assert now == was  # left alone: listed with its reason, or already agreeing
        else:
            assert now == theirs[part]  # brought exactly to the DMS's figure
    assert "P-9" in skipped or theirs["P-9"] == 0
    for line in result.not_adjusted:
        assert line.reason and line.theirs != line.ours
    with uow:  # never below what is reserved: available stays ≥ 0
        assert all(i.on_hand >= i.reserved for i in uow.stock.items(StoreId("S1")))
    if result.variance is not None:
        assert all(line.location.warehouse_code == "W1" for line in result.variance.lines)
        assert result.variance.reference == "DMS stock positions"
    comparison = compare_positions(uow, ComparePositions("S1")).unwrap()
    assert {d.part_number for d in comparison.differences} == set(skipped)


def test_a_count_whose_stock_moved_since_the_sheet_is_refused() -> None:
    uow = seeded()
    ids = SequentialIdSource("s")
    inv.receive_parts(
        uow, inv.ReceiveParts("S1", "W1", "A-01", (inv.PartQuantity("P-1", 5),)), CLOCK, ids
    ).unwrap()
    stale = inv.CountStock("S1", "W1", (inv.CountLine("A-01", "P-1", 3, book=4),))
    refused = inv.count_stock(uow, stale, CLOCK, ids).failure()
    assert isinstance(refused, StaleCount) and "showed 4" in refused.message
    assert on_hand(uow, "P-1") == 5
    fresh = inv.CountStock("S1", "W1", (inv.CountLine("A-01", "P-1", 3, book=5),))
    assert inv.count_stock(uow, fresh, CLOCK, ids).unwrap().quantity_variance == -2


def test_no_positions_no_adjustment_and_unknown_warehouses_are_named() -> None:
    uow = seeded()
    missing = adjust_stock_to_positions(uow, AdjustStock("S1"), CLOCK, SequentialIdSource("a"))
    assert "import a parts inventory first" in missing.failure().message
    uow.dms_positions.put([position("P-1", "A-01", 1)])
    uow.commit()
    unknown = adjust_stock_to_positions(
        uow, AdjustStock("S1", warehouse_code="W9"), CLOCK, SequentialIdSource("a")
    )
    assert unknown.failure().message == "warehouse S1/W9 not found"


@pytest.mark.parametrize(
    ("default_bin", "expected"), [(None, "pass a bin"), ("Z-99", "no bin Z-99")]
)
def test_a_part_held_nowhere_needs_a_bin(default_bin: str | None, expected: str) -> None:
    uow = seeded()
    uow.dms_positions.put([position("P-2", "X-9", 4)])
    uow.commit()
    result = adjust_stock_to_positions(
        uow, AdjustStock("S1", default_bin=default_bin), CLOCK, SequentialIdSource("a")
    ).unwrap()
    assert result.variance is None
    [left] = result.not_adjusted
    assert (left.part_number, left.theirs, left.ours) == ("P-2", 4, 0) and expected in left.reason
