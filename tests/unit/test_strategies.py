"""The public strategies produce what the domain accepts — and all of it."""

import re
from collections.abc import Callable
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from fours_domain.org.model import code
from fours_domain.shared.identifiers import MobileNumber, Plate, PlateKind
from fours_domain.testing import strategies as fs

T = TypeVar("T")


def seen(strategy: st.SearchStrategy[T], key: Callable[[T], str], examples: int) -> set[str]:
    """The keys of ``examples`` deterministic draws (no flakiness, one pass for many checks)."""
    keys: set[str] = set()

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def draw(value: T) -> None:
        keys.add(key(value))

    draw()
    return keys


@given(fs.plates())
def test_plates_parse_back(plate: Plate) -> None:
    assert Plate.parse(plate.value).unwrap() == plate


def test_regular_plates_reach_every_suffix_and_province() -> None:
    suffixes = seen(fs.plates(PlateKind.REGULAR), lambda p: p.value[-1], 1500)
    assert set("挂学警港澳") <= suffixes
    provinces = seen(fs.plates(PlateKind.REGULAR), lambda p: p.province, 1500)
    assert {"使", "领", "京", "琼"} <= provinces


@pytest.mark.parametrize("kind", list(PlateKind))
def test_plates_of_one_kind(kind: PlateKind) -> None:
    assert find(fs.plates(kind), lambda p: True).kind is kind


@given(fs.mobile_numbers())
def test_mobile_numbers_are_what_the_domain_accepts(number: MobileNumber) -> None:
    assert MobileNumber.parse(number.national).unwrap() == number
    assert re.fullmatch(r"\+861[3-9]\d{9}", number.e164)


def test_mobile_numbers_cover_ranges_beyond_the_old_list() -> None:
    prefixes = seen(fs.mobile_numbers(), lambda n: n.national[:3], 1500)
    old_list = {"130", "131", "135", "136", "138", "139", "150", "151", "158"}
    assert len(prefixes - old_list) >= 20


@given(fs.mobile_number_inputs())
def test_mobile_inputs_parse_to_their_number(case: tuple[str, MobileNumber]) -> None:
    raw, number = case
    assert MobileNumber.parse(raw).unwrap() == number


@given(st.text(max_size=3), st.integers(1, 8), st.data())
def test_codes_are_accepted_as_they_are(prefix: str, size: int, data: st.DataObject) -> None:
    prefix = re.sub(r"[^A-Z0-9]", "", prefix.upper())
    value = data.draw(fs.codes(prefix, size))
    assert code(value) == value and value.startswith(prefix)
    assert len(prefix) + 1 <= len(value) <= len(prefix) + size


def test_codes_reach_the_characters_the_domain_allows() -> None:
    chars = seen(fs.codes(max_size=8), lambda c: "".join(sorted(set(c) & set("IO-_"))), 400)
    assert set("".join(chars)) == set("IO-_")


def test_codes_refuse_a_size_beyond_the_rule() -> None:
    with pytest.raises(ValueError, match="exceed 32"):
        fs.codes("PREFIX", 30)
