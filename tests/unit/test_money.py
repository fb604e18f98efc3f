from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.money import (
    FEN,
    STATUTORY_VAT_RATES,
    VAT_13,
    VatRate,
    cny,
    div_round_fen,
    div_round_fen_each,
    fen_of,
    is_fen_exact,
    money_of_fen,
    round_fen,
    sum_money,
    vat_rate_of,
)
from fours_domain.testing import strategies as fs


def test_float_is_refused() -> None:
    with pytest.raises(InvariantViolation, match="float"):
        cny(1.5)  # type: ignore[arg-type]


def test_garbage_is_refused_with_the_input_named() -> None:
    with pytest.raises(InvariantViolation, match="'12a'"):
        cny("12a")


def test_round_half_up_to_the_fen() -> None:
    assert round_fen(cny("0.005")) == cny("0.01")
    assert round_fen(cny("2.675")) == cny("2.68")
    assert round_fen(cny("-0.005")) == cny("-0.01")


def test_pre_tax_invoice_price() -> None:
    split = VAT_13.split_inclusive(cny("259800"))
    assert split.net == cny("229911.50")
    assert split.vat == cny("29888.50")


@given(fs.cny_amounts(max_value="9999999"), fs.vat_rates())
def test_inclusive_split_adds_up_to_the_fen(gross, rate) -> None:  # type: ignore[no-untyped-def]
    split = rate.split_inclusive(gross)
    assert split.net + split.vat == split.gross == gross
    assert is_fen_exact(split.net) and is_fen_exact(split.vat)
    # net is the nearest fen to gross / (1 + rate)
    exact = gross.amount / (1 + rate.rate)
    assert abs(split.net.amount - exact) <= Decimal("0.005")


@given(fs.cny_amounts(max_value="9999999"), fs.vat_rates())
def test_adding_vat_then_splitting_returns_the_net(net, rate) -> None:  # type: ignore[no-untyped-def]
    gross = rate.add_to(net).gross
    assert abs(rate.split_inclusive(gross).net.amount - net.amount) <= Decimal("0.01")


def test_the_split_is_not_reversible_for_every_amount() -> None:
    # 100.00 / 1.13 = 88.4955… → 88.50; 88.50 × 0.13 = 11.505 → 11.51; 88.50 + 11.51 = 100.01
    split = VAT_13.split_inclusive(cny("100.00"))
    assert split.net == cny("88.50") and split.vat == cny("11.50")
    assert VAT_13.add_to(split.net).gross == cny("100.01")


@given(fs.cny_amounts(max_value="9999999"), fs.vat_rates())
def test_the_tax_inclusive_figure_is_authoritative(gross, rate) -> None:  # type: ignore[no-untyped-def]
    """ADR 0002: a price or invoice is stated tax-inclusive; the net and the VAT are derived
    from it (split_inclusive), never the other way round. The gross is what is stored and
    what every later split starts from, so it never drifts, while going back from the
    derived net may land one fen off — which is why nothing does."""
    split = rate.split_inclusive(gross)
    assert split.gross == gross  # kept exactly
    assert rate.split_inclusive(split.gross) == split  # re-deriving gives the same figures
    back = rate.add_to(split.net).gross
    assert abs((back - gross).amount) <= Decimal("0.01")  # the round trip may move a fen


@given(fs.cny_amounts(max_value="9999999"), fs.vat_rates())
def test_a_pre_tax_figure_stays_authoritative_when_it_is_the_source(net, rate) -> None:  # type: ignore[no-untyped-def]
    """When a figure is stated pre-tax (a supplier's net quotation), add_to keeps the net
    exactly and derives VAT and gross from it."""
    split = rate.add_to(net)
    assert split.net == net and split.gross == net + split.vat
    assert rate.add_to(split.net) == split


@given(st.lists(fs.cny_amounts(max_value="1000"), max_size=20))
def test_sum_money_is_exact(amounts) -> None:  # type: ignore[no-untyped-def]
    assert sum_money(amounts).amount == sum((a.amount for a in amounts), Decimal(0))


def test_vat_rate_bounds() -> None:
    with pytest.raises(InvariantViolation):
        VatRate(Decimal("1.2"))
    assert str(VatRate(Decimal("0.09"))) == "9%"


@given(st.integers(-(10**15), 10**15), st.integers(1, 10**9))
def test_integer_fen_rounding_is_round_fen(numerator: int, denominator: int) -> None:
    exact = cny(Decimal(numerator) / Decimal(denominator) / 100)
    expected = round_fen(exact).amount.scaleb(2)
    assert div_round_fen(numerator, denominator) == expected
    assert div_round_fen_each([numerator], denominator) == [expected]


@given(st.integers(1, 10**12))
def test_net_fen_is_the_split_net(gross_fen: int) -> None:
    split = VAT_13.split_inclusive(money_of_fen(gross_fen))
    assert VAT_13.net_fen(gross_fen) == fen_of(split.net)
    assert money_of_fen(fen_of(split.net)) == split.net


def test_fen_of_refuses_sub_fen_amounts() -> None:
    with pytest.raises(InvariantViolation, match="fen"):
        fen_of(cny("0.005"))


statutory = st.sampled_from(STATUTORY_VAT_RATES)


@given(fs.cny_amounts(min_value="1.00"), statutory)
def test_an_invoiced_tax_is_explained_by_a_statutory_rate(gross, rate) -> None:  # type: ignore[no-untyped-def]
    vat = rate.split_inclusive(gross).vat
    found = vat_rate_of(gross, vat)
    assert found is not None
    assert abs(found.split_inclusive(gross).vat.amount - vat.amount) <= FEN
    assert found in STATUTORY_VAT_RATES[: STATUTORY_VAT_RATES.index(rate) + 1]


@given(fs.cny_amounts(min_value="1000.00"), st.integers(2, 10_000_00))
def test_a_tax_off_by_more_than_a_fen_from_every_rate_is_not_explained(gross, off) -> None:  # type: ignore[no-untyped-def]
    vat = VAT_13.split_inclusive(gross).vat - cny(Decimal(off) / 100)
    if any(
        abs(r.split_inclusive(gross).vat.amount - vat.amount) <= FEN for r in STATUTORY_VAT_RATES
    ):
        return  # landed on another rate's VAT
    assert vat_rate_of(gross, vat) is None


def test_a_fen_of_rounding_is_tolerated_but_not_two() -> None:
    gross, vat = cny("398000.00"), cny("45787.61")
    assert vat_rate_of(gross, vat + cny("0.01")) == VAT_13
    assert vat_rate_of(gross, vat - cny("0.02")) is None
