"""Column types that round-trip domain values identically on SQLite and PostgreSQL.

* :class:`MoneyType` — ``Money`` (CNY) as a BIGINT count of fen: exact on both
  engines (SQLite has no true DECIMAL), summable in SQL. Amounts with more than
  two decimals are refused on write: rounding is the domain's job, stated once
  in :mod:`fours_domain.shared.money`.
* :class:`UtcDateTime` — timezone-aware pendulum instants. PostgreSQL stores
  ``timestamptz``; SQLite an ISO-8601 UTC string with microseconds (sortable).
  Values come back as pendulum ``DateTime`` in UTC: the same instant.
* :class:`LocalDate` — a pendulum ``Date``.
* :class:`VinType`, :class:`PlateType`, :class:`MobileType`, :class:`TimeZoneType`,
  :class:`VatRateType`, :class:`DecimalText` and :class:`EnumText` map value objects to
  text columns.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from decimal import Decimal
from typing import Any, Generic, TypeVar

import pendulum
from moneyed import CNY, Money
from sqlalchemy import BigInteger, Date, DateTime, Dialect, String, Text, TypeDecorator

from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.identifiers import MobileNumber, Plate, Vin, VinCheck
from fours_domain.shared.money import VatRate, is_fen_exact
from fours_domain.shared.time import StoreTimeZone

E = TypeVar("E", bound=enum.Enum)
_BIGINT = 2**63


class MoneyType(TypeDecorator[Money]):
    """CNY money stored as an integer number of fen."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Money | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if value.currency != CNY:
            raise InvariantViolation(f"only CNY is stored, got {value.currency}")
        if not is_fen_exact(value):
            raise InvariantViolation(f"{value.amount} has fractions of a fen: round it first")
        fen = int(value.amount * 100)
        if not -_BIGINT <= fen < _BIGINT:
            raise InvariantViolation(f"{value.amount} is too large to store (BIGINT fen)")
        return fen

    def process_result_value(self, value: int | None, dialect: Dialect) -> Money | None:
        if value is None:
            return None
        return Money((Decimal(value) / 100).quantize(Decimal("0.01")), CNY)


class UtcDateTime(TypeDecorator[pendulum.DateTime]):
    """A timezone-aware instant; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvariantViolation(f"naive datetime {value.isoformat()} cannot be stored")
        utc = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return _sqlite_text(utc)
        # A plain datetime: the driver subtracts an epoch to encode it, and
        # pendulum's subtraction builds an Interval (costly on the reserve path).
        return dt.datetime(
            utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, dt.UTC
        )

    def process_result_value(self, value: Any, dialect: Dialect) -> pendulum.DateTime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return pendulum.instance(_parse_sqlite_text(value), tz="UTC")
        assert isinstance(value, dt.datetime)
        return pendulum.instance(value.astimezone(dt.UTC), tz="UTC")


def _sqlite_text(utc: dt.datetime) -> str:
    """``0001-01-02T00:00:00.000000Z``: the year always four digits (``strftime("%Y")``
    does not pad years before 1000 on glibc), so the text sorts as the instants do."""
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


def _parse_sqlite_text(value: str) -> dt.datetime:
    """The instant :func:`_sqlite_text` wrote; also reads the unpadded years
    (``1-01-02T…``) that earlier versions wrote for instants before the year 1000."""
    year, rest = value.split("-", 1)
    return dt.datetime.fromisoformat(f"{year.zfill(4)}-{rest}")


class LocalDate(TypeDecorator[pendulum.Date]):
    impl = Date
    cache_ok = True

    def process_bind_param(self, value: dt.date | None, dialect: Dialect) -> dt.date | None:
        if value is None:
            return None
        return dt.date(value.year, value.month, value.day)

    def process_result_value(self, value: dt.date | None, dialect: Dialect) -> pendulum.Date | None:
        if value is None:
            return None
        return pendulum.Date(value.year, value.month, value.day)


class VinType(TypeDecorator[Vin]):
    """A VIN; whether it passed its check digit is kept by the owning table if needed."""

    impl = String(17)
    cache_ok = True

    def process_bind_param(self, value: Vin | None, dialect: Dialect) -> str | None:
        return None if value is None else value.value

    def process_result_value(self, value: str | None, dialect: Dialect) -> Vin | None:
        if value is None:
            return None
        # Stored VINs were validated on the way in; re-read them without
        # re-judging the check digit, so lenient imports stay loadable.
        return Vin.parse(value, VinCheck.LENIENT).unwrap()


class PlateType(TypeDecorator[Plate]):
    impl = String(10)
    cache_ok = True

    def process_bind_param(self, value: Plate | None, dialect: Dialect) -> str | None:
        return None if value is None else value.value

    def process_result_value(self, value: str | None, dialect: Dialect) -> Plate | None:
        return None if value is None else Plate(value)


class MobileType(TypeDecorator[MobileNumber]):
    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: MobileNumber | None, dialect: Dialect) -> str | None:
        return None if value is None else value.e164

    def process_result_value(self, value: str | None, dialect: Dialect) -> MobileNumber | None:
        return None if value is None else MobileNumber(value)


class TimeZoneType(TypeDecorator[StoreTimeZone]):
    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: StoreTimeZone | None, dialect: Dialect) -> str | None:
        return None if value is None else value.name

    def process_result_value(self, value: str | None, dialect: Dialect) -> StoreTimeZone | None:
        return None if value is None else StoreTimeZone(value)


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal (rates, quantities with fractions) as text on every engine."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


@functools.lru_cache(maxsize=64)
def _vat_rate(text: str) -> VatRate:
    return VatRate(Decimal(text))


class VatRateType(TypeDecorator[VatRate]):
    """A VAT rate as its exact decimal text (``0.13``); equal rates share one value object
    on the way out (a quarter's sales facts are loaded by the ten thousand)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: VatRate | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value.rate)

    def process_result_value(self, value: str | None, dialect: Dialect) -> VatRate | None:
        return None if value is None else _vat_rate(value)


class EnumText(TypeDecorator[E], Generic[E]):
    """An ``enum.Enum`` stored by value as text: portable, and easy to migrate."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_type: type[E], length: int = 32) -> None:
        super().__init__(length)
        self.enum_type = enum_type

    def process_bind_param(self, value: E | None, dialect: Dialect) -> Any:
        return None if value is None else value.value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_type(value)
