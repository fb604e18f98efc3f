"""Money, VAT and rounding — the one place where they are decided.

* Currency: CNY; amounts are :class:`moneyed.Money` with :class:`~decimal.Decimal`
  amounts, never floats (constructing from a float raises).
* Rounding: to the fen (0.01) with ROUND_HALF_UP (四舍五入), applied once, at the
  boundary named in each calculation: a line total, a tax split, a settlement.
* VAT: 13 % on vehicles and parts by default, configurable per calculation.
  "Pre-tax invoice price" (税前开票价) = tax-inclusive price / (1 + rate).
  A split always satisfies ``gross == net + vat`` to the fen, because the VAT
  is taken as the difference of two rounded figures, not rounded separately.
* Direction (ADR 0002): the figure a price or invoice is *stated* in is
  authoritative and is the one stored; the others are derived from it. Prices,
  invoices and quotes in China are stated tax-inclusive, so the gross is kept and
  net and VAT come from :meth:`VatRate.split_inclusive`. The split is not
  reversible for every amount (fen rounding): adding VAT back to a derived net can
  land one fen off, so no code goes back.

* Magnitude: amounts that come from outside (feeds, files, user input bound for
  storage) are at most :data:`MAX_AMOUNT` in absolute value (:func:`check_amount`),
  so every stored amount, and sums of millions of them, fit the BIGINT fen of storage.
* Text: :func:`parse_amount` is the one reading of an amount typed by a person or read
  from a file (ADR 0074): plain decimals or strictly grouped thousands, no exponents,
  NaN or infinities, at most two decimals, within :data:`MAX_AMOUNT`.

>>> split = VAT_13.split_inclusive(cny("113000.00"))
>>> (str(split.net.amount), str(split.vat.amount))
('100000.00', '13000.00')
>>> hundred = VAT_13.split_inclusive(cny("100.00"))
>>> str(hundred.net.amount), str(VAT_13.add_to(hundred.net).gross.amount)
('88.50', '100.01')
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

import attrs
from moneyed import CNY, Currency, Money

from fours_domain.shared.errors import InvariantViolation

__all__ = [
    "CNY",
    "FEN",
    "MAX_AMOUNT",
    "STATUTORY_VAT_RATES",
    "VAT_13",
    "ZERO",
    "InvalidAmount",
    "Money",
    "TaxSplit",
    "VatRate",
    "amount_text",
    "check_amount",
    "cny",
    "div_round_fen",
    "div_round_fen_each",
    "fen_of",
    "has_fen_precision",
    "is_fen_exact",
    "money_of_fen",
    "parse_amount",
    "parse_decimal",
    "round_fen",
    "scaled",
    "sum_money",
    "vat_rate_of",
]

FEN = Decimal("0.01")
ROUNDING = ROUND_HALF_UP
MAX_AMOUNT = Decimal("9999999999.99")
"""The largest amount (in absolute value) fours accepts from outside: ¥9,999,999,999.99,
just under ten billion yuan — above any single car, part, invoice or settlement, and small
enough that a million of them still sum within a BIGINT of fen (≈ 9.2 × 10¹⁸)."""


class InvalidAmount(InvariantViolation):
    """An amount that is not one (``12,5``, ``NaN``, ``1e3``), has fractions of a fen, or
    is beyond :data:`MAX_AMOUNT`; ``details``: ``field`` and ``value`` (the text given)."""

    code = "invalid_amount"


_MAX_INTEGER_DIGITS = len(str(int(MAX_AMOUNT)))
_MAX_TEXT = 64
_AMOUNT_TEXT = re.compile(
    r"""(?P<sign1>[-+]?)\s*(?:¥|CNY|RMB)?\s*(?P<sign2>[-+]?)
    (?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)
    (?:\.(?P<fraction>[0-9]+))?
    \s*元?""",
    re.VERBOSE | re.IGNORECASE,
)
"""An amount's text once NFKC-normalised (full-width ``１２３``, ``，``, ``￥`` become ASCII)
and stripped: an optional sign and currency marker (``¥``, ``CNY``, ``RMB``, a trailing
``元``), ASCII digits either plain or grouped in threes by commas, and an optional
fraction after a point. Nothing else: no exponents, no ``NaN``/``Infinity``, no other
grouping (``12,5``, ``1,23``), no other digits."""


def parse_amount(
    value: object, field: str = "amount", *, places: int | None = 2, bounded: bool = True
) -> Money:
    """The one reading of an amount of money (ADR 0074): a CNY ``Money`` or an
    :class:`InvalidAmount` naming ``field`` and the value given — never another exception.

    Text is NFKC-normalised and stripped, then must be plain decimals (``1234.56``) or
    strictly grouped thousands (``1,234,567.89``), optionally signed and marked
    (``¥1,000``, ``RMB 5``, ``5元``). At most ``places`` decimals that are not zero
    (``None``: any); the result has exactly ``places`` decimals (``-0`` is ``0.00``).
    ``bounded`` (the default): at most :data:`MAX_AMOUNT` in absolute value. Also takes a
    ``Money`` (CNY), a ``Decimal`` or an ``int``; never a ``float``.

    >>> parse_amount("¥1,234.5"), parse_amount("１２３"), parse_amount(" -0 ")
    (Money('1234.50', 'CNY'), Money('123.00', 'CNY'), Money('0.00', 'CNY'))
    >>> for bad in ("12,5", "1e3", "NaN", "0.001", "1e30", "10000000000"):
    ...     try:
    ...         parse_amount(bad, "price")
    ...     except InvalidAmount as error:
    ...         print(error)
    price '12,5' is not an amount (write 1234.56 or 1,234.56)
    price '1e3' is not an amount (write 1234.56 or 1,234.56)
    price 'NaN' is not an amount (write 1234.56 or 1,234.56)
    price '0.001' has fractions of a fen (at most 2 decimals)
    price '1e30' is not an amount (write 1234.56 or 1,234.56)
    price '10000000000' exceeds the maximum amount 9999999999.99
    """
    if isinstance(value, float | bool):
        raise InvalidAmount(
            f"{field} {value!r}: write amounts as text or Decimal, not a {type(value).__name__}",
            field=field,
            value=repr(value),
        )
    if isinstance(value, Money):
        if value.currency != CNY:
            raise InvalidAmount(
                f"{field} {value} is in {value.currency}, only CNY is accepted",
                field=field,
                value=str(value),
            )
        value = value.amount
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidAmount(
                f"{field} {value} is not a finite amount", field=field, value=str(value)
            )
        value = value if value else Decimal(0)  # 0E-999999999 is zero
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)  # finite
        if bounded and value.adjusted() >= _MAX_INTEGER_DIGITS:
            raise InvalidAmount(
                f"{field} {value} exceeds the maximum amount {MAX_AMOUNT}",
                field=field,
                value=str(value),
            )
        if abs(exponent) + len(value.as_tuple().digits) > 4 * _MAX_TEXT:
            # 1E+999999999 written out would be a billion digits
            raise InvalidAmount(f"{field} {value} is out of range", field=field, value=str(value))
        text = f"{value:f}"
    elif isinstance(value, str):
        text = value
    else:
        raise InvalidAmount(
            f"{field} from {type(value).__name__} is not supported", field=field, value=repr(value)
        )
    return _parse_text(text, field, places, bounded)


def _parse_text(given: str, field: str, places: int | None, bounded: bool) -> Money:
    shown = given if len(given) <= _MAX_TEXT else given[:_MAX_TEXT] + "…"

    def refused(reason: str) -> InvalidAmount:
        return InvalidAmount(f"{field} {shown!r} {reason}", field=field, value=shown)

    if len(given) > 4 * _MAX_TEXT:
        raise refused("is not an amount (too long)")
    match = _AMOUNT_TEXT.fullmatch(unicodedata.normalize("NFKC", given).strip())
    if match is None or (match["sign1"] and match["sign2"]):
        raise refused("is not an amount (write 1234.56 or 1,234.56)")
    whole = match["whole"].replace(",", "").lstrip("0") or "0"
    fraction = match["fraction"] or ""
    if places is not None:
        fraction = fraction.rstrip("0")
        if len(fraction) > places:
            raise refused(f"has fractions of a fen (at most {places} decimals)")
        fraction = fraction.ljust(places, "0")
    if bounded and len(whole) > _MAX_INTEGER_DIGITS:
        raise refused(f"exceeds the maximum amount {MAX_AMOUNT}")
    negative = "-" in (match["sign1"], match["sign2"]) and set(whole + fraction) != {"0"}
    amount = Decimal(f"{'-' if negative else ''}{whole}{'.' if fraction else ''}{fraction}")
    if bounded and abs(amount) > MAX_AMOUNT:
        raise refused(f"exceeds the maximum amount {MAX_AMOUNT}")
    return Money(amount, CNY)


def amount_text(money: Money) -> str:
    """The canonical text of an amount (plain digits, no grouping): what
    :func:`parse_amount` reads back to the same amount.

    >>> amount_text(parse_amount("1,234.5"))
    '1234.50'
    """
    return f"{money.amount:f}"


_NUMBER_TEXT = re.compile(
    r"(?P<sign>[-+]?)(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<fraction>[0-9]+))?"
    r"\s*(?P<percent>%?)"
)

_NOT_FINITE = re.compile(r"[-+]?(?:s?nan|inf(?:inity)?)", re.IGNORECASE)


def parse_decimal(value: object, what: str = "number") -> Decimal:
    """A finite ``Decimal`` from a ``Decimal``, an int or a string; ``"13%"`` is 0.13.

    Floats are refused, and so is anything that is not a number — as an
    :class:`InvariantViolation` naming ``what`` (never ``decimal.InvalidOperation``).

    >>> parse_decimal("13%"), parse_decimal(" 0.085 ")
    (Decimal('0.13'), Decimal('0.085'))
    >>> parse_decimal("abc", "VAT rate")
    Traceback (most recent call last):
    ...
    fours_domain.shared.errors.InvariantViolation: VAT rate 'abc' is not a number
    """
    if isinstance(value, float | bool):
        raise InvariantViolation(f"{what} {value!r}: write it as a string or Decimal, not a float")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        # The grammar of amounts (ADR 0074) without currency marks: no exponents, no NaN,
        # commas only between groups of three ("1,5" is not 15).
        match = _NUMBER_TEXT.fullmatch(unicodedata.normalize("NFKC", value).strip())
        if match is None or len(value) > 4 * _MAX_TEXT:
            finite = _NOT_FINITE.fullmatch(value.strip()) is None
            raise InvariantViolation(
                f"{what} {value!r} is not a {'' if finite else 'finite '}number"
            )
        fraction = match["fraction"]
        result = Decimal(
            f"{match['sign']}{match['whole'].replace(',', '')}{'.' + fraction if fraction else ''}"
        )
        if match["percent"]:
            result = result / 100
    else:
        raise InvariantViolation(f"{what} from {type(value).__name__} is not supported")
    if not result.is_finite():
        raise InvariantViolation(f"{what} {value!r} is not a finite number")
    return result


def _vat_rate(value: object) -> Decimal:
    return parse_decimal(value, "VAT rate")


def cny(amount: str | int | Decimal) -> Money:
    """A CNY amount from a string, int or Decimal (floats are refused), exactly as given:
    no rounding and no bound (for figures in code; input from people and files goes through
    :func:`parse_amount`). Text follows :func:`parse_amount`'s rule.

    >>> cny("1,299.5"), cny(Decimal("0.125"))
    (Money('1299.5', 'CNY'), Money('0.125', 'CNY'))
    """
    if isinstance(amount, Decimal) and amount.is_finite():
        return Money(amount, CNY)
    if isinstance(amount, int) and not isinstance(amount, bool):
        return Money(Decimal(amount), CNY)
    return parse_amount(amount, places=None, bounded=False)


ZERO = cny(0)


def round_fen(money: Money) -> Money:
    """Round to the fen, half up: the rounding rule of the whole project."""
    return Money(money.amount.quantize(FEN, rounding=ROUNDING), money.currency)


def div_round_fen(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to a whole number, half up (away from zero):
    :func:`round_fen` for amounts held as integer fen, exact at any size.

    >>> div_round_fen(5, 2), div_round_fen(-5, 2), div_round_fen(7, 3)
    (3, -3, 2)
    """
    if denominator <= 0:
        raise InvariantViolation(f"division by {denominator}")
    if numerator >= 0:
        return (2 * numerator + denominator) // (2 * denominator)
    return -((-2 * numerator + denominator) // (2 * denominator))


def div_round_fen_each(numerators: Iterable[int], denominator: int) -> list[int]:
    """:func:`div_round_fen` of each numerator over one denominator (the same rule, in bulk).

    >>> div_round_fen_each([5, -5, 7], 2)
    [3, -3, 4]
    """
    if denominator <= 0:
        raise InvariantViolation(f"division by {denominator}")
    twice = 2 * denominator
    return [
        (2 * n + denominator) // twice if n >= 0 else -((denominator - 2 * n) // twice)
        for n in numerators
    ]


def fen_of(money: Money) -> int:
    """The whole number of fen of an amount that has no more than two decimals.

    >>> fen_of(cny("1299.5"))
    129950
    """
    scaled_amount = money.amount.scaleb(2)
    fen = int(scaled_amount)
    if fen != scaled_amount:
        raise InvariantViolation(f"{money} is not exact to the fen")
    return fen


def money_of_fen(fen: int) -> Money:
    """The CNY amount of ``fen`` fen, two decimals.

    >>> money_of_fen(-129950)
    Money('-1299.50', 'CNY')
    """
    return Money(Decimal(fen).scaleb(-2), CNY)


def scaled(value: Decimal) -> tuple[int, int]:
    """``value`` as an integer and a power of ten: ``value == n / 10**e``, ``e ≥ 0``.

    >>> scaled(Decimal("0.015")), scaled(Decimal(500))
    ((15, 3), (500, 0))
    """
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        raise InvariantViolation(f"{value!r} is not a finite number")
    places = max(0, -exponent)
    return int(value.scaleb(places)), places


_scaled_rate = functools.lru_cache(maxsize=16)(scaled)


def check_amount(money: Money, what: str = "amount") -> Money:
    """``money`` when its magnitude is within :data:`MAX_AMOUNT`; else a broken invariant
    naming ``what`` (its ``field`` detail).

    >>> check_amount(cny("12.50"), "retail_price")
    Money('12.50', 'CNY')
    >>> try:
    ...     check_amount(cny(10**12), "retail_price")
    ... except InvariantViolation as error:
    ...     print(error)
    retail_price 1000000000000 exceeds the maximum amount 9999999999.99
    """
    if abs(money.amount) > MAX_AMOUNT:
        raise InvalidAmount(
            f"{what} {money.amount:f} exceeds the maximum amount {MAX_AMOUNT}",
            field=what,
            value=f"{money.amount:f}",
            maximum=str(MAX_AMOUNT),
        )
    return money


def is_fen_exact(money: Money) -> bool:
    """True when the amount has no more than two decimals."""
    return has_fen_precision(money.amount)


def has_fen_precision(value: Decimal) -> bool:
    """True when ``value`` has no more than two decimals, at any magnitude (no rounding,
    no context precision involved).

    >>> values = ("1.50", "1.500", "1.505", "1e40", "9" * 40 + ".999")
    >>> [has_fen_precision(Decimal(v)) for v in values]
    [True, True, False, True, False]
    """
    _sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return False
    beyond = -exponent - 2
    return beyond <= 0 or not any(digits[-beyond:])


def sum_money(items: Iterable[Money], currency: Currency = CNY) -> Money:
    """Sum of amounts (zero of ``currency`` for an empty iterable)."""
    total = Money(Decimal(0), currency)
    for item in items:
        total = total + item
    return total


@attrs.frozen
class TaxSplit:
    """A tax-inclusive amount split into pre-tax (net) and VAT, exact to the fen."""

    net: Money
    vat: Money
    gross: Money

    def __attrs_post_init__(self) -> None:
        if self.net + self.vat != self.gross:
            raise InvariantViolation(
                f"tax split does not add up: {self.net} + {self.vat} != {self.gross}"
            )


@attrs.frozen
class VatRate:
    """A VAT rate such as 13 % (``Decimal("0.13")``, ``"0.13"`` or ``"13%"``).

    >>> VatRate("13%") == VatRate("0.13")
    True
    """

    rate: Decimal = attrs.field(converter=_vat_rate)

    @rate.validator
    def _check(self, _attribute: object, value: Decimal) -> None:
        if not Decimal(0) <= value < Decimal(1):
            raise InvariantViolation(f"VAT rate {value} must be in [0, 1)")

    def split_inclusive(self, gross: Money) -> TaxSplit:
        """Split a tax-inclusive amount: net = round(gross / (1 + rate)), vat = gross − net."""
        return _split_inclusive(self.rate, gross)

    def net_fen(self, gross_fen: int) -> int:
        """:meth:`split_inclusive`'s net, in integer fen, for a gross in integer fen.

        >>> VAT_13.net_fen(11300000)
        10000000
        """
        rate, places = _scaled_rate(self.rate)
        return div_round_fen(gross_fen * 10**places, 10**places + rate)

    def add_to(self, net: Money) -> TaxSplit:
        """Add VAT to a pre-tax amount: vat = round(net × rate), gross = net + vat."""
        net = round_fen(net)
        vat = round_fen(Money(net.amount * self.rate, net.currency))
        return TaxSplit(net=net, vat=vat, gross=net + vat)

    def __str__(self) -> str:
        return f"{(self.rate * 100).normalize():f}%"


@functools.lru_cache(maxsize=4096)
def _split_inclusive(rate: Decimal, gross: Money) -> TaxSplit:
    # Cached: a manufacturer's notice invoices the same few prices again and again.
    gross = round_fen(gross)
    net = round_fen(Money(gross.amount / (Decimal(1) + rate), gross.currency))
    return TaxSplit(net=net, vat=gross - net, gross=gross)


VAT_13 = VatRate(Decimal("0.13"))


STATUTORY_VAT_RATES: tuple[VatRate, ...] = tuple(
    VatRate(Decimal(rate)) for rate in ("0.13", "0.09", "0.06", "0.16", "0.10", "0.17", "0.11")
)
"""The VAT rates of China's general taxpayers since 2017, current ones first: 13 % (goods,
vehicles and parts since April 2019), 9 %, 6 %; 16 % / 10 % (May 2018 – March 2019);
17 % / 11 % (before May 2018). An invoice's tax is judged against these, never against a
rate computed from the invoice itself (which would make any tax "agree")."""


def vat_rate_of(
    gross: Money, vat: Money, rates: Iterable[VatRate] = STATUTORY_VAT_RATES
) -> VatRate | None:
    """The first of ``rates`` under which ``vat`` is the VAT of the tax-inclusive ``gross``
    to within one fen (invoices round per line), or None when no rate explains it.

    >>> str(vat_rate_of(cny("398000.00"), cny("45787.61")))
    '13%'
    >>> vat_rate_of(cny("398000.00"), cny("1000.00")) is None
    True
    """
    for rate in rates:
        if abs(rate.split_inclusive(gross).vat.amount - vat.amount) <= FEN:
            return rate
    return None
