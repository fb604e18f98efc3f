"""Every column type round-trips its domain value on SQLite and PostgreSQL."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select, text
from sqlalchemy.dialects import sqlite

from fours_adapters.sql.types import (
    DecimalText,
    EnumText,
    LocalDate,
    MobileType,
    MoneyType,
    PlateType,
    TimeZoneType,
    UtcDateTime,
    VinType,
)
from fours_domain.org.model import WarehouseKind
from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.money import cny
from fours_domain.shared.time import StoreTimeZone
from fours_domain.testing import strategies as fs

SQLITE = sqlite.dialect()

scratch = MetaData()
values = Table(
    "t_roundtrip",
    scratch,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("money", MoneyType()),
    Column("at", UtcDateTime()),
    Column("day", LocalDate()),
    Column("vin", VinType()),
    Column("plate", PlateType()),
    Column("mobile", MobileType()),
    Column("zone", TimeZoneType()),
    Column("rate", DecimalText()),
    Column("kind", EnumText(WarehouseKind)),
)

NO_FIXTURE_RESET = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def table(engine: Engine) -> Iterator[Table]:
    scratch.create_all(engine)
    yield values
    scratch.drop_all(engine)


def _roundtrip(engine: Engine, column: str, value: Any) -> Any:
    with engine.begin() as conn:
        row_id = conn.execute(
            insert(values).values({column: value}).returning(values.c.id)
        ).scalar_one()
        return conn.execute(select(values.c[column]).where(values.c.id == row_id)).scalar_one()


@NO_FIXTURE_RESET
@given(fs.cny_amounts(min_value="-99999999", max_value="99999999"))
def test_money(table: Table, engine: Engine, money: Any) -> None:
    assert _roundtrip(engine, "money", money) == money


FIRST = pendulum.datetime(1, 1, 1, tz="UTC")
LAST = pendulum.datetime(9999, 12, 31, 23, 59, 59, 999999, tz="UTC")


@NO_FIXTURE_RESET
@given(fs.instants(min_year=1, max_year=9999), fs.time_zones())
@example(FIRST, StoreTimeZone("Asia/Shanghai"))
@example(pendulum.datetime(999, 12, 31, 23, 59, 59, 999999, tz="UTC"), StoreTimeZone("UTC"))
@example(pendulum.datetime(9999, 12, 31, tz="UTC"), StoreTimeZone("Asia/Urumqi"))
def test_instants_keep_the_instant_to_the_microsecond(
    table: Table, engine: Engine, at: Any, zone: Any
) -> None:
    """The whole range pendulum represents (years 1–9999), in every store zone."""
    local = zone.local(at)
    loaded = _roundtrip(engine, "at", local)
    assert loaded == local and loaded.microsecond == local.microsecond
    assert loaded.timezone_name == "UTC"


def test_the_first_and_last_instants(table: Table, engine: Engine) -> None:
    assert _roundtrip(engine, "at", FIRST) == FIRST
    assert _roundtrip(engine, "at", LAST) == LAST


@given(fs.instants(min_year=1, max_year=9999), fs.instants(min_year=1, max_year=9999))
def test_sqlite_text_sorts_as_the_instants_do(a: Any, b: Any) -> None:
    text_a = UtcDateTime().process_bind_param(a, SQLITE)
    text_b = UtcDateTime().process_bind_param(b, SQLITE)
    assert (text_a < text_b) == (a < b) and len(text_a) == len(text_b) == 27


def test_sqlite_reads_the_unpadded_years_older_versions_wrote(sqlite_engine: Engine) -> None:
    scratch.create_all(sqlite_engine)
    with sqlite_engine.begin() as conn:
        conn.execute(
            text("INSERT INTO t_roundtrip (id, at) VALUES (1, '1-01-02T03:04:05.000006Z')")
        )
        loaded = conn.execute(select(values.c.at).where(values.c.id == 1)).scalar_one()
    scratch.drop_all(sqlite_engine)
    assert loaded == pendulum.datetime(1, 1, 2, 3, 4, 5, 6, tz="UTC")


@NO_FIXTURE_RESET
@given(st.dates().map(lambda d: __import__("pendulum").Date(d.year, d.month, d.day)))
def test_dates(table: Table, engine: Engine, day: Any) -> None:
    assert _roundtrip(engine, "day", day) == day


@NO_FIXTURE_RESET
@given(fs.lenient_vins(), fs.plates(), fs.mobile_numbers(), fs.time_zones())
def test_identifiers(
    table: Table, engine: Engine, vin: Any, plate: Any, mobile: Any, zone: Any
) -> None:
    assert _roundtrip(engine, "vin", vin) == vin
    assert _roundtrip(engine, "plate", plate) == plate
    assert _roundtrip(engine, "mobile", mobile) == mobile
    assert _roundtrip(engine, "zone", zone) == zone


@NO_FIXTURE_RESET
@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=6, min_value=-(10**9), max_value=10**9
    ),
    st.sampled_from(list(WarehouseKind)),
)
def test_decimals_and_enums(
    table: Table, engine: Engine, rate: Decimal, kind: WarehouseKind
) -> None:
    assert _roundtrip(engine, "rate", rate) == rate
    assert _roundtrip(engine, "kind", kind) is kind


def test_refuses_fractions_of_a_fen_and_naive_datetimes(table: Table, engine: Engine) -> None:
    import pendulum
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError) as info:
        _roundtrip(engine, "money", cny("1.005"))
    assert isinstance(info.value.orig, InvariantViolation)
    with pytest.raises(StatementError):
        _roundtrip(engine, "at", pendulum.naive(2026, 1, 1))


def test_amounts_beyond_a_bigint_of_fen_are_refused_cleanly(table: Table, engine: Engine) -> None:
    from sqlalchemy.exc import StatementError

    largest = cny("92233720368547758.07")
    assert _roundtrip(engine, "money", largest) == largest
    assert _roundtrip(engine, "money", -cny("92233720368547758.08")) == -cny("92233720368547758.08")
    with pytest.raises(StatementError) as info:
        _roundtrip(engine, "money", cny("92233720368547758.08"))
    assert isinstance(info.value.orig, InvariantViolation)
    assert "too large to store" in str(info.value.orig)
