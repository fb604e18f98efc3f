"""Hypothesis strategies for fours domain values.

Use them to write property tests of your own pricing or stock rules::

    from hypothesis import given
    from fours_domain.testing import strategies as fs

    @given(fs.vins(), fs.cny_amounts(max_value="500000"))
    def test_my_rule(vin, price): ...

Every strategy produces values the domain accepts, unless its name says
otherwise (:func:`invalid_vins`, :func:`mistyped_vins`).
"""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import strategies as st

from fours_domain.org.model import Brand, BusinessUnit, Region, StaffMember, Store, WarehouseKind
from fours_domain.shared.identifiers import MobileNumber, Plate, Vin, VinCheck, vin_check_digit
from fours_domain.shared.ids import StoreId
from fours_domain.shared.money import Money, VatRate, cny
from fours_domain.shared.time import DateTime, StoreTimeZone

VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
PLATE_ALNUM = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
CHINA_TIME_ZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau")
MOBILE_PREFIXES = (
    "130",
    "131",
    "135",
    "136",
    "138",
    "139",
    "150",
    "151",
    "158",
    "166",
    "177",
    "180",
    "186",
    "188",
    "189",
    "191",
    "198",
    "199",
)


@st.composite
def vins(draw: st.DrawFn) -> Vin:
    """VINs with a correct check digit (cars made for China or North America)."""
    body = draw(st.text(VIN_ALPHABET, min_size=16, max_size=16))
    raw = body[:8] + "0" + body[8:]
    return Vin(raw[:8] + vin_check_digit(raw) + raw[9:])


@st.composite
def mistyped_vins(draw: st.DrawFn) -> str:
    """17-character VIN strings whose check digit is wrong (e.g. EU imports)."""
    vin = draw(vins()).value
    wrong = draw(st.sampled_from([c for c in "0123456789X" if c != vin[8]]))
    return vin[:8] + wrong + vin[9:]


def lenient_vins() -> st.SearchStrategy[Vin]:
    """VINs accepted in lenient mode, check digit right or wrong."""
    return st.one_of(
        vins(), mistyped_vins().map(lambda raw: Vin.parse(raw, VinCheck.LENIENT).unwrap())
    )


def invalid_vins() -> st.SearchStrategy[str]:
    """Strings that are not VINs in any mode (length or alphabet wrong)."""
    return st.one_of(
        st.text(VIN_ALPHABET, max_size=16),
        st.text(VIN_ALPHABET, min_size=18, max_size=20),
        st.builds(
            lambda v, i, ch: v.value[:i] + ch + v.value[i + 1 :],
            vins(),
            st.integers(0, 16),
            st.sampled_from("IOQ*-"),
        ),
    )


@st.composite
def plates(draw: st.DrawFn) -> Plate:
    """Regular and new-energy (small and large) Chinese plates."""
    province = draw(st.sampled_from(PROVINCES))
    city = draw(st.sampled_from(PLATE_LETTERS[:20]))
    kind = draw(st.sampled_from(["regular", "nev_small", "nev_large"]))
    digits = st.text("0123456789", min_size=1, max_size=1)
    alnum = st.sampled_from(PLATE_ALNUM.replace("Q", ""))
    if kind == "regular":
        tail = "".join(draw(st.lists(alnum, min_size=5, max_size=5)))
    elif kind == "nev_small":
        tail = (
            draw(st.sampled_from("DF"))
            + draw(alnum)
            + "".join(draw(st.lists(digits, min_size=4, max_size=4)))
        )
    else:
        tail = "".join(draw(st.lists(digits, min_size=5, max_size=5))) + draw(st.sampled_from("DF"))
    return Plate(province + city + tail)


@st.composite
def mobile_numbers(draw: st.DrawFn) -> MobileNumber:
    prefix = draw(st.sampled_from(MOBILE_PREFIXES))
    rest = draw(st.text("0123456789", min_size=8, max_size=8))
    return MobileNumber.parse(prefix + rest).unwrap()


def cny_amounts(min_value: str = "0", max_value: str = "10000000") -> st.SearchStrategy[Money]:
    """CNY amounts in whole fen between the bounds (inclusive)."""
    return st.decimals(
        Decimal(min_value), Decimal(max_value), places=2, allow_nan=False, allow_infinity=False
    ).map(cny)


def vat_rates() -> st.SearchStrategy[VatRate]:
    """Common Chinese VAT rates: 13 %, 9 %, 6 %, 3 %, 0 %."""
    return st.sampled_from(["0.13", "0.09", "0.06", "0.03", "0"]).map(lambda r: VatRate(Decimal(r)))


def time_zones() -> st.SearchStrategy[StoreTimeZone]:
    return st.sampled_from(CHINA_TIME_ZONES).map(StoreTimeZone)


def instants(min_year: int = 2020, max_year: int = 2035) -> st.SearchStrategy[DateTime]:
    """UTC instants with microseconds."""
    import datetime as dt

    import pendulum

    return st.datetimes(
        min_value=dt.datetime(min_year, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=dt.datetime(max_year, 12, 31),  # noqa: DTZ001
        timezones=st.just(dt.UTC),
    ).map(lambda d: pendulum.instance(d, tz="UTC"))


def codes(prefix: str = "", max_size: int = 6) -> st.SearchStrategy[str]:
    """Business codes the organisation accepts (A–Z, 0–9)."""
    return st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=max_size).map(
        lambda s: f"{prefix}{s}"
    )


@attrs.frozen
class OrgTree:
    """A generated organisation: regions, units, brands and fully built stores."""

    regions: tuple[Region, ...]
    business_units: tuple[BusinessUnit, ...]
    brands: tuple[Brand, ...]
    stores: tuple[Store, ...]


@st.composite
def org_trees(draw: st.DrawFn, max_stores: int = 6, at: DateTime | None = None) -> OrgTree:
    """A group's organisation: 1–3 regions, 1–3 brands, 1–``max_stores`` stores,
    each with 0–2 showrooms and 1–2 warehouses of 1–4 bins."""
    import pendulum

    when = at or pendulum.datetime(2026, 1, 1, tz="UTC")
    region_ids = draw(st.lists(codes("R"), min_size=1, max_size=3, unique=True))
    regions = tuple(Region(id=r, name=f"Region {r}") for r in region_ids)
    brand_codes = draw(st.lists(codes("B"), min_size=1, max_size=3, unique=True))
    brands = tuple(Brand(code=b, name=f"Brand {b}", manufacturer=f"OEM {b}") for b in brand_codes)
    units = tuple(
        BusinessUnit(id=u, name=f"Unit {u}")
        for u in draw(st.lists(codes("U"), max_size=2, unique=True))
    )
    store_ids = draw(st.lists(codes("S"), min_size=1, max_size=max_stores, unique=True))
    stores = []
    for store_id in store_ids:
        sold = draw(
            st.lists(
                st.sampled_from(brands),
                min_size=1,
                max_size=len(brands),
                unique_by=lambda b: b.code,
            )
        )
        store = Store.open(
            store_id=store_id,
            name=f"Store {store_id}",
            region=draw(st.sampled_from(regions)),
            time_zone=draw(time_zones()),
            brands=sold,
            business_unit=draw(st.none() | st.sampled_from(units)) if units else None,
            at=when,
        )
        for showroom in draw(st.lists(codes("SR"), max_size=2, unique=True)):
            store.add_showroom(showroom, f"Showroom {showroom}")
        for warehouse in draw(st.lists(codes("W"), min_size=1, max_size=2, unique=True)):
            store.add_warehouse(
                warehouse, f"Warehouse {warehouse}", draw(st.sampled_from(list(WarehouseKind)))
            )
            for bin_code in draw(st.lists(codes("A"), min_size=1, max_size=4, unique=True)):
                store.add_bin(warehouse, bin_code)
        stores.append(store)
    return OrgTree(regions=regions, business_units=units, brands=brands, stores=tuple(stores))


# Rebate policies and sales facts live in their own module (it uses vins() above).
from fours_domain.testing import strategies_rebates as _rebates  # noqa: E402

rebate_policies = _rebates.rebate_policies
sale_facts = _rebates.sale_facts
fact_lists = _rebates.fact_lists

# Vehicles context (re-exported: ``fs.vehicles()``, ``fs.vehicle_specs()``…).
# Inventory strategies (strategies_inventory.py), re-exported here.
from fours_domain.testing import strategies_inventory as _inventory  # noqa: E402
from fours_domain.testing.strategies_vehicles import build_vehicle as build_vehicle  # noqa: E402, PLC0414
from fours_domain.testing.strategies_vehicles import perform as perform  # noqa: E402, PLC0414
from fours_domain.testing.strategies_vehicles import vehicle_specs as vehicle_specs  # noqa: E402, PLC0414
from fours_domain.testing.strategies_vehicles import vehicles as vehicles  # noqa: E402, PLC0414

count_lines = _inventory.count_lines
fitments = _inventory.fitments
move_kinds = _inventory.move_kinds
part_numbers = _inventory.part_numbers
parts = _inventory.parts
purposes = _inventory.purposes
quantities = _inventory.quantities
request_lines = _inventory.request_lines
shortage_policies = _inventory.shortage_policies
stock_items = _inventory.stock_items
stock_moves = _inventory.stock_moves


ROLES = ("SALES", "SALES_MANAGER", "SHOWROOM_MANAGER", "GM", "CASHIER")


@st.composite
def staff_members(draw: st.DrawFn, stores: tuple[str, ...] = ("S1", "S2")) -> StaffMember:
    """A member of staff with 0–4 distinct roles, each at one of ``stores`` or group-wide."""
    login = draw(st.text("abcdefghijklmnopqrstuvwxyz0123456789.", min_size=1, max_size=12))
    member = StaffMember(id="u" + login, name=draw(st.sampled_from(["张伟", "李娜", "Wang Li"])))
    grants = draw(
        st.lists(
            st.tuples(st.sampled_from(ROLES), st.sampled_from([*stores, None])),
            max_size=4,
            unique=True,
        )
    )
    for role, store in grants:
        member.grant(role, None if store is None else StoreId(store))
    return member
