"""Application services of the pricing context.

These are also the public entry points for importers: a DMS feed that brings a
manufacturer's price list calls :func:`add_price_scheme` once per row (kind
``MSRP``, scope ``group``, target down to trim/colour, a window from the
notice's effective date); a row that would tie with an existing scheme comes
back as :class:`~fours_domain.pricing.model.ConflictingScheme` instead of
silently overriding it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

import attrs
from returns.result import Failure, Result, Success

from fours_domain.org.model import Store, code
from fours_domain.pricing.authority import (
    AuthorityLadder,
    AuthorityRule,
    Basis,
    Subject,
    role_code,
)
from fours_domain.pricing.model import (
    ConflictingScheme,
    PriceKind,
    PriceScheme,
    PriceScope,
    PriceSheet,
    SchemeId,
    ScopeLevel,
    StorePlace,
    ValidityWindow,
    find_tie,
    parse_local,
    resolve_all,
)
from fours_domain.pricing.parts import (
    CounterDiscountRequiresApproval,
    PartApprovalId,
    PartDiscountPolicy,
    PartListPrices,
    PartPrice,
    PartPriceApproval,
    check_policy_conflict,
    policy_price,
)
from fours_domain.pricing.ports import PricingUnitOfWork
from fours_domain.pricing.quotes import (
    Approval,
    AuthorityExceeded,
    LineKind,
    Quote,
    QuoteId,
    QuoteLine,
    money_of,
)
from fours_domain.shared.catalogue import SpecPattern, VehicleSpec, part_number
from fours_domain.shared.errors import AlreadyExists, DomainError, InvariantViolation, NotFound
from fours_domain.shared.ids import IdSource, RegionId, StoreId, UserId
from fours_domain.shared.money import Money, VatRate
from fours_domain.shared.results import guarded as _guarded
from fours_domain.shared.time import Clock, DateTime, ensure_aware

T = TypeVar("T")


def place_of(store: Store) -> StorePlace:
    return StorePlace(store.id, store.region_id, store.time_zone)


def _store(uow: PricingUnitOfWork, store_id: str) -> Result[Store, DomainError]:
    store = uow.org.get_store(StoreId(code(store_id, "store code")))
    if store is None:
        return Failure(NotFound("store", store_id.strip().upper()))
    return Success(store)


# --- schemes ---------------------------------------------------------------------------


@attrs.frozen
class AddPriceScheme:
    """Add a price scheme. ``scope``: ``group`` / ``region:EAST`` / ``store:SH01``;
    ``starts`` / ``ends``: store-local ``YYYY-MM-DD[THH:MM]`` (``ends`` exclusive)."""

    kind: PriceKind
    scope: str
    brand: str
    price: str | Decimal | Money
    model: str | None = None
    trim: str | None = None
    colour: str | None = None
    interior: str | None = None
    priority: int = 0
    starts: str | None = None
    ends: str | None = None
    name: str | None = None
    scheme_id: str | None = None


def add_price_scheme(
    uow: PricingUnitOfWork, cmd: AddPriceScheme, clock: Clock, ids: IdSource
) -> Result[PriceScheme, DomainError]:
    """Add a scheme unless it would tie with an existing one (both are named)."""

    def run() -> Result[PriceScheme, DomainError]:
        scope = PriceScope.parse(cmd.scope)
        target = SpecPattern(cmd.brand, cmd.model, cmd.trim, cmd.colour, cmd.interior)
        window = ValidityWindow(
            parse_local(cmd.starts) if cmd.starts else None,
            parse_local(cmd.ends) if cmd.ends else None,
        )
        price = cmd.price if isinstance(cmd.price, Money) else money_of(cmd.price)
        scheme_id = SchemeId(code(cmd.scheme_id, "scheme id") if cmd.scheme_id else ids.new_id())
        scheme = PriceScheme(
            id=scheme_id,
            name=(cmd.name or f"{cmd.kind.value} {target} {scope}").strip(),
            kind=cmd.kind,
            scope=scope,
            target=target,
            price=price,
            priority=cmd.priority,
            window=window,
            created_at=clock.now(),
        )
        with uow:
            if (
                scope.level is ScopeLevel.REGION
                and uow.org.get_region(RegionId(scope.code)) is None
            ):
                return Failure(NotFound("region", scope.code))
            if scope.level is ScopeLevel.STORE and uow.org.get_store(StoreId(scope.code)) is None:
                return Failure(NotFound("store", scope.code))
            if uow.price_schemes.get(scheme.id) is not None:
                return Failure(AlreadyExists("price scheme", scheme.id))
            tie = find_tie(scheme, uow.price_schemes.same_target(scheme))
            if tie is not None:
                return Failure(ConflictingScheme(scheme, tie))
            uow.price_schemes.add(scheme)
            uow.commit()
            return Success(scheme)

    return _guarded(run)


@attrs.frozen
class ResolvePrices:
    """Resolve every price kind for ``spec`` at ``store_id`` at ``at`` (default: now)."""

    store_id: str
    spec: VehicleSpec
    at: DateTime | None = None


def resolve_prices(
    uow: PricingUnitOfWork, cmd: ResolvePrices, clock: Clock
) -> Result[PriceSheet, DomainError]:
    """The price sheet (every kind, each with its explanation) of one car at one store."""

    def run() -> Result[PriceSheet, DomainError]:
        at = ensure_aware(cmd.at) if cmd.at is not None else clock.now()
        store_id = StoreId(code(cmd.store_id, "store code"))
        with uow:
            place = uow.price_schemes.place(store_id)
            if place is None:
                return Failure(NotFound("store", store_id))
            schemes = uow.price_schemes.candidates(cmd.spec.brand, cmd.spec.model, place)
            return Success(resolve_all(schemes, cmd.spec, place, at))

    return _guarded(run)


# --- authority ---------------------------------------------------------------------------


@attrs.frozen
class SetAuthority:
    """Set a role's discount authority, e.g. ``SALES``: internal_guide − 2000."""

    subject: Subject
    role: str
    basis: Basis
    share: Decimal = Decimal(1)
    amount_off: str | Decimal = "0"


def set_authority(uow: PricingUnitOfWork, cmd: SetAuthority) -> Result[AuthorityRule, DomainError]:
    def run() -> Result[AuthorityRule, DomainError]:
        rule = AuthorityRule(cmd.subject, cmd.role, cmd.basis, cmd.share, money_of(cmd.amount_off))
        with uow:
            uow.authority.put(rule)
            uow.commit()
        return Success(rule)

    return _guarded(run)


def ladder(uow: PricingUnitOfWork, subject: Subject) -> AuthorityLadder:
    """The current ladder (call inside an open unit of work)."""
    return AuthorityLadder.of(subject, uow.authority.rules(subject))


# --- quotes ------------------------------------------------------------------------------


@attrs.frozen
class NewQuote:
    store_id: str
    spec: VehicleSpec
    customer: str
    author: str
    author_role: str
    vehicle_price: str | Decimal | None = None


def new_quote(
    uow: PricingUnitOfWork, cmd: NewQuote, clock: Clock, ids: IdSource
) -> Result[Quote, DomainError]:
    """A draft quote priced from the schemes in force now at the store."""

    def run() -> Result[Quote, DomainError]:
        now = clock.now()
        with uow:
            match _store(uow, cmd.store_id):
                case Failure(error):
                    return Failure(error)
                case Success(store):
                    place = place_of(store)
            if not store.sells(cmd.spec.brand):
                return Failure(
                    InvariantViolation(f"store {store.id} does not sell {cmd.spec.brand}")
                )
            sheet = resolve_all(
                uow.price_schemes.candidates(cmd.spec.brand, cmd.spec.model, place),
                cmd.spec,
                place,
                now,
            )
            price = None if cmd.vehicle_price is None else money_of(cmd.vehicle_price)
            drafted = Quote.draft(
                quote_id=QuoteId(ids.new_id()),
                store_id=store.id,
                spec=cmd.spec,
                customer=cmd.customer,
                author=UserId(cmd.author.strip()),
                author_role=cmd.author_role,
                sheet=sheet,
                vehicle_price=price,
                at=now,
            )
            if isinstance(drafted, Success):
                uow.quotes.save(drafted.unwrap())
                uow.commit()
            return drafted

    return _guarded(run)


def _with_quote(
    uow: PricingUnitOfWork,
    store_id: str,
    quote_id: str,
    change: Callable[[Quote, PricingUnitOfWork], Result[T, DomainError]],
) -> Result[T, DomainError]:
    def run() -> Result[T, DomainError]:
        with uow:
            match _store(uow, store_id):
                case Failure(error):
                    return Failure(error)
                case Success(store):
                    pass
            quote = uow.quotes.get(store.id, QuoteId(quote_id.strip()))
            if quote is None:
                return Failure(NotFound(f"quote at store {store.id}", quote_id.strip()))
            outcome = change(quote, uow)
            if isinstance(outcome, Success):
                uow.quotes.save(quote)
                uow.track(quote)
                uow.commit()
            return outcome

    return _guarded(run)


@attrs.frozen
class AddQuoteLine:
    store_id: str
    quote_id: str
    kind: LineKind
    description: str
    unit_price: str | Decimal
    quantity: int = 1
    vat_rate: str | Decimal | None = None


def add_quote_line(uow: PricingUnitOfWork, cmd: AddQuoteLine) -> Result[Quote, DomainError]:
    def change(quote: Quote, _uow: PricingUnitOfWork) -> Result[Quote, DomainError]:
        vat = None if cmd.vat_rate is None else VatRate(Decimal(str(cmd.vat_rate)))
        line = QuoteLine(
            cmd.kind,
            cmd.description,
            money_of(cmd.unit_price),
            cmd.quantity,
            cmd.kind.default_vat if vat is None else vat,
        )
        return quote.add_line(line).map(lambda _line: quote)

    return _with_quote(uow, cmd.store_id, cmd.quote_id, change)


@attrs.frozen
class ApproveQuote:
    store_id: str
    quote_id: str
    approver: str
    role: str
    reason: str
    valid_hours: int = 72


def approve_quote(
    uow: PricingUnitOfWork, cmd: ApproveQuote, clock: Clock
) -> Result[Approval, DomainError]:
    """Record an approval of the quote's current deal price by a role that covers it."""

    def change(quote: Quote, uow: PricingUnitOfWork) -> Result[Approval, DomainError]:
        if not 1 <= cmd.valid_hours <= 24 * 90:
            return Failure(InvariantViolation("an approval is valid 1 hour to 90 days"))
        now = clock.now()
        return quote.approve(
            approver=UserId(cmd.approver.strip()),
            role=cmd.role,
            reason=cmd.reason,
            at=now,
            expires_at=now.add(hours=cmd.valid_hours),
            ladder=ladder(uow, Subject.VEHICLE),
        )

    return _with_quote(uow, cmd.store_id, cmd.quote_id, change)


@attrs.frozen
class AcceptQuote:
    store_id: str
    quote_id: str
    accepted_by: str


def accept_quote(
    uow: PricingUnitOfWork, cmd: AcceptQuote, clock: Clock
) -> Result[Quote, DomainError]:
    """Accept into an order at the prices in force now, then freeze the quote."""

    def change(quote: Quote, uow: PricingUnitOfWork) -> Result[Quote, DomainError]:
        store = uow.org.get_store(quote.store_id)
        assert store is not None
        place = place_of(store)
        now = clock.now()
        sheet = resolve_all(
            uow.price_schemes.candidates(quote.spec.brand, quote.spec.model, place),
            quote.spec,
            place,
            now,
        )
        return quote.accept(
            by=UserId(cmd.accepted_by.strip()),
            at=now,
            sheet=sheet,
            ladder=ladder(uow, Subject.VEHICLE),
        )

    return _with_quote(uow, cmd.store_id, cmd.quote_id, change)


def get_quote(uow: PricingUnitOfWork, store_id: str, quote_id: str) -> Result[Quote, DomainError]:
    def run() -> Result[Quote, DomainError]:
        with uow:
            match _store(uow, store_id):
                case Failure(error):
                    return Failure(error)
                case Success(store):
                    pass
            quote = uow.quotes.get(store.id, QuoteId(quote_id.strip()))
            if quote is None:
                return Failure(NotFound(f"quote at store {store.id}", quote_id.strip()))
            return Success(quote)

    return _guarded(run)


# --- parts -------------------------------------------------------------------------------


@attrs.frozen
class AddPartPolicy:
    part_class: str
    customer_type: str
    share: Decimal


def add_part_policy(
    uow: PricingUnitOfWork, cmd: AddPartPolicy
) -> Result[PartDiscountPolicy, DomainError]:
    def run() -> Result[PartDiscountPolicy, DomainError]:
        policy = PartDiscountPolicy(cmd.part_class, cmd.customer_type, cmd.share)
        with uow:
            conflict = check_policy_conflict(policy, uow.part_policies.policies())
            if conflict is not None:
                return Failure(conflict)
            uow.part_policies.add(policy)
            uow.commit()
        return Success(policy)

    return _guarded(run)


@attrs.frozen
class PricePart:
    """Price a part for a customer type; with ``price`` check a counter discount
    (requested by ``requester_role``, possibly under a recorded approval)."""

    part_number: str
    customer_type: str
    price: str | Decimal | None = None
    requester_role: str | None = None
    store_id: str | None = None
    approval_id: str | None = None


def price_part(
    uow: PricingUnitOfWork, cmd: PricePart, catalogue: PartListPrices, clock: Clock
) -> Result[PartPrice, DomainError]:
    """The policy price; and, when ``price`` is lower, whether it may be granted."""

    def run() -> Result[PartPrice, DomainError]:
        number = part_number(cmd.part_number)
        listing = catalogue.listing(number)
        if listing is None:
            return Failure(NotFound("part", number))
        if cmd.price is not None and not cmd.requester_role:
            return Failure(InvariantViolation("a counter price needs the requester's role"))
        if cmd.approval_id and not cmd.store_id:
            return Failure(InvariantViolation("an approval is looked up in a store: give it"))
        with uow:
            quoted = policy_price(listing, cmd.customer_type, uow.part_policies.policies())
            if cmd.price is None:
                return Success(quoted)
            store_id = None if not cmd.store_id else StoreId(code(cmd.store_id, "store code"))
            approval = None
            if cmd.approval_id and store_id is not None:
                approval = uow.part_approvals.get(store_id, PartApprovalId(cmd.approval_id.strip()))
                if approval is None:
                    return Failure(NotFound(f"part approval at store {store_id}", cmd.approval_id))
            refusal = CounterDiscountRequiresApproval.check(
                quoted,
                money_of(cmd.price),
                cmd.requester_role or "",  # checked above
                ladder(uow, Subject.PARTS),
                approval,
                store_id=store_id,
                at=clock.now(),
            )
            if refusal is not None:
                return Failure(refusal)
        return Success(quoted)

    return _guarded(run)


@attrs.frozen
class ApprovePartPrice:
    """Record a counter-sale special discount for one part and customer type at a store."""

    store_id: str
    part_number: str
    customer_type: str
    price: str | Decimal
    approver: str
    role: str
    reason: str
    valid_hours: int = 24


def approve_part_price(
    uow: PricingUnitOfWork,
    cmd: ApprovePartPrice,
    catalogue: PartListPrices,
    clock: Clock,
    ids: IdSource,
) -> Result[PartPriceApproval, DomainError]:
    """Refused unless ``role``'s parts authority covers the price."""

    def run() -> Result[PartPriceApproval, DomainError]:
        number = part_number(cmd.part_number)
        listing = catalogue.listing(number)
        if listing is None:
            return Failure(NotFound("part", number))
        if not 1 <= cmd.valid_hours <= 24 * 90:
            return Failure(InvariantViolation("an approval is valid 1 hour to 90 days"))
        price = money_of(cmd.price)
        now = clock.now()
        with uow:
            match _store(uow, cmd.store_id):
                case Failure(error):
                    return Failure(error)
                case Success(store):
                    pass
            parts_ladder = ladder(uow, Subject.PARTS)
            refs = {Basis.LIST: listing.list_price}
            role = role_code(cmd.role)
            if not parts_ladder.covers(role, price, refs):
                rule = parts_ladder.rule(role)
                what = f"{role} has no parts authority" if rule is None else rule.describe(refs)
                able = ", ".join(parts_ladder.roles_covering(price, refs)) or "no role"
                return Failure(
                    AuthorityExceeded(
                        f"part {number}: {what}; price {price.amount} needs {able}",
                        part_number=number,
                        role=role,
                    )
                )
            approval = PartPriceApproval(
                id=PartApprovalId(ids.new_id()),
                store_id=store.id,
                part_number=number,
                customer_type=cmd.customer_type,
                price=price,
                approver=UserId(cmd.approver.strip()),
                role=role,
                reason=cmd.reason,
                approved_at=now,
                expires_at=now.add(hours=cmd.valid_hours),
            )
            uow.part_approvals.add(approval)
            uow.commit()
            return Success(approval)

    return _guarded(run)
