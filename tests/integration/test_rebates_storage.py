"""Rebates storage on SQLite and PostgreSQL: facts, policies, claims, settlements."""

from decimal import Decimal

import attrs
import pendulum
from hypothesis import HealthCheck, given, settings
from sqlalchemy import delete

from fours_adapters.bootstrap import FoursApp
from fours_adapters.sql.rebates import tables as rt
from fours_adapters.sql.rebates.converters import (
    policy_from_json,
    policy_to_json,
    structure_policy,
    unstructure_policy,
)
from fours_domain.org import services as org
from fours_domain.rebates import services as svc
from fours_domain.rebates.model import (
    ClaimStatus,
    Clawback,
    ClawbackReason,
    Comparison,
    Kpi,
    KpiRule,
    PeriodKind,
    RebateKind,
    RebatePolicy,
    SaleAction,
    SaleFact,
    Target,
    TargetScope,
    Tier,
    TierBasis,
)
from fours_domain.rebates.reconciliation import Cause, StatementLine
from fours_domain.shared.catalogue import SpecPattern, VehicleSpec
from fours_domain.shared.ids import BrandCode, StoreId
from fours_domain.shared.money import VatRate, cny
from fours_domain.testing.strategies import fact_lists, rebate_policies

VINS = [f"LFV2A2BS{n:09d}" for n in range(1, 30)]


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(rebate_policies())
def test_policy_definitions_round_trip_through_the_converter(policy: RebatePolicy) -> None:
    assert structure_policy(unstructure_policy(policy)) == policy
    assert policy_from_json(policy_to_json(policy)) == policy


def _fields(fact: SaleFact) -> tuple[object, ...]:
    return tuple(getattr(fact, f.name) for f in attrs.fields(SaleFact))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(facts=fact_lists(stores=("SH01", "HZ01")))
def test_sale_facts_round_trip_with_their_vat_rate(app: FoursApp, facts: list[SaleFact]) -> None:
    with app.uow() as uow:
        seeded = uow.org.get_group() is not None
    if not seeded:
        _seed(app)
    with app.uow() as uow:
        uow.session.execute(delete(rt.sales))
        for fact in facts:
            uow.rebates.save_sale(fact)
        uow.commit()
    with app.uow() as uow:
        for fact in facts:
            loaded = uow.rebates.get_sale(fact.store_id, fact.vin.value)
            assert loaded is not None and _fields(loaded) == _fields(fact)
        listed = uow.rebates.sales_by_vin([f.vin.value for f in facts])
        assert sorted(map(_fields, listed), key=str) == sorted(map(_fields, facts), key=str)


def test_converter_reads_percentages_and_refuses_floats() -> None:
    data = {
        "id": "x",
        "name": "n",
        "target": {"brand": "audi", "model": "a6l"},
        "kind": "invoice_percent",
        "period": "quarter",
        "valid_from": "2026-07-01",
        "valid_to": "2026-09-30",
        "value": "1.5%",
    }
    assert structure_policy(data).value == Decimal("0.015")
    import pytest

    from fours_domain.shared.errors import InvariantViolation

    with pytest.raises(InvariantViolation):
        structure_policy({**data, "value": 0.015})
    with pytest.raises(InvariantViolation, match="kind"):
        structure_policy({**data, "kind": "bogus"})


def _policy() -> RebatePolicy:
    q3 = (pendulum.Date(2026, 7, 1), pendulum.Date(2026, 9, 30))
    return RebatePolicy(
        id="AUDI-2026Q3",
        name="奥迪三季度达标返利",
        target=SpecPattern("AUDI"),
        kind=RebateKind.INVOICE_PERCENT,
        period=PeriodKind.QUARTER,
        valid_from=q3[0],
        valid_to=q3[1],
        value=Decimal("0.01"),
        tiers=(Tier(Decimal("1"), Decimal("0.02")),),
        tier_basis=TierBasis.WHOLE_VOLUME,
        scope=TargetScope.GROUP,
        targets=(Target(4),),
        kpi_rules=(KpiRule(Kpi.CSI, Comparison.AT_LEAST, Decimal(85)),),
        clawbacks=(Clawback(ClawbackReason.BAD_CUSTOMER_DATA, cny(500)),),
        cap=cny(1_000_000),
    )


def _seed(app: FoursApp) -> None:
    org.create_group(app.uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(app.uow(), org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(app.uow(), org.AddBrand("AUDI", "Audi", "FAW-VW")).unwrap()
    for store in ("SH01", "HZ01"):
        org.open_store(
            app.uow(), org.OpenStore(store, store, "EAST", "Asia/Shanghai", ("AUDI",)), app.clock
        ).unwrap()
    svc.add_policy(app.uow(), svc.AddPolicy(_policy())).unwrap()


def test_rebate_lifecycle_is_stored(app: FoursApp) -> None:
    _seed(app)
    with app.uow() as uow:
        assert uow.rebates.get_policy(_policy().id) == _policy()
    for i, store in enumerate(["SH01", "SH01", "HZ01", "HZ01"]):
        day = pendulum.Date(2026, 8, 3 + i)
        svc.record_sale(
            app.uow(),
            svc.RecordSale(
                store,
                VINS[i],
                VehicleSpec("AUDI", "A6L", trim="45TFSI"),
                day,
                cny("339000"),
                delivered_on=day,
                purchase_cost=cny("316400"),
                vat_rate=VatRate("0.13") if i else VatRate("13%"),
            ),
            app.clock,
        ).unwrap()
    for store in ("SH01", "HZ01"):
        svc.record_kpi(
            app.uow(), svc.RecordKpi(store, "2026-Q3", Kpi.CSI, Decimal("91.5"))
        ).unwrap()
    estimate = svc.estimate_rebates(app.uow(), svc.EstimateRebates("2026-Q3"), app.clock).unwrap()
    assert estimate.total == cny(4 * 6000)  # group target 4 reached → 2 % of 300,000
    with app.uow() as uow:
        claim = uow.rebates.get_claim(StoreId("SH01"), _policy().id, "2026-Q3")
        assert claim is not None and claim.estimated == cny(12000)
        assert [a.vin for a in claim.accruals] == VINS[:2]
        assert claim.accruals[0].unit_value == Decimal("0.02")
    # re-estimating replaces the accruals (same keys) without conflicts
    svc.estimate_rebates(app.uow(), svc.EstimateRebates("2026-Q3"), app.clock).unwrap()
    svc.confirm_rebate(
        app.uow(), svc.ConfirmRebate("SH01", _policy().id, "2026-Q3", cny(11500), "N-1"), app.clock
    ).unwrap()
    first = svc.settle_rebate(
        app.uow(),
        svc.SettleRebate("SH01", _policy().id, "2026-Q3", "BANK-1", cny(11000)),
        app.clock,
    ).unwrap()
    assert (first.paid_now, first.outstanding) == (cny(11000), cny(500))
    rest = svc.settle_rebate(
        app.uow(), svc.SettleRebate("SH01", _policy().id, "2026-Q3", "BANK-2"), app.clock
    ).unwrap()
    again = svc.settle_rebate(
        app.uow(), svc.SettleRebate("SH01", _policy().id, "2026-Q3"), app.clock
    ).unwrap()
    assert (rest.paid_now, again.paid_now) == (cny(500), cny(0))
    with app.uow() as uow:
        claim = uow.rebates.get_claim(StoreId("SH01"), _policy().id, "2026-Q3")
        assert claim is not None and claim.status is ClaimStatus.SETTLED
        assert [(s.seq, s.amount, s.due, s.reference) for s in claim.settlements] == [
            (1, cny(11000), cny(11500), "BANK-1"),
            (2, cny(500), cny(500), "BANK-2"),
        ]
        assert claim.settlements[0].settled_at == app.clock.now()
    statement = (
        StatementLine(VINS[0], _policy().id, cny(6000)),
        StatementLine(VINS[1], _policy().id, cny(3000)),
        StatementLine(VINS[2], _policy().id, cny(6000)),
    )
    report = svc.reconcile_statement(
        app.uow(), svc.ReconcileStatement("2026-Q3", statement)
    ).unwrap()
    assert report.difference == cny(6000 + 3000)
    assert {line.vin: line.cause for line in report.differences} == {
        VINS[1]: Cause.TIER,
        VINS[3]: None,
    }
    cost = svc.effective_vehicle_cost(app.uow(), svc.VehicleCost("HZ01", VINS[2])).unwrap()
    assert cost.effective_cost == cny(280000 - 6000)
    options = svc.what_if_rebates(app.uow(), svc.WhatIf(_policy().id, "2026-Q3")).unwrap()
    assert options == []  # top tier reached already


def test_sales_are_selected_by_brand_and_period(app: FoursApp) -> None:
    _seed(app)
    spec = VehicleSpec("AUDI", "Q5L")
    svc.record_pickup(
        app.uow(), svc.RecordPickup("SH01", VINS[5], spec, pendulum.Date(2026, 6, 30)), app.clock
    ).unwrap()
    nine = VatRate("0.09")
    svc.record_pickup(
        app.uow(),
        svc.RecordPickup("SH01", VINS[6], spec, pendulum.Date(2026, 7, 1), vat_rate=nine),
        app.clock,
    ).unwrap()
    with app.uow() as uow:
        found = uow.rebates.sales_between(
            [BrandCode("AUDI")], pendulum.Date(2026, 7, 1), pendulum.Date(2026, 9, 30)
        )
        assert [f.vin.value for f in found] == [VINS[6]]
        assert found[0].spec == spec and found[0].picked_up_on == pendulum.Date(2026, 7, 1)
        assert found[0].vat_rate == VatRate("0.09")
    flag = svc.FlagSale("SH01", VINS[6], ClawbackReason.BAD_CUSTOMER_DATA, note="身份证号有误")
    svc.flag_sale(app.uow(), flag, app.clock).unwrap()
    record = svc.sale_record(app.uow(), "SH01", VINS[6]).unwrap()
    assert record.fact.bad_customer_data and record.fact.vat_rate == nine
    assert [(a.seq, a.action, a.reason, a.detail, a.at) for a in record.amendments] == [
        (1, SaleAction.FLAGGED, "身份证号有误", "bad_customer_data", app.clock.now())
    ]


def test_sale_rows_unpack_the_table_columns_in_their_order() -> None:
    from fours_adapters.sql.rebates import tables
    from fours_adapters.sql.rebates.repository import _SALE_COLUMNS

    assert tuple(tables.sales.c.keys()) == _SALE_COLUMNS
