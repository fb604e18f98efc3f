"""Manufacturer business policy and rebates (厂家商务政策 / 返利).

A :class:`RebatePolicy` is the group's record of what a manufacturer promised:
which cars (a :class:`~fours_domain.shared.catalogue.SpecPattern`), what each
earns (a fixed bonus or a share of the pre-tax invoice price), tiers by target
achievement, KPI gates or multipliers, claw-backs, a cap, the settlement
period and the account the money reduces. Policies are immutable definitions
(a corrected policy is a new policy).

A :class:`SaleFact` is one car's sales facts — the accrual base (返利计提基数) —
kept by this context until the vehicles and sales contexts feed it by events.

A :class:`RebateClaim` is what one store is owed under one policy for one
period, with its lifecycle: estimated (预估) → confirmed (厂家通知确认) →
settled (结算). Settlement always nets what was already settled for the
period and its sub-periods, so a quarter re-computed at quarter end pays only
the difference over the monthly settlements already received.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple, NewType

import attrs
import pendulum
from returns.result import Failure, Result, Success

from fours_domain.shared.catalogue import ModelCode, SpecPattern, VehicleSpec
from fours_domain.shared.errors import DomainError, IllegalTransition, InvariantViolation
from fours_domain.shared.events import DomainEvent, EventRecorder
from fours_domain.shared.identifiers import Vin
from fours_domain.shared.ids import StoreId
from fours_domain.shared.money import (
    MAX_AMOUNT,
    VAT_13,
    ZERO,
    Money,
    VatRate,
    check_amount,
    round_fen,
    sum_money,
)
from fours_domain.shared.time import Date, DateTime

PolicyId = NewType("PolicyId", str)

_POLICY_ID = re.compile(r"^[A-Z0-9][A-Z0-9_.\-/]{0,63}$")
GROUP_SCOPE = "*"
"""Scope key of a group-level target (one target across all the group's stores)."""


def policy_id(value: str) -> PolicyId:
    """Normalise a policy code (upper case, 1–64 of A–Z 0–9 . _ - /).

    >>> policy_id(" audi-2026q3-retail ")
    'AUDI-2026Q3-RETAIL'
    """
    normalised = value.strip().upper()
    if not _POLICY_ID.match(normalised):
        raise InvariantViolation(f"policy id {value!r} is not a valid code", policy=value)
    return PolicyId(normalised)


class RebateError(DomainError):
    """A rebate use case was refused."""

    code = "rebate_refused"


# --------------------------------------------------------------------------- periods


class PeriodKind(enum.Enum):
    """Settlement period of a policy: 月度 / 季度 / 年度."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    @property
    def months(self) -> int:
        return {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[self]


_PERIOD_RE = re.compile(r"^(\d{4})(?:-(Q[1-4]|\d{2}))?$")


@attrs.frozen
class Period:
    """A calendar month, quarter or year, keyed ``2026-07``, ``2026-Q3``, ``2026``.

    >>> p = Period.parse("2026-q3")
    >>> (p.key, str(p.start), str(p.end), p.months)
    ('2026-Q3', '2026-07-01', '2026-09-30', 3)
    >>> Period.parse("2026-08").within(p)
    True
    """

    kind: PeriodKind
    year: int
    index: int = 1

    def __attrs_post_init__(self) -> None:
        top = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}[self.kind]
        if not (1900 <= self.year <= 2200 and 1 <= self.index <= top):
            raise InvariantViolation(f"no such {self.kind.value}: {self.year}/{self.index}")

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD_RE.match(text.strip().upper())
        if match is None:
            raise InvariantViolation(
                f"period {text!r} must look like 2026, 2026-Q3 or 2026-07", period=text
            )
        year, part = int(match.group(1)), match.group(2)
        if part is None:
            return cls(PeriodKind.YEAR, year)
        if part.startswith("Q"):
            return cls(PeriodKind.QUARTER, year, int(part[1]))
        return cls(PeriodKind.MONTH, year, int(part))

    @classmethod
    def containing(cls, kind: PeriodKind, day: Date) -> Period:
        index = {
            PeriodKind.MONTH: day.month,
            PeriodKind.QUARTER: (day.month - 1) // 3 + 1,
            PeriodKind.YEAR: 1,
        }[kind]
        return cls(kind, day.year, index)

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return f"{self.year}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}-Q{self.index}"
        return f"{self.year}-{self.index:02d}"

    @property
    def months(self) -> int:
        return self.kind.months

    @property
    def start(self) -> Date:
        first_month = (self.index - 1) * self.months + 1
        return pendulum.Date(self.year, first_month, 1)

    @property
    def end(self) -> Date:
        last = self.start.add(months=self.months).subtract(days=1)
        return pendulum.Date(last.year, last.month, last.day)

    def contains(self, day: Date) -> bool:
        return self.start <= day <= self.end

    def within(self, other: Period) -> bool:
        """True when this period lies inside ``other`` (or is it)."""
        return other.start <= self.start and self.end <= other.end

    def __str__(self) -> str:
        return self.key


# --------------------------------------------------------------------------- policies


class RebateKind(enum.Enum):
    """What one car earns, and which event counts it."""

    PICKUP_BONUS = "pickup_bonus"
    """提车奖: a fixed amount per car picked up from the manufacturer (wholesale)."""
    RETAIL_BONUS = "retail_bonus"
    """零售奖: a fixed amount per car delivered to an end customer."""
    INVOICE_PERCENT = "invoice_percent"
    """达标返利: a share of the car's pre-tax invoice price (单车税前开票价), per retail car."""

    @property
    def counts_pickups(self) -> bool:
        return self is RebateKind.PICKUP_BONUS


class TierBasis(enum.Enum):
    """How a tier reached applies: to every unit of the period, or to units past it only."""

    WHOLE_VOLUME = "whole_volume"
    """Reaching a tier pays its value on every unit of the period (全量)."""
    MARGINAL = "marginal"
    """Each unit earns the value of the tier it falls in (超额部分累进)."""


class TargetScope(enum.Enum):
    """Whose volume is measured against the target."""

    STORE = "store"
    GROUP = "group"


class Account(enum.Enum):
    """What the rebate reduces in the books."""

    VEHICLE_COST = "vehicle_cost"
    """Sales rebates reduce vehicle cost (整车成本)."""
    PARTS_COST = "parts_cost"
    """Service / parts rebates reduce parts cost (配件成本)."""
    EXPENSE = "expense"
    """Marketing support offsets expense (费用)."""


class Kpi(enum.Enum):
    """KPIs a manufacturer conditions rebates on."""

    CSI = "csi"
    """Sales satisfaction score (CSI, 满意度)."""
    SSI = "ssi"
    """Service satisfaction score (SSI)."""
    STOCK_DEPTH = "stock_depth"
    """Stock depth in months of sales (库存深度), e.g. ≤ 1.2."""


class Comparison(enum.Enum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


class ClawbackReason(enum.Enum):
    """Why a manufacturer takes a car's rebate back (扣罚)."""

    OUT_OF_TERRITORY = "out_of_territory"
    """Sold outside the dealer's territory (跨区销售)."""
    BAD_CUSTOMER_DATA = "bad_customer_data"
    """Customer data missing or false (客户信息不实)."""


def _fraction(value: Decimal | int) -> Decimal:
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if not isinstance(value, Decimal):
        raise InvariantViolation(f"{value!r} must be a Decimal (or an int), never a float")
    if not value.is_finite():
        raise InvariantViolation(f"{value} is not finite")
    return value


@attrs.frozen
class Tier:
    """A tier: from ``achievement`` (fraction of target, e.g. ``0.8``) on, a unit earns ``value``.

    ``value`` is in the policy's unit: yuan per car for bonuses, a fraction of
    the pre-tax invoice price for :attr:`RebateKind.INVOICE_PERCENT`.
    """

    achievement: Decimal = attrs.field(converter=_fraction)
    value: Decimal = attrs.field(converter=_fraction)

    def boundary(self, target_units: Decimal) -> int:
        """The unit number (1-based) from which the tier is reached: ⌈achievement × target⌉."""
        needed = self.achievement * target_units
        whole = int(needed.to_integral_value(rounding="ROUND_CEILING"))
        return max(whole, 1)

    @property
    def label(self) -> str:
        return f"≥{(self.achievement * 100).normalize():f}%"


@attrs.frozen
class KpiRule:
    """A KPI condition: a gate (missed → ×0) or a multiplier (met → × ``met_factor``)."""

    kpi: Kpi
    comparison: Comparison
    threshold: Decimal = attrs.field(converter=_fraction)
    met_factor: Decimal = attrs.field(default=Decimal(1), converter=_fraction)
    missed_factor: Decimal = attrs.field(default=Decimal(0), converter=_fraction)

    def __attrs_post_init__(self) -> None:
        if self.met_factor < 0 or self.missed_factor < 0:
            raise InvariantViolation(f"KPI {self.kpi.value}: factors must not be negative")

    def met(self, reading: Decimal | None) -> bool:
        """A missing reading counts as missed: estimates stay prudent."""
        if reading is None:
            return False
        if self.comparison is Comparison.AT_LEAST:
            return reading >= self.threshold
        return reading <= self.threshold

    def factor(self, reading: Decimal | None) -> Decimal:
        return self.met_factor if self.met(reading) else self.missed_factor

    def __str__(self) -> str:
        op = "≥" if self.comparison is Comparison.AT_LEAST else "≤"
        return f"{self.kpi.value} {op} {self.threshold}"


@attrs.frozen
class Clawback:
    """A car flagged for ``reason`` earns nothing, is not counted, and costs ``penalty``."""

    reason: ClawbackReason
    penalty: Money = ZERO

    def __attrs_post_init__(self) -> None:
        check_amount(self.penalty, "penalty")
        if self.penalty.amount < 0 or self.penalty != round_fen(self.penalty):
            raise InvariantViolation(f"claw-back penalty {self.penalty} must be ≥ 0, in fen")


@attrs.frozen
class Target:
    """Target volume (units) for a period of the policy; ``store_id`` None = default / group."""

    units: int
    store_id: StoreId | None = None

    def __attrs_post_init__(self) -> None:
        if self.units <= 0:
            raise InvariantViolation(f"a target must be positive, got {self.units}")


def _policy_name(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise InvariantViolation("a policy needs a name")
    return stripped


@attrs.frozen
class RebatePolicy:
    """A manufacturer business policy (厂家商务政策), valid from/to (inclusive, local days)."""

    id: PolicyId = attrs.field(converter=policy_id)
    name: str = attrs.field(converter=_policy_name)
    target: SpecPattern
    kind: RebateKind
    period: PeriodKind
    valid_from: Date
    valid_to: Date
    value: Decimal = attrs.field(converter=_fraction)
    account: Account = Account.VEHICLE_COST
    tiers: tuple[Tier, ...] = ()
    tier_basis: TierBasis | None = None
    scope: TargetScope = TargetScope.STORE
    targets: tuple[Target, ...] = ()
    kpi_rules: tuple[KpiRule, ...] = ()
    clawbacks: tuple[Clawback, ...] = ()
    cap: Money | None = None

    def __attrs_post_init__(self) -> None:
        def bad(message: str) -> InvariantViolation:
            return InvariantViolation(f"policy {self.id}: {message}", policy=self.id)

        if self.valid_to < self.valid_from:
            raise bad(f"valid to {self.valid_to} is before valid from {self.valid_from}")
        values = [self.value, *(t.value for t in self.tiers)]
        if any(v < 0 for v in values):
            raise bad("values must not be negative")
        if self.kind is RebateKind.INVOICE_PERCENT and any(v > 1 for v in values):
            raise bad("a share of the invoice price must be ≤ 1 (write 1.5% as 0.015)")
        if any(v > MAX_AMOUNT for v in values):
            raise bad(f"an amount per car must not exceed the maximum amount {MAX_AMOUNT}")
        thresholds = [t.achievement for t in self.tiers]
        if any(a <= 0 for a in thresholds) or thresholds != sorted(set(thresholds)):
            raise bad("tier achievements must be positive and strictly increasing")
        if values != sorted(values):
            raise bad("tier values must not decrease as achievement rises (nor undercut the base)")
        if self.tiers and self.tier_basis is None:
            raise bad("tiers need an explicit basis: whole_volume or marginal")
        if self.tiers and not self.targets:
            raise bad("tiers need a target")
        stores = [t.store_id for t in self.targets]
        if len(stores) != len(set(stores)):
            raise bad("one target per store (and one default)")
        if self.scope is TargetScope.GROUP and stores not in ([], [None]):
            raise bad("a group-level policy has one group target, without a store")
        reasons = [c.reason for c in self.clawbacks]
        if len(reasons) != len(set(reasons)):
            raise bad("one claw-back per reason")
        if self.cap is not None and (
            check_amount(self.cap, "cap").amount < 0 or self.cap != round_fen(self.cap)
        ):
            raise bad("a cap must be ≥ 0, in fen")

    @property
    def brand(self) -> str:
        return self.target.brand

    def applies_to(self, spec: VehicleSpec) -> bool:
        return self.target.matches(spec)

    def valid_on(self, day: Date) -> bool:
        return self.valid_from <= day <= self.valid_to

    def overlaps(self, period: Period) -> bool:
        return self.valid_from <= period.end and period.start <= self.valid_to

    def target_units(self, scope_key: str, period: Period) -> Decimal | None:
        """The target for a store (or the group), prorated when ``period`` is shorter
        than the policy's (a month of a quarterly policy gets a third of the target)."""
        wanted = None if scope_key == GROUP_SCOPE else scope_key
        found = next((t for t in self.targets if t.store_id == wanted), None)
        if found is None:
            found = next((t for t in self.targets if t.store_id is None), None)
        if found is None:
            return None
        return Decimal(found.units) * period.months / self.period.months

    def clawback_for(self, reasons: frozenset[ClawbackReason]) -> Clawback | None:
        """The claw-back that applies to a car flagged for ``reasons`` (the largest penalty)."""
        hits = [c for c in self.clawbacks if c.reason in reasons]
        return max(hits, key=lambda c: c.penalty.amount) if hits else None

    def ladder(self, target_units: Decimal | None) -> list[tuple[int, Decimal, str]]:
        """``(from unit, value, label)`` rungs, base first (from unit 1)."""
        rungs = [(1, self.value, "base")]
        if target_units is not None:
            rungs.extend((t.boundary(target_units), t.value, t.label) for t in self.tiers)
        return rungs

    def settles(self, period: Period) -> Result[Period, RebateError]:
        """Refuse periods longer than the policy's: a quarterly policy settles months, quarters."""
        if period.months > self.period.months:
            return Failure(
                RebateError(
                    f"policy {self.id} is {self.period.value}ly: cannot compute {period.key}",
                    policy=self.id,
                    period=period.key,
                )
            )
        if period.months and self.period.months % period.months:
            return Failure(RebateError(f"period {period.key} does not divide {self.period.value}"))
        return Success(period)


# --------------------------------------------------------------------------- sales facts


class SaleEvent(enum.Enum):
    PICKUP = "pickup"
    SALE = "sale"
    DELIVERY = "delivery"


_FLAGS: dict[tuple[bool, bool], frozenset[ClawbackReason]] = {
    (oot, bad): frozenset(
        (*((ClawbackReason.OUT_OF_TERRITORY,) if oot else ()),)
        + ((ClawbackReason.BAD_CUSTOMER_DATA,) if bad else ())
    )
    for oot in (False, True)
    for bad in (False, True)
}
"""A car's claw-back flags → its reasons (one shared set per combination)."""


@attrs.define(slots=False, eq=False)
class SaleFact:
    """One car's sales facts (返利计提基数): the accrual base of every rebate.

    ``invoice_price`` is the tax-inclusive price invoiced to the end customer;
    ``purchase_cost`` the tax-inclusive price the manufacturer invoiced us; both carry
    the car's ``vat_rate`` (13 % for new cars unless the invoice says otherwise).
    """

    store_id: StoreId
    vin: Vin
    spec: VehicleSpec
    picked_up_on: Date | None = None
    sold_on: Date | None = None
    delivered_on: Date | None = None
    invoice_price: Money | None = None
    purchase_cost: Money | None = None
    out_of_territory: bool = False
    bad_customer_data: bool = False
    vat_rate: VatRate = VAT_13

    def __attrs_post_init__(self) -> None:
        for name, what in (
            ("invoice_price", self.invoice_price),
            ("purchase_cost", self.purchase_cost),
        ):
            if what is None:
                continue
            check_amount(what, name)
            if what.amount <= 0 or what != round_fen(what):
                raise InvariantViolation(f"car {self.vin}: prices must be positive, in fen")

    @property
    def pre_tax_price(self) -> Money | None:
        """单车税前开票价: the invoice price without its VAT (at the car's rate)."""
        if self.invoice_price is None:
            return None
        return self.vat_rate.split_inclusive(self.invoice_price).net

    @property
    def pre_tax_cost(self) -> Money | None:
        """The purchase cost without its VAT (at the car's rate)."""
        if self.purchase_cost is None:
            return None
        return self.vat_rate.split_inclusive(self.purchase_cost).net

    @property
    def clawback_reasons(self) -> frozenset[ClawbackReason]:
        return _FLAGS[bool(self.out_of_territory), bool(self.bad_customer_data)]

    def counted_on(self, kind: RebateKind) -> Date | None:
        """The day the car counts for a policy of ``kind``: picked up, or delivered."""
        return self.picked_up_on if kind.counts_pickups else self.delivered_on

    def pick_up(self, on: Date, cost: Money | None) -> None:
        self.picked_up_on = on
        if cost is not None:
            self.purchase_cost = cost

    def sell(self, on: Date, invoice_price: Money) -> Result[None, DomainError]:
        if self.delivered_on is not None and self.delivered_on < on:
            return Failure(IllegalTransition(f"car {self.vin}", "delivered", f"be sold on {on}"))
        if invoice_price.amount <= 0 or invoice_price != round_fen(invoice_price):
            raise InvariantViolation(f"car {self.vin}: invoice price {invoice_price} is not valid")
        self.sold_on = on
        self.invoice_price = invoice_price
        return Success(None)

    def deliver(self, on: Date) -> Result[None, DomainError]:
        """Delivery to an end customer (交车); the sale must be recorded first."""
        if self.sold_on is None:
            return Failure(IllegalTransition(f"car {self.vin}", "not sold", "be delivered"))
        if on < self.sold_on:
            return Failure(
                IllegalTransition(f"car {self.vin}", f"sold on {self.sold_on}", f"deliver {on}")
            )
        self.delivered_on = on
        return Success(None)

    def flag(self, reason: ClawbackReason, flagged: bool = True) -> None:
        if reason is ClawbackReason.OUT_OF_TERRITORY:
            self.out_of_territory = flagged
        else:
            self.bad_customer_data = flagged

    def is_flagged(self, reason: ClawbackReason) -> bool:
        return reason in self.clawback_reasons

    def changes(self, proposed: Mapping[str, object]) -> list[SaleChange]:
        """What recording ``proposed`` (field → value; ``None`` = not given) would change:
        fields not yet known are filled in, known ones with another value overwritten."""
        found = []
        for name in _AMENDABLE:
            value = proposed.get(name)
            before = getattr(self, name)
            if value is not None and value != before:
                known = before is not None and before is not False
                found.append(SaleChange(name, before if known else None, value))
        return found

    def apply(self, changes: Sequence[SaleChange]) -> Result[None, DomainError]:
        """Apply :meth:`changes` and check the facts still hang together."""
        for change in changes:
            setattr(self, change.field, change.after)
        self.__attrs_post_init__()
        if self.delivered_on is not None and self.sold_on is None:
            return Failure(IllegalTransition(f"car {self.vin}", "not sold", "be delivered"))
        delivered, sold = self.delivered_on, self.sold_on
        if delivered is not None and sold is not None and delivered < sold:
            return Failure(
                IllegalTransition(
                    f"car {self.vin}", f"sold on {sold}", f"be delivered on {delivered}"
                )
            )
        if (self.sold_on is None) != (self.invoice_price is None):
            return Failure(
                InvariantViolation(f"car {self.vin}: a sale has both a day and an invoice price")
            )
        return Success(None)


_AMENDABLE = (
    "spec",
    "vat_rate",
    "picked_up_on",
    "purchase_cost",
    "sold_on",
    "invoice_price",
    "delivered_on",
    "out_of_territory",
    "bad_customer_data",
)


def _shown(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, Money):
        return f"{value.amount:.2f}"
    if isinstance(value, bool):
        return "set" if value else "clear"
    return str(value)


@attrs.frozen
class SaleChange:
    """One field of a car's sales facts changing: filled in (``before`` None) or overwritten."""

    field: str
    before: object
    after: object

    def __str__(self) -> str:
        return f"{self.field} {_shown(self.before)} → {_shown(self.after)}"


class SaleAction(enum.Enum):
    """Why a car's recorded sales facts changed after they were first recorded."""

    CORRECTED = "corrected"
    FLAGGED = "flagged"
    CLEARED = "cleared"


@attrs.frozen
class SaleAmendment:
    """A recorded change to a car's sales facts (更正 / 扣罚标记): when, what, why."""

    store_id: StoreId
    vin: str
    seq: int
    at: DateTime
    action: SaleAction
    reason: str
    detail: str

    def __attrs_post_init__(self) -> None:
        if not self.reason.strip():
            raise InvariantViolation(f"car {self.vin}: a change to recorded facts needs a reason")


@attrs.frozen
class KpiReading:
    """A store's KPI value for a period (e.g. CSI 92.5 for 2026-Q3)."""

    store_id: StoreId
    period_key: str
    kpi: Kpi
    value: Decimal = attrs.field(converter=_fraction)


# --------------------------------------------------------------------------- claims


class ClaimStatus(enum.Enum):
    ESTIMATED = "estimated"
    """预估: accrued car by car from our own sales facts."""
    CONFIRMED = "confirmed"
    """The manufacturer's notice confirmed an amount."""
    SETTLED = "settled"
    """Paid or credited in full (nets to zero outstanding)."""


def _explain(line: AccrualLine | Accrual) -> str:
    parts = [line.rung, f"value {line.unit_value}"]
    if line.factor != 1:
        parts.append(f"KPI ×{line.factor}")
    if line.capped:
        parts.append("capped")
    if line.clawback is not None:
        parts.append(f"claw-back: {line.clawback.value}")
    return ", ".join(parts)


class AccrualLine(NamedTuple):
    """One car's rebate under one policy for one period, with how it was reached.

    The value the arithmetic produces — tens of thousands per quarter, so an
    immutable ``NamedTuple`` (the cheapest value object to build; see
    docs/adr/0043-rebate-computation-performance.md); a :class:`RebateClaim`
    keeps its own stored copies (:class:`Accrual`).
    """

    store_id: StoreId
    policy_id: PolicyId
    period_key: str
    vin: str
    amount: Money
    rung: str
    unit_value: Decimal
    factor: Decimal
    clawback: ClawbackReason | None = None
    capped: bool = False

    def explain(self) -> str:
        return _explain(self)


@attrs.define(slots=False, eq=False)
class Accrual:
    """A claim's stored accrual line (预估明细)."""

    store_id: StoreId
    policy_id: PolicyId
    period_key: str
    vin: str
    amount: Money
    rung: str
    unit_value: Decimal
    factor: Decimal
    clawback: ClawbackReason | None = None
    capped: bool = False

    @classmethod
    def of(cls, line: AccrualLine) -> Accrual:
        return cls(**line._asdict())

    def explain(self) -> str:
        return _explain(self)


@attrs.define(slots=False, eq=False)
class Settlement:
    """One payment or credit (or deduction, if negative) received for a claim: ``amount``
    is what was actually paid, ``due`` what was owed at that moment; the difference is
    reported and stays outstanding on the claim (ADR 0048)."""

    store_id: StoreId
    policy_id: PolicyId
    period_key: str
    seq: int
    amount: Money
    due: Money
    settled_at: DateTime
    reference: str

    @property
    def difference(self) -> Money:
        """Paid − due: negative when the manufacturer paid short."""
        return self.amount - self.due


@attrs.frozen
class RebateEstimated(DomainEvent):
    store_id: StoreId
    policy_id: PolicyId
    period_key: str
    amount: Money


@attrs.frozen
class RebateConfirmed(DomainEvent):
    store_id: StoreId
    policy_id: PolicyId
    period_key: str
    amount: Money


@attrs.frozen
class RebateSettled(DomainEvent):
    store_id: StoreId
    policy_id: PolicyId
    period_key: str
    paid: Money


@attrs.frozen
class SettlementOutcome:
    """What a settlement found: entitled for the period, already settled, what was due,
    what was paid now, and what is still outstanding after it."""

    entitled: Money
    already_settled: Money
    due: Money
    paid_now: Money
    settlement: Settlement | None

    @property
    def difference(self) -> Money:
        """Paid now − due (zero when the payment was exactly what was owed)."""
        return self.paid_now - self.due

    @property
    def outstanding(self) -> Money:
        """Entitled − everything settled, this payment included."""
        return self.due - self.paid_now


@attrs.define(slots=False, eq=False)
class RebateClaim(EventRecorder):
    """What one store is owed under one policy for one period (返利台账)."""

    store_id: StoreId
    policy_id: PolicyId
    period_key: str
    status: ClaimStatus = ClaimStatus.ESTIMATED
    estimated: Money = ZERO
    confirmed: Money | None = None
    notice: str | None = None
    accruals: list[Accrual] = attrs.field(factory=list)
    settlements: list[Settlement] = attrs.field(factory=list)

    @property
    def period(self) -> Period:
        return Period.parse(self.period_key)

    @property
    def entitled(self) -> Money:
        """What we are owed: the manufacturer's confirmed amount, else our estimate."""
        return self.estimated if self.confirmed is None else self.confirmed

    @property
    def settled(self) -> Money:
        return sum_money(s.amount for s in self.settlements)

    def estimate(self, accruals: Sequence[AccrualLine], at: DateTime) -> None:
        """Replace the per-car accruals with a fresh computation."""
        for line in accruals:
            key = (line.store_id, line.policy_id, line.period_key)
            if key != (self.store_id, self.policy_id, self.period_key):
                raise InvariantViolation(f"accrual {key} does not belong to this claim")
        before = self.entitled
        self.accruals[:] = [Accrual.of(line) for line in accruals]
        self.estimated = sum_money(a.amount for a in accruals)
        self._refresh(before)
        self.record(
            RebateEstimated(at, self.store_id, self.policy_id, self.period_key, self.estimated)
        )

    def confirm(self, amount: Money, notice: str, at: DateTime) -> Result[None, DomainError]:
        """Record the manufacturer's notice (a later notice replaces an earlier one)."""
        check_amount(amount, "confirmed amount")
        if amount != round_fen(amount):
            return Failure(RebateError(f"confirmed amount {amount} has fractions of a fen"))
        before = self.entitled
        self.confirmed = amount
        self.notice = notice.strip() or None
        self._refresh(before)
        self.record(RebateConfirmed(at, self.store_id, self.policy_id, self.period_key, amount))
        return Success(None)

    def settle(
        self,
        settled_in_subperiods: Money,
        reference: str,
        at: DateTime,
        paid: Money | None = None,
    ) -> Result[SettlementOutcome, RebateError]:
        """Settle against the manufacturer's confirmation: due = confirmed − (settled here
        + in sub-periods); ``paid`` is what actually arrived (default: exactly what is due).

        Refused while the claim is only our estimate: money is settled against the
        manufacturer's notice, never against our own guess (ADR 0048). A negative due (the
        months paid more than the quarter is worth) is a deduction; paying what is due
        settles the claim; paying more or less is recorded with its difference and the
        claim stays open for the rest. Nothing due and nothing paid records nothing.
        """
        if self.confirmed is None:
            return Failure(
                RebateError(
                    f"{self.policy_id} {self.period_key} at {self.store_id} is an estimate "
                    f"only ({self.estimated.amount}): record the manufacturer's confirmation "
                    f"first (fours rebates confirm)",
                    policy=self.policy_id,
                    period=self.period_key,
                    store=self.store_id,
                )
            )
        already = self.settled + settled_in_subperiods
        due = self.entitled - already
        amount = due if paid is None else check_amount(paid, "paid amount")
        if amount != round_fen(amount):
            return Failure(RebateError(f"paid amount {amount} has fractions of a fen"))
        settlement = None
        if amount.amount != 0 or (paid is not None and due.amount != 0):
            settlement = Settlement(
                store_id=self.store_id,
                policy_id=self.policy_id,
                period_key=self.period_key,
                seq=len(self.settlements) + 1,
                amount=amount,
                due=due,
                settled_at=at,
                reference=reference.strip() or f"settlement {len(self.settlements) + 1}",
            )
            self.settlements.append(settlement)
            self.record(RebateSettled(at, self.store_id, self.policy_id, self.period_key, amount))
        self.status = ClaimStatus.SETTLED if amount == due else ClaimStatus.CONFIRMED
        return Success(SettlementOutcome(self.entitled, already, due, amount, settlement))

    def _refresh(self, entitled_before: Money) -> None:
        if self.status is ClaimStatus.SETTLED and self.entitled == entitled_before:
            return
        if self.confirmed is not None:
            self.status = ClaimStatus.CONFIRMED
        else:
            self.status = ClaimStatus.ESTIMATED


def model_of(fact: SaleFact) -> ModelCode:
    return fact.spec.model
