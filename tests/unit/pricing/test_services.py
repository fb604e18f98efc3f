"""Pricing services against the in-memory fakes."""

from decimal import Decimal
from typing import Any

import pendulum
import pytest
from returns.result import Failure, Result, Success

from fours_domain.org import services as org
from fours_domain.pricing import services as svc
from fours_domain.pricing.authority import Basis, RoleCode, Subject, default_rules
from fours_domain.pricing.model import ConflictingScheme, PriceKind, PriceScheme
from fours_domain.pricing.parts import (
    ConflictingPolicy,
    CounterDiscountRequiresApproval,
    PartListing,
    PartPrice,
)
from fours_domain.pricing.quotes import (
    ApprovalRequired,
    AuthorityExceeded,
    LineKind,
    QuoteAccepted,
    QuoteStatus,
)
from fours_domain.shared.catalogue import PartNumber, VehicleSpec
from fours_domain.shared.errors import DomainError, IllegalTransition, NotFound
from fours_domain.shared.ids import SequentialIdSource
from fours_domain.shared.money import cny
from fours_domain.shared.time import FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork

CAR = VehicleSpec("AUDI", "A6L", trim="45TFSI", colour="WHITE")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.scheme_ids = SequentialIdSource("P")  # type: ignore[attr-defined]
    org.create_group(uow, org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(uow, org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(uow, org.AddBrand("AUDI", "Audi", "FAW-VW")).unwrap()
    clock = FixedClock(pendulum.datetime(2026, 11, 1, tz="UTC"))
    org.open_store(uow, org.OpenStore("SH01", "SH", "EAST", "Asia/Shanghai", ("AUDI",)), clock)
    for rule in default_rules():
        uow.authority.put(rule)
    return uow


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(pendulum.datetime(2026, 12, 1, 2, 0, tz="UTC"))


def add(
    uow: FakeUnitOfWork, clock: FixedClock, kind: PriceKind, price: str, **kw: Any
) -> Result[PriceScheme, DomainError]:
    scope = str(kw.pop("scope", "group"))
    cmd = svc.AddPriceScheme(kind=kind, scope=scope, brand="AUDI", price=price, model="A6L", **kw)
    return svc.add_price_scheme(uow, cmd, clock, uow.scheme_ids)  # type: ignore[attr-defined]


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
    svc.add_quote_line(
        uow, svc.AddQuoteLine("SH01", quote.id, LineKind.DISCOUNT, "优惠", "45000")
    ).unwrap()
    svc.add_quote_line(
        uow, svc.AddQuoteLine("SH01", quote.id, LineKind.ACCESSORY, "脚垫", "800", 1)
    ).unwrap()
    refused = svc.accept_quote(uow, svc.AcceptQuote("SH01", quote.id, "zhang"), clock)
    assert isinstance(refused.failure(), ApprovalRequired)
    assert "floor price 360000.00" in refused.failure().message
    assert "approval needed from GM" in refused.failure().message
    svc.approve_quote(
        uow, svc.ApproveQuote("SH01", quote.id, "wang", "GM", "年末冲量"), clock
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
    again = svc.add_quote_line(uow, svc.AddQuoteLine("SH01", quote.id, LineKind.FEE, "x", "1"))
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


class Catalogue:
    def listing(self, number: PartNumber) -> PartListing | None:
        if number == "4H0-061-160":
            return PartListing(number, "ACC", cny("1000"))
        return None


def test_parts_policy_and_counter_discount(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    svc.add_part_policy(uow, svc.AddPartPolicy("*", "*", Decimal(1))).unwrap()
    svc.add_part_policy(uow, svc.AddPartPolicy("ACC", "MEMBER_GOLD", Decimal("0.95"))).unwrap()
    dup = svc.add_part_policy(uow, svc.AddPartPolicy("acc", "member_gold", Decimal("0.9")))
    assert isinstance(dup.failure(), ConflictingPolicy)
    cat = Catalogue()

    def price(cmd: svc.PricePart) -> Result[PartPrice, DomainError]:
        return svc.price_part(uow, cmd, cat, clock)

    assert price(svc.PricePart("4h0-061-160", "MEMBER_GOLD")).unwrap().price == cny(950)
    assert isinstance(
        price(svc.PricePart("4H0-061-160", "RETAIL", "900", "SHOWROOM_MANAGER")), Success
    )
    refused = price(svc.PricePart("4H0-061-160", "RETAIL", "880", "SHOWROOM_MANAGER")).failure()
    assert isinstance(refused, CounterDiscountRequiresApproval)
    assert "approval needed from SALES_MANAGER, GM" in refused.message
    ids = SequentialIdSource("A")
    weak = svc.approve_part_price(
        uow,
        svc.ApprovePartPrice("SH01", "4H0-061-160", "RETAIL", "800", "li", "SALES_MANAGER", "x"),
        cat,
        clock,
        ids,
    )
    assert isinstance(weak.failure(), AuthorityExceeded) and "needs GM" in weak.failure().message
    approval = svc.approve_part_price(
        uow,
        svc.ApprovePartPrice(
            "SH01", "4H0-061-160", "RETAIL", "800", "wang", "GM", "fleet customer", 2
        ),
        cat,
        clock,
        ids,
    ).unwrap()
    granted = svc.PricePart("4H0-061-160", "RETAIL", "800", "SHOWROOM_MANAGER", "SH01", approval.id)
    assert isinstance(price(granted), Success)
    lower = svc.PricePart("4H0-061-160", "RETAIL", "799", "SHOWROOM_MANAGER", "SH01", approval.id)
    assert "does not cover it" in price(lower).failure().message
    other = svc.PricePart(
        "4H0-061-160", "MEMBER_GOLD", "800", "SHOWROOM_MANAGER", "SH01", approval.id
    )
    assert isinstance(price(other).failure(), CounterDiscountRequiresApproval)
    clock.advance(hours=2)
    assert isinstance(price(granted).failure(), CounterDiscountRequiresApproval)
    assert isinstance(price(svc.PricePart("NOPE", "RETAIL")).failure(), NotFound)
