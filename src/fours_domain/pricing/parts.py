"""Parts and accessories prices (配件 / 精品价格) for counter sales.

* The **list price** and **part class** come from the parts catalogue through
  the narrow :class:`PartListPrices` port (the inventory context owns the
  catalogue; pricing needs only these two facts, and which catalogue scope —
  the store's business unit or the group — they came from).
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

from collections.abc import Collection, Iterable
from decimal import Decimal
from typing import NewType, Protocol

import attrs
from returns.result import Failure, Result, Success

from fours_domain.org.model import MasterDataScope
from fours_domain.pricing.authority import AuthorityLadder, Basis, RoleCode, role_code
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.errors import DomainError, InvariantViolation, NotFound
from fours_domain.shared.ids import BusinessUnitId, StoreId, UserId
from fours_domain.shared.money import Money, parse_decimal, round_fen
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
    """What pricing needs from the catalogue: the list price and the part class,
    and the catalogue ``scope`` (group or business unit) whose entry gave them."""

    part_number: PartNumber
    part_class: str = attrs.field(converter=class_code)
    list_price: Money = attrs.field(converter=round_fen)
    scope: MasterDataScope = attrs.field(factory=MasterDataScope.group)

    @list_price.validator
    def _positive(self, _attribute: object, value: Money) -> None:
        if value.amount <= 0 or value != round_fen(value):
            raise InvariantViolation(
                f"part {self.part_number}: list price {value.amount} must be positive, in fen"
            )


class PartListPrices(Protocol):
    """Port: part number → list price and part class (the inventory catalogue).

    ``business_unit_id`` is the selling store's business unit (``None``: the store
    belongs to none): the unit's own catalogue entry wins, else the group's.
    """

    def listing(
        self, business_unit_id: BusinessUnitId | None, part_number: PartNumber
    ) -> PartListing | None: ...


def catalogue_of(business_unit_id: BusinessUnitId | None) -> str:
    """Where a store of ``business_unit_id`` looks a part up, for messages.

    >>> catalogue_of(BusinessUnitId("PREMIUM"))
    'business unit PREMIUM, then group'
    >>> catalogue_of(None)
    'group'
    """
    return "group" if business_unit_id is None else f"business unit {business_unit_id}, then group"


class UnknownPart(NotFound):
    """The part is in no catalogue entry the selling store sees.

    >>> UnknownPart(PartNumber("X-1"), StoreId("SH01"), BusinessUnitId("PREMIUM")).message
    'part X-1 not found in the catalogue of store SH01 (business unit PREMIUM, then group)'
    """

    def __init__(
        self, number: PartNumber, store_id: StoreId, business_unit_id: BusinessUnitId | None
    ) -> None:
        where = catalogue_of(business_unit_id)
        DomainError.__init__(
            self,
            f"part {number} not found in the catalogue of store {store_id} ({where})",
            kind="part",
            key=str(number),
            store=str(store_id),
            catalogue=where,
        )


def _rate(value: Decimal | str) -> Decimal:
    rate = parse_decimal(value, "policy share of list")
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
        if not self.approver.strip():
            raise InvariantViolation("an approval names its approver")
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


@attrs.frozen
class CounterAuthority:
    """What allowed a counter price below the policy price: the requester's own parts
    authority in ``role``, or a recorded ``approval`` by someone whose role covers it."""

    role: RoleCode | None = None
    approval: PartPriceApproval | None = None

    def __attrs_post_init__(self) -> None:
        if (self.role is None) == (self.approval is None):
            raise InvariantViolation("a counter price is covered by a role or by an approval")

    def describe(self) -> str:
        if self.approval is not None:
            return f"approval {self.approval.id} by {self.approval.approver} ({self.approval.role})"
        return f"own authority as {self.role}"


class CounterDiscountRequiresApproval(DomainError):
    """A counter price below the policy price beyond the requester's parts authority."""

    code = "approval_required"

    @classmethod
    def check(
        cls,
        quoted: PartPrice,
        price: Money,
        requester_role: str | Collection[str],
        ladder: AuthorityLadder,
        approval: PartPriceApproval | None = None,
        *,
        store_id: StoreId | None = None,
        at: DateTime | None = None,
    ) -> CounterDiscountRequiresApproval | None:
        """``None`` when :func:`authorise_counter_price` allows ``price``; else the refusal."""
        outcome = authorise_counter_price(
            quoted, price, requester_role, ladder, approval, store_id=store_id, at=at
        )
        return outcome.failure() if isinstance(outcome, Failure) else None


def authorise_counter_price(
    quoted: PartPrice,
    price: Money,
    requester_roles: str | Collection[str],
    ladder: AuthorityLadder,
    approval: PartPriceApproval | None = None,
    *,
    store_id: StoreId | None = None,
    at: DateTime | None = None,
) -> Result[CounterAuthority | None, CounterDiscountRequiresApproval]:
    """May ``price`` be granted? ``Success(None)`` at or above the policy price (nothing
    to authorise); ``Success(authority)`` when one of the requester's roles has the parts
    authority (the least senior that suffices), or a valid recorded ``approval`` (for
    ``store_id`` at ``at``) by a role that has it; else the refusal naming who may approve."""
    if price.amount <= 0:
        raise InvariantViolation(f"a counter price must be positive, got {price.amount}")
    if price >= quoted.price:
        return Success(None)
    refs = {Basis.LIST: quoted.listing.list_price}
    held = sorted(
        {role_code(requester_roles)}
        if isinstance(requester_roles, str)
        else {role_code(r) for r in requester_roles}
    )
    covering = [r for r in ladder.roles_covering(price, refs) if r in held]
    if covering:
        return Success(CounterAuthority(role=covering[0]))
    if (
        approval is not None
        and store_id is not None
        and at is not None
        and approval.allows(store_id, quoted.listing.part_number, quoted.customer_type, price, at)
        and ladder.covers(approval.role, price, refs)
    ):
        return Success(CounterAuthority(approval=approval))
    able = ", ".join(ladder.roles_covering(price, refs)) or "no role in the ladder"
    authority = "; ".join(
        f"{role} has no parts authority" if rule is None else rule.describe(refs)
        for role, rule in ((r, ladder.rule(r)) for r in held)
    )
    why = "" if approval is None else f" (approval {approval.id} does not cover it)"
    return Failure(
        CounterDiscountRequiresApproval(
            f"part {quoted.listing.part_number}: price {price.amount} is below the policy "
            f"price {quoted.price.amount} (list {quoted.listing.list_price.amount}); "
            f"{authority}; approval needed from {able}{why}",
            part_number=quoted.listing.part_number,
            approvers=able,
        )
    )


PartGrantId = NewType("PartGrantId", str)


@attrs.frozen
class PartPriceGrant:
    """A counter price below the policy price, as granted (配件特价记录): the part, the
    customer type, the list and policy prices and the policy undercut, the price, who
    granted it and on what authority (their own role, or a recorded approval), when — and
    the quote, when the price was given on a quote's accessory line."""

    id: PartGrantId
    store_id: StoreId
    part_number: PartNumber
    customer_type: str = attrs.field(converter=class_code)
    list_price: Money = attrs.field(converter=round_fen)
    policy_price: Money = attrs.field(converter=round_fen)
    policy: str = attrs.field()
    price: Money = attrs.field(converter=round_fen)
    granted_by: UserId = attrs.field()
    role: RoleCode | None
    approval_id: PartApprovalId | None
    granted_at: DateTime = attrs.field(converter=ensure_aware)
    quote_id: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.granted_by.strip():
            raise InvariantViolation("a counter-price grant names who granted it")
        if not Money(0, self.price.currency) < self.price < self.policy_price:
            raise InvariantViolation(
                f"a grant records a positive price below the policy price {self.policy_price}"
            )
        if (self.role is None) == (self.approval_id is None):
            raise InvariantViolation("a grant rests on the granter's role or on an approval")

    @classmethod
    def of(
        cls,
        grant_id: PartGrantId,
        store_id: StoreId,
        quoted: PartPrice,
        price: Money,
        granted_by: UserId,
        authority: CounterAuthority,
        at: DateTime,
        quote_id: str | None = None,
    ) -> PartPriceGrant:
        return cls(
            id=grant_id,
            store_id=store_id,
            part_number=quoted.listing.part_number,
            customer_type=quoted.customer_type,
            list_price=quoted.listing.list_price,
            policy_price=quoted.price,
            policy="list price" if quoted.policy is None else quoted.policy.describe(),
            price=price,
            granted_by=granted_by,
            role=authority.role,
            approval_id=None if authority.approval is None else authority.approval.id,
            granted_at=at,
            quote_id=quote_id,
        )
