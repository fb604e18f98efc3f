"""Application services of the inventory context.

Each opens the unit of work, locks the stock items it will change (see
:mod:`fours_domain.inventory.ports`), expires the reservations of those items
that have lapsed (ADR 0014), lets the aggregates decide, and commits only when
every line succeeded: a refused or malformed multi-line request leaves stock
untouched (the unit of work rolls back). Expected refusals come back as
``Failure(DomainError)``; malformed input raised by constructors is turned into
a failure too, so callers handle one shape.

Unknown input is reported as such, by one check (:func:`_known`): the store,
a parts warehouse of it, the bin and the parts in the store's catalogue. Hot
paths (reserve, issue) run it only when they are about to refuse — stock rows
exist only where the check passed once — so "not enough stock" is never said of
a part, store or warehouse that does not exist (ADR 0017).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TypeVar

import attrs
from returns.result import Failure, Result, Success

from fours_domain.inventory.model import (
    Backorder,
    BackorderCreated,
    ExpectedReceipt,
    LedgerEntry,
    Loan,
    MoveKind,
    MovementClass,
    NotEnoughStock,
    Part,
    Reservation,
    ReservationMismatch,
    ReservationPurpose,
    SafetyStock,
    ShortagePolicy,
    StaleCount,
    StockItem,
    StockLocation,
    Transfer,
    TransferDispatched,
    TransferLine,
    WrongWarehouse,
)
from fours_domain.inventory.ports import InventoryUnitOfWork, PartRepository
from fours_domain.inventory.reports import (
    Alert,
    Availability,
    VarianceLine,
    VarianceReport,
    alerts_for,
    lapsed_by_location,
)
from fours_domain.org.model import MasterDataScope, Store, WarehouseKind, code
from fours_domain.shared.catalogue import PartNumber, part_number
from fours_domain.shared.errors import AlreadyExists, DomainError, InvariantViolation, NotFound
from fours_domain.shared.ids import BinCode, BusinessUnitId, IdSource, StoreId, WarehouseCode
from fours_domain.shared.money import Money, parse_amount
from fours_domain.shared.results import guarded as _guarded
from fours_domain.shared.results import operation_of
from fours_domain.shared.time import Clock, Date, DateTime

T = TypeVar("T")

DEFAULT_LOAN_DAYS = 7
"""A loan without an explicit due time is due back this many days after lending."""


# ---------------------------------------------------------------- commands


@attrs.frozen
class PartQuantity:
    """One line of a request: a part number and a positive quantity."""

    part: str
    quantity: int


@attrs.frozen
class AddPart:
    number: str
    name: str
    part_class: str
    list_price: str | Money
    cost_price: str | Money
    supplier: str = ""
    fits: tuple[str, ...] = ()
    movement_class: MovementClass = MovementClass.FAST
    business_unit_id: str | None = None
    """None: the part is shared by the whole group."""


@attrs.frozen
class ImportParts:
    rows: tuple[AddPart, ...]
    first_row: int = 1
    """The number of the first row in the caller's file (e.g. 2 under a CSV header)."""
    row_label: str = "row"
    """What a row is called in messages (``row``, ``line``)."""


@attrs.frozen
class SetSafetyStock:
    store_id: str
    warehouse_code: str
    part: str
    quantity: int


@attrs.frozen
class ReceiveParts:
    store_id: str
    warehouse_code: str
    bin_code: str
    lines: tuple[PartQuantity, ...]
    reference: str = ""
    expected_receipt_id: str | None = None
    """The expected receipt this delivery fulfils (closed by it), if any."""


@attrs.frozen
class ExpectParts:
    """Parts on order for a warehouse, with their expected arrival."""

    store_id: str
    warehouse_code: str
    part: str
    quantity: int
    eta: DateTime
    reference: str = ""


@attrs.frozen
class IssueParts:
    """Issue unreserved parts (e.g. a walk-in counter sale), from any bin of a warehouse."""

    store_id: str
    warehouse_code: str
    lines: tuple[PartQuantity, ...]
    reference: str = ""


@attrs.frozen
class IssueReservation:
    """Issue the parts of a reservation (consumes it)."""

    store_id: str
    reservation_id: str


@attrs.frozen
class MoveParts:
    store_id: str
    part: str
    quantity: int
    from_warehouse: str
    from_bin: str
    to_warehouse: str
    to_bin: str


@attrs.frozen
class ReserveParts:
    store_id: str
    warehouse_code: str
    lines: tuple[PartQuantity, ...]
    purpose: ReservationPurpose
    reference: str
    policy: ShortagePolicy = ShortagePolicy.ALL_OR_NOTHING
    expires_at: DateTime | None = None


@attrs.frozen
class ReleaseReservation:
    store_id: str
    reservation_id: str


@attrs.frozen
class ExpireReservations:
    store_id: str


@attrs.frozen
class CancelBackorder:
    store_id: str
    backorder_id: str
    reason: str


@attrs.frozen
class DispatchTransfer:
    store_id: str
    warehouse_code: str
    to_store_id: str
    to_warehouse_code: str
    lines: tuple[PartQuantity, ...]
    eta: DateTime | None = None
    reference: str = ""
    reservation_ids: tuple[str, ...] = ()
    """Open ``TRANSFER`` reservations of the source warehouse sent (and consumed) too."""


@attrs.frozen
class ReceiveTransfer:
    store_id: str
    """The receiving store."""
    transfer_id: str
    bin_code: str


@attrs.frozen
class RefuseTransfer:
    store_id: str
    """The target store, refusing the goods (they go back to the source)."""
    transfer_id: str
    reason: str


@attrs.frozen
class CountLine:
    bin_code: str
    part: str
    counted: int
    book: int | None = None
    """The book quantity the count sheet showed, when known: if the stock has moved
    since, the count is refused (:class:`StaleCount`) rather than undo that move."""


@attrs.frozen
class CountStock:
    store_id: str
    warehouse_code: str
    counts: tuple[CountLine, ...]
    reference: str = ""


@attrs.frozen
class LendParts:
    store_id: str
    warehouse_code: str
    bin_code: str
    part: str
    quantity: int
    borrower: str
    due_on: Date | None = None
    """The store-local day by whose end the parts must be back (default:
    :data:`DEFAULT_LOAN_DAYS` days after today)."""


@attrs.frozen
class ReturnLoan:
    store_id: str
    loan_id: str
    quantity: int | None = None
    """None: everything still outstanding."""


@attrs.frozen
class ReservationOutcome:
    """What a reservation request got: reservations, and backorders for the rest."""

    reservations: tuple[Reservation, ...]
    backorders: tuple[Backorder, ...]


@attrs.frozen
class Receipt:
    """What came in, and the reservations it made for open backorders (oldest first)."""

    entries: tuple[LedgerEntry, ...]
    allocations: tuple[Reservation, ...] = ()


@attrs.frozen
class LoanReturn:
    """Lent parts back: the loan, the ledger entry, and the backorders they served."""

    loan: Loan
    entry: LedgerEntry
    allocations: tuple[Reservation, ...] = ()


@attrs.frozen
class TransferOutcome:
    """A transfer received or refused: its ledger entries (at the target, or back at
    the source) and the backorders the goods then served there."""

    transfer: Transfer
    entries: tuple[LedgerEntry, ...]
    allocations: tuple[Reservation, ...] = ()


# ---------------------------------------------------------------- helpers


def _store_id(value: str) -> StoreId:
    return StoreId(code(value, "store code"))


def _wh(value: str) -> WarehouseCode:
    return WarehouseCode(code(value, "warehouse code"))


def _bin(value: str) -> BinCode:
    return BinCode(code(value, "bin code"))


def _merged(lines: Iterable[PartQuantity], *, required: bool = True) -> dict[PartNumber, int]:
    """Lines by part number, repeated parts summed, order kept."""
    merged: dict[PartNumber, int] = {}
    for line in lines:
        if isinstance(line.quantity, bool) or line.quantity <= 0:
            raise InvariantViolation(
                f"quantity of {line.part} must be positive, got {line.quantity}"
            )
        number = part_number(line.part)
        merged[number] = merged.get(number, 0) + line.quantity
    if not merged and required:
        raise InvariantViolation("a request needs at least one line")
    return merged


def _load_store(uow: InventoryUnitOfWork, store_id: StoreId) -> Result[Store, DomainError]:
    store = uow.org.get_store(store_id)
    return Success(store) if store is not None else Failure(NotFound("store", store_id))


def visible_part(
    parts: PartRepository, unit: BusinessUnitId | None, number: PartNumber
) -> Part | None:
    """The part a store of business unit ``unit`` sees: its unit's own entry, else the group's.

    Also the lookup behind pricing's ``PartListPrices`` (the catalogue binding)."""
    if unit is not None:
        own = parts.get(MasterDataScope(unit), number)
        if own is not None:
            return own
    return parts.get(MasterDataScope.group(), number)


def _require_parts(
    uow: InventoryUnitOfWork, store: Store, numbers: Iterable[PartNumber]
) -> Result[dict[PartNumber, Part], DomainError]:
    found: dict[PartNumber, Part] = {}
    for number in numbers:
        part = visible_part(uow.parts, store.business_unit_id, number)
        if part is None:
            return Failure(NotFound(f"part (catalogue of store {store.id})", number))
        found[number] = part
    return Success(found)


def _check_place(
    store: Store, warehouse: WarehouseCode, bin_code: BinCode | None = None
) -> Result[None, DomainError]:
    """``warehouse`` is a parts warehouse of ``store`` (and ``bin_code`` one of its bins)."""
    found = store.warehouse(warehouse)
    if found is None:
        return Failure(NotFound(f"warehouse at store {store.id}", warehouse))
    if found.kind is not WarehouseKind.PARTS:
        return Failure(WrongWarehouse(store.id, warehouse, found.kind.value))
    if bin_code is not None and found.bin(bin_code) is None:
        return Failure(NotFound(f"bin in {store.id}/{warehouse}", bin_code))
    return Success(None)


def _known(
    uow: InventoryUnitOfWork,
    store_id: StoreId,
    warehouse: WarehouseCode | None,
    numbers: Iterable[PartNumber] = (),
    bin_code: BinCode | None = None,
) -> Result[tuple[Store, dict[PartNumber, Part]], DomainError]:
    """The one check of user input: the store exists, ``warehouse`` is one of its
    parts warehouses (and ``bin_code`` one of its bins), every part is in the
    store's catalogue. Returns the store and the parts."""
    loaded = _load_store(uow, store_id)
    if isinstance(loaded, Failure):
        return Failure(loaded.failure())
    store = loaded.unwrap()
    if warehouse is not None and isinstance(
        place := _check_place(store, warehouse, bin_code), Failure
    ):
        return Failure(place.failure())
    found = _require_parts(uow, store, numbers)
    if isinstance(found, Failure):
        return Failure(found.failure())
    return Success((store, found.unwrap()))


def _shortage(
    uow: InventoryUnitOfWork,
    store_id: StoreId,
    warehouse: WarehouseCode,
    number: PartNumber,
    requested: int,
    available: int,
    *,
    bin_code: BinCode | None = None,
    stocked: bool,
) -> DomainError:
    """Why ``requested`` cannot be had: unknown input, else not enough stock.

    ``stocked``: stock rows exist for the request, which proves the store,
    warehouse, bin and part passed :func:`_known` when they were created."""
    if not stocked:
        known = _known(uow, store_id, warehouse, [number], bin_code)
        if isinstance(known, Failure):
            error: DomainError = known.failure()
            return error
    return NotEnoughStock(number, store_id, warehouse, requested, available, bin_code)


def _lapse(
    uow: InventoryUnitOfWork, items: Iterable[StockItem], at: DateTime, *, force: bool = False
) -> list[Reservation]:
    """Expire the lapsed reservations of locked ``items`` (ADR 0014); return them.

    Only items whose ``next_expiry`` has come cost a query (``force``: all)."""
    due = [i for i in items if force or i.has_lapsed_reservations(at)]
    if not due:
        return []
    held: dict[StockLocation, list[Reservation]] = {}
    for reservation in uow.stock.open_reservations_at([i.location for i in due]):
        held.setdefault(reservation.location, []).append(reservation)
    lapsed: list[Reservation] = []
    for item in due:
        for reservation in item.lapse(held.get(item.location, []), at=at):
            uow.track(reservation)
            lapsed.append(reservation)
    return lapsed


def _lock(
    uow: InventoryUnitOfWork,
    locations: Collection[StockLocation],
    at: DateTime,
    *,
    create: bool | Collection[StockLocation] = False,
) -> dict[StockLocation, StockItem]:
    """The items at ``locations``, locked (one call: lock order), their lapsed
    reservations expired."""
    items = uow.stock.lock(locations, create=create)
    _lapse(uow, items.values(), at)
    return items


def _lock_parts(
    uow: InventoryUnitOfWork,
    store_id: StoreId,
    warehouse: WarehouseCode,
    numbers: Collection[PartNumber],
    at: DateTime,
) -> dict[PartNumber, list[StockItem]]:
    """Every bin's item of ``numbers`` in a warehouse, locked, lapsed reservations
    expired, grouped by part (bins in code order)."""
    items = uow.stock.lock_parts(store_id, warehouse, list(numbers))
    _lapse(uow, items, at)
    return _by_part(items)


def _end_read(uow: InventoryUnitOfWork) -> None:
    """End a read-only transaction by committing (nothing to write): a rollback
    would expire what was loaded, and the caller could not read it."""
    uow.commit()


def _by_part(items: Iterable[StockItem]) -> dict[PartNumber, list[StockItem]]:
    grouped: dict[PartNumber, list[StockItem]] = {}
    for item in items:
        grouped.setdefault(item.part_number, []).append(item)
    for bins in grouped.values():
        bins.sort(key=lambda i: i.bin_code)
    return grouped


# ---------------------------------------------------------------- catalogue


def _new_part(cmd: AddPart) -> Part:
    scope = MasterDataScope(
        BusinessUnitId(code(cmd.business_unit_id)) if cmd.business_unit_id else None
    )
    return Part(
        scope_key=scope.key,
        number=cmd.number,
        name=cmd.name,
        part_class=cmd.part_class,
        list_price=parse_amount(cmd.list_price, "list price"),
        cost_price=parse_amount(cmd.cost_price, "cost price"),
        supplier=cmd.supplier.strip(),
        fits=cmd.fits,
        movement_class=cmd.movement_class,
    )


def add_part(uow: InventoryUnitOfWork, cmd: AddPart) -> Result[Part, DomainError]:
    """Add a part to the catalogue of the group or of one business unit."""
    return _add_parts(uow, (cmd,), lambda _: "").map(lambda parts: parts[0])


def import_parts(uow: InventoryUnitOfWork, cmd: ImportParts) -> Result[list[Part], DomainError]:
    """Add many parts at once: every row is checked, and all or none are added.

    The failure names every bad row (numbered from ``cmd.first_row``), not just
    the first."""
    return _add_parts(uow, cmd.rows, lambda i: f"{cmd.row_label} {cmd.first_row + i}: ")


def _add_parts(
    uow: InventoryUnitOfWork, rows: Sequence[AddPart], where: Callable[[int], str]
) -> Result[list[Part], DomainError]:
    def run() -> Result[list[Part], DomainError]:
        problems: list[DomainError] = []
        parts: list[Part] = []
        seen: dict[tuple[str, str], int] = {}
        with uow:
            units = {u.id for u in uow.org.list_business_units()}
            for index, row in enumerate(rows):
                prefix = where(index)
                try:
                    part = _new_part(row)
                except DomainError as error:
                    problems.append(InvariantViolation(f"{prefix}{error.message}"))
                    continue
                key = (part.scope_key, part.number)
                unit = part.scope.business_unit_id
                if unit is not None and unit not in units:
                    problems.append(InvariantViolation(f"{prefix}business unit {unit} not found"))
                elif key in seen:
                    problems.append(
                        InvariantViolation(
                            f"{prefix}part {part.number} (scope {part.scope_key}) repeats "
                            f"{where(seen[key]).rstrip(': ') or 'an earlier row'}"
                        )
                    )
                elif uow.parts.get(part.scope, part.number) is not None:
                    problems.append(
                        AlreadyExists(f"{prefix}part (scope {part.scope_key})", part.number)
                    )
                else:
                    seen[key] = index
                    parts.append(part)
            if problems:
                return Failure(_rows_error(problems))
            for part in parts:
                uow.parts.add(part)
            uow.commit()
            return Success(parts)

    return _guarded(run, operation_of(where))


def _rows_error(problems: list[DomainError]) -> DomainError:
    if len(problems) == 1:
        return problems[0]
    messages = [p.message for p in problems]
    shown = "; ".join(messages[:5]) + (
        "" if len(messages) <= 5 else f"; … {len(messages) - 5} more"
    )
    return InvariantViolation(f"{len(messages)} bad rows, nothing imported: {shown}", rows=messages)


def part_entries(uow: InventoryUnitOfWork, part: str) -> Result[list[Part], DomainError]:
    """A part number's catalogue entries, one per scope that has it (group first),
    each fetched by its key."""

    def run() -> Result[list[Part], DomainError]:
        number = part_number(part)
        with uow:
            found = _catalogue_entries(uow, number)
            _end_read(uow)
        if not found:
            return Failure(NotFound("part", number))
        return Success(found)

    return _guarded(run)


def _catalogue_entries(uow: InventoryUnitOfWork, number: PartNumber) -> list[Part]:
    """The entries of ``number`` in every master-data scope, by primary key."""
    scopes = [MasterDataScope.group()] + [
        MasterDataScope(u.id) for u in uow.org.list_business_units()
    ]
    return [p for scope in scopes if (p := uow.parts.get(scope, number)) is not None]


def set_safety_stock(
    uow: InventoryUnitOfWork, cmd: SetSafetyStock
) -> Result[SafetyStock, DomainError]:
    def run() -> Result[SafetyStock, DomainError]:
        store_id, warehouse = _store_id(cmd.store_id), _wh(cmd.warehouse_code)
        number = part_number(cmd.part)
        if cmd.quantity < 0:
            return Failure(InvariantViolation(f"safety stock of {number} must be ≥ 0"))
        with uow:
            if isinstance(known := _known(uow, store_id, warehouse, [number]), Failure):
                return Failure(known.failure())
            rule = uow.parts.get_safety_stock(store_id, warehouse, number)
            if rule is None:
                rule = SafetyStock(store_id, warehouse, number, cmd.quantity)
                uow.parts.add_safety_stock(rule)
            else:
                rule.quantity = cmd.quantity
            uow.commit()
            return Success(rule)

    return _guarded(run)


# ---------------------------------------------------------------- receipts and issues


def receive_parts(
    uow: InventoryUnitOfWork, cmd: ReceiveParts, clock: Clock, ids: IdSource
) -> Result[Receipt, DomainError]:
    """Receive parts into a bin (入库); then serve open backorders, oldest first."""

    def run() -> Result[Receipt, DomainError]:
        store_id, warehouse, bin_code = (
            _store_id(cmd.store_id),
            _wh(cmd.warehouse_code),
            _bin(cmd.bin_code),
        )
        lines = _merged(cmd.lines)
        at = clock.now()
        with uow:
            if isinstance(known := _known(uow, store_id, warehouse, lines, bin_code), Failure):
                return Failure(known.failure())
            if cmd.expected_receipt_id is not None:
                closed = _close_expected(
                    uow, store_id, warehouse, lines, cmd.expected_receipt_id, at
                )
                if isinstance(closed, Failure):
                    return Failure(closed.failure())
            locations = [StockLocation(store_id, warehouse, bin_code, n) for n in lines]
            items = _lock(uow, locations, at, create=True)
            entries = []
            allocations: list[Reservation] = []
            for location in locations:
                entry = items[location].receive(
                    lines[location.part_number],
                    at=at,
                    entry_id=ids.new_id(),
                    reference=cmd.reference,
                )
                uow.stock.append(entry)
                entries.append(entry)
            for location in sorted(items):  # backorders are locked in stock key order
                allocations += _serve_backorders(uow, items[location], at, ids)
            uow.commit()
            return Success(Receipt(tuple(entries), tuple(allocations)))

    return _guarded(run)


def _close_expected(
    uow: InventoryUnitOfWork,
    store_id: StoreId,
    warehouse: WarehouseCode,
    lines: dict[PartNumber, int],
    receipt_id: str,
    at: DateTime,
) -> Result[None, DomainError]:
    receipt = uow.stock.get_expected_receipt(store_id, receipt_id)
    if receipt is None or receipt.warehouse_code != warehouse:
        return Failure(NotFound(f"expected receipt at {store_id}/{warehouse}", receipt_id))
    if receipt.part_number not in lines:
        return Failure(
            InvariantViolation(
                f"expected receipt {receipt_id} is for {receipt.part_number}, "
                "which this delivery does not contain"
            )
        )
    return receipt.close(at)


def expect_parts(
    uow: InventoryUnitOfWork, cmd: ExpectParts, ids: IdSource
) -> Result[ExpectedReceipt, DomainError]:
    """Record parts on order (在途采购) with their ETA, for arrival alerts."""

    def run() -> Result[ExpectedReceipt, DomainError]:
        store_id, warehouse, number = (
            _store_id(cmd.store_id),
            _wh(cmd.warehouse_code),
            part_number(cmd.part),
        )
        with uow:
            if isinstance(known := _known(uow, store_id, warehouse, [number]), Failure):
                return Failure(known.failure())
            receipt = ExpectedReceipt(
                store_id,
                ids.new_id(),
                warehouse,
                number,
                cmd.quantity,
                cmd.eta,
                cmd.reference.strip(),
            )
            uow.stock.add_expected_receipt(receipt)
            uow.commit()
            return Success(receipt)

    return _guarded(run)


def _serve_backorders(
    uow: InventoryUnitOfWork, item: StockItem, at: DateTime, ids: IdSource
) -> list[Reservation]:
    """Reserve what ``item`` holds for its warehouse's open backorders, oldest first."""
    allocations = []
    for backorder in uow.stock.open_backorders(
        item.store_id, item.warehouse_code, item.part_number
    ):
        if item.available <= 0:
            break
        reservation = backorder.allocate_from(item, at=at, reservation_id=ids.new_id())
        if reservation is not None:
            uow.stock.add_reservation(reservation)
            uow.track(reservation)
            allocations.append(reservation)
        uow.track(backorder)
    return allocations


def issue_parts(
    uow: InventoryUnitOfWork, cmd: IssueParts, clock: Clock, ids: IdSource
) -> Result[list[LedgerEntry], DomainError]:
    """Issue unreserved parts (出库) from a warehouse, bin by bin in code order."""

    def run() -> Result[list[LedgerEntry], DomainError]:
        store_id, warehouse = _store_id(cmd.store_id), _wh(cmd.warehouse_code)
        lines = _merged(cmd.lines)
        at = clock.now()
        with uow:
            by_part = _lock_parts(uow, store_id, warehouse, lines, at)
            entries: list[LedgerEntry] = []
            for number, quantity in lines.items():
                taken = _take_across_bins(
                    uow,
                    by_part.get(number, []),
                    number,
                    quantity,
                    store_id,
                    warehouse,
                    kind=MoveKind.ISSUE,
                    at=at,
                    ids=ids,
                    reference=cmd.reference,
                )
                if isinstance(taken, Failure):
                    return Failure(taken.failure())
                entries.extend(taken.unwrap())
            for entry in entries:
                uow.stock.append(entry)
            uow.commit()
            return Success(entries)

    return _guarded(run)


def _take_across_bins(
    uow: InventoryUnitOfWork,
    items: list[StockItem],
    number: PartNumber,
    quantity: int,
    store_id: StoreId,
    warehouse: WarehouseCode,
    *,
    kind: MoveKind,
    at: DateTime,
    ids: IdSource,
    reference: str,
) -> Result[list[LedgerEntry], DomainError]:
    available = sum(i.available for i in items)
    if available < quantity:
        return Failure(
            _shortage(uow, store_id, warehouse, number, quantity, available, stocked=bool(items))
        )
    entries = []
    remaining = quantity
    for item in items:
        portion = min(item.available, remaining)
        if portion <= 0:
            continue
        entries.append(
            item.take(
                portion, at=at, entry_id=ids.new_id(), kind=kind, reference=reference
            ).unwrap()
        )
        remaining -= portion
        if remaining == 0:
            break
    return Success(entries)


def issue_reservation(
    uow: InventoryUnitOfWork, cmd: IssueReservation, clock: Clock, ids: IdSource
) -> Result[LedgerEntry, DomainError]:
    """Issue what a reservation holds; the reservation is consumed. One past its
    expiry is refused: its parts count as available again (ADR 0014)."""

    def run() -> Result[LedgerEntry, DomainError]:
        store_id = _store_id(cmd.store_id)
        at = clock.now()
        with uow:
            locked = _lock_reservation(uow, store_id, cmd.reservation_id, at)
            if isinstance(locked, Failure):
                return Failure(locked.failure())
            item, reservation = locked.unwrap()
            issued = item.issue_reserved(reservation, at=at, entry_id=ids.new_id())
            if isinstance(issued, Failure):
                return Failure(issued.failure())
            uow.stock.append(issued.unwrap())
            uow.track(reservation)
            uow.commit()
            return Success(issued.unwrap())

    return _guarded(run)


def move_parts(
    uow: InventoryUnitOfWork, cmd: MoveParts, clock: Clock, ids: IdSource
) -> Result[tuple[LedgerEntry, LedgerEntry], DomainError]:
    """Move unreserved parts between bins or warehouses of one store (移库); the
    parts keep their age (dead stock is not refreshed by a move)."""

    def run() -> Result[tuple[LedgerEntry, LedgerEntry], DomainError]:
        store_id, number = _store_id(cmd.store_id), part_number(cmd.part)
        source = StockLocation(store_id, _wh(cmd.from_warehouse), _bin(cmd.from_bin), number)
        target = StockLocation(store_id, _wh(cmd.to_warehouse), _bin(cmd.to_bin), number)
        if source == target:
            return Failure(InvariantViolation(f"moving {source} onto itself"))
        if isinstance(cmd.quantity, bool) or cmd.quantity <= 0:
            return Failure(
                InvariantViolation(f"quantity to move must be positive, got {cmd.quantity}")
            )
        at = clock.now()
        with uow:
            known = _known(uow, store_id, target.warehouse_code, [number], target.bin_code)
            if isinstance(known, Failure):
                return Failure(known.failure())
            store = known.unwrap()[0]
            where = _check_place(store, source.warehouse_code, source.bin_code)
            if isinstance(where, Failure):
                return Failure(where.failure())
            # Both rows in one call, in key order, whichever way the parts move.
            items = _lock(uow, [source, target], at, create=[target])
            if source not in items:
                return Failure(
                    NotEnoughStock(
                        number, store_id, source.warehouse_code, cmd.quantity, 0, source.bin_code
                    )
                )
            reference = (
                f"{source.warehouse_code}/{source.bin_code}→"
                f"{target.warehouse_code}/{target.bin_code}"
            )
            age = items[source].idle_since
            out = items[source].take(
                cmd.quantity,
                at=at,
                entry_id=ids.new_id(),
                kind=MoveKind.MOVE_OUT,
                reference=reference,
            )
            if isinstance(out, Failure):
                return Failure(out.failure())
            into = items[target].receive(
                cmd.quantity,
                at=at,
                entry_id=ids.new_id(),
                kind=MoveKind.MOVE_IN,
                reference=reference,
                since=age,
            )
            uow.stock.append(out.unwrap())
            uow.stock.append(into)
            uow.commit()
            return Success((out.unwrap(), into))

    return _guarded(run)


# ---------------------------------------------------------------- reservations


def reserve_parts(
    uow: InventoryUnitOfWork, cmd: ReserveParts, clock: Clock, ids: IdSource
) -> Result[ReservationOutcome, DomainError]:
    """Reserve parts (预留) in one warehouse for a work order, sale or transfer.

    ``ALL_OR_NOTHING``: one short line refuses the whole request, naming the
    part, store, warehouse and what is available. ``BACKORDER``: reserve what
    is there and open a backorder for the rest, which receipts fill later.
    Reservations of the same stock past their expiry are expired first: they
    never block a request (ADR 0014).
    """

    def run() -> Result[ReservationOutcome, DomainError]:
        store_id, warehouse = _store_id(cmd.store_id), _wh(cmd.warehouse_code)
        lines = _merged(cmd.lines)
        at = clock.now()
        if cmd.expires_at is not None and cmd.expires_at <= at:
            return Failure(
                InvariantViolation(
                    f"a reservation must expire after now ({at.to_iso8601_string()}), "
                    f"not at {cmd.expires_at.to_iso8601_string()}"
                )
            )
        with uow:
            by_part = _lock_parts(uow, store_id, warehouse, lines, at)
            reservations: list[Reservation] = []
            backorders: list[Backorder] = []
            for number, quantity in lines.items():
                items = by_part.get(number, [])
                available = sum(i.available for i in items)
                if available < quantity:
                    if cmd.policy is ShortagePolicy.ALL_OR_NOTHING:
                        return Failure(
                            _shortage(
                                uow,
                                store_id,
                                warehouse,
                                number,
                                quantity,
                                available,
                                stocked=bool(items),
                            )
                        )
                    if not items and isinstance(
                        known := _known(uow, store_id, warehouse, [number]), Failure
                    ):
                        return Failure(known.failure())
                remaining = quantity
                for item in items:
                    portion = min(item.available, remaining)
                    if portion <= 0:
                        continue
                    reservation = item.reserve(
                        portion,
                        reservation_id=ids.new_id(),
                        purpose=cmd.purpose,
                        reference=cmd.reference,
                        at=at,
                        expires_at=cmd.expires_at,
                    ).unwrap()
                    reservations.append(reservation)
                    remaining -= portion
                    if remaining == 0:
                        break
                if remaining:
                    backorder = Backorder(
                        store_id=store_id,
                        id=ids.new_id(),
                        warehouse_code=warehouse,
                        part_number=number,
                        quantity=remaining,
                        open_quantity=remaining,
                        purpose=cmd.purpose,
                        reference=cmd.reference,
                        created_at=at,
                    )
                    backorder.record(
                        BackorderCreated(at, store_id, backorder.id, number, remaining)
                    )
                    backorders.append(backorder)
            for reservation in reservations:
                uow.stock.add_reservation(reservation)
                uow.track(reservation)
            for backorder in backorders:
                uow.stock.add_backorder(backorder)
                uow.track(backorder)
            uow.commit()
            return Success(ReservationOutcome(tuple(reservations), tuple(backorders)))

    return _guarded(run)


def _lock_reservation(
    uow: InventoryUnitOfWork, store_id: StoreId, reservation_id: str, at: DateTime
) -> Result[tuple[StockItem, Reservation], DomainError]:
    """A reservation and its stock item, locked in lock order: the reservation is read
    unlocked to find its stock row, the row is locked, then the reservation (its
    location never changes; its state is read again, locked)."""
    found = uow.stock.get_reservation(store_id, reservation_id, locked=False)
    if found is None:
        return Failure(NotFound(f"reservation at store {store_id}", reservation_id))
    items = uow.stock.lock([found.location])
    reservation = uow.stock.get_reservation(store_id, reservation_id)
    item = items.get(found.location)
    if reservation is None or item is None:  # pragma: no cover - neither is ever deleted
        return Failure(NotFound(f"reservation at store {store_id}", reservation_id))
    _lapse(uow, [item], at)
    return Success((item, reservation))


def _with_reservation(
    uow: InventoryUnitOfWork,
    store: str,
    reservation_id: str,
    at: DateTime,
    change: Callable[[StockItem, Reservation], Result[None, DomainError]],
) -> Result[Reservation, DomainError]:
    def run() -> Result[Reservation, DomainError]:
        store_id = _store_id(store)
        with uow:
            locked = _lock_reservation(uow, store_id, reservation_id, at)
            if isinstance(locked, Failure):
                return Failure(locked.failure())
            item, reservation = locked.unwrap()
            outcome = change(item, reservation)
            if isinstance(outcome, Failure):
                return Failure(outcome.failure())
            uow.track(reservation)
            uow.commit()
            return Success(reservation)

    return _guarded(run, operation_of(change))


def release_reservation(
    uow: InventoryUnitOfWork, cmd: ReleaseReservation, clock: Clock
) -> Result[Reservation, DomainError]:
    """Release a reservation: its parts become available again."""
    at = clock.now()
    return _with_reservation(
        uow, cmd.store_id, cmd.reservation_id, at, lambda item, r: item.release(r, at=at)
    )


def expire_reservations(
    uow: InventoryUnitOfWork, cmd: ExpireReservations, clock: Clock
) -> Result[list[Reservation], DomainError]:
    """Expire every open reservation of a store whose expiry has passed.

    The tidy-up sweep: a lapsed reservation blocks nothing even before it runs
    (every use case expires those of the stock it locks), but the sweep records
    them all, with their events, and lowers ``reserved`` in listings' raw rows."""

    def run() -> Result[list[Reservation], DomainError]:
        store_id = _store_id(cmd.store_id)
        at = clock.now()
        with uow:
            # Read unlocked, then lock the stock rows, then (in _lapse) the reservations.
            due = uow.stock.open_reservations(store_id, expiring_before=at)
            items = uow.stock.lock({r.location for r in due})
            lapsed = _lapse(uow, items.values(), at, force=True)
            uow.commit()
            return Success(sorted(lapsed, key=lambda r: r.id))

    return _guarded(run)


def list_reservations(
    uow: InventoryUnitOfWork,
    store_id: str,
    *,
    reference: str | None = None,
    open_only: bool = False,
    limit: int = 500,
) -> Result[list[Reservation], DomainError]:
    """A store's reservations — those of one request (``reference``), only the open
    ones — newest first, with the backorder each came from, if any."""

    def run() -> Result[list[Reservation], DomainError]:
        sid = _store_id(store_id)
        with uow:
            if isinstance(loaded := _load_store(uow, sid), Failure):
                return Failure(loaded.failure())
            found = list(
                uow.stock.find_reservations(
                    sid, reference=reference, open_only=open_only, limit=limit
                )
            )
            _end_read(uow)
            return Success(found)

    return _guarded(run)


def list_backorders(
    uow: InventoryUnitOfWork, store_id: str, *, open_only: bool = False, limit: int = 500
) -> Result[list[Backorder], DomainError]:
    """A store's backorders (缺件), oldest first (the order receipts serve them in)."""

    def run() -> Result[list[Backorder], DomainError]:
        sid = _store_id(store_id)
        with uow:
            if isinstance(loaded := _load_store(uow, sid), Failure):
                return Failure(loaded.failure())
            found = list(uow.stock.find_backorders(sid, open_only=open_only, limit=limit))
            _end_read(uow)
            return Success(found)

    return _guarded(run)


def cancel_backorder(
    uow: InventoryUnitOfWork, cmd: CancelBackorder, clock: Clock
) -> Result[Backorder, DomainError]:
    """Cancel what a backorder still waits for; receipts then skip it."""

    def run() -> Result[Backorder, DomainError]:
        store_id = _store_id(cmd.store_id)
        with uow:
            backorder = uow.stock.get_backorder(store_id, cmd.backorder_id)
            if backorder is None:
                return Failure(NotFound(f"backorder at store {store_id}", cmd.backorder_id))
            if isinstance(
                cancelled := backorder.cancel(reason=cmd.reason, at=clock.now()), Failure
            ):
                return Failure(cancelled.failure())
            uow.track(backorder)
            uow.commit()
            return Success(backorder)

    return _guarded(run)


# ---------------------------------------------------------------- transfers between stores


def _transfer_reservations(
    uow: InventoryUnitOfWork, store_id: StoreId, warehouse: WarehouseCode, ids: Sequence[str]
) -> Result[list[Reservation], DomainError]:
    found: list[Reservation] = []
    for reservation_id in dict.fromkeys(ids):
        # Unlocked: they are locked after their stock rows (lock order).
        reservation = uow.stock.get_reservation(store_id, reservation_id, locked=False)
        if reservation is None:
            return Failure(NotFound(f"reservation at store {store_id}", reservation_id))
        if reservation.purpose is not ReservationPurpose.TRANSFER:
            return Failure(
                ReservationMismatch(
                    f"reservation {reservation_id} is for {reservation.purpose.value} "
                    f"{reservation.reference}, not a transfer: release it and reserve "
                    "with purpose transfer",
                    reservation=reservation_id,
                )
            )
        if reservation.warehouse_code != warehouse:
            return Failure(
                ReservationMismatch(
                    f"reservation {reservation_id} holds parts in {store_id}/"
                    f"{reservation.warehouse_code}, not in {store_id}/{warehouse}",
                    reservation=reservation_id,
                )
            )
        found.append(reservation)
    return Success(found)


def _id(reservation: Reservation) -> str:
    return reservation.id


def dispatch_transfer(
    uow: InventoryUnitOfWork, cmd: DispatchTransfer, clock: Clock, ids: IdSource
) -> Result[Transfer, DomainError]:
    """Send parts to another store (调拨出库): the source's stock drops now.

    What is sent: the unreserved ``lines``, and the parts of the named
    ``TRANSFER`` reservations, which are consumed in the same transaction — no
    release-then-send window in which another clerk could take them (ADR 0018).
    The target must be a parts warehouse of another store that knows the parts."""

    def run() -> Result[Transfer, DomainError]:
        store_id, warehouse = _store_id(cmd.store_id), _wh(cmd.warehouse_code)
        to_store_id, to_warehouse = _store_id(cmd.to_store_id), _wh(cmd.to_warehouse_code)
        if store_id == to_store_id:
            return Failure(InvariantViolation(f"a transfer needs two stores, got {store_id} twice"))
        lines = _merged(cmd.lines, required=not cmd.reservation_ids)
        at = clock.now()
        with uow:
            if isinstance(source := _known(uow, store_id, warehouse, lines), Failure):
                return Failure(source.failure())
            if isinstance(
                held := _transfer_reservations(uow, store_id, warehouse, cmd.reservation_ids),
                Failure,
            ):
                return Failure(held.failure())
            reserved = held.unwrap()
            numbers = set(lines) | {r.part_number for r in reserved}
            if isinstance(target := _known(uow, to_store_id, to_warehouse, numbers), Failure):
                return Failure(target.failure())
            transfer = Transfer(
                store_id=store_id,
                id=ids.new_id(),
                to_store_id=to_store_id,
                from_warehouse_code=warehouse,
                to_warehouse_code=to_warehouse,
                dispatched_at=at,
                eta=cmd.eta,
                reference=cmd.reference,
            )
            reference = f"transfer {transfer.id} to {to_store_id}"
            by_part = _lock_parts(uow, store_id, warehouse, numbers, at)
            relocked = [
                uow.stock.get_reservation(store_id, r.id) for r in sorted(reserved, key=_id)
            ]
            by_id = {r.id: r for r in relocked if r is not None}
            reserved = [by_id[r.id] for r in reserved]
            entries: list[LedgerEntry] = []
            for reservation in reserved:
                item = next(
                    i
                    for i in by_part[reservation.part_number]
                    if i.location == reservation.location
                )
                sent = item.issue_reserved(
                    reservation,
                    at=at,
                    entry_id=ids.new_id(),
                    kind=MoveKind.TRANSFER_OUT,
                    reference=f"{reference} (reservation {reservation.id})",
                )
                if isinstance(sent, Failure):
                    return Failure(sent.failure())
                uow.track(reservation)
                entries.append(sent.unwrap())
            for number, quantity in lines.items():
                taken = _take_across_bins(
                    uow,
                    by_part.get(number, []),
                    number,
                    quantity,
                    store_id,
                    warehouse,
                    kind=MoveKind.TRANSFER_OUT,
                    at=at,
                    ids=ids,
                    reference=reference,
                )
                if isinstance(taken, Failure):
                    return Failure(taken.failure())
                entries.extend(taken.unwrap())
            for entry in entries:
                uow.stock.append(entry)
                transfer.lines.append(
                    TransferLine(
                        store_id=store_id,
                        transfer_id=transfer.id,
                        line_no=len(transfer.lines) + 1,
                        part_number=entry.part_number,
                        from_bin_code=entry.bin_code,
                        quantity=-entry.quantity,
                    )
                )
            transfer.record(TransferDispatched(at, store_id, transfer.id, to_store_id))
            uow.stock.add_transfer(transfer)
            uow.track(transfer)
            uow.commit()
            return Success(transfer)

    return _guarded(run)


def receive_transfer(
    uow: InventoryUnitOfWork, cmd: ReceiveTransfer, clock: Clock, ids: IdSource
) -> Result[TransferOutcome, DomainError]:
    """The target store confirms receipt (调拨入库): its stock rises now, and open
    backorders there are served."""

    def receive(
        transfer: Transfer, store_id: StoreId, at: DateTime
    ) -> Result[Settled, DomainError]:
        bin_code = _bin(cmd.bin_code)
        known = _known(uow, store_id, transfer.to_warehouse_code, (), bin_code)
        if isinstance(known, Failure):
            return Failure(known.failure())
        if isinstance(marked := transfer.mark_received(bin_code, at), Failure):
            return Failure(marked.failure())
        placed = [
            (StockLocation(store_id, transfer.to_warehouse_code, bin_code, line.part_number), line)
            for line in transfer.lines
        ]
        reference = f"transfer {transfer.id} from {transfer.store_id}"
        return Success((placed, MoveKind.TRANSFER_IN, reference))

    return _settle_transfer(uow, cmd.store_id, cmd.transfer_id, clock, ids, receive)


def refuse_transfer(
    uow: InventoryUnitOfWork, cmd: RefuseTransfer, clock: Clock, ids: IdSource
) -> Result[TransferOutcome, DomainError]:
    """The target store refuses a transfer (拒收): the goods go back from in transit
    into the source's bins they left, through the source's ledger
    (``TRANSFER_RETURN``), and serve the source's open backorders."""

    def refuse(transfer: Transfer, store_id: StoreId, at: DateTime) -> Result[Settled, DomainError]:
        if isinstance(refused := transfer.refuse(reason=cmd.reason, at=at), Failure):
            return Failure(refused.failure())
        placed = [
            (
                StockLocation(
                    transfer.store_id,
                    transfer.from_warehouse_code,
                    line.from_bin_code,
                    line.part_number,
                ),
                line,
            )
            for line in transfer.lines
        ]
        return Success(
            (placed, MoveKind.TRANSFER_RETURN, f"transfer {transfer.id} refused by {store_id}")
        )

    return _settle_transfer(uow, cmd.store_id, cmd.transfer_id, clock, ids, refuse)


Settled = tuple[list[tuple[StockLocation, TransferLine]], MoveKind, str]
"""Where a settled transfer's lines go, by which move kind, with which ledger reference."""


def _settle_transfer(
    uow: InventoryUnitOfWork,
    store: str,
    transfer_id: str,
    clock: Clock,
    ids: IdSource,
    settle: Callable[[Transfer, StoreId, DateTime], Result[Settled, DomainError]],
) -> Result[TransferOutcome, DomainError]:
    """The target store settles a transfer in transit (receives or refuses it): the
    goods go into stock where ``settle`` says, then serve the backorders there."""

    def run() -> Result[TransferOutcome, DomainError]:
        store_id = _store_id(store)
        at = clock.now()
        with uow:
            transfer = uow.stock.get_transfer(transfer_id)
            if transfer is None or transfer.to_store_id != store_id:
                return Failure(NotFound(f"transfer to store {store_id}", transfer_id))
            settled = settle(transfer, store_id, at)
            if isinstance(settled, Failure):
                return Failure(settled.failure())
            placed, kind, reference = settled.unwrap()
            entries, allocations = _put_back(uow, placed, at, ids, kind, reference)
            uow.track(transfer)
            uow.commit()
            return Success(TransferOutcome(transfer, entries, allocations))

    return _guarded(run, operation_of(settle))


def _put_back(
    uow: InventoryUnitOfWork,
    placed: Sequence[tuple[StockLocation, TransferLine]],
    at: DateTime,
    ids: IdSource,
    kind: MoveKind,
    reference: str,
) -> tuple[tuple[LedgerEntry, ...], tuple[Reservation, ...]]:
    """Transfer lines into stock at their locations, then serve backorders there."""
    items = _lock(uow, {location for location, _ in placed}, at, create=True)
    entries = []
    for location, line in placed:
        entry = items[location].receive(
            line.quantity, at=at, entry_id=ids.new_id(), kind=kind, reference=reference
        )
        uow.stock.append(entry)
        entries.append(entry)
    allocations: list[Reservation] = []
    for location in sorted(items):
        allocations += _serve_backorders(uow, items[location], at, ids)
    return tuple(entries), tuple(allocations)


# ---------------------------------------------------------------- stocktake and loans


@attrs.frozen
class StockLine:
    """A snapshot of one stock item, safe to keep after the unit of work ends.

    ``reserved`` counts only reservations still live at the time of the read."""

    location: StockLocation
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @classmethod
    def of(cls, item: StockItem, lapsed: int = 0) -> StockLine:
        return cls(item.location, item.on_hand, item.reserved - lapsed)


def count_sheet(
    uow: InventoryUnitOfWork, store_id: str, warehouse_code: str | None, clock: Clock
) -> Result[list[StockLine], DomainError]:
    """The count sheet (盘点表): every bin and part of a store (or one warehouse)
    with its book quantity and what live reservations hold of it."""

    def run() -> Result[list[StockLine], DomainError]:
        sid = _store_id(store_id)
        warehouse = _wh(warehouse_code) if warehouse_code else None
        at = clock.now()
        with uow:
            if isinstance(known := _known(uow, sid, warehouse), Failure):
                return Failure(known.failure())
            items = uow.stock.items(sid, warehouse)
            lapsed = lapsed_by_location(uow.stock.open_reservations(sid, expiring_before=at), at)
            return Success([StockLine.of(i, lapsed.get(i.location, 0)) for i in items])

    return _guarded(run)


def count_stock(
    uow: InventoryUnitOfWork, cmd: CountStock, clock: Clock, ids: IdSource
) -> Result[VarianceReport, DomainError]:
    """Post a stocktake (盘点): adjust each counted line through the ledger and
    report the variance in quantity, value (at cost) and error rate. A count
    below what live reservations hold is refused, naming them."""

    def run() -> Result[VarianceReport, DomainError]:
        store_id, warehouse = _store_id(cmd.store_id), _wh(cmd.warehouse_code)
        if not cmd.counts:
            return Failure(InvariantViolation("a stocktake needs at least one count"))
        at = clock.now()
        reference = cmd.reference or f"stocktake {store_id}/{warehouse} {at.to_date_string()}"
        with uow:
            if isinstance(known := _known(uow, store_id, warehouse), Failure):
                return Failure(known.failure())
            store = known.unwrap()[0]
            counts: dict[StockLocation, int] = {}
            books: dict[StockLocation, int] = {}
            for line in cmd.counts:
                location = StockLocation(
                    store_id, warehouse, _bin(line.bin_code), part_number(line.part)
                )
                if location in counts:
                    return Failure(InvariantViolation(f"{location} is counted twice"))
                if isinstance(where := _check_place(store, warehouse, location.bin_code), Failure):
                    return Failure(where.failure())
                counts[location] = line.counted
                if line.book is not None:
                    books[location] = line.book
            found = _require_parts(uow, store, {loc.part_number for loc in counts})
            if isinstance(found, Failure):
                return Failure(found.failure())
            parts = found.unwrap()
            items = _lock(uow, sorted(counts), at, create=True)
            short = [loc for loc, counted in counts.items() if counted < items[loc].reserved]
            holding: dict[StockLocation, list[Reservation]] = {}
            for held_here in uow.stock.open_reservations_at(short):  # one call, key order
                holding.setdefault(held_here.location, []).append(held_here)
            lines: list[VarianceLine] = []
            for location, counted in counts.items():
                item = items[location]
                book = item.on_hand
                if books.get(location, book) != book:
                    return Failure(StaleCount(location, books[location], book))
                held = holding.get(location, [])
                adjusted = item.adjust_to(
                    counted, at=at, entry_id=ids.new_id(), reference=reference, reservations=held
                )
                if isinstance(adjusted, Failure):
                    return Failure(adjusted.failure())
                if (entry := adjusted.unwrap()) is not None:
                    uow.stock.append(entry)
                lines.append(
                    VarianceLine(location, book, counted, parts[location.part_number].cost_price)
                )
            uow.commit()
            return Success(VarianceReport(reference, tuple(lines)))

    return _guarded(run)


def lend_parts(
    uow: InventoryUnitOfWork, cmd: LendParts, clock: Clock, ids: IdSource
) -> Result[Loan, DomainError]:
    """Lend unreserved parts (借出); they leave on hand until returned, and are due
    back by ``due_at`` (an overdue loan is an alert)."""

    def run() -> Result[Loan, DomainError]:
        store_id = _store_id(cmd.store_id)
        location = StockLocation(
            store_id, _wh(cmd.warehouse_code), _bin(cmd.bin_code), part_number(cmd.part)
        )
        at = clock.now()
        with uow:
            known = _known(
                uow, store_id, location.warehouse_code, [location.part_number], location.bin_code
            )
            if isinstance(known, Failure):
                return Failure(known.failure())
            zone = known.unwrap()[0].time_zone
            today = zone.local(at).date()
            due_on = cmd.due_on if cmd.due_on is not None else today.add(days=DEFAULT_LOAN_DAYS)
            if due_on < today:
                return Failure(
                    InvariantViolation(
                        f"a loan cannot be due on {due_on.isoformat()}, before today "
                        f"({today.isoformat()} at store {store_id})"
                    )
                )
            due_at = zone.start_of(due_on.add(days=1))
            loan = Loan(
                store_id,
                ids.new_id(),
                location.warehouse_code,
                location.bin_code,
                location.part_number,
                cmd.quantity,
                cmd.borrower,
                at,
                due_at,
            )
            item = _lock(uow, [location], at).get(location)
            if item is None:
                return Failure(
                    NotEnoughStock(
                        location.part_number,
                        store_id,
                        location.warehouse_code,
                        cmd.quantity,
                        0,
                        location.bin_code,
                    )
                )
            taken = item.take(
                cmd.quantity,
                at=at,
                entry_id=ids.new_id(),
                kind=MoveKind.LEND,
                reference=f"loan {loan.id} to {loan.borrower}",
            )
            if isinstance(taken, Failure):
                return Failure(taken.failure())
            uow.stock.append(taken.unwrap())
            uow.stock.add_loan(loan)
            uow.commit()
            return Success(loan)

    return _guarded(run)


def return_loan(
    uow: InventoryUnitOfWork, cmd: ReturnLoan, clock: Clock, ids: IdSource
) -> Result[LoanReturn, DomainError]:
    """Take lent parts back (all that is outstanding unless a quantity is given)
    into the bin they were lent from; open backorders there are served."""

    def run() -> Result[LoanReturn, DomainError]:
        store_id = _store_id(cmd.store_id)
        at = clock.now()
        with uow:
            loan = uow.stock.get_loan(store_id, cmd.loan_id)
            if loan is None:
                return Failure(NotFound(f"loan at store {store_id}", cmd.loan_id))
            quantity = loan.outstanding if cmd.quantity is None else cmd.quantity
            if quantity == 0:
                return Failure(
                    InvariantViolation(f"loan {loan.id} of {loan.part_number} is fully returned")
                )
            if isinstance(back := loan.take_back(quantity, at), Failure):
                return Failure(back.failure())
            location = StockLocation(store_id, loan.warehouse_code, loan.bin_code, loan.part_number)
            item = _lock(uow, [location], at, create=True)[location]
            entry = item.receive(
                quantity,
                at=at,
                entry_id=ids.new_id(),
                kind=MoveKind.LEND_RETURN,
                reference=f"loan {loan.id}",
            )
            uow.stock.append(entry)
            allocations = _serve_backorders(uow, item, at, ids)
            uow.commit()
            return Success(LoanReturn(loan, entry, tuple(allocations)))

    return _guarded(run)


def open_loans(uow: InventoryUnitOfWork, store_id: str) -> Result[list[Loan], DomainError]:
    """A store's loans with parts still out, oldest due first."""

    def run() -> Result[list[Loan], DomainError]:
        sid = _store_id(store_id)
        with uow:
            if isinstance(loaded := _load_store(uow, sid), Failure):
                return Failure(loaded.failure())
            found = list(uow.stock.open_loans(sid))
            _end_read(uow)
            return Success(found)

    return _guarded(run)


# ---------------------------------------------------------------- queries


def stock_alerts(
    uow: InventoryUnitOfWork,
    store_id: str,
    clock: Clock,
    *,
    dead_after_days: int = 180,
    arrival_horizon_days: int = 1,
) -> Result[list[Alert], DomainError]:
    """Below safety stock, dead stock, expected arrivals and overdue loans for a store."""

    def run() -> Result[list[Alert], DomainError]:
        sid = _store_id(store_id)
        if dead_after_days < 1 or arrival_horizon_days < 0:
            return Failure(
                InvariantViolation(
                    "dead stock needs at least 1 day and the arrival horizon at least 0 days"
                )
            )
        with uow:
            if isinstance(loaded := _load_store(uow, sid), Failure):
                return Failure(loaded.failure())
            return Success(
                alerts_for(
                    sid,
                    uow.stock.items(sid),
                    uow.parts.safety_stocks(sid),
                    uow.stock.incoming_transfers(sid),
                    now=clock.now(),
                    expected=uow.stock.open_expected_receipts(sid),
                    loans=uow.stock.open_loans(sid),
                    dead_after_days=dead_after_days,
                    arrival_horizon_days=arrival_horizon_days,
                )
            )

    return _guarded(run)


def where_available(
    uow: InventoryUnitOfWork, part: str, clock: Clock, store_id: str | None = None
) -> Result[list[Availability], DomainError]:
    """Where part X can be had across the group (store, warehouse, available now),
    or at one store. An unknown part or store is reported as not found."""

    def run() -> Result[list[Availability], DomainError]:
        number = part_number(part)
        only = None if store_id is None else _store_id(store_id)
        with uow:
            if only is not None and isinstance(loaded := _load_store(uow, only), Failure):
                return Failure(loaded.failure())
            rows = [
                a
                for a in uow.group_stock.where_available(number, clock.now())
                if only is None or a.store_id == only
            ]
            if not rows and not _catalogue_entries(uow, number):
                return Failure(NotFound("part", number))
            return Success(rows)

    return _guarded(run)
