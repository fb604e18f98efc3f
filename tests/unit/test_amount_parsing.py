"""One rule reads an amount of money (ADR 0074), and one maximum bounds it (ADR 0062/0074)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fours_domain.shared.errors import DomainError, InvariantViolation
from fours_domain.shared.money import (
    MAX_AMOUNT,
    InvalidAmount,
    Money,
    amount_text,
    check_amount,
    cny,
    parse_amount,
    parse_decimal,
)
from fours_domain.testing import strategies as fs


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1234.56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1,234", "1234.00"),
        ("1,234,567.89", "1234567.89"),
        ("¥1,000", "1000.00"),
        ("￥0.01", "0.01"),
        ("RMB 10", "10.00"),
        ("1299.5元", "1299.50"),
        ("１２３", "123.00"),
        ("１，２３４．５", "1234.50"),
        ("-0", "0.00"),
        ("-5", "-5.00"),
        ("+5", "5.00"),
        ("-¥5", "-5.00"),
        ("  12.50\t", "12.50"),
        ("1.500", "1.50"),
        ("0012", "12.00"),
        ("9,999,999,999.99", "9999999999.99"),
    ],
)
def test_accepted_notations(text: str, amount: str) -> None:
    parsed = parse_amount(text)
    assert parsed == Money(Decimal(amount), "CNY")
    assert amount_text(parsed) == amount


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12,5", "is not an amount"),
        ("1,23", "is not an amount"),
        ("1,2345", "is not an amount"),
        ("12,50.5", "is not an amount"),
        (",123", "is not an amount"),
        ("1e3", "is not an amount"),
        ("1E30", "is not an amount"),
        ("NaN", "is not an amount"),
        ("sNaN", "is not an amount"),
        ("Infinity", "is not an amount"),
        ("-inf", "is not an amount"),
        ("", "is not an amount"),
        ("   ", "is not an amount"),
        ("1 234", "is not an amount"),
        ("--5", "is not an amount"),
        ("-¥-5", "is not an amount"),
        ("1.", "is not an amount"),
        (".5", "is not an amount"),
        ("١٢٣", "is not an amount"),  # Arabic-Indic digits: Decimal() would take them
        ("USD 5", "is not an amount"),
        ("0.001", "has fractions of a fen"),
        ("12.345", "has fractions of a fen"),
        ("10000000000", "exceeds the maximum amount 9999999999.99"),
        ("9999999999.991", "has fractions of a fen"),
        ("100000000000000000", "exceeds the maximum amount"),
        ("-10,000,000,000.00", "exceeds the maximum amount"),
        ("9" * 500, r"is not an amount \(too long\)"),
    ],
)
def test_refused_notations_name_the_field_and_the_value(text: str, reason: str) -> None:
    with pytest.raises(InvalidAmount, match=reason) as refused:
        parse_amount(text, "--list-price")
    assert refused.value.message.startswith("--list-price ")
    assert refused.value.details["field"] == "--list-price"
    assert refused.value.code == "invalid_amount"


@pytest.mark.parametrize(
    "value", [1.5, True, Decimal("NaN"), Decimal("Infinity"), Decimal("1E+30"), None, b"12"]
)
def test_non_text_values_are_refused_cleanly(value: object) -> None:
    with pytest.raises(InvalidAmount):
        parse_amount(value)


def test_money_decimals_and_ints_follow_the_same_rule() -> None:
    assert parse_amount(Decimal("12.5")) == parse_amount((12.5).__str__()) == cny("12.50")
    assert parse_amount(cny("0.10")) == cny("0.1")
    assert parse_amount(10**10 - 1) == cny(9999999999)
    with pytest.raises(InvalidAmount, match="exceeds"):
        parse_amount(10**10)
    with pytest.raises(InvalidAmount, match="fractions of a fen"):
        parse_amount(Decimal("0.005"))
    with pytest.raises(InvalidAmount, match="only CNY"):
        parse_amount(Money(1, "USD"))
    with pytest.raises(InvalidAmount, match=r"1E\+999999999 exceeds the maximum"):
        parse_amount(Decimal("1E+999999999"))
    for huge in (Decimal("1E+999999999"), Decimal("1E-999999999")):
        with pytest.raises(InvalidAmount, match="out of range"):
            parse_amount(huge, places=None, bounded=False)
    assert parse_amount(Decimal("0E-999999999"), places=None, bounded=False).amount == 0


def test_places_and_bounds_can_be_widened_by_the_caller() -> None:
    assert parse_amount("0.125", places=None) == cny(Decimal("0.125"))
    assert parse_amount("0.125", places=3).amount == Decimal("0.125")
    assert parse_amount("1" + "0" * 30, bounded=False).amount == Decimal(10**30)


def _outcome(text: str, field: str = "amount") -> Money | DomainError:
    """The amount read, or the domain error refusing it (any other exception escapes)."""
    try:
        return parse_amount(text, field)
    except DomainError as error:
        return error


@given(st.text())
def test_any_text_is_an_amount_within_bounds_or_a_clean_refusal(text: str) -> None:
    amount = _outcome(text, "price")
    if isinstance(amount, DomainError):
        assert isinstance(amount, InvalidAmount)
        assert amount.details["field"] == "price"
        return
    assert abs(amount.amount) <= MAX_AMOUNT
    assert amount.amount == amount.amount.quantize(Decimal("0.01"))
    assert parse_amount(amount_text(amount)) == amount
    assert amount_text(parse_amount(amount_text(amount))) == amount_text(amount)


_NEAR_MISSES = st.from_regex(
    r"\A\s?[-+]?[¥￥]?[0-9０-９,，.eE]{0,24}(元|NaN|inf)?\s?\Z", fullmatch=True
)


@given(_NEAR_MISSES)
def test_near_miss_texts_never_raise_anything_else(text: str) -> None:
    amount = _outcome(text)
    if isinstance(amount, DomainError):
        assert isinstance(amount, InvalidAmount)
        return
    assert abs(amount.amount) <= MAX_AMOUNT
    assert parse_amount(amount_text(amount)) == amount


@given(fs.amount_texts())
def test_every_notation_reads_its_amount(case: tuple[str, Money]) -> None:
    text, amount = case
    assert parse_amount(text) == amount
    assert amount_text(parse_amount(text)) == f"{amount.amount:.2f}"


@given(fs.amounts_near_the_bound())
def test_the_bound_is_exactly_the_maximum_amount(amount: Money) -> None:
    within = abs(amount.amount) <= MAX_AMOUNT
    for text in (amount_text(amount), f"{amount.amount:,.2f}"):
        read = _outcome(text)
        if within:
            assert read == amount
        else:
            assert isinstance(read, InvalidAmount)
            assert "exceeds the maximum amount" in read.message
    if within:
        assert check_amount(amount, "price") == amount
    else:
        with pytest.raises(InvalidAmount, match=r"price .* exceeds the maximum amount"):
            check_amount(amount, "price")


def test_the_maximum_fits_the_storage_columns() -> None:
    # MoneyType stores a BIGINT count of fen on SQLite and PostgreSQL (ADR 0002); a
    # million maximal amounts still sum within it.
    assert int(MAX_AMOUNT * 100) * 1_000_000 < 2**63 - 1


@pytest.mark.parametrize(
    ("text", "number"),
    [("13%", "0.13"), ("１３%", "0.13"), (" 0.085 ", "0.085"), ("1,000.5", "1000.5"), ("-1", "-1")],
)
def test_rates_and_policy_numbers_share_the_grammar(text: str, number: str) -> None:
    assert parse_decimal(text) == Decimal(number)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,5", "rate '1,5' is not a number"),
        ("1e3", "rate '1e3' is not a number"),
        ("NaN", "rate 'NaN' is not a finite number"),
        ("-Infinity", "rate '-Infinity' is not a finite number"),
        ("", "rate '' is not a number"),
    ],
)
def test_ambiguous_numbers_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvariantViolation) as refused:
        parse_decimal(text, "rate")
    assert refused.value.message == message


@given(st.decimals() | st.integers())
def test_any_decimal_or_int_is_an_amount_within_bounds_or_a_clean_refusal(
    value: Decimal | int,
) -> None:
    try:
        amount = parse_amount(value)
    except InvalidAmount:
        number = Decimal(value)
        if number.is_finite() and abs(number) <= MAX_AMOUNT:
            assert number != number.quantize(Decimal("0.01"))  # fractions of a fen
        return
    assert amount.amount == value
    assert parse_amount(amount_text(amount)) == amount
