"""Records bound what they carry: text widths equal to the columns their appliers write
(one source of truth, checked here), amounts within ``MAX_AMOUNT``, quantities within
``MAX_QUANTITY`` — refused on construction with the field named (ADR 0062)."""

from __future__ import annotations

import types
import typing
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, String

from fours_adapters.dms.generate import vin_for
from fours_adapters.sql.dms import tables as dms_tables
from fours_adapters.sql.inventory import tables as inv
from fours_adapters.sql.rebates import tables as reb
from fours_adapters.sql.vehicles import tables as veh
from fours_domain.dms.records import (
    MAX_QUANTITY,
    RECORD_TYPES,
    ManufacturerVehicleState,
    PartPriceRecord,
    RebateStatementLine,
    StockPositionRecord,
    VehicleInventoryRecord,
    VehicleOrderStatusRecord,
    text_widths,
)
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.money import MAX_AMOUNT, cny

#: Where the appliers write each bounded field of a record.
WRITTEN_TO: dict[tuple[type, str], list[Column[Any]]] = {
    (PartPriceRecord, "part_number"): [inv.parts.c.number],
    (PartPriceRecord, "name"): [inv.parts.c.name],
    (PartPriceRecord, "brand"): [inv.parts.c.supplier],
    (PartPriceRecord, "part_class"): [inv.parts.c.part_class],
    (StockPositionRecord, "part_number"): [
        inv.parts.c.number,
        dms_tables.positions.c.part_number,
    ],
    (StockPositionRecord, "name"): [inv.parts.c.name],
    (StockPositionRecord, "brand"): [inv.parts.c.supplier],
    (StockPositionRecord, "part_class"): [inv.parts.c.part_class],
    (StockPositionRecord, "dealer_code"): [dms_tables.positions.c.dealer_code],
    (StockPositionRecord, "bin"): [dms_tables.positions.c.location],
    (VehicleInventoryRecord, "order_number"): [veh.vehicles.c.order_number],
    (VehicleInventoryRecord, "allocation_number"): [veh.vehicles.c.allocation_number],
    (VehicleInventoryRecord, "carrier"): [veh.vehicles.c.carrier],
    (VehicleInventoryRecord, "invoice_number"): [veh.vehicles.c.invoice_number],
    (VehicleInventoryRecord, "colour_name"): [veh.vehicles.c.colour_name],
    (VehicleOrderStatusRecord, "order_number"): [veh.vehicles.c.order_number],
    (VehicleOrderStatusRecord, "allocation_number"): [veh.vehicles.c.allocation_number],
    (RebateStatementLine, "policy_code"): [reb.policies.c.id],
}


@pytest.mark.parametrize(("field", "columns"), WRITTEN_TO.items(), ids=str)
def test_records_and_tables_agree_on_widths(
    field: tuple[type, str], columns: list[Column[Any]]
) -> None:
    record_type, name = field
    width = text_widths(record_type)[name]
    for column in columns:
        assert isinstance(column.type, String)
        assert column.type.length == width, f"{record_type.__name__}.{name} vs {column}"


def _is_text(annotation: object) -> bool:
    hint = typing.get_origin(annotation)
    if annotation is str:
        return True
    if hint in (typing.Union, types.UnionType):
        return any(_is_text(arg) for arg in typing.get_args(annotation))
    return hint is tuple and typing.get_args(annotation)[0] is str


@pytest.mark.parametrize("record_type", sorted(set(RECORD_TYPES.values()), key=str))
def test_every_text_field_of_every_record_is_bounded(record_type: type) -> None:
    hints = typing.get_type_hints(record_type)
    text_fields = {f.name for f in attrs.fields(record_type) if _is_text(hints[f.name])}
    assert text_fields <= set(text_widths(record_type)), record_type.__name__


def _part(**fields: Any) -> PartPriceRecord:
    return PartPriceRecord(**{"part_number": "A-1", "name": "Filter", **fields})


@given(st.sampled_from(["name", "brand", "unit", "part_class"]), st.integers(-2, 2))
def test_a_text_one_character_too_long_is_refused_naming_its_field(field: str, slack: int) -> None:
    width = text_widths(PartPriceRecord)[field]
    value = "x" * (width + slack)
    if slack <= 0:
        assert getattr(_part(**{field: value}), field) == value
        return
    with pytest.raises(InvariantViolation) as refused:
        _part(**{field: value})
    assert refused.value.details["field"] == field
    assert f"at most {width}" in refused.value.message


@given(st.decimals(min_value=-MAX_AMOUNT * 10, max_value=MAX_AMOUNT * 10, places=2))
def test_amounts_are_bounded_by_the_documented_maximum(amount: Decimal) -> None:
    if abs(amount) <= MAX_AMOUNT:
        line = RebateStatementLine("S", "1", "P", cny(amount))
        assert line.amount == cny(amount)
    else:
        with pytest.raises(InvariantViolation, match="exceeds the maximum amount") as refused:
            RebateStatementLine("S", "1", "P", cny(amount))
        assert refused.value.details["field"] == "amount"
    if 0 <= amount <= MAX_AMOUNT:
        assert _part(retail_price=cny(amount)).retail_price == cny(amount)
    elif amount > MAX_AMOUNT:
        with pytest.raises(InvariantViolation) as too_big:
            _part(retail_price=cny(amount))
        assert too_big.value.details["field"] == "retail_price"


def test_quantities_are_bounded() -> None:
    assert StockPositionRecord("A-1", MAX_QUANTITY).on_hand == MAX_QUANTITY
    with pytest.raises(InvariantViolation, match="maximum quantity") as refused:
        StockPositionRecord("A-1", MAX_QUANTITY + 1)
    assert refused.value.details["field"] == "on_hand"


def test_option_codes_are_bounded_each() -> None:
    def car(*options: str) -> VehicleInventoryRecord:
        return VehicleInventoryRecord(
            vin=vin_for(1),
            spec=VehicleSpec("AUDI", "A6L"),
            state=ManufacturerVehicleState.ON_ORDER,
            manufacturer_state="ON_ORDER",
            options=options,
        )

    assert car("OK", "X" * 40).options == ("OK", "X" * 40)
    with pytest.raises(InvariantViolation, match="options is 41 characters"):
        car("OK", "X" * 41)
