"""Reconciliation (对账) of our accruals against a manufacturer's rebate statement.

Every line is keyed by (VIN, policy). Each difference is explained car by car:
missing on the statement (claim it), unknown to us (a car or a policy we do
not have, or a car the policy did not accrue), or an amount that differs —
and then why: another tier, a KPI gate or multiplier, a claw-back, the cap,
rounding. ``ours_total − theirs_total`` always equals the sum of the lines'
differences.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from fours_domain.rebates.model import (
    Accrual,
    PolicyId,
    RebateKind,
    RebatePolicy,
    SaleFact,
)
from fours_domain.shared.ids import StoreId
from fours_domain.shared.money import FEN, ROUNDING, ZERO, Money, sum_money

ROUNDING_TOLERANCE = Decimal("0.05")
"""Differences up to 5 fen per car are reported as rounding."""


@attrs.frozen
class StatementLine:
    """One line of a manufacturer's rebate statement (返利明细)."""

    vin: str
    policy_id: PolicyId
    amount: Money
    store_id: StoreId | None = None
    note: str = ""


class Difference(enum.Enum):
    MATCHED = "matched"
    MISSING_ON_STATEMENT = "missing_on_statement"
    UNKNOWN_TO_US = "unknown_to_us"
    AMOUNT_DIFFERS = "amount_differs"


class Cause(enum.Enum):
    TIER = "tier"
    KPI = "kpi"
    CLAWBACK = "clawback"
    CAP = "cap"
    ROUNDING = "rounding"
    NOT_ACCRUED = "not_accrued"
    UNKNOWN_CAR = "unknown_car"
    UNKNOWN_POLICY = "unknown_policy"
    UNEXPLAINED = "unexplained"


@attrs.frozen
class ReconciliationLine:
    vin: str
    policy_id: PolicyId
    store_id: StoreId | None
    ours: Money
    theirs: Money
    difference: Difference
    cause: Cause | None
    explanation: str

    @property
    def delta(self) -> Money:
        """Ours − theirs: positive when the manufacturer pays less than we expect."""
        return self.ours - self.theirs


@attrs.frozen
class Reconciliation:
    period_key: str
    lines: tuple[ReconciliationLine, ...]

    @property
    def ours_total(self) -> Money:
        return sum_money(line.ours for line in self.lines)

    @property
    def theirs_total(self) -> Money:
        return sum_money(line.theirs for line in self.lines)

    @property
    def difference(self) -> Money:
        return self.ours_total - self.theirs_total

    @property
    def differences(self) -> tuple[ReconciliationLine, ...]:
        return tuple(line for line in self.lines if line.difference is not Difference.MATCHED)

    def count(self, kind: Difference) -> int:
        return sum(1 for line in self.lines if line.difference is kind)


def _fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUNDING)


def reconcile(
    period_key: str,
    accruals: Sequence[Accrual],
    statement: Sequence[StatementLine],
    policies: Mapping[PolicyId, RebatePolicy],
    facts: Mapping[str, SaleFact],
) -> Reconciliation:
    """Compare our per-car accruals with the statement's lines, explaining each difference."""
    theirs: dict[tuple[str, PolicyId], Money] = {}
    their_store: dict[tuple[str, PolicyId], StoreId | None] = {}
    for line in statement:
        key = (line.vin.strip().upper(), line.policy_id)
        theirs[key] = theirs.get(key, ZERO) + line.amount
        their_store.setdefault(key, line.store_id)
    ours: dict[tuple[str, PolicyId], Accrual] = {}
    for accrual in accruals:
        ours[(accrual.vin, accrual.policy_id)] = accrual

    lines = []
    for key in sorted(set(theirs) | set(ours)):
        vin, pid = key
        mine = ours.get(key)
        paid = theirs.get(key)
        if mine is None:
            assert paid is not None
            cause, text = _unknown(vin, pid, policies, facts)
            lines.append(
                ReconciliationLine(
                    vin, pid, their_store[key], ZERO, paid, Difference.UNKNOWN_TO_US, cause, text
                )
            )
        elif paid is None:
            if mine.amount.amount == 0:
                continue
            lines.append(
                ReconciliationLine(
                    vin,
                    pid,
                    mine.store_id,
                    mine.amount,
                    ZERO,
                    Difference.MISSING_ON_STATEMENT,
                    None,
                    f"we accrued {mine.amount.amount} ({mine.explain()}): "
                    + ("claim it" if mine.amount.amount > 0 else "not deducted (yet)"),
                )
            )
        elif paid == mine.amount:
            lines.append(
                ReconciliationLine(
                    vin, pid, mine.store_id, mine.amount, paid, Difference.MATCHED, None, ""
                )
            )
        else:
            policy = policies.get(pid)
            fact = facts.get(vin)
            cause, text = _why(mine, paid, policy, fact)
            lines.append(
                ReconciliationLine(
                    vin,
                    pid,
                    mine.store_id,
                    mine.amount,
                    paid,
                    Difference.AMOUNT_DIFFERS,
                    cause,
                    text,
                )
            )
    return Reconciliation(period_key, tuple(lines))


def _unknown(
    vin: str,
    pid: PolicyId,
    policies: Mapping[PolicyId, RebatePolicy],
    facts: Mapping[str, SaleFact],
) -> tuple[Cause, str]:
    if pid not in policies:
        return Cause.UNKNOWN_POLICY, f"policy {pid} is not on our books: record it"
    fact = facts.get(vin)
    if fact is None:
        return Cause.UNKNOWN_CAR, "no sales fact for this VIN: record the sale or dispute"
    policy = policies[pid]
    day = fact.counted_on(policy.kind)
    event = "picked up" if policy.kind.counts_pickups else "delivered"
    if not policy.applies_to(fact.spec):
        reason = f"{fact.spec} is not covered by the policy's target {policy.target}"
    elif day is None:
        reason = f"we have the car but not as {event}"
    else:
        reason = f"{event} on {day}: outside the period or the policy's validity, or not estimated"
    return Cause.NOT_ACCRUED, reason


def _unit_amount(policy: RebatePolicy, fact: SaleFact | None, value: Decimal) -> Decimal | None:
    if policy.kind is not RebateKind.INVOICE_PERCENT:
        return value
    if fact is None or fact.pre_tax_price is None:
        return None
    return value * fact.pre_tax_price.amount


def _factor_options(policy: RebatePolicy) -> list[tuple[Decimal, str]]:
    """Every KPI factor the policy can produce, with the rules behind it."""
    options = [(Decimal(1), "no KPI rules")]
    if policy.kpi_rules:
        rules = ", ".join(str(r) for r in policy.kpi_rules)
        options = []
        for combination in itertools.product(
            *((r.met_factor, r.missed_factor) for r in policy.kpi_rules)
        ):
            factor = Decimal(1)
            for f in combination:
                factor *= f
            options.append((factor, rules))
    return options


def _why(
    mine: Accrual, paid: Money, policy: RebatePolicy | None, fact: SaleFact | None
) -> tuple[Cause, str]:
    delta = mine.amount.amount - paid.amount
    ours = f"we accrued {mine.amount.amount} ({mine.explain()})"
    if policy is None:
        return Cause.UNEXPLAINED, f"{ours}; statement pays {paid.amount}"
    if mine.clawback is not None:
        return (
            Cause.CLAWBACK,
            f"we clawed back ({mine.clawback.value}) but the statement pays {paid.amount}",
        )
    penalties = {-c.penalty: c for c in policy.clawbacks}
    if paid.amount <= 0 and paid in penalties:
        reason = penalties[paid].reason.value
        return (
            Cause.CLAWBACK,
            f"statement claws back ({reason}, {paid.amount}); "
            f"our facts carry no such flag — {ours}",
        )
    if abs(delta) <= ROUNDING_TOLERANCE:
        return Cause.ROUNDING, f"{ours}; statement pays {paid.amount}: rounding"
    unit = _unit_amount(policy, fact, mine.unit_value)
    if mine.capped and unit is not None and _fen(unit * mine.factor) == paid.amount:
        return Cause.CAP, f"{ours}; statement pays the uncapped {paid.amount}"
    rungs = [("base", policy.value), *((t.label, t.value) for t in policy.tiers)]
    candidates = [
        (label, value, factor, rules)
        for label, value in rungs
        for factor, rules in _factor_options(policy)
        if (value, factor) != (mine.unit_value, mine.factor)
    ]
    # The simplest story first: another tier alone, then another KPI factor alone, then both.
    candidates.sort(
        key=lambda c: ((c[1] != mine.unit_value) + (c[2] != mine.factor), c[2] != mine.factor)
    )
    for label, value, factor, rules in candidates:
        amount = _unit_amount(policy, fact, value)
        if amount is None or _fen(amount * factor) != paid.amount:
            continue
        kpi = "" if factor == mine.factor else f", KPI factor ×{factor} ({rules})"
        if value != mine.unit_value:
            return (
                Cause.TIER,
                f"statement pays tier {label} (value {value}{kpi}); we applied "
                f"{mine.rung} (value {mine.unit_value}, KPI ×{mine.factor})",
            )
        return (
            Cause.KPI,
            f"statement applies KPI factor ×{factor} ({rules}); we applied ×{mine.factor}",
        )
    if paid.amount == 0 and policy.kpi_rules:
        rules = ", ".join(str(r) for r in policy.kpi_rules)
        return Cause.KPI, f"statement pays nothing: a gate ({rules}) judged missed? {ours}"
    return Cause.UNEXPLAINED, f"{ours}; statement pays {paid.amount}"
