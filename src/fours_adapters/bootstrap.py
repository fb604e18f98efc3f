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
from typing import TYPE_CHECKING

import attrs

from fours_adapters.clock import SystemClock, Uuid7IdSource
from fours_adapters.dms.discovery import DmsAdapters
from fours_adapters.sql.engine import DEFAULT_URL, make_engine
from fours_domain.crm.ports import SmsGateway
from fours_domain.shared.events import DomainEvent
from fours_domain.shared.ids import IdSource
from fours_domain.shared.time import Clock

if TYPE_CHECKING:  # the ORM, the repositories and Alembic load when first used
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from fours_adapters.sql.migrate import SchemaStatus
    from fours_adapters.sql.uow import SqlUnitOfWork

EventHandler = Callable[[DomainEvent], None]


@attrs.define
class FoursApp:
    """A wired fours instance: storage, clock, ids, gateways, DMS adapters and event handlers.

    The SMS gateway may be given ready-made or as a factory, called on first use of
    :attr:`sms` (a gateway may open connections or read credentials; a command that
    sends no SMS should not pay for it, nor fail on its configuration). ``dms`` finds
    the installed DMS adapters and routes brands to them (``app.dms.for_brand("AUDI")``,
    ``app.dms.dealers``).
    """

    engine: Engine
    clock: Clock
    ids: IdSource
    sessions: sessionmaker[Session]
    handlers: list[EventHandler] = attrs.field(factory=list)
    dms: DmsAdapters = attrs.field(factory=DmsAdapters)
    _sms: SmsGateway | None = attrs.field(default=None, alias="sms")
    _sms_factory: Callable[[], SmsGateway] | None = attrs.field(default=None, alias="sms_factory")

    @property
    def sms(self) -> SmsGateway | None:
        """The SMS gateway (built on first use), or None when none was wired."""
        if self._sms is None and self._sms_factory is not None:
            self._sms = self._sms_factory()
        return self._sms

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work; use it in a ``with`` block."""
        from fours_adapters.sql.uow import SqlUnitOfWork

        return SqlUnitOfWork(self.sessions, publish=self.publish)

    def publish(self, event: DomainEvent) -> None:
        for handler in self.handlers:
            handler(event)

    def publish_spooled(self) -> int:
        """Publish the events a crashed process left in the outbox after its commit
        (docs/adr/0067); returns how many. Units of work that spool do it on commit."""
        from fours_adapters.sql.events.outbox import relay

        return relay(self.sessions, self.publish)

    def upgrade_schema(self) -> SchemaStatus:
        """Create the schema or migrate it to the newest revision (Alembic)."""
        from fours_adapters.sql.migrate import upgrade

        return upgrade(self.engine)

    def schema_status(self) -> SchemaStatus:
        """The schema's revision and any pending migrations."""
        from fours_adapters.sql.migrate import status

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
    sms_factory: Callable[[], SmsGateway] | None = None,
    handlers: list[EventHandler] | None = None,
    dms: DmsAdapters | None = None,
) -> FoursApp:
    """Wire fours. Give a URL (default ``sqlite:///fours.db``) or a ready engine.

    ``sms`` is a ready gateway; ``sms_factory`` builds one on first use instead.
    ``dms`` (default: the installed adapters, no brand routes) is a
    ``DmsAdapters(dms_toml, star_dir)``.
    A URL fours cannot use raises :class:`~fours_adapters.sql.engine.DatabaseUrlError`.
    """
    from fours_adapters.sql.uow import session_factory  # starts the mappers, see above

    engine = engine or make_engine(db_url or DEFAULT_URL)
    return FoursApp(
        engine=engine,
        clock=clock or SystemClock(),
        ids=ids or Uuid7IdSource(),
        sessions=session_factory(engine),
        handlers=list(handlers or []),
        sms=sms,
        sms_factory=sms_factory,
        dms=dms or DmsAdapters(),
    )
