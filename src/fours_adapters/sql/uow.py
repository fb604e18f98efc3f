"""The SQL unit of work: one session, one transaction, events published after commit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fours_adapters.sql.dms.repository import SqlImportJournal, SqlStockPositionRepository
from fours_adapters.sql.events import outbox
from fours_adapters.sql.failures import storage_failure
from fours_adapters.sql.inventory.repository import (
    SqlGroupStockQuery,
    SqlPartRepository,
    SqlStockRepository,
)
from fours_adapters.sql.mapping import start_mappers
from fours_adapters.sql.org.repository import SqlOrgRepository
from fours_adapters.sql.pricing.catalogue import SqlPartListPrices
from fours_adapters.sql.pricing.repository import (
    SqlAuthorityRepository,
    SqlPartApprovalRepository,
    SqlPartGrantRepository,
    SqlPartPolicyRepository,
    SqlPriceSchemeRepository,
    SqlQuoteRepository,
)
from fours_adapters.sql.rebates.repository import SqlRebateRepository
from fours_adapters.sql.vehicles.repository import SqlCarStockQuery, SqlVehicleRepository
from fours_domain.shared.events import DomainEvent, EventRecorder

EventPublisher = Callable[[DomainEvent], None]


def _drop(_event: DomainEvent) -> None:
    return None


class SqlUnitOfWork:
    """Satisfies every context's ``*UnitOfWork`` protocol.

    Use once per business transaction::

        with uow:
            store = uow.org.get_store(StoreId("BJ01"))
            ...
            uow.commit()

    Leaving the block without ``commit()`` rolls everything back. A database error
    inside the block leaves it as a :class:`~fours_domain.shared.errors.StorageFailure`
    (transient for a deadlock or serialization failure: the service may run again;
    see :mod:`fours_adapters.sql.failures`).
    """

    def __init__(
        self, session_factory: sessionmaker[Session], publish: EventPublisher = _drop
    ) -> None:
        self._session_factory = session_factory
        self._publish = publish
        self._tracked: list[EventRecorder] = []
        self._spooled = False
        self._committed = False
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a 'with' block")
        return self._session

    def __enter__(self) -> Self:
        self._session = self._session_factory()
        self._tracked = []
        self._spooled = False
        self._committed = False
        self.org = SqlOrgRepository(self._session)
        self.price_schemes = SqlPriceSchemeRepository(self._session)
        self.quotes = SqlQuoteRepository(self._session)
        self.authority = SqlAuthorityRepository(self._session)
        self.part_policies = SqlPartPolicyRepository(self._session)
        self.part_approvals = SqlPartApprovalRepository(self._session)
        self.part_grants = SqlPartGrantRepository(self._session)
        self.rebates = SqlRebateRepository(self._session)
        self.vehicles = SqlVehicleRepository(self._session)
        self.car_stock = SqlCarStockQuery(self._session)
        self.parts = SqlPartRepository(self._session)
        self.part_list_prices = SqlPartListPrices(self.parts)
        self.stock = SqlStockRepository(self._session)
        self.group_stock = SqlGroupStockQuery(self._session)
        self.dms_imports = SqlImportJournal(self._session)
        self.dms_positions = SqlStockPositionRepository(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        failed: BaseException | None = exc
        try:
            session.rollback()
        except Exception as error:  # e.g. the connection is gone
            if exc is None:
                raise
            failed = exc if storage_failure(exc, None, committed=True) else error
        finally:
            session.close()
            self._session = None
        if failed is not None:
            failure = storage_failure(failed, _driver_error(session), committed=self._committed)
            if failure is not None:
                raise failure from failed

    def track(self, aggregate: EventRecorder) -> None:
        self._tracked.append(aggregate)

    def spool(self, events: Sequence[DomainEvent]) -> None:
        """Write ``events`` to the outbox in this transaction instead of holding them:
        they are published after the commit, in order (docs/adr/0067). For units of work
        that produce events without bound (a DMS import of 50,000 cars)."""
        outbox.spool(self.session, events)
        self._spooled = self._spooled or bool(events)

    def commit(self) -> None:
        self.session.commit()
        self._committed = True
        events = [event for aggregate in self._tracked for event in aggregate.pull_events()]
        self._tracked = []
        if self._spooled:
            self._spooled = False
            outbox.relay(self._session_factory, self._publish)
        for event in events:
            self._publish(event)

    def rollback(self) -> None:
        self.session.rollback()
        for aggregate in self._tracked:
            aggregate.pull_events()
        self._tracked = []
        self._spooled = False


def _driver_error(session: Session) -> type[BaseException] | None:
    """The DBAPI module's base error class of the session's engine."""
    bind = session.bind
    dbapi = getattr(getattr(bind, "dialect", None), "loaded_dbapi", None)
    error = getattr(dbapi, "Error", None)
    return error if isinstance(error, type) and issubclass(error, BaseException) else None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``; mappers are started first."""
    start_mappers()
    return sessionmaker(bind=engine, expire_on_commit=False)
