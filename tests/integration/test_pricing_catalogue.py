"""Parts pricing reads the inventory catalogue, on SQLite and PostgreSQL: the store's
business-unit entry first, then the group's; an unknown part is named with the store."""

from decimal import Decimal

from returns.result import Failure, Success

from fours_adapters.bootstrap import FoursApp
from fours_domain.inventory import services as inv
from fours_domain.org.model import MasterDataScope
from fours_domain.pricing import services as svc
from fours_domain.pricing.authority import default_rules
from fours_domain.pricing.parts import CounterDiscountRequiresApproval, PartListing, UnknownPart
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.ids import BusinessUnitId
from fours_domain.shared.money import cny
from tests.unit.inventory.world import seed

PREMIUM = BusinessUnitId("PREMIUM")


def _catalogue(app: FoursApp) -> None:
    """S1 is in business unit PREMIUM, S2 in none; P-1 and P-2 are group parts at 120.00."""
    seed(app.uow, app.clock)
    for number, price in (("P-1", "150.00"), ("P-3", "80.00")):
        cmd = inv.AddPart(
            number, "Premium " + number, "ACCESSORY", price, "50", business_unit_id=PREMIUM
        )
        inv.add_part(app.uow(), cmd).unwrap()
    with app.uow() as uow:
        for rule in default_rules():
            uow.authority.put(rule)
        uow.commit()


def _price(app: FoursApp, store: str, part: str, **kw: str) -> PartListing:
    result = svc.price_part(app.uow(), svc.PricePart(store, part, "RETAIL", **kw), app.clock)
    return result.unwrap().listing


def test_the_sql_catalogue_binding_follows_the_business_unit_lookup_order(app: FoursApp) -> None:
    _catalogue(app)
    with app.uow() as uow:
        prices = uow.part_list_prices
        own = prices.listing(PREMIUM, PartNumber("P-1"))
        assert own == PartListing(
            PartNumber("P-1"), "ACCESSORY", cny("150.00"), MasterDataScope(PREMIUM)
        )
        group = prices.listing(None, PartNumber("P-1"))
        assert group == PartListing(PartNumber("P-1"), "REPAIR", cny("120.00"))
        assert prices.listing(PREMIUM, PartNumber("P-2")) == PartListing(
            PartNumber("P-2"), "REPAIR", cny("120.00")
        )
        assert prices.listing(None, PartNumber("P-3")) is None
        assert prices.listing(PREMIUM, PartNumber("NOPE")) is None


def test_price_part_uses_the_entry_the_store_sees(app: FoursApp) -> None:
    _catalogue(app)
    svc.add_part_policy(app.uow(), svc.AddPartPolicy("ACCESSORY", "*", Decimal("0.9"))).unwrap()
    premium = svc.price_part(app.uow(), svc.PricePart("s1", "p-1", "RETAIL"), app.clock).unwrap()
    assert premium.listing.scope == MasterDataScope(PREMIUM)
    assert (premium.listing.list_price, premium.price) == (cny("150.00"), cny("135.00"))
    plain = svc.price_part(app.uow(), svc.PricePart("S2", "P-1", "RETAIL"), app.clock).unwrap()
    assert plain.listing.scope == MasterDataScope.group()
    assert (plain.listing.list_price, plain.price) == (cny("120.00"), cny("120.00"))
    assert _price(app, "S1", "P-2").list_price == cny("120.00")
    assert _price(app, "S1", "P-3").list_price == cny("80.00")


def test_an_unknown_part_names_the_part_and_the_store_scope(app: FoursApp) -> None:
    _catalogue(app)
    cmd = svc.PricePart("S2", "P-3", "RETAIL")
    match svc.price_part(app.uow(), cmd, app.clock):
        case Failure(UnknownPart() as error):
            assert error.code == "not_found"
            assert error.message == "part P-3 not found in the catalogue of store S2 (group)"
        case other:
            raise AssertionError(other)
    approve = svc.ApprovePartPrice("S1", "X-9", "RETAIL", "1", "wang", "GM", "fleet")
    refused = svc.approve_part_price(app.uow(), approve, app.clock, app.ids)
    assert refused.failure().message == (
        "part X-9 not found in the catalogue of store S1 (business unit PREMIUM, then group)"
    )


def test_a_counter_discount_is_checked_on_the_store_list_price(app: FoursApp) -> None:
    _catalogue(app)
    # 90 % of the PREMIUM list 150.00 is 135.00; of the group list 120.00 it is 108.00.
    at_s1 = svc.PricePart("S1", "P-1", "RETAIL", "120", "SHOWROOM_MANAGER")
    refused = svc.price_part(app.uow(), at_s1, app.clock).failure()
    assert isinstance(refused, CounterDiscountRequiresApproval)
    assert "list 150.00" in refused.message
    at_s2 = svc.PricePart("S2", "P-1", "RETAIL", "120", "SHOWROOM_MANAGER")
    assert isinstance(svc.price_part(app.uow(), at_s2, app.clock), Success)
    approve = svc.ApprovePartPrice("S1", "P-1", "RETAIL", "120", "wang", "GM", "fleet")
    approval = svc.approve_part_price(app.uow(), approve, app.clock, app.ids).unwrap()
    granted = svc.PricePart("S1", "P-1", "RETAIL", "120", "SHOWROOM_MANAGER", approval.id)
    assert isinstance(svc.price_part(app.uow(), granted, app.clock), Success)
