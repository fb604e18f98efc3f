"""The transactional outbox (ADR 0067): spooled events are published after the commit,
in order, never on rollback, and a crash's leftovers are published by the next relay."""

from __future__ import annotations

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from fours_adapters.bootstrap import FoursApp
from fours_adapters.sql.events.converters import (
    UnknownEventType,
    structure_event,
    unstructure_event,
)
from fours_adapters.sql.events.tables import outbox
from fours_domain.pricing.quotes import QuoteAccepted, QuoteId
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.events import DomainEvent
from fours_domain.shared.ids import StoreId
from fours_domain.testing.strategies import cny_amounts, instants, vins
from fours_domain.vehicles.lifecycle import VehicleAction, VehicleState
from fours_domain.vehicles.model import VehicleStateChanged

state_changes = st.builds(
    VehicleStateChanged,
    occurred_at=instants(),
    vin=vins().map(lambda v: v.value),
    store_id=st.sampled_from([StoreId("SH-AUDI-01"), StoreId("BJ01")]),
    action=st.sampled_from(list(VehicleAction)),
    from_state=st.none() | st.sampled_from(list(VehicleState)),
    to_state=st.sampled_from(list(VehicleState)),
    actor=st.text(min_size=1, max_size=20),
)
quotes_accepted = st.builds(
    QuoteAccepted,
    occurred_at=instants(),
    quote_id=st.just(QuoteId("Q-1")),
    store_id=st.just(StoreId("BJ01")),
    spec=st.just(VehicleSpec("AUDI", "A6L", "45TFSI", None, None, 2026)),
    deal_price=cny_amounts(),
    total=cny_amounts(),
)


@given(st.one_of(state_changes, quotes_accepted))
def test_events_round_trip_through_their_stored_form(event: DomainEvent) -> None:
    assert structure_event(*unstructure_event(event)) == event


@pytest.mark.parametrize(
    "type_name", ["os:system", "fours_domain.shared.money:Money", "fours_domain.nope:X"]
)
def test_only_fours_domain_events_are_read_back(type_name: str) -> None:
    with pytest.raises(UnknownEventType):
        structure_event(type_name, "{}")


def _change(n: int) -> VehicleStateChanged:
    return VehicleStateChanged(
        occurred_at=pendulum.datetime(2026, 11, 25, tz="UTC").add(seconds=n),
        vin=f"LFV3A24G6P300{n:04d}",
        store_id=StoreId("S1"),
        action=VehicleAction.RECORD,
        from_state=None,
        to_state=VehicleState.IN_TRANSIT,
        actor="star",
    )


def _spooled(app: FoursApp) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(outbox)) or 0)


def test_spooled_events_are_published_after_the_commit_in_order(app: FoursApp) -> None:
    published: list[DomainEvent] = []
    app.handlers.append(published.append)
    events = [_change(n) for n in range(2500)]  # more than one relay chunk
    with app.uow() as uow:
        uow.spool(events[:1200])
        uow.spool(events[1200:])
        assert published == []
        uow.commit()
    assert published == events
    assert _spooled(app) == 0


def test_nothing_is_published_on_rollback(app: FoursApp) -> None:
    published: list[DomainEvent] = []
    app.handlers.append(published.append)
    with app.uow() as uow:
        uow.spool([_change(1)])
    assert published == [] and _spooled(app) == 0


def test_a_crash_after_the_commit_leaves_events_for_the_next_relay(app: FoursApp) -> None:
    published: list[DomainEvent] = []
    app.handlers.append(published.append)
    with app.uow() as uow:
        uow.spool([_change(1), _change(2)])
        uow.session.commit()  # committed, then "crashed" before relaying
    assert published == [] and _spooled(app) == 2
    with app.uow() as uow:
        uow.spool([_change(3)])
        uow.commit()
    assert published == [_change(1), _change(2), _change(3)]
    with app.uow() as uow:
        uow.spool([_change(4)])
        uow.session.commit()
    assert app.publish_spooled() == 1 and published[-1] == _change(4)
    assert app.publish_spooled() == 0


def test_a_failing_handler_leaves_the_event_to_be_published_again(app: FoursApp) -> None:
    seen: list[DomainEvent] = []

    def flaky(event: DomainEvent) -> None:
        seen.append(event)
        if len(seen) == 1:
            raise RuntimeError("handler down")

    app.handlers.append(flaky)
    with app.uow() as uow:
        uow.spool([_change(1)])
        with pytest.raises(RuntimeError):
            uow.commit()
    assert _spooled(app) == 1  # committed, not yet delivered
    assert app.publish_spooled() == 1 and seen == [_change(1), _change(1)]
