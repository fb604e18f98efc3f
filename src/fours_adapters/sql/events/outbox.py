"""Spool events into the outbox inside a transaction; publish them after it commits.

:func:`spool` writes a batch of events with one multi-row insert into ``evt_outbox``
in the caller's session: they commit or roll back with everything else. :func:`relay`
runs after the commit and publishes every spooled event, oldest first, then deletes it —
so a unit of work that spools holds no event in memory, however many it produces, and an
event is published only if its transaction committed.

Delivery is at least once. On PostgreSQL each chunk is claimed with ``FOR UPDATE SKIP
LOCKED``, published and deleted in one transaction: concurrent relays never publish the
same event, and a crash while publishing leaves the chunk for the next relay. On SQLite
a chunk is read, published, then deleted in a second short transaction (a handler may
then write to the same file without waiting for our write lock); two relays racing on
one file could publish a chunk twice. Handlers must tolerate a repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from fours_adapters.sql.events.converters import structure_event, unstructure_event
from fours_adapters.sql.events.tables import outbox
from fours_domain.shared.events import DomainEvent

RELAY_CHUNK = 1000
"""Events read, published and deleted per transaction by :func:`relay`."""


def spool(session: Session, events: Sequence[DomainEvent]) -> None:
    """Write ``events`` into the outbox, in ``session``'s transaction."""
    if not events:
        return
    rows = []
    for event in events:
        event_type, payload = unstructure_event(event)
        rows.append(
            {"event_type": event_type, "occurred_at": event.occurred_at, "payload": payload}
        )
    session.execute(insert(outbox), rows)


def relay(sessions: sessionmaker[Session], publish: Callable[[DomainEvent], None]) -> int:
    """Publish and delete every spooled event, oldest first; return how many were published."""
    published = 0
    while True:
        with sessions() as session:
            claim = select(outbox.c.seq, outbox.c.event_type, outbox.c.payload).order_by(
                outbox.c.seq
            )
            locking = session.get_bind().dialect.name == "postgresql"
            if locking:
                claim = claim.with_for_update(skip_locked=True)
            rows = session.execute(claim.limit(RELAY_CHUNK)).all()
            if not rows:
                return published
            if not locking:
                session.commit()  # end the read before handlers run (SQLite: one writer)
            for row in rows:
                publish(structure_event(row.event_type, row.payload))
            session.execute(delete(outbox).where(outbox.c.seq.in_([row.seq for row in rows])))
            session.commit()
        published += len(rows)
