"""Your own property suite on fours' public strategies and fakes (see docs/testing.md).

Run it like any pytest module: ``pytest examples/property_suite_example.py``
(needs the ``testing`` extra: ``pip install 'fours[testing]'`` and pytest).
fours' own test suite runs this file, so the guide's example keeps working.
"""

from decimal import Decimal

import pendulum
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from fours_domain.org import services
from fours_domain.shared.identifiers import MobileNumber, Plate, Vin, VinCheck
from fours_domain.shared.money import VAT_13, round_fen
from fours_domain.shared.time import FixedClock
from fours_domain.testing import strategies as fs
from fours_domain.testing.fakes import FakeUnitOfWork

# --- 1. A rule of your own, on fours' values -----------------------------------------------
# The group lets a showroom take at most 5 % off the guide price (rounded to the fen).


def showroom_price(guide: Money, percent_off: int) -> Money:
    if not 0 <= percent_off <= 5:
        raise ValueError(f"{percent_off}% is beyond the showroom's authority")
    return round_fen(guide * (Decimal(100 - percent_off) / 100))


@given(fs.cny_amounts(min_value="50000", max_value="800000"), st.integers(0, 5))
def test_the_showroom_price_stays_within_its_authority(guide: Money, percent_off: int) -> None:
    price = showroom_price(guide, percent_off)
    assert round_fen(guide * Decimal("0.95")) <= price <= guide
    # and its pre-tax invoice price (for rebates) is derived the one way fours does it
    split = VAT_13.split_inclusive(price)
    assert split.net + split.vat == price


# --- 2. Identifiers through your own export format -----------------------------------------
# A CSV export writes VIN, plate and mobile as text; reading the row back gives the values.


def export_row(vin: Vin, plate: Plate, mobile: MobileNumber) -> str:
    return f"{vin},{plate},{mobile.national}"


def import_row(row: str) -> tuple[Vin, Plate, MobileNumber]:
    raw_vin, raw_plate, raw_mobile = row.split(",")
    return (
        Vin.parse(raw_vin, VinCheck.LENIENT).unwrap(),  # imported cars may lack a check digit
        Plate.parse(raw_plate).unwrap(),
        MobileNumber.parse(raw_mobile).unwrap(),
    )


@given(fs.lenient_vins(), fs.plates(), fs.mobile_numbers())
def test_an_export_row_reads_back(vin: Vin, plate: Plate, mobile: MobileNumber) -> None:
    assert import_row(export_row(vin, plate, mobile)) == (vin, plate, mobile)


@given(fs.mobile_number_inputs())
def test_staff_may_type_a_mobile_number_any_usual_way(case: tuple[str, MobileNumber]) -> None:
    raw, number = case
    assert MobileNumber.parse(raw).unwrap() == number


# --- 3. Application services with the in-memory fakes --------------------------------------
# Whatever organisation is generated, building it through the services stores the same tree.


@given(fs.org_trees(max_stores=3))
def test_an_organisation_built_through_the_services(tree: fs.OrgTree) -> None:
    uow = FakeUnitOfWork()
    clock = FixedClock(pendulum.datetime(2026, 1, 1, tz="UTC"))  # services never read a clock
    services.create_group(uow, services.CreateGroup("ACME", "Acme")).unwrap()
    for region in tree.regions:
        services.add_region(uow, services.AddRegion(region.id, region.name)).unwrap()
    for unit in tree.business_units:
        services.add_business_unit(uow, services.AddBusinessUnit(unit.id, unit.name)).unwrap()
    for brand in tree.brands:
        command = services.AddBrand(brand.code, brand.name, brand.manufacturer)
        services.add_brand(uow, command).unwrap()
    for store in tree.stores:
        opened = services.OpenStore(
            store.id,
            store.name,
            store.region_id,
            store.time_zone.name,
            tuple(sorted(store.brands)),
            store.business_unit_id,
        )
        services.open_store(uow, opened, clock).unwrap()
        for warehouse in store.warehouses:
            services.add_warehouse(
                uow, services.AddWarehouse(store.id, warehouse.code, warehouse.name, warehouse.kind)
            ).unwrap()
            bins = tuple(b.code for b in warehouse.bins)
            services.add_bins(uow, services.AddBins(store.id, warehouse.code, bins)).unwrap()

    assert uow.committed == 1 + len(tree.regions) + len(tree.business_units) + len(
        tree.brands
    ) + sum(1 + 2 * len(s.warehouses) for s in tree.stores)
    for store in tree.stores:
        stored = uow.org.stores[store.id]
        assert stored.brands == store.brands
        assert [(w.code, [b.code for b in w.bins]) for w in stored.warehouses] == [
            (w.code, [b.code for b in w.bins]) for w in store.warehouses
        ]


def test_refusals_come_back_as_values() -> None:
    uow = FakeUnitOfWork()
    refused = services.add_brand(uow, services.AddBrand("AUDI", "Audi", "FAW-VW"))
    assert refused.failure().code == "not_found"  # no group yet
    assert uow.org.brands == {} and uow.committed == 0
