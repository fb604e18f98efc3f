"""Sales facts (the accrual base): recorded once, corrected only on purpose, never invented;
the car's own VAT rate; claw-back flags with reasons; policies added whole (ADRs 0046, 0049)."""

from decimal import Decimal

import pendulum
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from fours_domain.org import services as org
from fours_domain.rebates import services as svc
from fours_domain.rebates.model import (
    ClawbackReason,
    PeriodKind,
    RebateError,
    RebateKind,
    RebatePolicy,
    SaleAction,
    Target,
)
from fours_domain.shared.catalogue import SpecPattern, VehicleSpec
from fours_domain.shared.errors import (
    AlreadyExists,
    IllegalTransition,
    InvariantViolation,
    NotFound,
)
from fours_domain.shared.ids import StoreId
from fours_domain.shared.money import VAT_13, VatRate, cny
from fours_domain.shared.time import FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork

CLOCK = FixedClock(pendulum.datetime(2026, 10, 8, 10, tz="Asia/Shanghai"))
VIN = "LFV2A2BS000000001"
A6L = VehicleSpec("AUDI", "A6L")
JULY = pendulum.Date(2026, 7, 3)
AUGUST = pendulum.Date(2026, 8, 20)


def _uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    org.create_group(uow, org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(uow, org.AddRegion("EAST", "East")).unwrap()
    for brand in ("AUDI", "BYD"):
        org.add_brand(uow, org.AddBrand(brand, brand, "OEM")).unwrap()
    org.open_store(
        uow, org.OpenStore("SH01", "S", "EAST", "Asia/Shanghai", ("AUDI",)), CLOCK
    ).unwrap()
    return uow


def _policy(**changes: object) -> RebatePolicy:
    base: dict[str, object] = {
        "id": "AUDI-Q3-PICKUP",
        "name": "pick-up bonus",
        "target": SpecPattern("AUDI"),
        "kind": RebateKind.PICKUP_BONUS,
        "period": PeriodKind.QUARTER,
        "valid_from": pendulum.Date(2026, 7, 1),
        "valid_to": pendulum.Date(2026, 9, 30),
        "value": Decimal(1500),
    }
    base.update(changes)
    return RebatePolicy(**base)  # type: ignore[arg-type]


def _sale(**changes: object) -> svc.RecordSale:
    base: dict[str, object] = {
        "store_id": "SH01",
        "vin": VIN,
        "spec": A6L,
        "sold_on": AUGUST,
        "invoice_price": cny(339000),
    }
    base.update(changes)
    return svc.RecordSale(**base)  # type: ignore[arg-type]


def test_a_cost_without_a_pickup_day_records_the_cost_only() -> None:
    uow = _uow()
    svc.add_policy(uow, svc.AddPolicy(_policy())).unwrap()
    fact = svc.record_sale(uow, _sale(purchase_cost=cny(316400)), CLOCK).unwrap()
    assert fact.picked_up_on is None and fact.purchase_cost == cny(316400)
    estimate = svc.estimate_rebates(uow, svc.EstimateRebates("2026-Q3"), CLOCK).unwrap()
    assert estimate.total == cny(0)  # no pick-up recorded: no pick-up bonus, in no quarter
    picked = svc.record_pickup(uow, svc.RecordPickup("SH01", VIN, None, JULY), CLOCK).unwrap()
    assert picked.picked_up_on == JULY
    assert svc.estimate_rebates(uow, svc.EstimateRebates("2026-Q3"), CLOCK).unwrap().total == cny(
        1500
    )


def test_recording_a_sale_again_is_refused_unless_corrected_with_a_reason() -> None:
    uow = _uow()
    svc.record_sale(uow, _sale(), CLOCK).unwrap()
    same = svc.record_sale(uow, _sale(), CLOCK)
    assert isinstance(same, Success) and uow.rebates.amendments(StoreId("SH01"), VIN) == []
    other = svc.record_sale(uow, _sale(invoice_price=cny(338000)), CLOCK).failure()
    assert isinstance(other, svc.SaleAlreadyRecorded) and other.code == "already_recorded"
    assert "invoice_price 339000.00 → 338000.00" in other.message
    assert "pass --correct with --reason" in other.message
    spec = svc.record_sale(uow, _sale(spec=VehicleSpec("AUDI", "A4L")), CLOCK).failure()
    assert "spec AUDI/A6L/*/*/* → AUDI/A4L/*/*/*" in spec.message
    no_reason = svc.record_sale(uow, _sale(invoice_price=cny(338000), correct=True), CLOCK)
    assert "needs a reason" in no_reason.failure().message
    corrected = svc.record_sale(
        uow, _sale(invoice_price=cny(338000), correct=True, reason="开票更正"), CLOCK
    ).unwrap()
    assert corrected.invoice_price == cny(338000)
    [amendment] = uow.rebates.amendments(StoreId("SH01"), VIN)
    assert (amendment.action, amendment.reason, amendment.detail, amendment.at) == (
        SaleAction.CORRECTED,
        "开票更正",
        "invoice_price 339000.00 → 338000.00",
        CLOCK.now(),
    )
    nothing = svc.record_sale(
        uow, _sale(invoice_price=cny(338000), correct=True, reason="x"), CLOCK
    )
    assert "nothing to correct" in nothing.failure().message
    late = svc.record_sale(
        uow, _sale(delivered_on=AUGUST.subtract(days=1), correct=True, reason="x"), CLOCK
    )
    assert isinstance(late.failure(), IllegalTransition)
    assert uow.rebates.get_sale(StoreId("SH01"), VIN).invoice_price == cny(338000)  # type: ignore[union-attr]


def test_brands_must_be_known_and_sold_by_the_store() -> None:
    uow = _uow()
    unknown = svc.record_sale(uow, _sale(spec=VehicleSpec("NOPE", "X")), CLOCK).failure()
    assert isinstance(unknown, NotFound) and unknown.message == "brand NOPE not found"
    elsewhere = svc.record_sale(uow, _sale(spec=VehicleSpec("BYD", "HAN")), CLOCK).failure()
    assert isinstance(elsewhere, RebateError)
    assert elsewhere.message == "store SH01 does not sell BYD (it sells AUDI)"
    pickup = svc.record_pickup(uow, svc.RecordPickup("SH01", VIN, None, JULY), CLOCK).failure()
    assert "give its --brand and --model" in pickup.message
    assert uow.rebates.sales == {}


def test_a_pickup_is_recorded_alone_and_corrected_only_on_purpose() -> None:
    uow = _uow()
    first = svc.RecordPickup("SH01", VIN, A6L, JULY, cny(280000))
    svc.record_pickup(uow, first, CLOCK).unwrap()
    again = svc.record_pickup(uow, svc.RecordPickup("SH01", VIN, None, JULY.add(days=1)), CLOCK)
    assert "picked_up_on 2026-07-03 → 2026-07-04" in again.failure().message
    fixed = svc.RecordPickup(
        "SH01", VIN, None, JULY.add(days=1), correct=True, reason="提车单日期错"
    )
    assert svc.record_pickup(uow, fixed, CLOCK).unwrap().picked_up_on == JULY.add(days=1)
    # a sale onto the picked-up car fills in, without a correction
    sold = svc.record_sale(uow, _sale(), CLOCK).unwrap()
    assert (sold.picked_up_on, sold.sold_on) == (JULY.add(days=1), AUGUST)
    assert [a.action for a in uow.rebates.amendments(StoreId("SH01"), VIN)] == [
        SaleAction.CORRECTED
    ]


def test_flags_are_set_and_cleared_with_a_reason() -> None:
    uow = _uow()
    svc.record_sale(uow, _sale(), CLOCK).unwrap()
    oot = ClawbackReason.OUT_OF_TERRITORY
    why = svc.flag_sale(uow, svc.FlagSale("SH01", VIN, oot), CLOCK).failure()
    assert isinstance(why, InvariantViolation) and "--reason" in why.message
    flagged = svc.flag_sale(uow, svc.FlagSale("SH01", VIN, oot, note="跨区"), CLOCK).unwrap()
    assert flagged.clawback_reasons == {oot}
    svc.flag_sale(uow, svc.FlagSale("SH01", VIN, oot, note="again"), CLOCK).unwrap()  # no-op
    cleared = svc.flag_sale(uow, svc.FlagSale("SH01", VIN, oot, False, "申诉成功"), CLOCK)
    assert cleared.unwrap().clawback_reasons == frozenset()
    history = uow.rebates.amendments(StoreId("SH01"), VIN)
    assert [(a.seq, a.action, a.reason, a.detail) for a in history] == [
        (1, SaleAction.FLAGGED, "跨区", "out_of_territory"),
        (2, SaleAction.CLEARED, "申诉成功", "out_of_territory"),
    ]
    record = svc.sale_record(uow, "sh01", VIN).unwrap()
    assert record.amendments == tuple(history)
    missing = svc.flag_sale(uow, svc.FlagSale("SH01", "LFV2A2BS000000002", oot, note="x"), CLOCK)
    assert isinstance(missing.failure(), NotFound)


@given(
    price=st.integers(100_000_00, 600_000_00),
    rate=st.sampled_from(["0.13", "0.09", "0.06", "0.03", "0"]),
)
def test_the_pre_tax_price_is_taken_at_the_cars_own_rate(price: int, rate: str) -> None:
    uow = _uow()
    percent = _policy(id="AUDI-Q3-PCT", kind=RebateKind.INVOICE_PERCENT, value=Decimal("0.01"))
    svc.add_policy(uow, svc.AddPolicy(percent)).unwrap()
    invoice = cny(Decimal(price) / 100)
    vat = VatRate(rate)
    fact = svc.record_sale(
        uow, _sale(invoice_price=invoice, delivered_on=AUGUST, vat_rate=vat), CLOCK
    ).unwrap()
    net = vat.split_inclusive(invoice).net
    assert fact.pre_tax_price == net and fact.vat_rate == vat
    estimate = svc.estimate_rebates(uow, svc.EstimateRebates("2026-Q3"), CLOCK).unwrap()
    expected = (net.amount * Decimal("0.01")).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    assert estimate.total == cny(expected)


def test_a_sale_keeps_the_standard_rate_unless_told() -> None:
    uow = _uow()
    assert svc.record_sale(uow, _sale(), CLOCK).unwrap().vat_rate == VAT_13


def test_policies_are_added_whole_or_not_at_all() -> None:
    uow = _uow()
    good = _policy()
    stranger = _policy(id="AUDI-Q3-B", targets=(Target(5, StoreId("NOPE")),))
    refused = svc.add_policies(uow, svc.AddPolicies((good, stranger))).failure()
    assert isinstance(refused, NotFound) and refused.code == "not_found"
    assert refused.message == "policy AUDI-Q3-B: store NOPE not found"
    twice = svc.add_policies(uow, svc.AddPolicies((good, good))).failure()
    assert isinstance(twice, AlreadyExists) and "twice" in twice.message
    brand = svc.add_policies(uow, svc.AddPolicies((_policy(target=SpecPattern("BMW")),)))
    assert brand.failure().message == "policy AUDI-Q3-PICKUP: brand BMW not found"
    assert uow.rebates.policies == {}
    assert isinstance(svc.add_policies(uow, svc.AddPolicies((good,))), Success)
    reused = svc.add_policies(uow, svc.AddPolicies((_policy(id="X-2"), good))).failure()
    assert isinstance(reused, AlreadyExists) and set(uow.rebates.policies) == {good.id}


def test_estimating_an_unknown_brand_is_not_found() -> None:
    uow = _uow()
    refused = svc.estimate_rebates(uow, svc.EstimateRebates("2026-Q3", brand="NOPE"), CLOCK)
    assert isinstance(refused, Failure) and refused.failure().message == "brand NOPE not found"
    assert svc.estimate_rebates(
        uow, svc.EstimateRebates("2026-Q3", brand="byd"), CLOCK
    ).unwrap().total == cny(0)
