"""Clerks racing for the last units, for real: several processes reserve, on one
PostgreSQL database at the same moment, a few hot parts lying in more than one bin
(all-or-nothing and backorder requests) and one car.

The stock starts with a reservation that lapsed a moment before the race: it must
block nothing (its parts go to the racers) although no sweep ran.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator

import pendulum
import pytest
from returns.result import Failure, Success
from sqlalchemy import Engine

from fours_adapters.bootstrap import bootstrap
from fours_adapters.sql.engine import make_engine
from fours_domain.inventory import services as inv
from fours_domain.inventory.model import (
    NotEnoughStock,
    ReservationPurpose,
    ReservationStatus,
    ShortagePolicy,
)
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.ids import StoreId
from fours_domain.shared.time import FixedClock
from fours_domain.vehicles import services as cars
from fours_domain.vehicles.lifecycle import VehicleAction, VehicleState
from fours_domain.vehicles.model import ChecklistItem, HolderKind
from tests.postgres import private_schema
from tests.unit.inventory.world import PARTS, seed

WORKERS = 6
ATTEMPTS = 12
STOCK = {"P-1": {"A-01": 4, "A-02": 3}, "P-2": {"A-01": 2, "A-02": 1}}  # far less than asked
LAPSED = 2
"""Units of P-1 held by a reservation whose expiry passes just before the race."""
VIN = "LFV3A24G6P3000101"

# (part, requested, granted, backordered, available if refused, policy)
Outcome = tuple[str, int, int, int, int | None, str]


def _clerk(url: str, schema: str, worker: int, start_at: float) -> tuple[list[Outcome], str]:
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=1)
    app = bootstrap(engine=engine)
    outcomes: list[Outcome] = []
    time.sleep(max(0.0, start_at - time.time()))
    car = cars.ReserveVehicle("S1", VIN, HolderKind.CUSTOMER, f"C{worker}", f"clerk-{worker}")
    match cars.reserve_vehicle(app.uow(), car, app.clock):
        case Success(_):
            car_outcome = "won"
        case Failure(error):
            car_outcome = f"refused:{error.code}:{error.message}"
    for attempt in range(ATTEMPTS):
        part = PARTS[(worker + attempt) % len(PARTS)]
        quantity = 1 + (worker * attempt) % 2
        policy = (
            ShortagePolicy.BACKORDER
            if (worker + attempt) % 3 == 0
            else (ShortagePolicy.ALL_OR_NOTHING)
        )
        cmd = inv.ReserveParts(
            "S1",
            "W1",
            (inv.PartQuantity(part, quantity),),
            ReservationPurpose.COUNTER_SALE,
            f"clerk-{worker}-{attempt}",
            policy,
        )
        match inv.reserve_parts(app.uow(), cmd, app.clock, app.ids):
            case Success(outcome):
                granted = sum(r.quantity for r in outcome.reservations)
                backordered = sum(b.quantity for b in outcome.backorders)
                outcomes.append((part, quantity, granted, backordered, None, policy.value))
            case Failure(error):
                assert isinstance(error, NotEnoughStock), error
                assert f"part {part} at S1/W1" in error.message
                available = int(str(error.details["available"]))
                outcomes.append((part, quantity, 0, 0, available, policy.value))
    app.close()
    return outcomes, car_outcome


@pytest.fixture
def race_engine(pg_server_url: str) -> Iterator[tuple[Engine, str]]:
    with private_schema(pg_server_url, "fours_race") as (schema, engine):
        yield engine, schema


def _prepare(engine: Engine) -> str:
    """Stock in two bins, a car in stock, and a reservation lapsing before the race."""
    now = pendulum.now("UTC")
    clock = FixedClock(now.subtract(minutes=10))
    app = bootstrap(engine=engine, clock=clock)
    seed(app.uow, app.clock)
    for part, bins in STOCK.items():
        for bin_code, quantity in bins.items():
            inv.receive_parts(
                app.uow(),
                inv.ReceiveParts("S1", "W1", bin_code, (inv.PartQuantity(part, quantity),)),
                app.clock,
                app.ids,
            ).unwrap()
    spec = VehicleSpec("AUDI", "A6L", colour="BLACK")
    cars.add_vehicle(app.uow(), cars.AddVehicle("S1", VIN, spec, "amy"), clock).unwrap()
    ok = (ChecklistItem("brakes", True),)
    cars.inspect_vehicle(app.uow(), cars.InspectVehicle("S1", VIN, "bob", ok), clock).unwrap()
    lapsing = inv.ReserveParts(
        "S1",
        "W1",
        (inv.PartQuantity("P-1", LAPSED),),
        ReservationPurpose.WORK_ORDER,
        "WO-LAPSED",
        expires_at=now.add(seconds=1),
    )
    outcome = inv.reserve_parts(app.uow(), lapsing, clock, app.ids).unwrap()
    app.close()
    return outcome.reservations[0].id


@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_clerks_never_oversell(
    race_engine: tuple[Engine, str], pg_server_url: str
) -> None:
    engine, schema = race_engine
    lapsed_id = _prepare(engine)

    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 4.0
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(
            _clerk, [(pg_server_url, schema, w, start_at) for w in range(WORKERS)]
        )
    outcomes = [o for worker, _ in results for o in worker]
    assert len(outcomes) == WORKERS * ATTEMPTS

    # The car: exactly one winner, every loser refused cleanly.
    car_outcomes = [car for _, car in results]
    assert car_outcomes.count("won") == 1, car_outcomes
    for loser in (c for c in car_outcomes if c != "won"):
        _, code, message = loser.split(":", 2)
        assert code in {"illegal_transition", "concurrent_change"}, loser
        assert message.startswith(f"vehicle {VIN}"), loser

    app = bootstrap(engine=engine)
    with app.uow() as uow:
        store = StoreId("S1")
        items = uow.stock.items(store)
        on_hand = {p: sum(i.on_hand for i in items if i.part_number == p) for p in PARTS}
        reserved = {p: sum(i.reserved for i in items if i.part_number == p) for p in PARTS}
        open_reserved = dict.fromkeys(PARTS, 0)
        for reservation in uow.stock.open_reservations(store):
            open_reserved[reservation.part_number] += reservation.quantity
        ledger = dict.fromkeys(PARTS, 0)
        for entry in uow.stock.ledger(store):
            ledger[entry.part_number] += entry.quantity
        waiting = dict.fromkeys(PARTS, 0)
        for backorder in uow.stock.find_backorders(store, open_only=True, limit=10**6):
            waiting[backorder.part_number] += backorder.open_quantity
        lapsed = uow.stock.get_reservation(store, lapsed_id)
        assert lapsed is not None and lapsed.status is ReservationStatus.EXPIRED
        car = uow.vehicles.get(cars.lookup_vin(VIN))
        assert car is not None and car.state is VehicleState.RESERVED
        assert [h.action for h in car.history].count(VehicleAction.RESERVE) == 1
        for part, bins in STOCK.items():
            stock = sum(bins.values())
            mine = [o for o in outcomes if o[0] == part]
            granted = sum(o[2] for o in mine)
            assert granted <= stock, f"oversold {part}: {granted} > {stock}"
            # The ledger balances; reserved is what open reservations hold.
            assert on_hand[part] == stock == ledger[part]
            assert reserved[part] == granted == open_reserved[part]
            # A backorder request gets what is there and waits for the rest, in full.
            for _, asked, got, later, refused, policy in mine:
                if policy == ShortagePolicy.BACKORDER.value:
                    assert refused is None and got + later == asked
                elif refused is None:
                    assert (got, later) == (asked, 0)
                else:
                    assert got == 0 and 0 <= refused < asked
            assert waiting[part] == sum(o[3] for o in mine)
            assert any(o[4] is not None for o in mine), f"nobody was refused {part}"
            # The lapsed units went to the racers: every unit of stock was granted.
            assert granted == stock
