"""Column types of the inventory tables."""

from __future__ import annotations

from sqlalchemy import Dialect, Text, TypeDecorator

from fours_domain.inventory.model import format_fitment, parse_fitment
from fours_domain.shared.catalogue import SpecPattern


class FitmentType(TypeDecorator[tuple[SpecPattern, ...]]):
    """The vehicles a part fits, as ``AUDI/A6L;AUDI/Q5L`` text (empty: fits all)."""

    impl = Text
    cache_ok = True

    def process_bind_param(
        self, value: tuple[SpecPattern, ...] | None, dialect: Dialect
    ) -> str | None:
        return None if value is None else ";".join(format_fitment(p) for p in value)

    def process_result_value(
        self, value: str | None, dialect: Dialect
    ) -> tuple[SpecPattern, ...] | None:
        if value is None:
            return None
        return tuple(parse_fitment(v) for v in value.split(";") if v)
