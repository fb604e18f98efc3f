"""Neutral DMS records: validated on construction, stable fingerprints."""

from decimal import Decimal

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fours_domain.dms.records import (
    ManufacturerVehicleState,
    PartPriceRecord,
    PriceKind,
    PriceListRecord,
    RebateStatementLine,
    RecordKind,
    StockPositionRecord,
    VehicleInventoryRecord,
    fingerprint,
)
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.money import cny
from fours_domain.testing import strategies as fs


def test_record_kind_parses_user_spellings() -> None:
    assert RecordKind.parse("Part_Prices") is RecordKind.PART_PRICES
    with pytest.raises(InvariantViolation, match="known: vehicle-inventory"):
        RecordKind.parse("cars")


@pytest.mark.parametrize("raw", ["in transit", "IN-TRANSIT", " in_transit "])
def test_manufacturer_states_ignore_case_and_separators(raw: str) -> None:
    assert ManufacturerVehicleState.parse(raw) is ManufacturerVehicleState.IN_TRANSIT


def test_unknown_state_is_none() -> None:
    assert ManufacturerVehicleState.parse("TELEPORTED") is None


def test_negative_quantities_and_fractional_fen_are_refused() -> None:
    with pytest.raises(InvariantViolation, match="on_hand"):
        StockPositionRecord(part_number="A-1", on_hand=Decimal(-1))
    with pytest.raises(InvariantViolation, match="fractions of a fen"):
        PartPriceRecord(part_number="A-1", name="x", retail_price=cny("1.005"))
    with pytest.raises(InvariantViolation, match="negative"):
        PartPriceRecord(part_number="A-1", name="x", retail_price=cny("-1"))


@given(fs.vins())
def test_tax_cannot_exceed_the_invoice_price(vin: object) -> None:
    with pytest.raises(InvariantViolation, match="exceeds"):
        VehicleInventoryRecord(
            vin=vin,  # type: ignore[arg-type]
            spec=VehicleSpec("AUDI", "A6L"),
            state=ManufacturerVehicleState.IN_TRANSIT,
            manufacturer_state="IN_TRANSIT",
            invoice_price=cny(100),
            invoice_tax=cny(200),
        )


def test_price_window_must_not_end_before_it_starts() -> None:
    with pytest.raises(InvariantViolation, match="before"):
        PriceListRecord(
            spec=VehicleSpec("AUDI", "A6L"),
            kind=PriceKind.MSRP,
            amount=cny(1),
            valid_from=pendulum.Date(2026, 2, 1),
            valid_until=pendulum.Date(2026, 1, 1),
        )


def test_rebate_lines_may_be_negative_claw_backs() -> None:
    line = RebateStatementLine("S1", "1", "CLAWBACK", cny("-500.00"))
    assert line.key == "S1/1"


@given(st.from_regex(r"\A[A-C1-3][A-C1-3\-]{0,9}\Z"), st.decimals(0, 10_000, places=2))
def test_fingerprint_is_stable_and_content_sensitive(number: str, price: Decimal) -> None:
    a = PartPriceRecord(part_number=number, name="n", retail_price=cny(price))
    b = PartPriceRecord(part_number=number.lower(), name="n", retail_price=cny(price))
    c = PartPriceRecord(part_number=number, name="n", retail_price=cny(price + 1))
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint(c)
