"""The vehicle state machine, generated from the transition table and the enums."""

from __future__ import annotations

import itertools

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from fours_domain.shared.errors import IllegalTransition
from fours_domain.shared.ids import StoreId
from fours_domain.testing.strategies_vehicles import build_vehicle, perform, vehicles
from fours_domain.vehicles.lifecycle import (
    FINAL_STATES,
    TRANSITIONS,
    VehicleAction,
    VehicleState,
    allowed_actions,
    path_to,
)
from fours_domain.vehicles.model import REASON_REQUIRED, HolderKind, VehicleRefused

AT = pendulum.datetime(2026, 3, 1, 1, tz="UTC")
PAIRS = list(itertools.product(VehicleState, VehicleAction))
ALLOWED = [p for p in PAIRS if p in TRANSITIONS]
REFUSED = [p for p in PAIRS if p not in TRANSITIONS]
PDI = {VehicleAction.PASS_PDI: "inspect", VehicleAction.FAIL_PDI: "inspect"}


def _id(pair: tuple[VehicleState, VehicleAction]) -> str:
    return f"{pair[0].name}-{pair[1].name}"


def test_the_table_covers_both_kinds_of_pair() -> None:
    assert len(ALLOWED) + len(REFUSED) == len(VehicleState) * len(VehicleAction)
    assert ALLOWED and REFUSED


@pytest.mark.parametrize("pair", ALLOWED, ids=_id)
def test_every_transition_in_the_table_is_allowed(
    pair: tuple[VehicleState, VehicleAction],
) -> None:
    state, action = pair
    car = build_vehicle(state)
    seq = car.last_seq
    outcome = perform(car, action, AT)
    assert isinstance(outcome, Success), outcome
    assert car.state is TRANSITIONS[pair]
    assert car.last_seq == seq + 1
    last = car.history[-1]
    assert (last.from_state, last.action, last.to_state) == (state, action, car.state)
    car.check_invariants()


@pytest.mark.parametrize("pair", REFUSED, ids=_id)
def test_every_other_pair_is_refused_naming_state_and_action(
    pair: tuple[VehicleState, VehicleAction],
) -> None:
    state, action = pair
    car = build_vehicle(state)
    before = (car.state, car.store_id, car.last_seq, len(car.inspections))
    outcome = perform(car, action, AT)
    assert isinstance(outcome, Failure)
    error = outcome.failure()
    assert isinstance(error, IllegalTransition)
    assert error.details["state"] == state.value
    assert error.details["action"] == PDI.get(action, action.value)
    assert f"is {state.value}: cannot {PDI.get(action, action.value)}" in error.message
    assert (car.state, car.store_id, car.last_seq, len(car.inspections)) == before
    car.check_invariants()


@pytest.mark.parametrize("state", list(VehicleState), ids=lambda s: s.name)
def test_every_state_is_reachable_and_only_final_states_are_dead_ends(
    state: VehicleState,
) -> None:
    assert path_to(VehicleState.ON_ORDER, state) is not None
    assert bool(allowed_actions(state)) is (state not in FINAL_STATES)


def test_detailed_actions_need_their_own_method() -> None:
    car = build_vehicle(VehicleState.IN_STOCK)
    refused = car.apply(VehicleAction.RESERVE, "x", AT)
    assert isinstance(refused.failure(), VehicleRefused)
    assert car.state is VehicleState.IN_STOCK


# ---------------------------------------------------------------- properties over random sequences

STORES = (StoreId("S1"), StoreId("S2"), StoreId("S3"))
steps = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(list(VehicleAction)), st.sampled_from(STORES)),
    max_size=60,
)


@given(
    st.lists(vehicles(), min_size=1, max_size=4, unique_by=lambda c: c.vin.value),
    steps,
)
def test_random_actions_keep_cars_consistent_and_conserved(
    fleet: list[object], plan: list[tuple[int, VehicleAction, StoreId]]
) -> None:
    from fours_domain.vehicles.model import Vehicle

    cars = [c for c in fleet if isinstance(c, Vehicle)]
    at = AT

    def stock() -> dict[StoreId, int]:
        counts = dict.fromkeys(STORES, 0)
        for car in cars:
            if car.stock_store is not None:
                counts[car.stock_store] += 1
        return counts

    for index, action, other in plan:
        car = cars[index % len(cars)]
        at = at.add(hours=1)
        before_state, before_store = car.state, car.store_id
        source, target = car.transfer_from, car.transfer_to
        counts = stock()
        outcome = perform(car, action, at, other_store=other)
        after = stock()
        if isinstance(outcome, Success):
            assert car.state is TRANSITIONS[(before_state, action)]
        else:
            assert (car.state, car.store_id) == (before_state, before_store)
        for c in cars:
            c.check_invariants()
            # Each car is in exactly one place: one store's stock, in transfer, or outside.
            places = [c.stock_store is not None, c.state is VehicleState.IN_TRANSFER]
            assert sum(places) <= 1
        changed = {s: after[s] - counts[s] for s in STORES if after[s] != counts[s]}
        if isinstance(outcome, Success) and action is VehicleAction.DISPATCH:
            assert changed == {before_store: -1}
            assert car.transfer_to != before_store and car.store_id == before_store
        elif isinstance(outcome, Success) and action is VehicleAction.RECEIVE:
            assert target is not None and changed == {target: 1} and car.store_id == target
        elif isinstance(outcome, Success) and action is VehicleAction.REFUSE:
            assert source is not None and changed == {source: 1} and car.store_id == source
        elif isinstance(outcome, Success):
            assert sum(abs(v) for v in changed.values()) <= 1
        else:
            assert changed == {}


NEEDS_REASON = [p for p in ALLOWED if p[1] in REASON_REQUIRED]


@pytest.mark.parametrize("pair", NEEDS_REASON, ids=_id)
@given(reason=st.none() | st.text(" \t\n", max_size=3))
def test_hold_damage_and_return_without_a_reason_are_refused(
    pair: tuple[VehicleState, VehicleAction], reason: str | None
) -> None:
    state, action = pair
    car = build_vehicle(state)
    before = (car.state, car.last_seq)
    refused = car.apply(action, "tester", AT, reason)
    assert isinstance(refused.failure(), VehicleRefused)
    assert (car.state, car.last_seq) == before
    assert isinstance(car.apply(action, "tester", AT, "hail"), Success)
    car.check_invariants()


@given(hours=st.integers(-48, 48), action=st.sampled_from(list(VehicleAction)))
def test_a_reservation_holds_the_car_until_its_deadline_and_not_after(
    hours: int, action: VehicleAction
) -> None:
    """Before the deadline the car behaves as RESERVED; from the deadline on as free
    stock, with the expiry recorded (by the system) before the clerk's action."""
    car = build_vehicle(VehicleState.IN_STOCK)
    deadline = AT.add(days=1)
    car.reserve(
        holder_kind=HolderKind.CUSTOMER, holder="C1", actor="amy", at=AT, until=deadline
    ).unwrap()
    at = deadline.add(hours=hours)
    seq = car.last_seq
    lapsed = hours >= 0 and action not in {VehicleAction.EXPIRE, VehicleAction.RELEASE}
    judged_from = VehicleState.IN_STOCK if lapsed else VehicleState.RESERVED
    outcome = perform(car, action, at)
    if (judged_from, action) in TRANSITIONS and isinstance(outcome, Success):
        assert car.state is TRANSITIONS[(judged_from, action)]
        steps = [h.action for h in car.history[seq:]]
        assert steps == ([VehicleAction.EXPIRE, action] if lapsed else [action])
        if lapsed:
            assert car.history[seq].actor == "system"
    else:
        assert (judged_from, action) not in TRANSITIONS or action is VehicleAction.EXPIRE
        assert car.last_seq == seq and car.state is VehicleState.RESERVED
    car.check_invariants()
