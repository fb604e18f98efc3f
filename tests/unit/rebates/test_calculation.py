"""The rebate arithmetic: tiers as declared, monotone in achievement, caps, no floats."""

from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fours_domain.rebates.calculation import PolicyResult, cars_for, compute
from fours_domain.rebates.model import (
    Clawback,
    ClawbackReason,
    Comparison,
    Kpi,
    KpiRule,
    Period,
    PeriodKind,
    RebateKind,
    RebatePolicy,
    SaleFact,
    Target,
    TargetScope,
    Tier,
    TierBasis,
)
from fours_domain.shared.catalogue import SpecPattern, VehicleSpec
from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.identifiers import Vin, VinCheck
from fours_domain.shared.ids import StoreId
from fours_domain.shared.money import cny
from fours_domain.testing.strategies import fact_lists, rebate_policies, sale_facts
from fours_domain.testing.strategies_rebates import QUARTER

Q3 = Period.parse("2026-Q3")


def _policy(**changes: object) -> RebatePolicy:
    base: dict[str, object] = {
        "id": "AUDI-Q3",
        "name": "Audi Q3 retail",
        "target": SpecPattern("AUDI"),
        "kind": RebateKind.RETAIL_BONUS,
        "period": PeriodKind.QUARTER,
        "valid_from": Q3.start,
        "valid_to": Q3.end,
        "value": Decimal(100),
        "tiers": (Tier(Decimal("0.8"), Decimal(200)), Tier(Decimal("1.0"), Decimal(300))),
        "tier_basis": TierBasis.WHOLE_VOLUME,
        "targets": (Target(10),),
    }
    base.update(changes)
    return RebatePolicy(**base)  # type: ignore[arg-type]


def _vin(n: int) -> Vin:
    return Vin.parse(f"LFV2A2BS{n:09d}", VinCheck.LENIENT).unwrap()


def _facts(n: int, store: str = "SH01", price: str = "339000.00", day: int = 1) -> list[SaleFact]:
    facts = []
    for i in range(n):
        delivered = Q3.start.add(days=day + i)
        facts.append(
            SaleFact(
                store_id=StoreId(store),
                vin=_vin(i + (0 if store == "SH01" else 500)),
                spec=VehicleSpec("AUDI", "A6L"),
                picked_up_on=Q3.start,
                sold_on=delivered,
                delivered_on=delivered,
                invoice_price=cny(price),
            )
        )
    return facts


def _run(policy: RebatePolicy, facts: list[SaleFact], kpis: dict | None = None) -> PolicyResult:  # type: ignore[type-arg]
    return compute(policy, Q3, cars_for(policy, Q3, facts), kpis or {})


def test_whole_volume_pays_the_tier_reached_on_every_car() -> None:
    assert _run(_policy(), _facts(7)).total == cny(700)
    assert _run(_policy(), _facts(9)).total == cny(9 * 200)
    assert _run(_policy(), _facts(10)).total == cny(10 * 300)


def test_marginal_pays_each_car_the_tier_it_falls_in() -> None:
    marginal = _policy(tier_basis=TierBasis.MARGINAL)
    assert _run(marginal, _facts(9)).total == cny(7 * 100 + 2 * 200)
    result = _run(marginal, _facts(11))
    assert result.total == cny(7 * 100 + 2 * 200 + 2 * 300)
    assert [line.rung for line in result.lines][6:9] == ["base", "≥80%", "≥80%"]


def test_invoice_percent_uses_the_pre_tax_price() -> None:
    policy = _policy(
        kind=RebateKind.INVOICE_PERCENT, value=Decimal("0.01"), tiers=(), tier_basis=None
    )
    # 339,000 incl. 13 % VAT → 300,000 pre-tax → 1 % = 3,000
    assert _run(policy, _facts(2)).total == cny(6000)


def test_a_month_of_a_quarterly_policy_has_a_third_of_the_target() -> None:
    july = Period.parse("2026-07")
    policy = _policy(targets=(Target(9),))
    assert policy.target_units("SH01", july) == 3
    facts = _facts(3)
    result = compute(policy, july, cars_for(policy, july, facts), {})
    assert result.total == cny(900) and result.units[0].achievement == 1


def test_group_scope_counts_all_stores_together() -> None:
    policy = _policy(scope=TargetScope.GROUP)
    facts = _facts(5, "SH01") + _facts(5, "HZ01")
    result = _run(policy, facts)
    assert [u.scope_key for u in result.units] == ["*"]
    assert result.total == cny(3000)
    assert set(result.by_store()) == {"SH01", "HZ01"}
    per_store = _run(_policy(), facts)
    assert per_store.total == cny(1000)


def test_kpi_gate_and_multiplier() -> None:
    gate = KpiRule(Kpi.STOCK_DEPTH, Comparison.AT_MOST, Decimal("1.2"))
    bonus = KpiRule(Kpi.CSI, Comparison.AT_LEAST, Decimal(90), Decimal("1.1"), Decimal(1))
    policy = _policy(kpi_rules=(gate, bonus), tiers=(), tier_basis=None)
    sh = StoreId("SH01")
    assert _run(policy, _facts(2), {}).total == cny(0)  # no reading: the gate is missed
    ok = {(sh, Kpi.STOCK_DEPTH): Decimal("1.1"), (sh, Kpi.CSI): Decimal(92)}
    assert _run(policy, _facts(2), ok).total == cny(220)
    deep = {(sh, Kpi.STOCK_DEPTH): Decimal("1.5"), (sh, Kpi.CSI): Decimal(92)}
    assert _run(policy, _facts(2), deep).total == cny(0)


def test_clawed_back_cars_do_not_count_and_cost_the_penalty() -> None:
    policy = _policy(clawbacks=(Clawback(ClawbackReason.OUT_OF_TERRITORY, cny(5000)),))
    facts = _facts(10)
    facts[0].out_of_territory = True
    result = _run(policy, facts)
    assert result.units[0].counted == 9
    assert result.total == cny(9 * 200 - 5000)
    assert [line.clawback for line in result.lines].count(ClawbackReason.OUT_OF_TERRITORY) == 1


def test_cap_is_shared_out_to_the_fen() -> None:
    policy = _policy(
        kind=RebateKind.INVOICE_PERCENT,
        value=Decimal("0.0123"),
        tiers=(),
        tier_basis=None,
        cap=cny("9000.01"),
    )
    result = _run(policy, _facts(7, price="123456.78"))
    assert result.total == cny("9000.01")
    assert all(line.capped for line in result.lines)


def test_a_cap_holds_on_the_rounded_lines() -> None:
    """The audit's reproducer: 1 % of a pre-tax 300,000.50 is 3,000.005 a car; two cars
    rounded are 6,000.02 — over a 6,000.01 cap, which used to be compared unrounded."""
    policy = _policy(
        kind=RebateKind.INVOICE_PERCENT,
        value=Decimal("0.01"),
        tiers=(),
        tier_basis=None,
        cap=cny("6000.01"),
    )
    two = _run(policy, _facts(2, price="339000.57"))
    three = _run(policy, _facts(3, price="339000.57"))
    assert [str(line.amount.amount) for line in two.lines] == ["3000.01", "3000.00"]
    assert two.total == three.total == cny("6000.01")
    assert all(line.capped for line in two.lines)
    one = _run(policy, _facts(1, price="339000.57"))
    assert one.total == cny("3000.01") and not one.lines[0].capped


@given(
    cars=st.integers(1, 7),
    price_fen=st.integers(10_000_000, 60_000_000),
    value=st.sampled_from(["0.01", "0.015", "0.0123", "0.005", "0.0333"]),
    slack=st.integers(-8, 2),
)
def test_a_cap_is_never_exceeded_and_one_more_car_never_pays_less(
    cars: int, price_fen: int, value: str, slack: int
) -> None:
    price = cny(Decimal(price_fen) / 100)
    uncapped = _policy(
        kind=RebateKind.INVOICE_PERCENT, value=Decimal(value), tiers=(), tier_basis=None
    )
    # a cap a few fen around what the cars earn: where rounding decides
    earned = _run(uncapped, _facts(cars, price=str(price.amount))).total
    cap = max(cny(0), earned + cny(Decimal(slack) / 100))
    policy = attrs.evolve(uncapped, cap=cap)
    totals = []
    for n in range(cars + 2):
        result = _run(policy, _facts(n, price=str(price.amount)))
        assert result.total <= cap
        assert sum((line.amount for line in result.lines), cny(0)) == result.total
        totals.append(result.total)
    assert totals == sorted(totals)


@pytest.mark.parametrize(
    "changes",
    [
        {"tiers": (Tier(Decimal("1.0"), Decimal(50)),)},  # undercuts the base
        {"tier_basis": None},  # tiers without an explicit basis
        {"targets": ()},
        {"value": Decimal(-1)},
        {"kind": RebateKind.INVOICE_PERCENT, "value": Decimal(2), "tiers": ()},
        {"tiers": (Tier(Decimal(1), Decimal(200)), Tier(Decimal("0.8"), Decimal(300)))},
        {"scope": TargetScope.GROUP, "targets": (Target(5, StoreId("SH01")),)},
        {"valid_to": Q3.start.subtract(days=1)},
    ],
)
def test_inconsistent_policies_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvariantViolation):
        _policy(**changes)


def test_money_from_float_is_refused() -> None:
    with pytest.raises(InvariantViolation):
        _policy(value=1.5)


def _unit_totals(result: PolicyResult) -> dict[str, Decimal]:
    return {u.scope_key: u.total.amount for u in result.units}


@given(rebate_policies(clawbacks=False), fact_lists(flags=False), sale_facts(flags=False))
def test_one_more_car_never_lowers_the_rebate(
    policy: RebatePolicy, facts: list[SaleFact], extra: SaleFact
) -> None:
    if any(f.vin == extra.vin for f in facts):
        return
    kpis = {(StoreId(s), k): Decimal(50) for s in ("SH01", "HZ01") for k in Kpi}
    before = _unit_totals(_run(policy, facts, kpis))
    after = _unit_totals(_run(policy, [*facts, extra], kpis))
    for key, amount in before.items():
        assert after[key] >= amount


@given(rebate_policies(), fact_lists())
def test_lines_are_fen_exact_decimals_and_caps_hold(
    policy: RebatePolicy, facts: list[SaleFact]
) -> None:
    result = _run(policy, facts)
    for line in result.lines:
        assert isinstance(line.amount.amount, Decimal)
        assert line.amount.amount == line.amount.amount.quantize(Decimal("0.01"))
    if policy.cap is not None:
        for unit in result.units:
            earned = sum(
                (
                    line.amount.amount
                    for line in result.lines
                    if line.clawback is None and unit.scope_key in ("*", line.store_id)
                ),
                Decimal(0),
            )
            assert earned <= policy.cap.amount


@given(
    rebate_policies(kind=RebateKind.RETAIL_BONUS, kpis=False, caps=False, clawbacks=False),
    fact_lists(flags=False),
)
def test_tiers_are_applied_as_declared(policy: RebatePolicy, facts: list[SaleFact]) -> None:
    result = _run(policy, facts)
    for unit in result.units:
        ladder = policy.ladder(unit.target)

        def value_at(i: int, ladder: list[tuple[int, Decimal, str]] = ladder) -> Decimal:
            return [v for start, v, _ in ladder if start <= i][-1] if i else ladder[0][1]

        n = unit.counted
        if policy.tier_basis is TierBasis.MARGINAL:
            expected = sum((value_at(i) for i in range(1, n + 1)), Decimal(0))
        else:
            expected = n * value_at(n)
        assert unit.total.amount == expected


def test_strategy_quarter_is_q3() -> None:
    assert QUARTER == Q3


@given(
    rebate_policies(kind=RebateKind.INVOICE_PERCENT, kpis=False, caps=False, clawbacks=False),
    fact_lists(flags=False),
)
def test_whole_volume_never_pays_less_than_marginal(
    policy: RebatePolicy, facts: list[SaleFact]
) -> None:
    if not policy.tiers:
        return
    whole = attrs.evolve(policy, tier_basis=TierBasis.WHOLE_VOLUME)
    marginal = attrs.evolve(policy, tier_basis=TierBasis.MARGINAL)
    assert _run(whole, facts).total >= _run(marginal, facts).total


@given(rebate_policies(), fact_lists())
def test_a_statement_equal_to_our_accruals_reconciles_to_nothing(
    policy: RebatePolicy, facts: list[SaleFact]
) -> None:
    from fours_domain.rebates.model import Accrual
    from fours_domain.rebates.reconciliation import Difference, StatementLine, reconcile

    result = _run(policy, facts)
    accruals = [Accrual.of(line) for line in result.lines]
    statement = [StatementLine(a.vin, a.policy_id, a.amount) for a in accruals]
    report = reconcile(Q3.key, accruals, statement, {policy.id: policy}, {})
    assert report.difference == cny(0)
    assert all(line.difference is Difference.MATCHED for line in report.lines)
