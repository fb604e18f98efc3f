"""Quotes (报价单), approvals (价格特批) and acceptance into an order.

A quote is vehicle + accessories + services + fees − trade-in credit −
discounts. Every line carries its tax-inclusive amount and is split into
pre-tax and VAT **once, per line**, by :meth:`VatRate.split_inclusive` of the
shared money module (round half up to the fen, VAT = gross − net); totals are
plain sums of those splits, so ``gross == net + vat`` holds to the fen for every
line and for the quote.

The *deal price* of the car is the vehicle line minus the discount lines; it is
what the authority ladder and the floor are checked against (a trade-in credit
pays for the car, it does not lower its price).

An accepted quote is **frozen**: it keeps the figures it was accepted with
(lines, the reference prices and the ids of the schemes they came from,
approvals) and refuses every change, so no later scheme can reprice it.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import NewType, Protocol

import attrs
from returns.result import Failure, Result, Success

from fours_domain.pricing.authority import AuthorityLadder, Basis, RoleCode, role_code
from fours_domain.pricing.model import PriceKind, PriceSheet, SchemeId
from fours_domain.shared.catalogue import PartNumber, VehicleSpec
from fours_domain.shared.errors import DomainError, IllegalTransition, InvariantViolation
from fours_domain.shared.events import DomainEvent, EventRecorder
from fours_domain.shared.ids import StoreId, UserId
from fours_domain.shared.money import (
    CNY,
    MAX_AMOUNT,
    VAT_13,
    InvalidAmount,
    Money,
    TaxSplit,
    VatRate,
    check_amount,
    is_fen_exact,
    parse_amount,
    round_fen,
    sum_money,
)
from fours_domain.shared.time import DateTime, ensure_aware

QuoteId = NewType("QuoteId", str)

VAT_6 = VatRate(Decimal("0.06"))
VAT_0 = VatRate(Decimal(0))


class LineKind(enum.Enum):
    """What a quote line is; credits and discounts count negative."""

    VEHICLE = "vehicle"
    ACCESSORY = "accessory"
    """Accessories (精品) fitted or sold with the car."""
    SERVICE = "service"
    """Services such as installation labour or extended warranty."""
    FEE = "fee"
    """Fees collected on the customer's behalf (代收代付: plates, agency fee)."""
    TRADE_IN = "trade_in"
    """Credit for the customer's used car (置换)."""
    DISCOUNT = "discount"
    """A discount on the vehicle (整车优惠)."""

    @property
    def sign(self) -> int:
        return -1 if self in (LineKind.TRADE_IN, LineKind.DISCOUNT) else 1

    @property
    def default_vat(self) -> VatRate:
        """13 % on goods, 6 % on services, none on pass-through fees and trade-in credit."""
        if self is LineKind.SERVICE:
            return VAT_6
        if self in (LineKind.FEE, LineKind.TRADE_IN):
            return VAT_0
        return VAT_13


def _positive_fen(value: Money) -> Money:
    if value.currency != CNY or value.amount <= 0:
        raise InvariantViolation(f"a unit price must be a positive CNY amount: {value}")
    if not is_fen_exact(value):
        raise InvariantViolation(f"a unit price must be in whole fen: {value}")
    return round_fen(check_amount(value, "unit price"))


def _quantity(value: int) -> int:
    if isinstance(value, bool) or not 1 <= value <= 10_000:
        raise InvariantViolation(f"quantity {value} must be 1–10000")
    return value


def _text(value: str) -> str:
    stripped = value.strip()
    if not stripped or len(stripped) > 200:
        raise InvariantViolation("a description must be 1–200 characters")
    return stripped


@attrs.frozen
class QuoteLine:
    """One line: ``quantity × unit_price`` tax-inclusive, negative for credits.

    An accessory line names its catalogue part and keeps the policy price it was
    measured against when it was added (``policy_price``): a price below it is a
    counter discount that needed the parts authority (docs/adr/0038-…).
    """

    kind: LineKind
    description: str = attrs.field(converter=_text)
    unit_price: Money = attrs.field(converter=_positive_fen)
    quantity: int = attrs.field(default=1, converter=_quantity)
    vat: VatRate = attrs.field()
    part_number: PartNumber | None = None
    policy_price: Money | None = None

    @vat.default
    def _default_vat(self) -> VatRate:
        return self.kind.default_vat

    def __attrs_post_init__(self) -> None:
        check_amount(Money(self.unit_price.amount * self.quantity, CNY), "line total")
        if self.part_number is not None and self.kind is not LineKind.ACCESSORY:
            raise InvariantViolation(f"only accessory lines name a part, not {self.kind.value}")
        if (self.part_number is None) != (self.policy_price is None):
            raise InvariantViolation("a catalogue line carries its part and its policy price")

    @property
    def below_policy(self) -> bool:
        """A catalogue accessory sold under its policy price (a counter discount)."""
        return self.policy_price is not None and self.unit_price < self.policy_price

    @property
    def split(self) -> TaxSplit:
        """Gross, pre-tax and VAT of the line (the one rounding point)."""
        gross = Money(self.unit_price.amount * self.quantity * self.kind.sign, CNY)
        return self.vat.split_inclusive(gross)


@attrs.frozen
class ReferencePrice:
    """A resolved price copied into the quote, with the scheme it came from."""

    kind: PriceKind
    price: Money
    scheme_id: SchemeId

    @classmethod
    def of(cls, sheet: PriceSheet) -> tuple[ReferencePrice, ...]:
        """The resolved prices of a sheet, each with the scheme that set it."""
        return tuple(
            cls(r.kind, r.winner.price, r.winner.id) for r in sheet.resolutions if r.winner
        )


def basis_prices_of(references: Iterable[ReferencePrice]) -> Mapping[Basis, Money | None]:
    """Reference prices keyed by the authority basis they serve (``None``: not resolved)."""
    by_kind = {r.kind: r.price for r in references}
    return {
        basis: None if basis.price_kind is None else by_kind.get(basis.price_kind)
        for basis in Basis
    }


@attrs.frozen
class Approval:
    """A price approval (价格特批): who, in which role, down to what price, why, until when."""

    approver: UserId
    role: RoleCode
    price: Money
    reason: str = attrs.field(converter=_text)
    approved_at: DateTime = attrs.field(converter=ensure_aware)
    expires_at: DateTime = attrs.field(converter=ensure_aware)

    def __attrs_post_init__(self) -> None:
        if not self.approver.strip():
            raise InvariantViolation("an approval names its approver")
        if self.expires_at <= self.approved_at:
            raise InvariantViolation("an approval must expire after it was given")

    def allows(self, price: Money, at: DateTime) -> bool:
        """Still valid at ``at`` and approved for ``price`` or lower."""
        return self.approved_at <= at < self.expires_at and price >= self.price


class QuoteStatus(enum.Enum):
    DRAFT = "draft"
    ACCEPTED = "accepted"


class ApprovalRequired(DomainError):
    """The deal price needs an approval that has not been recorded (or has expired)."""

    code = "approval_required"


class AuthorityExceeded(DomainError):
    """An approver's role does not cover the price."""

    code = "authority_exceeded"


class FourEyesViolation(DomainError):
    """The author of a quote tried to approve it: approvals need a second person (四眼原则)."""

    code = "four_eyes"


class BelowSpecialPrice(DomainError):
    """The deal price is below the special-approval price (特批价): nobody may approve it."""

    code = "below_special_price"


class ConcurrentQuoteChange(DomainError):
    """The quote was changed by someone else between reading and saving it."""

    code = "concurrent_change"

    def __init__(self, store_id: str, quote_id: str) -> None:
        super().__init__(
            f"quote {quote_id} at store {store_id} was changed by someone else meanwhile "
            f"(or accepted): nothing was saved; show it again and retry",
            store=store_id,
            quote=quote_id,
        )


@attrs.frozen
class QuoteAccepted(DomainEvent):
    quote_id: QuoteId
    store_id: StoreId
    spec: VehicleSpec
    deal_price: Money
    total: Money


@attrs.frozen
class QuoteApproved(DomainEvent):
    quote_id: QuoteId
    store_id: StoreId
    approver: UserId
    role: RoleCode
    price: Money


@attrs.define(slots=False, eq=False)
class Quote(EventRecorder):
    """A vehicle quote of one store, written by one salesperson (author) in a role."""

    id: QuoteId
    store_id: StoreId
    spec: VehicleSpec
    customer: str
    author: UserId
    author_role: RoleCode = attrs.field(converter=role_code)
    created_at: DateTime = attrs.field(converter=ensure_aware)
    status: QuoteStatus = QuoteStatus.DRAFT
    lines: list[QuoteLine] = attrs.field(factory=list)
    references: tuple[ReferencePrice, ...] = ()
    approvals: list[Approval] = attrs.field(factory=list)
    accepted_at: DateTime | None = None
    accepted_by: UserId | None = None

    def __attrs_post_init__(self) -> None:
        if not self.author.strip():
            raise InvariantViolation(f"quote {self.id} needs its author")

    @classmethod
    def draft(
        cls,
        *,
        quote_id: QuoteId,
        store_id: StoreId,
        spec: VehicleSpec,
        customer: str,
        author: UserId,
        author_role: str,
        sheet: PriceSheet,
        vehicle_price: Money | None,
        at: DateTime,
    ) -> Result[Quote, DomainError]:
        """A draft for ``spec`` at ``vehicle_price`` (default: promotion, else MSRP)."""
        quote = cls(
            id=quote_id,
            store_id=store_id,
            spec=spec,
            customer=_text(customer),
            author=author,
            author_role=author_role,
            created_at=at,
        )
        quote.reprice(sheet)
        price = vehicle_price or sheet.price(PriceKind.PROMOTION) or sheet.price(PriceKind.MSRP)
        if price is None:
            return Failure(
                InvariantViolation(
                    f"no vehicle price given and no promotional price or MSRP resolves for "
                    f"{spec} at store {store_id}: add a price scheme or pass a price"
                )
            )
        quote.lines.append(QuoteLine(LineKind.VEHICLE, str(spec), price))
        return Success(quote)

    # --- figures -------------------------------------------------------------------------

    @property
    def frozen(self) -> bool:
        return self.status is QuoteStatus.ACCEPTED

    @property
    def vehicle_price(self) -> Money:
        return sum_money(line.split.gross for line in self.lines if line.kind is LineKind.VEHICLE)

    @property
    def deal_price(self) -> Money:
        """Vehicle line minus vehicle discounts: what authority and floor are checked on."""
        return sum_money(
            line.split.gross
            for line in self.lines
            if line.kind in (LineKind.VEHICLE, LineKind.DISCOUNT)
        )

    @property
    def totals(self) -> TaxSplit:
        splits = [line.split for line in self.lines]
        return TaxSplit(
            net=sum_money(s.net for s in splits),
            vat=sum_money(s.vat for s in splits),
            gross=sum_money(s.gross for s in splits),
        )

    def reference(self, kind: PriceKind) -> ReferencePrice | None:
        return next((r for r in self.references if r.kind is kind), None)

    @property
    def basis_prices(self) -> Mapping[Basis, Money | None]:
        return basis_prices_of(self.references)

    # --- changes -------------------------------------------------------------------------

    def _refuse_if_frozen(self, action: str) -> Failure[IllegalTransition] | None:
        if self.frozen:
            return Failure(IllegalTransition(f"quote {self.id}", self.status.value, action))
        return None

    def reprice(self, sheet: PriceSheet) -> Result[None, IllegalTransition]:
        """Take the current reference prices (a draft only; frozen quotes never change)."""
        refused = self._refuse_if_frozen("reprice")
        if refused is not None:
            return refused
        self.references = ReferencePrice.of(sheet)
        return Success(None)

    def add_line(self, line: QuoteLine) -> Result[QuoteLine, DomainError]:
        refused = self._refuse_if_frozen("add a line")
        if refused is not None:
            return refused
        if line.kind is LineKind.VEHICLE:
            return Failure(InvariantViolation(f"quote {self.id} already has its vehicle line"))
        if line.kind is LineKind.ACCESSORY and line.part_number is None:
            return Failure(
                InvariantViolation(
                    f"quote {self.id}: an accessory line names its catalogue part (--part), so "
                    f"its price is checked against the parts policy; add a part missing from the "
                    f"catalogue with 'fours parts add' first"
                )
            )
        if line.kind is LineKind.DISCOUNT and (self.deal_price + line.split.gross).amount <= 0:
            return Failure(
                InvariantViolation(f"discount {line.unit_price} would make the car free")
            )
        total = self.totals.gross + line.split.gross
        if abs(total.amount) > MAX_AMOUNT:
            return Failure(
                InvalidAmount(
                    f"quote {self.id}: the total {total.amount:f} would exceed the maximum "
                    f"amount {MAX_AMOUNT}",
                    field="quote total",
                    value=f"{total.amount:f}",
                    maximum=str(MAX_AMOUNT),
                )
            )
        self.lines.append(line)
        return Success(line)

    def approve(
        self,
        *,
        approver: UserId,
        role: str | Collection[str],
        reason: str,
        at: DateTime,
        expires_at: DateTime,
        ladder: AuthorityLadder,
    ) -> Result[Approval, DomainError]:
        """Record an approval of the current deal price by ``approver`` acting as ``role``
        (or, given the roles the approver holds, the least senior of them that covers it).

        The author may not approve their own quote (four-eyes), and no approval goes
        below a special-approval price."""
        refused = self._refuse_if_frozen("approve")
        if refused is not None:
            return refused
        if approver == self.author:
            return Failure(
                FourEyesViolation(
                    f"quote {self.id}: {approver} wrote it and cannot approve it too "
                    f"(four-eyes rule); ask someone else whose role covers "
                    f"{self.deal_price.amount}",
                    quote=self.id,
                    approver=approver,
                )
            )
        below_special = PriceBelowSpecialPriceIsRefused().check(self, ladder, at)
        if below_special is not None:
            return Failure(below_special)
        held = sorted({role_code(role)} if isinstance(role, str) else {role_code(r) for r in role})
        refs = self.basis_prices
        covering = [r for r in ladder.roles_covering(self.deal_price, refs) if r in held]
        if not covering:
            what = "; ".join(_authority_of(ladder, r, refs) for r in held)
            able = ", ".join(ladder.roles_covering(self.deal_price, refs)) or "no role"
            return Failure(
                AuthorityExceeded(
                    f"quote {self.id}: {what}; deal price {self.deal_price.amount} needs {able}",
                    quote=self.id,
                    role=",".join(held),
                    deal_price=str(self.deal_price.amount),
                )
            )
        acting = covering[0]  # the highest limit that covers: the least seniority needed
        approval = Approval(
            approver=approver,
            role=acting,
            price=self.deal_price,
            reason=reason,
            approved_at=at,
            expires_at=expires_at,
        )
        self.approvals.append(approval)
        self.record(
            QuoteApproved(
                occurred_at=at,
                quote_id=self.id,
                store_id=self.store_id,
                approver=approver,
                role=acting,
                price=approval.price,
            )
        )
        return Success(approval)

    def accept(
        self,
        *,
        by: UserId,
        at: DateTime,
        sheet: PriceSheet,
        ladder: AuthorityLadder,
        rules: Sequence[AcceptanceRule] | None = None,
    ) -> Result[Quote, DomainError]:
        """Accept into an order at today's reference prices, then freeze.

        Every acceptance rule must pass (by default
        :class:`PriceBelowAuthorAuthorityRequiresApproval` and
        :class:`PriceBelowFloorRequiresApproval`).
        """
        refused = self._refuse_if_frozen("accept")
        if refused is not None:
            return refused
        self.reprice(sheet)
        for rule in ACCEPTANCE_RULES if rules is None else rules:
            broken = rule.check(self, ladder, at)
            if broken is not None:
                return Failure(broken)
        self.status = QuoteStatus.ACCEPTED
        self.accepted_at = ensure_aware(at)
        self.accepted_by = by
        self.record(
            QuoteAccepted(
                occurred_at=at,
                quote_id=self.id,
                store_id=self.store_id,
                spec=self.spec,
                deal_price=self.deal_price,
                total=self.totals.gross,
            )
        )
        return Success(self)

    def valid_approval(self, ladder: AuthorityLadder, at: DateTime) -> Approval | None:
        """An unexpired approval for the current deal price by a role that covers it."""
        refs = self.basis_prices
        for approval in self.approvals:
            if (
                approval.approver != self.author
                and approval.allows(self.deal_price, at)
                and ladder.covers(approval.role, self.deal_price, refs)
            ):
                return approval
        return None


class AcceptanceRule(Protocol):
    """A named rule a quote must satisfy to be accepted."""

    def check(self, quote: Quote, ladder: AuthorityLadder, at: DateTime) -> DomainError | None:
        """``None`` when satisfied, else the refusal to return."""
        ...


def _authority_of(
    ladder: AuthorityLadder, role: RoleCode, refs: Mapping[Basis, Money | None]
) -> str:
    rule = ladder.rule(role)
    return f"{role} has no vehicle price authority" if rule is None else rule.describe(refs)


def _needs(quote: Quote, ladder: AuthorityLadder, what: str) -> ApprovalRequired:
    refs = quote.basis_prices
    authority = _authority_of(ladder, quote.author_role, refs)
    able = ladder.roles_covering(quote.deal_price, refs)
    if not ladder.rules:
        who = "no role: no vehicle authority ladder is configured"
    else:
        who = ", ".join(able) if able else "no role in the ladder"
    note = (
        f" ({len(quote.approvals)} approval(s) recorded, none valid for this price now)"
        if quote.approvals
        else ""
    )
    return ApprovalRequired(
        f"quote {quote.id}: deal price {quote.deal_price.amount} {what}; "
        f"author {quote.author}: {authority}; approval needed from {who}{note}",
        quote=quote.id,
        deal_price=str(quote.deal_price.amount),
        author_role=quote.author_role,
        approvers=able,
    )


@attrs.frozen
class PriceBelowAuthorAuthorityRequiresApproval:
    """Below what the author's role may grant → a valid approval by a covering role."""

    def check(self, quote: Quote, ladder: AuthorityLadder, at: DateTime) -> DomainError | None:
        if ladder.covers(quote.author_role, quote.deal_price, quote.basis_prices):
            return None
        if quote.valid_approval(ladder, at) is not None:
            return None
        return _needs(quote, ladder, "is below the author's authority")


@attrs.frozen
class PriceBelowFloorRequiresApproval:
    """Below the floor price (最低限价) → always a recorded approval, whoever wrote it."""

    def check(self, quote: Quote, ladder: AuthorityLadder, at: DateTime) -> DomainError | None:
        floor = quote.reference(PriceKind.FLOOR)
        if floor is None or quote.deal_price >= floor.price:
            return None
        if quote.valid_approval(ladder, at) is not None:
            return None
        return _needs(
            quote,
            ladder,
            f"is below the floor price {floor.price.amount} (scheme {floor.scheme_id})",
        )


@attrs.frozen
class PriceBelowSpecialPriceIsRefused:
    """Below a special-approval price (特批价) that resolves for the car → refused: it is
    the lowest price the group allows, and no approval can go under it."""

    def check(self, quote: Quote, ladder: AuthorityLadder, at: DateTime) -> DomainError | None:
        special = quote.reference(PriceKind.SPECIAL)
        if special is None or quote.deal_price >= special.price:
            return None
        return BelowSpecialPrice(
            f"quote {quote.id}: deal price {quote.deal_price.amount} is below the "
            f"special-approval price {special.price.amount} (scheme {special.scheme_id}), the "
            f"lowest any approval may go; raise the price, or the group issues a lower special "
            f"price scheme",
            quote=quote.id,
            deal_price=str(quote.deal_price.amount),
            special_price=str(special.price.amount),
            scheme=special.scheme_id,
        )


ACCEPTANCE_RULES: tuple[AcceptanceRule, ...] = (
    PriceBelowSpecialPriceIsRefused(),
    PriceBelowFloorRequiresApproval(),
    PriceBelowAuthorAuthorityRequiresApproval(),
)


def money_of(value: str | Decimal | int | Money, field: str = "price") -> Money:
    """A CNY amount in whole fen within the maximum amount (for prices typed by people):
    :func:`~fours_domain.shared.money.parse_amount`, refusals naming ``field``."""
    return parse_amount(value, field)
