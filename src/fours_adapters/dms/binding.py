"""Which record kinds are bound to a fours context in this build, and how.

Each bound kind has a :class:`~fours_domain.dms.ports.RecordApplier` (writing
records into the owning context in the import's unit of work) and, for
exports, a record source. A kind without an applier can still be read and
checked (``fours dms import --check``) but not applied: no placeholder stores
it anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fours_domain.dms.ports import RecordApplier
from fours_domain.dms.records import Record, RecordKind

RecordSource = Callable[[Any], Iterator[Record]]
"""Reads a kind's records out of the contexts, given an open unit of work."""


def bound_appliers() -> dict[RecordKind, RecordApplier[Any]]:
    """Appliers of the contexts this build has (see docs/dms-adapters.md, "Bound kinds")."""
    appliers: dict[RecordKind, RecordApplier[Any]] = {}
    return appliers


def bound_sources() -> dict[RecordKind, RecordSource]:
    """Record sources for ``fours dms export`` from the contexts this build has."""
    sources: dict[RecordKind, RecordSource] = {}
    return sources
