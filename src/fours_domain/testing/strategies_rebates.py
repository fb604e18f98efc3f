"""Hypothesis strategies for rebate policies and sales facts (re-exported by ``strategies``).

Policies are quarterly (2026-Q3) with valid ladders; facts fall in that quarter.
"""

from __future__ import annotations

from decimal import Decimal

import pendulum
from hypothesis import strategies as st

from fours_domain.rebates.model import (
    Account,
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
from fours_domain.shared.ids import StoreId
from fours_domain.shared.money import VAT_13, cny, round_fen

MODELS = ("A4L", "A6L", "Q5L")
QUARTER = Period.parse("2026-Q3")


def _values(kind: RebateKind) -> st.SearchStrategy[Decimal]:
    if kind is RebateKind.INVOICE_PERCENT:
        return st.integers(0, 500).map(lambda n: Decimal(n) / 10000)
    return st.integers(0, 2000).map(lambda n: Decimal(n * 5))


@st.composite
def tier_ladders(draw: st.DrawFn, kind: RebateKind) -> tuple[Decimal, tuple[Tier, ...]]:
    """A base value and tiers with rising achievements and non-decreasing values."""
    values = sorted(draw(st.lists(_values(kind), min_size=1, max_size=4)))
    achievements = sorted(
        draw(
            st.sets(st.integers(50, 150).map(lambda n: Decimal(n) / 100), min_size=len(values) - 1)
        )
    )[: len(values) - 1]
    return values[0], tuple(Tier(a, v) for a, v in zip(achievements, values[1:], strict=True))


@st.composite
def rebate_policies(
    draw: st.DrawFn,
    brand: str = "AUDI",
    kind: RebateKind | None = None,
    scope: TargetScope | None = None,
    clawbacks: bool = True,
    kpis: bool = True,
    caps: bool = True,
) -> RebatePolicy:
    """Valid quarterly policies of ``brand`` (tiers, basis, targets, KPIs, claw-backs, caps)."""
    kind = kind or draw(st.sampled_from(RebateKind))
    scope = scope or draw(st.sampled_from(TargetScope))
    base, tiers = draw(tier_ladders(kind))
    model = draw(st.none() | st.sampled_from(MODELS))
    rules: tuple[KpiRule, ...] = ()
    if kpis and draw(st.booleans()):
        rules = (
            KpiRule(
                draw(st.sampled_from(Kpi)),
                draw(st.sampled_from(Comparison)),
                Decimal(draw(st.integers(1, 100))),
                met_factor=Decimal(draw(st.integers(80, 120))) / 100,
                missed_factor=Decimal(draw(st.integers(0, 80))) / 100,
            ),
        )
    backs: tuple[Clawback, ...] = ()
    if clawbacks:
        reasons = draw(st.sets(st.sampled_from(ClawbackReason)))
        backs = tuple(
            Clawback(r, cny(draw(st.integers(0, 5000)))) for r in sorted(reasons, key=str)
        )
    return RebatePolicy(
        id=f"P-{draw(st.integers(1, 9999))}",
        name="generated policy",
        target=SpecPattern(brand, model),
        kind=kind,
        period=PeriodKind.QUARTER,
        valid_from=QUARTER.start,
        valid_to=QUARTER.end,
        value=base,
        account=draw(st.sampled_from(Account)),
        tiers=tiers,
        tier_basis=draw(st.sampled_from(TierBasis)) if tiers else None,
        scope=scope,
        targets=(Target(draw(st.integers(1, 40))),),
        kpi_rules=rules,
        clawbacks=backs,
        cap=cny(draw(st.integers(0, 2_000_000))) if caps and draw(st.booleans()) else None,
    )


@st.composite
def sale_facts(
    draw: st.DrawFn,
    stores: tuple[str, ...] = ("SH01", "HZ01"),
    brand: str = "AUDI",
    period: Period = QUARTER,
    flags: bool = True,
) -> SaleFact:
    """A car of ``brand`` picked up and delivered (or only picked up) within ``period``."""
    from fours_domain.testing.strategies import vat_rates, vins

    days = (period.end - period.start).days
    picked = period.start.add(days=draw(st.integers(0, days)))
    delivered = draw(st.none() | st.integers(0, (period.end - picked).days))
    price = Decimal(draw(st.integers(8_000_000, 80_000_000))) / 100
    fact = SaleFact(
        store_id=StoreId(draw(st.sampled_from(stores))),
        vin=draw(vins()),
        spec=VehicleSpec(brand, draw(st.sampled_from(MODELS))),
        picked_up_on=picked,
        purchase_cost=round_fen(cny(price * Decimal("0.9"))),
        out_of_territory=flags and draw(st.integers(0, 9)) == 0,
        bad_customer_data=flags and draw(st.integers(0, 9)) == 0,
        vat_rate=draw(st.just(VAT_13) | vat_rates()),
    )
    if delivered is not None:
        fact.sold_on = pendulum.Date(picked.year, picked.month, picked.day)
        fact.delivered_on = picked.add(days=delivered)
        fact.invoice_price = cny(price)
    return fact


def fact_lists(**kwargs: object) -> st.SearchStrategy[list[SaleFact]]:
    """Lists of facts with distinct VINs."""
    return st.lists(sale_facts(**kwargs), max_size=30, unique_by=lambda f: f.vin.value)  # type: ignore[arg-type]
