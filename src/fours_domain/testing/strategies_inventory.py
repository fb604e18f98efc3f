"""Hypothesis strategies for the parts inventory: part numbers, parts, quantities,
request lines and stock moves. Re-exported by :mod:`fours_domain.testing.strategies`."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from fours_domain.inventory.model import (
    MoveKind,
    MovementClass,
    Part,
    ReservationPurpose,
    ShortagePolicy,
    StockItem,
)
from fours_domain.inventory.services import CountLine, PartQuantity
from fours_domain.shared.catalogue import PartNumber, SpecPattern, part_number
from fours_domain.shared.ids import BinCode, StoreId, WarehouseCode
from fours_domain.shared.money import cny

PART_CLASSES = ("MAINTENANCE", "REPAIR", "BODY", "ACCESSORY", "TYRE", "OIL")
_PN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def part_numbers() -> st.SearchStrategy[PartNumber]:
    """Manufacturer-style part numbers such as ``4H0-698-151A``."""
    block = st.text(_PN_ALPHABET, min_size=1, max_size=4)
    return st.lists(block, min_size=1, max_size=4).map(lambda b: part_number("-".join(b)))


def quantities(max_value: int = 50) -> st.SearchStrategy[int]:
    """Positive whole quantities of parts."""
    return st.integers(min_value=1, max_value=max_value)


def fitments() -> st.SearchStrategy[SpecPattern]:
    """Which cars a part fits: a brand, with or without a model."""
    brands = st.sampled_from(["AUDI", "BYD", "VW", "BMW"])
    models = st.none() | st.sampled_from(["A4L", "A6L", "Q5L", "HAN", "TANG", "X3"])
    return st.builds(SpecPattern, brands, models)


@st.composite
def parts(draw: st.DrawFn, scope_key: str = "*") -> Part:
    """Catalogue entries with a cost price never above the list price."""
    cost = draw(st.decimals(Decimal("0"), Decimal("20000"), places=2))
    markup = draw(st.decimals(Decimal("0"), Decimal("5000"), places=2))
    return Part(
        scope_key=scope_key,
        number=draw(part_numbers()),
        name=draw(
            st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=30).filter(
                lambda s: s.strip() != ""
            )
        ),
        part_class=draw(st.sampled_from(PART_CLASSES)),
        list_price=cny(cost + markup),
        cost_price=cny(cost),
        supplier=draw(st.sampled_from(["", "Bosch", "Mahle", "OEM"])),
        fits=tuple(draw(st.lists(fitments(), max_size=3))),
        movement_class=draw(st.sampled_from(list(MovementClass))),
    )


@st.composite
def stock_items(draw: st.DrawFn, max_on_hand: int = 100) -> StockItem:
    """Stock items that respect on hand ≥ reserved ≥ 0."""
    on_hand = draw(st.integers(0, max_on_hand))
    return StockItem(
        StoreId(draw(st.sampled_from(["S1", "S2", "S3"]))),
        WarehouseCode(draw(st.sampled_from(["W1", "W2"]))),
        BinCode(draw(st.sampled_from(["A-01", "A-02", "B-01"]))),
        draw(part_numbers()),
        on_hand=on_hand,
        reserved=draw(st.integers(0, on_hand)),
    )


def request_lines(
    numbers: st.SearchStrategy[PartNumber] | None = None, max_lines: int = 4
) -> st.SearchStrategy[tuple[PartQuantity, ...]]:
    """Lines of a receive / issue / reserve / transfer request."""
    line = st.builds(
        PartQuantity, numbers if numbers is not None else part_numbers(), quantities(20)
    )
    return st.lists(line, min_size=1, max_size=max_lines).map(tuple)


def count_lines(
    numbers: st.SearchStrategy[PartNumber] | None = None,
) -> st.SearchStrategy[CountLine]:
    """Stocktake lines (盘点): a bin, a part number and the counted quantity (0–30)."""
    return st.builds(
        CountLine,
        st.sampled_from(["A-01", "A-02"]),
        numbers if numbers is not None else part_numbers(),
        st.integers(0, 30),
    )


def move_kinds() -> st.SearchStrategy[MoveKind]:
    """Kinds of ledger move (receive, issue, move, transfer, lend, adjust…)."""
    return st.sampled_from(list(MoveKind))


def purposes() -> st.SearchStrategy[ReservationPurpose]:
    """What a reservation is for (work order, counter sale, transfer…)."""
    return st.sampled_from(list(ReservationPurpose))


def shortage_policies() -> st.SearchStrategy[ShortagePolicy]:
    """What to do when stock runs short: refuse, or reserve what there is and backorder."""
    return st.sampled_from(list(ShortagePolicy))


def stock_moves(
    stores: tuple[str, ...] = ("S1", "S2"),
    warehouse: str = "W1",
    bins: tuple[str, ...] = ("A-01", "A-02"),
    numbers: tuple[str, ...] = ("P-1", "P-2"),
) -> st.SearchStrategy[object]:
    """Inventory commands over a small fixed world, for driving the application
    services: receipts, issues, reservations, moves, transfers and counts."""
    from fours_domain.inventory import services as svc

    store = st.sampled_from(stores)
    bin_code = st.sampled_from(bins)
    lines = request_lines(st.sampled_from(numbers).map(part_number), max_lines=2)
    return st.one_of(
        st.builds(svc.ReceiveParts, store, st.just(warehouse), bin_code, lines),
        st.builds(svc.IssueParts, store, st.just(warehouse), lines),
        st.builds(
            svc.ReserveParts,
            store,
            st.just(warehouse),
            lines,
            purposes(),
            st.just("REF"),
            shortage_policies(),
        ),
        st.builds(
            svc.MoveParts,
            store,
            st.sampled_from(numbers),
            quantities(10),
            st.just(warehouse),
            bin_code,
            st.just(warehouse),
            bin_code,
        ),
        st.builds(
            svc.DispatchTransfer, store, st.just(warehouse), store, st.just(warehouse), lines
        ),
        st.builds(
            svc.CountStock,
            store,
            st.just(warehouse),
            st.lists(count_lines(st.sampled_from(numbers).map(part_number)), min_size=1, max_size=2)
            .filter(lambda c: len({(x.bin_code, x.part) for x in c}) == len(c))
            .map(tuple),
        ),
    )
