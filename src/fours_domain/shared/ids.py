"""Identifier types. ``NewType`` keeps a store code from being passed as a part number.

Keys of group-wide reference data are business codes chosen by the group
(``StoreId("BJ-AUDI-01")``, ``BrandCode("AUDI")``); keys of records created by
the system come from an :class:`IdSource` port (UUIDv7 strings by default, so
they sort by creation time and index well). See docs/adr/0004-persistence-mapping.md.
"""

from __future__ import annotations

from typing import NewType, Protocol

GroupId = NewType("GroupId", str)
RegionId = NewType("RegionId", str)
BusinessUnitId = NewType("BusinessUnitId", str)
CompanyId = NewType("CompanyId", str)
StoreId = NewType("StoreId", str)
BrandCode = NewType("BrandCode", str)
ShowroomCode = NewType("ShowroomCode", str)
WarehouseCode = NewType("WarehouseCode", str)
BinCode = NewType("BinCode", str)
UserId = NewType("UserId", str)


class IdSource(Protocol):
    """Port: fresh, unique, time-ordered identifiers for new records."""

    def new_id(self) -> str: ...


class SequentialIdSource:
    """Deterministic ids ``prefix-000001``…: for tests and replayable examples."""

    def __init__(self, prefix: str = "id") -> None:
        self._prefix = prefix
        self._next = 0

    def new_id(self) -> str:
        self._next += 1
        return f"{self._prefix}-{self._next:06d}"
