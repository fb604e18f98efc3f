"""Neutral records: what a manufacturer document says, independent of its format.

Every adapter turns its format into these frozen value objects; appliers turn
them into changes of the owning context (vehicles, inventory, pricing,
rebates). Records are validated on construction: a record that exists is
well-formed (a valid VIN, non-negative quantities, CNY amounts to the fen).
"""

from __future__ import annotations

import enum
import hashlib
from decimal import Decimal
from typing import Any

import attrs

from fours_domain.shared.catalogue import PartNumber, VehicleSpec, part_number
from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.identifiers import Vin
from fours_domain.shared.money import Money, is_fen_exact
from fours_domain.shared.time import Date


class RecordKind(enum.Enum):
    """The kinds of record a feed can carry (the ``--kind`` of ``fours dms``)."""

    VEHICLE_INVENTORY = "vehicle-inventory"
    """Dispatch notices and inventory (发车通知 / 车辆库存): one car per record."""
    VEHICLE_ORDER_STATUS = "vehicle-order-status"
    """Status updates of the group's purchase orders to the manufacturer (采购订单状态)."""
    PARTS_INVENTORY = "parts-inventory"
    """Stock positions of parts (配件库存): part, bin, quantities, unit price."""
    PART_PRICES = "part-prices"
    """Parts price files (配件价格文件): catalogue entries with their prices."""
    PRICE_LIST = "price-list"
    """Vehicle price lists (整车价格表) → price schemes."""
    REBATE_STATEMENT = "rebate-statement"
    """Manufacturer rebate statements (返利结算单) → reconciliation."""

    @classmethod
    def parse(cls, value: str) -> RecordKind:
        try:
            return cls(value.strip().lower().replace("_", "-"))
        except ValueError:
            known = ", ".join(k.value for k in cls)
            raise InvariantViolation(
                f"unknown record kind {value!r}; known: {known}", kind=value
            ) from None


class ManufacturerVehicleState(enum.Enum):
    """The vehicle states manufacturer feeds use (DOMAIN.md "New vehicles").

    Adapters map their own codes onto these; the vehicles applier maps these
    onto the fours lifecycle.
    """

    ON_ORDER = "ON_ORDER"
    ALLOCATED = "ALLOCATED"
    IN_TRANSIT = "IN_TRANSIT"
    RECEIVED = "RECEIVED"
    PREPARATION = "PREPARATION"
    AVAILABLE = "AVAILABLE"
    RESERVED = "RESERVED"
    PRE_SOLD = "PRE_SOLD"
    ON_HOLD = "ON_HOLD"
    SOLD = "SOLD"
    DAMAGED = "DAMAGED"
    RETURNED = "RETURNED"

    @classmethod
    def parse(cls, value: str) -> ManufacturerVehicleState | None:
        """The state named by ``value`` (case and separators ignored), or None.

        >>> ManufacturerVehicleState.parse("in transit")
        <ManufacturerVehicleState.IN_TRANSIT: 'IN_TRANSIT'>
        """
        key = value.strip().upper().replace(" ", "_").replace("-", "_")
        return cls.__members__.get(key)


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _text(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise InvariantViolation("a code or name must not be empty")
    return stripped


def _check_money(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    assert isinstance(value, Money)
    if str(value.currency) != "CNY":
        raise InvariantViolation(f"{attribute.name} must be in CNY, got {value.currency}")
    if not is_fen_exact(value):
        raise InvariantViolation(f"{attribute.name} {value.amount} has fractions of a fen")
    if value.amount < 0:
        raise InvariantViolation(f"{attribute.name} must not be negative, got {value.amount}")


def _check_quantity(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    assert isinstance(value, Decimal)
    if not value.is_finite() or value < 0:
        raise InvariantViolation(f"{attribute.name} must be a non-negative number, got {value}")


def fingerprint(record: object) -> str:
    """A stable digest of a record's content, to tell "unchanged" from "updated".

    >>> fingerprint(PartPriceRecord(part_number("A-1"), "Filter")) == fingerprint(
    ...     PartPriceRecord(part_number("a-1"), "Filter"))
    True
    """
    return hashlib.blake2b(repr(record).encode("utf-8"), digest_size=16).hexdigest()


@attrs.frozen
class VehicleInventoryRecord:
    """One car on a manufacturer dispatch notice or inventory report.

    ``invoice_price`` is the manufacturer's tax-inclusive invoice price (开票价)
    and ``invoice_tax`` its VAT, when the feed gives them.
    """

    vin: Vin
    spec: VehicleSpec
    state: ManufacturerVehicleState
    manufacturer_state: str
    dealer_code: str | None = attrs.field(default=None, converter=_optional_text)
    order_number: str | None = attrs.field(default=None, converter=_optional_text)
    allocation_number: str | None = attrs.field(default=None, converter=_optional_text)
    ship_date: Date | None = None
    eta: Date | None = None
    carrier: str | None = attrs.field(default=None, converter=_optional_text)
    invoice_number: str | None = attrs.field(default=None, converter=_optional_text)
    invoice_price: Money | None = attrs.field(default=None, validator=_check_money)
    invoice_tax: Money | None = attrs.field(default=None, validator=_check_money)
    options: tuple[str, ...] = ()
    colour_name: str | None = attrs.field(default=None, converter=_optional_text)

    def __attrs_post_init__(self) -> None:
        if (
            self.invoice_price is not None
            and self.invoice_tax is not None
            and self.invoice_tax > self.invoice_price
        ):
            raise InvariantViolation(
                f"VIN {self.vin}: invoice tax {self.invoice_tax.amount} exceeds "
                f"the invoice price {self.invoice_price.amount}"
            )

    @property
    def key(self) -> str:
        return self.vin.value


@attrs.frozen
class VehicleOrderStatusRecord:
    """A status update of one purchase order line (采购订单) from the manufacturer."""

    order_number: str = attrs.field(converter=_text)
    state: ManufacturerVehicleState
    manufacturer_state: str
    vin: Vin | None = None
    dealer_code: str | None = attrs.field(default=None, converter=_optional_text)
    status_date: Date | None = None
    eta: Date | None = None
    allocation_number: str | None = attrs.field(default=None, converter=_optional_text)
    """The manufacturer's allocation number (配车单号), once the order has a car."""

    @property
    def key(self) -> str:
        return self.order_number if self.vin is None else f"{self.order_number}/{self.vin}"


@attrs.frozen
class PartPriceRecord:
    """A catalogue entry of a parts price file: the part and its prices (tax-inclusive)."""

    part_number: PartNumber = attrs.field(converter=part_number)
    name: str = attrs.field(converter=_text)
    brand: str | None = attrs.field(default=None, converter=_optional_text)
    retail_price: Money | None = attrs.field(default=None, validator=_check_money)
    dealer_price: Money | None = attrs.field(default=None, validator=_check_money)
    unit: str | None = attrs.field(default=None, converter=_optional_text)
    effective_from: Date | None = None
    part_class: str | None = attrs.field(default=None, converter=_optional_text)
    """The manufacturer's part category (配件类别), when the file has one."""

    @property
    def key(self) -> str:
        return self.part_number


@attrs.frozen
class StockPositionRecord:
    """How many of a part a dealer holds, per the manufacturer's DMS (配件库存)."""

    part_number: PartNumber = attrs.field(converter=part_number)
    on_hand: Decimal = attrs.field(validator=_check_quantity)
    dealer_code: str | None = attrs.field(default=None, converter=_optional_text)
    bin: str | None = attrs.field(default=None, converter=_optional_text)
    reserved: Decimal | None = attrs.field(default=None, validator=_check_quantity)
    on_order: Decimal | None = attrs.field(default=None, validator=_check_quantity)
    unit_price: Money | None = attrs.field(default=None, validator=_check_money)

    @property
    def key(self) -> str:
        return f"{self.dealer_code or '*'}/{self.part_number}/{self.bin or '*'}"


class PriceKind(enum.Enum):
    """Price kinds a manufacturer price list carries (DOMAIN.md "Prices")."""

    MSRP = "msrp"
    """Manufacturer guide price (厂家指导价)."""
    INVOICE = "invoice"
    """Dealer invoice price from the manufacturer (开票价)."""
    FLOOR = "floor"
    """Restricted sale price (最低限价), when the manufacturer sets one."""


@attrs.frozen
class PriceListRecord:
    """One line of a vehicle price list: a price of a spec in a validity window."""

    spec: VehicleSpec
    kind: PriceKind
    amount: Money = attrs.field(validator=_check_money)
    valid_from: Date
    valid_until: Date | None = None

    def __attrs_post_init__(self) -> None:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise InvariantViolation(
                f"price of {self.spec}: valid until {self.valid_until} is before {self.valid_from}"
            )

    @property
    def key(self) -> str:
        return f"{self.spec}/{self.kind.value}/{self.valid_from}"


@attrs.frozen
class RebateStatementLine:
    """One line of a manufacturer rebate statement (返利结算单), car by car when it can be."""

    statement_id: str = attrs.field(converter=_text)
    line_id: str = attrs.field(converter=_text)
    policy_code: str = attrs.field(converter=_text)
    amount: Money
    dealer_code: str | None = attrs.field(default=None, converter=_optional_text)
    vin: Vin | None = None
    period: str | None = attrs.field(default=None, converter=_optional_text)

    def __attrs_post_init__(self) -> None:
        # Claw-backs are negative lines: no sign check, but fen exactness and CNY.
        if str(self.amount.currency) != "CNY" or not is_fen_exact(self.amount):
            raise InvariantViolation(f"rebate amount {self.amount} must be CNY to the fen")

    @property
    def key(self) -> str:
        return f"{self.statement_id}/{self.line_id}"


Record = (
    VehicleInventoryRecord
    | VehicleOrderStatusRecord
    | PartPriceRecord
    | StockPositionRecord
    | PriceListRecord
    | RebateStatementLine
)

RECORD_TYPES: dict[RecordKind, type[Record]] = {
    RecordKind.VEHICLE_INVENTORY: VehicleInventoryRecord,
    RecordKind.VEHICLE_ORDER_STATUS: VehicleOrderStatusRecord,
    RecordKind.PARTS_INVENTORY: StockPositionRecord,
    RecordKind.PART_PRICES: PartPriceRecord,
    RecordKind.PRICE_LIST: PriceListRecord,
    RecordKind.REBATE_STATEMENT: RebateStatementLine,
}
"""The record class each kind carries."""
