"""Parts and accessories inventory (配件 / 精品库存).

* :class:`Part` — the catalogue entry, unique per master-data scope (group or
  business unit) and part number.
* :class:`StockItem` — what one bin of one warehouse of one store holds of one
  part: ``on_hand``, ``reserved`` and ``available = on_hand - reserved`` (never
  negative). It is the consistency boundary: every change of ``on_hand`` returns
  the :class:`LedgerEntry` that explains it, so on hand always equals the sum of
  the ledger; every change of ``reserved`` goes through a :class:`Reservation`.
* :class:`Reservation` (预留), :class:`Backorder` (缺件 / BO), :class:`Transfer`
  (调拨) and :class:`Loan` (借出) are the records those changes leave behind.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Sequence

import attrs
from returns.result import Failure, Result, Success

from fours_domain.org.model import MasterDataScope
from fours_domain.shared.catalogue import PartNumber, SpecPattern, VehicleSpec, part_number
from fours_domain.shared.errors import DomainError, IllegalTransition, InvariantViolation
from fours_domain.shared.events import DomainEvent, EventRecorder
from fours_domain.shared.ids import BinCode, StoreId, WarehouseCode
from fours_domain.shared.money import Money, check_amount, is_fen_exact, round_fen
from fours_domain.shared.time import DateTime

CLASS_PATTERN = r"^[A-Z][A-Z0-9_]{0,31}$"
"""What a normalised part class code looks like (bulk adapters pre-check with it)."""
_CLASS_RE = re.compile(CLASS_PATTERN)

# ---------------------------------------------------------------- errors


class NotEnoughStock(DomainError):
    """The expected refusal: fewer parts available than asked for."""

    code = "not_enough_stock"

    def __init__(
        self,
        part: str,
        store: str,
        warehouse: str,
        requested: int,
        available: int,
        bin_code: str | None = None,
    ) -> None:
        where = f"{store}/{warehouse}" + (f"/{bin_code}" if bin_code else "")
        super().__init__(
            f"not enough stock of part {part} at {where}: "
            f"{requested} requested, {available} available",
            part=part,
            store=store,
            warehouse=warehouse,
            bin=bin_code,
            requested=requested,
            available=available,
        )


class StaleCount(DomainError):
    """A count was taken against a book quantity the stock no longer has (it moved since
    the count sheet): posting it would undo that move, so it is refused — count again."""

    code = "stale_count"

    def __init__(self, location: StockLocation, expected: int, book: int) -> None:
        super().__init__(
            f"{location}: the count sheet showed {expected} on the books, the books now "
            f"hold {book}; the stock moved since — count again",
            location=str(location),
            expected=expected,
            book=book,
        )


class ReservationExpired(DomainError):
    """A reservation whose expiry has passed: its parts count as available again,
    so it can no longer be issued, released or sent (reserve again instead)."""

    code = "reservation_expired"

    def __init__(self, reservation: Reservation, action: str) -> None:
        r = reservation
        expired = r.expires_at.to_iso8601_string() if r.expires_at else "?"
        super().__init__(
            f"reservation {r.id} ({r.quantity} × {r.part_number} at "
            f"{r.store_id}/{r.warehouse_code}/{r.bin_code} for {r.purpose.value} {r.reference}) "
            f"expired at {expired}: cannot {action}; its parts are available again",
            reservation=r.id,
            part=r.part_number,
            store=r.store_id,
            warehouse=r.warehouse_code,
            bin=r.bin_code,
            expired_at=expired,
        )


class CountBelowReserved(DomainError):
    """A stocktake count lower than what open reservations hold of that bin."""

    code = "count_below_reserved"

    def __init__(
        self,
        location: StockLocation,
        counted: int,
        reserved: int,
        reservations: Sequence[Reservation] = (),
    ) -> None:
        held = ", ".join(
            f"{r.id} ({r.purpose.value} {r.reference}: {r.quantity})" for r in reservations
        )
        super().__init__(
            f"count of {counted} × {location.part_number} at {location.store_id}/"
            f"{location.warehouse_code}/{location.bin_code} is below the {reserved} reserved"
            + (f" by {held}" if held else "")
            + ": release or re-plan those reservations first",
            part=location.part_number,
            store=location.store_id,
            warehouse=location.warehouse_code,
            bin=location.bin_code,
            counted=counted,
            reserved=reserved,
            reservations=[r.id for r in reservations],
        )


class WrongWarehouse(DomainError):
    """Parts stock lives only in parts warehouses (a vehicle yard has no parts bins)."""

    code = "wrong_warehouse"

    def __init__(self, store: str, warehouse: str, kind: str) -> None:
        super().__init__(
            f"warehouse {warehouse} at store {store} is a {kind} warehouse, not a parts warehouse",
            store=store,
            warehouse=warehouse,
            kind=kind,
        )


class ReservationMismatch(DomainError):
    """A reservation named for a use it was not made for (another store, warehouse
    or purpose)."""

    code = "reservation_mismatch"


class StockInvariantViolation(InvariantViolation):
    """A stock change would break on hand ≥ reserved ≥ 0 (a bug, never user input)."""

    code = "stock_invariant_violation"


# ---------------------------------------------------------------- enumerations


class MovementClass(enum.Enum):
    """How fast a part sells (ABC by movement): 快流 / 慢流 / 呆滞."""

    FAST = "fast"
    SLOW = "slow"
    DEAD = "dead"


class MoveKind(enum.Enum):
    """Why on hand changed; the ledger's vocabulary."""

    RECEIVE = "receive"  # 入库
    ISSUE = "issue"  # 出库
    MOVE_OUT = "move_out"  # 移库 (source)
    MOVE_IN = "move_in"  # 移库 (target)
    TRANSFER_OUT = "transfer_out"  # 调拨出库
    TRANSFER_IN = "transfer_in"  # 调拨入库
    LEND = "lend"  # 借出
    LEND_RETURN = "lend_return"  # 借出归还
    ADJUST = "adjust"  # 盘点调整
    TRANSFER_RETURN = "transfer_return"  # 调拨拒收退回 (a refused transfer back at the source)


class ReservationPurpose(enum.Enum):
    WORK_ORDER = "work_order"
    COUNTER_SALE = "counter_sale"
    TRANSFER = "transfer"
    SALES_ORDER = "sales_order"


class ReservationStatus(enum.Enum):
    OPEN = "open"
    CONSUMED = "consumed"
    RELEASED = "released"
    EXPIRED = "expired"


class ShortagePolicy(enum.Enum):
    """What to do when a request cannot be served in full."""

    ALL_OR_NOTHING = "all_or_nothing"
    BACKORDER = "backorder"
    """Reserve what is there and put the rest on backorder (BO)."""


class BackorderStatus(enum.Enum):
    OPEN = "open"
    FILLED = "filled"
    CANCELLED = "cancelled"


class TransferStatus(enum.Enum):
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    REFUSED = "refused"
    """The target refused the goods: they went back into the source's bins."""


# ---------------------------------------------------------------- catalogue


def part_class(value: str) -> str:
    """A part class code (MAINTENANCE, REPAIR, BODY, ACCESSORY…): pricing keys on it."""
    normalised = value.strip().upper()
    if not _CLASS_RE.match(normalised):
        raise InvariantViolation(f"part class {value!r} must be an upper-case code like REPAIR")
    return normalised


def _price(value: Money) -> Money:
    if value.amount < 0 or not is_fen_exact(value):
        raise InvariantViolation(f"price {value.amount} must be ≥ 0 and in whole fen")
    return round_fen(check_amount(value, "price"))


def _text(value: str, what: str) -> str:
    stripped = value.strip()
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in stripped):
        raise InvariantViolation(f"{what} {stripped!r} contains control characters")
    return stripped


def part_name(value: str) -> str:
    """A part's name: trimmed, not empty, no control characters (new parts and renames)."""
    stripped = _text(value, "part name")
    if not stripped:
        raise InvariantViolation("a part name must not be empty")
    return stripped


def _supplier(value: str) -> str:
    return _text(value, "supplier")


def parse_fitment(text: str) -> SpecPattern:
    """``BRAND[/MODEL[/TRIM[/COLOUR[/INTERIOR]]]]``, ``*`` for any.

    >>> str(parse_fitment("audi/a6l"))
    'AUDI/A6L/*/*/*'
    """
    fields = [f.strip() for f in text.strip().split("/")]
    if not fields[0] or len(fields) > 5:
        raise InvariantViolation(f"fitment {text!r} must be BRAND[/MODEL[/TRIM[/COLOUR[/INT]]]]")
    values: list[str | None] = [None if f in ("", "*") else f for f in fields]
    values += [None] * (5 - len(values))
    brand = values[0]
    assert brand is not None
    return SpecPattern(brand, values[1], values[2], values[3], values[4])


def format_fitment(pattern: SpecPattern) -> str:
    """The inverse of :func:`parse_fitment`, without trailing wildcards."""
    text = str(pattern)
    while text.endswith("/*"):
        text = text[:-2]
    return text


def _fits(
    value: tuple[SpecPattern | str, ...] | list[SpecPattern | str],
) -> tuple[SpecPattern, ...]:
    return tuple(v if isinstance(v, SpecPattern) else parse_fitment(v) for v in value)


@attrs.define(slots=False, eq=False)
class Part:
    """A catalogue entry (配件主数据): unique per scope and part number."""

    scope_key: str
    number: PartNumber = attrs.field(converter=part_number)
    name: str = attrs.field(converter=part_name)
    part_class: str = attrs.field(converter=part_class)
    list_price: Money = attrs.field(converter=_price)
    cost_price: Money = attrs.field(converter=_price)
    supplier: str = attrs.field(default="", converter=_supplier)
    fits: tuple[SpecPattern, ...] = attrs.field(default=(), converter=_fits)
    movement_class: MovementClass = MovementClass.FAST

    @property
    def scope(self) -> MasterDataScope:
        return MasterDataScope.from_key(self.scope_key)

    def fits_vehicle(self, spec: VehicleSpec) -> bool:
        """True when the part fits ``spec`` (a part with no fitment fits every car)."""
        return not self.fits or any(p.matches(spec) for p in self.fits)


@attrs.define(slots=False, eq=False)
class SafetyStock:
    """The minimum a warehouse of a store should hold of a part (安全库存)."""

    store_id: StoreId
    warehouse_code: WarehouseCode
    part_number: PartNumber
    quantity: int

    def __attrs_post_init__(self) -> None:
        if self.quantity < 0:
            raise InvariantViolation(f"safety stock of {self.part_number} must be ≥ 0")


# ---------------------------------------------------------------- stock


@attrs.frozen(order=True)
class StockLocation:
    """Where stock lies: store / warehouse / bin, for one part."""

    store_id: StoreId
    warehouse_code: WarehouseCode
    bin_code: BinCode
    part_number: PartNumber

    def __str__(self) -> str:
        return f"{self.part_number} @ {self.store_id}/{self.warehouse_code}/{self.bin_code}"


@attrs.define(slots=False, eq=False)
class LedgerEntry:
    """One append-only stock move (库存流水); ``quantity`` is signed."""

    store_id: StoreId
    id: str
    at: DateTime
    kind: MoveKind
    warehouse_code: WarehouseCode
    bin_code: BinCode
    part_number: PartNumber
    quantity: int
    reference: str = ""


@attrs.frozen
class PartsReserved(DomainEvent):
    store_id: StoreId
    reservation_id: str
    part_number: PartNumber
    quantity: int


@attrs.frozen
class ReservationClosed(DomainEvent):
    store_id: StoreId
    reservation_id: str
    status: ReservationStatus


@attrs.frozen
class BackorderCreated(DomainEvent):
    store_id: StoreId
    backorder_id: str
    part_number: PartNumber
    quantity: int


@attrs.frozen
class BackorderAllocated(DomainEvent):
    """A receipt served (part of) an open backorder by reserving for it."""

    store_id: StoreId
    backorder_id: str
    reservation_id: str
    part_number: PartNumber
    quantity: int
    still_open: int


@attrs.frozen
class BackorderCancelled(DomainEvent):
    store_id: StoreId
    backorder_id: str
    part_number: PartNumber
    open_quantity: int
    reason: str


@attrs.frozen
class TransferDispatched(DomainEvent):
    store_id: StoreId
    transfer_id: str
    to_store_id: StoreId


@attrs.frozen
class TransferReceived(DomainEvent):
    store_id: StoreId
    transfer_id: str
    from_store_id: StoreId


@attrs.frozen
class TransferRefused(DomainEvent):
    """The target refused a transfer; the goods went back to the source."""

    store_id: StoreId
    transfer_id: str
    from_store_id: StoreId
    reason: str


def _positive(quantity: int, what: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvariantViolation(f"{what} must be a positive whole number, got {quantity!r}")
    return quantity


@attrs.define(slots=False, eq=False)
class Reservation(EventRecorder):
    """Parts set aside (预留) from one stock item for a work order, sale or transfer."""

    store_id: StoreId
    id: str
    warehouse_code: WarehouseCode
    bin_code: BinCode
    part_number: PartNumber
    quantity: int
    purpose: ReservationPurpose
    reference: str
    created_at: DateTime
    expires_at: DateTime | None = None
    status: ReservationStatus = ReservationStatus.OPEN
    closed_at: DateTime | None = None
    backorder_id: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status is ReservationStatus.OPEN

    @property
    def location(self) -> StockLocation:
        return StockLocation(self.store_id, self.warehouse_code, self.bin_code, self.part_number)

    def is_expired(self, at: DateTime) -> bool:
        """Open, but its expiry has passed: it no longer holds its parts (ADR 0014)."""
        return self.is_open and self.expires_at is not None and self.expires_at <= at

    def is_live(self, at: DateTime) -> bool:
        """Open and not past its expiry: its parts are promised."""
        return self.is_open and not self.is_expired(at)

    def _close(self, status: ReservationStatus, at: DateTime) -> Result[None, DomainError]:
        lapsed = self.status is ReservationStatus.EXPIRED or self.is_expired(at)
        if status is not ReservationStatus.EXPIRED and lapsed:
            return Failure(ReservationExpired(self, _VERB[status]))
        if not self.is_open:
            return Failure(
                IllegalTransition(f"reservation {self.id}", self.status.value, _VERB[status])
            )
        self.status = status
        self.closed_at = at
        self.record(ReservationClosed(at, self.store_id, self.id, status))
        return Success(None)


_VERB = {
    ReservationStatus.CONSUMED: "issue it",  # or send it on a transfer
    ReservationStatus.RELEASED: "release it",
    ReservationStatus.EXPIRED: "expire it",
    ReservationStatus.OPEN: "reopen it",
}


@attrs.define(slots=False, eq=False)
class StockItem(EventRecorder):
    """The stock of one part in one bin (库存): on hand, reserved, available.

    ``reserved`` is the sum of the item's open reservations. A reservation past
    its expiry no longer holds its parts: ``next_expiry`` (a lower bound of the
    open reservations' expiries) tells the service, on the locked row, when
    some may have lapsed, and :meth:`lapse` expires them before anything is
    decided (ADR 0014). ``stocked_since`` and ``last_issued_at`` date the stock
    for dead-stock alerts (ADR 0015).

    >>> import pendulum
    >>> item = StockItem(StoreId("S1"), WarehouseCode("W1"), BinCode("A1"), PartNumber("P1"))
    >>> entry = item.receive(5, at=pendulum.datetime(2026, 1, 1), entry_id="e1")
    >>> (item.on_hand, item.available, entry.quantity)
    (5, 5, 5)
    """

    store_id: StoreId
    warehouse_code: WarehouseCode
    bin_code: BinCode
    part_number: PartNumber
    on_hand: int = 0
    reserved: int = 0
    last_received_at: DateTime | None = None
    """The last time parts came in, by any inbound move."""
    last_issued_at: DateTime | None = None
    """The last issue (出库) from this bin: a sale or a work order, not a move."""
    stocked_since: DateTime | None = None
    """Since when the stock now in this bin has lain here (None when empty)."""
    next_expiry: DateTime | None = None
    """No open reservation of this item expires before this instant."""

    def __attrs_post_init__(self) -> None:
        self._check()

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def location(self) -> StockLocation:
        return StockLocation(self.store_id, self.warehouse_code, self.bin_code, self.part_number)

    @property
    def idle_since(self) -> DateTime | None:
        """Since when nothing was issued from the stock lying here: the later of
        the last issue and the moment the current stock arrived (dead stock age)."""
        times = [t for t in (self.last_issued_at, self.stocked_since) if t is not None]
        return max(times) if times and self.on_hand > 0 else None

    def _decide_at(self, at: DateTime) -> None:
        """Decisions on ``available`` need the lapsed reservations expired first."""
        if self.has_lapsed_reservations(at):
            raise InvariantViolation(
                f"{self.location}: some reservations have lapsed; expire them before deciding"
            )

    def _check(self) -> None:
        if not 0 <= self.reserved <= self.on_hand:
            raise StockInvariantViolation(
                f"{self.location}: on hand {self.on_hand}, reserved {self.reserved}"
            )

    def _short(self, requested: int) -> NotEnoughStock:
        return NotEnoughStock(
            self.part_number,
            self.store_id,
            self.warehouse_code,
            requested,
            self.available,
            self.bin_code,
        )

    def _entry(
        self, kind: MoveKind, quantity: int, at: DateTime, entry_id: str, reference: str
    ) -> LedgerEntry:
        self.on_hand += quantity
        self._check()
        if self.on_hand == 0:
            self.stocked_since = None
        return LedgerEntry(
            store_id=self.store_id,
            id=entry_id,
            at=at,
            kind=kind,
            warehouse_code=self.warehouse_code,
            bin_code=self.bin_code,
            part_number=self.part_number,
            quantity=quantity,
            reference=reference,
        )

    def _arrive(self, at: DateTime, since: DateTime | None) -> None:
        """Parts came in: date them (``since``: the age moved parts bring along)."""
        arrived = at if since is None else min(since, at)
        self.last_received_at = at
        if self.stocked_since is None or arrived < self.stocked_since:
            self.stocked_since = arrived

    # -- on hand goes up

    def receive(
        self,
        quantity: int,
        *,
        at: DateTime,
        entry_id: str,
        reference: str = "",
        kind: MoveKind = MoveKind.RECEIVE,
        since: DateTime | None = None,
    ) -> LedgerEntry:
        """Put parts into this bin: a receipt, move in, transfer in, loan return or a
        refused transfer coming back. ``since`` (moves) keeps the parts' age."""
        if kind not in _INBOUND:
            raise InvariantViolation(f"{kind.value} does not add stock")
        entry = self._entry(kind, _positive(quantity), at, entry_id, reference)
        self._arrive(at, since)
        return entry

    # -- on hand goes down (from what is available)

    def take(
        self,
        quantity: int,
        *,
        at: DateTime,
        entry_id: str,
        kind: MoveKind,
        reference: str = "",
    ) -> Result[LedgerEntry, NotEnoughStock]:
        """Take unreserved parts out: issue, move out, transfer out or lend."""
        if kind not in _OUTBOUND:
            raise InvariantViolation(f"{kind.value} does not take stock")
        self._decide_at(at)
        if _positive(quantity) > self.available:
            return Failure(self._short(quantity))
        if kind is MoveKind.ISSUE:
            self.last_issued_at = at
        return Success(self._entry(kind, -quantity, at, entry_id, reference))

    def adjust_to(
        self,
        counted: int,
        *,
        at: DateTime,
        entry_id: str,
        reference: str = "",
        reservations: Sequence[Reservation] = (),
    ) -> Result[LedgerEntry | None, CountBelowReserved]:
        """Post a stocktake count (盘点): on hand becomes ``counted``.

        A count below what is reserved is refused, naming ``reservations`` (the
        item's open ones): release them first, so no work order silently loses
        the parts promised to it (ADR 0012).
        """
        if counted < 0:
            raise InvariantViolation(f"a count of {self.location} must be ≥ 0")
        self._decide_at(at)
        if counted < self.reserved:
            return Failure(CountBelowReserved(self.location, counted, self.reserved, reservations))
        delta = counted - self.on_hand
        if delta == 0:
            return Success(None)
        empty = self.on_hand == 0
        entry = self._entry(MoveKind.ADJUST, delta, at, entry_id, reference)
        if delta > 0 and empty:
            self._arrive(at, None)
        return Success(entry)

    # -- reservations

    def reserve(
        self,
        quantity: int,
        *,
        reservation_id: str,
        purpose: ReservationPurpose,
        reference: str,
        at: DateTime,
        expires_at: DateTime | None = None,
        backorder_id: str | None = None,
    ) -> Result[Reservation, NotEnoughStock]:
        """Set ``quantity`` aside; refused (with the available count) when short."""
        self._decide_at(at)
        if _positive(quantity) > self.available:
            return Failure(self._short(quantity))
        if expires_at is not None and expires_at <= at:
            raise InvariantViolation(f"reservation expiry {expires_at} is not after {at}")
        self.reserved += quantity
        self._check()
        if expires_at is not None and (self.next_expiry is None or expires_at < self.next_expiry):
            self.next_expiry = expires_at
        reservation = Reservation(
            store_id=self.store_id,
            id=reservation_id,
            warehouse_code=self.warehouse_code,
            bin_code=self.bin_code,
            part_number=self.part_number,
            quantity=quantity,
            purpose=purpose,
            reference=reference,
            created_at=at,
            expires_at=expires_at,
            backorder_id=backorder_id,
        )
        reservation.record(
            PartsReserved(at, self.store_id, reservation_id, self.part_number, quantity)
        )
        return Success(reservation)

    def has_lapsed_reservations(self, at: DateTime) -> bool:
        """Whether an open reservation of this item may have passed its expiry."""
        return self.next_expiry is not None and self.next_expiry <= at

    def lapse(self, open_reservations: Iterable[Reservation], *, at: DateTime) -> list[Reservation]:
        """Expire the reservations past their expiry, given *all* the item's open
        ones, and return them: their parts are available again. Run on the locked
        item before any decision, so a lapsed reservation never blocks stock,
        whether or not a sweep ran (ADR 0014)."""
        mine = [r for r in open_reservations if r.is_open]
        if any(r.location != self.location for r in mine):
            raise InvariantViolation(f"reservations given to {self.location} are not all its own")
        if sum(r.quantity for r in mine) != self.reserved:
            raise StockInvariantViolation(
                f"{self.location}: reserved {self.reserved} but open reservations hold "
                f"{sum(r.quantity for r in mine)}"
            )
        lapsed = [r for r in mine if r.is_expired(at)]
        for reservation in lapsed:
            self.expire(reservation, at=at).unwrap()
        expiries = [r.expires_at for r in mine if r.is_open and r.expires_at is not None]
        self.next_expiry = min(expiries) if expiries else None
        return lapsed

    def _unreserve(self, reservation: Reservation) -> None:
        if reservation.location != self.location:
            raise InvariantViolation(f"reservation {reservation.id} is not for {self.location}")
        self.reserved -= reservation.quantity
        self._check()

    def release(self, reservation: Reservation, *, at: DateTime) -> Result[None, DomainError]:
        """Give the parts back to available (释放预留)."""
        closed = reservation._close(ReservationStatus.RELEASED, at)
        if isinstance(closed, Success):
            self._unreserve(reservation)
        return closed

    def expire(self, reservation: Reservation, *, at: DateTime) -> Result[None, DomainError]:
        """Release a reservation whose expiry has passed."""
        if not reservation.is_expired(at):
            return Failure(
                IllegalTransition(
                    f"reservation {reservation.id}",
                    f"{reservation.status.value} until {reservation.expires_at}",
                    "expire it",
                )
            )
        closed = reservation._close(ReservationStatus.EXPIRED, at)
        if isinstance(closed, Success):
            self._unreserve(reservation)
        return closed

    def issue_reserved(
        self,
        reservation: Reservation,
        *,
        at: DateTime,
        entry_id: str,
        kind: MoveKind = MoveKind.ISSUE,
        reference: str | None = None,
    ) -> Result[LedgerEntry, DomainError]:
        """Take out the reserved parts — issue them (出库) or, for a transfer
        reservation, send them (``TRANSFER_OUT``): the reservation is consumed.
        A reservation past its expiry is refused (``ReservationExpired``)."""
        if kind not in {MoveKind.ISSUE, MoveKind.TRANSFER_OUT}:
            raise InvariantViolation(f"a reservation is not consumed by {kind.value}")
        closed = reservation._close(ReservationStatus.CONSUMED, at)
        if isinstance(closed, Failure):
            return Failure(closed.failure())
        self._unreserve(reservation)
        if kind is MoveKind.ISSUE:
            self.last_issued_at = at
        text = f"{reservation.purpose.value}:{reservation.reference}"
        return Success(self._entry(kind, -reservation.quantity, at, entry_id, reference or text))


_INBOUND = frozenset(
    {
        MoveKind.RECEIVE,
        MoveKind.MOVE_IN,
        MoveKind.TRANSFER_IN,
        MoveKind.LEND_RETURN,
        MoveKind.TRANSFER_RETURN,
    }
)
_OUTBOUND = frozenset({MoveKind.ISSUE, MoveKind.MOVE_OUT, MoveKind.TRANSFER_OUT, MoveKind.LEND})


# ---------------------------------------------------------------- backorders


@attrs.define(slots=False, eq=False)
class Backorder(EventRecorder):
    """What a request could not get (缺件 / BO); receipts fill it, oldest first."""

    store_id: StoreId
    id: str
    warehouse_code: WarehouseCode
    part_number: PartNumber
    quantity: int
    open_quantity: int
    purpose: ReservationPurpose
    reference: str
    created_at: DateTime
    status: BackorderStatus = BackorderStatus.OPEN
    cancelled_at: DateTime | None = None
    cancel_reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status is BackorderStatus.OPEN

    def allocate_from(
        self, item: StockItem, *, at: DateTime, reservation_id: str
    ) -> Reservation | None:
        """Reserve what ``item`` can give towards this backorder (None if nothing)."""
        if self.status is not BackorderStatus.OPEN:
            raise InvariantViolation(f"backorder {self.id} is {self.status.value}")
        if item.part_number != self.part_number or item.store_id != self.store_id:
            raise InvariantViolation(f"backorder {self.id} is not for {item.location}")
        quantity = min(item.available, self.open_quantity)
        if quantity <= 0:
            return None
        reservation = item.reserve(
            quantity,
            reservation_id=reservation_id,
            purpose=self.purpose,
            reference=self.reference,
            at=at,
            backorder_id=self.id,
        ).unwrap()
        self.open_quantity -= quantity
        if self.open_quantity == 0:
            self.status = BackorderStatus.FILLED
        self.record(
            BackorderAllocated(
                at,
                self.store_id,
                self.id,
                reservation.id,
                self.part_number,
                quantity,
                self.open_quantity,
            )
        )
        return reservation

    def cancel(self, *, reason: str, at: DateTime) -> Result[None, DomainError]:
        """Cancel what is still open (the request no longer needs it): later receipts
        skip it. Reservations it already got stay; release them on their own."""
        if self.status is not BackorderStatus.OPEN:
            return Failure(
                IllegalTransition(f"backorder {self.id}", self.status.value, "cancel it")
            )
        why = _text(reason, "cancel reason")
        if not why:
            return Failure(InvariantViolation(f"cancelling backorder {self.id} needs a reason"))
        self.status = BackorderStatus.CANCELLED
        self.cancelled_at, self.cancel_reason = at, why
        self.record(
            BackorderCancelled(
                at, self.store_id, self.id, self.part_number, self.open_quantity, why
            )
        )
        return Success(None)


# ---------------------------------------------------------------- transfers between stores


@attrs.define(slots=False, eq=False)
class TransferLine:
    store_id: StoreId
    transfer_id: str
    line_no: int
    part_number: PartNumber
    from_bin_code: BinCode
    quantity: int
    to_bin_code: BinCode | None = None


@attrs.define(slots=False, eq=False)
class Transfer(EventRecorder):
    """Parts sent from one store to another (调拨): out → in transit → in.

    The source's stock drops on dispatch; the target gains it only when it
    confirms receipt. Until then the parts are in transit, owned by neither.
    """

    store_id: StoreId
    id: str
    to_store_id: StoreId
    from_warehouse_code: WarehouseCode
    to_warehouse_code: WarehouseCode
    dispatched_at: DateTime
    eta: DateTime | None = None
    reference: str = ""
    status: TransferStatus = TransferStatus.IN_TRANSIT
    received_at: DateTime | None = None
    lines: list[TransferLine] = attrs.field(factory=list)
    refused_at: DateTime | None = None
    refuse_reason: str | None = None

    @property
    def in_transit(self) -> int:
        """Units still on the road."""
        if self.status is not TransferStatus.IN_TRANSIT:
            return 0
        return sum(line.quantity for line in self.lines)

    def mark_received(self, to_bin_code: BinCode, at: DateTime) -> Result[None, IllegalTransition]:
        if self.status is not TransferStatus.IN_TRANSIT:
            return Failure(
                IllegalTransition(f"transfer {self.id}", self.status.value, "receive it")
            )
        self.status = TransferStatus.RECEIVED
        self.received_at = at
        for line in self.lines:
            line.to_bin_code = to_bin_code
        self.record(TransferReceived(at, self.to_store_id, self.id, self.store_id))
        return Success(None)

    def refuse(self, *, reason: str, at: DateTime) -> Result[None, DomainError]:
        """The target refuses the goods (拒收): they go back to the source's bins,
        through the source's ledger (``TRANSFER_RETURN``)."""
        if self.status is not TransferStatus.IN_TRANSIT:
            return Failure(IllegalTransition(f"transfer {self.id}", self.status.value, "refuse it"))
        why = _text(reason, "refusal reason")
        if not why:
            return Failure(InvariantViolation(f"refusing transfer {self.id} needs a reason"))
        self.status = TransferStatus.REFUSED
        self.refused_at, self.refuse_reason = at, why
        self.record(TransferRefused(at, self.to_store_id, self.id, self.store_id, why))
        return Success(None)


# ---------------------------------------------------------------- expected receipts


@attrs.define(slots=False, eq=False)
class ExpectedReceipt:
    """Parts ordered from a supplier or the group's central purchasing (集中采购),
    expected at a warehouse by ``eta``: the arrival alert, and what stops a
    second store buying the same thing twice."""

    store_id: StoreId
    id: str
    warehouse_code: WarehouseCode
    part_number: PartNumber
    quantity: int
    eta: DateTime
    reference: str = ""
    received_at: DateTime | None = None

    def __attrs_post_init__(self) -> None:
        _positive(self.quantity)

    @property
    def is_open(self) -> bool:
        return self.received_at is None

    def close(self, at: DateTime) -> Result[None, IllegalTransition]:
        if not self.is_open:
            return Failure(
                IllegalTransition(f"expected receipt {self.id}", "received", "receive it")
            )
        self.received_at = at
        return Success(None)


# ---------------------------------------------------------------- loans


def borrower_name(value: str) -> str:
    """Who borrows lent parts: trimmed, not empty, no control characters."""
    name = _text(value, "borrower")
    if not name:
        raise InvariantViolation("a loan needs a borrower")
    return name


@attrs.define(slots=False, eq=False)
class Loan:
    """Parts lent (借出) to a workshop, another department or a partner; they must
    come back by ``due_at`` (an overdue loan is an alert, ADR 0016)."""

    store_id: StoreId
    id: str
    warehouse_code: WarehouseCode
    bin_code: BinCode
    part_number: PartNumber
    quantity: int
    borrower: str = attrs.field(converter=borrower_name)
    lent_at: DateTime
    due_at: DateTime
    returned_quantity: int = 0
    returned_at: DateTime | None = None

    def __attrs_post_init__(self) -> None:
        _positive(self.quantity)
        if self.due_at <= self.lent_at:
            raise InvariantViolation(
                f"loan {self.id}: due {self.due_at.to_iso8601_string()} is not after it was lent"
            )

    @property
    def outstanding(self) -> int:
        return self.quantity - self.returned_quantity

    @property
    def is_open(self) -> bool:
        return self.outstanding > 0

    def is_overdue(self, at: DateTime) -> bool:
        return self.is_open and self.due_at < at

    def take_back(self, quantity: int, at: DateTime) -> Result[None, DomainError]:
        if _positive(quantity) > self.outstanding:
            return Failure(
                InvariantViolation(
                    f"loan {self.id} of {self.part_number} to {self.borrower}: "
                    f"{quantity} returned but only {self.outstanding} outstanding"
                )
            )
        self.returned_quantity += quantity
        if self.outstanding == 0:
            self.returned_at = at
        return Success(None)
