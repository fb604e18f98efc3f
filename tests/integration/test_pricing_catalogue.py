"""Parts pricing reads the inventory catalogue, on SQLite and PostgreSQL: the store's
business-unit entry first, then the group's; an unknown part is named with the store."""

from decimal import Decimal

from returns.result import Failure, Result

from fours_adapters.bootstrap import FoursApp
from fours_domain.inventory import services as inv
from fours_domain.org import services as org
from fours_domain.org.model import MasterDataScope
from fours_domain.pricing import services as svc
from fours_domain.pricing.authority import default_rules
from fours_domain.pricing.parts import CounterDiscountRequiresApproval, PartListing, UnknownPart
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.errors import DomainError
from fours_domain.shared.ids import BusinessUnitId, StoreId
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
    for store in ("S1", "S2"):
        staff = org.AddStaff(f"sun.{store.lower()}", "孙丽", ("SHOWROOM_MANAGER",), store)
        org.add_staff(app.uow(), staff).unwrap()
    org.add_staff(app.uow(), org.AddStaff("wang", "王总", ("GM",), group_wide=True)).unwrap()


def _quote(app: FoursApp, cmd: svc.PricePart) -> Result[svc.PartQuote, DomainError]:
    return svc.price_part(app.uow(), cmd, app.clock, app.ids)


def _price(app: FoursApp, store: str, part: str, **kw: str) -> PartListing:
    return _quote(app, svc.PricePart(store, part, "RETAIL", **kw)).unwrap().price.listing


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
    premium = _quote(app, svc.PricePart("s1", "p-1", "RETAIL")).unwrap().price
    assert premium.listing.scope == MasterDataScope(PREMIUM)
    assert (premium.listing.list_price, premium.price) == (cny("150.00"), cny("135.00"))
    plain = _quote(app, svc.PricePart("S2", "P-1", "RETAIL")).unwrap().price
    assert plain.listing.scope == MasterDataScope.group()
    assert (plain.listing.list_price, plain.price) == (cny("120.00"), cny("120.00"))
    assert _price(app, "S1", "P-2").list_price == cny("120.00")
    assert _price(app, "S1", "P-3").list_price == cny("80.00")


def test_an_unknown_part_names_the_part_and_the_store_scope(app: FoursApp) -> None:
    _catalogue(app)
    cmd = svc.PricePart("S2", "P-3", "RETAIL")
    match _quote(app, cmd):
        case Failure(UnknownPart() as error):
            assert error.code == "not_found"
            assert error.message == "part P-3 not found in the catalogue of store S2 (group)"
        case other:
            raise AssertionError(other)
    approve = svc.ApprovePartPrice("S1", "X-9", "RETAIL", "1", "wang", "fleet", "GM")
    refused = svc.approve_part_price(app.uow(), approve, app.clock, app.ids)
    assert refused.failure().message == (
        "part X-9 not found in the catalogue of store S1 (business unit PREMIUM, then group)"
    )


def test_a_counter_discount_is_checked_on_the_store_list_price(app: FoursApp) -> None:
    _catalogue(app)
    # 90 % of the PREMIUM list 150.00 is 135.00; of the group list 120.00 it is 108.00.
    refused = _quote(app, svc.PricePart("S1", "P-1", "RETAIL", "120", "sun.s1")).failure()
    assert isinstance(refused, CounterDiscountRequiresApproval)
    assert "list 150.00" in refused.message
    at_s2 = _quote(app, svc.PricePart("S2", "P-1", "RETAIL", "110", "sun.s2")).unwrap()
    assert at_s2.grant is not None and at_s2.grant.role == "SHOWROOM_MANAGER"
    approve = svc.ApprovePartPrice("S1", "P-1", "RETAIL", "120", "wang", "fleet", "GM")
    approval = svc.approve_part_price(app.uow(), approve, app.clock, app.ids).unwrap()
    granted = svc.PricePart("S1", "P-1", "RETAIL", "120", "sun.s1", None, approval.id)
    under_approval = _quote(app, granted).unwrap().grant
    assert under_approval is not None and under_approval.approval_id == approval.id
    with app.uow() as uow:  # both grants are on record, each at its own store
        assert uow.part_grants.list(StoreId("S1")) == [under_approval]
        assert uow.part_grants.list(StoreId("S2")) == [at_s2.grant]
        assert uow.part_grants.list(StoreId("S1"), quote_id="Q-1") == []
