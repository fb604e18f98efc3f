"""Vehicle specification and part numbers: the vocabulary shared by inventory,
vehicles, pricing, rebates and DMS feeds.

A :class:`VehicleSpec` names what a car *is* (brand, model, trim, exterior
colour, interior, model year) using the manufacturer's codes. Price schemes
and rebate policies target partial specs (:class:`SpecPattern`), most specific
wins.
"""

from __future__ import annotations

import re
from typing import NewType

import attrs

from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.ids import BrandCode

ModelCode = NewType("ModelCode", str)
TrimCode = NewType("TrimCode", str)
ColourCode = NewType("ColourCode", str)
InteriorCode = NewType("InteriorCode", str)
PartNumber = NewType("PartNumber", str)

_SPEC_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._\-/]{0,39}$")
_PART_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9.\-_/ ]{0,39}$")


def spec_code(value: str, what: str = "code") -> str:
    """Normalise a manufacturer code (upper case, 1–40 of A–Z 0–9 . _ - /)."""
    normalised = value.strip().upper()
    if not _SPEC_CODE.match(normalised):
        raise InvariantViolation(f"{what} {value!r} is not a valid code", value=value)
    return normalised


def part_number(value: str) -> PartNumber:
    """Normalise a part number (配件编号): trimmed, upper case, 1–40 characters.

    >>> part_number(" 4h0-698-151 ")
    '4H0-698-151'
    """
    normalised = value.strip().upper()
    if not _PART_NUMBER.match(normalised):
        raise InvariantViolation(f"part number {value!r} is not valid", part_number=value)
    return PartNumber(normalised)


def _brand(value: str) -> BrandCode:
    return BrandCode(spec_code(value, "brand code"))


def _model(value: str) -> ModelCode:
    return ModelCode(spec_code(value, "model code"))


def _optional_model(value: str | None) -> ModelCode | None:
    return None if not value else ModelCode(spec_code(value, "model code"))


def _trim(value: str | None) -> TrimCode | None:
    return None if not value else TrimCode(spec_code(value, "trim code"))


def _colour(value: str | None) -> ColourCode | None:
    return None if not value else ColourCode(spec_code(value, "colour code"))


def _interior(value: str | None) -> InteriorCode | None:
    return None if not value else InteriorCode(spec_code(value, "interior code"))


@attrs.frozen
class VehicleSpec:
    """What a car is: brand, model, trim, exterior colour, interior, model year."""

    brand: BrandCode = attrs.field(converter=_brand)
    model: ModelCode = attrs.field(converter=_model)
    trim: TrimCode | None = attrs.field(default=None, converter=_trim)
    colour: ColourCode | None = attrs.field(default=None, converter=_colour)
    interior: InteriorCode | None = attrs.field(default=None, converter=_interior)
    model_year: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.model_year is not None and not 1980 <= self.model_year <= 2100:
            raise InvariantViolation(f"model year {self.model_year} is out of range")

    def __str__(self) -> str:
        parts = [self.brand, self.model, self.trim, self.colour, self.interior]
        return "/".join(p or "*" for p in parts)


@attrs.frozen
class SpecPattern:
    """A partial spec that price schemes and rebate policies target.

    ``None`` fields match anything; :attr:`specificity` counts the fields set,
    so a trim-level scheme beats a model-level one.

    >>> p = SpecPattern(brand="AUDI", model="A6L")
    >>> p.matches(VehicleSpec("AUDI", "A6L", trim="45TFSI")), p.specificity
    (True, 2)
    """

    brand: BrandCode = attrs.field(converter=_brand)
    model: ModelCode | None = attrs.field(default=None, converter=_optional_model)
    trim: TrimCode | None = attrs.field(default=None, converter=_trim)
    colour: ColourCode | None = attrs.field(default=None, converter=_colour)
    interior: InteriorCode | None = attrs.field(default=None, converter=_interior)

    def __attrs_post_init__(self) -> None:
        if self.model is None and any((self.trim, self.colour, self.interior)):
            raise InvariantViolation("a pattern with a trim, colour or interior needs a model")

    @property
    def specificity(self) -> int:
        return sum(
            v is not None for v in (self.brand, self.model, self.trim, self.colour, self.interior)
        )

    def matches(self, spec: VehicleSpec) -> bool:
        return all(
            want is None or want == have
            for want, have in (
                (self.brand, spec.brand),
                (self.model, spec.model),
                (self.trim, spec.trim),
                (self.colour, spec.colour),
                (self.interior, spec.interior),
            )
        )

    def __str__(self) -> str:
        parts = [self.brand, self.model, self.trim, self.colour, self.interior]
        return "/".join(p or "*" for p in parts)
