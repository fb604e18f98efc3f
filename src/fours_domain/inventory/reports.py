"""Read models of the inventory: stocktake variance, alerts, group-wide availability."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

import attrs

from fours_domain.inventory.model import (
    ExpectedReceipt,
    Loan,
    Reservation,
    SafetyStock,
    StockItem,
    StockLocation,
    Transfer,
    TransferStatus,
)
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.ids import StoreId, WarehouseCode
from fours_domain.shared.money import Money, round_fen, sum_money
from fours_domain.shared.time import DateTime

#: DOMAIN.md / seed 002: a stocktake should find at most 2 % error.
TARGET_ERROR_RATE = Decimal("0.02")


@attrs.frozen
class VarianceLine:
    location: StockLocation
    book: int
    counted: int
    unit_cost: Money

    @property
    def variance(self) -> int:
        return self.counted - self.book

    @property
    def value(self) -> Money:
        return round_fen(self.unit_cost * self.variance)


@attrs.frozen
class VarianceReport:
    """Stocktake result (盘点差异表): per line and in total.

    ``error_rate`` = Σ|counted − book| ÷ Σ book (1 when the book is empty but
    something was found); ``line_error_rate`` = lines with a variance ÷ lines.

    >>> from fours_domain.shared.money import cny
    >>> loc = StockLocation(StoreId("S"), WarehouseCode("W"), "A1", PartNumber("P"))
    >>> r = VarianceReport("t1", (VarianceLine(loc, 100, 98, cny("5.00")),))
    >>> (r.error_rate, str(r.value_variance.amount), r.within_target)
    (Decimal('0.0200'), '-10.00', True)
    """

    reference: str
    lines: tuple[VarianceLine, ...]

    @property
    def book_total(self) -> int:
        return sum(line.book for line in self.lines)

    @property
    def counted_total(self) -> int:
        return sum(line.counted for line in self.lines)

    @property
    def quantity_variance(self) -> int:
        return self.counted_total - self.book_total

    @property
    def value_variance(self) -> Money:
        return sum_money(line.value for line in self.lines)

    @property
    def error_rate(self) -> Decimal:
        absolute = sum(abs(line.variance) for line in self.lines)
        if self.book_total == 0:
            return Decimal(1 if absolute else 0)
        return (Decimal(absolute) / Decimal(self.book_total)).quantize(
            Decimal("0.0001"), ROUND_HALF_UP
        )

    @property
    def line_error_rate(self) -> Decimal:
        if not self.lines:
            return Decimal(0)
        wrong = sum(1 for line in self.lines if line.variance)
        return (Decimal(wrong) / Decimal(len(self.lines))).quantize(
            Decimal("0.0001"), ROUND_HALF_UP
        )

    @property
    def within_target(self) -> bool:
        return self.error_rate <= TARGET_ERROR_RATE


class AlertKind(enum.Enum):
    BELOW_SAFETY_STOCK = "below_safety_stock"
    DEAD_STOCK = "dead_stock"
    ARRIVAL_DUE = "arrival_due"
    LOAN_OVERDUE = "loan_overdue"


@attrs.frozen
class Alert:
    kind: AlertKind
    store_id: StoreId
    warehouse_code: WarehouseCode
    part_number: PartNumber | None
    message: str
    quantity: int = 0
    reference: str = ""


def whole_days(since: DateTime, until: DateTime) -> int:
    """Full 24-hour days from ``since`` to ``until`` (0 if not yet one)."""
    return max(0, int((until - since).total_seconds() // 86400))


def alerts_for(
    store_id: StoreId,
    items: Iterable[StockItem],
    safety: Iterable[SafetyStock],
    incoming: Iterable[Transfer],
    *,
    now: DateTime,
    expected: Iterable[ExpectedReceipt] = (),
    loans: Iterable[Loan] = (),
    dead_after_days: int = 180,
    arrival_horizon_days: int = 1,
) -> list[Alert]:
    """Below safety stock; dead stock (呆滞件: nothing issued from a bin for
    ``dead_after_days`` — counted from the last issue, or from when the stock
    now there arrived if it was not issued since, ADR 0015); in-transit transfers
    and open expected receipts whose ETA falls within ``arrival_horizon_days`` (or
    is past); loans not returned by their due time."""
    held: dict[tuple[WarehouseCode, PartNumber], int] = {}
    result: list[Alert] = []
    dead_before = now.subtract(days=dead_after_days)
    for item in items:
        key = (item.warehouse_code, item.part_number)
        held[key] = held.get(key, 0) + item.on_hand
        idle_since = item.idle_since
        if idle_since is not None and idle_since <= dead_before:
            days = whole_days(idle_since, now)
            result.append(
                Alert(
                    AlertKind.DEAD_STOCK,
                    store_id,
                    item.warehouse_code,
                    item.part_number,
                    f"{item.on_hand} × {item.part_number} in {item.warehouse_code}/"
                    f"{item.bin_code} idle for {days} days (no issue since "
                    f"{idle_since.to_date_string()})",
                    item.on_hand,
                )
            )
    for rule in safety:
        have = held.get((rule.warehouse_code, rule.part_number), 0)
        if have < rule.quantity:
            result.append(
                Alert(
                    AlertKind.BELOW_SAFETY_STOCK,
                    store_id,
                    rule.warehouse_code,
                    rule.part_number,
                    f"{rule.part_number} in {rule.warehouse_code}: {have} on hand, "
                    f"safety stock {rule.quantity}",
                    rule.quantity - have,
                )
            )
    due_by = now.add(days=arrival_horizon_days)
    for transfer in incoming:
        if transfer.status is TransferStatus.IN_TRANSIT and transfer.eta and transfer.eta <= due_by:
            late = " (late)" if transfer.eta < now else ""
            result.append(
                Alert(
                    AlertKind.ARRIVAL_DUE,
                    store_id,
                    transfer.to_warehouse_code,
                    None,
                    f"transfer {transfer.id} from {transfer.store_id}: {transfer.in_transit} "
                    f"units due {transfer.eta.to_iso8601_string()}{late}",
                    transfer.in_transit,
                    transfer.id,
                )
            )
    for receipt in expected:
        if receipt.is_open and receipt.eta <= due_by:
            late = " (late)" if receipt.eta < now else ""
            result.append(
                Alert(
                    AlertKind.ARRIVAL_DUE,
                    store_id,
                    receipt.warehouse_code,
                    receipt.part_number,
                    f"expected receipt {receipt.id} ({receipt.reference or 'no reference'}): "
                    f"{receipt.quantity} × {receipt.part_number} due "
                    f"{receipt.eta.to_iso8601_string()}{late}",
                    receipt.quantity,
                    receipt.id,
                )
            )
    for loan in loans:
        if loan.is_overdue(now):
            days = whole_days(loan.due_at, now)
            result.append(
                Alert(
                    AlertKind.LOAN_OVERDUE,
                    store_id,
                    loan.warehouse_code,
                    loan.part_number,
                    f"loan {loan.id}: {loan.outstanding} × {loan.part_number} lent to "
                    f"{loan.borrower}, due {loan.due_at.to_iso8601_string()}, "
                    f"{days} day(s) overdue",
                    loan.outstanding,
                    loan.id,
                )
            )
    return result


@attrs.frozen
class Availability:
    """How much of a part one warehouse of one store can still promise."""

    store_id: StoreId
    warehouse_code: WarehouseCode
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def lapsed_by_location(
    reservations: Iterable[Reservation], at: DateTime
) -> dict[StockLocation, int]:
    """What open reservations past their expiry at ``at`` still count in ``reserved``,
    per stock item: reads subtract it, so a lapsed reservation never shows as
    holding parts, swept or not (ADR 0014)."""
    lapsed: dict[StockLocation, int] = {}
    for reservation in reservations:
        if reservation.is_expired(at):
            location = reservation.location
            lapsed[location] = lapsed.get(location, 0) + reservation.quantity
    return lapsed


def availability_of(
    items: Iterable[StockItem], lapsed: dict[StockLocation, int] | None = None
) -> list[Availability]:
    """Roll stock items up to (store, warehouse), keeping those with something
    available (``lapsed``: reserved quantities that no longer count)."""
    totals: dict[tuple[StoreId, WarehouseCode], tuple[int, int]] = {}
    for item in items:
        key = (item.store_id, item.warehouse_code)
        on_hand, reserved = totals.get(key, (0, 0))
        live = item.reserved - (lapsed or {}).get(item.location, 0)
        totals[key] = (on_hand + item.on_hand, reserved + live)
    rows = [Availability(s, w, oh, rs) for (s, w), (oh, rs) in sorted(totals.items())]
    return [row for row in rows if row.available > 0]
