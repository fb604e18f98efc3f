"""A hypothesis state machine over the vehicle services (with fakes): random clerks
add, inspect, reserve, release, transfer, receive, refuse and sell across three
stores while time passes (reservations lapse with or without the sweep); after
every step the group stock agrees with a simple model."""

from __future__ import annotations

import pendulum
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from returns.result import Success

from fours_domain.org import services as org
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.ids import StoreId
from fours_domain.shared.time import DateTime, FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork
from fours_domain.testing.strategies import vins
from fours_domain.vehicles import services as svc
from fours_domain.vehicles.lifecycle import STOCK_STATES, VehicleAction, VehicleState
from fours_domain.vehicles.model import ChecklistItem, HolderKind
from fours_domain.vehicles.ports import Availability, CarStockFilter

STORES = ("S1", "S2", "S3")
S = VehicleState
stores = st.sampled_from(STORES)


class VehicleServices(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(pendulum.datetime(2026, 11, 25, 1, tz="UTC"))
        self.uow = FakeUnitOfWork()
        org.create_group(self.uow, org.CreateGroup("G", "G")).unwrap()
        org.add_region(self.uow, org.AddRegion("R", "R")).unwrap()
        org.add_brand(self.uow, org.AddBrand("AUDI", "Audi", "FAW")).unwrap()
        for store in STORES:
            cmd = org.OpenStore(store, store, "R", "Asia/Shanghai", ("AUDI",))
            org.open_store(self.uow, cmd, self.clock).unwrap()
        self.vins: list[str] = []
        # The model: where each car is and in which state.
        self.home: dict[str, str] = {}
        self.state: dict[str, VehicleState] = {}
        self.target: dict[str, str] = {}
        self.until: dict[str, DateTime | None] = {}

    def _lapsed(self, vin: str) -> bool:
        """Reserved, but past the deadline: the car is free (ADR 0023)."""
        until = self.until.get(vin)
        return self.state[vin] is S.RESERVED and until is not None and until <= self.clock.now()

    def _free(self, vin: str) -> bool:
        return self.state[vin] is S.IN_STOCK or self._lapsed(vin)

    def _pick(self, data: st.DataObject) -> str | None:
        return data.draw(st.sampled_from(self.vins)) if self.vins else None

    @rule(vin=vins(), store=stores, colour=st.sampled_from(["BLACK", "WHITE"]))
    def add(self, vin: object, store: str, colour: str) -> None:
        raw = str(vin)
        spec = VehicleSpec("AUDI", "A6L", colour=colour)
        outcome = svc.add_vehicle(self.uow, svc.AddVehicle(store, raw, spec, "amy"), self.clock)
        assert isinstance(outcome, Success) is (raw not in self.home)
        if raw not in self.home:
            self.vins.append(raw)
            self.home[raw], self.state[raw] = store, S.ARRIVED

    @rule(data=st.data(), passed=st.booleans())
    def inspect(self, data: st.DataObject, passed: bool) -> None:
        vin = self._pick(data)
        if vin is None:
            return
        if self.state[vin] is S.PDI_FAILED:
            repair = svc.ChangeVehicleState(self.home[vin], vin, VehicleAction.REPAIR, "joe")
            svc.change_vehicle_state(self.uow, repair, self.clock).unwrap()
            self.state[vin] = S.ARRIVED
        items = (ChecklistItem("brakes", True), ChecklistItem("paint", passed))
        cmd = svc.InspectVehicle(self.home[vin], vin, "bob", items)
        outcome = svc.inspect_vehicle(self.uow, cmd, self.clock)
        assert isinstance(outcome, Success) is (self.state[vin] is S.ARRIVED)
        if isinstance(outcome, Success):
            self.state[vin] = S.IN_STOCK if passed else S.PDI_FAILED

    @rule(data=st.data(), store=stores, hours=st.none() | st.integers(1, 5))
    def reserve(self, data: st.DataObject, store: str, hours: int | None) -> None:
        vin = self._pick(data)
        if vin is None:
            return
        until = None if hours is None else self.clock.now().add(hours=hours)
        cmd = svc.ReserveVehicle(store, vin, HolderKind.CUSTOMER, "C1", "amy", until)
        outcome = svc.reserve_vehicle(self.uow, cmd, self.clock)
        ok = self.home[vin] == store and self._free(vin)
        assert isinstance(outcome, Success) is ok, outcome
        if ok:
            self.state[vin], self.until[vin] = S.RESERVED, until

    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        vin = self._pick(data)
        if vin is None:
            return
        cmd = svc.ChangeVehicleState(self.home[vin], vin, VehicleAction.RELEASE, "amy")
        outcome = svc.change_vehicle_state(self.uow, cmd, self.clock)
        assert isinstance(outcome, Success) is (self.state[vin] is S.RESERVED)
        if isinstance(outcome, Success):
            self.state[vin] = S.IN_STOCK

    @rule(data=st.data(), to=stores)
    def transfer(self, data: st.DataObject, to: str) -> None:
        vin = self._pick(data)
        if vin is None:
            return
        cmd = svc.TransferVehicle(self.home[vin], vin, to, "amy")
        outcome = svc.transfer_vehicle(self.uow, cmd, self.clock)
        ok = self._free(vin) and to != self.home[vin]
        assert isinstance(outcome, Success) is ok, outcome
        if ok:
            self.state[vin], self.target[vin] = S.IN_TRANSFER, to

    @rule(data=st.data(), store=stores, accept=st.booleans())
    def receive_or_refuse(self, data: st.DataObject, store: str, accept: bool) -> None:
        vin = self._pick(data)
        if vin is None:
            return
        cmd = svc.ReceiveVehicle(store, vin, "cat", None if accept else "no")
        service = svc.receive_vehicle if accept else svc.refuse_transfer
        outcome = service(self.uow, cmd, self.clock)
        ok = self.state[vin] is S.IN_TRANSFER and self.target.get(vin) == store
        assert isinstance(outcome, Success) is ok, outcome
        if ok:
            if accept:
                self.home[vin] = store
            self.state[vin] = S.IN_STOCK
            del self.target[vin]

    @rule(data=st.data(), buyer=st.sampled_from(["C1", "C2"]))
    def sell(self, data: st.DataObject, buyer: str) -> None:
        vin = self._pick(data)
        if vin is None:
            return
        cmd = svc.SellVehicle(self.home[vin], vin, buyer, "amy")
        outcome = svc.sell_vehicle(self.uow, cmd, self.clock)
        # A reserved car goes only to its holder (C1) while the reservation is live.
        ok = self._free(vin) or (self.state[vin] is S.RESERVED and buyer == "C1")
        assert isinstance(outcome, Success) is ok, outcome
        if isinstance(outcome, Success):
            self.state[vin] = S.SOLD

    @rule(hours=st.integers(1, 4))
    def time_passes(self, hours: int) -> None:
        """Reservations lapse with no sweep at all."""
        self.clock.advance(hours=hours)

    @rule()
    def sweep(self) -> None:
        expired = svc.expire_reservations(self.uow, self.clock).unwrap()
        assert {v.value for v in expired} == {v for v in self.vins if self._lapsed(v)}
        for vin in expired:
            self.state[vin.value] = S.IN_STOCK

    @invariant()
    def group_stock_matches_the_model(self) -> None:
        lines = svc.find_cars(self.uow, CarStockFilter()).unwrap()
        seen = {c.vin: (c.store_id, c.state) for c in lines}
        for vin in self.vins:
            state = self.state[vin]
            if state in STOCK_STATES or state is S.IN_TRANSFER:
                assert seen.pop(vin) == (self.home[vin], state)
        assert seen == {}
        free_now = CarStockFilter(availability=Availability.FREE)
        free = svc.find_cars(self.uow, free_now, self.clock).unwrap()
        assert {c.vin for c in free} == {v for v in self.vins if self._free(v)}
        for store in STORES:
            here = CarStockFilter(store_id=StoreId(store), incoming=True)
            counted = {c.vin: c for c in svc.find_cars(self.uow, here, self.clock).unwrap()}
            assert {v for v, c in counted.items() if c.state is not S.IN_TRANSFER} == {
                v for v in self.vins if self.home[v] == store and self.state[v] in STOCK_STATES
            }
            # In transfer: listed at the target (incoming), never at the source.
            assert {v for v, c in counted.items() if c.state is S.IN_TRANSFER} == {
                v for v, t in self.target.items() if t == store
            }
            for vin, line in counted.items():
                days = line.days_in_stock(self.clock)
                if line.state not in STOCK_STATES:
                    assert days is None, (vin, line.state)
                elif line.state in {S.IN_STOCK, S.RESERVED}:
                    assert days is not None and days >= 0, (vin, line.state)

    @invariant()
    def aggregates_are_consistent(self) -> None:
        for vin in self.vins:
            car, history = svc.vehicle_history(self.uow, vin).unwrap()
            car.check_invariants()
            assert car.state is self.state[vin]
            assert history[-1].to_state is car.state


# Each step deep-copies the fake unit of work: keep the run short (seconds, not minutes).
VehicleServices.TestCase.settings = settings(max_examples=30, stateful_step_count=20, deadline=None)
TestVehicleServices = VehicleServices.TestCase
