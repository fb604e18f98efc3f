"""Parts and accessories prices (配件 / 精品价格) for counter sales.

* The **list price** and **part class** come from the parts catalogue through
  the narrow :class:`PartListPrices` port (the inventory context owns the
  catalogue; pricing needs only these two facts).
* The group's **discount policy** gives a share of list per part class and
  customer type or member tier; the most specific policy wins (class and
  customer > class only > customer only > everything), no two policies may
  have the same class and customer (refused, both named).
* A **counter-sale special discount** — a price below the policy price — needs
  the requester's parts authority (e.g. showroom manager down to 90 % of list,
  sales manager 85 %, the GM beyond) or an approval by a role that has it:
  :class:`CounterDiscountRequiresApproval`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import NewType, Protocol

import attrs

from fours_domain.pricing.authority import AuthorityLadder, Basis, RoleCode, role_code
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.errors import DomainError, InvariantViolation
from fours_domain.shared.ids import StoreId, UserId
from fours_domain.shared.money import Money, round_fen
from fours_domain.shared.time import DateTime, ensure_aware

ANY = "*"


def class_code(value: str) -> str:
    """A part class or customer type code (``*`` = any)."""
    normalised = value.strip().upper()
    if not normalised or len(normalised) > 32:
        raise InvariantViolation(f"code {value!r} must be 1–32 characters")
    return normalised


@attrs.frozen
class PartListing:
    """What pricing needs from the catalogue: the list price and the part class."""

    part_number: PartNumber
    part_class: str = attrs.field(converter=class_code)
    list_price: Money = attrs.field(converter=round_fen)

    @list_price.validator
    def _positive(self, _attribute: object, value: Money) -> None:
        if value.amount <= 0 or value != round_fen(value):
            raise InvariantViolation(f"list price {value} must be positive, in fen")


class PartListPrices(Protocol):
    """Port: part number → list price and part class (the inventory catalogue)."""

    def listing(self, part_number: PartNumber) -> PartListing | None: ...


def _rate(value: Decimal | str) -> Decimal:
    rate = Decimal(str(value))
    if not Decimal(0) < rate <= Decimal(1):
        raise InvariantViolation(f"policy share {rate} of list must be in (0, 1]")
    return rate


@attrs.frozen
class PartDiscountPolicy:
    """Customers of ``customer_type`` pay ``share`` × list for parts of ``part_class``.

    ``customer_type`` is a customer type or member tier (``RETAIL``,
    ``MEMBER_GOLD``, ``FLEET``…); ``*`` means any.

    >>> from fours_domain.shared.money import cny
    >>> p = PartDiscountPolicy("ACC", "MEMBER_GOLD", Decimal("0.92"))
    >>> p.price(cny("199.99")).amount
    Decimal('183.99')
    """

    part_class: str = attrs.field(converter=class_code)
    customer_type: str = attrs.field(converter=class_code)
    share: Decimal = attrs.field(converter=_rate)

    @property
    def specificity(self) -> tuple[int, int]:
        return (int(self.part_class != ANY), int(self.customer_type != ANY))

    def applies(self, part_class: str, customer_type: str) -> bool:
        return self.part_class in (ANY, part_class) and self.customer_type in (
            ANY,
            customer_type,
        )

    def price(self, list_price: Money) -> Money:
        return round_fen(Money(list_price.amount * self.share, list_price.currency))

    def describe(self) -> str:
        return f"class {self.part_class} / customer {self.customer_type} at {self.share:%}"


class ConflictingPolicy(DomainError):
    code = "conflicting_policy"


def check_policy_conflict(
    new: PartDiscountPolicy, existing: Iterable[PartDiscountPolicy]
) -> ConflictingPolicy | None:
    for old in existing:
        if (old.part_class, old.customer_type) == (new.part_class, new.customer_type):
            return ConflictingPolicy(
                f"parts policy {new.describe()} would tie with {old.describe()}: "
                f"same class and customer type",
                part_class=new.part_class,
                customer_type=new.customer_type,
            )
    return None


@attrs.frozen
class PartPrice:
    """The policy price of one part for one customer type, and where it came from."""

    listing: PartListing
    customer_type: str
    policy: PartDiscountPolicy | None
    price: Money


def policy_price(
    listing: PartListing, customer_type: str, policies: Iterable[PartDiscountPolicy]
) -> PartPrice:
    """List price × the most specific applicable policy (list price if none applies)."""
    customer = class_code(customer_type)
    applicable = [p for p in policies if p.applies(listing.part_class, customer)]
    best = max(applicable, key=lambda p: p.specificity, default=None)
    price = listing.list_price if best is None else best.price(listing.list_price)
    return PartPrice(listing, customer, best, price)


PartApprovalId = NewType("PartApprovalId", str)


@attrs.frozen
class PartPriceApproval:
    """A recorded counter-sale special discount (配件特价审批): who, role, part, customer
    type, the price approved, why, when, until when."""

    id: PartApprovalId
    store_id: StoreId
    part_number: PartNumber
    customer_type: str = attrs.field(converter=class_code)
    price: Money = attrs.field(converter=round_fen)
    approver: UserId = attrs.field()
    role: RoleCode = attrs.field(converter=role_code)
    reason: str = attrs.field()
    approved_at: DateTime = attrs.field(converter=ensure_aware)
    expires_at: DateTime = attrs.field(converter=ensure_aware)

    def __attrs_post_init__(self) -> None:
        if not self.reason.strip():
            raise InvariantViolation("an approval needs a reason")
        if self.expires_at <= self.approved_at:
            raise InvariantViolation("an approval must expire after it was given")

    def allows(
        self, store_id: StoreId, part: PartNumber, customer_type: str, price: Money, at: DateTime
    ) -> bool:
        """Same store, part and customer type; not expired; ``price`` at or above the approved."""
        return (
            (self.store_id, self.part_number, self.customer_type)
            == (store_id, part, class_code(customer_type))
            and self.approved_at <= at < self.expires_at
            and price >= self.price
        )


class CounterDiscountRequiresApproval(DomainError):
    """A counter price below the policy price beyond the requester's parts authority."""

    code = "approval_required"

    @classmethod
    def check(
        cls,
        quoted: PartPrice,
        price: Money,
        requester_role: str,
        ladder: AuthorityLadder,
        approval: PartPriceApproval | None = None,
        *,
        store_id: StoreId | None = None,
        at: DateTime | None = None,
    ) -> CounterDiscountRequiresApproval | None:
        """``None`` when ``price`` is at or above the policy price, within the requester's
        parts authority, or covered by a valid recorded ``approval`` (for ``store_id`` at
        ``at``) whose role has the authority; else the refusal naming who may approve."""
        if price >= quoted.price:
            return None
        refs = {Basis.LIST: quoted.listing.list_price}
        role: RoleCode = role_code(requester_role)
        if ladder.covers(role, price, refs):
            return None
        if (
            approval is not None
            and store_id is not None
            and at is not None
            and approval.allows(
                store_id, quoted.listing.part_number, quoted.customer_type, price, at
            )
            and ladder.covers(approval.role, price, refs)
        ):
            return None
        able = ", ".join(ladder.roles_covering(price, refs)) or "no role in the ladder"
        rule = ladder.rule(role)
        authority = f"{role} has no parts authority" if rule is None else rule.describe(refs)
        why = "" if approval is None else f" (approval {approval.id} does not cover it)"
        return cls(
            f"part {quoted.listing.part_number}: price {price.amount} is below the policy "
            f"price {quoted.price.amount} (list {quoted.listing.list_price.amount}); "
            f"{authority}; approval needed from {able}{why}",
            part_number=quoted.listing.part_number,
            approvers=able,
        )
