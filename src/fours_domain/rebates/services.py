"""Application services of the rebates context.

The sales-fact commands (:class:`RecordPickup`, :class:`RecordSale`,
:class:`RecordDelivery`, :class:`FlagSale`) are the seam the vehicles and
sales contexts will call from their events; until then the CLI sends them.
:func:`reconcile_statement` is the entry point for manufacturer statements:
a DMS adapter parses its manufacturer's format into :class:`StatementLine`
values and calls it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Protocol, TypeVar

import attrs
from returns.result import Failure, Result, Success

from fours_domain.org.model import code
from fours_domain.org.ports import OrgUnitOfWork
from fours_domain.rebates.calculation import (
    CarBook,
    KpiTable,
    PolicyResult,
    WhatIfOption,
    average_prices,
    cars_for,
    compute,
    what_if,
)
from fours_domain.rebates.model import (
    GROUP_SCOPE,
    Account,
    Accrual,
    AccrualLine,
    ClawbackReason,
    Kpi,
    KpiReading,
    Period,
    PeriodKind,
    PolicyId,
    RebateClaim,
    RebateError,
    RebatePolicy,
    SaleFact,
    SettlementOutcome,
    TargetScope,
    policy_id,
)
from fours_domain.rebates.ports import RebatesUnitOfWork
from fours_domain.rebates.reconciliation import Reconciliation, StatementLine, reconcile
from fours_domain.shared.catalogue import ModelCode, VehicleSpec
from fours_domain.shared.errors import AlreadyExists, DomainError, NotFound
from fours_domain.shared.identifiers import Vin, VinCheck
from fours_domain.shared.ids import BrandCode, StoreId
from fours_domain.shared.money import ZERO, Money, sum_money
from fours_domain.shared.results import guarded as _guarded
from fours_domain.shared.time import Clock, Date

T = TypeVar("T")


class RebatesOrgUnitOfWork(RebatesUnitOfWork, OrgUnitOfWork, Protocol):
    """The rebates services also look stores up."""


def _store(uow: OrgUnitOfWork, raw: str) -> Result[StoreId, DomainError]:
    store_id = StoreId(code(raw, "store code"))
    if uow.org.get_store(store_id) is None:
        return Failure(NotFound("store", store_id))
    return Success(store_id)


def _vin(raw: str) -> Result[Vin, DomainError]:
    # Imported cars may lack the check digit: accepted, as elsewhere (DOMAIN.md).
    return Vin.parse(raw, VinCheck.LENIENT).alt(lambda e: e)


# --------------------------------------------------------------------------- policies


@attrs.frozen
class AddPolicy:
    policy: RebatePolicy


def add_policy(uow: RebatesOrgUnitOfWork, cmd: AddPolicy) -> Result[RebatePolicy, DomainError]:
    """Record a manufacturer policy of a known brand; ids are never reused (a revision is
    a new policy)."""

    def run() -> Result[RebatePolicy, DomainError]:
        with uow:
            if uow.org.get_brand(BrandCode(cmd.policy.brand)) is None:
                return Failure(NotFound("brand", cmd.policy.brand))
            if uow.rebates.get_policy(cmd.policy.id) is not None:
                return Failure(AlreadyExists("rebate policy", cmd.policy.id))
            uow.rebates.add_policy(cmd.policy)
            uow.commit()
            return Success(cmd.policy)

    return _guarded(run)


# --------------------------------------------------------------------------- sales facts


@attrs.frozen
class RecordPickup:
    """A car was picked up from the manufacturer (提车) by a store."""

    store_id: str
    vin: str
    spec: VehicleSpec
    picked_up_on: Date
    purchase_cost: Money | None = None


@attrs.frozen
class RecordSale:
    """A car was sold (and invoiced) to an end customer; optionally already delivered."""

    store_id: str
    vin: str
    spec: VehicleSpec
    sold_on: Date
    invoice_price: Money
    delivered_on: Date | None = None
    picked_up_on: Date | None = None
    purchase_cost: Money | None = None
    out_of_territory: bool = False
    bad_customer_data: bool = False


@attrs.frozen
class RecordDelivery:
    """A sold car was delivered to its end customer (交车)."""

    store_id: str
    vin: str
    delivered_on: Date


@attrs.frozen
class FlagSale:
    """Mark (or clear) a claw-back reason on a car: out of territory, bad customer data."""

    store_id: str
    vin: str
    reason: ClawbackReason
    flagged: bool = True


def _with_fact(
    uow: RebatesOrgUnitOfWork,
    store_raw: str,
    vin_raw: str,
    change: Callable[[StoreId, Vin, SaleFact | None], Result[SaleFact, DomainError]],
) -> Result[SaleFact, DomainError]:
    def run() -> Result[SaleFact, DomainError]:
        with uow:
            match _store(uow, store_raw), _vin(vin_raw):
                case Success(store_id), Success(vin):
                    existing = uow.rebates.get_sale(store_id, vin.value)
                    outcome = change(store_id, vin, existing)
                    if isinstance(outcome, Success):
                        uow.rebates.save_sale(outcome.unwrap())
                        uow.commit()
                    return outcome
                case Failure(error), _:
                    return Failure(error)
                case _, Failure(error):
                    return Failure(error)
            raise AssertionError("unreachable")  # pragma: no cover

    return _guarded(run)


def record_pickup(uow: RebatesOrgUnitOfWork, cmd: RecordPickup) -> Result[SaleFact, DomainError]:
    def change(store: StoreId, vin: Vin, fact: SaleFact | None) -> Result[SaleFact, DomainError]:
        fact = fact or SaleFact(store_id=store, vin=vin, spec=cmd.spec)
        fact.pick_up(cmd.picked_up_on, cmd.purchase_cost)
        return Success(fact)

    return _with_fact(uow, cmd.store_id, cmd.vin, change)


def record_sale(uow: RebatesOrgUnitOfWork, cmd: RecordSale) -> Result[SaleFact, DomainError]:
    def change(store: StoreId, vin: Vin, fact: SaleFact | None) -> Result[SaleFact, DomainError]:
        fact = fact or SaleFact(store_id=store, vin=vin, spec=cmd.spec)
        fact.spec = cmd.spec
        if cmd.picked_up_on is not None or cmd.purchase_cost is not None:
            fact.pick_up(cmd.picked_up_on or fact.picked_up_on or cmd.sold_on, cmd.purchase_cost)
        # Flags are only raised here; FlagSale(flagged=False) clears them.
        if cmd.out_of_territory:
            fact.flag(ClawbackReason.OUT_OF_TERRITORY)
        if cmd.bad_customer_data:
            fact.flag(ClawbackReason.BAD_CUSTOMER_DATA)
        sold = fact.sell(cmd.sold_on, cmd.invoice_price)
        if isinstance(sold, Failure):
            return Failure(sold.failure())
        if cmd.delivered_on is not None:
            delivered = fact.deliver(cmd.delivered_on)
            if isinstance(delivered, Failure):
                return Failure(delivered.failure())
        return Success(fact)

    return _with_fact(uow, cmd.store_id, cmd.vin, change)


def record_delivery(
    uow: RebatesOrgUnitOfWork, cmd: RecordDelivery
) -> Result[SaleFact, DomainError]:
    def change(store: StoreId, vin: Vin, fact: SaleFact | None) -> Result[SaleFact, DomainError]:
        if fact is None:
            return Failure(NotFound(f"sale at store {store}", vin.value))
        return fact.deliver(cmd.delivered_on).map(lambda _: fact)

    return _with_fact(uow, cmd.store_id, cmd.vin, change)


def flag_sale(uow: RebatesOrgUnitOfWork, cmd: FlagSale) -> Result[SaleFact, DomainError]:
    def change(store: StoreId, vin: Vin, fact: SaleFact | None) -> Result[SaleFact, DomainError]:
        if fact is None:
            return Failure(NotFound(f"sale at store {store}", vin.value))
        fact.flag(cmd.reason, cmd.flagged)
        return Success(fact)

    return _with_fact(uow, cmd.store_id, cmd.vin, change)


@attrs.frozen
class RecordKpi:
    store_id: str
    period: str
    kpi: Kpi
    value: Decimal


def record_kpi(uow: RebatesOrgUnitOfWork, cmd: RecordKpi) -> Result[KpiReading, DomainError]:
    """Record a store's KPI for a period (CSI score, stock depth in months…)."""

    def run() -> Result[KpiReading, DomainError]:
        period = Period.parse(cmd.period)
        with uow:
            found = _store(uow, cmd.store_id)
            if isinstance(found, Failure):
                return Failure(found.failure())
            reading = KpiReading(found.unwrap(), period.key, cmd.kpi, cmd.value)
            uow.rebates.set_kpi(reading)
            uow.commit()
            return Success(reading)

    return _guarded(run)


# --------------------------------------------------------------------------- estimate


@attrs.frozen
class EstimateRebates:
    """Compute (and, with ``record``, accrue) every applicable policy's rebates for a period.

    Policies with a shorter period than the one asked are computed per their own
    periods inside it (a quarter of a monthly policy is three months); longer ones
    are computed for the period asked, target prorated (year-to-date accrual).
    """

    period: str
    policy_ids: tuple[str, ...] = ()
    brand: str | None = None
    record: bool = True


@attrs.frozen
class Estimate:
    period: Period
    results: tuple[PolicyResult, ...]

    @property
    def total(self) -> Money:
        return sum_money(r.total for r in self.results)

    @property
    def lines(self) -> list[AccrualLine]:
        return [line for r in self.results for line in r.lines]


def periods_for(policy: RebatePolicy, period: Period) -> list[Period]:
    """The policy's own periods inside ``period`` that overlap its validity."""
    if policy.period.months >= period.months:
        candidates = [period]
    else:
        day = period.start
        candidates = []
        while day <= period.end:
            candidates.append(Period.containing(policy.period, day))
            day = day.add(months=policy.period.months)
    return [p for p in candidates if policy.overlaps(p)]


def _kpi_table(uow: RebatesUnitOfWork, keys: Iterable[str]) -> dict[str, KpiTable]:
    tables: dict[str, KpiTable] = {}
    for key in set(keys):
        tables[key] = {(r.store_id, r.kpi): r.value for r in uow.rebates.kpis_for(key)}
    return tables


def _chosen_policies(
    uow: RebatesUnitOfWork, ids: Sequence[str], brand: str | None
) -> Result[list[RebatePolicy], DomainError]:
    if ids:
        chosen: list[RebatePolicy] = []
        for raw in ids:
            found = uow.rebates.get_policy(policy_id(raw))
            if found is None:
                return Failure(NotFound("rebate policy", policy_id(raw)))
            chosen.append(found)
        return Success(chosen)
    wanted = None if brand is None else BrandCode(code(brand, "brand code"))
    return Success(list(uow.rebates.list_policies(wanted)))


def _compute_all(
    uow: RebatesUnitOfWork, policies: Sequence[RebatePolicy], period: Period
) -> list[PolicyResult]:
    jobs = [(p, sub) for p in policies for sub in periods_for(p, period)]
    if not jobs:
        return []
    brands = {BrandCode(p.brand) for p, _ in jobs}
    book = CarBook(uow.rebates.sales_between(brands, period.start, period.end))
    kpis = _kpi_table(uow, (sub.key for _, sub in jobs))
    return [compute(p, sub, book.cars_for(p, sub), kpis[sub.key]) for p, sub in jobs]


def estimate_rebates(
    uow: RebatesUnitOfWork, cmd: EstimateRebates, clock: Clock
) -> Result[Estimate, DomainError]:
    """预估: the rebates our sales facts earn for the period, car by car."""

    def run() -> Result[Estimate, DomainError]:
        period = Period.parse(cmd.period)
        with uow:
            chosen = _chosen_policies(uow, cmd.policy_ids, cmd.brand)
            if isinstance(chosen, Failure):
                return Failure(chosen.failure())
            results = _compute_all(uow, chosen.unwrap(), period)
            if cmd.record:
                _accrue(uow, results, clock)
                uow.commit()
            return Success(Estimate(period, tuple(results)))

    return _guarded(run)


def _accrue(uow: RebatesUnitOfWork, results: Sequence[PolicyResult], clock: Clock) -> None:
    now = clock.now()
    keys = sorted({r.period.key for r in results})
    existing: dict[tuple[StoreId, PolicyId, str], RebateClaim] = {
        (c.store_id, c.policy_id, c.period_key): c for c in uow.rebates.claims_for(keys)
    }
    for result in results:
        by_store = result.by_store()
        pid, key = result.policy.id, result.period.key
        stores = set(by_store) | {s for (s, p, k) in existing if (p, k) == (pid, key)}
        for store_id in sorted(stores):
            claim = existing.get((store_id, pid, key))
            if claim is None:
                claim = RebateClaim(store_id, pid, key)
                uow.rebates.add_claim(claim)
            claim.estimate(by_store.get(store_id, []), now)
            uow.track(claim)


# --------------------------------------------------------------------------- confirm, settle


def _policy_and_period(
    uow: RebatesUnitOfWork, raw_policy: str, raw_period: str
) -> Result[tuple[RebatePolicy, Period], DomainError]:
    policy = uow.rebates.get_policy(policy_id(raw_policy))
    if policy is None:
        return Failure(NotFound("rebate policy", policy_id(raw_policy)))
    period = Period.parse(raw_period)
    return policy.settles(period).map(lambda p: (policy, p)).alt(lambda e: e)


@attrs.frozen
class ConfirmRebate:
    """The manufacturer's notice confirms what a store gets under a policy for a period."""

    store_id: str
    policy_id: str
    period: str
    amount: Money
    notice: str = ""


def confirm_rebate(
    uow: RebatesOrgUnitOfWork, cmd: ConfirmRebate, clock: Clock
) -> Result[RebateClaim, DomainError]:
    def run() -> Result[RebateClaim, DomainError]:
        with uow:
            store = _store(uow, cmd.store_id)
            if isinstance(store, Failure):
                return Failure(store.failure())
            found = _policy_and_period(uow, cmd.policy_id, cmd.period)
            if isinstance(found, Failure):
                return Failure(found.failure())
            policy, period = found.unwrap()
            claim = uow.rebates.get_claim(store.unwrap(), policy.id, period.key)
            if claim is None:
                claim = RebateClaim(store.unwrap(), policy.id, period.key)
                uow.rebates.add_claim(claim)
            confirmed = claim.confirm(cmd.amount, cmd.notice, clock.now())
            if isinstance(confirmed, Failure):
                return Failure(confirmed.failure())
            uow.track(claim)
            uow.commit()
            return Success(claim)

    return _guarded(run)


@attrs.frozen
class SettleRebate:
    """Settle a store's claim: pay (or deduct) what is still owed for the period."""

    store_id: str
    policy_id: str
    period: str
    reference: str = ""


def settle_rebate(
    uow: RebatesOrgUnitOfWork, cmd: SettleRebate, clock: Clock
) -> Result[SettlementOutcome, DomainError]:
    """Settlement nets what was already settled for the period and its sub-periods:
    a quarter settled after its months pays only the difference (or deducts it)."""

    def run() -> Result[SettlementOutcome, DomainError]:
        with uow:
            store = _store(uow, cmd.store_id)
            if isinstance(store, Failure):
                return Failure(store.failure())
            found = _policy_and_period(uow, cmd.policy_id, cmd.period)
            if isinstance(found, Failure):
                return Failure(found.failure())
            policy, period = found.unwrap()
            store_id = store.unwrap()
            claim = uow.rebates.get_claim(store_id, policy.id, period.key)
            if claim is None:
                return Failure(
                    NotFound(
                        "rebate claim (estimate or confirm it first)",
                        f"{store_id}/{policy.id}/{period.key}",
                    )
                )
            elsewhere = ZERO
            for other in uow.rebates.claims_of(store_id, policy.id):
                if other.period_key == period.key or not other.settlements:
                    continue
                if other.period.within(period):
                    elsewhere += other.settled
                elif period.within(other.period):
                    return Failure(
                        RebateError(
                            f"{policy.id} at {store_id}: {period.key} lies within "
                            f"{other.period_key}, settled already; settle {other.period_key}",
                            policy=policy.id,
                            period=period.key,
                        )
                    )
            outcome = claim.settle(elsewhere, cmd.reference, clock.now())
            uow.track(claim)
            uow.commit()
            return Success(outcome)

    return _guarded(run)


# --------------------------------------------------------------------------- reconcile


@attrs.frozen
class ReconcileStatement:
    """A manufacturer's rebate statement for a period, as canonical lines."""

    period: str
    lines: tuple[StatementLine, ...]
    store_id: str | None = None


def _outermost(claims: Iterable[RebateClaim]) -> list[RebateClaim]:
    """Per store and policy, the claims of the longest period (a quarter supersedes its months)."""
    grouped: dict[tuple[StoreId, PolicyId], list[RebateClaim]] = defaultdict(list)
    for claim in claims:
        grouped[(claim.store_id, claim.policy_id)].append(claim)
    chosen: list[RebateClaim] = []
    for group in grouped.values():
        longest = max(c.period.months for c in group)
        chosen.extend(c for c in group if c.period.months == longest)
    return chosen


def _keys_within(period: Period) -> list[str]:
    """Keys of every month, quarter and year lying within ``period`` (itself included)."""
    keys = []
    for kind in PeriodKind:
        if kind.months > period.months:
            continue
        day = period.start
        while day <= period.end:
            keys.append(Period.containing(kind, day).key)
            day = day.add(months=kind.months)
    return sorted(set(keys))


def reconcile_statement(
    uow: RebatesOrgUnitOfWork, cmd: ReconcileStatement
) -> Result[Reconciliation, DomainError]:
    """对账: compare a manufacturer statement with our accruals for the period, car by car.

    Feed it from any manufacturer format: parse to :class:`StatementLine`
    (VIN, policy id, amount, optionally the store) and call this service.
    """

    def run() -> Result[Reconciliation, DomainError]:
        period = Period.parse(cmd.period)
        with uow:
            store_id = None
            if cmd.store_id is not None:
                store = _store(uow, cmd.store_id)
                if isinstance(store, Failure):
                    return Failure(store.failure())
                store_id = store.unwrap()
            claims = _outermost(uow.rebates.claims_for(_keys_within(period), store_id))
            accruals = [a for c in claims for a in c.accruals]
            lines = [
                line for line in cmd.lines if store_id is None or line.store_id in (None, store_id)
            ]
            policies = {p.id: p for p in uow.rebates.list_policies()}
            vins = {a.vin for a in accruals} | {line.vin.strip().upper() for line in lines}
            facts = {f.vin.value: f for f in uow.rebates.sales_by_vin(vins)}
            return Success(reconcile(period.key, accruals, lines, policies, facts))

    return _guarded(run)


# --------------------------------------------------------------------------- what-if


@attrs.frozen
class WhatIf:
    """How many more cars of which models reach the policy's next tiers, and their worth."""

    policy_id: str
    period: str
    store_id: str | None = None


def what_if_rebates(
    uow: RebatesOrgUnitOfWork, cmd: WhatIf
) -> Result[list[WhatIfOption], DomainError]:
    def run() -> Result[list[WhatIfOption], DomainError]:
        with uow:
            found = _policy_and_period(uow, cmd.policy_id, cmd.period)
            if isinstance(found, Failure):
                return Failure(found.failure())
            policy, period = found.unwrap()
            if policy.scope is TargetScope.GROUP:
                scope_key = GROUP_SCOPE
            elif cmd.store_id is None:
                return Failure(RebateError(f"policy {policy.id} has store targets: name a store"))
            else:
                store = _store(uow, cmd.store_id)
                if isinstance(store, Failure):
                    return Failure(store.failure())
                scope_key = store.unwrap()
            if not policy.tiers:
                return Failure(RebateError(f"policy {policy.id} has no tiers"))
            facts = uow.rebates.sales_between([BrandCode(policy.brand)], period.start, period.end)
            cars = cars_for(policy, period, facts)
            models = average_prices(cars)
            if not models:
                model = policy.target.model
                if model is None:
                    return Failure(
                        RebateError(
                            f"no {policy.brand} cars yet in {period.key}: no model to price"
                        )
                    )
                models = {ModelCode(model): None}
            kpis = _kpi_table(uow, [period.key])[period.key]
            return Success(what_if(policy, period, cars, kpis, scope_key, models))

    return _guarded(run)


# --------------------------------------------------------------------------- effective cost


@attrs.frozen
class VehicleCost:
    store_id: str
    vin: str


@attrs.frozen
class EffectiveCost:
    """A car's cost after the rebates that reduce vehicle cost, and its gross margin."""

    vin: str
    purchase_pre_tax: Money
    rebates: Money
    effective_cost: Money
    sale_pre_tax: Money | None
    accruals: tuple[Accrual, ...]

    @property
    def gross_margin(self) -> Money | None:
        return None if self.sale_pre_tax is None else self.sale_pre_tax - self.effective_cost


def effective_vehicle_cost(
    uow: RebatesOrgUnitOfWork, cmd: VehicleCost
) -> Result[EffectiveCost, DomainError]:
    """Pre-tax purchase cost − rebates accrued to the car's vehicle-cost account.

    Rebate amounts are treated as pre-tax reductions of cost.
    """

    def run() -> Result[EffectiveCost, DomainError]:
        from fours_domain.shared.money import VAT_13

        with uow:
            store = _store(uow, cmd.store_id)
            if isinstance(store, Failure):
                return Failure(store.failure())
            vin = _vin(cmd.vin)
            if isinstance(vin, Failure):
                return Failure(vin.failure())
            fact = uow.rebates.get_sale(store.unwrap(), vin.unwrap().value)
            if fact is None:
                return Failure(NotFound(f"sale at store {store.unwrap()}", vin.unwrap().value))
            if fact.purchase_cost is None:
                return Failure(RebateError(f"car {fact.vin}: no purchase cost recorded"))
            policies = {p.id: p for p in uow.rebates.list_policies(BrandCode(fact.spec.brand))}
            claims = [
                c
                for c in uow.rebates.claims_of_store(fact.store_id)
                if c.policy_id in policies
                and policies[c.policy_id].account is Account.VEHICLE_COST
                and any(a.vin == fact.vin.value for a in c.accruals)
            ]
            lines = tuple(
                a for c in _outermost(claims) for a in c.accruals if a.vin == fact.vin.value
            )
            rebates = sum_money(a.amount for a in lines)
            cost = VAT_13.split_inclusive(fact.purchase_cost).net
            return Success(
                EffectiveCost(
                    vin=fact.vin.value,
                    purchase_pre_tax=cost,
                    rebates=rebates,
                    effective_cost=cost - rebates,
                    sale_pre_tax=fact.pre_tax_price,
                    accruals=lines,
                )
            )

    return _guarded(run)
