"""Helpers for application services that return ``returns`` results."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from returns.result import Failure, Result

from fours_domain.shared.errors import DomainError, StorageFailure

T = TypeVar("T")

TRANSIENT_ATTEMPTS = 3
"""How often a use case runs when its transaction keeps losing to concurrent ones
(deadlock, serialization failure): the first run and at most two more
(docs/adr/0073-transient-database-failures.md)."""


def guarded(
    action: Callable[[], Result[T, DomainError]], operation: str | None = None
) -> Result[T, DomainError]:
    """Run a use case; a :class:`DomainError` raised inside (a broken invariant in the
    input, such as a malformed code) becomes a ``Failure`` like any expected refusal,
    so callers handle one shape (docs/adr/0001-errors-exceptions-and-results.md).

    A transient :class:`StorageFailure` (the unit of work rolled the whole transaction
    back) runs ``action`` again, up to :data:`TRANSIENT_ATTEMPTS` runs in all; any other
    storage failure, or the last transient one, is raised naming ``operation`` (by
    default the function that defines ``action``)."""
    attempt = 1
    while True:
        try:
            return action()
        except DomainError as error:
            return Failure(error)
        except StorageFailure as failure:
            # ``operation`` already set: an inner guarded gave up; do not multiply its runs.
            if failure.transient and failure.operation is None and attempt < TRANSIENT_ATTEMPTS:
                attempt += 1
                continue
            if failure.operation is None:
                failure.operation = operation or operation_of(action)
                failure.attempts = attempt
            raise


def operation_of(function: Callable[..., object]) -> str:
    """The function a nested function is defined in: ``reserve_parts`` for
    ``reserve_parts.<locals>.run`` (leading underscores dropped); a function defined
    at module level names itself."""
    scopes = function.__qualname__.split(".<locals>.")
    name = (scopes[-2] if len(scopes) > 1 else scopes[-1]).rsplit(".", 1)[-1]
    return name.lstrip("_") or name
