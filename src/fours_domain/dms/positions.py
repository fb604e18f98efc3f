"""A manufacturer's view of a dealer's parts stock (配件库存): a read model, compared with
our ledger, and — on request — put right through a stocktake (ADR 0061).

The manufacturer's DMS keeps its own figures of what each store holds. They are kept as
they were reported, per store, part and the DMS's own location (:class:`StockPosition`,
replaced by each full inventory the DMS sends), and compared per store and part with ours
(on hand = Σ ledger, summed over our bins). Our ledger stays the truth: a feed never
writes stock. When the store confirms the DMS's figures, :func:`adjust_stock_to_positions`
turns the differences into a count sheet and posts it through the inventory context's
own stocktake (:func:`~fours_domain.inventory.services.count_stock`), so every adjustment
is a ledger move with a variance report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Protocol

import attrs
from returns.result import Failure, Result, Success

from fours_domain.dms.ports import DmsUnitOfWork
from fours_domain.inventory.model import StockItem
from fours_domain.inventory.ports import InventoryUnitOfWork
from fours_domain.inventory.reports import VarianceReport
from fours_domain.inventory.services import CountLine, CountStock, count_stock, visible_part
from fours_domain.org.model import Store, Warehouse, WarehouseKind, code
from fours_domain.shared.catalogue import PartNumber, part_number
from fours_domain.shared.errors import DomainError, InvariantViolation, NotFound
from fours_domain.shared.ids import IdSource, StoreId
from fours_domain.shared.money import Money
from fours_domain.shared.results import guarded
from fours_domain.shared.time import Clock, Date, DateTime


@attrs.frozen
class StockPosition:
    """One position of a store's parts stock as the manufacturer's DMS reported it.

    ``location`` is the DMS's own bin code (``""`` when it gave none): the DMS's, not
    one of our bins. ``import_id`` names the import (``fours dms history``) that last
    reported it; ``as_of`` is the day of the DMS's figures when the document says.
    """

    store_id: StoreId
    part_number: PartNumber
    location: str
    on_hand: int
    import_id: str
    imported_at: DateTime
    dealer_code: str | None = None
    reserved: int | None = None
    on_order: int | None = None
    back_ordered: int | None = None
    unit_price: Money | None = None
    last_sold_on: Date | None = None
    last_received_on: Date | None = None
    as_of: Date | None = None

    @property
    def key(self) -> tuple[StoreId, PartNumber, str]:
        return (self.store_id, self.part_number, self.location)

    def figures(self) -> tuple[object, ...]:
        """What the DMS said (not which import said it): to tell updated from unchanged."""
        return (
            self.dealer_code,
            self.on_hand,
            self.reserved,
            self.on_order,
            self.back_ordered,
            self.unit_price,
            self.last_sold_on,
            self.last_received_on,
            self.as_of,
        )


PositionKey = tuple[StoreId, PartNumber, str]


class StockPositionRepository(Protocol):
    """Port: the DMS's stock positions (table ``dms_stock_positions``)."""

    def get_many(self, keys: Collection[PositionKey]) -> dict[PositionKey, StockPosition]: ...

    def put(self, positions: Sequence[StockPosition]) -> None:
        """Insert or replace these positions (by store, part and location)."""
        ...

    def drop_others(
        self, store_ids: Collection[StoreId], import_id: str, keep_parts: Collection[str] = ()
    ) -> int:
        """Delete the positions of these stores that import ``import_id`` did not report,
        except those of ``keep_parts`` (parts whose rows the document rejected, ADR 0076);
        how many. (A full inventory replaces the store's positions.)"""
        ...

    def of_stores(
        self, store_ids: Collection[StoreId] | None = None, part: PartNumber | None = None
    ) -> Sequence[StockPosition]:
        """Positions of these stores (all when None), optionally of one part, ordered by
        store, part and location."""
        ...


class PositionsUnitOfWork(DmsUnitOfWork, InventoryUnitOfWork, Protocol):
    @property
    def dms_positions(self) -> StockPositionRepository: ...


# ---------------------------------------------------------------- comparison


@attrs.frozen
class StockDifference:
    """Per store and part: the DMS's on hand (summed over its locations) and ours
    (summed over our bins)."""

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
    """How many parts agree, and every difference (including parts we hold that the DMS
    does not list)."""

    stores: tuple[str, ...]
    parts_compared: int
    agreeing: int
    differences: tuple[StockDifference, ...]


def compare(
    theirs: Mapping[str, Mapping[str, int]], ours: Mapping[str, Mapping[str, int]]
) -> StockComparison:
    """Compare per store and part; parts with zero on both sides are not listed.

    >>> c = compare({"S1": {"A": 2, "B": 1}}, {"S1": {"A": 2, "C": 4}})
    >>> (c.parts_compared, c.agreeing, [(d.part_number, d.difference) for d in c.differences])
    (3, 1, [('B', -1), ('C', 4)])
    """
    differences: list[StockDifference] = []
    compared = agreeing = 0
    for store in sorted(theirs):
        listed, held = theirs[store], ours.get(store, {})
        numbers = set(listed) | {n for n, q in held.items() if q}
        for number in sorted(numbers):
            line = StockDifference(store, number, listed.get(number, 0), held.get(number, 0))
            compared += 1
            if line.difference:
                differences.append(line)
            else:
                agreeing += 1
    return StockComparison(tuple(sorted(theirs)), compared, agreeing, tuple(differences))


def reported(positions: Iterable[StockPosition]) -> dict[str, dict[str, int]]:
    """The DMS's on hand per store and part, summed over its locations."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for position in positions:
        totals[position.store_id][position.part_number] += position.on_hand
    return {store: dict(parts) for store, parts in totals.items()}


def book(items: Iterable[StockItem]) -> dict[str, int]:
    """Our on hand per part, summed over bins and warehouses."""
    held: dict[str, int] = defaultdict(int)
    for item in items:
        held[item.part_number] += item.on_hand
    return dict(held)


def compare_with_ledger(
    uow: PositionsUnitOfWork, store_ids: Collection[str], part: str | None = None
) -> StockComparison:
    """The stored positions of these stores against our stock, inside an open unit of
    work (the import's, or :func:`compare_positions`')."""
    wanted = part_number(part) if part else None
    stores = [StoreId(s) for s in store_ids]
    theirs = reported(uow.dms_positions.of_stores(stores, wanted))
    for store in stores:
        theirs.setdefault(store, {})
    ours: dict[str, dict[str, int]] = {}
    for store in stores:
        held = book(uow.stock.items(store))
        ours[store] = {n: q for n, q in held.items() if wanted is None or n == wanted}
    return compare(theirs, ours)


@attrs.frozen
class ComparePositions:
    """Query: the stored DMS positions of ``store_id`` (every store with positions when
    None) against our stock, optionally for one part."""

    store_id: str | None = None
    part: str | None = None


def compare_positions(
    uow: PositionsUnitOfWork, query: ComparePositions
) -> Result[StockComparison, DomainError]:
    def run() -> Result[StockComparison, DomainError]:
        with uow:
            if query.store_id is not None:
                store = StoreId(code(query.store_id, "store code"))
                if uow.org.get_store(store) is None:
                    return Failure(NotFound("store", store))
                stores: list[str] = [store]
            else:
                stores = sorted({p.store_id for p in uow.dms_positions.of_stores()})
            return Success(compare_with_ledger(uow, stores, query.part))

    return guarded(run)


# ---------------------------------------------------------------- adjustment


@attrs.frozen
class AdjustStock:
    """Command: post the differences between the DMS's positions and our stock of
    ``store_id`` as a stocktake of ``warehouse_code`` (the store's only parts warehouse
    when None). ``default_bin`` receives parts the warehouse holds in no bin yet.

    Inside an import (ADR 0076): ``leave_parts`` are parts whose rows the document
    rejected, and ``only_parts`` (when not None) the parts it listed validly — a document
    with a rejected row it cannot tie to a part counts only those: a rejected row never
    moves the stock it was about."""

    store_id: str
    warehouse_code: str | None = None
    default_bin: str | None = None
    reference: str = ""
    leave_parts: frozenset[str] = frozenset()
    only_parts: frozenset[str] | None = None


@attrs.frozen
class NotAdjusted:
    """A difference the stocktake leaves alone, and why."""

    store_id: str
    part_number: str
    theirs: int
    ours: int
    reason: str


@attrs.frozen
class StockAdjustment:
    """What :func:`adjust_stock_to_positions` posted: the stocktake's variance report
    (None when nothing needed posting) and the differences it could not post."""

    store_id: str
    warehouse_code: str
    variance: VarianceReport | None
    not_adjusted: tuple[NotAdjusted, ...]


@attrs.frozen
class PositionsReport:
    """What importing a parts inventory did, besides its positions' counts: the stores it
    covered, the positions a full inventory no longer lists (dropped), its catalogue
    changes, the comparison with our ledger, and the stocktakes posted when asked."""

    stores: tuple[str, ...]
    dropped: int
    catalogue_created: int
    catalogue_updated: int
    not_in_catalogue: int
    comparison: StockComparison
    adjustments: tuple[StockAdjustment, ...] | None = None


class NoPartsWarehouse(DomainError):
    code = "no_parts_warehouse"


def parts_warehouse(store: Store, warehouse_code: str | None) -> Result[Warehouse, DomainError]:
    """The named warehouse, or the store's only parts warehouse."""
    if warehouse_code is not None:
        found = store.warehouse(warehouse_code)
        if found is None:
            return Failure(NotFound("warehouse", f"{store.id}/{warehouse_code.strip().upper()}"))
        return Success(found)
    candidates = [w for w in store.warehouses if w.kind is WarehouseKind.PARTS]
    if len(candidates) == 1:
        return Success(candidates[0])
    names = ", ".join(w.code for w in candidates) or "none"
    return Failure(
        NoPartsWarehouse(
            f"store {store.id} has {len(candidates)} parts warehouses ({names}): "
            "name the one to adjust (--warehouse)",
            store=store.id,
        )
    )


@attrs.frozen
class _Plan:
    """The count sheet built from the DMS's figures, and what it leaves."""

    lines: tuple[CountLine, ...]
    skipped: tuple[NotAdjusted, ...]


def plan_adjustment(
    store: Store,
    warehouse: Warehouse,
    difference: StockDifference,
    items: Sequence[StockItem],
    locations: Mapping[str, int],
    default_bin: str | None,
) -> tuple[CountLine, ...] | NotAdjusted:
    """The count lines that bring our on hand of one part to the DMS's, in ``warehouse``.

    ``items`` are our stock items of the part in the whole store, ``locations`` the
    DMS's quantity per its location. More than ours: the difference goes to the first
    bin (by code) of the warehouse that holds the part, else the DMS's location when it
    is a bin of the warehouse (its biggest), else ``default_bin``. Fewer: it comes off
    the warehouse's bins of the part in code order, never below what is reserved.
    Otherwise the difference is left, with the reason.
    """
    here = sorted(
        (i for i in items if i.warehouse_code == warehouse.code), key=lambda i: i.bin_code
    )
    delta = difference.theirs - difference.ours
    where = f"{store.id}/{warehouse.code}"

    def skip(reason: str) -> NotAdjusted:
        return NotAdjusted(
            difference.store_id, difference.part_number, difference.theirs, difference.ours, reason
        )

    if delta > 0:
        target: str | None = here[0].bin_code if here else None
        if target is None:
            for location, _ in sorted(locations.items(), key=lambda kv: (-kv[1], kv[0])):
                if location and _is_bin(warehouse, location):
                    target = code(location, "bin code")
                    break
        if target is None and default_bin is not None:
            target = code(default_bin, "bin code")
            if warehouse.bin(target) is None:
                return skip(f"{where} has no bin {target}")
        if target is None:
            return skip(
                f"{where} holds the part in no bin and the DMS names none of ours: pass a bin"
            )
        current = next((i.on_hand for i in here if i.bin_code == target), 0)
        return (CountLine(target, difference.part_number, current + delta, current),)
    wanted = -delta
    lines: list[CountLine] = []
    for item in here:
        if wanted == 0:
            break
        take = min(item.on_hand - item.reserved, wanted)
        if take > 0:
            lines.append(
                CountLine(item.bin_code, difference.part_number, item.on_hand - take, item.on_hand)
            )
            wanted -= take
    if wanted:
        reserved = sum(i.reserved for i in here)
        elsewhere = sum(i.on_hand for i in items if i.warehouse_code != warehouse.code)
        return skip(
            f"{where} can give up only {-delta - wanted} of {-delta}: "
            f"{reserved} reserved there, {elsewhere} held in other warehouses"
        )
    return tuple(lines)


def _left_alone(cmd: AdjustStock, part: str) -> str | None:
    """Why the stocktake leaves ``part`` alone (a rejected row in the document), or None."""
    if part in cmd.leave_parts:
        return f"the row of part {part} was rejected in this document: its stock is left as it is"
    if cmd.only_parts is not None and part not in cmd.only_parts:
        return (
            f"part {part} is not listed validly in this document, which has a rejected row "
            "naming no part: its stock is left as it is"
        )
    return None


def _is_bin(warehouse: Warehouse, location: str) -> bool:
    try:
        return warehouse.bin(location) is not None
    except InvariantViolation:
        return False


def adjust_stock_to_positions(
    uow: PositionsUnitOfWork, cmd: AdjustStock, clock: Clock, ids: IdSource
) -> Result[StockAdjustment, DomainError]:
    """Post the differences between the DMS's positions and our stock of a store as a
    stocktake (盘点) through :func:`count_stock`: ledger adjustments with a variance
    report. Parts not in the catalogue, and differences the warehouse cannot take (see
    :func:`plan_adjustment`), are left and listed. A count whose stock moved between
    planning and posting is refused (``stale_count``): nothing is posted."""

    def plan() -> Result[tuple[str, _Plan], DomainError]:
        store_id = StoreId(code(cmd.store_id, "store code"))
        with uow:
            store = uow.org.get_store(store_id)
            if store is None:
                return Failure(NotFound("store", store_id))
            found = parts_warehouse(store, cmd.warehouse_code)
            if isinstance(found, Failure):
                return Failure(found.failure())
            warehouse = found.unwrap()
            positions = uow.dms_positions.of_stores([store_id])
            if not positions:
                return Failure(
                    NotFound(
                        "DMS stock positions of store",
                        f"{store_id} (import a parts inventory first)",
                    )
                )
            items = uow.stock.items(store_id)
            locations: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for position in positions:
                locations[position.part_number][position.location] += position.on_hand
            comparison = compare(reported(positions), {store_id: book(items)})
            by_part: dict[str, list[StockItem]] = defaultdict(list)
            for item in items:
                by_part[item.part_number].append(item)
            lines: list[CountLine] = []
            skipped: list[NotAdjusted] = []
            for difference in comparison.differences:
                number = PartNumber(difference.part_number)
                left = _left_alone(cmd, number)
                if left is not None:
                    skipped.append(
                        NotAdjusted(store_id, number, difference.theirs, difference.ours, left)
                    )
                    continue
                if visible_part(uow.parts, store.business_unit_id, number) is None:
                    skipped.append(
                        NotAdjusted(
                            store_id,
                            number,
                            difference.theirs,
                            difference.ours,
                            f"part {number} is not in the catalogue",
                        )
                    )
                    continue
                planned = plan_adjustment(
                    store,
                    warehouse,
                    difference,
                    by_part[number],
                    locations.get(number, {}),
                    cmd.default_bin,
                )
                if isinstance(planned, NotAdjusted):
                    skipped.append(planned)
                else:
                    lines.extend(planned)
            return Success((str(warehouse.code), _Plan(tuple(lines), tuple(skipped))))

    def run() -> Result[StockAdjustment, DomainError]:
        planned = plan()
        if isinstance(planned, Failure):
            return Failure(planned.failure())
        warehouse, sheet = planned.unwrap()
        if not sheet.lines:
            return Success(StockAdjustment(cmd.store_id, warehouse, None, sheet.skipped))
        posted = count_stock(
            uow,
            CountStock(
                cmd.store_id,
                warehouse,
                sheet.lines,
                cmd.reference or "DMS stock positions",
            ),
            clock,
            ids,
        )
        if isinstance(posted, Failure):
            return Failure(posted.failure())
        return Success(StockAdjustment(cmd.store_id, warehouse, posted.unwrap(), sheet.skipped))

    return guarded(run)
