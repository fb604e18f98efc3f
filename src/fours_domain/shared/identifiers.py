"""Identifiers with rules: VIN, Chinese plates, mobile numbers, resident ID, USCC.

Each is a frozen value object whose constructor enforces its rule and whose
``parse`` class method turns user or feed input into a ``Result`` so callers can
report every bad row without exceptions.
"""

from __future__ import annotations

import enum
import functools
import re
from typing import Self

import attrs
import phonenumbers
from returns.result import Failure, Result, Success
from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc
from stdnum.exceptions import ValidationError as _StdnumValidationError

from fours_domain.shared.errors import InvalidIdentifier

__all__ = [
    "PLATE_PATTERNS",
    "MobileNumber",
    "Plate",
    "PlateKind",
    "ResidentId",
    "SocialCreditCode",
    "Vin",
    "VinCheck",
    "vin_check_digit",
]

# ---------------------------------------------------------------- VIN (GB 16735 / ISO 3779)

_VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


@functools.lru_cache(maxsize=65536)
def vin_check_digit(vin: str) -> str:
    """The check digit (position 9) a 17-character VIN should carry.

    >>> vin_check_digit("1M8GDM9AXKP042788")
    'X'
    """
    total = sum(_VIN_VALUES[ch] * w for ch, w in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


class VinCheck(enum.Enum):
    """How to treat a wrong check digit."""

    STRICT = "strict"
    """Refuse it: mandatory for cars made for China (GB 16735) and North America."""
    LENIENT = "lenient"
    """Accept it with a warning: imported (e.g. EU) cars may not carry one."""


def _normalise_vin(value: str) -> str:
    return value.strip().upper()


@attrs.frozen(order=True)
class Vin:
    """A vehicle identification number (车架号 / VIN), 17 characters, no I, O or Q.

    ``check`` says how the check digit was judged: :attr:`VinCheck.STRICT` (the
    default) refuses a wrong one, :attr:`VinCheck.LENIENT` accepts it with a warning.
    Whether the digit is right is computed from the value, never taken on trust. VINs
    order by their text (storage writes several cars in primary-key order):

    >>> Vin("1M8GDM9AXKP042788").check_digit_valid
    True
    >>> imported = Vin("WVWZZZ1JZ3W386752", VinCheck.LENIENT)
    >>> imported.check_digit_valid, imported.warnings
    (False, ('VIN WVWZZZ1JZ3W386752: check digit Z does not match 9 (accepted, lenient mode)',))
    """

    value: str = attrs.field(converter=_normalise_vin)
    check: VinCheck = attrs.field(
        default=VinCheck.STRICT, eq=False, validator=attrs.validators.instance_of(VinCheck)
    )

    def __attrs_post_init__(self) -> None:
        if not _VIN_RE.match(self.value):
            raise InvalidIdentifier(_vin_shape_problem(self.value), vin=self.value)
        if self.check is VinCheck.STRICT and not self.check_digit_valid:
            raise InvalidIdentifier(_check_digit_problem(self.value), vin=self.value)

    @classmethod
    def parse(cls, raw: str, check: VinCheck = VinCheck.STRICT) -> Result[Self, InvalidIdentifier]:
        """Parse input; in lenient mode a wrong check digit becomes a warning."""
        value = _normalise_vin(raw)
        if not _VIN_RE.match(value):
            return Failure(InvalidIdentifier(_vin_shape_problem(value), vin=value))
        if check is VinCheck.STRICT and vin_check_digit(value) != value[8]:
            return Failure(InvalidIdentifier(_check_digit_problem(value), vin=value))
        return Success(cls(value, check))

    @property
    def check_digit_valid(self) -> bool:
        """True when position 9 carries the check digit the other 16 characters give."""
        return vin_check_digit(self.value) == self.value[8]

    @property
    def warnings(self) -> tuple[str, ...]:
        """What lenient parsing let through."""
        if self.check_digit_valid:
            return ()
        return (
            f"VIN {self.value}: check digit {self.value[8]} does not match "
            f"{vin_check_digit(self.value)} (accepted, lenient mode)",
        )

    @property
    def wmi(self) -> str:
        """World manufacturer identifier (positions 1–3)."""
        return self.value[:3]

    def __str__(self) -> str:
        return self.value


def _check_digit_problem(value: str) -> str:
    return f"VIN {value}: check digit is {value[8]}, expected {vin_check_digit(value)}"


def _vin_shape_problem(value: str) -> str:
    if len(value) != 17:
        return f"VIN {value!r} has {len(value)} characters, expected 17"
    bad = sorted({ch for ch in value if not re.match(r"[A-HJ-NPR-Z0-9]", ch)})
    return f"VIN {value!r} contains characters not allowed in a VIN: {''.join(bad)}"


# ---------------------------------------------------------------- plates (GA 36-2018)

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_REGULAR_RE = re.compile(rf"^[{_PROVINCES}][A-Z][A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳]$")
_NEV_SMALL_RE = re.compile(rf"^[{_PROVINCES}][A-Z][DF][A-HJ-NP-Z0-9][0-9]{{4}}$")
_NEV_LARGE_RE = re.compile(rf"^[{_PROVINCES}][A-Z][0-9]{{5}}[DF]$")


class PlateKind(enum.Enum):
    """Kinds of Chinese licence plate (号牌)."""

    REGULAR = "regular"
    NEW_ENERGY_SMALL = "new_energy_small"
    NEW_ENERGY_LARGE = "new_energy_large"


#: The shape of each kind of plate, as the domain accepts it (after normalisation).
PLATE_PATTERNS: dict[PlateKind, re.Pattern[str]] = {
    PlateKind.REGULAR: _REGULAR_RE,
    PlateKind.NEW_ENERGY_SMALL: _NEV_SMALL_RE,
    PlateKind.NEW_ENERGY_LARGE: _NEV_LARGE_RE,
}


def _plate_kind(value: str) -> PlateKind | None:
    return next((kind for kind, rule in PLATE_PATTERNS.items() if rule.match(value)), None)


def _normalise_plate(value: str) -> str:
    return re.sub(r"[\s·.\-]", "", value).upper()


@attrs.frozen
class Plate:
    """A Chinese licence plate (车牌号): regular 7 characters, new-energy 8."""

    value: str = attrs.field(converter=_normalise_plate)

    def __attrs_post_init__(self) -> None:
        if _plate_kind(self.value) is None:
            raise InvalidIdentifier(
                f"{self.value!r} is not a valid Chinese plate", plate=self.value
            )

    @property
    def kind(self) -> PlateKind:
        kind = _plate_kind(self.value)
        assert kind is not None
        return kind

    @property
    def province(self) -> str:
        return self.value[0]

    @classmethod
    def parse(cls, raw: str) -> Result[Self, InvalidIdentifier]:
        value = _normalise_plate(raw)
        if _plate_kind(value) is None:
            return Failure(
                InvalidIdentifier(f"{value!r} is not a valid Chinese plate", plate=value)
            )
        return Success(cls(value))

    def __str__(self) -> str:
        return self.value


# ---------------------------------------------------------------- mobile numbers (phonenumbers)

_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def _mobile_e164(raw: str) -> str | None:
    text = raw.strip()
    digits = re.sub(r"[\s\-()]", "", text)
    if digits.startswith("0086"):
        digits = "+86" + digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _check_e164(_instance: object, _attribute: object, value: str) -> None:
    if _mobile_e164(value) != value:
        raise InvalidIdentifier(f"{value!r} is not a mainland China mobile number", mobile=value)


@attrs.frozen
class MobileNumber:
    """A mainland China mobile number, stored in E.164 (``+8613812345678``).

    Validated with Google's libphonenumber metadata (the ``phonenumbers``
    package), so new number ranges arrive with library updates.
    """

    e164: str = attrs.field(validator=_check_e164)

    @classmethod
    def parse(cls, raw: str) -> Result[Self, InvalidIdentifier]:
        """Accept ``13812345678``, ``+86 138 1234 5678``, ``0086…`` or ``86…``."""
        e164 = _mobile_e164(raw)
        if e164 is None:
            return Failure(
                InvalidIdentifier(
                    f"{raw.strip()!r} is not a mainland China mobile number", mobile=raw
                )
            )
        return Success(cls(e164))

    @property
    def national(self) -> str:
        """The 11-digit national form, e.g. ``13812345678``."""
        return self.e164[3:]

    @property
    def masked(self) -> str:
        """For listings: ``138****5678``."""
        n = self.national
        return f"{n[:3]}****{n[-4:]}"

    def __str__(self) -> str:
        return self.national


# ---------------------------------------------------------------- resident ID, USCC (python-stdnum)


def _stripped_upper(value: str) -> str:
    return value.strip().upper()


@attrs.frozen
class ResidentId:
    """An 18-character resident identity card number (居民身份证号, ISO 7064 check)."""

    value: str = attrs.field(converter=_stripped_upper)

    def __attrs_post_init__(self) -> None:
        try:
            _ric.validate(self.value)
        except _StdnumValidationError as exc:
            raise InvalidIdentifier(
                f"resident ID {self.masked}: {exc}", resident_id=self.masked
            ) from None

    @property
    def masked(self) -> str:
        """For listings: the first 6 and last 4 characters only."""
        return f"{self.value[:6]}********{self.value[-4:]}"

    def __str__(self) -> str:
        return self.masked


_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


@attrs.frozen
class SocialCreditCode:
    """A unified social credit code (统一社会信用代码, GB 32100), 18 characters.

    The check character is computed by python-stdnum; the registration-department
    character is checked here because stdnum wrongly refuses codes issued by
    departments A, N and Y (e.g. religious and rural-collective bodies).
    """

    value: str = attrs.field(converter=_stripped_upper)

    def __attrs_post_init__(self) -> None:
        if not _USCC_RE.match(self.value):
            raise InvalidIdentifier(f"USCC {self.value!r} is malformed", uscc=self.value)
        expected = _uscc.calc_check_digit(self.value[:-1])
        if expected != self.value[-1]:
            raise InvalidIdentifier(
                f"USCC {self.value}: check character is {self.value[-1]}, expected {expected}",
                uscc=self.value,
            )

    def __str__(self) -> str:
        return self.value
