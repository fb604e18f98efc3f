"""The unit-of-work port.

Each bounded context declares the repositories it needs in its own protocol
(``OrgUnitOfWork``, ``InventoryUnitOfWork``…) extending :class:`UnitOfWork`;
one adapter (``fours_adapters.sql.uow.SqlUnitOfWork``) satisfies them all.
Application services take the protocol, never the adapter.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from fours_domain.shared.events import EventRecorder


class UnitOfWork(Protocol):
    """One atomic business transaction: everything or nothing is stored."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""

    def commit(self) -> None:
        """Store every change and then publish the recorded events."""

    def rollback(self) -> None: ...

    def track(self, aggregate: EventRecorder) -> None:
        """Let the unit of work collect the aggregate's events on commit."""
