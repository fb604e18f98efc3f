"""Hypothesis strategies for the vehicles context: specs, and cars in any state.

>>> from fours_domain.vehicles.lifecycle import VehicleState
>>> car = build_vehicle(VehicleState.RESERVED)
>>> car.state, car.reservation is not None, len(car.history)
(<VehicleState.RESERVED: 'RESERVED'>, True, 4)
"""

from __future__ import annotations

import pendulum
from hypothesis import strategies as st
from returns.result import Result

from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import DomainError
from fours_domain.shared.identifiers import Vin
from fours_domain.shared.ids import StoreId
from fours_domain.shared.time import DateTime
from fours_domain.vehicles.lifecycle import VehicleAction, VehicleState, path_to
from fours_domain.vehicles.model import REASON_REQUIRED, ChecklistItem, HolderKind, Vehicle

A = VehicleAction
S = VehicleState

SPEC_CODES = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
DEFAULT_VIN = Vin("LFV3A28K1L3000001")
HOME = StoreId("S1")
OTHER = StoreId("S2")
T0 = pendulum.datetime(2026, 1, 5, 2, 0, tz="UTC")


def vehicle_specs(
    brands: tuple[str, ...] = ("AUDI", "BYD", "VW"),
) -> st.SearchStrategy[VehicleSpec]:
    """Specs with brand, model and (optionally) trim, colour, interior and model year."""
    code = st.text(SPEC_CODES, min_size=1, max_size=8)
    return st.builds(
        VehicleSpec,
        brand=st.sampled_from(brands),
        model=code,
        trim=st.none() | code,
        colour=st.none() | code,
        interior=st.none() | code,
        model_year=st.none() | st.integers(2020, 2030),
    )


def perform(
    car: Vehicle,
    action: VehicleAction,
    at: DateTime,
    *,
    actor: str = "tester",
    other_store: StoreId = OTHER,
) -> Result[object, DomainError]:
    """Try ``action`` on ``car`` with valid details (a passing or failing checklist,
    a reservation for a year — expired by then for EXPIRE —, the holder as buyer,
    the transfer's target as receiving store, a reason where one is needed…). Used
    by the generated state-machine tests and by :func:`build_vehicle`."""
    if action is A.PASS_PDI:
        return car.inspect(
            inspector=actor, items=(ChecklistItem("brakes", True),), findings=None, at=at
        )
    if action is A.FAIL_PDI:
        return car.inspect(
            inspector=actor,
            items=(ChecklistItem("brakes", True), ChecklistItem("paint", False, "scratch")),
            findings="scratch on the left door",
            at=at,
        )
    if action is A.RESERVE:
        return car.reserve(
            holder_kind=HolderKind.CUSTOMER,
            holder="C-001",
            actor=actor,
            at=at,
            until=at.add(days=365),
        )
    if action is A.EXPIRE:
        until = car.reserved_until
        return car.expire(until if until is not None and until > at else at)
    if action is A.SELL:
        holder = car.reserved_for if car.state is S.RESERVED else None
        return car.sell(buyer=holder or "C-001", actor=actor, at=at)
    if action is A.DISPATCH:
        target = other_store if car.store_id != other_store else HOME
        return car.dispatch(to_store=target, actor=actor, at=at)
    if action is A.RECEIVE:
        return car.receive(at_store=car.transfer_to or car.store_id, actor=actor, at=at)
    if action is A.REFUSE:
        return car.refuse(at_store=car.transfer_to or car.store_id, actor=actor, at=at)
    if action is A.CONSIGN:
        return car.consign(to_company="SISTER-CO", holder_company="HOME-CO", actor=actor, at=at)
    reason = f"{action.value} (test)" if action in REASON_REQUIRED else None
    return car.apply(action, actor, at, reason)


def build_vehicle(
    state: VehicleState,
    *,
    vin: Vin = DEFAULT_VIN,
    spec: VehicleSpec | None = None,
    store_id: StoreId = HOME,
    at: DateTime = T0,
) -> Vehicle:
    """A car brought to ``state`` through legal transitions (so its fields and
    history are consistent), starting from ON_ORDER."""
    car = Vehicle.record_new(
        store_id=store_id,
        vin=vin,
        spec=spec or VehicleSpec("AUDI", "A6L", "45TFSI", "BLACK", "BEIGE", 2026),
        state=S.ON_ORDER,
        actor="tester",
        at=at,
    )
    path = path_to(S.ON_ORDER, state)
    assert path is not None, f"{state} is unreachable from ON_ORDER"
    for step, action in enumerate(path, start=1):
        perform(car, action, at.add(hours=step)).unwrap()
    return car


@st.composite
def vehicles(draw: st.DrawFn, states: st.SearchStrategy[VehicleState] | None = None) -> Vehicle:
    """Cars with a valid VIN and spec, in a state drawn from ``states`` (any by default)."""
    from fours_domain.testing.strategies import vins

    state = draw(states if states is not None else st.sampled_from(list(VehicleState)))
    return build_vehicle(state, vin=draw(vins()), spec=draw(vehicle_specs()))
