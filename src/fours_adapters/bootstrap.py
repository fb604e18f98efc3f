"""The plain composition root for embedding applications.

>>> from fours_adapters.bootstrap import bootstrap
>>> app = bootstrap("sqlite://")           # in-memory database
>>> _ = app.upgrade_schema()
>>> with app.uow() as uow:
...     uow.org.get_group() is None
True
>>> app.close()

The CLI builds the same thing through ``fours_cli.containers.Container``
(dependency-injector), which calls :func:`bootstrap` with the adapters its
configuration selects. Nothing here runs at import time.

Call :func:`bootstrap` (or :func:`fours_adapters.sql.mapping.start_mappers`)
before building domain objects you mean to store: SQLAlchemy instruments the
classes when they are mapped, and an instance created earlier cannot be added
to a session.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fours_adapters.clock import SystemClock, Uuid7IdSource
from fours_adapters.sql.engine import DEFAULT_URL, make_engine
from fours_adapters.sql.events.outbox import relay
from fours_adapters.sql.migrate import SchemaStatus, status, upgrade
from fours_adapters.sql.uow import SqlUnitOfWork, session_factory
from fours_domain.crm.ports import SmsGateway
from fours_domain.shared.events import DomainEvent
from fours_domain.shared.ids import IdSource
from fours_domain.shared.time import Clock

EventHandler = Callable[[DomainEvent], None]


@attrs.define
class FoursApp:
    """A wired fours instance: storage, clock, ids, gateways and event handlers."""

    engine: Engine
    clock: Clock
    ids: IdSource
    sms: SmsGateway | None
    sessions: sessionmaker[Session]
    handlers: list[EventHandler] = attrs.field(factory=list)

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work; use it in a ``with`` block."""
        return SqlUnitOfWork(self.sessions, publish=self.publish)

    def publish(self, event: DomainEvent) -> None:
        for handler in self.handlers:
            handler(event)

    def publish_spooled(self) -> int:
        """Publish the events a crashed process left in the outbox after its commit
        (docs/adr/0067); returns how many. Units of work that spool do it on commit."""
        return relay(self.sessions, self.publish)

    def upgrade_schema(self) -> SchemaStatus:
        return upgrade(self.engine)

    def schema_status(self) -> SchemaStatus:
        return status(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(
    db_url: str | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    ids: IdSource | None = None,
    sms: SmsGateway | None = None,
    handlers: list[EventHandler] | None = None,
) -> FoursApp:
    """Wire fours. Give a URL (default ``sqlite:///fours.db``) or a ready engine."""
    engine = engine or make_engine(db_url or DEFAULT_URL)
    return FoursApp(
        engine=engine,
        clock=clock or SystemClock(),
        ids=ids or Uuid7IdSource(),
        sms=sms,
        sessions=session_factory(engine),
        handlers=list(handlers or []),
    )
