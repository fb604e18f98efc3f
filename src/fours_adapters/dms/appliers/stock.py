"""A manufacturer's parts inventory (STAR ``ProcessPartsInventory``, 配件库存) → the catalogue,
the DMS's stock positions, a comparison with our ledger, and (opt-in) a stocktake (ADR 0061).

Per record, inside the import's single transaction:

* the dealer code maps to a store (``[dealers]`` or ``--store``) that must exist;
  quantities must be whole parts (our stock counts pieces);
* what the line says about the part goes to the group catalogue through the part-prices
  rules (:func:`~fours_adapters.dms.appliers.parts.apply_to_catalogue`): a new part with a
  name, a list price and a unit price (the dealer's cost) is created, a known part renamed
  and repriced; a line with too little to create a part leaves the catalogue alone;
* the position is stored (``dms_stock_positions``): created, updated (other figures) or
  unchanged, and marked with this import.

At the end (:meth:`StockPositionApplier.finish`) a full inventory drops the store's
positions it no longer lists — never those of a part whose row was rejected (by the feed
or here), and none at all when a rejected row names no part (ADR 0076); the positions are
compared with our stock, and — with ``--adjust-stock`` — each store's differences are
posted as a stocktake through the inventory context
(:func:`~fours_domain.dms.positions.adjust_stock_to_positions`), on a savepoint of the
same transaction, leaving rejected parts alone: the ledger stays the truth, every
adjustment a move.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from returns.result import Failure, Result, Success

from fours_adapters.clock import Uuid7IdSource
from fours_adapters.dms.appliers.parts import CatalogueRow, apply_to_catalogue
from fours_adapters.dms.binding import BindingContext
from fours_adapters.sql.dms.nested import SavepointUnitOfWork
from fours_adapters.sql.uow import SqlUnitOfWork
from fours_domain.dms.ports import (
    Applied,
    Change,
    DocumentIdentity,
    FeedWarning,
    ImportContext,
    Located,
    Outcome,
    Rejection,
    SourceLocation,
)
from fours_domain.dms.positions import (
    AdjustStock,
    PositionKey,
    PositionsReport,
    StockAdjustment,
    StockPosition,
    adjust_stock_to_positions,
    compare,
    compare_with_ledger,
)
from fours_domain.dms.records import RecordKind, StockPositionRecord
from fours_domain.shared.errors import DomainError
from fours_domain.shared.ids import StoreId
from fours_domain.shared.time import DateTime, FixedClock

_QUANTITIES = ("on_hand", "reserved", "on_order", "back_ordered")


class StockPositionApplier:
    """Applies :class:`StockPositionRecord` s (a :class:`DocumentApplier` as well)."""

    kind = RecordKind.PARTS_INVENTORY

    def __init__(self, context: BindingContext) -> None:
        self.context = context
        self._import: ImportContext | None = None
        self._stores: set[StoreId] = set()
        self._full: set[StoreId] = set()
        self._known: dict[str, bool] = {}
        self._catalogue = {Change.CREATED: 0, Change.UPDATED: 0}
        self._not_in_catalogue = 0
        self._listed: set[str] = set()
        """Parts of the document's applied rows."""
        self._spared: set[str] = set()
        """Parts of the document's rejected rows: their positions stay as they are."""
        self._unidentified: list[SourceLocation] = []
        """Rejected rows naming no part: then no position is dropped."""
        self._warnings: list[FeedWarning] = []
        self._name: str | None = None

    def begin(self, uow: SqlUnitOfWork, context: ImportContext) -> None:
        self._import = context
        self._stores.clear()
        self._full.clear()
        self._known.clear()
        self._catalogue = {Change.CREATED: 0, Change.UPDATED: 0}
        self._not_in_catalogue = 0
        self._listed.clear()
        self._spared.clear()
        self._unidentified.clear()
        self._warnings.clear()
        self._name = None

    def feed_rejected(self, rejection: Rejection) -> None:
        """A row the feed rejected: its part (``key``) keeps its positions (ADR 0076)."""
        self._name = rejection.location.document
        if rejection.key:
            self._spared.add(rejection.key)
        else:
            self._unidentified.append(rejection.location)

    def document_warnings(self) -> Sequence[FeedWarning]:
        return list(self._warnings)

    def _context(self, at: DateTime) -> ImportContext:
        if self._import is None:  # applied outside import_document: an import of its own
            identity = DocumentIdentity("applier", "")
            self._import = ImportContext(Uuid7IdSource().new_id(), identity, at)
        return self._import

    def apply(
        self, uow: SqlUnitOfWork, batch: Sequence[Located], at: DateTime
    ) -> Sequence[Outcome]:
        current = self._context(at)
        outcomes: list[Outcome | None] = [None] * len(batch)
        candidates: dict[PositionKey, tuple[int, StockPositionRecord, StockPosition]] = {}
        for index, item in enumerate(batch):
            record = item.record
            assert isinstance(record, StockPositionRecord)
            store = self._store(uow, record)
            if isinstance(store, tuple):
                outcomes[index] = _rejection(item, *store)
                continue
            position = _position(record, store, current)
            if position.key in candidates:
                outcomes[index] = _twice(item, batch[candidates[position.key][0]].location)
                continue
            candidates[position.key] = (index, record, position)
        stored = uow.dms_positions.get_many(list(candidates))
        for key, (index, _, _) in list(candidates.items()):
            before = stored.get(key)
            if before is not None and before.import_id == current.import_id:
                outcomes[index] = _twice(batch[index], None)
                del candidates[key]
        described = [entry for entry in candidates.values() if _describes_part(entry[1])]
        results = apply_to_catalogue(
            uow.session,
            [
                CatalogueRow(
                    r.part_number, r.name, r.part_class, r.brand, r.list_price, r.unit_price
                )
                for _, r, _ in described
            ],
            price_fields=("list_price", "unit_price"),
            new_needs_prices=False,
        )
        for (index, _, position), result in zip(described, results, strict=True):
            if isinstance(result, tuple):
                outcomes[index] = _rejection(batch[index], *result)
                del candidates[position.key]
            elif result is None:
                self._not_in_catalogue += 1
            elif result in self._catalogue:
                self._catalogue[result] += 1
        written: list[StockPosition] = []
        for key, (index, record, position) in candidates.items():
            before = stored.get(key)
            if before is None:
                change = Change.CREATED
            elif before.figures() == position.figures():
                change = Change.UNCHANGED
            else:
                change = Change.UPDATED
            written.append(position)
            outcomes[index] = Applied(record.key, change)
            self._stores.add(position.store_id)
            if not record.incremental:
                self._full.add(position.store_id)
        uow.dms_positions.put(written)
        done = [outcome for outcome in outcomes if outcome is not None]
        assert len(done) == len(batch)
        for item, outcome in zip(batch, done, strict=True):
            self._name = item.location.document
            record = item.record
            assert isinstance(record, StockPositionRecord)
            (self._spared if isinstance(outcome, Rejection) else self._listed).add(
                record.part_number
            )
        return done

    def _store(self, uow: SqlUnitOfWork, record: StockPositionRecord) -> StoreId | tuple[str, str]:
        """The record's store, or the ``(field, reason)`` it is rejected for."""
        store = self.context.store_for(record.dealer_code)
        if store is None:
            code = record.dealer_code or "(none)"
            return "dealer_code", (
                f"dealer code {code} is not mapped to a store: add it to [dealers] in "
                "dms.toml or pass --store"
            )
        if store not in self._known:
            self._known[store] = uow.org.get_store(StoreId(store)) is not None
        if not self._known[store]:
            return "dealer_code", f"store {store} (for dealer code {record.dealer_code}) not found"
        for field in _QUANTITIES:
            value: Decimal | None = getattr(record, field)
            if value is not None and value != value.to_integral_value():
                return field, f"{field} {value} is not a whole number of parts"
        return StoreId(store)

    def finish(self, uow: SqlUnitOfWork) -> Result[object, DomainError]:
        current = self._import
        if current is None:  # begun and ended without a record: nothing to report on
            return Success(PositionsReport((), 0, 0, 0, 0, compare({}, {})))
        dropped = self._drop_unlisted(uow, current)
        stores = sorted(self._stores)
        comparison = compare_with_ledger(uow, stores)
        adjustments: list[StockAdjustment] | None = None
        options = self.context.stock_adjustment
        if options is not None:
            adjustments = []
            for store in stores:
                adjusted = adjust_stock_to_positions(
                    SavepointUnitOfWork(uow),
                    AdjustStock(
                        store,
                        options.warehouse_code,
                        options.default_bin,
                        reference=f"DMS {current.identity.key}"[:200],
                        leave_parts=frozenset(self._spared),
                        only_parts=frozenset(self._listed) if self._unidentified else None,
                    ),
                    FixedClock(current.at),
                    Uuid7IdSource(),
                )
                if isinstance(adjusted, Failure):
                    return Failure(adjusted.failure())
                adjustments.append(adjusted.unwrap())
            if adjustments and any(a.variance for a in adjustments):
                comparison = compare_with_ledger(uow, stores)
        return Success(
            PositionsReport(
                stores=tuple(stores),
                dropped=dropped,
                catalogue_created=self._catalogue[Change.CREATED],
                catalogue_updated=self._catalogue[Change.UPDATED],
                not_in_catalogue=self._not_in_catalogue,
                comparison=comparison,
                adjustments=None if adjustments is None else tuple(adjustments),
            )
        )

    def _drop_unlisted(self, uow: SqlUnitOfWork, current: ImportContext) -> int:
        """A full inventory drops the positions it no longer lists — never those of a
        part whose row it rejected; none at all when a rejected row names no part."""
        full = sorted(self._full)
        if not full:
            return 0
        where = SourceLocation(self._name or current.identity.key)
        if self._unidentified:
            first = self._unidentified[0]
            self._warnings.append(
                FeedWarning(
                    first,
                    f"{len(self._unidentified)} rejected row(s) name no part (first at "
                    f"{first}): no position was dropped although this is a full inventory "
                    "— fix the reject file and feed it again",
                )
            )
            return 0
        if self._spared:
            shown = ", ".join(sorted(self._spared)[:10])
            more = f" and {len(self._spared) - 10} more" if len(self._spared) > 10 else ""
            self._warnings.append(
                FeedWarning(
                    where,
                    f"the rows of {len(self._spared)} part(s) were rejected ({shown}{more}): "
                    "their positions are kept as they were, not dropped — fix the reject "
                    "file and feed it again",
                )
            )
        return uow.dms_positions.drop_others(full, current.import_id, keep_parts=self._spared)


def _describes_part(record: StockPositionRecord) -> bool:
    return any(value is not None for value in (record.name, record.list_price, record.unit_price))


def _position(record: StockPositionRecord, store: StoreId, current: ImportContext) -> StockPosition:
    def whole(value: Decimal | None) -> int | None:
        return None if value is None else int(value)

    return StockPosition(
        store_id=store,
        part_number=record.part_number,
        location=record.bin or "",
        on_hand=int(record.on_hand),
        import_id=current.import_id,
        imported_at=current.at,
        dealer_code=record.dealer_code,
        reserved=whole(record.reserved),
        on_order=whole(record.on_order),
        back_ordered=whole(record.back_ordered),
        unit_price=record.unit_price,
        last_sold_on=record.last_sold_on,
        last_received_on=record.last_received_on,
        as_of=record.as_of,
    )


def _rejection(item: Located, field: str, reason: str) -> Rejection:
    where = item.location
    return Rejection(
        SourceLocation(where.document, where.line, where.path, field),
        reason,
        raw=item.raw,
        key=item.record.key,
    )


def _twice(item: Located, first: SourceLocation | None) -> Rejection:
    record = item.record
    assert isinstance(record, StockPositionRecord)
    at = f" (first at {first})" if first is not None else ""
    return _rejection(
        item,
        "part_number",
        f"part {record.part_number} at location {record.bin or '(none)'} is listed twice "
        f"in this document{at}",
    )
