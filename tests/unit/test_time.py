import pendulum
import pytest

from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.time import FixedClock, StoreTimeZone, ensure_aware


def test_store_local_day_differs_from_utc_day() -> None:
    clock = FixedClock(pendulum.datetime(2026, 11, 24, 17, 30, tz="UTC"))
    assert StoreTimeZone("Asia/Shanghai").today(clock) == pendulum.date(2026, 11, 25)
    assert StoreTimeZone("Asia/Urumqi").today(clock) == pendulum.date(2026, 11, 24)


def test_start_of_local_day_is_a_utc_instant() -> None:
    start = StoreTimeZone("Asia/Shanghai").start_of(pendulum.date(2026, 1, 1))
    assert start == pendulum.datetime(2025, 12, 31, 16, tz="UTC")
    assert start.timezone_name == "UTC"


def test_naive_instants_and_unknown_zones_are_refused() -> None:
    with pytest.raises(InvariantViolation, match="no time zone"):
        ensure_aware(pendulum.naive(2026, 1, 1))
    with pytest.raises(InvariantViolation, match="Mars/Olympus"):
        StoreTimeZone("Mars/Olympus")


def test_fixed_clock_advances() -> None:
    clock = FixedClock(pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"))
    assert clock.now().timezone_name == "UTC"
    assert clock.advance(days=2) == pendulum.datetime(2026, 1, 3, tz="Asia/Shanghai")


@pytest.mark.parametrize(
    "name",
    [
        "localtime",  # the machine's own zone
        "posixrules",
        "EST",  # legacy abbreviations, gone or linked differently across tz releases
        "EST5EDT",
        "PRC",
        "US/Eastern",
        "Etc/GMT-8",
        "GMT",
        "Factory",
        "asia/shanghai",
        "Asia",  # a folder of the tz database
        "America/Argentina",
        "Asia/Atlantis",
        "../etc/passwd",
        "",
    ],
)
def test_only_geographic_iana_names_are_store_zones(name: str) -> None:
    with pytest.raises(InvariantViolation) as refused:
        StoreTimeZone(name)
    assert repr(name) in refused.value.message


@pytest.mark.parametrize(
    "name",
    ["Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "America/Argentina/Buenos_Aires", "UTC"],
)
def test_geographic_iana_names_are_accepted(name: str) -> None:
    assert StoreTimeZone(name).name == name
