"""Column types of the vehicles tables: value objects stored as portable text."""

from __future__ import annotations

import json

from sqlalchemy import Dialect, Text, TypeDecorator

from fours_adapters.sql.types import VatRateType
from fours_domain.vehicles.model import ChecklistItem

__all__ = ["ChecklistType", "CodeTuple", "VatRateType"]


class CodeTuple(TypeDecorator[tuple[str, ...]]):
    """A tuple of codes (options) as a JSON array."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: tuple[str, ...] | None, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(list(value), ensure_ascii=False)

    def process_result_value(self, value: str | None, dialect: Dialect) -> tuple[str, ...] | None:
        return None if value is None else tuple(str(v) for v in json.loads(value))


class ChecklistType(TypeDecorator[tuple[ChecklistItem, ...]]):
    """A PDI checklist as a JSON array of ``{"name", "ok", "note"}``."""

    impl = Text
    cache_ok = True

    def process_bind_param(
        self, value: tuple[ChecklistItem, ...] | None, dialect: Dialect
    ) -> str | None:
        if value is None:
            return None
        return json.dumps(
            [{"name": i.name, "ok": i.ok, "note": i.note} for i in value], ensure_ascii=False
        )

    def process_result_value(
        self, value: str | None, dialect: Dialect
    ) -> tuple[ChecklistItem, ...] | None:
        if value is None:
            return None
        return tuple(
            ChecklistItem(str(i["name"]), bool(i["ok"]), str(i["note"])) for i in json.loads(value)
        )
