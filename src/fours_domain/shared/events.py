"""Domain events: facts in the past tense, recorded by aggregates and published
by the unit of work after a successful commit (never before, never on rollback).
"""

from __future__ import annotations

from typing import Any

import attrs

from fours_domain.shared.time import DateTime


@attrs.frozen
class DomainEvent:
    """Base of all events. ``occurred_at`` is a UTC instant from the caller's clock."""

    occurred_at: DateTime


class EventRecorder:
    """Mixin for aggregates: ``record`` an event, the unit of work ``pull_events``.

    The list is created lazily because the ORM builds loaded objects without
    calling ``__init__``.
    """

    def record(self, event: DomainEvent) -> None:
        self.__dict__.setdefault("_pending_events", []).append(event)

    def pull_events(self) -> list[DomainEvent]:
        events: list[DomainEvent] = self.__dict__.pop("_pending_events", [])
        return events


def event_name(event: DomainEvent) -> str:
    return type(event).__name__


def event_payload(event: DomainEvent) -> dict[str, Any]:
    """Shallow field mapping, for logs and the outbox."""
    return {f.name: getattr(event, f.name) for f in attrs.fields(type(event))}
