"""A unit of work nested inside an open one, on a SQL SAVEPOINT.

A DMS import applies a whole document in one transaction, but the contexts' own
application services each open and commit a unit of work. Handing them a
:class:`SavepointUnitOfWork` lets them run unchanged inside the import: their
``with uow`` opens a savepoint, their ``commit()`` releases it, and leaving
without a commit rolls back to it — only the import's final commit makes
anything durable. Repositories are the outer unit of work's; events are spooled into
the outer one's outbox when a savepoint is released, and published after the outer
commit.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from sqlalchemy.orm import SessionTransaction

from fours_adapters.sql.uow import SqlUnitOfWork
from fours_domain.shared.events import EventRecorder


class SavepointUnitOfWork:
    def __init__(self, outer: SqlUnitOfWork) -> None:
        self._outer = outer
        self._savepoint: SessionTransaction | None = None
        self._tracked: list[EventRecorder] = []

    def __getattr__(self, name: str) -> Any:
        # Repositories (vehicles, parts, org…) are the outer unit of work's.
        return getattr(self._outer, name)

    def __enter__(self) -> Self:
        self._savepoint = self._outer.session.begin_nested()
        self._tracked = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._savepoint is not None:
            self.rollback()

    def commit(self) -> None:
        assert self._savepoint is not None, "use the nested unit of work in a 'with' block"
        # Events go to the outbox inside the savepoint: a document of 50,000 cars holds
        # neither its aggregates nor their events until the outer commit (ADR 0067).
        self._outer.spool([event for a in self._tracked for event in a.pull_events()])
        self._tracked = []
        self._savepoint.commit()
        self._savepoint = None

    def rollback(self) -> None:
        if self._savepoint is not None and self._savepoint.is_active:
            self._savepoint.rollback()
        self._savepoint = None
        for aggregate in self._tracked:
            aggregate.pull_events()
        self._tracked = []
        # Aggregates changed under the savepoint stay in the session (expired, reloaded
        # on next use): drop the events they recorded, or a retry would publish them too.
        for loaded in list(self._outer.session.identity_map.values()):
            if isinstance(loaded, EventRecorder):
                loaded.pull_events()

    def track(self, aggregate: EventRecorder) -> None:
        self._tracked.append(aggregate)
