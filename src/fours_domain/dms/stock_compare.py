"""Manufacturer parts inventory (STAR ``ProcessPartsInventory``, 配件库存) → a comparison
with our book stock.

The manufacturer's DMS keeps its own view of a dealer's parts stock. Ours is the
inventory context's ledger (on hand = Σ moves), so a feed must never overwrite it:
the binding compares. Per store and part, the DMS's on-hand quantity (summed over
its bins) against ours (summed over our bins), every difference listed, and the
parts we hold that the DMS does not list. Nothing is stored, so it is not journaled
and running it again gives the same report; a difference the store confirms is put
right with a stocktake (``fours stock count``), through the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

import attrs
from returns.result import Failure, Result, Success

from fours_domain.dms.ports import (
    Document,
    FeedWarning,
    InboundFeed,
    KindNotSupported,
    Rejection,
    RejectSink,
    SourceLocation,
)
from fours_domain.dms.records import RecordKind, StockPositionRecord
from fours_domain.inventory.ports import InventoryUnitOfWork
from fours_domain.shared.errors import DomainError, NotFound
from fours_domain.shared.ids import StoreId

KIND = RecordKind.PARTS_INVENTORY


@attrs.frozen
class CompareStockDocument:
    """Command: compare the stock positions in ``document`` with our book stock.

    ``dealers`` maps the document's dealer codes to store ids; ``store_id`` takes
    positions without a mapped dealer code (the CLI's ``--store``).
    """

    document: Document
    dealers: Mapping[str, str] = attrs.field(factory=dict)
    store_id: str | None = None
    strict: bool = False


@attrs.frozen
class StockDifference:
    store_id: str
    part_number: str
    theirs: int
    ours: int

    @property
    def difference(self) -> int:
        """Ours minus theirs: positive when we hold more than the DMS says."""
        return self.ours - self.theirs


@attrs.frozen
class StockComparison:
    """Per store and part: how many agree, and every difference."""

    stores: tuple[str, ...]
    positions_read: int
    rejected: int
    warnings: int
    parts_compared: int
    agreeing: int
    differences: tuple[StockDifference, ...]


def compare_stock_document(
    uow: InventoryUnitOfWork, feed: InboundFeed, cmd: CompareStockDocument, rejects: RejectSink
) -> Result[StockComparison, DomainError]:
    """Read ``document`` with ``feed`` and compare its positions with our stock."""
    if KIND not in feed.reads():
        return Failure(KindNotSupported(feed.name, KIND, feed.reads()))
    theirs: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    read = rejected = warnings = 0
    try:
        for item in feed.read(cmd.document, KIND, strict=cmd.strict):
            if isinstance(item, FeedWarning):
                warnings += 1
                rejects.warn(item)
                continue
            read += 1
            if isinstance(item, Rejection):
                rejected += 1
                rejects.reject(item)
                continue
            record = item.record
            assert isinstance(record, StockPositionRecord)
            where = item.location
            store = _store(record, cmd)
            problem = _problem(record, store)
            if problem is not None:
                field, reason = problem
                rejected += 1
                rejects.reject(
                    Rejection(
                        SourceLocation(where.document, where.line, where.path, field),
                        reason,
                        raw=item.raw,
                        key=record.key,
                    )
                )
                continue
            assert store is not None
            theirs[store][record.part_number] += int(record.on_hand)
    except DomainError as error:
        return Failure(error)
    with uow:
        for store in theirs:
            if uow.org.get_store(StoreId(store)) is None:
                return Failure(NotFound("store", store))
        ours = {store: _book(uow, store) for store in theirs}
    differences: list[StockDifference] = []
    compared = agreeing = 0
    for store in sorted(theirs):
        listed, held = theirs[store], ours[store]
        for number in sorted(listed.keys() | {n for n, q in held.items() if q}):
            compared += 1
            line = StockDifference(store, number, listed.get(number, 0), held.get(number, 0))
            if line.difference:
                differences.append(line)
            else:
                agreeing += 1
    return Success(
        StockComparison(
            tuple(sorted(theirs)), read, rejected, warnings, compared, agreeing, tuple(differences)
        )
    )


def _store(record: StockPositionRecord, cmd: CompareStockDocument) -> str | None:
    if record.dealer_code is not None and record.dealer_code in cmd.dealers:
        return cmd.dealers[record.dealer_code]
    return cmd.store_id


def _problem(record: StockPositionRecord, store: str | None) -> tuple[str, str] | None:
    if store is None:
        code = record.dealer_code or "(none)"
        return "dealer_code", f"dealer code {code} is not mapped to a store; map it or use --store"
    if record.on_hand != record.on_hand.to_integral_value() or record.on_hand > Decimal(10**12):
        return "on_hand", f"on_hand {record.on_hand} is not a whole number of parts"
    return None


def _book(uow: InventoryUnitOfWork, store: str) -> dict[str, int]:
    held: dict[str, int] = defaultdict(int)
    for item in uow.stock.items(StoreId(store)):
        held[item.part_number] += item.on_hand
    return held
