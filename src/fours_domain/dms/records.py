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
from fours_domain.shared.money import Money, check_amount, is_fen_exact
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


NAME_WIDTH = 200
"""Names and free text (part names, suppliers, order and invoice numbers, carriers)."""
CODE_WIDTH = 40
"""Codes (part numbers, dealer codes, bins, units, option and state codes)."""
CLASS_WIDTH = 32
"""Part class codes (配件类别)."""
ID_WIDTH = 64
"""Identifiers of things fours keeps by the manufacturer's id (rebate policy codes)."""
WIDTH = "fours.width"
"""``attrs`` metadata key: the most characters a text field of a record may hold.

Records and the tables their appliers write agree on these widths (a test checks
them), so a value too long for its column is rejected with its field and location
instead of failing in the database (ADR 0062)."""


def _width(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    limit = attribute.metadata[WIDTH]
    texts = value if isinstance(value, tuple) else (value,)
    for text in texts:
        if isinstance(text, str) and len(text) > limit:
            raise InvariantViolation(
                f"{attribute.name} is {len(text)} characters long; at most {limit} are allowed",
                field=attribute.name,
                width=limit,
            )


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


def _codes(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(values)


def optional_text(width: int) -> Any:
    """An optional text field of at most ``width`` characters (blank → None)."""
    return attrs.field(
        default=None, converter=_optional_text, validator=_width, metadata={WIDTH: width}
    )


def text_widths(record_type: type) -> dict[str, int]:
    """Field → the most characters it may hold, for every text field of ``record_type``.

    >>> text_widths(PartPriceRecord)["name"]
    200
    """
    return {
        field.name: field.metadata[WIDTH]
        for field in attrs.fields(record_type)
        if WIDTH in field.metadata
    }


def _check_money(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    assert isinstance(value, Money)
    name = attribute.name
    if str(value.currency) != "CNY":
        raise InvariantViolation(f"{name} must be in CNY, got {value.currency}", field=name)
    if not is_fen_exact(value):
        raise InvariantViolation(f"{name} {value.amount} has fractions of a fen", field=name)
    if value.amount < 0:
        raise InvariantViolation(f"{name} must not be negative, got {value.amount}", field=name)
    check_amount(value, name)


MAX_QUANTITY = Decimal(1_000_000_000)
"""The largest stock quantity a record may carry (a billion units: far above any store's
stock of one part, within the 32-bit integers of the stock tables)."""


def _check_quantity(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    assert isinstance(value, Decimal)
    name = attribute.name
    if not value.is_finite() or value < 0:
        raise InvariantViolation(f"{name} must be a non-negative number, got {value}", field=name)
    if value > MAX_QUANTITY:
        raise InvariantViolation(
            f"{name} {value} exceeds the maximum quantity {MAX_QUANTITY}", field=name
        )


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
    manufacturer_state: str = attrs.field(validator=_width, metadata={WIDTH: CODE_WIDTH})
    dealer_code: str | None = optional_text(CODE_WIDTH)
    order_number: str | None = optional_text(NAME_WIDTH)
    allocation_number: str | None = optional_text(NAME_WIDTH)
    ship_date: Date | None = None
    eta: Date | None = None
    carrier: str | None = optional_text(NAME_WIDTH)
    invoice_number: str | None = optional_text(NAME_WIDTH)
    invoice_price: Money | None = attrs.field(default=None, validator=_check_money)
    invoice_tax: Money | None = attrs.field(default=None, validator=_check_money)
    options: tuple[str, ...] = attrs.field(
        default=(), converter=_codes, validator=_width, metadata={WIDTH: CODE_WIDTH}
    )
    colour_name: str | None = optional_text(NAME_WIDTH)

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

    order_number: str = attrs.field(converter=_text, validator=_width, metadata={WIDTH: NAME_WIDTH})
    state: ManufacturerVehicleState
    manufacturer_state: str = attrs.field(validator=_width, metadata={WIDTH: CODE_WIDTH})
    vin: Vin | None = None
    dealer_code: str | None = optional_text(CODE_WIDTH)
    status_date: Date | None = None
    eta: Date | None = None
    allocation_number: str | None = optional_text(NAME_WIDTH)
    """The manufacturer's allocation number (配车单号), once the order has a car."""

    @property
    def key(self) -> str:
        return self.order_number if self.vin is None else f"{self.order_number}/{self.vin}"


@attrs.frozen
class PartPriceRecord:
    """A catalogue entry of a parts price file: the part and its prices (tax-inclusive)."""

    part_number: PartNumber = attrs.field(converter=part_number, metadata={WIDTH: CODE_WIDTH})
    name: str = attrs.field(converter=_text, validator=_width, metadata={WIDTH: NAME_WIDTH})
    brand: str | None = optional_text(NAME_WIDTH)
    retail_price: Money | None = attrs.field(default=None, validator=_check_money)
    dealer_price: Money | None = attrs.field(default=None, validator=_check_money)
    unit: str | None = optional_text(CODE_WIDTH)
    effective_from: Date | None = None
    part_class: str | None = optional_text(CLASS_WIDTH)
    """The manufacturer's part category (配件类别), when the file has one."""

    @property
    def key(self) -> str:
        return self.part_number


@attrs.frozen
class StockPositionRecord:
    """How many of a part a dealer holds, per the manufacturer's DMS (配件库存), with
    what the DMS knows of the part (name, class, maker, prices).

    ``unit_price`` is the DMS's unit price of the stock — the dealer's cost (STAR
    ``UnitPriceAmount``); ``list_price`` its retail price, when the export has one.
    ``incremental`` marks a position from an incremental inventory (STAR
    ``InventoryTypeCode`` "Incremental"): it updates the positions it names and leaves
    the store's others alone, where a full inventory replaces them (ADR 0061).
    """

    part_number: PartNumber = attrs.field(converter=part_number, metadata={WIDTH: CODE_WIDTH})
    on_hand: Decimal = attrs.field(validator=_check_quantity)
    dealer_code: str | None = optional_text(CODE_WIDTH)
    bin: str | None = optional_text(CODE_WIDTH)
    reserved: Decimal | None = attrs.field(default=None, validator=_check_quantity)
    on_order: Decimal | None = attrs.field(default=None, validator=_check_quantity)
    unit_price: Money | None = attrs.field(default=None, validator=_check_money)
    name: str | None = optional_text(NAME_WIDTH)
    part_class: str | None = optional_text(CLASS_WIDTH)
    brand: str | None = optional_text(NAME_WIDTH)
    """The part's maker (STAR ``PartManufacturer``): the catalogue's supplier."""
    list_price: Money | None = attrs.field(default=None, validator=_check_money)
    back_ordered: Decimal | None = attrs.field(default=None, validator=_check_quantity)
    last_sold_on: Date | None = None
    last_received_on: Date | None = None
    as_of: Date | None = None
    """The day of the DMS's figures (STAR ``PartsInventoryHeader/DocumentDateTime``)."""
    incremental: bool = False

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

    statement_id: str = attrs.field(converter=_text, validator=_width, metadata={WIDTH: NAME_WIDTH})
    line_id: str = attrs.field(converter=_text, validator=_width, metadata={WIDTH: CODE_WIDTH})
    policy_code: str = attrs.field(converter=_text, validator=_width, metadata={WIDTH: ID_WIDTH})
    amount: Money
    dealer_code: str | None = optional_text(CODE_WIDTH)
    vin: Vin | None = None
    period: str | None = optional_text(CODE_WIDTH)

    def __attrs_post_init__(self) -> None:
        # Claw-backs are negative lines: no sign check, but fen exactness, CNY and magnitude.
        if str(self.amount.currency) != "CNY" or not is_fen_exact(self.amount):
            raise InvariantViolation(
                f"rebate amount {self.amount} must be CNY to the fen", field="amount"
            )
        check_amount(self.amount, "amount")

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
