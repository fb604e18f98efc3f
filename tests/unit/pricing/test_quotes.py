"""Quotes: sums, VAT, approvals and the floor."""

from decimal import Decimal

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from fours_domain.pricing.authority import (
    AuthorityLadder,
    AuthorityRule,
    Basis,
    Subject,
    default_rules,
)
from fours_domain.pricing.model import (
    PriceKind,
    PriceScheme,
    PriceScope,
    PriceSheet,
    SchemeId,
    StorePlace,
    resolve_all,
)
from fours_domain.pricing.quotes import (
    ApprovalRequired,
    AuthorityExceeded,
    LineKind,
    Quote,
    QuoteId,
    QuoteLine,
    QuoteStatus,
)
from fours_domain.shared.catalogue import SpecPattern, VehicleSpec
from fours_domain.shared.errors import IllegalTransition
from fours_domain.shared.ids import RegionId, StoreId, UserId
from fours_domain.shared.money import Money, cny, is_fen_exact
from fours_domain.shared.time import StoreTimeZone
from fours_domain.testing import strategies_pricing as ps

CAR = VehicleSpec("AUDI", "A6L", trim="45")
PLACE = StorePlace(StoreId("S1"), RegionId("EAST"), StoreTimeZone("Asia/Shanghai"))
NOW = pendulum.datetime(2026, 12, 1, 4, 0, tz="UTC")
LADDER = AuthorityLadder.of(Subject.VEHICLE, default_rules())


def sheet(msrp: str = "400000", guide: str = "380000", floor: str = "360000") -> PriceSheet:
    schemes = [
        PriceScheme(
            SchemeId(kind.value),
            kind.value,
            kind,
            PriceScope.group(),
            SpecPattern("AUDI", "A6L"),
            cny(price),
        )
        for kind, price in (
            (PriceKind.MSRP, msrp),
            (PriceKind.INTERNAL_GUIDE, guide),
            (PriceKind.FLOOR, floor),
        )
    ]
    return resolve_all(schemes, CAR, PLACE, NOW)


def draft(price: str | None = None, role: str = "SALES", refs: PriceSheet | None = None) -> Quote:
    return Quote.draft(
        quote_id=QuoteId("Q1"),
        store_id=PLACE.store_id,
        spec=CAR,
        customer="王先生",
        author=UserId("zhang"),
        author_role=role,
        sheet=refs or sheet(),
        vehicle_price=None if price is None else cny(price),
        at=NOW,
    ).unwrap()


@given(ps.prices(), st.lists(ps.quote_lines(), max_size=8))
def test_lines_sum_to_the_total_and_vat_adds_up(price: Money, lines: list[QuoteLine]) -> None:
    quote = draft()
    quote.lines[0] = QuoteLine(LineKind.VEHICLE, "car", price)
    for line in lines:
        quote.add_line(line)
    totals = quote.totals
    splits = [line.split for line in quote.lines]
    assert totals.gross == sum((s.gross for s in splits), cny(0))
    assert totals.net + totals.vat == totals.gross
    for s in splits:
        assert s.net + s.vat == s.gross
        for amount in (s.net, s.vat, s.gross):
            assert isinstance(amount.amount, Decimal) and is_fen_exact(amount)
    assert quote.deal_price.amount > 0


def test_default_price_is_the_promotion_then_msrp() -> None:
    assert draft().vehicle_price == cny("400000")
    promo = PriceScheme(
        SchemeId("P"),
        "p",
        PriceKind.PROMOTION,
        PriceScope.group(),
        SpecPattern("AUDI"),
        cny("390000"),
    )
    refs = resolve_all(
        [*[r.winner for r in sheet().resolutions if r.winner], promo], CAR, PLACE, NOW
    )
    assert draft(refs=refs).vehicle_price == cny("390000")


def test_a_quote_within_authority_is_accepted_and_frozen() -> None:
    quote = draft("380000")
    quote.add_line(QuoteLine(LineKind.DISCOUNT, "优惠", cny("2000"))).unwrap()
    assert quote.accept(by=UserId("zhang"), at=NOW, sheet=sheet(), ladder=LADDER) == Success(quote)
    assert quote.status is QuoteStatus.ACCEPTED and quote.frozen
    assert isinstance(quote.add_line(QuoteLine(LineKind.FEE, "plates", cny(500))), Failure)
    refused = quote.reprice(sheet(floor="390000"))
    assert isinstance(refused.failure(), IllegalTransition)
    assert quote.reference(PriceKind.FLOOR).price == cny("360000")  # type: ignore[union-attr]


def test_below_author_authority_needs_a_covering_approval() -> None:
    quote = draft("377999.99")
    refusal = quote.accept(by=UserId("zhang"), at=NOW, sheet=sheet(), ladder=LADDER).failure()
    assert isinstance(refusal, ApprovalRequired)
    assert "SALES may go down to internal guide − 2000.00 = 378000.00" in refusal.message
    assert "approval needed from SALES_MANAGER, GM" in refusal.message
    approval = quote.approve(
        approver=UserId("li"),
        role="SALES_MANAGER",
        reason="loyal",
        at=NOW,
        expires_at=NOW.add(hours=24),
        ladder=LADDER,
    ).unwrap()
    assert approval.price == cny("377999.99")
    assert isinstance(
        quote.accept(by=UserId("zhang"), at=NOW.add(hours=1), sheet=sheet(), ladder=LADDER), Success
    )


def test_below_floor_names_floor_price_role_and_approver() -> None:
    quote = draft("355000")
    refusal = quote.accept(by=UserId("zhang"), at=NOW, sheet=sheet(), ladder=LADDER).failure()
    assert refusal.message == (
        "quote Q1: deal price 355000.00 is below the floor price 360000.00 (scheme floor); "
        "author zhang: SALES may go down to internal guide − 2000.00 = 378000.00; "
        "approval needed from GM"
    )
    manager = quote.approve(
        approver=UserId("li"),
        role="SALES_MANAGER",
        reason="x",
        at=NOW,
        expires_at=NOW.add(hours=1),
        ladder=LADDER,
    )
    assert isinstance(manager.failure(), AuthorityExceeded)


def test_even_a_gm_needs_a_recorded_approval_below_the_floor() -> None:
    quote = draft("300000", role="GM")
    assert isinstance(
        quote.accept(by=UserId("gm"), at=NOW, sheet=sheet(), ladder=LADDER).failure(),
        ApprovalRequired,
    )
    quote.approve(
        approver=UserId("gm"),
        role="GM",
        reason="fleet deal",
        at=NOW,
        expires_at=NOW.add(hours=2),
        ladder=LADDER,
    ).unwrap()
    assert isinstance(quote.accept(by=UserId("gm"), at=NOW, sheet=sheet(), ladder=LADDER), Success)


def test_approvals_expire_and_do_not_cover_a_lower_price() -> None:
    quote = draft("355000")
    quote.approve(
        approver=UserId("boss"),
        role="GM",
        reason="x",
        at=NOW,
        expires_at=NOW.add(hours=2),
        ladder=LADDER,
    ).unwrap()
    late = quote.accept(by=UserId("z"), at=NOW.add(hours=2), sheet=sheet(), ladder=LADDER)
    assert "none valid" in late.failure().message
    quote.add_line(QuoteLine(LineKind.DISCOUNT, "more", cny(1000))).unwrap()
    lower = quote.accept(by=UserId("z"), at=NOW.add(hours=1), sheet=sheet(), ladder=LADDER)
    assert isinstance(lower.failure(), ApprovalRequired)


def test_unknown_basis_covers_nothing() -> None:
    no_guide = resolve_all(
        [
            r.winner
            for r in sheet().resolutions
            if r.winner and r.kind is not PriceKind.INTERNAL_GUIDE
        ],
        CAR,
        PLACE,
        NOW,
    )
    quote = draft("399000", refs=no_guide)
    refusal = quote.accept(by=UserId("z"), at=NOW, sheet=no_guide, ladder=LADDER).failure()
    assert "unknown: no such price" in refusal.message


@given(
    ps.vehicle_ladders(),
    st.sampled_from(["SALES", "SALES_MANAGER", "GM"]),
    ps.prices("300000", "400000"),
    st.lists(ps.quote_lines((LineKind.DISCOUNT, LineKind.ACCESSORY)), max_size=4),
    st.lists(
        st.tuples(st.sampled_from(["SALES", "SALES_MANAGER", "GM"]), st.integers(0, 5)), max_size=3
    ),
    st.integers(0, 6),
)
def test_nothing_is_sold_below_the_floor_without_a_recorded_approval(
    ladder: AuthorityLadder,
    author: str,
    price: Money,
    lines: list[QuoteLine],
    approvals: list[tuple[str, int]],
    accept_hour: int,
) -> None:
    refs = sheet(msrp="400000", guide="360000", floor="350000")
    quote = draft(str(price.amount), role=author, refs=refs)
    for i, line in enumerate(lines):
        quote.add_line(line)
        if i < len(approvals):
            role, hours = approvals[i]
            quote.approve(
                approver=UserId("a"),
                role=role,
                reason="r",
                at=NOW,
                expires_at=NOW.add(hours=hours + 1),
                ladder=ladder,
            )
    at = NOW.add(hours=accept_hour)
    result = quote.accept(by=UserId("z"), at=at, sheet=refs, ladder=ladder)
    if isinstance(result, Success):
        floor = quote.reference(PriceKind.FLOOR)
        assert floor is not None
        covered_by_author = ladder.covers(quote.author_role, quote.deal_price, quote.basis_prices)
        if quote.deal_price < floor.price or not covered_by_author:
            approval = quote.valid_approval(ladder, at)
            assert approval is not None and approval.price <= quote.deal_price
            assert ladder.covers(approval.role, quote.deal_price, quote.basis_prices)
    else:
        assert quote.status is QuoteStatus.DRAFT


def test_parts_ladder_basis_is_list_only() -> None:
    with pytest.raises(Exception, match="cannot be based on"):
        AuthorityRule(Subject.PARTS, "X", Basis.FLOOR)
    with pytest.raises(Exception, match="cannot be based on"):
        AuthorityRule(Subject.VEHICLE, "X", Basis.LIST)


def test_without_a_ladder_nothing_is_accepted_and_the_reason_says_so() -> None:
    empty = AuthorityLadder.of(Subject.VEHICLE, [])
    refusal = draft().accept(by=UserId("z"), at=NOW, sheet=sheet(), ladder=empty).failure()
    assert "no vehicle authority ladder is configured" in refusal.message


def test_money_is_never_a_float() -> None:
    with pytest.raises(Exception, match="float"):
        cny(1.5)  # type: ignore[arg-type]
    quote = draft("399999.99")
    amounts = [quote.deal_price, *(r.price for r in quote.references)]
    amounts += [getattr(line.split, f) for line in quote.lines for f in ("gross", "net", "vat")]
    assert all(type(m.amount) is Decimal for m in amounts)
