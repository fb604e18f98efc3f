"""Time: instants are timezone-aware pendulum ``DateTime`` values, kept in UTC;
every store has an IANA time zone that decides its local day and opening hours.

The domain never reads the clock: a :class:`Clock` is passed in (see
docs/adr/0003-time-and-time-zones.md). ``pendulum.now()`` is reserved to the adapter
:class:`fours_adapters.clock.SystemClock`.
"""

from __future__ import annotations

import re
from typing import Protocol

import attrs
import pendulum
from pendulum import Date, DateTime

from fours_domain.shared.errors import InvariantViolation

__all__ = ["Clock", "Date", "DateTime", "FixedClock", "StoreTimeZone", "ensure_aware"]


class Clock(Protocol):
    """Port: where the current instant comes from."""

    def now(self) -> DateTime:
        """The current instant, timezone-aware, in UTC."""
        ...


def ensure_aware(value: DateTime, what: str = "instant") -> DateTime:
    """Refuse naive datetimes; return the instant converted to UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvariantViolation(f"{what} {value.isoformat()} has no time zone")
    return value.in_timezone("UTC")


@attrs.define
class FixedClock:
    """A clock that says what it is told; for tests, replays and examples."""

    current: DateTime = attrs.field(converter=ensure_aware)

    def now(self) -> DateTime:
        return self.current

    def advance(self, **delta: int) -> DateTime:
        """Move forward, e.g. ``clock.advance(days=2, hours=3)``."""
        self.current = self.current.add(**delta)
        return self.current


#: The IANA areas of geographic zone names (``Area/Location``), plus ``UTC``.
_ZONE_NAME = re.compile(
    r"^(?:UTC|(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)"
    r"(?:/[A-Za-z0-9][A-Za-z0-9_+\-]*){1,2})$"
)


def _valid_zone(name: str) -> str:
    """Accept a geographic IANA zone (``Asia/Shanghai``) or ``UTC``, known to the tz database.

    Machine-dependent names (``localtime``, ``posixrules``) and legacy or abbreviated ones
    (``EST``, ``PRC``, ``US/Eastern``, ``Etc/GMT-8``) are refused: they mean different
    things, or nothing, on different machines and tz database releases.
    """
    if not _ZONE_NAME.match(name):
        raise InvariantViolation(
            f"time zone {name!r} is not an IANA zone name such as Asia/Shanghai "
            "(Area/Location, or UTC)",
            value=name,
        )
    try:
        pendulum.timezone(name)
    except (ValueError, OSError):  # pendulum's InvalidTimezone is a ValueError; a folder
        raise InvariantViolation(f"unknown time zone {name!r}", value=name) from None
    return name


@attrs.frozen
class StoreTimeZone:
    """A store's IANA time zone (e.g. ``Asia/Shanghai``, ``Asia/Urumqi``).

    >>> StoreTimeZone("Asia/Urumqi").name
    'Asia/Urumqi'
    >>> StoreTimeZone("localtime")
    Traceback (most recent call last):
    ...
    fours_domain.shared.errors.InvariantViolation: time zone 'localtime' is not an IANA zone \
name such as Asia/Shanghai (Area/Location, or UTC)
    """

    name: str = attrs.field(converter=_valid_zone)

    def local(self, instant: DateTime) -> DateTime:
        """The instant as wall-clock time in this zone."""
        return ensure_aware(instant).in_timezone(self.name)

    def today(self, clock: Clock) -> Date:
        """The store's local calendar day now."""
        return self.local(clock.now()).date()

    def start_of(self, day: Date) -> DateTime:
        """The instant (UTC) at which ``day`` begins in this zone."""
        return pendulum.datetime(day.year, day.month, day.day, tz=self.name).in_timezone("UTC")

    def __str__(self) -> str:
        return self.name


SHANGHAI = StoreTimeZone("Asia/Shanghai")
