"""(Un)structuring domain events for the outbox: the one place that knows their stored shape.

An event is stored as its class (``module:qualname``, only classes of ``fours_domain``
that subclass :class:`DomainEvent`) and a JSON object of its fields, through a private
:class:`cattrs.Converter` with explicit hooks: instants and dates as ISO text, money as
``{"amount": "1299.50", "currency": "CNY"}``, enums by value, value objects (attrs
classes) field by field. ``structure_event(*unstructure_event(e)) == e`` for every event
(property-tested).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from decimal import Decimal
from typing import Any

import cattrs
import pendulum
from moneyed import Money

from fours_domain.shared.events import DomainEvent
from fours_domain.shared.time import Date, DateTime

_converter = cattrs.Converter()


def _structure_datetime(value: Any, _type: Any) -> DateTime:
    # The stdlib parser reads what isoformat() wrote, ~20x faster than pendulum.parse.
    return pendulum.instance(dt.datetime.fromisoformat(str(value))).in_timezone("UTC")


def _structure_date(value: Any, _type: Any) -> Date:
    return Date.fromisoformat(str(value))


_converter.register_unstructure_hook(DateTime, lambda d: d.in_timezone("UTC").isoformat())
_converter.register_structure_hook(DateTime, _structure_datetime)
_converter.register_unstructure_hook(Date, lambda d: d.isoformat())
_converter.register_structure_hook(Date, _structure_date)
_converter.register_unstructure_hook(
    Money, lambda m: {"amount": f"{m.amount:f}", "currency": str(m.currency)}
)
_converter.register_structure_hook(
    Money, lambda v, _t: Money(Decimal(v["amount"]), str(v["currency"]))
)

_TYPES: dict[str, type[DomainEvent]] = {}


class UnknownEventType(Exception):
    """A stored event names a class that is not a fours domain event."""


def event_type_name(event_type: type[DomainEvent]) -> str:
    return f"{event_type.__module__}:{event_type.__qualname__}"


def unstructure_event(event: DomainEvent) -> tuple[str, str]:
    """The event's type name and its fields as JSON text."""
    payload = _converter.unstructure(event, unstructure_as=type(event))
    return event_type_name(type(event)), json.dumps(payload, ensure_ascii=False)


def structure_event(type_name: str, payload: str) -> DomainEvent:
    """The event stored as ``type_name`` and ``payload`` by :func:`unstructure_event`."""
    event_type = _resolve(type_name)
    event: DomainEvent = _converter.structure(json.loads(payload), event_type)
    return event


def _resolve(type_name: str) -> type[DomainEvent]:
    known = _TYPES.get(type_name)
    if known is not None:
        return known
    module_name, _, qualname = type_name.partition(":")
    if not module_name.startswith("fours_domain.") or not qualname.isidentifier():
        raise UnknownEventType(type_name)
    try:
        found = getattr(importlib.import_module(module_name), qualname)
    except (ImportError, AttributeError):
        raise UnknownEventType(type_name) from None
    if not (isinstance(found, type) and issubclass(found, DomainEvent)):
        raise UnknownEventType(type_name)
    _TYPES[type_name] = found
    return found
