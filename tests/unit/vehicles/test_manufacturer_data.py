"""The manufacturer's invoice on a car: stored as sent, its tax explained by its VAT rate
to the fen, or refused (ADR 0068)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.money import FEN, STATUTORY_VAT_RATES, VAT_13, Money, VatRate, cny
from fours_domain.testing import strategies as fs
from fours_domain.vehicles.model import ManufacturerData


@given(fs.cny_amounts(min_value="1.00"), st.sampled_from(STATUTORY_VAT_RATES))
def test_an_invoice_keeps_its_tax_and_gets_the_rate_that_explains_it(
    price: Money, rate: VatRate
) -> None:
    tax = rate.split_inclusive(price).vat
    data = ManufacturerData.from_invoice(invoice_price=price, invoice_tax=tax, invoice_number="F1")
    assert (data.invoice_price, data.invoice_tax, data.invoice_number) == (price, tax, "F1")
    assert abs(data.vat_rate.split_inclusive(price).vat.amount - tax.amount) <= FEN


@given(fs.cny_amounts(min_value="10000.00"), st.integers(2, 100_000))
def test_a_tax_no_rate_explains_is_refused_naming_the_field(price: Money, off_fen: int) -> None:
    tax = VAT_13.split_inclusive(price).vat + Money(off_fen * FEN, "CNY")
    if any(
        abs(r.split_inclusive(price).vat.amount - tax.amount) <= FEN for r in STATUTORY_VAT_RATES
    ):
        return
    with pytest.raises(InvariantViolation) as refused:
        ManufacturerData.from_invoice(invoice_price=price, invoice_tax=tax)
    assert refused.value.details["field"] == "invoice_tax"
    assert str(tax.amount) in refused.value.message


def test_the_issue_example_is_refused_with_both_figures() -> None:
    with pytest.raises(InvariantViolation, match=r"1000\.00 on a price of 398000\.00.*45787\.61"):
        ManufacturerData.from_invoice(invoice_price=cny("398000.00"), invoice_tax=cny("1000.00"))


@pytest.mark.parametrize(
    ("price", "tax", "problem"),
    [
        (None, "100.00", "without an invoice price"),
        ("100.00", "-1.00", "between 0 and the price"),
        ("100.00", "100.01", "between 0 and the price"),
        ("-1.00", None, "must not be negative"),
    ],
)
def test_impossible_invoices_are_refused(price: str | None, tax: str | None, problem: str) -> None:
    with pytest.raises(InvariantViolation, match=problem):
        ManufacturerData(
            invoice_price=None if price is None else cny(price),
            invoice_tax=None if tax is None else cny(tax),
        )


def test_a_stated_tax_is_the_split_and_without_one_the_rate_decides() -> None:
    from fours_domain.testing.strategies_vehicles import build_vehicle
    from fours_domain.vehicles.lifecycle import VehicleState

    car = build_vehicle(VehicleState.IN_TRANSIT)
    car.set_manufacturer_data(
        ManufacturerData.from_invoice(invoice_price=cny("398000.00"), invoice_tax=cny("45787.62"))
    )
    split = car.invoice_split
    assert split is not None and (split.net, split.vat) == (cny("352212.38"), cny("45787.62"))
    car.set_manufacturer_data(ManufacturerData(invoice_price=cny("398000.00")))
    split = car.invoice_split
    assert split is not None and split.vat == cny("45787.61")
