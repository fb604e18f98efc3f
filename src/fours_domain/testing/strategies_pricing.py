"""Hypothesis strategies for prices, schemes, quotes and authority ladders.

Codes come from small alphabets on purpose, so that generated schemes overlap
and compete for the same cars (the interesting cases for resolution)::

    from fours_domain.testing import strategies_pricing as ps

    @given(ps.price_schemes(), ps.vehicle_specs(), ps.store_places(), fs.instants())
    def test_my_rule(scheme, spec, place, at): ...
"""

from __future__ import annotations

from decimal import Decimal

import pendulum
from hypothesis import strategies as st

from fours_domain.pricing.authority import (
    AuthorityLadder,
    AuthorityRule,
    Basis,
    Subject,
    role_code,
)
from fours_domain.pricing.model import (
    PriceKind,
    PriceScheme,
    PriceScope,
    SchemeId,
    StorePlace,
    ValidityWindow,
    resolve_all,
)
from fours_domain.pricing.quotes import Approval, LineKind, Quote, QuoteId, QuoteLine
from fours_domain.shared.catalogue import PartNumber, SpecPattern, VehicleSpec
from fours_domain.shared.ids import RegionId, StoreId, UserId
from fours_domain.shared.money import Money
from fours_domain.testing.strategies import cny_amounts, time_zones

BRANDS = ("AUDI", "BYD")
MODELS = ("A6L", "Q5L")
TRIMS = ("40", "45")
COLOURS = ("WHITE", "BLACK")
INTERIORS = ("BEIGE", "GREY")
REGIONS = ("EAST", "SOUTH")
STORES = ("S1", "S2", "S3")
BASE_DAY = pendulum.naive(2026, 12, 1)


def vehicle_specs(brands: tuple[str, ...] = BRANDS) -> st.SearchStrategy[VehicleSpec]:
    """Fully specified cars from the small test catalogue."""
    return st.builds(
        VehicleSpec,
        brand=st.sampled_from(brands),
        model=st.sampled_from(MODELS),
        trim=st.sampled_from(TRIMS),
        colour=st.sampled_from(COLOURS),
        interior=st.sampled_from(INTERIORS),
    )


@st.composite
def spec_patterns(draw: st.DrawFn, brands: tuple[str, ...] = BRANDS) -> SpecPattern:
    """Patterns from brand-only to fully specified."""
    brand = draw(st.sampled_from(brands))
    model = draw(st.none() | st.sampled_from(MODELS))
    if model is None:
        return SpecPattern(brand)
    return SpecPattern(
        brand,
        model,
        draw(st.none() | st.sampled_from(TRIMS)),
        draw(st.none() | st.sampled_from(COLOURS)),
        draw(st.none() | st.sampled_from(INTERIORS)),
    )


def price_scopes() -> st.SearchStrategy[PriceScope]:
    """Where a scheme applies: the group, one of :data:`REGIONS` or one of :data:`STORES`."""
    return st.one_of(
        st.just(PriceScope.group()),
        st.sampled_from(REGIONS).map(PriceScope.region),
        st.sampled_from(STORES).map(PriceScope.store),
    )


def store_places() -> st.SearchStrategy[StorePlace]:
    """A store of :data:`STORES` in a region, with its time zone (for resolving prices)."""
    return st.builds(
        StorePlace,
        store_id=st.sampled_from(STORES).map(StoreId),
        region_id=st.sampled_from(REGIONS).map(RegionId),
        time_zone=time_zones(),
    )


@st.composite
def validity_windows(draw: st.DrawFn) -> ValidityWindow:
    """Windows of whole hours around :data:`BASE_DAY`, open or closed at either end."""
    start = draw(st.none() | st.integers(-72, 72))
    length = draw(st.none() | st.integers(1, 96))
    starts = None if start is None else BASE_DAY.add(hours=start)
    ends = None
    if length is not None:
        ends = (starts or BASE_DAY).add(hours=length)
    return ValidityWindow(starts, ends)


def instants_near_base() -> st.SearchStrategy[pendulum.DateTime]:
    """UTC instants within four days of :data:`BASE_DAY`, to the minute."""
    origin = pendulum.datetime(2026, 12, 1, tz="UTC")
    return st.integers(-4 * 24 * 60, 4 * 24 * 60).map(lambda m: origin.add(minutes=m))


@st.composite
def price_schemes(
    draw: st.DrawFn, kind: PriceKind | None = None, ident: str | None = None
) -> PriceScheme:
    """Price schemes of ``kind`` (any when None) for a generated scope, target and window,
    priced ¥100,000–500,000 with priority −2…2."""
    scheme_id = ident or draw(st.text("ABCDEFGHJK0123456789", min_size=1, max_size=6))
    window = draw(validity_windows())
    ended = window.ends is not None and draw(st.booleans())
    return PriceScheme(
        id=SchemeId(scheme_id),
        name=f"scheme {scheme_id}",
        kind=kind or draw(st.sampled_from(list(PriceKind))),
        scope=draw(price_scopes()),
        target=draw(spec_patterns()),
        price=draw(cny_amounts("100000", "500000")),
        priority=draw(st.integers(-2, 2)),
        window=window,
        ended_at=draw(instants_near_base()) if ended else None,
        end_reason=draw(st.none() | st.just("new price list")) if ended else None,
    )


def scheme_lists(
    kind: PriceKind | None = None, max_size: int = 12
) -> st.SearchStrategy[list[PriceScheme]]:
    """Lists of schemes with distinct ids."""
    return st.lists(price_schemes(kind), min_size=0, max_size=max_size, unique_by=lambda s: s.id)


PART_NUMBERS = ("4H0-061-160", "8W0-071-128")


@st.composite
def quote_lines(draw: st.DrawFn, kinds: tuple[LineKind, ...] | None = None) -> QuoteLine:
    """Non-vehicle quote lines (accessories, services, fees, trade-in, discounts);
    accessories name a catalogue part and the policy price they were measured against."""
    allowed = kinds or tuple(k for k in LineKind if k is not LineKind.VEHICLE)
    kind = draw(st.sampled_from(allowed))
    accessory = kind is LineKind.ACCESSORY
    return QuoteLine(
        kind,
        "line",
        draw(cny_amounts("0.01", "20000")),
        draw(st.integers(1, 5)),
        kind.default_vat,
        part_number=PartNumber(draw(st.sampled_from(PART_NUMBERS))) if accessory else None,
        policy_price=draw(cny_amounts("0.01", "20000")) if accessory else None,
    )


@st.composite
def vehicle_ladders(draw: st.DrawFn) -> AuthorityLadder:
    """A vehicle authority ladder with a salesperson, a manager and maybe a GM."""
    off = draw(cny_amounts("0", "5000"))
    rules = [
        AuthorityRule(Subject.VEHICLE, "SALES", Basis.INTERNAL_GUIDE, amount_off=off),
        AuthorityRule(
            Subject.VEHICLE,
            "SALES_MANAGER",
            draw(st.sampled_from([Basis.FLOOR, Basis.SPECIAL])),
            share=draw(st.sampled_from([Decimal(1), Decimal("0.98")])),
        ),
    ]
    if draw(st.booleans()):
        rules.append(AuthorityRule(Subject.VEHICLE, "GM", Basis.UNLIMITED))
    return AuthorityLadder.of(Subject.VEHICLE, rules)


def prices(low: str = "100000", high: str = "500000") -> st.SearchStrategy[Money]:
    """Car prices in whole fen between ``low`` and ``high`` yuan."""
    return cny_amounts(low, high)


@st.composite
def quotes(draw: st.DrawFn, store_id: str = "S1") -> Quote:
    """Draft quotes for a generated car with 0–6 extra lines and 0–2 approvals.

    Reference prices come from generated group schemes (so some kinds are missing).
    """
    spec = draw(vehicle_specs())
    place = StorePlace(StoreId(store_id), RegionId("EAST"), draw(time_zones()))
    at = draw(instants_near_base())
    schemes = [
        PriceScheme(
            id=SchemeId(f"{kind.value.upper()}-1"),
            name=kind.value,
            kind=kind,
            scope=PriceScope.group(),
            target=SpecPattern(spec.brand, spec.model),
            price=draw(prices()),
        )
        for kind in draw(st.sets(st.sampled_from(list(PriceKind))))
    ]
    quote = Quote.draft(
        quote_id=QuoteId(draw(st.text("ABCDEF0123456789", min_size=1, max_size=12))),
        store_id=place.store_id,
        spec=spec,
        customer=draw(st.sampled_from(["王先生", "Ms Li", "某公司"])),
        author=UserId(draw(st.sampled_from(["zhang", "li"]))),
        author_role=draw(st.sampled_from(["SALES", "SALES_MANAGER"])),
        sheet=resolve_all(schemes, spec, place, at),
        vehicle_price=draw(prices()),
        at=at,
    ).unwrap()
    for line in draw(st.lists(quote_lines(), max_size=6)):
        quote.add_line(line)
    for hours in draw(st.lists(st.integers(1, 96), max_size=2)):
        quote.approvals.append(
            Approval(
                approver=UserId("gm"),
                role=role_code("GM"),
                price=quote.deal_price,
                reason="generated",
                approved_at=at,
                expires_at=at.add(hours=hours),
            )
        )
    return quote
