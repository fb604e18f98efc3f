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

from fours_domain.org.model import RoleCode, StaffMember, Store, code, user_id
from fours_domain.pricing.authority import (
    AuthorityLadder,
    AuthorityRule,
    Basis,
    Subject,
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
    CounterAuthority,
    PartApprovalId,
    PartDiscountPolicy,
    PartGrantId,
    PartListing,
    PartPrice,
    PartPriceApproval,
    PartPriceGrant,
    UnknownPart,
    authorise_counter_price,
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
    ReferencePrice,
    basis_prices_of,
    money_of,
)
from fours_domain.shared.catalogue import PartNumber, SpecPattern, VehicleSpec, part_number
from fours_domain.shared.errors import AlreadyExists, DomainError, InvariantViolation, NotFound
from fours_domain.shared.ids import BrandCode, IdSource, RegionId, StoreId
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


class UnknownStaff(NotFound):
    """Nobody of that id is on the staff roster."""

    def __init__(self, staff_id: str) -> None:
        DomainError.__init__(
            self,
            f"staff member {staff_id} not found on the roster (add them with "
            f"'fours org add-staff', their roles with 'fours org grant-role')",
            kind="staff member",
            key=staff_id,
        )


def _acting(
    uow: PricingUnitOfWork, store: Store, raw_id: str, role: str | None
) -> Result[tuple[StaffMember, frozenset[RoleCode]], DomainError]:
    """Who acts (on the roster) and the roles they may act in at ``store``: ``role`` if
    given (it must be held there), else every role they hold there (ADR 0036)."""
    member = uow.org.get_staff(user_id(raw_id))
    if member is None:
        return Failure(UnknownStaff(user_id(raw_id)))
    return member.acting_as(role, store.id).map(lambda roles: (member, roles)).alt(lambda e: e)


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
        price = money_of(cmd.price, "price")
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
            if uow.org.get_brand(BrandCode(target.brand)) is None:
                return Failure(NotFound("brand", target.brand))
            if (
                scope.level is ScopeLevel.REGION
                and uow.org.get_region(RegionId(scope.code)) is None
            ):
                return Failure(NotFound("region", scope.code))
            if scope.level is ScopeLevel.STORE and uow.org.get_store(StoreId(scope.code)) is None:
                return Failure(NotFound("store", scope.code))
            uow.price_schemes.serialise(scheme)
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
class EndPriceScheme:
    """End an open-ended scheme at ``ends`` (store-local ``YYYY-MM-DD[THH:MM]``, exclusive)."""

    scheme_id: str
    ends: str
    reason: str | None = None


def end_price_scheme(
    uow: PricingUnitOfWork, cmd: EndPriceScheme, clock: Clock
) -> Result[PriceScheme, DomainError]:
    """Give an open-ended scheme an end that is still ahead at every store it covers;
    the end and when it was set are recorded (ADR 0039)."""

    def run() -> Result[PriceScheme, DomainError]:
        ends = parse_local(cmd.ends)
        wanted = SchemeId(code(cmd.scheme_id, "scheme id"))
        with uow:
            scheme = uow.price_schemes.get(wanted)
            if scheme is None:
                return Failure(NotFound("price scheme", wanted))
            uow.price_schemes.serialise(scheme)
            covered = [
                place_of(store)
                for store in uow.org.list_stores(
                    RegionId(scheme.scope.code) if scheme.scope.level is ScopeLevel.REGION else None
                )
                if scheme.scope.covers(place_of(store))
            ]
            match scheme.end(ends, at=clock.now(), places=covered, reason=cmd.reason):
                case Failure(error):
                    return Failure(error)
                case Success(ended):
                    uow.price_schemes.set_end(ended)
                    uow.commit()
                    return Success(ended)
        raise AssertionError("unreachable")  # pragma: no cover

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
    amount_off: str | Decimal | Money = "0"


def set_authority(uow: PricingUnitOfWork, cmd: SetAuthority) -> Result[AuthorityRule, DomainError]:
    def run() -> Result[AuthorityRule, DomainError]:
        rule = AuthorityRule(
            cmd.subject, cmd.role, cmd.basis, cmd.share, money_of(cmd.amount_off, "amount off")
        )
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
    """A draft quote by ``author`` (on the roster) in ``author_role`` — which they must
    hold at the store; without it, the role of theirs with the most vehicle authority."""

    store_id: str
    spec: VehicleSpec
    customer: str
    author: str
    author_role: str | None = None
    vehicle_price: str | Decimal | Money | None = None


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
            match _acting(uow, store, cmd.author, cmd.author_role):
                case Failure(error):
                    return Failure(error)
                case Success((author, roles)):
                    pass
            sheet = resolve_all(
                uow.price_schemes.candidates(cmd.spec.brand, cmd.spec.model, place),
                cmd.spec,
                place,
                now,
            )
            refs = basis_prices_of(ReferencePrice.of(sheet))
            role = ladder(uow, Subject.VEHICLE).strongest(roles, refs) or min(roles)
            price = (
                None if cmd.vehicle_price is None else money_of(cmd.vehicle_price, "vehicle price")
            )
            drafted = Quote.draft(
                quote_id=QuoteId(ids.new_id()),
                store_id=store.id,
                spec=cmd.spec,
                customer=cmd.customer,
                author=author.id,
                author_role=role,
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
    change: Callable[[Quote, Store, PricingUnitOfWork], Result[T, DomainError]],
) -> Result[T, DomainError]:
    """Load the quote **locked** (a concurrent change waits), change it, save it whole.

    The save refuses to overwrite a quote changed meanwhile or a stored accepted quote
    (``ConcurrentQuoteChange``, ADR 0037): nothing is written then."""

    def run() -> Result[T, DomainError]:
        with uow:
            match _store(uow, store_id):
                case Failure(error):
                    return Failure(error)
                case Success(store):
                    pass
            quote = uow.quotes.get(store.id, QuoteId(quote_id.strip()), lock=True)
            if quote is None:
                return Failure(NotFound(f"quote at store {store.id}", quote_id.strip()))
            outcome = change(quote, store, uow)
            if isinstance(outcome, Success):
                uow.quotes.save(quote)
                uow.track(quote)
                uow.commit()
            return outcome

    return _guarded(run)


@attrs.frozen
class AddQuoteLine:
    """Add a line to a draft quote.

    An accessory names its catalogue part (``part_number``): its price defaults to the
    parts policy price for ``customer_type``, and a lower price is a counter discount
    that the quote author's parts authority must cover — or a recorded part approval
    (``approval_id``) by someone else whose role does; the grant is recorded (ADR 0038).
    Other lines need ``unit_price``."""

    store_id: str
    quote_id: str
    kind: LineKind
    description: str
    unit_price: str | Decimal | Money | None = None
    quantity: int = 1
    vat_rate: str | Decimal | None = None
    part_number: str | None = None
    customer_type: str = "RETAIL"
    approval_id: str | None = None


def add_quote_line(
    uow: PricingUnitOfWork, cmd: AddQuoteLine, clock: Clock, ids: IdSource
) -> Result[Quote, DomainError]:
    def change(quote: Quote, store: Store, uow: PricingUnitOfWork) -> Result[Quote, DomainError]:
        vat = None if cmd.vat_rate is None else VatRate(cmd.vat_rate)
        price = None if cmd.unit_price is None else money_of(cmd.unit_price, "unit price")
        if cmd.part_number is None:
            if cmd.approval_id is not None:
                return Failure(InvariantViolation("an approval applies to a catalogue part line"))
            if price is None:
                return Failure(InvariantViolation(f"a {cmd.kind.value} line needs a unit price"))
            line = QuoteLine(
                cmd.kind,
                cmd.description,
                price,
                cmd.quantity,
                cmd.kind.default_vat if vat is None else vat,
            )
            return quote.add_line(line).map(lambda _line: quote)
        if cmd.kind is not LineKind.ACCESSORY:
            return Failure(InvariantViolation(f"a {cmd.kind.value} line names no catalogue part"))
        number = part_number(cmd.part_number)
        match _listing(uow, store, number):
            case Failure(error):
                return Failure(error)
            case Success(listing):
                pass
        quoted = policy_price(listing, cmd.customer_type, uow.part_policies.policies())
        unit = quoted.price if price is None else price
        authority = _counter_authority(
            uow, store, quoted, unit, quote.author, None, cmd.approval_id, clock.now()
        )
        if isinstance(authority, Failure):
            return Failure(authority.failure())
        line = QuoteLine(
            LineKind.ACCESSORY,
            cmd.description,
            unit,
            cmd.quantity,
            LineKind.ACCESSORY.default_vat if vat is None else vat,
            part_number=number,
            policy_price=quoted.price,
        )
        added = quote.add_line(line)
        if isinstance(added, Failure):
            return Failure(added.failure())
        granted = authority.unwrap()
        if granted is not None:
            uow.part_grants.add(
                PartPriceGrant.of(
                    PartGrantId(ids.new_id()),
                    store.id,
                    quoted,
                    unit,
                    quote.author,
                    granted,
                    clock.now(),
                    quote_id=quote.id,
                )
            )
        return Success(quote)

    return _with_quote(uow, cmd.store_id, cmd.quote_id, change)


@attrs.frozen
class ApproveQuote:
    """``approver`` approves the quote's current deal price, in ``role`` (which they must
    hold at the store) or, by default, the least senior role of theirs that covers it."""

    store_id: str
    quote_id: str
    approver: str
    reason: str
    role: str | None = None
    valid_hours: int = 72


def approve_quote(
    uow: PricingUnitOfWork, cmd: ApproveQuote, clock: Clock
) -> Result[Approval, DomainError]:
    """Record an approval of the quote's current deal price by someone on the roster,
    not its author, whose role at the store covers it."""

    def change(quote: Quote, store: Store, uow: PricingUnitOfWork) -> Result[Approval, DomainError]:
        if not 1 <= cmd.valid_hours <= 24 * 90:
            return Failure(InvariantViolation("an approval is valid 1 hour to 90 days"))
        match _acting(uow, store, cmd.approver, cmd.role):
            case Failure(error):
                return Failure(error)
            case Success((approver, roles)):
                pass
        now = clock.now()
        return quote.approve(
            approver=approver.id,
            role=roles,
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
    """Accept into an order at the prices in force now, then freeze the quote; whoever
    records the acceptance holds a role at the store."""

    def change(quote: Quote, store: Store, uow: PricingUnitOfWork) -> Result[Quote, DomainError]:
        match _acting(uow, store, cmd.accepted_by, None):
            case Failure(error):
                return Failure(error)
            case Success((member, _roles)):
                pass
        place = place_of(store)
        now = clock.now()
        sheet = resolve_all(
            uow.price_schemes.candidates(quote.spec.brand, quote.spec.model, place),
            quote.spec,
            place,
            now,
        )
        return quote.accept(by=member.id, at=now, sheet=sheet, ladder=ladder(uow, Subject.VEHICLE))

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
    """Price a part at a store for a customer type; with ``price``, grant that counter
    price as ``requester`` (on the roster) — within their parts authority in
    ``requester_role`` (default: any role they hold there) or under a recorded approval.

    List price and part class come from the catalogue the store sees
    (:attr:`PricingUnitOfWork.part_list_prices`): its business unit's entry, else
    the group's."""

    store_id: str
    part_number: str
    customer_type: str
    price: str | Decimal | Money | None = None
    requester: str | None = None
    requester_role: str | None = None
    approval_id: str | None = None


@attrs.frozen
class PartQuote:
    """A part's policy price and, when a lower counter price was granted, the grant."""

    price: PartPrice
    grant: PartPriceGrant | None = None


def _listing(
    uow: PricingUnitOfWork, store: Store, number: PartNumber
) -> Result[PartListing, DomainError]:
    listing = uow.part_list_prices.listing(store.business_unit_id, number)
    if listing is None:
        return Failure(UnknownPart(number, store.id, store.business_unit_id))
    return Success(listing)


def _counter_authority(
    uow: PricingUnitOfWork,
    store: Store,
    quoted: PartPrice,
    price: Money,
    requester: str,
    requester_role: str | None,
    approval_id: str | None,
    at: DateTime,
) -> Result[CounterAuthority | None, DomainError]:
    """What allows ``requester`` to give ``price`` (``None``: at or above the policy price)."""
    if price.amount <= 0:
        return Failure(InvariantViolation(f"a price must be positive, got {price.amount}"))
    match _acting(uow, store, requester, requester_role):
        case Failure(error):
            return Failure(error)
        case Success((_member, roles)):
            pass
    approval = None
    if approval_id:
        approval = uow.part_approvals.get(store.id, PartApprovalId(approval_id.strip()))
        if approval is None:
            return Failure(NotFound(f"part approval at store {store.id}", approval_id.strip()))
    return authorise_counter_price(
        quoted, price, roles, ladder(uow, Subject.PARTS), approval, store_id=store.id, at=at
    ).alt(lambda e: e)


def price_part(
    uow: PricingUnitOfWork, cmd: PricePart, clock: Clock, ids: IdSource
) -> Result[PartQuote, DomainError]:
    """The policy price; with ``price``, grant it if allowed — a price below the policy
    price is recorded (who, role or approval, when, price, policy: ADR 0036).

    An unknown part is ``NotFound`` naming the part, the store and its catalogue scope."""

    def run() -> Result[PartQuote, DomainError]:
        number = part_number(cmd.part_number)
        if cmd.price is not None and not (cmd.requester or "").strip():
            return Failure(InvariantViolation("a counter price needs who grants it (--by)"))
        price = None if cmd.price is None else money_of(cmd.price, "counter price")
        now = clock.now()
        with uow:
            match _store(uow, cmd.store_id):
                case Failure(error):
                    return Failure(error)
                case Success(store):
                    pass
            match _listing(uow, store, number):
                case Failure(error):
                    return Failure(error)
                case Success(listing):
                    pass
            quoted = policy_price(listing, cmd.customer_type, uow.part_policies.policies())
            if price is None:
                return Success(PartQuote(quoted))
            authority = _counter_authority(
                uow,
                store,
                quoted,
                price,
                cmd.requester or "",
                cmd.requester_role,
                cmd.approval_id,
                now,
            )
            if isinstance(authority, Failure):
                return Failure(authority.failure())
            granted = authority.unwrap()
            if granted is None:
                return Success(PartQuote(quoted))
            grant = PartPriceGrant.of(
                PartGrantId(ids.new_id()),
                store.id,
                quoted,
                price,
                user_id(cmd.requester or ""),
                granted,
                now,
            )
            uow.part_grants.add(grant)
            uow.commit()
            return Success(PartQuote(quoted, grant))

    return _guarded(run)


@attrs.frozen
class ApprovePartPrice:
    """Record a counter-sale special discount for one part and customer type at a store,
    by ``approver`` (on the roster) in ``role`` (held at the store; default: the least
    senior of their roles there that covers the price)."""

    store_id: str
    part_number: str
    customer_type: str
    price: str | Decimal | Money
    approver: str
    reason: str
    role: str | None = None
    valid_hours: int = 24


def approve_part_price(
    uow: PricingUnitOfWork, cmd: ApprovePartPrice, clock: Clock, ids: IdSource
) -> Result[PartPriceApproval, DomainError]:
    """Refused unless the approver's parts authority covers the price (on the list price
    of the catalogue the store sees)."""

    def run() -> Result[PartPriceApproval, DomainError]:
        number = part_number(cmd.part_number)
        if not 1 <= cmd.valid_hours <= 24 * 90:
            return Failure(InvariantViolation("an approval is valid 1 hour to 90 days"))
        price = money_of(cmd.price, "counter price")
        if price.amount <= 0:
            return Failure(InvariantViolation(f"a price must be positive, got {price.amount}"))
        now = clock.now()
        with uow:
            match _store(uow, cmd.store_id):
                case Failure(error):
                    return Failure(error)
                case Success(store):
                    pass
            match _listing(uow, store, number):
                case Failure(error):
                    return Failure(error)
                case Success(listing):
                    pass
            match _acting(uow, store, cmd.approver, cmd.role):
                case Failure(error):
                    return Failure(error)
                case Success((approver, roles)):
                    pass
            parts_ladder = ladder(uow, Subject.PARTS)
            refs = {Basis.LIST: listing.list_price}
            covering = [r for r in parts_ladder.roles_covering(price, refs) if r in roles]
            if not covering:
                what = "; ".join(
                    f"{role} has no parts authority" if rule is None else rule.describe(refs)
                    for role, rule in ((r, parts_ladder.rule(r)) for r in sorted(roles))
                )
                able = ", ".join(parts_ladder.roles_covering(price, refs)) or "no role"
                return Failure(
                    AuthorityExceeded(
                        f"part {number}: {what}; price {price.amount} needs {able}",
                        part_number=number,
                        role=",".join(sorted(roles)),
                    )
                )
            approval = PartPriceApproval(
                id=PartApprovalId(ids.new_id()),
                store_id=store.id,
                part_number=number,
                customer_type=cmd.customer_type,
                price=price,
                approver=approver.id,
                role=covering[0],
                reason=cmd.reason,
                approved_at=now,
                expires_at=now.add(hours=cmd.valid_hours),
            )
            uow.part_approvals.add(approval)
            uow.commit()
            return Success(approval)

    return _guarded(run)
