"""Discount authority (价格权限): how low each role may go on its own.

A ladder is a set of :class:`AuthorityRule`, one per role and subject
(vehicles or parts). A rule's limit is ``basis × share − amount_off``:

* salesperson: internal guide price − ¥2,000  (``internal_guide``, 1, 2000)
* sales manager: the floor price              (``floor``, 1, 0)
* general manager: anything (``unlimited``) — a price below the floor he
  approves is the deal's special-approval price (特批价);
* parts, showroom manager: 90 % of list       (``list``, 0.90, 0).

A price ``p`` is *covered* by a role when ``p ≥ limit``. A limit whose basis
price is unknown for the car (no internal guide price resolves) covers nothing:
someone higher must approve.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from fours_domain.org.model import RoleCode, role_code
from fours_domain.pricing.model import PriceKind
from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.money import (
    ZERO,
    Money,
    check_amount,
    cny,
    is_fen_exact,
    parse_decimal,
    round_fen,
)

__all__ = [
    "AuthorityLadder",
    "AuthorityRule",
    "Basis",
    "RoleCode",
    "Subject",
    "default_rules",
    "role_code",
]


class Subject(enum.Enum):
    """What the authority is about."""

    VEHICLE = "vehicle"
    PARTS = "parts"


class Basis(enum.Enum):
    """The reference price a limit is measured from."""

    MSRP = "msrp"
    INTERNAL_GUIDE = "internal_guide"
    FLOOR = "floor"
    SPECIAL = "special"
    LIST = "list"
    """A part's list price (parts subject only)."""
    UNLIMITED = "unlimited"

    @property
    def price_kind(self) -> PriceKind | None:
        return {
            Basis.MSRP: PriceKind.MSRP,
            Basis.INTERNAL_GUIDE: PriceKind.INTERNAL_GUIDE,
            Basis.FLOOR: PriceKind.FLOOR,
            Basis.SPECIAL: PriceKind.SPECIAL,
        }.get(self)


def _share(value: Decimal | str) -> Decimal:
    share = parse_decimal(value, "share of the basis")
    if not Decimal(0) < share <= Decimal(1):
        raise InvariantViolation(f"share {share} of the basis must be in (0, 1]")
    return share


def _amount_off(value: Money) -> Money:
    if value.amount < 0 or not is_fen_exact(value):
        raise InvariantViolation(f"amount off {value} must be ≥ 0 and in fen")
    return check_amount(value, "amount off")


@attrs.frozen
class AuthorityRule:
    """``role`` may itself grant prices down to ``basis × share − amount_off``."""

    subject: Subject
    role: RoleCode = attrs.field(converter=role_code)
    basis: Basis
    share: Decimal = attrs.field(default=Decimal(1), converter=_share)
    amount_off: Money = attrs.field(default=ZERO, converter=_amount_off)

    def __attrs_post_init__(self) -> None:
        allowed = (
            {Basis.LIST, Basis.UNLIMITED}
            if self.subject is Subject.PARTS
            else set(Basis) - {Basis.LIST}
        )
        if self.basis not in allowed:
            raise InvariantViolation(
                f"{self.subject.value} authority of {self.role} cannot be based on "
                f"{self.basis.value}"
            )

    def limit(self, references: Mapping[Basis, Money | None]) -> Money | None:
        """The lowest price this role may grant; ``None`` = unknown basis (covers nothing).

        Unlimited rules return ``ZERO`` — unless a special-approval price (特批价) resolves
        for the car: it is the lowest price anyone may approve, so no vehicle limit goes
        under it (docs/adr/0038-accessories-and-special-prices.md).
        """
        special = references.get(Basis.SPECIAL) if self.subject is Subject.VEHICLE else None
        if self.basis is Basis.UNLIMITED:
            return ZERO if special is None else special
        base = references.get(self.basis)
        if base is None:
            return None
        limit = round_fen(Money(base.amount * self.share, base.currency)) - self.amount_off
        return limit if special is None else max(limit, special)

    def covers(self, price: Money, references: Mapping[Basis, Money | None]) -> bool:
        limit = self.limit(references)
        return limit is not None and price >= limit

    def describe(self, references: Mapping[Basis, Money | None]) -> str:
        if self.basis is Basis.UNLIMITED:
            special = self.limit(references)
            if special:
                return (
                    f"{self.role} may approve any price down to the special-approval "
                    f"price {special.amount}"
                )
            return f"{self.role} may approve any price"
        basis = self.basis.value.replace("_", " ")
        formula = basis if self.share == 1 else f"{(self.share * 100).normalize():f}% of {basis}"
        if self.amount_off.amount:
            formula += f" − {round_fen(self.amount_off).amount}"
        limit = self.limit(references)
        shown = "unknown: no such price for this item" if limit is None else f"{limit.amount}"
        special = references.get(Basis.SPECIAL) if self.subject is Subject.VEHICLE else None
        if limit is not None and special is not None and limit == special:
            shown += " (the special-approval price: nobody goes lower)"
        return f"{self.role} may go down to {formula} = {shown}"


@attrs.frozen
class AuthorityLadder:
    """Every role's authority for one subject."""

    subject: Subject
    rules: tuple[AuthorityRule, ...]

    def __attrs_post_init__(self) -> None:
        roles = [r.role for r in self.rules]
        if len(set(roles)) != len(roles):
            raise InvariantViolation(f"a role appears twice in the {self.subject.value} ladder")
        if any(r.subject is not self.subject for r in self.rules):
            raise InvariantViolation("a ladder holds rules of one subject")

    @classmethod
    def of(cls, subject: Subject, rules: Iterable[AuthorityRule]) -> AuthorityLadder:
        return cls(subject, tuple(sorted((r for r in rules if r.subject is subject), key=_order)))

    def rule(self, role: RoleCode) -> AuthorityRule | None:
        return next((r for r in self.rules if r.role == role), None)

    def covers(self, role: RoleCode, price: Money, refs: Mapping[Basis, Money | None]) -> bool:
        rule = self.rule(role)
        return rule is not None and rule.covers(price, refs)

    def strongest(
        self, roles: Iterable[RoleCode], refs: Mapping[Basis, Money | None]
    ) -> RoleCode | None:
        """Of ``roles``, the one that may go lowest on its own (ties by code); roles with
        no rule, or whose basis is unknown for the item, come last. ``None`` if no roles."""

        def reach(role: RoleCode) -> tuple[int, Decimal, str]:
            rule = self.rule(role)
            limit = None if rule is None else rule.limit(refs)
            return (1, Decimal(0), role) if limit is None else (0, limit.amount, role)

        return min(roles, key=reach, default=None)

    def roles_covering(self, price: Money, refs: Mapping[Basis, Money | None]) -> list[RoleCode]:
        """Roles that may approve ``price``, the one with the highest limit first."""
        able = [(r.limit(refs), r.role) for r in self.rules if r.covers(price, refs)]
        return [role for limit, role in sorted(able, key=lambda x: (-(x[0] or ZERO).amount, x[1]))]


def _order(rule: AuthorityRule) -> tuple[int, str]:
    return (list(Basis).index(rule.basis), rule.role)


def default_rules() -> tuple[AuthorityRule, ...]:
    """The example ladder of DOMAIN.md, used by the demo and as a starting point."""
    return (
        AuthorityRule(Subject.VEHICLE, "SALES", Basis.INTERNAL_GUIDE, amount_off=cny(2000)),
        AuthorityRule(Subject.VEHICLE, "SALES_MANAGER", Basis.FLOOR),
        AuthorityRule(Subject.VEHICLE, "GM", Basis.UNLIMITED),
        AuthorityRule(Subject.PARTS, "SHOWROOM_MANAGER", Basis.LIST, share=Decimal("0.90")),
        AuthorityRule(Subject.PARTS, "SALES_MANAGER", Basis.LIST, share=Decimal("0.85")),
        AuthorityRule(Subject.PARTS, "GM", Basis.UNLIMITED),
    )
