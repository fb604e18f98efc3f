"""Pricing services against the in-memory fakes."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from fours_domain.inventory.model import Part
from fours_domain.org import services as org
from fours_domain.pricing import services as svc
from fours_domain.pricing.authority import Basis, RoleCode, Subject
from fours_domain.pricing.model import ConflictingScheme, PriceKind
from fours_domain.pricing.parts import (
    ConflictingPolicy,
    CounterDiscountRequiresApproval,
    PartListing,
    PartPrice,
    UnknownPart,
)
from fours_domain.pricing.quotes import (
    ApprovalRequired,
    AuthorityExceeded,
    LineKind,
    QuoteAccepted,
    QuoteStatus,
)
from fours_domain.shared.errors import (
    DomainError,
    IllegalTransition,
    InvariantViolation,
    NotFound,
)
from fours_domain.shared.ids import BusinessUnitId, SequentialIdSource
from fours_domain.shared.money import cny
from fours_domain.shared.time import FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork
from fours_domain.testing.strategies_inventory import parts as inventory_parts
from tests.unit.pricing.world import CAR, IDS, add, add_part, line


def test_a_tie_is_refused_with_both_named(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    first = add(uow, clock, PriceKind.FLOOR, "360000", scheme_id="F-1", ends="2026-12-31")
    assert isinstance(first, Success)
    again = add(uow, clock, PriceKind.FLOOR, "350000", scheme_id="F-2", starts="2026-12-15")
    error = again.failure()
    assert isinstance(error, ConflictingScheme)
    assert "F-2" in error.message and "F-1" in error.message
    assert isinstance(
        add(uow, clock, PriceKind.FLOOR, "350000", scheme_id="F-3", starts="2026-12-31"), Success
    )
    assert isinstance(
        add(uow, clock, PriceKind.FLOOR, "350000", scheme_id="F-4", priority=1), Success
    )
    assert isinstance(add(uow, clock, PriceKind.FLOOR, "1", scope="store:NOPE").failure(), NotFound)


def test_accepted_quote_is_frozen_against_later_schemes(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    ids = SequentialIdSource("Q")
    add(uow, clock, PriceKind.MSRP, "400000").unwrap()
    add(uow, clock, PriceKind.INTERNAL_GUIDE, "380000").unwrap()
    add(uow, clock, PriceKind.FLOOR, "360000").unwrap()
    quote = svc.new_quote(
        uow, svc.NewQuote("SH01", CAR, "王先生", "zhang", "SALES"), clock, ids
    ).unwrap()
    assert quote.vehicle_price == cny(400000)
    line(uow, clock, svc.AddQuoteLine("SH01", quote.id, LineKind.DISCOUNT, "优惠", "45000"))
    line(uow, clock, svc.AddQuoteLine("SH01", quote.id, LineKind.SERVICE, "贴膜", "800", 1))
    refused = svc.accept_quote(uow, svc.AcceptQuote("SH01", quote.id, "zhang"), clock)
    assert isinstance(refused.failure(), ApprovalRequired)
    assert "floor price 360000.00" in refused.failure().message
    assert "approval needed from GM" in refused.failure().message
    svc.approve_quote(
        uow, svc.ApproveQuote("SH01", quote.id, "wang", "年末冲量", "GM"), clock
    ).unwrap()
    accepted = svc.accept_quote(uow, svc.AcceptQuote("SH01", quote.id, "zhang"), clock).unwrap()
    assert accepted.status is QuoteStatus.ACCEPTED
    assert [type(e) for e in uow.published][-1] is QuoteAccepted
    before = (accepted.totals, accepted.references)
    # A later, more specific floor and MSRP: the accepted quote never changes.
    add(uow, clock, PriceKind.FLOOR, "390000", trim="45TFSI").unwrap()
    add(uow, clock, PriceKind.MSRP, "410000", trim="45TFSI").unwrap()
    clock.advance(days=1)
    shown = svc.get_quote(uow, "SH01", quote.id).unwrap()
    assert (shown.totals, shown.references) == before
    again = svc.add_quote_line(
        uow, svc.AddQuoteLine("SH01", quote.id, LineKind.FEE, "x", "1"), clock, IDS
    )
    assert isinstance(again.failure(), IllegalTransition)
    sheet = svc.resolve_prices(uow, svc.ResolvePrices("SH01", CAR), clock).unwrap()
    assert sheet.price(PriceKind.FLOOR) == cny(390000)


def test_resolve_needs_a_known_store(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    assert isinstance(svc.resolve_prices(uow, svc.ResolvePrices("XX", CAR), clock), Failure)


def test_set_authority_replaces_a_role(uow: FakeUnitOfWork) -> None:
    svc.set_authority(
        uow, svc.SetAuthority(Subject.VEHICLE, "sales", Basis.INTERNAL_GUIDE, amount_off="3000")
    ).unwrap()
    rules = {r.role: r for r in uow.authority.rules(Subject.VEHICLE)}
    assert rules[RoleCode("SALES")].amount_off == cny(3000) and len(rules) == 3


def test_parts_policy_and_counter_discount(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    add_part(uow, "4H0-061-160", "1000")
    svc.add_part_policy(uow, svc.AddPartPolicy("*", "*", Decimal(1))).unwrap()
    svc.add_part_policy(uow, svc.AddPartPolicy("ACC", "MEMBER_GOLD", Decimal("0.95"))).unwrap()
    dup = svc.add_part_policy(uow, svc.AddPartPolicy("acc", "member_gold", Decimal("0.9")))
    assert isinstance(dup.failure(), ConflictingPolicy)

    def price(cmd: svc.PricePart) -> Result[svc.PartQuote, DomainError]:
        return svc.price_part(uow, cmd, clock, IDS)

    gold = price(svc.PricePart("SH01", "4h0-061-160", "MEMBER_GOLD")).unwrap()
    assert gold.price.price == cny(950) and gold.grant is None
    own = price(svc.PricePart("SH01", "4H0-061-160", "RETAIL", "900", "sun")).unwrap()
    assert own.grant is not None and uow.part_grants.items == [own.grant]
    assert (own.grant.granted_by, own.grant.role, own.grant.approval_id) == (
        "sun",
        "SHOWROOM_MANAGER",
        None,
    )
    assert (own.grant.price, own.grant.policy_price) == (cny(900), cny(1000))
    assert own.grant.policy == "class * / customer * at 100%"
    refused = price(svc.PricePart("SH01", "4H0-061-160", "RETAIL", "880", "sun")).failure()
    assert isinstance(refused, CounterDiscountRequiresApproval)
    assert "approval needed from SALES_MANAGER, GM" in refused.message
    ids = SequentialIdSource("A")
    weak = svc.approve_part_price(
        uow,
        svc.ApprovePartPrice("SH01", "4H0-061-160", "RETAIL", "800", "li", "x"),
        clock,
        ids,
    )
    assert isinstance(weak.failure(), AuthorityExceeded) and "needs GM" in weak.failure().message
    approval = svc.approve_part_price(
        uow,
        svc.ApprovePartPrice("SH01", "4H0-061-160", "RETAIL", "800", "wang", "fleet", "GM", 2),
        clock,
        ids,
    ).unwrap()
    granted = svc.PricePart("SH01", "4H0-061-160", "RETAIL", "800", "sun", None, approval.id)
    under_approval = price(granted).unwrap().grant
    assert under_approval is not None and under_approval.approval_id == approval.id
    assert under_approval.role is None and len(uow.part_grants.items) == 2
    lower = svc.PricePart("SH01", "4H0-061-160", "RETAIL", "799", "sun", None, approval.id)
    assert "does not cover it" in price(lower).failure().message
    other = svc.PricePart("SH01", "4H0-061-160", "MEMBER_GOLD", "800", "sun", None, approval.id)
    assert isinstance(price(other).failure(), CounterDiscountRequiresApproval)
    clock.advance(hours=2)
    assert isinstance(price(granted).failure(), CounterDiscountRequiresApproval)
    assert len(uow.part_grants.items) == 2  # refusals record nothing
    unknown = price(svc.PricePart("SH01", "NOPE", "RETAIL")).failure()
    assert isinstance(unknown, UnknownPart) and isinstance(unknown, NotFound)
    assert unknown.message == "part NOPE not found in the catalogue of store SH01 (group)"


def test_parts_are_priced_from_the_catalogue_the_store_sees(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    org.add_business_unit(uow, org.AddBusinessUnit("PREMIUM", "Premium")).unwrap()
    cmd = org.OpenStore("SH02", "SH2", "EAST", "Asia/Shanghai", ("AUDI",), "PREMIUM")
    org.open_store(uow, cmd, clock).unwrap()
    add_part(uow, "MAT-1", "1000")
    add_part(uow, "MAT-1", "1200", unit="PREMIUM")
    add_part(uow, "MAT-2", "500", unit="PREMIUM")

    def listing(store: str, part: str) -> Result[PartPrice, DomainError]:
        quoted = svc.price_part(uow, svc.PricePart(store, part, "RETAIL"), clock, IDS)
        return quoted.map(lambda q: q.price)

    unit_entry = listing("SH02", "mat-1").unwrap().listing
    assert unit_entry.list_price == cny(1200) and unit_entry.scope.key == "PREMIUM"
    group_entry = listing("SH01", "MAT-1").unwrap().listing
    assert group_entry.list_price == cny(1000) and group_entry.scope.key == "*"
    assert listing("SH02", "MAT-2").unwrap().listing.list_price == cny(500)
    elsewhere = listing("SH01", "MAT-2").failure()
    assert isinstance(elsewhere, UnknownPart) and "store SH01 (group)" in elsewhere.message
    missing = listing("SH02", "MAT-3").failure()
    assert missing.message == (
        "part MAT-3 not found in the catalogue of store SH02 (business unit PREMIUM, then group)"
    )
    assert isinstance(listing("NOWHERE", "MAT-1").failure(), NotFound)
    approval = svc.approve_part_price(
        uow,
        svc.ApprovePartPrice("SH02", "MAT-1", "RETAIL", "1000", "wang", "x", "GM"),
        clock,
        SequentialIdSource("A"),
    )
    assert isinstance(approval, Success)
    refused = svc.approve_part_price(
        uow,
        svc.ApprovePartPrice("SH01", "MAT-2", "RETAIL", "400", "wang", "x", "GM"),
        clock,
        SequentialIdSource("B"),
    )
    assert isinstance(refused.failure(), UnknownPart)


@settings(max_examples=50)
@given(
    group=st.lists(inventory_parts(), max_size=4, unique_by=lambda p: p.number),
    unit=st.lists(inventory_parts("PREMIUM"), max_size=4, unique_by=lambda p: p.number),
    business_unit=st.sampled_from([None, BusinessUnitId("PREMIUM"), BusinessUnitId("OTHER")]),
)
def test_the_fake_catalogue_binding_prefers_the_unit_entry(
    group: list[Part], unit: list[Part], business_unit: BusinessUnitId | None
) -> None:
    fake = FakeUnitOfWork()
    for part in [*group, *unit]:
        fake.parts.add(part)
    visible = {p.number: p for p in group}
    if business_unit == "PREMIUM":
        visible |= {p.number: p for p in unit}
    for number in {p.number for p in [*group, *unit]}:
        entry = visible.get(number)
        if entry is not None and entry.list_price.amount == 0:
            with pytest.raises(InvariantViolation, match=f"part {number}: list price 0.00"):
                fake.part_list_prices.listing(business_unit, number)
            continue
        expected = (
            None
            if entry is None
            else PartListing(number, entry.part_class, entry.list_price, entry.scope)
        )
        assert fake.part_list_prices.listing(business_unit, number) == expected


def test_a_catalogue_entry_without_a_list_price_cannot_be_priced(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    add_part(uow, "FREE-1", "0")
    refused = svc.price_part(uow, svc.PricePart("SH01", "FREE-1", "RETAIL"), clock, IDS).failure()
    assert refused.message == "part FREE-1: list price 0.00 must be positive, in fen"
