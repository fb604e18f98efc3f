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
4. A car's amount: the fixed bonus, or value × its pre-tax invoice price (at
   the car's VAT rate),
   times the KPI factor of its store (gates are factors 0 / 1).
5. Each line is rounded to the fen (half up) once.
6. A cap limits the unit's total of those rounded lines: when they add up to
   more, the cap itself is allocated over the lines in proportion to their
   unrounded amounts, by largest remainder — each line gets the whole fen of
   its exact share, and the fen left over go one each to the lines with the
   largest fractions, earlier cars (counting order) first on equal fractions.
   The lines then sum to the cap exactly (docs/adr/0047-rebate-caps-to-the-fen.md).

Because values never decrease along the ladder and factors and caps are
applied uniformly, one more car never lowers a unit's total (claw-backs aside).
"""

from __future__ import annotations

import functools
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple

import attrs

from fours_domain.rebates.model import (
    GROUP_SCOPE,
    AccrualLine,
    Clawback,
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
from fours_domain.shared.money import (
    FEN,
    MAX_AMOUNT,
    ROUNDING,
    InvalidAmount,
    Money,
    cny,
    div_round_fen,
    div_round_fen_each,
    fen_of,
    money_of_fen,
    scaled,
)
from fours_domain.shared.time import Date

_ZERO = Decimal(0)
_ONE = Decimal(1)
_MAX_FEN = int(MAX_AMOUNT * 100)

KpiTable = Mapping[tuple[StoreId, Kpi], Decimal]
"""KPI readings of the period: (store, KPI) → value."""


class Car(NamedTuple):
    """A car as the arithmetic sees it (a sales fact, or a hypothetical one in a what-if).

    Fields are in counting order: cars compare by the day they count, then VIN.
    ``pre_tax_fen`` is the pre-tax invoice price in integer fen
    (:meth:`~fours_domain.shared.money.VatRate.net_fen`), None when not invoiced.
    """

    counted_on: Date
    key: str
    store_id: StoreId
    model: ModelCode
    pre_tax_fen: int | None
    clawbacks: frozenset[ClawbackReason] = frozenset()


_new_car = tuple.__new__
_ORDER = itemgetter(0, 1)
"""A car's counting order: day, then VIN."""


def _clawed_order(item: tuple[Car, ClawbackReason]) -> tuple[Date, str]:
    return item[0][:2]


Flags = frozenset[ClawbackReason]
_NO_CLAWBACK: Flags = frozenset()
_CarRest = tuple[str, StoreId, ModelCode, int | None, Flags]


class CarBook:
    """A period's sales facts prepared once for many policies.

    Facts are grouped by spec, so a policy's pattern is matched once per
    distinct spec; within a spec, the cars counted by pick-up and by delivery
    are kept sorted by day, so a policy's period is a slice (bisect). Each fact's
    pre-tax price is computed once, in integer fen, at the car's own VAT rate, as
    ``fact.vat_rate.split_inclusive(price).net`` does.
    """

    def __init__(self, facts: Iterable[SaleFact]) -> None:
        self._by_spec: dict[VehicleSpec, list[SaleFact]] = defaultdict(list)
        for fact in facts:
            self._by_spec[fact.spec].append(fact)
        self._sorted: dict[tuple[VehicleSpec, bool], tuple[list[Date], list[Car]]] = {}
        self._rest: dict[VehicleSpec, list[_CarRest]] = {}

    def _car_rest(self, spec: VehicleSpec) -> list[_CarRest]:
        """Every field of a car but its day, once per fact (both events share it)."""
        found = self._rest.get(spec)
        if found is None:
            found = self._rest[spec] = [
                (
                    fact.vin.value,
                    fact.store_id,
                    spec.model,
                    None
                    if fact.invoice_price is None
                    else fact.vat_rate.net_fen(fen_of(fact.invoice_price)),
                    fact.clawback_reasons
                    if fact.out_of_territory or fact.bad_customer_data
                    else _NO_CLAWBACK,
                )
                for fact in self._by_spec[spec]
            ]
        return found

    def _cars(self, spec: VehicleSpec, pickups: bool) -> tuple[list[Date], list[Car]]:
        found = self._sorted.get((spec, pickups))
        if found is None:
            cars: list[Car] = [
                _new_car(Car, (day, *rest))
                for fact, rest in zip(self._by_spec[spec], self._car_rest(spec), strict=True)
                if (day := fact.picked_up_on if pickups else fact.delivered_on) is not None
            ]
            cars.sort(key=_ORDER)
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


class UnitAccruals(NamedTuple):
    """A unit's per-car results, kept compact: the lines are built from them on demand."""

    counted: Sequence[Car]
    rungs: Sequence[tuple[int, Decimal, str]]
    fens: Sequence[int]
    """Each counted car's rebate in integer fen, rounded (and capped) already."""
    factors: Mapping[StoreId, Decimal]
    capped: bool
    clawed: Sequence[tuple[Car, Clawback]]


@attrs.frozen
class PolicyResult:
    """A policy's rebates for a period: per unit, and per car.

    Every car's amount is computed with the units; the :class:`AccrualLine` values
    are built from those amounts the first time :attr:`lines` is read (ADR 0043).
    """

    policy: RebatePolicy
    period: Period
    units: tuple[UnitResult, ...]
    accruals: tuple[UnitAccruals, ...] = attrs.field(repr=False, eq=False)

    @functools.cached_property
    def lines(self) -> tuple[AccrualLine, ...]:
        """One line per car: the counted cars of each unit, then its claw-backs."""
        pid, key = self.policy.id, self.period.key
        new = tuple.__new__
        lines: list[AccrualLine] = []
        for unit in self.accruals:
            money = {fen: money_of_fen(fen) for fen in set(unit.fens)}
            factors, capped = unit.factors, unit.capped
            lines.extend(
                new(
                    AccrualLine,
                    (
                        car.store_id,
                        pid,
                        key,
                        car.key,
                        money[fen],
                        rung[2],
                        rung[1],
                        factors[car.store_id],
                        None,
                        capped,
                    ),
                )
                for car, rung, fen in zip(unit.counted, unit.rungs, unit.fens, strict=True)
            )
            lines.extend(
                AccrualLine(
                    store_id=car.store_id,
                    policy_id=pid,
                    period_key=key,
                    vin=car.key,
                    amount=-clawback.penalty,
                    rung="claw-back",
                    unit_value=_ZERO,
                    factor=_ONE,
                    clawback=clawback.reason,
                )
                for car, clawback in unit.clawed
            )
        return tuple(lines)

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
    units: dict[str, list[Car]] = {}
    if policy.scope is TargetScope.GROUP:
        if cars:
            units[GROUP_SCOPE] = list(cars)
    else:
        for car in cars:
            found = units.get(car.store_id)
            if found is None:
                units[car.store_id] = [car]
            else:
                found.append(car)
    results = []
    accruals = []
    factors: dict[StoreId, Decimal] = {}
    for scope_key in sorted(units):
        unit, unit_accruals = _compute_unit(
            policy, period, scope_key, units[scope_key], kpis, factors
        )
        results.append(unit)
        accruals.append(unit_accruals)
    return PolicyResult(policy, period, tuple(results), tuple(accruals))


def _compute_unit(
    policy: RebatePolicy,
    period: Period,
    scope_key: str,
    cars: Sequence[Car],
    kpis: KpiTable,
    factors: dict[StoreId, Decimal],
) -> tuple[UnitResult, UnitAccruals]:
    # Integer arithmetic: a car's unrounded amount is ``raw / scale`` fen, exactly;
    # each line is rounded once, half up, by ``div_round_fen`` (ADR 0041, rule 6).
    reasons = {c.reason: c for c in policy.clawbacks}
    counted: list[Car] = []
    clawed: list[tuple[Car, ClawbackReason]] = []
    for car in cars:
        hit = policy.clawback_for(car.clawbacks) if reasons and car.clawbacks else None
        if hit is None:
            counted.append(car)
        else:
            clawed.append((car, hit.reason))
    counted.sort(key=_ORDER)
    target = policy.target_units(scope_key, period)
    ladder = policy.ladder(target)
    n = len(counted)
    reached = [r for r in ladder if r[0] <= n][-1] if n else ladder[0]
    stores = {c.store_id for c in counted}
    store_factor = {s: _store_factor(policy, s, kpis, factors) for s in stores}
    raws, rungs, scale = _raw_amounts(policy, counted, ladder, reached, store_factor)

    fens = div_round_fen_each(raws, scale)
    cap = policy.cap
    capped = cap is not None and sum(fens) > fen_of(cap)
    if cap is not None and capped:
        fens = allocate_cap(fen_of(cap), raws)

    clawed_in_order = [(car, reasons[reason]) for car, reason in sorted(clawed, key=_clawed_order)]
    penalties = sum(fen_of(clawback.penalty) for _, clawback in clawed_in_order)
    total_fen = sum(fens) - penalties
    if abs(total_fen) > _MAX_FEN or (fens and max(fens) > _MAX_FEN):
        raise InvalidAmount(
            f"{policy.id} at {scope_key}: the rebate {money_of_fen(total_fen).amount} "
            f"(or one car's line) would exceed the maximum amount {MAX_AMOUNT}",
            field="rebate total",
            value=f"{money_of_fen(total_fen).amount}",
            maximum=str(MAX_AMOUNT),
        )
    total = money_of_fen(total_fen)
    unit = UnitResult(scope_key, n, target, reached[2], total, capped)
    return unit, UnitAccruals(counted, rungs, fens, store_factor, capped, clawed_in_order)


def _raw_amounts(
    policy: RebatePolicy,
    counted: Sequence[Car],
    ladder: Sequence[tuple[int, Decimal, str]],
    reached: tuple[int, Decimal, str],
    store_factor: Mapping[StoreId, Decimal],
) -> tuple[list[int], list[tuple[int, Decimal, str]], int]:
    """Each counted car's unrounded amount as ``raw / scale`` fen, exactly, and its rung."""
    percent = policy.kind is RebateKind.INVOICE_PERCENT
    marginal = policy.tier_basis is TierBasis.MARGINAL
    value_places = max(scaled(v)[1] for _, v, _ in ladder)
    factor_places = max((scaled(f)[1] for f in store_factor.values()), default=0)
    scale = 10 ** (value_places + factor_places)
    value_int = {v: int(v.scaleb(value_places)) for _, v, _ in ladder}
    factor_int = {s: int(f.scaleb(factor_places)) for s, f in store_factor.items()}
    if not percent:  # a fixed bonus is in yuan: fen = yuan × 100
        factor_int = {s: f * 100 for s, f in factor_int.items()}
    raws: list[int] = []
    rungs: list[tuple[int, Decimal, str]] = []
    rung_index = 0
    rung = reached
    value = value_int[reached[1]]
    for position, car in enumerate(counted, start=1):
        if marginal:
            while rung_index + 1 < len(ladder) and ladder[rung_index + 1][0] <= position:
                rung_index += 1
            rung = ladder[rung_index]
            value = value_int[rung[1]]
        if percent:
            price = car.pre_tax_fen
            raws.append(0 if price is None else price * value * factor_int[car.store_id])
        else:
            raws.append(value * factor_int[car.store_id])
        rungs.append(rung)
    return raws, rungs, scale


def allocate_cap(cap: int, weights: Sequence[int]) -> list[int]:
    """Split ``cap`` fen over lines in proportion to ``weights`` (≥ 0), by largest remainder:
    each line gets the whole fen of its exact share ``cap × w / Σw``; the fen left over go
    one each to the largest fractional parts, the earlier line first on a tie. The result
    sums to ``cap`` exactly and no line exceeds its exact share by a fen or more.

    >>> allocate_cap(600001, [300005, 300005])   # two cars of 3000.005 under a 6000.01 cap
    [300001, 300000]
    >>> allocate_cap(10, [1, 1, 1])
    [4, 3, 3]
    """
    total = sum(weights)
    if total <= 0 or cap <= 0:
        return [0] * len(weights)
    whole = [cap * w // total for w in weights]
    left = cap - sum(whole)
    by_fraction = sorted(range(len(weights)), key=lambda i: (-(cap * weights[i] % total), i))
    for i in by_fraction[:left]:
        whole[i] += 1
    return whole


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
            price_fen = None if price is None else int(_fen(price).scaleb(2))
            hypothetical = [
                Car(period.end, f"+{model}-{i}", store, model, price_fen) for i in range(extra)
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
    sums: dict[ModelCode, list[int]] = defaultdict(list)
    seen: set[ModelCode] = set()
    for car in cars:
        seen.add(car.model)
        if car.pre_tax_fen is not None:
            sums[car.model].append(car.pre_tax_fen)
    return {
        model: (
            money_of_fen(div_round_fen(sum(sums[model]), len(sums[model]))).amount
            if sums[model]
            else None
        )
        for model in seen
    }
