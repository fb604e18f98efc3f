"""Rebate services on the in-memory fakes: lifecycle, netting, reconciliation, what-if."""

from decimal import Decimal

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from fours_domain.org import services as org
from fours_domain.rebates import services as svc
from fours_domain.rebates.model import (
    ClaimStatus,
    Clawback,
    ClawbackReason,
    PeriodKind,
    RebateKind,
    RebatePolicy,
    Target,
    Tier,
    TierBasis,
)
from fours_domain.rebates.reconciliation import Cause, Difference, StatementLine
from fours_domain.shared.catalogue import SpecPattern, VehicleSpec
from fours_domain.shared.ids import StoreId
from fours_domain.shared.money import cny
from fours_domain.shared.time import FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork

CLOCK = FixedClock(pendulum.datetime(2026, 10, 8, 10, tz="Asia/Shanghai"))
VINS = [f"LFV2A2BS{n:09d}" for n in range(1, 40)]


def _policy(**changes: object) -> RebatePolicy:
    base: dict[str, object] = {
        "id": "AUDI-Q3",
        "name": "Audi Q3 target rebate",
        "target": SpecPattern("AUDI"),
        "kind": RebateKind.INVOICE_PERCENT,
        "period": PeriodKind.QUARTER,
        "valid_from": pendulum.Date(2026, 7, 1),
        "valid_to": pendulum.Date(2026, 9, 30),
        "value": Decimal("0.01"),
        "tiers": (Tier(Decimal("1.0"), Decimal("0.02")),),
        "tier_basis": TierBasis.WHOLE_VOLUME,
        "targets": (Target(6),),
        "clawbacks": (Clawback(ClawbackReason.OUT_OF_TERRITORY, cny(1000)),),
    }
    base.update(changes)
    return RebatePolicy(**base)  # type: ignore[arg-type]


def _uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    org.create_group(uow, org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(uow, org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(uow, org.AddBrand("AUDI", "Audi", "FAW-VW")).unwrap()
    org.open_store(
        uow, org.OpenStore("SH01", "S", "EAST", "Asia/Shanghai", ("AUDI",)), CLOCK
    ).unwrap()
    svc.add_policy(uow, svc.AddPolicy(_policy())).unwrap()
    return uow


def _sell(uow: FakeUnitOfWork, n: int, month: int, first: int = 0) -> None:
    for i in range(first, first + n):
        day = pendulum.Date(2026, month, 1 + i % 28)
        svc.record_sale(
            uow,
            svc.RecordSale(
                "SH01", VINS[i], VehicleSpec("AUDI", "A6L"), day, cny("339000"), delivered_on=day
            ),
            CLOCK,
        ).unwrap()


def test_sales_fact_seam_pickup_then_sale_then_delivery() -> None:
    uow = _uow()
    spec = VehicleSpec("AUDI", "A6L")
    july = pendulum.Date(2026, 7, 3)
    pickup = svc.RecordPickup("SH01", VINS[0], spec, july, cny("280000"))
    svc.record_pickup(uow, pickup, CLOCK).unwrap()
    undelivered = svc.record_delivery(uow, svc.RecordDelivery("SH01", VINS[0], july), CLOCK)
    assert isinstance(undelivered, Failure)
    sale = svc.RecordSale("SH01", VINS[0], spec, july, cny("339000"))
    svc.record_sale(uow, sale, CLOCK).unwrap()
    delivery = svc.RecordDelivery("SH01", VINS[0], july.add(days=2))
    fact = svc.record_delivery(uow, delivery, CLOCK).unwrap()
    assert fact.picked_up_on == july and fact.purchase_cost == cny("280000")
    assert fact.pre_tax_price == cny("300000")
    missing = svc.record_sale(uow, svc.RecordSale("NOPE", VINS[1], spec, july, cny(1)), CLOCK)
    assert isinstance(missing, Failure) and missing.failure().code == "not_found"


def _confirm(uow: FakeUnitOfWork, period: str, amount: int | str | Decimal) -> None:
    cmd = svc.ConfirmRebate("SH01", "AUDI-Q3", period, cny(amount), "FAW notice")
    svc.confirm_rebate(uow, cmd, CLOCK).unwrap()


def test_estimate_confirm_settle_and_netting() -> None:
    uow = _uow()
    _sell(uow, 2, 7)
    july = svc.estimate_rebates(uow, svc.EstimateRebates("2026-07"), CLOCK).unwrap()
    # month target = 2: reached → 2 % of 300,000 on both cars
    assert july.total == cny(12000)
    unconfirmed = svc.settle_rebate(uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026-07"), CLOCK)
    assert "estimate only (12000.00): record the manufacturer's confirmation first" in (
        unconfirmed.failure().message
    )
    _confirm(uow, "2026-07", 12000)
    paid = svc.settle_rebate(uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026-07", "M7"), CLOCK)
    assert paid.unwrap().paid_now == cny(12000)
    _sell(uow, 3, 8, first=2)
    svc.estimate_rebates(uow, svc.EstimateRebates("2026-08"), CLOCK).unwrap()
    _confirm(uow, "2026-08", 18000)
    svc.settle_rebate(uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026-08"), CLOCK).unwrap()
    # quarter: 5 of 6 → base 1 % on 5 cars = 15,000; months paid 12,000 + 18,000
    quarter = svc.estimate_rebates(uow, svc.EstimateRebates("2026-Q3"), CLOCK).unwrap()
    assert quarter.total == cny(15000)
    _confirm(uow, "2026-Q3", 15000)
    outcome = svc.settle_rebate(uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026-Q3"), CLOCK).unwrap()
    assert outcome.already_settled == cny(30000) and outcome.paid_now == cny(-15000)
    again = svc.settle_rebate(uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026-Q3"), CLOCK).unwrap()
    assert again.paid_now == cny(0) and again.settlement is None
    late_month = svc.settle_rebate(uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026-09"), CLOCK)
    assert isinstance(late_month, Failure)
    claim = uow.rebates.get_claim(StoreId("SH01"), _policy().id, "2026-Q3")
    assert claim is not None and claim.status is ClaimStatus.SETTLED
    confirmed = svc.confirm_rebate(
        uow, svc.ConfirmRebate("SH01", "AUDI-Q3", "2026-Q3", cny(16000), "FAW notice 88"), CLOCK
    ).unwrap()
    assert confirmed.status is ClaimStatus.CONFIRMED
    top_up = svc.settle_rebate(uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026-Q3"), CLOCK)
    assert top_up.unwrap().paid_now == cny(1000)


@given(st.lists(st.integers(0, 50_000), min_size=1, max_size=3), st.integers(0, 200_000))
def test_settling_a_quarter_after_its_months_pays_exactly_the_difference(
    months: list[int], quarter: int
) -> None:
    uow = _uow()
    for i, amount in enumerate(months):
        key = f"2026-{7 + i:02d}"
        svc.confirm_rebate(
            uow, svc.ConfirmRebate("SH01", "AUDI-Q3", key, cny(amount)), CLOCK
        ).unwrap()
        svc.settle_rebate(uow, svc.SettleRebate("SH01", "AUDI-Q3", key), CLOCK).unwrap()
    svc.confirm_rebate(
        uow, svc.ConfirmRebate("SH01", "AUDI-Q3", "2026-Q3", cny(quarter)), CLOCK
    ).unwrap()
    first = svc.settle_rebate(uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026-Q3"), CLOCK).unwrap()
    second = svc.settle_rebate(uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026-Q3"), CLOCK).unwrap()
    assert first.paid_now == cny(quarter - sum(months))
    assert second.paid_now == cny(0)
    all_paid = sum(
        (s.amount.amount for c in uow.rebates.claims.values() for s in c.settlements), Decimal(0)
    )
    assert all_paid == quarter


def test_reconciliation_explains_each_car() -> None:
    uow = _uow()
    _sell(uow, 6, 7)
    flag = svc.FlagSale("SH01", VINS[5], ClawbackReason.OUT_OF_TERRITORY, note="跨区销售")
    svc.flag_sale(uow, flag, CLOCK).unwrap()
    estimate = svc.estimate_rebates(uow, svc.EstimateRebates("2026-Q3"), CLOCK).unwrap()
    # 5 counted of 6: base 1 % = 3,000 each; the flagged car costs 1,000
    assert estimate.total == cny(5 * 3000 - 1000)
    pid = _policy().id
    statement = (
        StatementLine(VINS[0], pid, cny(3000)),  # matches
        StatementLine(VINS[1], pid, cny(6000)),  # manufacturer counted 6 → 2 % tier
        StatementLine(VINS[2], pid, cny(-1000)),  # clawed back out of territory
        StatementLine(VINS[3], pid, cny("3000.03")),  # rounding
        StatementLine(VINS[5], pid, cny(3000)),  # they pay a car we clawed back
        StatementLine("LFV2A2BS999999999", pid, cny(500)),  # unknown car
        # VINS[4] missing on the statement
    )
    report = svc.reconcile_statement(uow, svc.ReconcileStatement("2026-Q3", statement)).unwrap()
    by_vin = {line.vin: line for line in report.lines}
    assert by_vin[VINS[0]].difference is Difference.MATCHED
    assert by_vin[VINS[1]].cause is Cause.TIER and "≥100%" in by_vin[VINS[1]].explanation
    assert by_vin[VINS[2]].cause is Cause.CLAWBACK
    assert by_vin[VINS[3]].cause is Cause.ROUNDING
    assert by_vin[VINS[5]].cause is Cause.CLAWBACK
    assert by_vin[VINS[4]].difference is Difference.MISSING_ON_STATEMENT
    assert by_vin["LFV2A2BS999999999"].cause is Cause.UNKNOWN_CAR
    assert report.ours_total == estimate.total
    assert report.difference == cny(sum((line.delta.amount for line in report.lines), Decimal(0)))


@given(st.lists(st.tuples(st.integers(0, 8), st.integers(-2000, 8000)), max_size=12))
def test_estimated_minus_statement_is_the_sum_of_reported_differences(
    lines: list[tuple[int, int]],
) -> None:
    uow = _uow()
    _sell(uow, 6, 8)
    estimate = svc.estimate_rebates(uow, svc.EstimateRebates("2026-Q3"), CLOCK).unwrap()
    statement = tuple(StatementLine(VINS[i], _policy().id, cny(a)) for i, a in lines)
    report = svc.reconcile_statement(uow, svc.ReconcileStatement("2026-Q3", statement)).unwrap()
    assert estimate.total - report.theirs_total == report.difference
    assert report.difference.amount == sum(
        (line.delta.amount for line in report.differences), Decimal(0)
    )
    assert sum((a for _, a in lines), 0) == report.theirs_total.amount


def test_what_if_names_models_units_and_worth() -> None:
    uow = _uow()
    _sell(uow, 4, 7)
    options = svc.what_if_rebates(uow, svc.WhatIf("AUDI-Q3", "2026-Q3", "SH01")).unwrap()
    assert len(options) == 1
    option = options[0]
    assert (option.model, option.extra_units, option.rung) == ("A6L", 2, "≥100%")
    # now 4 × 3,000; with 6 cars at 2 %: 6 × 6,000
    assert option.current_total == cny(12000) and option.total_then == cny(36000)
    assert option.gain == cny(24000)
    no_store = svc.what_if_rebates(uow, svc.WhatIf("AUDI-Q3", "2026-Q3"))
    assert isinstance(no_store, Failure)


def test_effective_vehicle_cost_after_rebates() -> None:
    uow = _uow()
    spec = VehicleSpec("AUDI", "A6L")
    day = pendulum.Date(2026, 7, 10)
    svc.record_sale(
        uow,
        svc.RecordSale("SH01", VINS[0], spec, day, cny("339000"), day, day, cny("316400")),
        CLOCK,
    ).unwrap()
    svc.estimate_rebates(uow, svc.EstimateRebates("2026-Q3"), CLOCK).unwrap()
    cost = svc.effective_vehicle_cost(uow, svc.VehicleCost("SH01", VINS[0])).unwrap()
    assert cost.purchase_pre_tax == cny(280000)
    assert cost.rebates == cny(3000)
    assert cost.effective_cost == cny(277000)
    assert cost.gross_margin == cny(23000)


def test_unknown_policy_and_duplicate_policy_are_refused() -> None:
    uow = _uow()
    assert isinstance(svc.add_policy(uow, svc.AddPolicy(_policy())), Failure)
    other_brand = _policy(id="BMW-Q3", target=SpecPattern("BMW"))
    unknown_brand = svc.add_policy(uow, svc.AddPolicy(other_brand))
    assert isinstance(unknown_brand, Failure) and unknown_brand.failure().code == "not_found"
    missing = svc.estimate_rebates(uow, svc.EstimateRebates("2026-Q3", ("NOPE",)), CLOCK)
    assert isinstance(missing, Failure) and missing.failure().code == "not_found"
    yearly = svc.settle_rebate(uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026"), CLOCK)
    assert isinstance(yearly, Failure)


@pytest.mark.parametrize("period", ["2026-Q3", "2026-07", "2026"])
def test_periods_for_a_monthly_policy(period: str) -> None:
    from fours_domain.rebates.model import Period

    monthly = _policy(period=PeriodKind.MONTH, valid_to=pendulum.Date(2026, 12, 31))
    keys = [p.key for p in svc.periods_for(monthly, Period.parse(period))]
    expected = {
        "2026-Q3": ["2026-07", "2026-08", "2026-09"],
        "2026-07": ["2026-07"],
        "2026": [f"2026-{m:02d}" for m in range(7, 13)],
    }[period]
    assert keys == expected
    assert isinstance(Success(keys), Success)


@given(
    lines=st.lists(st.tuples(st.integers(0, 8), st.integers(-2000, 8000)), max_size=12),
    paid_off=st.integers(-3000, 3000),
    payments=st.integers(1, 3),
)
def test_estimated_minus_settled_is_the_sum_of_reported_differences(
    lines: list[tuple[int, int]], paid_off: int, payments: int
) -> None:
    """The whole lifecycle: we estimate; the manufacturer's statement is reconciled, its
    total confirmed and paid — possibly short or over, in one or more payments. What we
    estimated minus what was settled is exactly what was reported as differences: the
    statement's, car by car, and what the last settlement reported as still outstanding."""
    uow = _uow()
    _sell(uow, 6, 8)
    estimate = svc.estimate_rebates(uow, svc.EstimateRebates("2026-Q3"), CLOCK).unwrap()
    statement = tuple(StatementLine(VINS[i], _policy().id, cny(a)) for i, a in lines)
    report = svc.reconcile_statement(uow, svc.ReconcileStatement("2026-Q3", statement)).unwrap()
    _confirm(uow, "2026-Q3", report.theirs_total.amount)
    for n in range(payments):
        paid = cny(report.theirs_total.amount + paid_off) if n == 0 else None
        last = svc.settle_rebate(
            uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026-Q3", f"pay {n}", paid), CLOCK
        ).unwrap()
        assert last.outstanding == last.due - last.paid_now
    claim = uow.rebates.get_claim(StoreId("SH01"), _policy().id, "2026-Q3")
    assert claim is not None
    car_by_car = sum((line.delta for line in report.lines), cny(0))
    assert estimate.total - claim.settled == car_by_car + last.outstanding
    assert claim.entitled - claim.settled == last.outstanding
    settled = ClaimStatus.SETTLED if last.outstanding == cny(0) else ClaimStatus.CONFIRMED
    assert claim.status is settled


def test_a_payment_short_of_the_confirmation_leaves_the_rest_open() -> None:
    uow = _uow()
    _sell(uow, 6, 8)
    svc.estimate_rebates(uow, svc.EstimateRebates("2026-Q3"), CLOCK).unwrap()
    _confirm(uow, "2026-Q3", 36000)
    short = svc.settle_rebate(
        uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026-Q3", "BANK-1", cny(30000)), CLOCK
    ).unwrap()
    assert (short.due, short.paid_now, short.difference, short.outstanding) == (
        cny(36000),
        cny(30000),
        cny(-6000),
        cny(6000),
    )
    claim = uow.rebates.get_claim(StoreId("SH01"), _policy().id, "2026-Q3")
    assert claim is not None and claim.status is ClaimStatus.CONFIRMED
    rest = svc.settle_rebate(uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026-Q3", "BANK-2"), CLOCK)
    assert rest.unwrap().paid_now == cny(6000)
    assert claim.status.value == "settled"
    assert [(s.amount, s.due) for s in claim.settlements] == [
        (cny(30000), cny(36000)),
        (cny(6000), cny(6000)),
    ]


def test_a_negative_confirmation_is_a_deduction() -> None:
    uow = _uow()
    _confirm(uow, "2026-Q3", -5000)
    outcome = svc.settle_rebate(uow, svc.SettleRebate("SH01", "AUDI-Q3", "2026-Q3"), CLOCK)
    assert outcome.unwrap().paid_now == cny(-5000)
