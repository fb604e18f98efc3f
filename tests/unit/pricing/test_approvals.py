"""Who may act: the staff roster, four-eyes approvals, recorded counter grants, accessory
lines priced from the catalogue, the special-approval price, ending a scheme (ADRs 0036–0039)."""

from decimal import Decimal

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Result, Success

from fours_domain.org import services as org
from fours_domain.org.model import RoleNotHeld
from fours_domain.pricing import services as svc
from fours_domain.pricing.authority import AuthorityRule, Basis, RoleCode, Subject
from fours_domain.pricing.model import PriceKind, SchemeEndRefused
from fours_domain.pricing.parts import CounterDiscountRequiresApproval
from fours_domain.pricing.quotes import (
    Approval,
    ApprovalRequired,
    AuthorityExceeded,
    BelowSpecialPrice,
    FourEyesViolation,
    LineKind,
    QuoteStatus,
)
from fours_domain.shared.errors import AlreadyExists, DomainError, InvariantViolation, NotFound
from fours_domain.shared.ids import SequentialIdSource, UserId
from fours_domain.shared.money import cny
from fours_domain.shared.time import FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork
from tests.unit.pricing.world import CAR, IDS, add, add_part, line, world


def prices(uow: FakeUnitOfWork, clock: FixedClock, special: str | None = None) -> None:
    add(uow, clock, PriceKind.MSRP, "400000").unwrap()
    add(uow, clock, PriceKind.INTERNAL_GUIDE, "380000").unwrap()
    add(uow, clock, PriceKind.FLOOR, "360000").unwrap()
    if special is not None:
        add(uow, clock, PriceKind.SPECIAL, special).unwrap()


def quote(
    uow: FakeUnitOfWork, clock: FixedClock, author: str = "zhang", price: str = "359000"
) -> str:
    cmd = svc.NewQuote("SH01", CAR, "王先生", author, vehicle_price=price)
    return svc.new_quote(uow, cmd, clock, SequentialIdSource("Q")).unwrap().id


def approve(
    uow: FakeUnitOfWork, clock: FixedClock, qid: str, by: str, role: str | None = None
) -> Result[Approval, DomainError]:
    return svc.approve_quote(uow, svc.ApproveQuote("SH01", qid, by, "竞品报价", role), clock)


def test_the_author_role_is_derived_from_the_roster_or_must_be_held(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    prices(uow, clock)
    drafted = svc.new_quote(
        uow, svc.NewQuote("SH01", CAR, "c", " Zhang "), clock, SequentialIdSource("Q")
    ).unwrap()
    assert (drafted.author, drafted.author_role) == ("zhang", "SALES")
    claimed = svc.new_quote(
        uow, svc.NewQuote("SH01", CAR, "c", "zhang", "GM"), clock, SequentialIdSource("R")
    ).failure()
    assert isinstance(claimed, RoleNotHeld)
    assert claimed.message == ("zhang (张伟) does not hold GM at store SH01 (holds: SALES@SH01)")
    for who, error in (("", InvariantViolation), ("nobody", NotFound)):
        refused = svc.new_quote(
            uow, svc.NewQuote("SH01", CAR, "c", who), clock, SequentialIdSource("S")
        ).failure()
        assert isinstance(refused, error), refused
    assert "fours org add-staff" in refused.message


def test_a_gm_cannot_approve_their_own_quote(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    prices(uow, clock)
    qid = quote(uow, clock, author="wang")  # a GM writes a quote below the floor
    own = approve(uow, clock, qid, "WANG", "GM").failure()
    assert isinstance(own, FourEyesViolation) and "four-eyes" in own.message
    refused = svc.accept_quote(uow, svc.AcceptQuote("SH01", qid, "wang"), clock).failure()
    assert isinstance(refused, ApprovalRequired)  # the floor needs someone else's approval
    assert approve(uow, clock, qid, "zhao").unwrap().role == "GM"
    accepted = svc.accept_quote(uow, svc.AcceptQuote("SH01", qid, "wang"), clock).unwrap()
    assert accepted.status is QuoteStatus.ACCEPTED


def test_the_approver_acts_in_a_role_they_hold(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    prices(uow, clock)
    qid = quote(uow, clock, price="370000")  # below SALES (378000), above the floor
    typed = approve(uow, clock, qid, "li", "GM").failure()
    assert isinstance(typed, RoleNotHeld) and "li (李娜) does not hold GM" in typed.message
    assert isinstance(approve(uow, clock, qid, "nobody").failure(), NotFound)
    assert isinstance(approve(uow, clock, qid, " ").failure(), InvariantViolation)
    weak = approve(uow, clock, qid, "sun").failure()  # a showroom manager: no vehicle authority
    assert isinstance(weak, AuthorityExceeded)
    assert "SHOWROOM_MANAGER has no vehicle price authority" in weak.message
    assert approve(uow, clock, qid, "li").unwrap().role == "SALES_MANAGER"
    org.grant_role(uow, org.GrantRole("li", "GM", "SH01")).unwrap()
    # holding both, li approves as the least senior role that covers the price
    assert approve(uow, clock, qid, "li").unwrap().role == "SALES_MANAGER"
    assert approve(uow, clock, qid, "li", "gm").unwrap().role == "GM"


def test_acceptance_is_recorded_by_someone_on_the_roster(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    prices(uow, clock)
    qid = quote(uow, clock, price="390000")
    stranger = svc.accept_quote(uow, svc.AcceptQuote("SH01", qid, "walk.in"), clock).failure()
    assert isinstance(stranger, NotFound)
    accepted = svc.accept_quote(uow, svc.AcceptQuote("SH01", qid, "ZHANG"), clock).unwrap()
    assert accepted.accepted_by == "zhang"


@settings(max_examples=40)
@given(
    price=st.integers(300_000, 420_000),
    author=st.sampled_from(["zhang", "li", "wang"]),
    approver=st.sampled_from(["zhang", "li", "wang", "zhao", "sun"]),
)
def test_no_quote_is_accepted_on_its_authors_own_approval(
    price: int, author: str, approver: str
) -> None:
    uow = world()
    clock = FixedClock(pendulum.datetime(2026, 12, 1, 2, tz="UTC"))
    prices(uow, clock)
    qid = quote(uow, clock, author=author, price=str(price))
    approved = approve(uow, clock, qid, approver)
    if approver == author:
        assert isinstance(approved.failure(), FourEyesViolation)
    accepted = svc.accept_quote(uow, svc.AcceptQuote("SH01", qid, author), clock)
    stored = uow.quotes.quotes[next(iter(uow.quotes.quotes))]
    if isinstance(accepted, Success):
        below_floor = price < 360_000
        own_authority = {"zhang": 378_000, "li": 360_000, "wang": 0}[author]
        if below_floor or price < own_authority:
            valid = [a for a in stored.approvals if a.approver != author]
            assert valid, "accepted below the floor or the author's authority without approval"
    assert all(a.approver != stored.author for a in stored.approvals)


@settings(max_examples=40)
@given(special=st.integers(330_000, 360_000), price=st.integers(300_000, 370_000))
def test_nothing_is_accepted_below_a_special_approval_price(special: int, price: int) -> None:
    uow = world()
    clock = FixedClock(pendulum.datetime(2026, 12, 1, 2, tz="UTC"))
    prices(uow, clock, special=str(special))
    qid = quote(uow, clock, price=str(price))
    approved = approve(uow, clock, qid, "wang")
    accepted = svc.accept_quote(uow, svc.AcceptQuote("SH01", qid, "zhang"), clock)
    if price < special:
        assert isinstance(approved.failure(), BelowSpecialPrice)
        refusal = accepted.failure()
        assert isinstance(refusal, BelowSpecialPrice)
        assert f"special-approval price {special}.00" in refusal.message
    else:
        assert isinstance(accepted, Success)


def test_the_special_price_bounds_the_gm(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    prices(uow, clock, special="340000")
    qid = quote(uow, clock, price="339999")
    refused = approve(uow, clock, qid, "wang").failure()
    assert refused.message == (
        f"quote {qid}: deal price 339999.00 is below the special-approval price 340000.00 "
        "(scheme P-000004), the lowest any approval may go; raise the price, or the group "
        "issues a lower special price scheme"
    )
    fine = quote(uow, clock, price="340000")
    assert approve(uow, clock, fine, "wang").unwrap().role == "GM"
    needs = svc.accept_quote(uow, svc.AcceptQuote("SH01", quote(uow, clock), "zhang"), clock)
    assert "approval needed from GM" in needs.failure().message  # 359000: below the floor
    stored = next(iter(uow.quotes.quotes.values()))
    gm = svc.ladder(uow, Subject.VEHICLE).rule(RoleCode("GM"))
    assert gm is not None and gm.describe(stored.basis_prices) == (
        "GM may approve any price down to the special-approval price 340000.00"
    )


def test_counter_prices_must_be_positive_and_name_the_granter(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    add_part(uow, "MAT-1", "1000")
    for bad in ("-5", "0"):
        refused = svc.price_part(
            uow, svc.PricePart("SH01", "MAT-1", "RETAIL", bad, "wang"), clock, IDS
        )
        assert isinstance(refused.failure(), InvariantViolation)
        assert "must be positive" in refused.failure().message
    nobody = svc.price_part(uow, svc.PricePart("SH01", "MAT-1", "RETAIL", "900"), clock, IDS)
    assert "(--by)" in nobody.failure().message
    empty = svc.approve_part_price(
        uow, svc.ApprovePartPrice("SH01", "MAT-1", "RETAIL", "900", "", "x"), clock, IDS
    )
    assert isinstance(empty.failure(), InvariantViolation)
    at_policy = svc.price_part(
        uow, svc.PricePart("SH01", "MAT-1", "RETAIL", "1000", "zhang"), clock, IDS
    ).unwrap()
    assert at_policy.grant is None and uow.part_grants.items == []


@settings(max_examples=40)
@given(price=st.integers(1, 1200), requester=st.sampled_from(["zhang", "sun", "li", "wang"]))
def test_every_counter_price_below_policy_is_granted_on_record_or_refused(
    price: int, requester: str
) -> None:
    uow = world()
    clock = FixedClock(pendulum.datetime(2026, 12, 1, 2, tz="UTC"))
    add_part(uow, "MAT-1", "1000")
    outcome = svc.price_part(
        uow, svc.PricePart("SH01", "MAT-1", "RETAIL", str(price), requester), clock, IDS
    )
    limit = {"zhang": 1000, "sun": 900, "li": 850, "wang": 0}[requester]
    if price >= 1000:
        assert outcome.unwrap().grant is None and not uow.part_grants.items
    elif price >= limit:
        grant = outcome.unwrap().grant
        assert grant is not None and uow.part_grants.items == [grant]
        assert (grant.granted_by, grant.price, grant.policy_price) == (
            requester,
            cny(price),
            cny(1000),
        )
        assert grant.role is not None and grant.granted_at == clock.now()
    else:
        assert isinstance(outcome.failure(), CounterDiscountRequiresApproval)
        assert not uow.part_grants.items


def test_accessory_lines_are_priced_from_the_catalogue(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    prices(uow, clock)
    add_part(uow, "4H0-061-160", "1280")
    qid = quote(uow, clock, price="390000")
    free_text = svc.add_quote_line(
        uow, svc.AddQuoteLine("SH01", qid, LineKind.ACCESSORY, "脚垫", "1"), clock, IDS
    ).failure()
    assert "names its catalogue part (--part)" in free_text.message
    mats = svc.AddQuoteLine("SH01", qid, LineKind.ACCESSORY, "原厂脚垫", part_number="4h0-061-160")
    added = line(uow, clock, mats)
    assert added.lines[-1].unit_price == cny(1280) and added.lines[-1].policy_price == cny(1280)
    assert not added.lines[-1].below_policy and uow.part_grants.items == []
    cheap = svc.AddQuoteLine(
        "SH01", qid, LineKind.ACCESSORY, "脚垫", "1", part_number="4H0-061-160"
    )
    hidden_discount = svc.add_quote_line(uow, cheap, clock, IDS).failure()
    assert isinstance(hidden_discount, CounterDiscountRequiresApproval)
    assert "SALES has no parts authority; approval needed from GM" in hidden_discount.message
    approval = svc.approve_part_price(
        uow, svc.ApprovePartPrice("SH01", "4H0-061-160", "RETAIL", "1", "wang", "赠品"), clock, IDS
    ).unwrap()
    with_approval = svc.AddQuoteLine(
        "SH01",
        qid,
        LineKind.ACCESSORY,
        "脚垫(赠)",
        "1",
        part_number="4H0-061-160",
        approval_id=approval.id,
    )
    gifted = line(uow, clock, with_approval)
    assert gifted.lines[-1].below_policy
    [grant] = uow.part_grants.list(gifted.store_id, quote_id=qid)
    assert (grant.granted_by, grant.approval_id, grant.price) == ("zhang", approval.id, cny(1))
    service_with_part = svc.AddQuoteLine(
        "SH01", qid, LineKind.SERVICE, "x", "1", part_number="4H0-061-160"
    )
    assert isinstance(
        svc.add_quote_line(uow, service_with_part, clock, IDS).failure(), InvariantViolation
    )
    no_price = svc.AddQuoteLine("SH01", qid, LineKind.FEE, "上牌")
    assert "needs a unit price" in svc.add_quote_line(uow, no_price, clock, IDS).failure().message


def test_a_malformed_vat_rate_is_a_refusal_not_a_crash(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    prices(uow, clock)
    qid = quote(uow, clock, price="390000")
    for bad, message in (
        ("abc", "VAT rate 'abc' is not a number"),
        ("1.5", "VAT rate 1.5 must be in [0, 1)"),
        ("NaN", "VAT rate 'NaN' is not a finite number"),
    ):
        cmd = svc.AddQuoteLine("SH01", qid, LineKind.SERVICE, "x", "100", vat_rate=bad)
        refused = svc.add_quote_line(uow, cmd, clock, IDS).failure()
        assert isinstance(refused, InvariantViolation) and refused.message == message
    cmd = svc.AddQuoteLine("SH01", qid, LineKind.SERVICE, "x", "106", vat_rate="6%")
    assert line(uow, clock, cmd).lines[-1].split.vat == cny(6)


def test_schemes_need_a_known_brand(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    cmd = svc.AddPriceScheme(PriceKind.MSRP, "group", "NOPE", "1000", model="X")
    refused = svc.add_price_scheme(uow, cmd, clock, IDS).failure()
    assert isinstance(refused, NotFound) and refused.message == "brand NOPE not found"
    unknown_model = svc.AddPriceScheme(PriceKind.MSRP, "group", "AUDI", "1000", model="NEW-ONE")
    assert isinstance(svc.add_price_scheme(uow, unknown_model, clock, IDS), Success)


def test_an_open_ended_scheme_is_ended_once_and_never_in_the_past(
    uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    floor = add(uow, clock, PriceKind.FLOOR, "360000", scheme_id="F-1").unwrap()
    past = svc.end_price_scheme(uow, svc.EndPriceScheme("F-1", "2026-12-01T09:00"), clock)
    assert isinstance(past.failure(), SchemeEndRefused)  # 10:00 in Shanghai already
    assert "has passed at store SH01" in past.failure().message
    ended = svc.end_price_scheme(
        uow, svc.EndPriceScheme("f-1", "2027-01-01", "new price list"), clock
    ).unwrap()
    assert ended.window.ends == pendulum.naive(2027, 1, 1) and ended.ended_at == clock.now()
    assert (ended.end_reason, ended.window.starts, ended.price) == (
        "new price list",
        floor.window.starts,
        floor.price,
    )
    again = svc.end_price_scheme(uow, svc.EndPriceScheme("F-1", "2027-02-01"), clock).failure()
    assert isinstance(again, SchemeEndRefused) and "already ends at 2027-01-01" in again.message
    missing = svc.end_price_scheme(uow, svc.EndPriceScheme("NOPE", "2027-02-01"), clock)
    assert isinstance(missing.failure(), NotFound)
    later = FixedClock(pendulum.datetime(2026, 12, 31, 16, tz="UTC"))  # midnight in Shanghai
    sheet = svc.resolve_prices(uow, svc.ResolvePrices("SH01", CAR), later).unwrap()
    assert sheet.price(PriceKind.FLOOR) is None
    assert sheet.of(PriceKind.FLOOR).candidates[0].outcome.value == "expired"
    # a new floor may now start where the old one ends: no tie
    assert isinstance(add(uow, clock, PriceKind.FLOOR, "350000", starts="2027-01-01"), Success)


@settings(max_examples=30)
@given(days=st.integers(1, 400), hour=st.integers(0, 23))
def test_ending_changes_nothing_before_the_end(days: int, hour: int) -> None:
    uow = world()
    clock = FixedClock(pendulum.datetime(2026, 12, 1, 2, tz="UTC"))
    add(uow, clock, PriceKind.FLOOR, "360000", scheme_id="F-1").unwrap()
    end = pendulum.naive(2026, 12, 2).add(days=days, hours=hour)
    svc.end_price_scheme(uow, svc.EndPriceScheme("F-1", end.isoformat()), clock).unwrap()
    at_end = pendulum.datetime(end.year, end.month, end.day, end.hour, tz="Asia/Shanghai")
    before = at_end.subtract(microseconds=1)
    for instant, expected in ((before, cny(360000)), (at_end, None)):
        sheet = svc.resolve_prices(uow, svc.ResolvePrices("SH01", CAR, instant), clock).unwrap()
        assert sheet.price(PriceKind.FLOOR) == expected


def test_staff_grants_are_checked_and_atomic(uow: FakeUnitOfWork) -> None:
    half = org.add_staff(uow, org.AddStaff("qian", "钱", ("SALES", "SALES"), "SH01"))
    assert isinstance(half.failure(), AlreadyExists)
    assert uow.org.get_staff(UserId("qian")) is None  # nothing half-added
    nowhere = org.add_staff(uow, org.AddStaff("qian", "钱", ("SALES",), "NOPE"))
    assert isinstance(nowhere.failure(), NotFound)
    both = org.grant_role(uow, org.GrantRole("zhang", "GM", "SH01", group_wide=True))
    assert "not both" in both.failure().message
    revoked = org.revoke_role(uow, org.RevokeRole("zhang", "SALES", "SH01")).unwrap()
    assert revoked.role == "SALES"
    member = uow.org.get_staff(UserId("zhang"))
    assert member is not None and member.grants == []
    gone = org.revoke_role(uow, org.RevokeRole("zhang", "SALES", "SH01")).failure()
    assert isinstance(gone, NotFound)


def test_a_share_of_the_basis_is_a_number_in_0_1() -> None:
    assert AuthorityRule(Subject.PARTS, "X", Basis.LIST, "90%").share == Decimal("0.9")
    with pytest.raises(InvariantViolation, match="must be in"):
        AuthorityRule(Subject.PARTS, "X", Basis.LIST, "-1")
    with pytest.raises(InvariantViolation, match="share of the basis 'x' is not a number"):
        AuthorityRule(Subject.PARTS, "X", Basis.LIST, "x")


def test_derived_roles_hold_only_at_their_stores(uow: FakeUnitOfWork, clock: FixedClock) -> None:
    org.open_store(
        uow, org.OpenStore("SH02", "SH2", "EAST", "Asia/Shanghai", ("AUDI",)), clock
    ).unwrap()
    prices(uow, clock)
    elsewhere = svc.new_quote(
        uow, svc.NewQuote("SH02", CAR, "c", "zhang"), clock, SequentialIdSource("Q")
    ).failure()
    assert isinstance(elsewhere, RoleNotHeld) and "holds no role at store SH02" in elsewhere.message
    gm = svc.new_quote(uow, svc.NewQuote("SH02", CAR, "c", "wang"), clock, SequentialIdSource("Q"))
    assert gm.unwrap().author_role == "GM"  # group-wide
