"""The rebate arithmetic: pure functions over a policy, a period and cars.

Order of operations, per scope unit (a store, or the whole group for a
group-level target), stated once:

1. Cars count when the policy's event (pick-up or delivery) falls in the period
   and in the policy's validity, and their spec matches the policy's pattern.
2. Cars flagged for a claw-back the policy names neither count nor earn; each
   costs the claw-back's penalty (a negative line).
3. The other cars, ordered by event day then VIN, earn the base value or a
   tier's: **whole volume** — every car earns the highest tier the count
   reaches; **marginal** — car *i* earns the tier reached at unit *i*. A tier
   is reached at unit ⌈achievement × target⌉ (target prorated to the period).
4. A car's amount: the fixed bonus, or value × its pre-tax invoice price,
   times the KPI factor of its store (gates are factors 0 / 1).
5. A cap limits the unit's positive total; it is shared out pro rata, to
   the fen, the remainder of rounding on the largest line.
6. Each line is rounded to the fen (half up) once.

Because values never decrease along the ladder and factors and caps are
applied uniformly, one more car never lowers a unit's total (claw-backs aside).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

import attrs

from fours_domain.rebates.model import (
    GROUP_SCOPE,
    AccrualLine,
    ClawbackReason,
    Kpi,
    Period,
    RebateKind,
    RebatePolicy,
    SaleFact,
    TargetScope,
    TierBasis,
)
from fours_domain.shared.catalogue import ModelCode, VehicleSpec
from fours_domain.shared.ids import StoreId
from fours_domain.shared.money import CNY, FEN, ROUNDING, VAT_13, Money, cny
from fours_domain.shared.time import Date

_ZERO = Decimal(0)
_ONE = Decimal(1)

KpiTable = Mapping[tuple[StoreId, Kpi], Decimal]
"""KPI readings of the period: (store, KPI) → value."""


class Car(NamedTuple):
    """A car as the arithmetic sees it (a sales fact, or a hypothetical one in a what-if)."""

    key: str
    store_id: StoreId
    model: ModelCode
    counted_on: Date
    pre_tax: Decimal | None
    clawbacks: frozenset[ClawbackReason] = frozenset()


class CarBook:
    """A period's sales facts prepared once for many policies.

    Facts are grouped by spec, so a policy's pattern is matched once per
    distinct spec; within a spec, the cars counted by pick-up and by delivery
    are kept sorted by day, so a policy's period is a slice (bisect). Each fact
    becomes a :class:`Car` once per event, its pre-tax price computed once as
    ``VAT_13.split_inclusive(price).net`` does.
    """

    def __init__(self, facts: Iterable[SaleFact]) -> None:
        self._by_spec: dict[VehicleSpec, list[SaleFact]] = defaultdict(list)
        for fact in facts:
            self._by_spec[fact.spec].append(fact)
        self._sorted: dict[tuple[VehicleSpec, bool], tuple[list[Date], list[Car]]] = {}
        self._divisor = Decimal(1) + VAT_13.rate

    def _cars(self, spec: VehicleSpec, pickups: bool) -> tuple[list[Date], list[Car]]:
        found = self._sorted.get((spec, pickups))
        if found is None:
            cars = []
            for fact in self._by_spec[spec]:
                day = fact.picked_up_on if pickups else fact.delivered_on
                if day is None:
                    continue
                price = fact.invoice_price
                cars.append(
                    Car(
                        key=fact.vin.value,
                        store_id=fact.store_id,
                        model=fact.spec.model,
                        counted_on=day,
                        pre_tax=None if price is None else _fen(price.amount / self._divisor),
                        clawbacks=fact.clawback_reasons,
                    )
                )
            cars.sort(key=lambda c: (c.counted_on, c.key))
            found = self._sorted[(spec, pickups)] = ([c.counted_on for c in cars], cars)
        return found

    def cars_for(self, policy: RebatePolicy, period: Period) -> list[Car]:
        """The cars that count for ``policy`` in ``period`` (rule 1)."""
        start = max(period.start, policy.valid_from)
        end = min(period.end, policy.valid_to)
        pickups = policy.kind.counts_pickups
        selected: list[Car] = []
        for spec in self._by_spec:
            if policy.target.matches(spec):
                days, cars = self._cars(spec, pickups)
                selected.extend(cars[bisect_left(days, start) : bisect_right(days, end)])
        return selected


def cars_for(policy: RebatePolicy, period: Period, facts: Iterable[SaleFact]) -> list[Car]:
    """The facts that count for ``policy`` in ``period`` (rule 1)."""
    return CarBook(facts).cars_for(policy, period)


@attrs.frozen
class UnitResult:
    """The outcome for one scope unit: a store, or ``*`` for the group."""

    scope_key: str
    counted: int
    target: Decimal | None
    rung: str
    total: Money
    capped: bool

    @property
    def achievement(self) -> Decimal | None:
        if not self.target:
            return None
        return (Decimal(self.counted) / self.target).quantize(Decimal("0.0001"))


@attrs.frozen
class PolicyResult:
    """A policy's rebates for a period: per unit, and per car."""

    policy: RebatePolicy
    period: Period
    units: tuple[UnitResult, ...]
    lines: tuple[AccrualLine, ...]

    @property
    def total(self) -> Money:
        return cny(sum((unit.total.amount for unit in self.units), _ZERO))

    def by_store(self) -> dict[StoreId, list[AccrualLine]]:
        grouped: dict[StoreId, list[AccrualLine]] = defaultdict(list)
        for line in self.lines:
            grouped[line.store_id].append(line)
        return dict(grouped)


def _scope_key(policy: RebatePolicy, car: Car) -> str:
    return GROUP_SCOPE if policy.scope is TargetScope.GROUP else car.store_id


def _fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUNDING)


def _store_factor(
    policy: RebatePolicy, store: StoreId, kpis: KpiTable, cache: dict[StoreId, Decimal]
) -> Decimal:
    found = cache.get(store)
    if found is None:
        found = _ONE
        for rule in policy.kpi_rules:
            found *= rule.factor(kpis.get((store, rule.kpi)))
        cache[store] = found
    return found


def compute(
    policy: RebatePolicy, period: Period, cars: Sequence[Car], kpis: KpiTable
) -> PolicyResult:
    """Rebates of ``cars`` (already selected by :func:`cars_for`) under ``policy``."""
    units: dict[str, list[Car]] = defaultdict(list)
    for car in cars:
        units[_scope_key(policy, car)].append(car)
    results = []
    lines: list[AccrualLine] = []
    factors: dict[StoreId, Decimal] = {}
    for scope_key in sorted(units):
        unit, unit_lines = _compute_unit(policy, period, scope_key, units[scope_key], kpis, factors)
        results.append(unit)
        lines.extend(unit_lines)
    return PolicyResult(policy, period, tuple(results), tuple(lines))


def _compute_unit(
    policy: RebatePolicy,
    period: Period,
    scope_key: str,
    cars: Sequence[Car],
    kpis: KpiTable,
    factors: dict[StoreId, Decimal],
) -> tuple[UnitResult, list[AccrualLine]]:
    reasons = {c.reason: c for c in policy.clawbacks}
    counted: list[Car] = []
    clawed: list[tuple[Car, ClawbackReason]] = []
    for car in cars:
        hit = policy.clawback_for(car.clawbacks) if reasons and car.clawbacks else None
        if hit is None:
            counted.append(car)
        else:
            clawed.append((car, hit.reason))
    counted.sort(key=lambda c: (c.counted_on, c.key))
    target = policy.target_units(scope_key, period)
    ladder = policy.ladder(target)
    n = len(counted)
    reached = [r for r in ladder if r[0] <= n][-1] if n else ladder[0]
    percent = policy.kind is RebateKind.INVOICE_PERCENT
    marginal = policy.tier_basis is TierBasis.MARGINAL

    raw: list[tuple[Car, Decimal, Decimal, str, Decimal]] = []
    rung_index = 0
    for position, car in enumerate(counted, start=1):
        if marginal:
            while rung_index + 1 < len(ladder) and ladder[rung_index + 1][0] <= position:
                rung_index += 1
            _, value, label = ladder[rung_index]
        else:
            _, value, label = reached
        factor = factors.get(car.store_id)
        if factor is None:
            factor = _store_factor(policy, car.store_id, kpis, factors)
        base = (_ZERO if car.pre_tax is None else value * car.pre_tax) if percent else value
        raw.append((car, base * factor, value, label, factor))

    gross = sum((r[1] for r in raw), _ZERO)
    capped = policy.cap is not None and gross > policy.cap.amount
    if capped and policy.cap is not None:
        amounts = _share_out(policy.cap.amount, [r[1] for r in raw])
    else:
        amounts = [_fen(r[1]) for r in raw]

    pid, key = policy.id, period.key
    # positional: this builds one line per car and policy (ADR 0043)
    lines = [
        AccrualLine(
            car.store_id, pid, key, car.key, Money(amount, CNY), label, value, factor, None, capped
        )
        for (car, _, value, label, factor), amount in zip(raw, amounts, strict=True)
    ]
    for car, reason in sorted(clawed, key=lambda x: (x[0].counted_on, x[0].key)):
        lines.append(
            AccrualLine(
                store_id=car.store_id,
                policy_id=policy.id,
                period_key=period.key,
                vin=car.key,
                amount=-reasons[reason].penalty,
                rung="claw-back",
                unit_value=_ZERO,
                factor=_ONE,
                clawback=reason,
            )
        )
    total = cny(sum(amounts, _ZERO) - sum((reasons[r].penalty.amount for _, r in clawed), _ZERO))
    return UnitResult(scope_key, n, target, reached[2], total, capped), lines


def _share_out(cap: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``cap`` in proportion to ``weights``, to the fen; the lines sum to ``cap``."""
    total = sum(weights, _ZERO)
    shares = [_fen(cap * w / total) for w in weights]
    remainder = cap - sum(shares, _ZERO)
    if shares and remainder:
        largest = max(range(len(shares)), key=lambda i: (weights[i], -i))
        shares[largest] += remainder
    return shares


# --------------------------------------------------------------------------- what-if


@attrs.frozen
class WhatIfOption:
    """Sell ``extra_units`` more ``model`` cars to reach ``rung``: the rebate gained."""

    scope_key: str
    rung: str
    model: ModelCode
    extra_units: int
    assumed_pre_tax: Money | None
    current_total: Money
    total_then: Money

    @property
    def gain(self) -> Money:
        return self.total_then - self.current_total


def what_if(
    policy: RebatePolicy,
    period: Period,
    cars: Sequence[Car],
    kpis: KpiTable,
    scope_key: str,
    models: Mapping[ModelCode, Decimal | None],
) -> list[WhatIfOption]:
    """For each tier not reached yet and each model, how many more cars reach it and
    what the unit's rebate would then be (extra cars valued at the model's average
    pre-tax price in ``models``; counted on the period's last day)."""
    unit_cars = [c for c in cars if _scope_key(policy, c) == scope_key]
    current = compute(policy, period, unit_cars, kpis)
    current_total = current.total
    counted = current.units[0].counted if current.units else 0
    target = policy.target_units(scope_key, period)
    if target is None:
        return []
    store = (
        StoreId(scope_key)
        if scope_key != GROUP_SCOPE
        else (unit_cars[0].store_id if unit_cars else StoreId(GROUP_SCOPE))
    )
    options = []
    rungs = policy.ladder(target)[1:]
    for i, (boundary, _value, label) in enumerate(rungs):
        if boundary <= counted or any(b == boundary for b, _, _ in rungs[i + 1 :]):
            continue  # reached already, or a higher tier is reached by the same cars
        extra = boundary - counted
        for model in sorted(models):
            price = models[model]
            hypothetical = [
                Car(f"+{model}-{i}", store, model, period.end, price) for i in range(extra)
            ]
            then = compute(policy, period, [*unit_cars, *hypothetical], kpis).total
            options.append(
                WhatIfOption(
                    scope_key=scope_key,
                    rung=label,
                    model=model,
                    extra_units=extra,
                    assumed_pre_tax=None if price is None else cny(_fen(price)),
                    current_total=current_total,
                    total_then=then,
                )
            )
    return options


def average_prices(cars: Iterable[Car]) -> dict[ModelCode, Decimal | None]:
    """Average pre-tax price per model among ``cars`` (None when none was invoiced)."""
    sums: dict[ModelCode, list[Decimal]] = defaultdict(list)
    seen: set[ModelCode] = set()
    for car in cars:
        seen.add(car.model)
        if car.pre_tax is not None:
            sums[car.model].append(car.pre_tax)
    return {
        model: (_fen(sum(sums[model], _ZERO) / len(sums[model])) if sums[model] else None)
        for model in seen
    }
