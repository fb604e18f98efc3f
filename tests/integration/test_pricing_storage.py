"""Pricing storage on SQLite and PostgreSQL: round trips, candidate lookup, frozen quotes."""

from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns.result import Success
from sqlalchemy import delete

from fours_adapters.bootstrap import FoursApp
from fours_adapters.sql.pricing import tables as t
from fours_adapters.sql.pricing.repository import quote_from, quote_rows
from fours_domain.org import services as org
from fours_domain.pricing import services as svc
from fours_domain.pricing.authority import RoleCode, Subject, default_rules
from fours_domain.pricing.model import PriceKind, PriceScheme, SchemeId, resolve_all
from fours_domain.pricing.parts import PartApprovalId, PartPriceApproval
from fours_domain.pricing.quotes import (
    ConcurrentQuoteChange,
    LineKind,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from fours_domain.shared.catalogue import PartNumber, VehicleSpec
from fours_domain.shared.ids import SequentialIdSource, StoreId, UserId
from fours_domain.shared.money import cny
from fours_domain.testing import strategies_pricing as ps

FIXTURES = settings(
    max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


def _seed(app: FoursApp) -> None:
    org.create_group(app.uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    for region in ("EAST", "SOUTH"):
        org.add_region(app.uow(), org.AddRegion(region, region)).unwrap()
    for brand in ("AUDI", "BYD"):
        org.add_brand(app.uow(), org.AddBrand(brand, brand, "OEM")).unwrap()
    for store, region, zone in (
        ("S1", "EAST", "Asia/Shanghai"),
        ("S2", "SOUTH", "Asia/Urumqi"),
        ("S3", "EAST", "Asia/Shanghai"),
    ):
        cmd = org.OpenStore(store, store, region, zone, ("AUDI", "BYD"))
        org.open_store(app.uow(), cmd, app.clock).unwrap()
    for staff_id, role in (("zhang", "SALES"), ("li", "SALES_MANAGER")):
        org.add_staff(app.uow(), org.AddStaff(staff_id, staff_id, (role,), "S1")).unwrap()
    org.add_staff(app.uow(), org.AddStaff("wang", "王总", ("GM",), group_wide=True)).unwrap()


def _clear_schemes(app: FoursApp) -> None:
    with app.uow() as uow:
        uow.session.execute(delete(t.store_schemes))
        uow.session.execute(delete(t.schemes))
        uow.commit()


@FIXTURES
@given(
    schemes=ps.scheme_lists(max_size=15),
    spec=ps.vehicle_specs(),
    at=ps.instants_near_base(),
    store=st.sampled_from(["S1", "S2", "S3"]),
)
def test_schemes_round_trip_and_sql_candidates_resolve_like_a_full_scan(
    app: FoursApp, schemes: list[PriceScheme], spec: VehicleSpec, at: Any, store: str
) -> None:
    with app.uow() as uow:
        seeded = uow.org.get_group() is not None
    if not seeded:
        _seed(app)
    _clear_schemes(app)
    with app.uow() as uow:
        for scheme in schemes:
            uow.price_schemes.add(scheme)
        uow.commit()
    with app.uow() as uow:
        for scheme in schemes:
            assert uow.price_schemes.get(scheme.id) == scheme
        stored = uow.org.get_store(StoreId(store))
        assert stored is not None
        place = svc.place_of(stored)
        found = uow.price_schemes.candidates(spec.brand, spec.model, place)
        expected = {
            s.id
            for s in schemes
            if s.target.brand == spec.brand
            and s.target.model in (None, spec.model)
            and s.scope.covers(place)
        }
        assert sorted(s.id for s in found) == sorted(expected)
        ours, full = resolve_all(found, spec, place, at), resolve_all(schemes, spec, place, at)
        assert [r.winner for r in ours.resolutions] == [r.winner for r in full.resolutions]
        assert sorted(s.id for s in uow.price_schemes.list()) == sorted(s.id for s in schemes)


def test_quote_lifecycle_is_stored_and_frozen(app: FoursApp) -> None:
    _seed(app)
    ids = SequentialIdSource("x")
    with app.uow() as uow:
        for rule in default_rules():
            uow.authority.put(rule)
        uow.commit()
    for kind, price in (
        (PriceKind.MSRP, "400000"),
        (PriceKind.INTERNAL_GUIDE, "380000"),
        (PriceKind.FLOOR, "360000"),
    ):
        cmd = svc.AddPriceScheme(kind, "region:EAST", "AUDI", price, model="A6L", ends="2027-01-01")
        svc.add_price_scheme(app.uow(), cmd, app.clock, ids).unwrap()
    spec = VehicleSpec("AUDI", "A6L", "45TFSI", "WHITE", "BEIGE", 2026)
    quote = svc.new_quote(
        app.uow(), svc.NewQuote("S1", spec, "王先生", "zhang", "SALES", "365000"), app.clock, ids
    ).unwrap()
    for line in (
        svc.AddQuoteLine("S1", quote.id, LineKind.SERVICE, "贴膜", "1999.99", 2),
        svc.AddQuoteLine("S1", quote.id, LineKind.TRADE_IN, "旧车置换", "80000"),
    ):
        svc.add_quote_line(app.uow(), line, app.clock, ids).unwrap()
    refused = svc.accept_quote(app.uow(), svc.AcceptQuote("S1", quote.id, "zhang"), app.clock)
    assert "approval needed from SALES_MANAGER, GM" in refused.failure().message
    svc.approve_quote(
        app.uow(),
        svc.ApproveQuote("S1", quote.id, "li", "competitor offer", "SALES_MANAGER", 24),
        app.clock,
    ).unwrap()
    accepted = svc.accept_quote(app.uow(), svc.AcceptQuote("S1", quote.id, "zhang"), app.clock)
    assert isinstance(accepted, Success)
    svc.add_price_scheme(
        app.uow(),
        svc.AddPriceScheme(PriceKind.FLOOR, "store:S1", "AUDI", "370000", model="A6L"),
        app.clock,
        ids,
    ).unwrap()
    with app.uow() as uow:
        stored = uow.quotes.get(StoreId("S1"), quote.id)
        assert stored is not None
        assert stored.status is QuoteStatus.ACCEPTED
        assert stored.lines == accepted.unwrap().lines
        assert stored.references == accepted.unwrap().references
        assert stored.approvals == accepted.unwrap().approvals
        assert stored.totals.gross == cny("365000") + cny("3999.98") - cny("80000")
        assert stored.spec == spec
        assert stored.lines[1] == QuoteLine(LineKind.SERVICE, "贴膜", cny("1999.99"), 2)
        assert [r.price for r in stored.references if r.kind is PriceKind.FLOOR] == [cny(360000)]
        assert len(uow.authority.rules(Subject.VEHICLE)) == 3
    app.clock.advance(days=40)  # type: ignore[attr-defined]
    sheet = svc.resolve_prices(app.uow(), svc.ResolvePrices("S1", spec), app.clock).unwrap()
    assert sheet.price(PriceKind.FLOOR) == cny(370000) and sheet.price(PriceKind.MSRP) is None


def test_tie_is_refused_in_the_database(app: FoursApp) -> None:
    _seed(app)
    ids = SequentialIdSource("y")
    first = svc.AddPriceScheme(
        PriceKind.PROMOTION,
        "store:S2",
        "BYD",
        "150000",
        model="HAN",
        starts="2026-12-01",
        ends="2026-12-08",
        scheme_id="PROMO-1",
    )
    svc.add_price_scheme(app.uow(), first, app.clock, ids).unwrap()
    second = svc.AddPriceScheme(
        PriceKind.PROMOTION,
        "store:S2",
        "BYD",
        "149000",
        model="HAN",
        starts="2026-12-07",
        scheme_id="PROMO-2",
    )
    error = svc.add_price_scheme(app.uow(), second, app.clock, ids).failure()
    assert "PROMO-2" in error.message and "PROMO-1" in error.message
    with app.uow() as uow:
        assert uow.price_schemes.get(SchemeId("PROMO-2")) is None
        at = pendulum.datetime(2026, 12, 7, 17, 0, tz="UTC")  # 23:00 Dec 7 in Urumqi
        assert uow.price_schemes.get(SchemeId("PROMO-1")).window.contains(  # type: ignore[union-attr]
            at,
            uow.org.get_store(StoreId("S2")).time_zone,  # type: ignore[union-attr]
        )


def _same(a: Quote, b: Quote) -> None:
    fields = (
        "id",
        "store_id",
        "spec",
        "customer",
        "author",
        "author_role",
        "created_at",
        "status",
        "lines",
        "references",
        "approvals",
        "accepted_at",
        "accepted_by",
    )
    assert {f: getattr(a, f) for f in fields} == {f: getattr(b, f) for f in fields}


@given(ps.quotes())
def test_quote_converters_round_trip(quote: Quote) -> None:
    _same(quote_from(quote_rows(quote)), quote)


@FIXTURES
@given(quote=ps.quotes())
def test_quotes_round_trip_through_the_database(app: FoursApp, quote: Quote) -> None:
    with app.uow() as uow:
        seeded = uow.org.get_group() is not None
    if not seeded:
        _seed(app)
    with app.uow() as uow:
        for table in (t.quote_approvals, t.quote_references, t.quote_lines):
            uow.session.execute(delete(table).where(table.c.quote_id == quote.id))
        uow.session.execute(delete(t.quotes).where(t.quotes.c.id == quote.id))
        uow.quotes.save(quote)
        uow.commit()
    with app.uow() as uow:
        loaded = uow.quotes.get(quote.store_id, quote.id)
        assert loaded is not None
        _same(loaded, quote)
        uow.quotes.save(loaded)  # saving again replaces, never duplicates
        uow.commit()
    with app.uow() as uow:
        again = uow.quotes.get(quote.store_id, quote.id)
        assert again is not None
        _same(again, quote)
    with pytest.raises(ConcurrentQuoteChange), app.uow() as other:
        other.quotes.save(again)  # a copy this unit of work never read: refused


def test_part_approvals_round_trip(app: FoursApp) -> None:
    _seed(app)
    approval = PartPriceApproval(
        id=PartApprovalId("A1"),
        store_id=StoreId("S2"),
        part_number=PartNumber("4H0-061-160"),
        customer_type="retail",
        price=cny("800.50"),
        approver=UserId("wang"),
        role=RoleCode("GM"),
        reason="车队客户",
        approved_at=app.clock.now(),
        expires_at=app.clock.now().add(hours=3),
    )
    with app.uow() as uow:
        uow.part_approvals.add(approval)
        uow.commit()
    with app.uow() as uow:
        assert uow.part_approvals.get(StoreId("S2"), PartApprovalId("A1")) == approval
        assert uow.part_approvals.get(StoreId("S1"), PartApprovalId("A1")) is None
