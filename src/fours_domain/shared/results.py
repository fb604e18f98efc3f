"""Helpers for application services that return ``returns`` results."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from returns.result import Failure, Result

from fours_domain.shared.errors import DomainError

T = TypeVar("T")


def guarded(action: Callable[[], Result[T, DomainError]]) -> Result[T, DomainError]:
    """Run a use case; a :class:`DomainError` raised inside (a broken invariant in the
    input, such as a malformed code) becomes a ``Failure`` like any expected refusal,
    so callers handle one shape (docs/adr/0001-errors-exceptions-and-results.md)."""
    try:
        return action()
    except DomainError as error:
        return Failure(error)
