"""Hypothesis strategies for fours domain values.

Use them to write property tests of your own pricing or stock rules::

    from hypothesis import given
    from fours_domain.testing import strategies as fs

    @given(fs.vins(), fs.cny_amounts(max_value="500000"))
    def test_my_rule(vin, price): ...

Every strategy produces values the domain accepts, unless its name says
otherwise (:func:`invalid_vins`, :func:`mistyped_vins`). Where the domain's rule is
a pattern, the strategy is drawn from that same pattern (plates from
:data:`~fours_domain.shared.identifiers.PLATE_PATTERNS`, mobile numbers from
libphonenumber's metadata for China), so the two cannot drift apart.
The guide is docs/testing.md.
"""

from __future__ import annotations

import re
from decimal import Decimal

import attrs
import phonenumbers
from hypothesis import strategies as st

from fours_domain.org.model import (
    Brand,
    BusinessUnit,
    Company,
    Region,
    StaffMember,
    Store,
    WarehouseKind,
)
from fours_domain.shared.identifiers import (
    PLATE_PATTERNS,
    MobileNumber,
    Plate,
    PlateKind,
    SocialCreditCode,
    Vin,
    VinCheck,
    vin_check_digit,
)
from fours_domain.shared.ids import StoreId
from fours_domain.shared.money import MAX_AMOUNT, Money, VatRate, cny, money_of_fen
from fours_domain.shared.time import DateTime, StoreTimeZone

VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
CHINA_TIME_ZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau")
CODE_START = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
CODE_ALPHABET = CODE_START + "-_"
"""What a business code may contain (``fours_domain.org.model.code``): A–Z, 0–9, ``-``,
``_``; the first character a letter or digit."""


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


def plates(*kinds: PlateKind) -> st.SearchStrategy[Plate]:
    """Chinese plates of the given kinds (default: all): regular ones with every province
    (including 使/领) and every suffix the domain accepts (挂学警港澳), new-energy small and
    large — drawn from the domain's own :data:`PLATE_PATTERNS`.
    """
    chosen = kinds or tuple(PlateKind)
    return st.one_of([st.from_regex(PLATE_PATTERNS[kind], fullmatch=True) for kind in chosen]).map(
        Plate
    )


def _cn_mobile_pattern() -> re.Pattern[str]:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    mobile = None if metadata is None else metadata.mobile
    if mobile is None or mobile.national_number_pattern is None:
        raise RuntimeError("phonenumbers has no mobile pattern for CN")
    return re.compile(mobile.national_number_pattern, re.ASCII)


def mobile_numbers() -> st.SearchStrategy[MobileNumber]:
    """Mainland China mobile numbers, drawn from libphonenumber's own pattern for Chinese
    mobiles (the metadata :class:`MobileNumber` validates with): every range the library
    knows, new ones as it learns them — no hand-written prefixes."""
    return (
        st.from_regex(_cn_mobile_pattern(), fullmatch=True)
        .map(MobileNumber.parse)
        .filter(lambda parsed: parsed.value_or(None) is not None)
        .map(lambda parsed: parsed.unwrap())
    )


@st.composite
def mobile_number_inputs(draw: st.DrawFn) -> tuple[str, MobileNumber]:
    """``(raw, number)``: a mobile number as staff or a feed might type it (``138…``,
    ``+86 138 1234 5678``, ``0086…``, ``86…``) and the number it must parse to."""
    number = draw(mobile_numbers())
    n = number.national
    raw = draw(
        st.sampled_from(
            [
                n,
                f"+86{n}",
                f"+86 {n[:3]} {n[3:7]} {n[7:]}",
                f"0086{n}",
                f"86{n}",
                f"{n[:3]}-{n[3:7]}-{n[7:]}",
            ]
        )
    )
    return raw, number


def cny_amounts(min_value: str = "0", max_value: str = "10000000") -> st.SearchStrategy[Money]:
    """CNY amounts in whole fen between the bounds (inclusive)."""
    return st.decimals(
        Decimal(min_value), Decimal(max_value), places=2, allow_nan=False, allow_infinity=False
    ).map(cny)


def amounts_near_the_bound(fen: int = 100) -> st.SearchStrategy[Money]:
    """CNY amounts within ``fen`` fen of ±:data:`~fours_domain.shared.money.MAX_AMOUNT`,
    on both sides of it: the largest amounts the domain accepts and the smallest it refuses
    (``abs(amount) > MAX_AMOUNT``) — not all of them are accepted."""
    top = int(MAX_AMOUNT * 100)
    return st.builds(
        lambda sign, offset: money_of_fen(sign * (top + offset)),
        st.sampled_from((1, -1)),
        st.integers(-fen, fen),
    )


@st.composite
def amount_texts(draw: st.DrawFn) -> tuple[str, Money]:
    """``(text, amount)``: an amount in whole fen within the maximum as a person or a file
    writes it — plain (``1234.5``) or grouped in thousands (``1,234.50``), a currency
    marker (``¥``, ``￥``, ``RMB``, ``CNY``, ``元``), full-width digits, surrounding spaces,
    trailing zeros — and the amount :func:`~fours_domain.shared.money.parse_amount` reads."""
    fen = draw(st.integers(-int(MAX_AMOUNT * 100), int(MAX_AMOUNT * 100)))
    amount = money_of_fen(fen)
    whole, cents = divmod(abs(fen), 100)
    digits = f"{whole:,}" if draw(st.booleans()) else str(whole)
    fractions = [f"{cents:02d}", f"{cents:02d}0"] + ([f"{cents // 10}"] if cents % 10 == 0 else [])
    if cents or draw(st.booleans()):
        digits += "." + draw(st.sampled_from(fractions))
    if draw(st.booleans()):
        digits = digits.translate(_FULL_WIDTH)
    prefix, suffix = draw(
        st.sampled_from((("", ""), ("¥", ""), ("￥", ""), ("RMB ", ""), ("CNY", ""), ("", "元")))
    )
    sign = "-" if fen < 0 else draw(st.sampled_from(("", "+")))
    pad = draw(st.sampled_from(("", " ", "\t", "\u3000")))
    return f"{pad}{sign}{prefix}{digits}{suffix}{pad}", amount


_FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def vat_rates() -> st.SearchStrategy[VatRate]:
    """Common Chinese VAT rates: 13 %, 9 %, 6 %, 3 %, 0 %."""
    return st.sampled_from(["0.13", "0.09", "0.06", "0.03", "0"]).map(lambda r: VatRate(Decimal(r)))


def time_zones() -> st.SearchStrategy[StoreTimeZone]:
    """The zones a group's stores in China use: Beijing time, Ürümqi time, Hong Kong, Macau."""
    return st.sampled_from(CHINA_TIME_ZONES).map(StoreTimeZone)


def instants(min_year: int = 2020, max_year: int = 2035) -> st.SearchStrategy[DateTime]:
    """UTC instants with microseconds, from 1 January ``min_year`` to 31 December
    ``max_year`` (pendulum's whole range is 1–9999)."""
    import datetime as dt

    import pendulum

    return st.datetimes(
        min_value=dt.datetime(min_year, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=dt.datetime(max_year, 12, 31),  # noqa: DTZ001
        timezones=st.just(dt.UTC),
    ).map(lambda d: pendulum.instance(d, tz="UTC"))


def codes(prefix: str = "", max_size: int = 6) -> st.SearchStrategy[str]:
    """Business codes the organisation accepts: ``prefix`` then 1–``max_size`` characters
    of :data:`CODE_ALPHABET` (A–Z including I and O, 0–9, ``-``, ``_``), starting with a
    letter or digit when there is no prefix; at most 32 characters in all."""
    if len(prefix) + max_size > 32:
        raise ValueError(f"codes of {prefix!r} + {max_size} characters exceed 32")
    first = st.sampled_from(CODE_ALPHABET if prefix else CODE_START)
    rest = st.text(CODE_ALPHABET, max_size=max_size - 1)
    return st.tuples(first, rest).map(lambda parts: f"{prefix}{parts[0]}{parts[1]}")


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@st.composite
def social_credit_codes(draw: st.DrawFn) -> SocialCreditCode:
    """Valid unified social credit codes (统一社会信用代码), departments A/N/Y included."""
    from stdnum.cn import uscc

    head = draw(st.text(USCC_CHARS, min_size=2, max_size=2))
    region = draw(st.text("0123456789", min_size=6, max_size=6))
    body = draw(st.text(USCC_CHARS, min_size=9, max_size=9))
    first = head + region + body
    return SocialCreditCode(first + uscc.calc_check_digit(first))


@st.composite
def companies(draw: st.DrawFn) -> Company:
    """Group companies (legal entities) with valid USCCs."""
    return Company(
        id=draw(codes("CO")),
        name=draw(st.sampled_from(["安驰汽车", "Acme Auto"])),
        uscc=draw(social_credit_codes()),
    )


@attrs.frozen
class OrgTree:
    """A generated organisation: regions, units, brands, companies and fully built stores
    (each store under one of the companies, or none)."""

    regions: tuple[Region, ...]
    business_units: tuple[BusinessUnit, ...]
    brands: tuple[Brand, ...]
    stores: tuple[Store, ...]
    companies: tuple[Company, ...] = ()


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
    group_companies = tuple(
        draw(st.lists(companies(), max_size=2, unique_by=(lambda c: c.id, lambda c: c.uscc.value)))
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
            company=(
                draw(st.none() | st.sampled_from(group_companies)) if group_companies else None
            ),
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
    return OrgTree(
        regions=regions,
        business_units=units,
        brands=brands,
        stores=tuple(stores),
        companies=group_companies,
    )


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
