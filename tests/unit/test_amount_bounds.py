"""Arithmetic that could pass the maximum amount is refused by the domain, before storage
(ADR 0074): quantity × unit price, a quote's total, tier value × volume, a claim."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure

from fours_domain.pricing.quotes import LineKind, QuoteLine
from fours_domain.rebates.model import (
    Clawback,
    ClawbackReason,
    Comparison,
    Kpi,
    KpiRule,
    RebateClaim,
    SaleFact,
    policy_id,
)
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import DomainError, InvariantViolation
from fours_domain.shared.ids import StoreId
from fours_domain.shared.money import MAX_AMOUNT, Money, cny
from fours_domain.testing.strategies import vins
from fours_domain.testing.strategies_pricing import quotes
from tests.unit.rebates.test_calculation import _facts, _policy, _run

TOP = cny(MAX_AMOUNT)
HUGE = cny(Decimal("1E30"))


@given(st.integers(1, 10_000), st.integers(1, int(MAX_AMOUNT * 100)))
def test_a_line_total_is_within_the_maximum_or_refused(quantity: int, fen: int) -> None:
    unit = Money(Decimal(fen).scaleb(-2), "CNY")
    if unit.amount * quantity > MAX_AMOUNT:
        with pytest.raises(InvariantViolation, match="line total") as refused:
            QuoteLine(LineKind.FEE, "fee", unit, quantity)
        assert refused.value.details["field"] == "line total"
    else:
        line = QuoteLine(LineKind.FEE, "fee", unit, quantity)
        assert abs(line.split.gross.amount) <= MAX_AMOUNT


def test_a_unit_price_beyond_the_maximum_is_refused_not_an_invalid_operation() -> None:
    with pytest.raises(InvariantViolation, match="exceeds the maximum"):
        QuoteLine(LineKind.FEE, "fee", HUGE)


@given(quotes())
def test_a_quote_total_beyond_the_maximum_is_refused(quote) -> None:  # type: ignore[no-untyped-def]
    added = [quote.add_line(QuoteLine(LineKind.SERVICE, "big", TOP)) for _ in range(3)]
    assert abs(quote.totals.gross.amount) <= MAX_AMOUNT
    refused = [a.failure() for a in added if isinstance(a, Failure)]
    assert refused, "three maximal lines cannot all fit"
    assert all(isinstance(e, DomainError) and "maximum amount" in e.message for e in refused)


def test_a_policy_cannot_pay_more_than_the_maximum_per_car() -> None:
    with pytest.raises(InvariantViolation, match="maximum amount"):
        _policy(value=Decimal("1E30"), tiers=())
    with pytest.raises(InvariantViolation, match=r"cap .* exceeds the maximum"):
        _policy(cap=HUGE)
    with pytest.raises(InvariantViolation, match=r"penalty .* exceeds the maximum"):
        Clawback(ClawbackReason.OUT_OF_TERRITORY, HUGE)


def test_a_rebate_total_beyond_the_maximum_is_refused_cleanly() -> None:
    # Each car earns at most the maximum, but a KPI multiplier and a volume pass it.
    rule = KpiRule(Kpi.CSI, Comparison.AT_LEAST, Decimal(0), met_factor=Decimal(1000))
    policy = _policy(value=MAX_AMOUNT, tiers=(), kpi_rules=(rule,))
    with pytest.raises(InvariantViolation, match=r"exceeds the maximum amount|would exceed"):
        _run(policy, _facts(3), {(StoreId("SH01"), Kpi.CSI): Decimal(90)})
    policy = _policy(value=Decimal(5_000_000_000), tiers=())
    with pytest.raises(InvariantViolation, match="would exceed the maximum amount"):
        _run(policy, _facts(3))
    assert _run(policy, _facts(1)).units[0].total == cny(5_000_000_000)


@given(vins())
def test_sales_facts_and_claims_refuse_oversized_amounts(vin) -> None:  # type: ignore[no-untyped-def]
    spec = VehicleSpec("AUDI", "A6L")
    with pytest.raises(InvariantViolation, match=r"invoice_price .* exceeds the maximum"):
        SaleFact(StoreId("SH01"), vin, spec, invoice_price=HUGE)
    with pytest.raises(InvariantViolation, match=r"purchase_cost .* exceeds the maximum"):
        SaleFact(StoreId("SH01"), vin, spec, purchase_cost=HUGE)
    claim = RebateClaim(StoreId("SH01"), policy_id("P"), "2026-Q3")
    with pytest.raises(InvariantViolation, match=r"confirmed amount .* exceeds"):
        claim.confirm(HUGE, "", None)  # type: ignore[arg-type]
    claim.confirm(cny(100), "", None)  # type: ignore[arg-type]
    with pytest.raises(InvariantViolation, match=r"paid amount .* exceeds"):
        claim.settle(cny(0), "", None, paid=HUGE)  # type: ignore[arg-type]
