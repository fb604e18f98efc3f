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

from fours_domain.org.model import Store, code
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
    SaleAction,
    SaleAmendment,
    SaleFact,
    SettlementOutcome,
    TargetScope,
    policy_id,
)
from fours_domain.rebates.ports import RebatesUnitOfWork
from fours_domain.rebates.reconciliation import Reconciliation, StatementLine, reconcile
from fours_domain.shared.catalogue import ModelCode, VehicleSpec
from fours_domain.shared.errors import AlreadyExists, DomainError, InvariantViolation, NotFound
from fours_domain.shared.identifiers import Vin, VinCheck
from fours_domain.shared.ids import BrandCode, StoreId
from fours_domain.shared.money import VAT_13, ZERO, Money, VatRate, sum_money
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


@attrs.frozen
class AddPolicies:
    """Record several policies at once (a policy file): all of them, or none."""

    policies: tuple[RebatePolicy, ...]


def add_policy(uow: RebatesOrgUnitOfWork, cmd: AddPolicy) -> Result[RebatePolicy, DomainError]:
    """Record a manufacturer policy of a known brand; ids are never reused (a revision is
    a new policy)."""
    return add_policies(uow, AddPolicies((cmd.policy,))).map(lambda added: added[0])


def add_policies(
    uow: RebatesOrgUnitOfWork, cmd: AddPolicies
) -> Result[tuple[RebatePolicy, ...], DomainError]:
    """Record policies in one unit of work: each must be of a known brand, name only
    known stores in its targets, and have an id used neither before nor twice here.
    The first refusal names the policy; nothing is recorded then (ADR 0049)."""

    def run() -> Result[tuple[RebatePolicy, ...], DomainError]:
        with uow:
            seen: set[PolicyId] = set()
            for policy in cmd.policies:
                if uow.org.get_brand(BrandCode(policy.brand)) is None:
                    return Failure(_refused(policy, NotFound("brand", policy.brand)))
                for target in policy.targets:
                    if target.store_id is not None and uow.org.get_store(target.store_id) is None:
                        return Failure(_refused(policy, NotFound("store", target.store_id)))
                if policy.id in seen:
                    return Failure(
                        _refused(
                            policy, AlreadyExists("rebate policy (twice in one file)", policy.id)
                        )
                    )
                if uow.rebates.get_policy(policy.id) is not None:
                    return Failure(AlreadyExists("rebate policy", policy.id))
                seen.add(policy.id)
            for policy in cmd.policies:
                uow.rebates.add_policy(policy)
            uow.commit()
            return Success(cmd.policies)

    return _guarded(run)


def _refused(policy: RebatePolicy, error: DomainError) -> DomainError:
    """``error`` with the policy it concerns named first (same type, same code, same
    details; built without the subclass's own ``__init__``, which composes the message)."""
    renamed = type(error).__new__(type(error))
    DomainError.__init__(renamed, f"policy {policy.id}: {error.message}", **error.details)
    return renamed


# --------------------------------------------------------------------------- sales facts


@attrs.frozen
class RecordPickup:
    """A car was picked up from the manufacturer (提车) by a store.

    ``spec`` is needed for a car not recorded yet (and must match one that is);
    ``correct`` with a ``reason`` overwrites a different pick-up day, cost or spec
    already recorded (the change is recorded as an amendment)."""

    store_id: str
    vin: str
    spec: VehicleSpec | None
    picked_up_on: Date
    purchase_cost: Money | None = None
    vat_rate: VatRate | None = None
    correct: bool = False
    reason: str = ""


@attrs.frozen
class RecordSale:
    """A car was sold (and invoiced) to an end customer; optionally already delivered.

    Recording a car whose sale is already recorded is refused unless ``correct`` is set
    with a ``reason`` (the old and new values are recorded as an amendment); recording
    the same facts again changes nothing. ``vat_rate``: the invoice's rate (default 13 %).
    """

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
    vat_rate: VatRate | None = None
    correct: bool = False
    reason: str = ""


@attrs.frozen
class RecordDelivery:
    """A sold car was delivered to its end customer (交车)."""

    store_id: str
    vin: str
    delivered_on: Date


@attrs.frozen
class FlagSale:
    """Mark (or clear) a claw-back reason on a car: out of territory, bad customer data —
    with the ``note`` saying why (recorded as an amendment)."""

    store_id: str
    vin: str
    reason: ClawbackReason
    flagged: bool = True
    note: str = ""


class SaleAlreadyRecorded(RebateError):
    """Recording a car's facts again with other values, without saying it is a correction."""

    code = "already_recorded"


@attrs.frozen
class _Amend:
    action: SaleAction
    reason: str
    detail: str


def _with_fact(
    uow: RebatesOrgUnitOfWork,
    clock: Clock,
    store_raw: str,
    vin_raw: str,
    change: Callable[
        [Store, Vin, SaleFact | None], Result[tuple[SaleFact, _Amend | None], DomainError]
    ],
) -> Result[SaleFact, DomainError]:
    def run() -> Result[SaleFact, DomainError]:
        with uow:
            store = uow.org.get_store(StoreId(code(store_raw, "store code")))
            if store is None:
                return Failure(NotFound("store", store_raw.strip().upper()))
            match _vin(vin_raw):
                case Failure(error):
                    return Failure(error)
                case Success(vin):
                    pass
            existing = uow.rebates.get_sale(store.id, vin.value)
            match change(store, vin, existing):
                case Failure(error):
                    return Failure(error)
                case Success((fact, amend)):
                    pass
            uow.rebates.save_sale(fact)
            if amend is not None:
                seq = len(uow.rebates.amendments(store.id, vin.value)) + 1
                uow.rebates.add_amendment(
                    SaleAmendment(
                        store.id,
                        vin.value,
                        seq,
                        clock.now(),
                        amend.action,
                        amend.reason,
                        amend.detail,
                    )
                )
            uow.commit()
            return Success(fact)
        raise AssertionError("unreachable")  # pragma: no cover

    return _guarded(run)


def _sells(uow: RebatesOrgUnitOfWork, store: Store, spec: VehicleSpec) -> DomainError | None:
    """The brand must be the group's and one the store sells (its franchise)."""
    if uow.org.get_brand(BrandCode(spec.brand)) is None:
        return NotFound("brand", spec.brand)
    if not store.sells(BrandCode(spec.brand)):
        brands = ", ".join(sorted(store.brands))
        return RebateError(
            f"store {store.id} does not sell {spec.brand} (it sells {brands})",
            store=store.id,
            brand=spec.brand,
        )
    return None


def _record(
    fact: SaleFact,
    proposed: dict[str, object],
    *,
    correct: bool,
    reason: str,
    sold: bool,
) -> Result[tuple[SaleFact, _Amend | None], DomainError]:
    """Fill in or (with ``correct``) overwrite ``fact``'s fields; ``sold``: the car's sale
    was recorded already, so any change at all is a correction."""
    changes = fact.changes(proposed)
    overwrites = [c for c in changes if c.before is not None]
    needs_correction = overwrites if not sold else changes
    if correct:
        if not reason.strip():
            return Failure(
                InvariantViolation(f"car {fact.vin}: a correction needs a reason (--reason)")
            )
        if not changes:
            return Failure(
                InvariantViolation(
                    f"car {fact.vin}: nothing to correct, the recorded facts already say this"
                )
            )
    elif needs_correction:
        what = "; ".join(str(c) for c in needs_correction)
        return Failure(
            SaleAlreadyRecorded(
                f"car {fact.vin} at store {fact.store_id} is recorded already ({what}): "
                f"nothing changed; to correct it pass --correct with --reason",
                vin=fact.vin.value,
                store=fact.store_id,
            )
        )
    applied = fact.apply(changes)
    if isinstance(applied, Failure):
        return Failure(applied.failure())
    amend = (
        _Amend(SaleAction.CORRECTED, reason.strip(), "; ".join(str(c) for c in changes))
        if correct
        else None
    )
    return Success((fact, amend))


def record_pickup(
    uow: RebatesOrgUnitOfWork, cmd: RecordPickup, clock: Clock
) -> Result[SaleFact, DomainError]:
    """提车: the car counts for pick-up bonuses on ``picked_up_on``."""

    def change(
        store: Store, vin: Vin, fact: SaleFact | None
    ) -> Result[tuple[SaleFact, _Amend | None], DomainError]:
        spec = cmd.spec or (None if fact is None else fact.spec)
        if spec is None:
            return Failure(
                InvariantViolation(f"car {vin} is not recorded yet: give its --brand and --model")
            )
        refused = _sells(uow, store, spec)
        if refused is not None:
            return Failure(refused)
        new = fact is None
        fact = fact or SaleFact(
            store_id=store.id, vin=vin, spec=spec, vat_rate=cmd.vat_rate or VAT_13
        )
        proposed: dict[str, object] = {
            "spec": cmd.spec,
            "vat_rate": None if new else cmd.vat_rate,
            "picked_up_on": cmd.picked_up_on,
            "purchase_cost": cmd.purchase_cost,
        }
        return _record(fact, proposed, correct=cmd.correct, reason=cmd.reason, sold=False)

    return _with_fact(uow, clock, cmd.store_id, cmd.vin, change)


def record_sale(
    uow: RebatesOrgUnitOfWork, cmd: RecordSale, clock: Clock
) -> Result[SaleFact, DomainError]:
    """售出: the sale (and optionally pick-up, delivery, claw-back flags) of a car.

    A purchase cost without a pick-up day records the cost only: the pick-up day is a
    fact of its own (it decides the pick-up bonus's period), never assumed."""

    def change(
        store: Store, vin: Vin, fact: SaleFact | None
    ) -> Result[tuple[SaleFact, _Amend | None], DomainError]:
        refused = _sells(uow, store, cmd.spec)
        if refused is not None:
            return Failure(refused)
        new = fact is None
        fact = fact or SaleFact(
            store_id=store.id, vin=vin, spec=cmd.spec, vat_rate=cmd.vat_rate or VAT_13
        )
        proposed: dict[str, object] = {
            "spec": cmd.spec,
            "vat_rate": None if new else cmd.vat_rate,
            "picked_up_on": cmd.picked_up_on,
            "purchase_cost": cmd.purchase_cost,
            "sold_on": cmd.sold_on,
            "invoice_price": cmd.invoice_price,
            "delivered_on": cmd.delivered_on,
            "out_of_territory": cmd.out_of_territory or None,
            "bad_customer_data": cmd.bad_customer_data or None,
        }
        sold = fact.sold_on is not None
        return _record(fact, proposed, correct=cmd.correct, reason=cmd.reason, sold=sold)

    return _with_fact(uow, clock, cmd.store_id, cmd.vin, change)


def record_delivery(
    uow: RebatesOrgUnitOfWork, cmd: RecordDelivery, clock: Clock
) -> Result[SaleFact, DomainError]:
    def change(
        store: Store, vin: Vin, fact: SaleFact | None
    ) -> Result[tuple[SaleFact, _Amend | None], DomainError]:
        if fact is None:
            return Failure(NotFound(f"sale at store {store.id}", vin.value))
        if fact.delivered_on is not None:
            if fact.delivered_on == cmd.delivered_on:
                return Success((fact, None))
            return Failure(
                SaleAlreadyRecorded(
                    f"car {vin} at store {store.id} was delivered on {fact.delivered_on}: to "
                    f"correct it, record the sale again with --correct and --reason",
                    vin=vin.value,
                    store=store.id,
                )
            )
        delivered = fact.deliver(cmd.delivered_on)
        if isinstance(delivered, Failure):
            return Failure(delivered.failure())
        return Success((fact, None))

    return _with_fact(uow, clock, cmd.store_id, cmd.vin, change)


def flag_sale(
    uow: RebatesOrgUnitOfWork, cmd: FlagSale, clock: Clock
) -> Result[SaleFact, DomainError]:
    """Set or clear a claw-back flag on a recorded car, saying why; the change is recorded.
    Setting a flag that is set (or clearing one that is clear) changes nothing."""

    def change(
        store: Store, vin: Vin, fact: SaleFact | None
    ) -> Result[tuple[SaleFact, _Amend | None], DomainError]:
        if fact is None:
            return Failure(NotFound(f"sale at store {store.id}", vin.value))
        if not cmd.note.strip():
            return Failure(InvariantViolation(f"car {vin}: say why the flag changes (--reason)"))
        if fact.is_flagged(cmd.reason) == cmd.flagged:
            return Success((fact, None))
        fact.flag(cmd.reason, cmd.flagged)
        action = SaleAction.FLAGGED if cmd.flagged else SaleAction.CLEARED
        return Success((fact, _Amend(action, cmd.note.strip(), cmd.reason.value)))

    return _with_fact(uow, clock, cmd.store_id, cmd.vin, change)


@attrs.frozen
class SaleRecord:
    """A car's sales facts and every recorded change to them."""

    fact: SaleFact
    amendments: tuple[SaleAmendment, ...]


def sale_record(
    uow: RebatesOrgUnitOfWork, store_id: str, vin: str
) -> Result[SaleRecord, DomainError]:
    def run() -> Result[SaleRecord, DomainError]:
        with uow:
            match _store(uow, store_id), _vin(vin):
                case Success(store), Success(parsed):
                    fact = uow.rebates.get_sale(store, parsed.value)
                    if fact is None:
                        return Failure(NotFound(f"sale at store {store}", parsed.value))
                    history = tuple(uow.rebates.amendments(store, parsed.value))
                    return Success(SaleRecord(fact, history))
                case Failure(error), _:
                    return Failure(error)
                case _, Failure(error):
                    return Failure(error)
            raise AssertionError("unreachable")  # pragma: no cover

    return _guarded(run)


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
    uow: RebatesOrgUnitOfWork, ids: Sequence[str], brand: str | None
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
    if wanted is not None and uow.org.get_brand(wanted) is None:
        return Failure(NotFound("brand", wanted))
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
    uow: RebatesOrgUnitOfWork, cmd: EstimateRebates, clock: Clock
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
    """Settle a store's confirmed claim: what is still owed for the period, or — with
    ``paid`` — the amount that actually arrived (the difference is recorded)."""

    store_id: str
    policy_id: str
    period: str
    reference: str = ""
    paid: Money | None = None


def settle_rebate(
    uow: RebatesOrgUnitOfWork, cmd: SettleRebate, clock: Clock
) -> Result[SettlementOutcome, DomainError]:
    """Settlement nets what was already settled for the period and its sub-periods:
    a quarter settled after its months pays only the difference (or deducts it). Only a
    confirmed claim is settled (ADR 0048)."""

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
            outcome = claim.settle(elsewhere, cmd.reference, clock.now(), cmd.paid)
            if isinstance(outcome, Failure):
                return Failure(outcome.failure())
            uow.track(claim)
            uow.commit()
            return Success(outcome.unwrap())

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

    Rebate amounts are treated as pre-tax reductions of cost; the purchase cost and the
    invoice price are taken net of VAT at the car's own rate.
    """

    def run() -> Result[EffectiveCost, DomainError]:
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
            cost = fact.pre_tax_cost
            if cost is None:
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
