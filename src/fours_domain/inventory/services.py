"""Application services of the inventory context.

Each opens the unit of work, locks the stock items it will change (see
:mod:`fours_domain.inventory.ports`), lets the aggregates decide, and commits
only when every line succeeded: a refused or malformed multi-line request
leaves stock untouched (the unit of work rolls back). Expected refusals come
back as ``Failure(DomainError)``; malformed input raised by constructors is
turned into a failure too, so callers handle one shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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
    ReservationPurpose,
    SafetyStock,
    ShortagePolicy,
    StaleCount,
    StockItem,
    StockLocation,
    Transfer,
    TransferDispatched,
    TransferLine,
)
from fours_domain.inventory.ports import InventoryUnitOfWork, PartRepository
from fours_domain.inventory.reports import (
    Alert,
    Availability,
    VarianceLine,
    VarianceReport,
    alerts_for,
)
from fours_domain.org.model import MasterDataScope, Store, code
from fours_domain.shared.catalogue import PartNumber, part_number
from fours_domain.shared.errors import AlreadyExists, DomainError, InvariantViolation, NotFound
from fours_domain.shared.ids import BinCode, BusinessUnitId, IdSource, StoreId, WarehouseCode
from fours_domain.shared.money import cny
from fours_domain.shared.results import guarded as _guarded
from fours_domain.shared.time import Clock, DateTime

T = TypeVar("T")


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
    list_price: str
    cost_price: str
    supplier: str = ""
    fits: tuple[str, ...] = ()
    movement_class: MovementClass = MovementClass.FAST
    business_unit_id: str | None = None
    """None: the part is shared by the whole group."""


@attrs.frozen
class ImportParts:
    rows: tuple[AddPart, ...]


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
class DispatchTransfer:
    store_id: str
    warehouse_code: str
    to_store_id: str
    to_warehouse_code: str
    lines: tuple[PartQuantity, ...]
    eta: DateTime | None = None
    reference: str = ""


@attrs.frozen
class ReceiveTransfer:
    store_id: str
    """The receiving store."""
    transfer_id: str
    bin_code: str


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


@attrs.frozen
class ReturnLoan:
    store_id: str
    loan_id: str
    quantity: int


@attrs.frozen
class ReservationOutcome:
    """What a reservation request got: reservations, and backorders for the rest."""

    reservations: tuple[Reservation, ...]
    backorders: tuple[Backorder, ...]


# ---------------------------------------------------------------- helpers


def _store_id(value: str) -> StoreId:
    return StoreId(code(value, "store code"))


def _wh(value: str) -> WarehouseCode:
    return WarehouseCode(code(value, "warehouse code"))


def _bin(value: str) -> BinCode:
    return BinCode(code(value, "bin code"))


def _merged(lines: Iterable[PartQuantity]) -> dict[PartNumber, int]:
    """Lines by part number, repeated parts summed, order kept."""
    merged: dict[PartNumber, int] = {}
    for line in lines:
        if isinstance(line.quantity, bool) or line.quantity <= 0:
            raise InvariantViolation(
                f"quantity of {line.part} must be positive, got {line.quantity}"
            )
        number = part_number(line.part)
        merged[number] = merged.get(number, 0) + line.quantity
    if not merged:
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


def _require_bin(
    store: Store, warehouse: WarehouseCode, bin_code: BinCode
) -> Result[None, DomainError]:
    located = store.locate(warehouse, bin_code)
    if isinstance(located, Failure):
        return Failure(located.failure())
    return Success(None)


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
        list_price=cny(cmd.list_price),
        cost_price=cny(cmd.cost_price),
        supplier=cmd.supplier.strip(),
        fits=cmd.fits,
        movement_class=cmd.movement_class,
    )


def add_part(uow: InventoryUnitOfWork, cmd: AddPart) -> Result[Part, DomainError]:
    """Add a part to the catalogue of the group or of one business unit."""
    return import_parts(uow, ImportParts((cmd,))).map(lambda parts: parts[0])


def import_parts(uow: InventoryUnitOfWork, cmd: ImportParts) -> Result[list[Part], DomainError]:
    """Add many parts at once: every row is checked, and all or none are added.

    The failure lists every bad row (1-based), not just the first.
    """

    def run() -> Result[list[Part], DomainError]:
        problems: list[DomainError] = []
        parts: list[Part] = []
        seen: set[tuple[str, str]] = set()
        with uow:
            units = {u.id for u in uow.org.list_business_units()}
            for row_no, row in enumerate(cmd.rows, start=1):
                try:
                    part = _new_part(row)
                except DomainError as error:
                    problems.append(InvariantViolation(f"row {row_no}: {error.message}"))
                    continue
                key = (part.scope_key, part.number)
                unit = part.scope.business_unit_id
                if unit is not None and unit not in units:
                    problems.append(NotFound("business unit", unit))
                elif key in seen or uow.parts.get(part.scope, part.number) is not None:
                    problems.append(AlreadyExists(f"part (scope {part.scope_key})", part.number))
                else:
                    seen.add(key)
                    parts.append(part)
            if problems:
                return Failure(_rows_error(problems))
            for part in parts:
                uow.parts.add(part)
            uow.commit()
            return Success(parts)

    return _guarded(run)


def _rows_error(problems: list[DomainError]) -> DomainError:
    if len(problems) == 1:
        return problems[0]
    messages = [p.message for p in problems]
    shown = "; ".join(messages[:5]) + (
        "" if len(messages) <= 5 else f"; … {len(messages) - 5} more"
    )
    return InvariantViolation(f"{len(messages)} bad rows, nothing imported: {shown}", rows=messages)


def set_safety_stock(
    uow: InventoryUnitOfWork, cmd: SetSafetyStock
) -> Result[SafetyStock, DomainError]:
    def run() -> Result[SafetyStock, DomainError]:
        store_id, warehouse = _store_id(cmd.store_id), _wh(cmd.warehouse_code)
        number = part_number(cmd.part)
        with uow:
            store = _load_store(uow, store_id)
            if isinstance(store, Failure):
                return Failure(store.failure())
            if store.unwrap().warehouse(warehouse) is None:
                return Failure(NotFound(f"warehouse at store {store_id}", warehouse))
            if isinstance(found := _require_parts(uow, store.unwrap(), [number]), Failure):
                return Failure(found.failure())
            rule = uow.parts.get_safety_stock(store_id, warehouse, number)
            if rule is None:
                rule = SafetyStock(store_id, warehouse, number, cmd.quantity)
                uow.parts.add_safety_stock(rule)
            else:
                if cmd.quantity < 0:
                    raise InvariantViolation(f"safety stock of {number} must be ≥ 0")
                rule.quantity = cmd.quantity
            uow.commit()
            return Success(rule)

    return _guarded(run)


# ---------------------------------------------------------------- receipts and issues


def receive_parts(
    uow: InventoryUnitOfWork, cmd: ReceiveParts, clock: Clock, ids: IdSource
) -> Result[list[LedgerEntry], DomainError]:
    """Receive parts into a bin (入库); then serve open backorders, oldest first."""

    def run() -> Result[list[LedgerEntry], DomainError]:
        store_id, warehouse, bin_code = (
            _store_id(cmd.store_id),
            _wh(cmd.warehouse_code),
            _bin(cmd.bin_code),
        )
        lines = _merged(cmd.lines)
        at = clock.now()
        with uow:
            loaded = _load_store(uow, store_id)
            if isinstance(loaded, Failure):
                return Failure(loaded.failure())
            store = loaded.unwrap()
            if isinstance(where := _require_bin(store, warehouse, bin_code), Failure):
                return Failure(where.failure())
            if isinstance(found := _require_parts(uow, store, lines), Failure):
                return Failure(found.failure())
            if cmd.expected_receipt_id is not None:
                closed = _close_expected(
                    uow, store_id, warehouse, lines, cmd.expected_receipt_id, at
                )
                if isinstance(closed, Failure):
                    return Failure(closed.failure())
            locations = [StockLocation(store_id, warehouse, bin_code, n) for n in lines]
            items = _lock_or_create(uow, locations)
            entries = []
            for location in locations:
                item = items[location]
                entry = item.receive(
                    lines[location.part_number],
                    at=at,
                    entry_id=ids.new_id(),
                    reference=cmd.reference,
                )
                uow.stock.append(entry)
                entries.append(entry)
                _serve_backorders(uow, item, at, ids)
            uow.commit()
            return Success(entries)

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
            loaded = _load_store(uow, store_id)
            if isinstance(loaded, Failure):
                return Failure(loaded.failure())
            if loaded.unwrap().warehouse(warehouse) is None:
                return Failure(NotFound(f"warehouse at store {store_id}", warehouse))
            if isinstance(found := _require_parts(uow, loaded.unwrap(), [number]), Failure):
                return Failure(found.failure())
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


def _lock_or_create(
    uow: InventoryUnitOfWork, locations: Sequence[StockLocation]
) -> dict[StockLocation, StockItem]:
    return uow.stock.lock(locations, create=True)


def _serve_backorders(
    uow: InventoryUnitOfWork, item: StockItem, at: DateTime, ids: IdSource
) -> None:
    for backorder in uow.stock.open_backorders(
        item.store_id, item.warehouse_code, item.part_number
    ):
        if item.available <= 0:
            break
        reservation = backorder.allocate_from(item, at=at, reservation_id=ids.new_id())
        if reservation is not None:
            uow.stock.add_reservation(reservation)
            uow.track(reservation)
        uow.track(backorder)


def issue_parts(
    uow: InventoryUnitOfWork, cmd: IssueParts, clock: Clock, ids: IdSource
) -> Result[list[LedgerEntry], DomainError]:
    """Issue unreserved parts (出库) from a warehouse, bin by bin in code order."""

    def run() -> Result[list[LedgerEntry], DomainError]:
        store_id, warehouse = _store_id(cmd.store_id), _wh(cmd.warehouse_code)
        lines = _merged(cmd.lines)
        at = clock.now()
        with uow:
            by_part = _by_part(uow.stock.lock_parts(store_id, warehouse, list(lines)))
            entries: list[LedgerEntry] = []
            for number, quantity in lines.items():
                taken = _take_across_bins(
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


def _by_part(items: Iterable[StockItem]) -> dict[PartNumber, list[StockItem]]:
    grouped: dict[PartNumber, list[StockItem]] = {}
    for item in items:
        grouped.setdefault(item.part_number, []).append(item)
    for bins in grouped.values():
        bins.sort(key=lambda i: i.bin_code)
    return grouped


def _take_across_bins(
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
) -> Result[list[LedgerEntry], NotEnoughStock]:
    available = sum(i.available for i in items)
    if available < quantity:
        return Failure(NotEnoughStock(number, store_id, warehouse, quantity, available))
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
    """Issue what a reservation holds; the reservation is consumed."""

    def run() -> Result[LedgerEntry, DomainError]:
        store_id = _store_id(cmd.store_id)
        with uow:
            reservation = uow.stock.get_reservation(store_id, cmd.reservation_id)
            if reservation is None:
                return Failure(NotFound(f"reservation at store {store_id}", cmd.reservation_id))
            item = uow.stock.lock([reservation.location])[reservation.location]
            issued = item.issue_reserved(reservation, at=clock.now(), entry_id=ids.new_id())
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
    """Move unreserved parts between bins or warehouses of one store (移库)."""

    def run() -> Result[tuple[LedgerEntry, LedgerEntry], DomainError]:
        store_id, number = _store_id(cmd.store_id), part_number(cmd.part)
        source = StockLocation(store_id, _wh(cmd.from_warehouse), _bin(cmd.from_bin), number)
        target = StockLocation(store_id, _wh(cmd.to_warehouse), _bin(cmd.to_bin), number)
        if source == target:
            return Failure(InvariantViolation(f"moving {source} onto itself"))
        at = clock.now()
        with uow:
            loaded = _load_store(uow, store_id)
            if isinstance(loaded, Failure):
                return Failure(loaded.failure())
            if isinstance(
                where := _require_bin(loaded.unwrap(), target.warehouse_code, target.bin_code),
                Failure,
            ):
                return Failure(where.failure())
            existing = uow.stock.lock([source])
            if source not in existing:
                return Failure(
                    NotEnoughStock(
                        number, store_id, source.warehouse_code, cmd.quantity, 0, source.bin_code
                    )
                )
            items = _lock_or_create(uow, [target])
            reference = (
                f"{source.warehouse_code}/{source.bin_code}→"
                f"{target.warehouse_code}/{target.bin_code}"
            )
            out = existing[source].take(
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
    """

    def run() -> Result[ReservationOutcome, DomainError]:
        store_id, warehouse = _store_id(cmd.store_id), _wh(cmd.warehouse_code)
        lines = _merged(cmd.lines)
        at = clock.now()
        with uow:
            by_part = _by_part(uow.stock.lock_parts(store_id, warehouse, list(lines)))
            reservations: list[Reservation] = []
            backorders: list[Backorder] = []
            for number, quantity in lines.items():
                items = by_part.get(number, [])
                available = sum(i.available for i in items)
                if available < quantity:
                    known = _known_short_part(uow, store_id, number, items)
                    if isinstance(known, Failure):
                        return Failure(known.failure())
                    if cmd.policy is ShortagePolicy.ALL_OR_NOTHING:
                        return Failure(
                            NotEnoughStock(number, store_id, warehouse, quantity, available)
                        )
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


def _known_short_part(
    uow: InventoryUnitOfWork, store_id: StoreId, number: PartNumber, items: Sequence[StockItem]
) -> Result[None, DomainError]:
    """On the (rare) short path only: is the store and the part known at all?"""
    if items:
        return Success(None)
    loaded = _load_store(uow, store_id)
    if isinstance(loaded, Failure):
        return Failure(loaded.failure())
    return _require_parts(uow, loaded.unwrap(), [number]).map(lambda _: None)


def _with_reservation(
    uow: InventoryUnitOfWork,
    store: str,
    reservation_id: str,
    change: Callable[[StockItem, Reservation], Result[None, DomainError]],
) -> Result[Reservation, DomainError]:
    def run() -> Result[Reservation, DomainError]:
        store_id = _store_id(store)
        with uow:
            reservation = uow.stock.get_reservation(store_id, reservation_id)
            if reservation is None:
                return Failure(NotFound(f"reservation at store {store_id}", reservation_id))
            item = uow.stock.lock([reservation.location])[reservation.location]
            outcome = change(item, reservation)
            if isinstance(outcome, Failure):
                return Failure(outcome.failure())
            uow.track(reservation)
            uow.commit()
            return Success(reservation)

    return _guarded(run)


def release_reservation(
    uow: InventoryUnitOfWork, cmd: ReleaseReservation, clock: Clock
) -> Result[Reservation, DomainError]:
    """Release a reservation: its parts become available again."""
    at = clock.now()
    return _with_reservation(
        uow, cmd.store_id, cmd.reservation_id, lambda item, r: item.release(r, at=at)
    )


def expire_reservations(
    uow: InventoryUnitOfWork, cmd: ExpireReservations, clock: Clock
) -> Result[list[Reservation], DomainError]:
    """Expire every open reservation of a store whose expiry has passed."""

    def run() -> Result[list[Reservation], DomainError]:
        store_id = _store_id(cmd.store_id)
        at = clock.now()
        with uow:
            due = list(uow.stock.open_reservations(store_id, expiring_before=at))
            items = uow.stock.lock({r.location for r in due})
            for reservation in due:
                items[reservation.location].expire(reservation, at=at).unwrap()
                uow.track(reservation)
            uow.commit()
            return Success(due)

    return _guarded(run)


# ---------------------------------------------------------------- transfers between stores


def dispatch_transfer(
    uow: InventoryUnitOfWork, cmd: DispatchTransfer, clock: Clock, ids: IdSource
) -> Result[Transfer, DomainError]:
    """Send parts to another store (调拨出库): the source's stock drops now."""

    def run() -> Result[Transfer, DomainError]:
        store_id, warehouse = _store_id(cmd.store_id), _wh(cmd.warehouse_code)
        to_store_id, to_warehouse = _store_id(cmd.to_store_id), _wh(cmd.to_warehouse_code)
        if store_id == to_store_id:
            return Failure(InvariantViolation(f"a transfer needs two stores, got {store_id} twice"))
        lines = _merged(cmd.lines)
        at = clock.now()
        with uow:
            for sid in (store_id, to_store_id):
                if isinstance(loaded := _load_store(uow, sid), Failure):
                    return Failure(loaded.failure())
            target = uow.org.get_store(to_store_id)
            assert target is not None
            if target.warehouse(to_warehouse) is None:
                return Failure(NotFound(f"warehouse at store {to_store_id}", to_warehouse))
            if isinstance(found := _require_parts(uow, target, lines), Failure):
                return Failure(found.failure())
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
            by_part = _by_part(uow.stock.lock_parts(store_id, warehouse, list(lines)))
            for number, quantity in lines.items():
                taken = _take_across_bins(
                    by_part.get(number, []),
                    number,
                    quantity,
                    store_id,
                    warehouse,
                    kind=MoveKind.TRANSFER_OUT,
                    at=at,
                    ids=ids,
                    reference=f"transfer {transfer.id} to {to_store_id}",
                )
                if isinstance(taken, Failure):
                    return Failure(taken.failure())
                for entry in taken.unwrap():
                    uow.stock.append(entry)
                    transfer.lines.append(
                        TransferLine(
                            store_id=store_id,
                            transfer_id=transfer.id,
                            line_no=len(transfer.lines) + 1,
                            part_number=number,
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
) -> Result[Transfer, DomainError]:
    """The target store confirms receipt (调拨入库): its stock rises now."""

    def run() -> Result[Transfer, DomainError]:
        store_id, bin_code = _store_id(cmd.store_id), _bin(cmd.bin_code)
        at = clock.now()
        with uow:
            transfer = uow.stock.get_transfer(cmd.transfer_id)
            if transfer is None or transfer.to_store_id != store_id:
                return Failure(NotFound(f"transfer to store {store_id}", cmd.transfer_id))
            loaded = _load_store(uow, store_id)
            if isinstance(loaded, Failure):
                return Failure(loaded.failure())
            if isinstance(
                where := _require_bin(loaded.unwrap(), transfer.to_warehouse_code, bin_code),
                Failure,
            ):
                return Failure(where.failure())
            if isinstance(marked := transfer.mark_received(bin_code, at), Failure):
                return Failure(marked.failure())
            locations = sorted(
                {
                    StockLocation(store_id, transfer.to_warehouse_code, bin_code, line.part_number)
                    for line in transfer.lines
                }
            )
            items = _lock_or_create(uow, locations)
            for line in transfer.lines:
                location = StockLocation(
                    store_id, transfer.to_warehouse_code, bin_code, line.part_number
                )
                entry = items[location].receive(
                    line.quantity,
                    at=at,
                    entry_id=ids.new_id(),
                    kind=MoveKind.TRANSFER_IN,
                    reference=f"transfer {transfer.id} from {transfer.store_id}",
                )
                uow.stock.append(entry)
            for item in items.values():
                _serve_backorders(uow, item, at, ids)
            uow.track(transfer)
            uow.commit()
            return Success(transfer)

    return _guarded(run)


# ---------------------------------------------------------------- stocktake and loans


@attrs.frozen
class StockLine:
    """A snapshot of one stock item, safe to keep after the unit of work ends."""

    location: StockLocation
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @classmethod
    def of(cls, item: StockItem) -> StockLine:
        return cls(item.location, item.on_hand, item.reserved)


def count_sheet(
    uow: InventoryUnitOfWork, store_id: str, warehouse_code: str | None = None
) -> Result[list[StockLine], DomainError]:
    """The count sheet (盘点表): every bin and part of a store (or one warehouse)
    with its book quantity."""

    def run() -> Result[list[StockLine], DomainError]:
        with uow:
            warehouse = _wh(warehouse_code) if warehouse_code else None
            items = uow.stock.items(_store_id(store_id), warehouse)
            return Success([StockLine.of(i) for i in items])

    return _guarded(run)


def count_stock(
    uow: InventoryUnitOfWork, cmd: CountStock, clock: Clock, ids: IdSource
) -> Result[VarianceReport, DomainError]:
    """Post a stocktake (盘点): adjust each counted line through the ledger and
    report the variance in quantity, value (at cost) and error rate."""

    def run() -> Result[VarianceReport, DomainError]:
        store_id, warehouse = _store_id(cmd.store_id), _wh(cmd.warehouse_code)
        if not cmd.counts:
            return Failure(InvariantViolation("a stocktake needs at least one count"))
        at = clock.now()
        reference = cmd.reference or f"stocktake {store_id}/{warehouse} {at.to_date_string()}"
        with uow:
            loaded = _load_store(uow, store_id)
            if isinstance(loaded, Failure):
                return Failure(loaded.failure())
            store = loaded.unwrap()
            counts: dict[StockLocation, int] = {}
            books: dict[StockLocation, int] = {}
            for line in cmd.counts:
                location = StockLocation(
                    store_id, warehouse, _bin(line.bin_code), part_number(line.part)
                )
                if location in counts:
                    return Failure(InvariantViolation(f"{location} is counted twice"))
                if isinstance(where := _require_bin(store, warehouse, location.bin_code), Failure):
                    return Failure(where.failure())
                counts[location] = line.counted
                if line.book is not None:
                    books[location] = line.book
            found = _require_parts(uow, store, {loc.part_number for loc in counts})
            if isinstance(found, Failure):
                return Failure(found.failure())
            parts = found.unwrap()
            items = _lock_or_create(uow, sorted(counts))
            lines: list[VarianceLine] = []
            for location, counted in counts.items():
                item = items[location]
                book = item.on_hand
                if books.get(location, book) != book:
                    return Failure(StaleCount(location, books[location], book))
                adjusted = item.adjust_to(
                    counted, at=at, entry_id=ids.new_id(), reference=reference
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
    """Lend unreserved parts (借出); they leave on hand until returned."""

    def run() -> Result[Loan, DomainError]:
        store_id = _store_id(cmd.store_id)
        location = StockLocation(
            store_id, _wh(cmd.warehouse_code), _bin(cmd.bin_code), part_number(cmd.part)
        )
        borrower = cmd.borrower.strip()
        if not borrower:
            return Failure(InvariantViolation("a loan needs a borrower"))
        at = clock.now()
        with uow:
            item = uow.stock.lock([location]).get(location)
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
            loan = Loan(
                store_id,
                ids.new_id(),
                location.warehouse_code,
                location.bin_code,
                location.part_number,
                cmd.quantity,
                borrower,
                at,
            )
            taken = item.take(
                cmd.quantity,
                at=at,
                entry_id=ids.new_id(),
                kind=MoveKind.LEND,
                reference=f"loan {loan.id} to {borrower}",
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
) -> Result[Loan, DomainError]:
    """Take lent parts back into the bin they were lent from."""

    def run() -> Result[Loan, DomainError]:
        store_id = _store_id(cmd.store_id)
        at = clock.now()
        with uow:
            loan = uow.stock.get_loan(store_id, cmd.loan_id)
            if loan is None:
                return Failure(NotFound(f"loan at store {store_id}", cmd.loan_id))
            if isinstance(back := loan.take_back(cmd.quantity, at), Failure):
                return Failure(back.failure())
            location = StockLocation(store_id, loan.warehouse_code, loan.bin_code, loan.part_number)
            item = _lock_or_create(uow, [location])[location]
            uow.stock.append(
                item.receive(
                    cmd.quantity,
                    at=at,
                    entry_id=ids.new_id(),
                    kind=MoveKind.LEND_RETURN,
                    reference=f"loan {loan.id}",
                )
            )
            uow.commit()
            return Success(loan)

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
    """Below safety stock, dead stock and expected arrivals for a store."""

    def run() -> Result[list[Alert], DomainError]:
        sid = _store_id(store_id)
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
                    dead_after_days=dead_after_days,
                    arrival_horizon_days=arrival_horizon_days,
                )
            )

    return _guarded(run)


def where_available(uow: InventoryUnitOfWork, part: str) -> Result[list[Availability], DomainError]:
    """Where part X can be had across the group (store, warehouse, available)."""

    def run() -> Result[list[Availability], DomainError]:
        number = part_number(part)
        with uow:
            return Success(list(uow.group_stock.where_available(number)))

    return _guarded(run)
